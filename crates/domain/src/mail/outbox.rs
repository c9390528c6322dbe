//! The outbox: enqueue, claim what is due, record the outcome.

use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
};

use crate::entities::mail_outbox;
use crate::secrets::SecretBox;
use crate::{Result, Store, now};

/// A rendered mail, ready to queue. The subject is stored in clear until the mail is sent:
/// it must never carry a secret (codes and links go in the bodies, which are encrypted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// What it is (`verify_email`, `password_reset`, ...), for logs and tests.
    pub kind: &'static str,
    /// The recipient's address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text part.
    pub text: String,
    /// HTML part.
    pub html: String,
}

/// How often and how long delivery is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait after the first failure; doubled after each further one.
    pub first_backoff: Duration,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
    /// Attempts after which the mail is given up (and kept, marked failed).
    pub max_attempts: u32,
    /// How long a claimed mail is reserved for the worker that claimed it.
    pub lease: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(3600),
            max_attempts: 30,
            lease: Duration::from_secs(120),
        }
    }
}

/// The outbox service. Bodies carry single-use links, so they are stored encrypted (bound
/// to their row) and erased once the mail is sent.
#[derive(Debug, Clone)]
pub struct Outbox {
    db: DatabaseConnection,
    secrets: SecretBox,
    policy: RetryPolicy,
}

/// A claimed mail with its bodies decrypted.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The stored row (bodies encrypted).
    pub row: mail_outbox::Model,
    /// Plain-text part.
    pub text: String,
    /// HTML part.
    pub html: String,
}

