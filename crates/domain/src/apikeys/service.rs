//! Creating, listing, revoking, rotating and verifying API keys.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set,
};
use serde::Serialize;

use super::format;
use super::owner::{Owner, roles_and_permissions};
use super::usage::Usage;
use crate::entities::{api_key, service_account, user};
use crate::secrets::SecretBox;
use crate::users::UserStatus;
use crate::{Error, Result, Store, now};

const PURPOSE: &str = "api_key";

/// What an administrator gives to create a key.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// A name for people (1-100 characters).
    pub name: String,
    /// The user or service account it belongs to.
    pub owner: Owner,
    /// Permissions it carries: each must be held by the owner now.
    pub permissions: Vec<String>,
    /// Lifetime (required; at most the configured maximum).
    pub expires_in: Duration,
    /// Requests per minute allowed with this key (none: only the role budgets apply).
    pub rate_limit_per_minute: Option<u32>,
}

/// A key as administrators see it (never the key itself).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ApiKey {
    /// The public id (`gk_{id}_…`).
    pub id: String,
    /// Name.
    pub name: String,
    /// `user` or `service_account`.
    pub owner_type: &'static str,
    /// The owner's id.
    pub owner_id: String,
    /// Permissions it was given.
    pub permissions: Vec<String>,
    /// Requests per minute allowed, if limited.
    pub rate_limit_per_minute: Option<u32>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// Expiry (a rotated key: the end of its grace period).
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
    /// Revocation time.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<time::OffsetDateTime>,
    /// Last use, as of the last usage flush.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<time::OffsetDateTime>,
    /// Uses, as of the last usage flush.
    pub use_count: i64,
    /// The key that replaced it at rotation.
    pub replaced_by: Option<String>,
}

impl ApiKey {
    /// The owner.
    pub fn owner(&self) -> Owner {
        if self.owner_type == "user" {
            Owner::User(self.owner_id.clone())
        } else {
            Owner::ServiceAccount(self.owner_id.clone())
        }
    }

    /// Whether it works at `at`: not revoked and not expired.
    pub fn is_active_at(&self, at: time::OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at > at
    }
}

impl TryFrom<api_key::Model> for ApiKey {
    type Error = Error;

    fn try_from(m: api_key::Model) -> Result<Self> {
        let (owner_type, owner_id) = match (m.user_id, m.service_account_id) {
            (Some(u), None) => ("user", u),
            (None, Some(s)) => ("service_account", s),
            _ => {
                return Err(Error::Corrupt(format!(
                    "api key {} has no single owner",
                    m.id
                )));
            }
        };
        Ok(Self {
            permissions: serde_json::from_value(m.permissions)
                .map_err(|e| Error::Corrupt(format!("api key permissions: {e}")))?,
            rate_limit_per_minute: m.rate_limit_per_minute.and_then(|n| u32::try_from(n).ok()),
            id: m.id,
            name: m.name,
            owner_type,
            owner_id,
            created_at: m.created_at,
            expires_at: m.expires_at,
            revoked_at: m.revoked_at,
            last_used_at: m.last_used_at,
            use_count: m.use_count,
            replaced_by: m.replaced_by,
        })
    }
}

/// A key that verified, with what it may do now.
#[derive(Debug, Clone)]
pub struct VerifiedKey {
    /// The key.
    pub key: ApiKey,
    /// The owner's `sub` (a user's subject, or `sa:{id}`).
    pub subject: String,
    /// The owner's role names now.
    pub roles: Vec<String>,
    /// The key's permissions the owner still holds (a permission taken from the owner is
    /// taken from their keys).
    pub permissions: Vec<String>,
}

/// The outcome of presenting a key.
#[derive(Debug, Clone)]
pub enum Verification {
    /// A working key.
    Valid(Box<VerifiedKey>),
    /// A correct key that was revoked (audited as use after revocation).
    Revoked(Box<ApiKey>),
    /// Anything else: malformed, wrong checksum, unknown, wrong secret, expired, or its
    /// owner can no longer use it.
    Invalid,
}

/// The API key service.
#[derive(Debug, Clone)]
pub struct ApiKeys {
    db: DatabaseConnection,
    secrets: SecretBox,
    max_lifetime: Duration,
    usage: Arc<Usage>,
}

