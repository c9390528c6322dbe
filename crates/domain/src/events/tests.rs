//! The event outbox, webhook delivery and its guards, on SQLite and PostgreSQL.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::outbox::{self, AMQP, DELIVERED, FAILED, NATS, PENDING};
use super::*;
use crate::audit::AuditLog;
use crate::backend_tests;
use crate::entities::{audit_event, event_outbox, webhook_subscription};
use crate::secrets::MasterKey;
use crate::{Error, Store};

fn audit_row(kind: &str) -> audit_event::Model {
    audit_event::Model {
        id: uuid::Uuid::now_v7().to_string(),
        occurred_at: crate::now(),
        kind: kind.into(),
        outcome: "success".into(),
        reason: None,
        actor_user_id: None,
        subject_user_id: Some("user-1".into()),
        client_id: None,
        session_id: None,
        ip: Some("203.0.113.7".into()),
        user_agent: None,
        request_id: None,
        data: None,
        seq: None,
        prev_hash: None,
        hash: None,
        personal_digest: None,
    }
}

async fn user(store: &Store, email: &str) -> crate::entities::user::Model {
    use crate::credentials::password::{PasswordHasher, PasswordParams};
    use crate::users::{NewUser, UserStatus, Users};
    let hasher = PasswordHasher::new(&PasswordParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
        max_concurrent: 1,
    })
    .unwrap();
    Users::new(store, hasher)
        .create(NewUser {
            email: email.into(),
            password: None,
            email_verified: true,
            display_name: None,
            status: UserStatus::Active,
        })
        .await
        .unwrap()
}

fn webhooks(store: &Store, allow_private: bool) -> Webhooks {
    Webhooks::new(
        store,
        MasterKey::generate().secret_box(),
        AuditLog::new(store),
        allow_private,
    )
}

fn new_hook(url: &str, types: &[&str]) -> NewWebhook {
    NewWebhook {
        url: url.into(),
        event_types: types.iter().map(|t| (*t).to_owned()).collect(),
        description: Some("test".into()),
    }
}

async fn rows_for(store: &Store, destination: &str) -> Vec<event_outbox::Model> {
    event_outbox::Entity::find()
        .filter(event_outbox::Column::Destination.eq(destination))
        .all(store.db())
        .await
        .unwrap()
}

/// Makes every pending row due now (instead of waiting out the back-off).
async fn make_due(store: &Store) {
    event_outbox::Entity::update_many()
        .col_expr(
            event_outbox::Column::NextAttemptAt,
            Expr::value(crate::now() - Duration::from_secs(1)),
        )
        .filter(event_outbox::Column::State.eq(PENDING))
        .exec(store.db())
        .await
        .unwrap();
}

/// What the test receiver saw of one request.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A plain HTTP/1.1 receiver on loopback: answers each request with the next status of
/// `statuses` (the last one repeats) and keeps what it received.
async fn receiver(statuses: Vec<u16>) -> (SocketAddr, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let (head_end, length) = loop {
                let n = socket.read(&mut chunk).await.unwrap();
                if n == 0 {
                    break (0, 0);
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    let length = head
                        .lines()
                        .find_map(|l| {
                            let (n, v) = l.split_once(':')?;
                            n.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0usize);
                    break (end + 4, length);
                }
            };
            if head_end == 0 {
                continue;
            }
            while buf.len() < head_end + length {
                let n = socket.read(&mut chunk).await.unwrap();
                buf.extend_from_slice(&chunk[..n]);
            }
            let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
            let headers = head
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                .collect();
            let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).to_string();
            let index = {
                let mut log = log.lock().unwrap();
                log.push(Received { headers, body });
                log.len() - 1
            };
            let status = statuses[index.min(statuses.len() - 1)];
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: 4\r\nconnection: close\r\n\r\nnope"
            );
            socket.write_all(reply.as_bytes()).await.unwrap();
            let _ = socket.shutdown().await;
        }
    });
    (addr, seen)
}

/// The Standard Webhooks check, written here from the specification (not with the code
/// under test): HMAC-SHA-256 keyed with the base64-decoded secret over
/// `"{webhook-id}.{webhook-timestamp}.{body}"`, base64, one of the `v1,` signatures.
fn verify_standard_webhook(secret: &str, r: &Received) -> bool {
    use base64::Engine as _;
    use hmac::Mac as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = b64.decode(secret.trim_start_matches("whsec_")).unwrap();
    let id = r.header("webhook-id").unwrap();
    let ts = r.header("webhook-timestamp").unwrap();
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - ts.parse::<i64>().unwrap();
    assert!(age.abs() < 300, "timestamp within five minutes");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.{}", r.body).as_bytes());
    let expected = b64.encode(mac.finalize().into_bytes());
    r.header("webhook-signature")
        .unwrap()
        .split(' ')
        .any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
}