impl Outbox {
    /// Builds the service.
    pub fn new(store: &Store, secrets: SecretBox, policy: RetryPolicy) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
            policy,
        }
    }

    fn seal(&self, id: &str, part: &str, body: &str) -> Result<String> {
        self.secrets
            .encrypt(body.as_bytes(), &format!("mail_outbox:{id}:{part}"))
    }

    fn open(&self, id: &str, part: &str, body: &str) -> Result<String> {
        let bytes = self
            .secrets
            .decrypt(body, &format!("mail_outbox:{id}:{part}"))?;
        String::from_utf8(bytes).map_err(|e| crate::Error::Corrupt(format!("mail body: {e}")))
    }

    /// Queues a mail for immediate delivery; returns its id.
    pub async fn enqueue(&self, message: Message) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        let at = now();
        mail_outbox::ActiveModel {
            id: Set(id.clone()),
            kind: Set(message.kind.to_owned()),
            to_address: Set(message.to),
            subject: Set(message.subject),
            text_body: Set(self.seal(&id, "text", &message.text)?),
            html_body: Set(self.seal(&id, "html", &message.html)?),
            attempts: Set(0),
            next_attempt_at: Set(at),
            last_error: Set(None),
            created_at: Set(at),
            sent_at: Set(None),
            failed_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(id)
    }

    /// Claims up to `limit` due mails for this worker: each is reserved for the lease time,
    /// so two nodes never send the same mail at once (a crash mid-send retries it later).
    pub async fn claim_due(&self, limit: u64) -> Result<Vec<Claimed>> {
        let at = now();
        let due = self.due(at, limit).await?;
        let mut claimed = Vec::with_capacity(due.len());
        for row in due {
            if self.take(&row, at).await? {
                let text = self.open(&row.id, "text", &row.text_body)?;
                let html = self.open(&row.id, "html", &row.html_body)?;
                claimed.push(Claimed { row, text, html });
            }
        }
        Ok(claimed)
    }

    /// The mails due at `at`, oldest first (read only: others may be claiming them too).
    async fn due(&self, at: time::OffsetDateTime, limit: u64) -> Result<Vec<mail_outbox::Model>> {
        Ok(mail_outbox::Entity::find()
            .filter(mail_outbox::Column::SentAt.is_null())
            .filter(mail_outbox::Column::FailedAt.is_null())
            .filter(mail_outbox::Column::NextAttemptAt.lte(at))
            .order_by_asc(mail_outbox::Column::NextAttemptAt)
            .limit(limit)
            .all(&self.db)
            .await?)
    }

    /// Leases one mail read by [`Outbox::due`], if no other worker took it since: one
    /// conditional UPDATE (still due at the time read, not sent, not given up) that only one
    /// of several nodes can win, on SQLite (one writer) and PostgreSQL alike (the loser's
    /// UPDATE waits for the winner's row lock, then no longer matches).
    async fn take(&self, row: &mail_outbox::Model, at: time::OffsetDateTime) -> Result<bool> {
        let taken = mail_outbox::Entity::update_many()
            .col_expr(
                mail_outbox::Column::NextAttemptAt,
                Expr::value(at + self.policy.lease),
            )
            .filter(mail_outbox::Column::Id.eq(row.id.clone()))
            .filter(mail_outbox::Column::NextAttemptAt.eq(row.next_attempt_at))
            .filter(mail_outbox::Column::SentAt.is_null())
            .filter(mail_outbox::Column::FailedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(taken.rows_affected == 1)
    }

    /// Records a delivery and erases the subject and bodies (they may hold single-use links
    /// or personal details) and the recipient's name part (personal data that the sent
    /// record no longer needs); the kind says what the mail was.
    pub async fn mark_sent(&self, id: &str) -> Result<()> {
        let Some(row) = self.get(id).await? else {
            return Ok(());
        };
        let masked = match row.to_address.rsplit_once('@') {
            Some((_, domain)) => format!("***@{domain}"),
            None => "***".to_owned(),
        };
        mail_outbox::Entity::update_many()
            .col_expr(mail_outbox::Column::SentAt, Expr::value(Some(now())))
            .col_expr(mail_outbox::Column::ToAddress, Expr::value(masked))
            .col_expr(mail_outbox::Column::LastError, Expr::value(None::<String>))
            .col_expr(mail_outbox::Column::Subject, Expr::value(String::new()))
            .col_expr(mail_outbox::Column::TextBody, Expr::value(String::new()))
            .col_expr(mail_outbox::Column::HtmlBody, Expr::value(String::new()))
            .filter(mail_outbox::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        metrics::counter!("gatehouse_mail_sent_total").increment(1);
        Ok(())
    }

    /// Records a failed attempt: schedules the next one with exponential backoff, or gives
    /// the mail up after the last attempt. Returns whether it will be retried.
    pub async fn mark_failed(&self, row: &mail_outbox::Model, error: &str) -> Result<bool> {
        let attempts = u32::try_from(row.attempts).unwrap_or(0).saturating_add(1);
        let retry = attempts < self.policy.max_attempts;
        let at = now();
        let mut update: mail_outbox::ActiveModel = row.clone().into();
        update.attempts = Set(i32::try_from(attempts).unwrap_or(i32::MAX));
        update.last_error = Set(Some(error.chars().take(1000).collect()));
        if retry {
            update.next_attempt_at = Set(at + self.backoff(attempts));
        } else {
            update.failed_at = Set(Some(at));
        }
        update.update(&self.db).await?;
        let outcome = if retry { "retry" } else { "given_up" };
        metrics::counter!("gatehouse_mail_failures_total", "outcome" => outcome).increment(1);
        Ok(retry)
    }

    /// The wait after `attempts` failures.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(16));
        self.policy
            .first_backoff
            .saturating_mul(factor)
            .min(self.policy.max_backoff)
    }

    /// One queued mail by id.
    pub async fn get(&self, id: &str) -> Result<Option<mail_outbox::Model>> {
        Ok(mail_outbox::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?)
    }

    /// Mails not yet sent nor given up.
    pub async fn pending_count(&self) -> Result<u64> {
        use sea_orm::PaginatorTrait as _;
        Ok(mail_outbox::Entity::find()
            .filter(mail_outbox::Column::SentAt.is_null())
            .filter(mail_outbox::Column::FailedAt.is_null())
            .count(&self.db)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend_tests;

    fn message(to: &str) -> Message {
        Message {
            kind: "test",
            to: to.into(),
            subject: "Hello".into(),
            text: "plain".into(),
            html: "<p>html</p>".into(),
        }
    }

    fn outbox(store: &Store) -> Outbox {
        Outbox::new(
            store,
            crate::secrets::MasterKey::generate().secret_box(),
            RetryPolicy {
                first_backoff: Duration::from_secs(30),
                max_backoff: Duration::from_secs(100),
                max_attempts: 3,
                lease: Duration::from_secs(120),
            },
        )
    }

    backend_tests! {
        async fn of_two_nodes_that_read_the_same_due_mail_only_one_claims_it(store: Store) {
            let key = crate::secrets::MasterKey::generate();
            let a = Outbox::new(&store, key.secret_box(), RetryPolicy::default());
            let b = Outbox::new(&store.detached(), key.secret_box(), RetryPolicy::default());
            let id = a.enqueue(message("race@example.com")).await.unwrap();
            // Both nodes read the mail as due before either claims it...
            let at = now();
            let seen_by_a = a.due(at, 10).await.unwrap();
            let seen_by_b = b.due(at, 10).await.unwrap();
            assert_eq!((seen_by_a.len(), seen_by_b.len()), (1, 1));
            // ...then both try to take it: the first wins, the second's read is stale.
            assert!(b.take(&seen_by_b[0], at).await.unwrap(), "B claims it");
            assert!(!a.take(&seen_by_a[0], at).await.unwrap(), "A lost the race");
            assert!(a.claim_due(10).await.unwrap().is_empty(), "leased to B");
            b.mark_sent(&id).await.unwrap();
            assert_eq!(a.pending_count().await.unwrap(), 0);
        }

        async fn two_nodes_draining_one_outbox_deliver_each_mail_once(store: Store) {
            let key = crate::secrets::MasterKey::generate();
            let nodes = [
                Outbox::new(&store, key.secret_box(), RetryPolicy::default()),
                Outbox::new(&store.detached(), key.secret_box(), RetryPolicy::default()),
            ];
            let mut queued = Vec::new();
            for i in 0..40 {
                queued.push(nodes[0].enqueue(message(&format!("u{i}@example.com"))).await.unwrap());
            }
            // Each node drains as the mail worker does, a few at a time, at the same time.
            let drain = |outbox: Outbox| async move {
                let mut sent = Vec::new();
                loop {
                    let batch = outbox.claim_due(3).await.unwrap();
                    if batch.is_empty() {
                        return sent;
                    }
                    for mail in batch {
                        outbox.mark_sent(&mail.row.id).await.unwrap();
                        sent.push(mail.row.id);
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
            queued.sort();
            assert_eq!(delivered, queued, "each mail exactly once (A sent {}, B {})", a.len(), b.len());
            assert_eq!(nodes[1].pending_count().await.unwrap(), 0);
        }

        async fn a_claimed_mail_is_not_claimed_twice_and_sent_once(store: Store) {
            let outbox = outbox(&store);
            let id = outbox.enqueue(message("a@example.com")).await.unwrap();
            let claimed = outbox.claim_due(10).await.unwrap();
            assert_eq!(claimed.len(), 1);
            assert_eq!(claimed[0].row.id, id);
            assert_eq!((claimed[0].text.as_str(), claimed[0].html.as_str()), ("plain", "<p>html</p>"));
            assert!(!claimed[0].row.text_body.contains("plain"), "encrypted at rest");
            assert!(outbox.claim_due(10).await.unwrap().is_empty(), "leased");
            outbox.mark_sent(&id).await.unwrap();
            assert_eq!(outbox.pending_count().await.unwrap(), 0);
            let sent = outbox.get(&id).await.unwrap().unwrap();
            assert!(sent.sent_at.is_some());
            assert!(sent.text_body.is_empty() && sent.html_body.is_empty(), "bodies erased once sent");
            assert_eq!(sent.to_address, "***@example.com", "recipient masked once sent");
        }

        async fn failures_back_off_exponentially_then_give_up(store: Store) {
            let outbox = outbox(&store);
            assert_eq!(outbox.backoff(1), Duration::from_secs(30));
            assert_eq!(outbox.backoff(2), Duration::from_secs(60));
            assert_eq!(outbox.backoff(3), Duration::from_secs(100), "capped");
            let id = outbox.enqueue(message("b@example.com")).await.unwrap();
            let row = outbox.claim_due(1).await.unwrap().remove(0).row;
            assert!(outbox.mark_failed(&row, "connection refused").await.unwrap());
            let row = outbox.get(&id).await.unwrap().unwrap();
            assert_eq!(row.attempts, 1);
            assert_eq!(row.last_error.as_deref(), Some("connection refused"));
            let wait = row.next_attempt_at - row.created_at;
            assert!(wait >= time::Duration::seconds(29), "next attempt after the backoff: {wait}");
            assert!(outbox.claim_due(1).await.unwrap().is_empty(), "not due yet");
            // The last allowed attempt fails: given up, kept, no longer pending.
            let mut row = row;
            row.attempts = 2;
            assert!(!outbox.mark_failed(&row, "still refused").await.unwrap());
            let row = outbox.get(&id).await.unwrap().unwrap();
            assert!(row.failed_at.is_some() && row.sent_at.is_none());
            assert_eq!(outbox.pending_count().await.unwrap(), 0);
        }
    }
}
