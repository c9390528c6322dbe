//! Audit events: a row in `audit_events` and a structured log line for each. The rows form a
//! hash chain ([`chain`]) that [`verify`] checks; [`AuditQuery`] searches and exports them.

pub mod chain;
mod erasure;
mod export;
mod query;
mod verify;
mod writer;

#[cfg(test)]
mod tests;

use tokio::sync::{mpsc, oneshot};

use crate::entities::audit_event;
use crate::{Error, Result, Store, now};

pub(crate) use erasure::pseudonymise;
pub use export::{Format, csv_field};
pub use query::{AuditQuery, AuditRecord, Filter, MAX_LIMIT, Page};
pub use verify::{Broken, ChainHead, Problem, Report, verify};

/// Whether the audited action succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// It succeeded.
    Success,
    /// It was refused or failed.
    Failure,
}

impl Outcome {
    /// `success` or `failure`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }

    /// The outcome named `success` or `failure`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "success" => Ok(Outcome::Success),
            "failure" => Ok(Outcome::Failure),
            _ => Err(Error::invalid("outcome", "must be success or failure")),
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

    /// Sets the user who acted.
    pub fn actor(mut self, user_id: impl Into<String>) -> Self {
        self.actor_user_id = Some(user_id.into());
        self
    }

    /// Sets the client involved.
    pub fn client(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Sets the browser session involved.
    pub fn session(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// Sets the caller's IP address.
    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        self.ip = Some(ip.into());
        self
    }

    /// Sets the caller's user agent.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Sets the request id.
    pub fn request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Sets the reason (short context, also on a success).
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
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
    queue: mpsc::Sender<writer::Queued>,
}

impl AuditLog {
    /// Builds the log on a store and starts its writer on the current Tokio runtime.
    pub fn new(store: &Store) -> Self {
        let (queue, rx) = mpsc::channel(4 * writer::BATCH);
        tokio::spawn(writer::write_batches(store.db().clone(), rx));
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
        // The chain fields are filled in by the writer, which alone knows the chain's head.
        let row = audit_event::Model {
            id: uuid::Uuid::now_v7().to_string(),
            occurred_at: now(),
            kind: event.kind.to_owned(),
            outcome: event.outcome.as_str().to_owned(),
            reason: event.reason,
            actor_user_id: event.actor_user_id,
            subject_user_id: event.subject_user_id,
            client_id: event.client_id,
            session_id: event.session_id,
            ip: event.ip,
            user_agent: event.user_agent,
            request_id: event.request_id,
            data: event.data,
            seq: None,
            prev_hash: None,
            hash: None,
            personal_digest: None,
        };
        let (done, outcome) = oneshot::channel();
        self.queue
            .send(writer::Queued { row, done })
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
