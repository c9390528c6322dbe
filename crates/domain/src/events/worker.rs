//! The delivery worker: claims due outbox rows and POSTs them to their webhooks (signed), or
//! publishes them to the configured brokers; records the outcome, backs off, and disables a
//! subscription that has failed for too long (mailing the administrators).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _};
use serde_json::json;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::logout::{self, LogoutNotice, LogoutSigner};
use super::outbox::EventOutbox;
use super::signing;
use super::ssrf::{self, GuardedResolver};
use super::subscriptions::{Webhooks, give_up_pending};
use crate::audit::{AuditEvent, AuditLog};
use crate::clients::Client;
use crate::entities::{
    client, event_outbox, group_role, role, user, user_group, user_role, webhook_subscription,
};
use crate::mail::{Message, Outbox};
use crate::{Error, Result, Store, now};

/// At most this much of a failed answer's body is kept, as its error text.
const MAX_ERROR_BODY: usize = 1024;

/// How often a worker deletes old delivered and given-up rows.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Webhook rows delivered at the same time by one worker.
const BATCH: u64 = 16;

/// A broker the worker publishes to.
pub trait Publisher: Send + Sync {
    /// The outbox destination it serves (`amqp`, `nats`).
    fn destination(&self) -> &'static str;
    /// Publishes one event and waits for the broker's confirmation; `Err` says why not.
    fn publish<'a>(
        &'a self,
        row: &'a event_outbox::Model,
    ) -> Pin<Box<dyn Future<Output = std::result::Result<(), String>> + Send + 'a>>;
}

/// The worker's settings.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// How often the outbox is looked at when nothing wakes the worker.
    pub poll: Duration,
    /// Time a receiver has to answer.
    pub timeout: Duration,
    /// A subscription failing without a success for this long is disabled.
    pub disable_after: Duration,
    /// `webhooks.allow_private_addresses`.
    pub allow_private: bool,
    /// Delivered and given-up rows are deleted this long after they were queued.
    pub retain: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            disable_after: Duration::from_secs(3 * 86_400),
            allow_private: false,
            retain: Duration::from_secs(7 * 86_400),
        }
    }
}

/// The delivery worker.
#[derive(Clone)]
pub struct Worker {
    db: DatabaseConnection,
    outbox: EventOutbox,
    webhooks: Webhooks,
    mail: Outbox,
    audit: AuditLog,
    http: reqwest::Client,
    settings: WorkerSettings,
    brokers: Vec<Arc<dyn Publisher>>,
    logout_signer: Option<Arc<dyn LogoutSigner>>,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// What one webhook attempt came to.
enum Attempt {
    Delivered(u16),
    Failed(Option<u16>, String),
}

impl Worker {
    /// Builds the worker and its HTTP client (no redirects, no proxies, names resolved
    /// through the SSRF guard).
    pub fn new(
        store: &Store,
        outbox: EventOutbox,
        webhooks: Webhooks,
        mail: Outbox,
        audit: AuditLog,
        settings: WorkerSettings,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private: settings.allow_private,
            }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("Gatehouse-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Task(format!("cannot build the webhook client: {e}")))?;
        Ok(Self {
            db: store.db().clone(),
            outbox,
            webhooks,
            mail,
            audit,
            http,
            settings,
            brokers: Vec::new(),
            logout_signer: None,
            wake: Arc::new(Notify::new()),
        })
    }

    /// Adds a broker to publish to.
    pub fn with_broker(mut self, broker: Arc<dyn Publisher>) -> Self {
        self.brokers.push(broker);
        self
    }

    /// Signs the back-channel logout tokens this worker delivers (without one, they wait for
    /// a worker that has one).
    pub fn with_logout_signer(mut self, signer: Arc<dyn LogoutSigner>) -> Self {
        self.logout_signer = Some(signer);
        self
    }

