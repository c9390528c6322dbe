//! Webhook subscriptions: where events go, which types, and the secrets that sign them.

use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::catalogue;
use super::outbox::{FAILED, PENDING};
use super::signing;
use crate::audit::{AuditEvent, AuditLog};
use crate::entities::{event_outbox, webhook_subscription};
use crate::secrets::SecretBox;
use crate::{Error, Result, Store, now};

/// What a new subscription needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    /// The https URL events are POSTed to.
    pub url: String,
    /// Public event types, or `*`.
    pub event_types: Vec<String>,
    /// What it is for, for people.
    pub description: Option<String>,
}

/// A subscription as shown to administrators (never its secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Webhook {
    /// Its id.
    pub id: String,
    /// Where events go.
    pub url: String,
    /// Public event types, or `*`.
    pub event_types: Vec<String>,
    /// What it is for.
    pub description: Option<String>,
    /// Whether events are queued for it.
    pub enabled: bool,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// Since when its deliveries fail (none: the last one succeeded).
    #[serde(with = "time::serde::rfc3339::option")]
    pub failing_since: Option<time::OffsetDateTime>,
    /// Why Gatehouse disabled it.
    pub disabled_reason: Option<String>,
}

impl TryFrom<webhook_subscription::Model> for Webhook {
    type Error = Error;

    fn try_from(m: webhook_subscription::Model) -> Result<Self> {
        Ok(Self {
            event_types: serde_json::from_value(m.event_types)
                .map_err(|e| Error::Corrupt(format!("webhook event types: {e}")))?,
            id: m.id,
            url: m.url,
            description: m.description,
            enabled: m.enabled,
            created_at: m.created_at,
            failing_since: m.failing_since,
            disabled_reason: m.disabled_reason,
        })
    }
}

/// One signing secret and when it stops being used (none: the current one).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredSecret {
    secret: String,
    expires_at: Option<i64>,
}

/// The webhook subscriptions service.
#[derive(Debug, Clone)]
pub struct Webhooks {
    db: DatabaseConnection,
    secrets: SecretBox,
    audit: AuditLog,
    allow_private: bool,
}

fn secrets_context(id: &str) -> String {
    format!("webhook_subscription:{id}")
}

