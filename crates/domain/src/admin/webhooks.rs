//! Webhook subscriptions (`gatehouse:admin`): the subscription service audits each change
//! itself, with the acting administrator.

use std::time::Duration;

use serde::Serialize;

use super::{Access, Actor, Admin, Area};
use crate::Result;
use crate::entities::event_outbox;
use crate::events::{NewWebhook, Webhook};

/// One delivery of an event to a subscription, as the delivery log shows it (never the
/// secret; the body is the event, which carries none).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    /// The event's id (the receivers' de-duplication key).
    pub event_id: String,
    /// The public event type.
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Attempts so far.
    pub attempts: i32,
    /// The receiver's last HTTP status.
    pub last_status: Option<i32>,
    /// The last error, shortened.
    pub last_error: Option<String>,
    /// When the event was queued.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// The next attempt (pending deliveries).
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: time::OffsetDateTime,
    /// When it was delivered.
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<time::OffsetDateTime>,
}

impl From<event_outbox::Model> for DeliveryView {
    fn from(m: event_outbox::Model) -> Self {
        Self {
            event_id: m.event_id,
            event_type: m.event_type,
            state: m.state,
            attempts: m.attempts,
            last_status: m.last_status,
            last_error: m.last_error,
            created_at: m.created_at,
            next_attempt_at: m.next_attempt_at,
            delivered_at: m.delivered_at,
        }
    }
}

impl Admin {
    /// Every subscription.
    pub async fn list_webhooks(&self, actor: &Actor) -> Result<Vec<Webhook>> {
        actor.require(Area::System, Access::Read)?;
        self.parts.webhooks.list().await
    }

    /// One subscription.
    pub async fn webhook(&self, actor: &Actor, id: &str) -> Result<Webhook> {
        actor.require(Area::System, Access::Read)?;
        self.parts.webhooks.get(id).await
    }

    /// Subscribes a URL (checked against the SSRF guard); returns it with its secret, shown
    /// once.
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        new: NewWebhook,
    ) -> Result<(Webhook, String)> {
        actor.require(Area::System, Access::Write)?;
        self.parts
            .webhooks
            .create(new, actor.audit_id().as_deref())
            .await
    }

    /// Deletes a subscription with its queued deliveries.
    pub async fn delete_webhook(&self, actor: &Actor, id: &str) -> Result<()> {
        actor.require(Area::System, Access::Write)?;
        self.parts
            .webhooks
            .delete(id, actor.audit_id().as_deref())
            .await
    }

    /// Enables or disables a subscription.
    pub async fn set_webhook_enabled(
        &self,
        actor: &Actor,
        id: &str,
        enabled: bool,
    ) -> Result<Webhook> {
        actor.require(Area::System, Access::Write)?;
        self.parts
            .webhooks
            .set_enabled(id, enabled, actor.audit_id().as_deref())
            .await
    }

    /// A new secret; the old one also signs for `grace`. Returns the new secret, shown once.
    pub async fn rotate_webhook_secret(
        &self,
        actor: &Actor,
        id: &str,
        grace: Duration,
    ) -> Result<String> {
        actor.require(Area::System, Access::Write)?;
        self.parts
            .webhooks
            .rotate_secret(id, grace, actor.audit_id().as_deref())
            .await
    }

    /// The newest deliveries of a subscription (at most `limit`, 1 to 500).
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        id: &str,
        limit: u64,
    ) -> Result<Vec<DeliveryView>> {
        actor.require(Area::System, Access::Read)?;
        if !(1..=500).contains(&limit) {
            return Err(crate::Error::invalid("limit", "must be 1 to 500"));
        }
        Ok(self
            .parts
            .webhooks
            .deliveries(id, limit)
            .await?
            .into_iter()
            .map(DeliveryView::from)
            .collect())
    }
}