    /// A handle that makes the worker look at the outbox now.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Starts the worker: it drains what is due, then sleeps until woken or the poll interval
    /// passes.
    pub fn spawn(self) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut purged_at: Option<std::time::Instant> = None;
            loop {
                // The delivery log is trimmed once an hour (every node: deleting is idempotent).
                if purged_at.is_none_or(|at| at.elapsed() >= PURGE_EVERY) {
                    purged_at = Some(std::time::Instant::now());
                    match self.outbox.purge_ended(now() - self.settings.retain).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(deleted = n, "purged ended event deliveries"),
                        Err(e) => tracing::warn!(error = %e, "cannot purge ended event deliveries"),
                    }
                }
                if let Err(e) = self.run_once().await {
                    tracing::error!(error = %e, "event outbox unavailable; retrying");
                }
                match self.outbox.depth().await {
                    #[allow(clippy::cast_precision_loss)] // 2^53 queued events is not a concern
                    Ok(depth) => metrics::gauge!("gatehouse_event_outbox_depth").set(depth as f64),
                    Err(e) => tracing::warn!(error = %e, "cannot count the event outbox"),
                }
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(self.settings.poll) => {}
                }
            }
        })
    }

    /// Delivers everything due now; returns the number of attempts made.
    pub async fn run_once(&self) -> Result<usize> {
        let mut attempts = 0;
        loop {
            let batch = self.outbox.claim_webhooks(BATCH).await?;
            if batch.is_empty() {
                break;
            }
            attempts += batch.len();
            let mut tasks = tokio::task::JoinSet::new();
            for row in batch {
                let worker = self.clone();
                tasks.spawn(async move { worker.deliver_webhook(&row).await });
            }
            while let Some(done) = tasks.join_next().await {
                done.map_err(|e| Error::Task(format!("webhook delivery: {e}")))??;
            }
        }
        for broker in &self.brokers {
            attempts += self.drain_broker(broker.as_ref()).await?;
        }
        Ok(attempts)
    }

    /// Publishes a broker's rows in order until none is due or one fails.
    async fn drain_broker(&self, broker: &dyn Publisher) -> Result<usize> {
        let mut attempts = 0;
        while let Some(row) = self.outbox.claim_head(broker.destination()).await? {
            attempts += 1;
            match broker.publish(&row).await {
                Ok(()) => {
                    self.outbox.mark_delivered(&row, None).await?;
                    metrics::counter!("gatehouse_event_publishes_total", "destination" => broker.destination(), "outcome" => "delivered").increment(1);
                }
                Err(error) => {
                    tracing::warn!(destination = broker.destination(), event_id = %row.event_id, %error, "event publish failed; will retry");
                    self.outbox.mark_failed(&row, None, &error).await?;
                    metrics::counter!("gatehouse_event_publishes_total", "destination" => broker.destination(), "outcome" => "retry").increment(1);
                    break;
                }
            }
        }
        Ok(attempts)
    }

    async fn deliver_webhook(&self, row: &event_outbox::Model) -> Result<()> {
        if let Some(client_id) = row.destination.strip_prefix(logout::DESTINATION_PREFIX) {
            return self.deliver_logout(client_id, row).await;
        }
        let subscription = self.webhooks.row(&row.destination).await?;
        let Some(subscription) = subscription.filter(|s| s.enabled) else {
            return self
                .outbox
                .give_up(row, "subscription disabled or deleted")
                .await;
        };
        let attempt = self.post(&subscription, row).await;
        match attempt {
            Attempt::Delivered(status) => {
                self.outbox.mark_delivered(row, Some(status)).await?;
                if subscription.failing_since.is_some() {
                    webhook_subscription::Entity::update_many()
                        .col_expr(
                            webhook_subscription::Column::FailingSince,
                            Expr::value(None::<time::OffsetDateTime>),
                        )
                        .filter(webhook_subscription::Column::Id.eq(&subscription.id))
                        .exec(&self.db)
                        .await?;
                }
                metrics::counter!("gatehouse_webhook_deliveries_total", "outcome" => "delivered")
                    .increment(1);
            }
            Attempt::Failed(status, error) => {
                let retry = self.outbox.mark_failed(row, status, &error).await?;
                let outcome = if retry { "retry" } else { "given_up" };
                tracing::warn!(webhook = %subscription.id, event_id = %row.event_id, %error, outcome, "webhook delivery failed");
                metrics::counter!("gatehouse_webhook_deliveries_total", "outcome" => outcome)
                    .increment(1);
                self.record_failure(&subscription, &error).await?;
            }
        }
        Ok(())
    }

    /// POSTs a back-channel logout token to the client (OIDC Back-Channel Logout 1.0 §2.5),
    /// signed now: a retry carries a fresh token with the same `jti`.
    async fn deliver_logout(&self, client_id: &str, row: &event_outbox::Model) -> Result<()> {
        let found = client::Entity::find_by_id(client_id.to_owned())
            .one(&self.db)
            .await?
            .map(Client::try_from)
            .transpose()?;
        let Some((client, uri)) = found
            .filter(|c| c.enabled)
            .and_then(|c| c.backchannel_logout_uri.clone().map(|uri| (c, uri)))
        else {
            return self
                .outbox
                .give_up(
                    row,
                    "client deleted, disabled or without backchannel_logout_uri",
                )
                .await;
        };
        let attempt = match serde_json::from_str::<LogoutNotice>(&row.payload) {
            Err(e) => {
                return self
                    .outbox
                    .give_up(row, &format!("unreadable logout notice: {e}"))
                    .await;
            }
            Ok(notice) => match &self.logout_signer {
                None => Attempt::Failed(None, "no logout token signer on this node".into()),
                Some(signer) => match signer.sign(&client, &notice, &row.event_id) {
                    Err(e) => Attempt::Failed(None, format!("cannot sign the logout token: {e}")),
                    Ok(token) => match ssrf::check_url(&uri, self.settings.allow_private) {
                        Err(e) => Attempt::Failed(None, e.to_string()),
                        Ok(url) => {
                            let body = url::form_urlencoded::Serializer::new(String::new())
                                .append_pair("logout_token", &token)
                                .finish();
                            self.send(
                                self.http
                                    .post(url)
                                    .header("content-type", "application/x-www-form-urlencoded")
                                    .body(body),
                            )
                            .await
                        }
                    },
                },
            },
        };
        match attempt {
            Attempt::Delivered(status) => {
                self.outbox.mark_delivered(row, Some(status)).await?;
                metrics::counter!("gatehouse_backchannel_logout_deliveries_total", "outcome" => "delivered").increment(1);
            }
            Attempt::Failed(status, error) => {
                let retry = self.outbox.mark_failed(row, status, &error).await?;
                let outcome = if retry { "retry" } else { "given_up" };
                // The origin only: the path of a logout endpoint may carry a secret of its own.
                tracing::warn!(client_id, origin = %ssrf::origin(&uri), %error, outcome, "back-channel logout delivery failed");
                metrics::counter!("gatehouse_backchannel_logout_deliveries_total", "outcome" => outcome).increment(1);
            }
        }
        Ok(())
    }

    async fn post(&self, sub: &webhook_subscription::Model, row: &event_outbox::Model) -> Attempt {
        // Names are checked by the resolver at connect time; literal addresses never reach
        // it, so the URL is checked again here (the setting may have changed since).
        let url = match ssrf::check_url(&sub.url, self.settings.allow_private) {
            Ok(url) => url,
            Err(e) => return Attempt::Failed(None, e.to_string()),
        };
        let at = now();
        let keys = match self.webhooks.signing_keys(sub, at) {
            Ok(keys) => keys,
            Err(e) => return Attempt::Failed(None, e.to_string()),
        };
        let timestamp = at.unix_timestamp();
        let signature = signing::signature_header(&keys, &row.event_id, timestamp, &row.payload);
        self.send(
            self.http
                .post(url)
                .header("content-type", "application/json")
                .header("webhook-id", &row.event_id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(row.payload.clone()),
        )
        .await
    }

    /// Sends a delivery: a 2xx answer delivers it; otherwise the status and the start of the
    /// answer's body say why not.
    async fn send(&self, request: reqwest::RequestBuilder) -> Attempt {
        let sent = request.send().await;
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => return Attempt::Failed(None, error_chain(&e)),
        };
        let status = response.status();
        if status.is_success() {
            return Attempt::Delivered(status.as_u16());
        }
        let mut body = Vec::new();
        while body.len() < MAX_ERROR_BODY {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                _ => break,
            }
        }
        body.truncate(MAX_ERROR_BODY);
        let text = String::from_utf8_lossy(&body);
        let error = match text.trim() {
            "" => format!("HTTP {status}"),
            text => format!("HTTP {status}: {text}"),
        };
        Attempt::Failed(Some(status.as_u16()), error)
    }

    /// Starts the subscription's failure record, or disables it once the failures have gone
    /// on for `disable_after`.
    async fn record_failure(&self, sub: &webhook_subscription::Model, error: &str) -> Result<()> {
        let at = now();
        let Some(since) = sub.failing_since else {
            webhook_subscription::Entity::update_many()
                .col_expr(
                    webhook_subscription::Column::FailingSince,
                    Expr::value(Some(at)),
                )
                .filter(webhook_subscription::Column::Id.eq(&sub.id))
                .filter(webhook_subscription::Column::FailingSince.is_null())
                .exec(&self.db)
                .await?;
            return Ok(());
        };
        if since + self.settings.disable_after > at {
            return Ok(());
        }
        let reason = format!(
            "every delivery failed since {}; last error: {}",
            since
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            error.chars().take(200).collect::<String>()
        );
        // Only one node (the one whose UPDATE still finds it enabled) disables it and mails.
        let disabled = webhook_subscription::Entity::update_many()
            .col_expr(webhook_subscription::Column::Enabled, Expr::value(false))
            .col_expr(
                webhook_subscription::Column::DisabledReason,
                Expr::value(Some(reason.clone())),
            )
            .filter(webhook_subscription::Column::Id.eq(&sub.id))
            .filter(webhook_subscription::Column::Enabled.eq(true))
            .exec(&self.db)
            .await?;
        if disabled.rows_affected != 1 {
            return Ok(());
        }
        give_up_pending(&self.db, &sub.id, "subscription disabled after failing").await?;
        tracing::error!(webhook = %sub.id, %reason, "webhook subscription disabled");
        self.audit
            .record(
                AuditEvent::failure("webhook.disabled", reason.clone()).data(json!({
                    "webhook_id": sub.id,
                    "origin": ssrf::origin(&sub.url),
                })),
            )
            .await?;
        for to in admin_addresses(&self.db).await? {
            self.mail.enqueue(disabled_mail(&to, sub, &reason)).await?;
        }
        Ok(())
    }
}