impl Webhooks {
    /// Builds the service; `allow_private` is `webhooks.allow_private_addresses`.
    pub fn new(store: &Store, secrets: SecretBox, audit: AuditLog, allow_private: bool) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
            audit,
            allow_private,
        }
    }

    fn seal(&self, id: &str, list: &[StoredSecret]) -> Result<String> {
        let text = serde_json::to_vec(list).map_err(|e| Error::Crypto(e.to_string()))?;
        self.secrets.encrypt(&text, &secrets_context(id))
    }

    fn open(&self, m: &webhook_subscription::Model) -> Result<Vec<StoredSecret>> {
        let text = self.secrets.decrypt(&m.secrets, &secrets_context(&m.id))?;
        serde_json::from_slice(&text).map_err(|e| Error::Corrupt(format!("webhook secrets: {e}")))
    }

    /// The keys that sign a delivery at `at`: the current secret and those still in their
    /// grace period.
    pub fn signing_keys(
        &self,
        m: &webhook_subscription::Model,
        at: time::OffsetDateTime,
    ) -> Result<Vec<Vec<u8>>> {
        self.open(m)?
            .iter()
            .filter(|s| s.expires_at.is_none_or(|e| e > at.unix_timestamp()))
            .map(|s| signing::decode_secret(&s.secret))
            .collect()
    }

    async fn record(&self, kind: &'static str, w: &Webhook, actor: Option<&str>) -> Result<()> {
        let mut event = AuditEvent::success(kind).data(json!({
            "webhook_id": w.id,
            "origin": super::ssrf::origin(&w.url),
            "event_types": w.event_types,
            "enabled": w.enabled,
        }));
        event.actor_user_id = actor.map(str::to_owned);
        self.audit.record(event).await
    }

    /// Adds a subscription; returns it and its signing secret (shown this once only).
    pub async fn create(&self, new: NewWebhook, actor: Option<&str>) -> Result<(Webhook, String)> {
        let url = super::ssrf::check_url(&new.url, self.allow_private)?;
        let event_types = check_types(new.event_types)?;
        let description = new
            .description
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty());
        if description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 500)
        {
            return Err(Error::invalid("description", "at most 500 characters"));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let secret = signing::generate_secret();
        let sealed = self.seal(
            &id,
            &[StoredSecret {
                secret: secret.clone(),
                expires_at: None,
            }],
        )?;
        let row = webhook_subscription::ActiveModel {
            id: Set(id),
            url: Set(url.to_string()),
            event_types: Set(json!(event_types)),
            description: Set(description),
            enabled: Set(true),
            secrets: Set(sealed),
            created_at: Set(now()),
            failing_since: Set(None),
            disabled_reason: Set(None),
        }
        .insert(&self.db)
        .await?;
        let webhook = Webhook::try_from(row)?;
        self.record("webhook.created", &webhook, actor).await?;
        Ok((webhook, secret))
    }

    /// Every subscription, oldest first.
    pub async fn list(&self) -> Result<Vec<Webhook>> {
        webhook_subscription::Entity::find()
            .order_by_asc(webhook_subscription::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Webhook::try_from)
            .collect()
    }

    /// The stored row of a subscription.
    pub async fn row(&self, id: &str) -> Result<Option<webhook_subscription::Model>> {
        Ok(webhook_subscription::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?)
    }

    /// One subscription.
    pub async fn get(&self, id: &str) -> Result<Webhook> {
        self.row(id)
            .await?
            .ok_or(Error::NotFound("webhook"))
            .and_then(Webhook::try_from)
    }

    /// Deletes a subscription and its queued deliveries.
    pub async fn delete(&self, id: &str, actor: Option<&str>) -> Result<()> {
        let webhook = self.get(id).await?;
        event_outbox::Entity::delete_many()
            .filter(event_outbox::Column::Destination.eq(id))
            .exec(&self.db)
            .await?;
        webhook_subscription::Entity::delete_by_id(id.to_owned())
            .exec(&self.db)
            .await?;
        self.record("webhook.deleted", &webhook, actor).await
    }

    /// Turns a subscription on (its failure record starts afresh) or off. Disabling gives up
    /// its queued deliveries: events of the time it was off are not sent later.
    pub async fn set_enabled(
        &self,
        id: &str,
        enabled: bool,
        actor: Option<&str>,
    ) -> Result<Webhook> {
        let mut row: webhook_subscription::ActiveModel = self
            .row(id)
            .await?
            .ok_or(Error::NotFound("webhook"))?
            .into();
        row.enabled = Set(enabled);
        row.failing_since = Set(None);
        row.disabled_reason = Set(None);
        let webhook = Webhook::try_from(row.update(&self.db).await?)?;
        if !enabled {
            give_up_pending(&self.db, id, "subscription disabled").await?;
        }
        let kind = if enabled {
            "webhook.enabled"
        } else {
            "webhook.disabled"
        };
        self.record(kind, &webhook, actor).await?;
        Ok(webhook)
    }

    /// Replaces the signing secret; the previous ones keep signing (alongside) for `grace`
    /// (at most until their own end). Returns the new secret (shown this once only).
    pub async fn rotate_secret(
        &self,
        id: &str,
        grace: Duration,
        actor: Option<&str>,
    ) -> Result<String> {
        let row = self.row(id).await?.ok_or(Error::NotFound("webhook"))?;
        let at = now().unix_timestamp();
        let until = at.saturating_add(i64::try_from(grace.as_secs()).unwrap_or(i64::MAX));
        let secret = signing::generate_secret();
        let mut list: Vec<StoredSecret> = self
            .open(&row)?
            .into_iter()
            .filter_map(|mut s| {
                let end = s.expires_at.map_or(until, |e| e.min(until));
                s.expires_at = Some(end);
                (end > at).then_some(s)
            })
            .collect();
        list.insert(
            0,
            StoredSecret {
                secret: secret.clone(),
                expires_at: None,
            },
        );
        let sealed = self.seal(id, &list)?;
        let mut update: webhook_subscription::ActiveModel = row.into();
        update.secrets = Set(sealed);
        let webhook = Webhook::try_from(update.update(&self.db).await?)?;
        let mut event = AuditEvent::success("webhook.secret_rotated").data(json!({
            "webhook_id": webhook.id,
            "grace_secs": grace.as_secs(),
        }));
        event.actor_user_id = actor.map(str::to_owned);
        self.audit.record(event).await?;
        Ok(secret)
    }

    /// The delivery log of a subscription: its newest `limit` outbox rows.
    pub async fn deliveries(&self, id: &str, limit: u64) -> Result<Vec<event_outbox::Model>> {
        self.get(id).await?;
        Ok(event_outbox::Entity::find()
            .filter(event_outbox::Column::Destination.eq(id))
            .order_by_desc(event_outbox::Column::CreatedAt)
            .order_by_desc(event_outbox::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }
}

/// Marks every pending delivery of `destination` failed with `why`.
pub(crate) async fn give_up_pending(
    db: &DatabaseConnection,
    destination: &str,
    why: &str,
) -> Result<u64> {
    Ok(event_outbox::Entity::update_many()
        .col_expr(event_outbox::Column::State, Expr::value(FAILED))
        .col_expr(
            event_outbox::Column::LastError,
            Expr::value(Some(why.to_owned())),
        )
        .col_expr(
            event_outbox::Column::LeasedUntil,
            Expr::value(None::<time::OffsetDateTime>),
        )
        .filter(event_outbox::Column::Destination.eq(destination))
        .filter(event_outbox::Column::State.eq(PENDING))
        .exec(db)
        .await?
        .rows_affected)
}

fn check_types(given: Vec<String>) -> Result<Vec<String>> {
    let mut types: Vec<String> = given
        .into_iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if types.is_empty() {
        return Err(Error::invalid(
            "event_types",
            "name at least one event type, or * for every type",
        ));
    }
    if let Some(unknown) = types.iter().find(|t| !catalogue::is_known(t)) {
        return Err(Error::invalid(
            "event_types",
            format!(
                "{unknown:?} is not an event type (known: {}, or *)",
                catalogue::types().join(", ")
            ),
        ));
    }
    types.sort();
    types.dedup();
    if types.iter().any(|t| t == catalogue::ALL) {
        types = vec![catalogue::ALL.to_owned()];
    }
    Ok(types)
}