fn worker(store: &Store, hooks: &Webhooks, settings: WorkerSettings) -> Worker {
    Worker::new(
        store,
        EventOutbox::new(store, DeliveryPolicy::default()),
        hooks.clone(),
        crate::mail::Outbox::new(
            store,
            MasterKey::generate().secret_box(),
            crate::mail::RetryPolicy::default(),
        ),
        AuditLog::new(store),
        settings,
    )
    .unwrap()
}

fn private_settings() -> WorkerSettings {
    WorkerSettings {
        allow_private: true,
        ..WorkerSettings::default()
    }
}

#[test]
fn the_guard_refuses_internal_addresses_and_plain_http() {
    for url in [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fc00::1]/hook",
        "https://[fe80::1]/hook",
        "https://100.64.0.1/hook",
        "https://192.168.1.1/hook",
        "https://172.16.0.1/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[64:ff9b::a00:1]/hook",
    ] {
        let err = ssrf::check_url(url, false).unwrap_err();
        assert!(
            matches!(err, Error::Invalid { field: "url", .. }),
            "{url}: {err}"
        );
        assert!(
            ssrf::check_url(url, true).is_ok(),
            "{url} allowed for development"
        );
    }
    assert!(
        ssrf::check_url("http://example.com/hook", false).is_err(),
        "http refused"
    );
    assert!(ssrf::check_url("http://example.com/hook", true).is_ok());
    assert!(ssrf::check_url("https://user:pw@example.com/", false).is_err());
    assert!(ssrf::check_url("https://203.0.113.10/hook", false).is_ok());
    assert!(ssrf::check_url("https://hooks.example.com/x", false).is_ok());
    assert!(!ssrf::is_forbidden("8.8.8.8".parse().unwrap()));
    assert!(!ssrf::is_forbidden("2001:4860::8888".parse().unwrap()));
}

#[tokio::test]
async fn the_resolver_refuses_a_name_that_resolves_to_loopback() {
    let guard = ssrf::GuardedResolver {
        allow_private: false,
    };
    let err = guard.resolve_host("localhost").await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
    assert!(err.to_string().contains("internal addresses"), "{err}");
    let open = ssrf::GuardedResolver {
        allow_private: true,
    };
    assert!(!open.resolve_host("localhost").await.unwrap().is_empty());
}