/// The addresses of the users holding the global admin role directly or through a group.
async fn admin_addresses(db: &DatabaseConnection) -> Result<Vec<String>> {
    let Some(admin) = role::Entity::find()
        .filter(role::Column::Name.eq(crate::roles::ADMIN_ROLE))
        .filter(role::Column::ClientId.is_null())
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    let mut ids: Vec<String> = user_role::Entity::find()
        .filter(user_role::Column::RoleId.eq(&admin.id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.user_id)
        .collect();
    let groups: Vec<String> = group_role::Entity::find()
        .filter(group_role::Column::RoleId.eq(&admin.id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.group_id)
        .collect();
    if !groups.is_empty() {
        ids.extend(
            user_group::Entity::find()
                .filter(user_group::Column::GroupId.is_in(groups))
                .all(db)
                .await?
                .into_iter()
                .map(|l| l.user_id),
        );
    }
    let mut addresses: Vec<String> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|u| u.email)
        .collect();
    addresses.sort();
    addresses.dedup();
    Ok(addresses)
}

fn disabled_mail(to: &str, sub: &webhook_subscription::Model, reason: &str) -> Message {
    let text = format!(
        "Gatehouse disabled the webhook subscription {id} ({url}): {reason}\n\n\
         Events are no longer sent to it. Once the receiver works again, turn it back on \
         with `gatehouse webhook enable {id}`; `gatehouse webhook deliveries {id}` shows \
         the failed attempts.\n",
        id = sub.id,
        url = ssrf::origin(&sub.url),
    );
    let html = format!("<p>{}</p>", escape_html(&text).replace("\n\n", "</p><p>"));
    Message {
        kind: "webhook_disabled",
        to: to.to_owned(),
        subject: "A webhook subscription was disabled".to_owned(),
        text,
        html,
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An error and its causes, in one line (reqwest's own text omits the cause).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