impl ApiKeys {
    /// Builds the service; keys live at most `max_lifetime`.
    pub fn new(store: &Store, secrets: SecretBox, max_lifetime: Duration) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
            max_lifetime,
            usage: Arc::default(),
        }
    }

    /// Creates a key. Returns it and the key text, which is not stored and cannot be shown
    /// again.
    pub async fn create(&self, new: NewApiKey) -> Result<(ApiKey, String)> {
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid("name", "must be 1 to 100 characters"));
        }
        self.check_lifetime(new.expires_in)?;
        if new.rate_limit_per_minute == Some(0) {
            return Err(Error::invalid(
                "rate_limit",
                "must be at least 1 per minute",
            ));
        }
        let permissions = self
            .checked_permissions(&new.owner, &new.permissions)
            .await?;
        let at = now();
        let id = format::new_id();
        let (key, secret) = format::new_key(&id);
        let (user_id, service_account_id) = match &new.owner {
            Owner::User(u) => (Some(u.clone()), None),
            Owner::ServiceAccount(s) => (None, Some(s.clone())),
        };
        let row = api_key::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
            user_id: Set(user_id),
            service_account_id: Set(service_account_id),
            secret_hash: Set(self.secrets.keyed_hash(PURPOSE, &secret)),
            permissions: Set(serde_json::Value::from(permissions)),
            rate_limit_per_minute: Set(new
                .rate_limit_per_minute
                .map(|n| i32::try_from(n).unwrap_or(i32::MAX))),
            created_at: Set(at),
            expires_at: Set(at + new.expires_in),
            revoked_at: Set(None),
            last_used_at: Set(None),
            use_count: Set(0),
            replaced_by: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok((row.try_into()?, key))
    }

    fn check_lifetime(&self, ttl: Duration) -> Result<()> {
        if ttl.is_zero() {
            return Err(Error::invalid("expires_in", "is required"));
        }
        if ttl > self.max_lifetime {
            return Err(Error::invalid(
                "expires_in",
                format!(
                    "is longer than the maximum of {} days (api_keys.max_lifetime_days)",
                    self.max_lifetime.as_secs() / 86_400
                ),
            ));
        }
        Ok(())
    }

    /// The asked permissions, sorted and unique, when the owner exists and holds each.
    async fn checked_permissions(&self, owner: &Owner, asked: &[String]) -> Result<Vec<String>> {
        let exists = match owner {
            Owner::User(id) => user::Entity::find_by_id(id.clone())
                .one(&self.db)
                .await?
                .is_some(),
            Owner::ServiceAccount(id) => service_account::Entity::find_by_id(id.clone())
                .one(&self.db)
                .await?
                .is_some(),
        };
        if !exists {
            return Err(Error::NotFound("owner"));
        }
        let (_, held) = roles_and_permissions(&self.db, owner).await?;
        let mut wanted: Vec<String> = asked.to_vec();
        wanted.sort();
        wanted.dedup();
        if let Some(p) = wanted.iter().find(|p| !held.contains(p)) {
            return Err(Error::invalid(
                "permission",
                format!("{p:?} is not held by the key's owner"),
            ));
        }
        Ok(wanted)
    }

    /// Every key, newest first; only `owner`'s when given.
    pub async fn list(&self, owner: Option<&Owner>) -> Result<Vec<ApiKey>> {
        let mut q = api_key::Entity::find().order_by_desc(api_key::Column::CreatedAt);
        match owner {
            Some(Owner::User(u)) => q = q.filter(api_key::Column::UserId.eq(u.as_str())),
            Some(Owner::ServiceAccount(s)) => {
                q = q.filter(api_key::Column::ServiceAccountId.eq(s.as_str()));
            }
            None => {}
        }
        q.all(&self.db)
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    /// The key with this id.
    pub async fn get(&self, id: &str) -> Result<ApiKey> {
        api_key::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("api key"))?
            .try_into()
    }

    /// Revokes a key now. Revoking twice is harmless.
    pub async fn revoke(&self, id: &str) -> Result<ApiKey> {
        self.get(id).await?;
        api_key::Entity::update_many()
            .col_expr(api_key::Column::RevokedAt, Expr::value(Some(now())))
            .filter(api_key::Column::Id.eq(id))
            .filter(api_key::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        self.get(id).await
    }

    /// Replaces a working key with a new one of the same name, owner, permissions (those
    /// the owner still holds) and lifetime. The old key keeps working for `grace`, never
    /// past its own expiry; a zero grace revokes it now. Returns the new key and its text.
    pub async fn rotate(&self, id: &str, grace: Duration) -> Result<(ApiKey, String)> {
        let old = self.get(id).await?;
        let at = now();
        if !old.is_active_at(at) || old.replaced_by.is_some() {
            return Err(Error::WrongState(format!(
                "api key {id} is revoked, expired or already rotated"
            )));
        }
        let (_, held) = roles_and_permissions(&self.db, &old.owner()).await?;
        let permissions: Vec<String> = old
            .permissions
            .iter()
            .filter(|p| held.contains(p))
            .cloned()
            .collect();
        let lifetime = (old.expires_at - old.created_at)
            .try_into()
            .unwrap_or(self.max_lifetime)
            .min(self.max_lifetime);
        let new_id = format::new_id();
        let (key, secret) = format::new_key(&new_id);
        let txn = crate::store::begin_write(&self.db).await?;
        let mut update = api_key::Entity::update_many()
            .col_expr(
                api_key::Column::ReplacedBy,
                Expr::value(Some(new_id.clone())),
            )
            .col_expr(
                api_key::Column::ExpiresAt,
                Expr::value(old.expires_at.min(at + grace)),
            );
        if grace.is_zero() {
            update = update.col_expr(api_key::Column::RevokedAt, Expr::value(Some(at)));
        }
        let done = update
            .filter(api_key::Column::Id.eq(id))
            .filter(api_key::Column::ReplacedBy.is_null())
            .filter(api_key::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        if done.rows_affected != 1 {
            return Err(Error::WrongState(format!(
                "api key {id} was rotated meanwhile"
            )));
        }
        let (user_id, service_account_id) = match old.owner() {
            Owner::User(u) => (Some(u), None),
            Owner::ServiceAccount(s) => (None, Some(s)),
        };
        let row = api_key::ActiveModel {
            id: Set(new_id),
            name: Set(old.name.clone()),
            user_id: Set(user_id),
            service_account_id: Set(service_account_id),
            secret_hash: Set(self.secrets.keyed_hash(PURPOSE, &secret)),
            permissions: Set(serde_json::Value::from(permissions)),
            rate_limit_per_minute: Set(old
                .rate_limit_per_minute
                .map(|n| i32::try_from(n).unwrap_or(i32::MAX))),
            created_at: Set(at),
            expires_at: Set(at + lifetime),
            revoked_at: Set(None),
            last_used_at: Set(None),
            use_count: Set(0),
            replaced_by: Set(None),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok((row.try_into()?, key))
    }

    /// Checks a presented key: format and checksum, then the keyed hash (in constant time),
    /// expiry, revocation and the owner's state. Counts the use (written at the next flush).
    pub async fn verify(&self, presented: &str) -> Result<Verification> {
        let Some((id, secret)) = format::parse(presented) else {
            return Ok(Verification::Invalid);
        };
        let row = api_key::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?;
        let Some(row) = row else {
            // The same HMAC as a known id, so timing does not tell which ids exist.
            let _ = self.secrets.keyed_hash(PURPOSE, secret);
            return Ok(Verification::Invalid);
        };
        if !self
            .secrets
            .verify_keyed_hash(PURPOSE, secret, &row.secret_hash)
        {
            return Ok(Verification::Invalid);
        }
        let key = ApiKey::try_from(row)?;
        let at = now();
        if key.revoked_at.is_some() {
            return Ok(Verification::Revoked(Box::new(key)));
        }
        if key.expires_at <= at {
            return Ok(Verification::Invalid);
        }
        let owner = key.owner();
        let subject = match &owner {
            Owner::User(uid) => {
                let Some(u) = user::Entity::find_by_id(uid.clone()).one(&self.db).await? else {
                    return Ok(Verification::Invalid);
                };
                if !UserStatus::at(&u, at).is_ok_and(UserStatus::keeps_tokens) {
                    return Ok(Verification::Invalid);
                }
                u.subject
            }
            Owner::ServiceAccount(sid) => crate::service_accounts::subject(sid),
        };
        let (roles, held) = roles_and_permissions(&self.db, &owner).await?;
        let permissions = key
            .permissions
            .iter()
            .filter(|p| held.contains(p))
            .cloned()
            .collect();
        self.usage.record(&key.id, at);
        Ok(Verification::Valid(Box::new(VerifiedKey {
            key,
            subject,
            roles,
            permissions,
        })))
    }

    /// Writes the use counts gathered since the last flush; returns how many keys changed.
    pub async fn flush_usage(&self) -> Result<usize> {
        self.usage.flush(&self.db).await
    }
}