backend_tests! {
    async fn enqueue_writes_rows_only_for_matching_enabled_subscriptions(store: Store) {
        let hooks = webhooks(&store, false);
        let (locked, _) = hooks.create(new_hook("https://a.example/h", &["user.locked"]), None).await.unwrap();
        let (all, _) = hooks.create(new_hook("https://b.example/h", &["*"]), None).await.unwrap();
        let (off, _) = hooks.create(new_hook("https://c.example/h", &["*"]), None).await.unwrap();
        hooks.set_enabled(&off.id, false, None).await.unwrap();
        let rows = [audit_row("user.locked"), audit_row("login.succeeded"), audit_row("maintenance.purged")];
        let queued = outbox::enqueue_to(store.db(), &rows, &[]).await.unwrap();
        assert_eq!(queued, 3, "user.locked to two subscriptions, user.signed_in to one");
        let to_locked = rows_for(&store, &locked.id).await;
        assert_eq!(to_locked.len(), 1);
        assert_eq!(to_locked[0].event_type, "user.locked");
        assert_eq!(to_locked[0].state, PENDING);
        let mut to_all: Vec<String> = rows_for(&store, &all.id).await.into_iter().map(|r| r.event_type).collect();
        to_all.sort();
        assert_eq!(to_all, ["user.locked", "user.signed_in"]);
        assert!(rows_for(&store, &off.id).await.is_empty(), "disabled subscriptions get nothing");
        // One event has one id for every destination.
        assert_eq!(rows_for(&store, &all.id).await.iter().filter(|r| r.event_id == to_locked[0].event_id).count(), 1);
        // Brokers get every event; kinds outside the catalogue give nothing at all.
        let queued = outbox::enqueue_to(store.db(), &rows, &[AMQP, NATS]).await.unwrap();
        assert_eq!(queued, 3 + 4);
        assert_eq!(rows_for(&store, AMQP).await.len(), 2);
        assert_eq!(rows_for(&store, NATS).await.len(), 2);
        assert_eq!(outbox::enqueue_to(store.db(), &[audit_row("authz.decision")], &[AMQP]).await.unwrap(), 0);
        assert!(!rows_for(&store, &locked.id).await[0].payload.contains("203.0.113.7"), "no IP in events");
    }

    async fn enqueue_runs_inside_the_callers_transaction(store: Store) {
        use sea_orm::TransactionTrait as _;
        let hooks = webhooks(&store, false);
        let (all, _) = hooks.create(new_hook("https://b.example/h", &["*"]), None).await.unwrap();
        let txn = store.db().begin().await.unwrap();
        enqueue_from_audit(&txn, &[audit_row("user.created")]).await.unwrap();
        txn.rollback().await.unwrap();
        assert!(rows_for(&store, &all.id).await.is_empty(), "rolled back with the audit rows");
    }

    async fn of_two_workers_that_read_the_same_row_only_one_claims_it(store: Store) {
        let hooks = webhooks(&store, false);
        hooks.create(new_hook("https://b.example/h", &["*"]), None).await.unwrap();
        outbox::enqueue_to(store.db(), &[audit_row("user.created")], &[]).await.unwrap();
        let a = EventOutbox::new(&store, DeliveryPolicy::default());
        let b = EventOutbox::new(&store.detached(), DeliveryPolicy::default());
        let at = crate::now();
        let seen_by_a = a.due_webhooks(at, 10).await.unwrap();
        let seen_by_b = b.due_webhooks(at, 10).await.unwrap();
        assert_eq!((seen_by_a.len(), seen_by_b.len()), (1, 1));
        assert!(b.take(seen_by_b[0].clone(), at).await.unwrap().is_some(), "B claims it");
        assert!(a.take(seen_by_a[0].clone(), at).await.unwrap().is_none(), "A lost the race");
        assert!(a.claim_webhooks(10).await.unwrap().is_empty(), "leased to B");
    }

    async fn two_workers_draining_one_outbox_deliver_each_row_once(store: Store) {
        let hooks = webhooks(&store, false);
        hooks.create(new_hook("https://b.example/h", &["*"]), None).await.unwrap();
        let rows: Vec<_> = (0..40).map(|_| audit_row("user.created")).collect();
        outbox::enqueue_to(store.db(), &rows, &[]).await.unwrap();
        let nodes = [
            EventOutbox::new(&store, DeliveryPolicy::default()),
            EventOutbox::new(&store.detached(), DeliveryPolicy::default()),
        ];
        let drain = |outbox: EventOutbox| async move {
            let mut sent = Vec::new();
            loop {
                let batch = outbox.claim_webhooks(3).await.unwrap();
                if batch.is_empty() {
                    return sent;
                }
                for row in batch {
                    outbox.mark_delivered(&row, Some(200)).await.unwrap();
                    sent.push(row.id);
                    tokio::task::yield_now().await;
                }
            }
        };
        let (a, b) = tokio::join!(
            tokio::spawn(drain(nodes[0].clone())),
            tokio::spawn(drain(nodes[1].clone())),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let mut delivered: Vec<String> = a.iter().chain(&b).cloned().collect();
        delivered.sort();
        let before = delivered.len();
        delivered.dedup();
        assert_eq!(before, delivered.len(), "no row twice (A {}, B {})", a.len(), b.len());
        assert_eq!(delivered.len(), 40, "every row once");
        assert_eq!(nodes[0].depth().await.unwrap(), 0);
        // Ended rows go once older than the retention, not before.
        assert_eq!(nodes[0].purge_ended(crate::now() - Duration::from_secs(3600)).await.unwrap(), 0);
        assert_eq!(nodes[0].purge_ended(crate::now() + Duration::from_secs(1)).await.unwrap(), 40);
    }

    async fn a_row_another_node_is_claiming_is_skipped_not_waited_for(store: Store) {
        use sea_orm::{QueryOrder as _, QuerySelect as _, TransactionTrait as _};
        if store.db().get_database_backend() != sea_orm::DbBackend::Postgres {
            return; // SQLite has one writer: its claim is the conditional update, tested above.
        }
        let hooks = webhooks(&store, false);
        hooks.create(new_hook("https://b.example/h", &["*"]), None).await.unwrap();
        outbox::enqueue_to(store.db(), &[audit_row("user.created"), audit_row("user.updated")], &[]).await.unwrap();
        // Another node is in the middle of claiming the oldest row.
        let txn = store.db().begin().await.unwrap();
        let held = crate::entities::event_outbox::Entity::find()
            .order_by_asc(crate::entities::event_outbox::Column::NextAttemptAt)
            .limit(1)
            .lock(sea_orm::sea_query::LockType::Update)
            .one(&txn)
            .await
            .unwrap()
            .unwrap();
        let b = EventOutbox::new(&store.detached(), DeliveryPolicy::default());
        // Bounded only so that a regression fails instead of hanging.
        let claimed = tokio::time::timeout(Duration::from_secs(30), b.claim_webhooks(10))
            .await
            .expect("the claim waited for the other node's lock")
            .unwrap();
        assert_eq!(claimed.len(), 1, "the free row only");
        assert_ne!(claimed[0].id, held.id);
        txn.rollback().await.unwrap();
        let rest = b.claim_webhooks(10).await.unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].id, held.id, "free again once the other node let go");
    }

    async fn failures_back_off_exponentially_with_jitter(store: Store) {
        let outbox = EventOutbox::new(&store, DeliveryPolicy::default());
        let expected = [30, 60, 120, 240, 480, 960, 1920, 3600, 3600];
        for (n, secs) in expected.iter().enumerate() {
            assert_eq!(outbox.backoff(u32::try_from(n).unwrap() + 1), Duration::from_secs(*secs), "after {} failures", n + 1);
        }
        let hooks = webhooks(&store, false);
        let (hook, _) = hooks.create(new_hook("https://b.example/h", &["*"]), None).await.unwrap();
        outbox::enqueue_to(store.db(), &[audit_row("user.created")], &[]).await.unwrap();
        let mut waits = Vec::new();
        for attempt in 1..=3u32 {
            let row = outbox.claim_webhooks(1).await.unwrap().remove(0);
            let before = crate::now();
            assert!(outbox.mark_failed(&row, Some(503), "HTTP 503").await.unwrap());
            let row = outbox.get(&row.id).await.unwrap().unwrap();
            assert_eq!(row.attempts, i32::try_from(attempt).unwrap());
            assert_eq!((row.last_status, row.state.as_str()), (Some(503), PENDING));
            let wait = (row.next_attempt_at - before).as_seconds_f64();
            let base = outbox.backoff(attempt).as_secs_f64();
            assert!(wait >= base - 1.0 && wait <= base * 1.1 + 1.0, "attempt {attempt}: waits {wait}s, base {base}s");
            assert!(outbox.claim_webhooks(1).await.unwrap().is_empty(), "not due before its time");
            waits.push(wait);
            make_due(&store).await;
        }
        assert!(waits[1] > waits[0] && waits[2] > waits[1], "{waits:?}");
        assert_eq!(outbox.purge_ended(crate::now() + Duration::from_secs(60)).await.unwrap(), 0, "pending rows are kept");
        // An event older than the give-up time is given up at its next failure.
        event_outbox::Entity::update_many()
            .col_expr(event_outbox::Column::CreatedAt, Expr::value(crate::now() - Duration::from_secs(4 * 86_400)))
            .exec(store.db())
            .await
            .unwrap();
        let row = outbox.claim_webhooks(1).await.unwrap().remove(0);
        assert!(!outbox.mark_failed(&row, Some(500), "HTTP 500").await.unwrap());
        assert_eq!(rows_for(&store, &hook.id).await[0].state, FAILED);
    }

    async fn a_receiver_that_fails_once_gets_the_event_twice_then_it_is_delivered(store: Store) {
        let (addr, seen) = receiver(vec![500, 200]).await;
        let hooks = webhooks(&store, true);
        let (hook, secret) = hooks.create(new_hook(&format!("http://{addr}/hook"), &["user.created"]), None).await.unwrap();
        outbox::enqueue_to(store.db(), &[audit_row("user.created")], &[]).await.unwrap();
        let worker = worker(&store, &hooks, private_settings());
        assert_eq!(worker.run_once().await.unwrap(), 1);
        let row = rows_for(&store, &hook.id).await.remove(0);
        assert_eq!((row.state.as_str(), row.attempts, row.last_status), (PENDING, 1, Some(500)));
        assert_eq!(row.last_error.as_deref(), Some("HTTP 500 Internal Server Error: nope"));
        assert!(hooks.get(&hook.id).await.unwrap().failing_since.is_some());
        assert_eq!(worker.run_once().await.unwrap(), 0, "backing off");
        make_due(&store).await;
        assert_eq!(worker.run_once().await.unwrap(), 1);
        let row = rows_for(&store, &hook.id).await.remove(0);
        assert_eq!((row.state.as_str(), row.attempts, row.last_status), (DELIVERED, 2, Some(200)));
        assert!(row.delivered_at.is_some());
        assert!(hooks.get(&hook.id).await.unwrap().failing_since.is_none(), "a success ends the failure run");
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 2, "the event arrived twice");
        for r in &seen {
            assert!(verify_standard_webhook(&secret, r), "signature verifies: {r:?}");
            assert_eq!(r.header("webhook-id"), Some(row.event_id.as_str()));
            assert_eq!(r.header("content-type"), Some("application/json"));
            assert_eq!(r.body, row.payload);
        }
        assert!(!verify_standard_webhook(&signing::generate_secret(), &seen[0]), "another secret does not verify");
        let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
        assert_eq!((body["type"].as_str(), body["id"].as_str()), (Some("user.created"), Some(row.event_id.as_str())));
    }

    async fn a_rotated_secret_signs_alongside_the_new_one_during_its_grace(store: Store) {
        let (addr, seen) = receiver(vec![200]).await;
        let hooks = webhooks(&store, true);
        let (hook, old) = hooks.create(new_hook(&format!("http://{addr}/hook"), &["*"]), None).await.unwrap();
        let new = hooks.rotate_secret(&hook.id, Duration::from_secs(3600), None).await.unwrap();
        assert_ne!(old, new);
        outbox::enqueue_to(store.db(), &[audit_row("user.created")], &[]).await.unwrap();
        worker(&store, &hooks, private_settings()).run_once().await.unwrap();
        let got = seen.lock().unwrap()[0].clone();
        assert_eq!(got.header("webhook-signature").unwrap().split(' ').count(), 2, "two signatures");
        assert!(verify_standard_webhook(&old, &got), "the old secret still verifies");
        assert!(verify_standard_webhook(&new, &got), "the new secret verifies");
        let row = hooks.row(&hook.id).await.unwrap().unwrap();
        assert_eq!(hooks.signing_keys(&row, crate::now()).unwrap().len(), 2);
        let later = crate::now() + Duration::from_secs(3601);
        assert_eq!(hooks.signing_keys(&row, later).unwrap().len(), 1, "only the new one after the grace");
        // Without grace every earlier secret stops at once.
        let newest = hooks.rotate_secret(&hook.id, Duration::ZERO, None).await.unwrap();
        let row = hooks.row(&hook.id).await.unwrap().unwrap();
        assert_eq!(hooks.signing_keys(&row, crate::now()).unwrap().len(), 1);
        assert!(!row.secrets.contains(&newest[6..]), "secrets sealed at rest");
    }

    async fn a_subscription_failing_for_days_is_disabled_and_admins_are_mailed(store: Store) {
        let (addr, _) = receiver(vec![500]).await;
        let hooks = webhooks(&store, true);
        let admin = user(&store, "root@example.com").await;
        crate::roles::Roles::new(&store).ensure(crate::roles::ADMIN_ROLE).await.unwrap();
        crate::roles::Roles::new(&store).grant(crate::roles::ADMIN_ROLE, "root@example.com").await.unwrap();
        user(&store, "nobody@example.com").await;
        let (hook, _) = hooks.create(new_hook(&format!("http://{addr}/hook"), &["*"]), None).await.unwrap();
        outbox::enqueue_to(store.db(), &[audit_row("user.created"), audit_row("user.deleted")], &[]).await.unwrap();
        let worker = worker(&store, &hooks, private_settings());
        worker.run_once().await.unwrap();
        let failing = hooks.get(&hook.id).await.unwrap();
        assert!(failing.enabled && failing.failing_since.is_some(), "failing, not yet disabled");
        // Three days and a bit of failures later (the clock of the record is moved back).
        webhook_subscription::Entity::update_many()
            .col_expr(
                webhook_subscription::Column::FailingSince,
                Expr::value(Some(crate::now() - Duration::from_secs(3 * 86_400 + 60))),
            )
            .exec(store.db())
            .await
            .unwrap();
        make_due(&store).await;
        worker.run_once().await.unwrap();
        let disabled = hooks.get(&hook.id).await.unwrap();
        assert!(!disabled.enabled);
        assert!(disabled.disabled_reason.as_deref().unwrap().contains("HTTP 500"), "{disabled:?}");
        assert!(rows_for(&store, &hook.id).await.iter().all(|r| r.state == FAILED), "its queue is given up");
        let mails = crate::entities::mail_outbox::Entity::find().all(store.db()).await.unwrap();
        assert_eq!(mails.len(), 1, "one mail, to the one administrator: {mails:?}");
        assert_eq!(mails[0].to_address, admin.email.unwrap());
        assert_eq!(mails[0].kind, "webhook_disabled");
        // Nothing more is queued for it.
        assert_eq!(outbox::enqueue_to(store.db(), &[audit_row("user.created")], &[]).await.unwrap(), 0);
    }

    async fn a_name_resolving_to_loopback_is_never_contacted(store: Store) {
        let (addr, seen) = receiver(vec![200]).await;
        let hooks = webhooks(&store, false);
        let err = hooks.create(new_hook(&format!("https://127.0.0.1:{}/hook", addr.port()), &["*"]), None).await.unwrap_err();
        assert!(matches!(err, Error::Invalid { field: "url", .. }), "{err}");
        // A name passes creation; it is refused at connect time by what it resolves to.
        let (hook, _) = hooks.create(new_hook(&format!("https://localhost:{}/hook", addr.port()), &["*"]), None).await.unwrap();
        outbox::enqueue_to(store.db(), &[audit_row("user.created")], &[]).await.unwrap();
        worker(&store, &hooks, WorkerSettings::default()).run_once().await.unwrap();
        let row = rows_for(&store, &hook.id).await.remove(0);
        assert_eq!(row.state, PENDING);
        assert!(row.last_error.as_deref().unwrap().contains("internal addresses"), "{:?}", row.last_error);
        assert!(seen.lock().unwrap().is_empty(), "the receiver on loopback saw nothing");
    }

    async fn subscriptions_are_validated_audited_and_deleted_with_their_queue(store: Store) {
        let hooks = webhooks(&store, false);
        assert!(hooks.create(new_hook("https://a.example/h", &["login.failed"]), None).await.is_err(), "audit kinds are not event types");
        assert!(hooks.create(new_hook("https://a.example/h", &[]), None).await.is_err());
        let (hook, secret) = hooks.create(new_hook("https://a.example/h", &["user.locked", "*"]), Some("admin-1")).await.unwrap();
        assert_eq!(hook.event_types, ["*"]);
        assert!(secret.starts_with("whsec_"));
        let row = hooks.row(&hook.id).await.unwrap().unwrap();
        assert!(!row.secrets.contains(&secret[6..]), "sealed at rest");
        outbox::enqueue_to(store.db(), &[audit_row("user.created")], &[]).await.unwrap();
        assert_eq!(hooks.deliveries(&hook.id, 10).await.unwrap().len(), 1);
        hooks.delete(&hook.id, Some("admin-1")).await.unwrap();
        assert!(rows_for(&store, &hook.id).await.is_empty());
        assert!(matches!(hooks.get(&hook.id).await, Err(Error::NotFound(_))));
        let kinds: Vec<(String, Option<String>)> = audit_event::Entity::find()
            .all(store.db())
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.kind, e.actor_user_id))
            .collect();
        assert!(kinds.contains(&("webhook.created".into(), Some("admin-1".into()))), "{kinds:?}");
        assert!(kinds.contains(&("webhook.deleted".into(), Some("admin-1".into()))), "{kinds:?}");
        let (_, _) = hooks.create(new_hook("https://hooks.example/services/T0/B0/token123?k=v", &["*"]), None).await.unwrap();
        let audited = serde_json::to_string(&audit_event::Entity::find().all(store.db()).await.unwrap().into_iter().map(|e| e.data).collect::<Vec<_>>()).unwrap();
        assert!(audited.contains("https://hooks.example") && !audited.contains("token123"), "only the origin is audited: {audited}");
    }
}

