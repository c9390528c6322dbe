//! Audit events: a row in `audit_events` and a structured log line for each.

use sea_orm::{DatabaseConnection, EntityTrait as _, Set};
use tokio::sync::{mpsc, oneshot};

use crate::entities::audit_event;
use crate::{Error, Result, Store, now};

/// Whether the audited action succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It succeeded.
    Success,
    /// It was refused or failed.
    Failure,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// One thing that happened, as the audit log records it. Never put secrets in `data`.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// What happened, dotted (`user.created`, `login.failed`, `keys.rotated`).
    pub kind: &'static str,
    /// Success or failure.
    pub outcome: Outcome,
    /// Why it failed, or other short context.
    pub reason: Option<String>,
    /// Who did it (a user id), if a person did.
    pub actor_user_id: Option<String>,
    /// Whom it concerns (a user id).
    pub subject_user_id: Option<String>,
    /// The client involved.
    pub client_id: Option<String>,
    /// The browser session involved.
    pub session_id: Option<String>,
    /// The caller's IP address.
    pub ip: Option<String>,
    /// The caller's user agent.
    pub user_agent: Option<String>,
    /// The request id, to join with request logs.
    pub request_id: Option<String>,
    /// Structured details.
    pub data: Option<serde_json::Value>,
}

impl AuditEvent {
    /// A successful event of `kind` with nothing else set.
    pub fn success(kind: &'static str) -> Self {
        Self::new(kind, Outcome::Success)
    }

    /// A failed event of `kind` with a reason.
    pub fn failure(kind: &'static str, reason: impl Into<String>) -> Self {
        Self {
            reason: Some(reason.into()),
            ..Self::new(kind, Outcome::Failure)
        }
    }

    fn new(kind: &'static str, outcome: Outcome) -> Self {
        Self {
            kind,
            outcome,
            reason: None,
            actor_user_id: None,
            subject_user_id: None,
            client_id: None,
            session_id: None,
            ip: None,
            user_agent: None,
            request_id: None,
            data: None,
        }
    }

    /// Sets the user the event concerns.
    pub fn subject(mut self, user_id: impl Into<String>) -> Self {
        self.subject_user_id = Some(user_id.into());
        self
    }

    /// Sets the client involved.
    pub fn client(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Sets structured details.
    pub fn data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(data);
        self
    }
}

/// Writes audit events. Rows are written by one background task in batches ("group
/// commit"): under load many requests share one INSERT, yet each `record` returns only once
/// its row is stored, so no event is acknowledged and then lost.
#[derive(Debug, Clone)]
pub struct AuditLog {
    queue: mpsc::Sender<Queued>,
}

/// An event waiting for the writer, with the caller waiting for its outcome.
#[derive(Debug)]
struct Queued {
    row: audit_event::ActiveModel,
    done: oneshot::Sender<std::result::Result<(), WriteFailed>>,
}

/// Most rows in one INSERT.
const BATCH: usize = 256;

impl AuditLog {
    /// Builds the log on a store and starts its writer on the current Tokio runtime.
    pub fn new(store: &Store) -> Self {
        let (queue, rx) = mpsc::channel(4 * BATCH);
        tokio::spawn(write_batches(store.db().clone(), rx));
        Self { queue }
    }

    /// Stores the event and emits it as a log line on the `audit` target.
    pub async fn record(&self, event: AuditEvent) -> Result<()> {
        metrics::counter!(
            "gatehouse_audit_events_total",
            "kind" => event.kind, "outcome" => event.outcome.as_str()
        )
        .increment(1);
        tracing::info!(
            target: "audit",
            kind = event.kind,
            outcome = event.outcome.as_str(),
            reason = event.reason.as_deref(),
            actor = event.actor_user_id.as_deref(),
            subject = event.subject_user_id.as_deref(),
            client_id = event.client_id.as_deref(),
            session_id = event.session_id.as_deref(),
            ip = event.ip.as_deref(),
            request_id = event.request_id.as_deref(),
            "audit event"
        );
        let row = audit_event::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            occurred_at: Set(now()),
            kind: Set(event.kind.to_owned()),
            outcome: Set(event.outcome.as_str().to_owned()),
            reason: Set(event.reason),
            actor_user_id: Set(event.actor_user_id),
            subject_user_id: Set(event.subject_user_id),
            client_id: Set(event.client_id),
            session_id: Set(event.session_id),
            ip: Set(event.ip),
            user_agent: Set(event.user_agent),
            request_id: Set(event.request_id),
            data: Set(event.data),
        };
        let (done, outcome) = oneshot::channel();
        self.queue
            .send(Queued { row, done })
            .await
            .map_err(|_| Error::Task("the audit writer has stopped".into()))?;
        outcome
            .await
            .map_err(|_| Error::Task("the audit writer has stopped".into()))?
            .map_err(|e| {
                let message = format!("audit write failed: {}", e.message);
                if e.unavailable {
                    Error::Unavailable(message)
                } else {
                    Error::Task(message)
                }
            })
    }
}

/// Why the writer could not store a batch, as every waiting caller learns it.
#[derive(Debug, Clone)]
struct WriteFailed {
    /// The database could not be reached (the callers answer 503, not 500).
    unavailable: bool,
    /// The database's error, in words.
    message: String,
}

/// The writer: takes whatever is queued (up to [`BATCH`]), inserts it in one statement,
/// and tells every waiting caller the outcome.
async fn write_batches(db: DatabaseConnection, mut rx: mpsc::Receiver<Queued>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let (rows, waiters): (Vec<_>, Vec<_>) = batch.drain(..).map(|q| (q.row, q.done)).unzip();
        let outcome = audit_event::Entity::insert_many(rows)
            .exec(&db)
            .await
            .map(drop)
            .map_err(|e| {
                let e = Error::Database(e);
                WriteFailed {
                    unavailable: e.is_unavailable(),
                    message: e.to_string(),
                }
            });
        if let Err(e) = &outcome {
            tracing::error!(error = %e.message, "cannot store audit events");
        }
        for waiter in waiters {
            let _ = waiter.send(outcome.clone());
        }
    }
}