/// The environment variable naming a RabbitMQ server for tests.
const AMQP_ENV: &str = "GATEHOUSE_TEST_AMQP_URL";
/// The environment variable naming a NATS server (with JetStream) for tests.
const NATS_ENV: &str = "GATEHOUSE_TEST_NATS_URL";

/// Three events of different types, queued for `broker` only, in order; their event ids.
async fn queue_three(store: &Store, broker: &'static str) -> Vec<(String, String)> {
    let kinds = ["user.created", "user.locked", "user.deleted"];
    let rows: Vec<_> = kinds.iter().map(|k| audit_row(k)).collect();
    outbox::enqueue_to(store.db(), &rows, &[broker])
        .await
        .unwrap();
    let mut queued = rows_for(store, broker).await;
    queued.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    queued
        .into_iter()
        .map(|r| (r.event_id, r.event_type))
        .collect()
}

backend_tests! {
    async fn events_reach_rabbitmq_once_each_in_order(store: Store) {
        use futures_util::StreamExt as _;
        use lapin::options::{BasicConsumeOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
        use lapin::types::FieldTable;
        let Ok(url) = std::env::var(AMQP_ENV) else {
            crate::testing::skip_or_fail(AMQP_ENV);
            return;
        };
        let exchange = format!("gatehouse.test.{}", uuid::Uuid::new_v4().simple());
        // A private queue bound to the exchange, as a consumer would have.
        let connection = lapin::Connection::connect(&url, lapin::ConnectionProperties::default())
            .await
            .unwrap_or_else(|e| panic!("{AMQP_ENV} is set but RabbitMQ does not answer: {e}"));
        let channel = connection.create_channel().await.unwrap();
        channel
            .exchange_declare(&exchange, lapin::ExchangeKind::Topic, ExchangeDeclareOptions { durable: true, ..Default::default() }, FieldTable::default())
            .await
            .unwrap();
        let queue = channel
            .queue_declare("", QueueDeclareOptions { exclusive: true, auto_delete: true, ..Default::default() }, FieldTable::default())
            .await
            .unwrap();
        channel
            .queue_bind(queue.name().as_str(), &exchange, "user.#", QueueBindOptions::default(), FieldTable::default())
            .await
            .unwrap();
        let mut consumer = channel
            .basic_consume(queue.name().as_str(), "test", BasicConsumeOptions { no_ack: true, ..Default::default() }, FieldTable::default())
            .await
            .unwrap();
        let sent = queue_three(&store, AMQP).await;
        let hooks = webhooks(&store, false);
        let worker = worker(&store, &hooks, WorkerSettings::default())
            .with_broker(Arc::new(brokers::AmqpPublisher::new(&url, &exchange)));
        assert_eq!(worker.run_once().await.unwrap(), 3);
        let mut got = Vec::new();
        while got.len() < 3 {
            let delivery = tokio::time::timeout(Duration::from_secs(10), consumer.next())
                .await
                .expect("the events arrive")
                .unwrap()
                .unwrap();
            let id = delivery.properties.message_id().as_ref().unwrap().to_string();
            let body: serde_json::Value = serde_json::from_slice(&delivery.data).unwrap();
            assert_eq!(body["id"].as_str(), Some(id.as_str()), "message id = event id");
            got.push((id, delivery.routing_key.to_string()));
        }
        assert_eq!(got, sent, "each once, in order, routed by type");
        assert!(rows_for(&store, AMQP).await.iter().all(|r| r.state == DELIVERED));
        // Nothing more: a second run publishes nothing again.
        assert_eq!(worker.run_once().await.unwrap(), 0);
        let extra = tokio::time::timeout(Duration::from_millis(500), consumer.next()).await;
        assert!(extra.is_err(), "no duplicate: {extra:?}");
        let _ = channel.exchange_delete(&exchange, Default::default()).await;
        let _ = connection.close(200, "done").await;
    }

    async fn events_reach_nats_jetstream_and_core_once_each_in_order(store: Store) {
        use futures_util::StreamExt as _;
        let Ok(url) = std::env::var(NATS_ENV) else {
            crate::testing::skip_or_fail(NATS_ENV);
            return;
        };
        let client = async_nats::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{NATS_ENV} is set but NATS does not answer: {e}"));
        let tag = uuid::Uuid::new_v4().simple().to_string();
        // Core NATS: a subscription made before the events are published.
        let core_prefix = format!("gatehouse.test.core.{tag}");
        let mut subscriber = client.subscribe(format!("{core_prefix}.>")).await.unwrap();
        client.flush().await.unwrap();
        let sent = queue_three(&store, NATS).await;
        let hooks = webhooks(&store, false);
        let core_worker = worker(&store, &hooks, WorkerSettings::default())
            .with_broker(Arc::new(brokers::NatsPublisher::new(&url, &core_prefix)));
        assert_eq!(core_worker.run_once().await.unwrap(), 3);
        let mut got = Vec::new();
        while got.len() < 3 {
            let m = tokio::time::timeout(Duration::from_secs(10), subscriber.next())
                .await
                .expect("the events arrive")
                .unwrap();
            let id = m.headers.as_ref().unwrap().get("Nats-Msg-Id").unwrap().to_string();
            got.push((id, m.subject.to_string().trim_start_matches(&format!("{core_prefix}.")).to_owned()));
        }
        assert_eq!(got, sent, "core: each once, in order, subject by type");
        // JetStream: a stream covers the subjects; each publish is acknowledged and stored.
        let js = async_nats::jetstream::new(client.clone());
        let js_prefix = format!("gatehouse.test.js.{tag}");
        let stream_name = format!("GATEHOUSE_TEST_{tag}");
        let mut stream = js
            .create_stream(async_nats::jetstream::stream::Config {
                name: stream_name.clone(),
                subjects: vec![format!("{js_prefix}.>")],
                ..Default::default()
            })
            .await
            .unwrap();
        event_outbox::Entity::delete_many().exec(store.db()).await.unwrap();
        let sent = queue_three(&store, NATS).await;
        let publisher = Arc::new(brokers::NatsPublisher::new(&url, &js_prefix));
        let js_worker = worker(&store, &hooks, WorkerSettings::default()).with_broker(publisher.clone());
        assert_eq!(js_worker.run_once().await.unwrap(), 3);
        assert_eq!(stream.info().await.unwrap().state.messages, 3);
        let mut stored = Vec::new();
        for seq in 1..=3 {
            let m = stream.get_raw_message(seq).await.unwrap();
            let id = m.headers.get("Nats-Msg-Id").unwrap().to_string();
            stored.push((id, m.subject.to_string().trim_start_matches(&format!("{js_prefix}.")).to_owned()));
        }
        assert_eq!(stored, sent, "JetStream: each once, in order");
        // A second publish of the same event (at-least-once) is dropped by the stream.
        let again = rows_for(&store, NATS).await.remove(0);
        publisher.publish(&again).await.unwrap();
        assert_eq!(stream.info().await.unwrap().state.messages, 3, "de-duplicated by Nats-Msg-Id");
        js.delete_stream(&stream_name).await.unwrap();
    }
}

/// A receiver that reads each request, then answers with `reply` (raw HTTP), or never
/// answers when `reply` is `None`.
async fn raw_receiver(reply: Option<String>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = socket.read(&mut buf).await;
                match reply {
                    Some(text) => {
                        let _ = socket.write_all(text.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    addr
}

backend_tests! {
    async fn slow_redirecting_and_verbose_answers_are_failures_kept_short(store: Store) {
        let big = "x".repeat(5000);
        let cases = [
            (None, None, "timed out"),
            (Some("HTTP/1.1 302 Found\r\nlocation: http://169.254.169.254/\r\ncontent-length: 0\r\n\r\n".to_owned()), Some(302), "http 302 found"),
            (Some(format!("HTTP/1.1 500 Oops\r\ncontent-length: {}\r\n\r\n{big}", big.len())), Some(500), "http 500 internal server error: xxx"),
        ];
        let hooks = webhooks(&store, true);
        let settings = WorkerSettings { timeout: Duration::from_secs(1), ..private_settings() };
        for (reply, status, says) in cases {
            let addr = raw_receiver(reply).await;
            let (hook, _) = hooks.create(new_hook(&format!("http://{addr}/hook"), &["*"]), None).await.unwrap();
            outbox::enqueue_to(store.db(), &[audit_row("user.created")], &[]).await.unwrap();
            let started = std::time::Instant::now();
            worker(&store, &hooks, settings).run_once().await.unwrap();
            assert!(started.elapsed() < Duration::from_secs(5), "the timeout bounds an attempt");
            let row = rows_for(&store, &hook.id).await.remove(0);
            let error = row.last_error.clone().unwrap();
            assert_eq!((row.state.as_str(), row.last_status), (PENDING, status), "{error}");
            assert!(error.to_lowercase().contains(says), "{says}: {error}");
            assert!(error.len() <= 1100, "at most 1 KiB of the answer is kept ({} bytes)", error.len());
            hooks.delete(&hook.id, None).await.unwrap();
        }
    }
}
