//! Grants (refresh-token families) and their rotating refresh tokens.
//!
//! Every code redemption starts a grant; refresh tokens belong to it. Each use rotates the
//! token; presenting a token that was already rotated means it leaked, so the whole family
//! is revoked.

use std::time::Duration;

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, Set, TransactionTrait as _, sea_query::Expr,
};

use crate::entities::{refresh_token, refresh_token_family};
use crate::secrets::SecretBox;
use crate::{Result, Store, now, random};

const PURPOSE: &str = "refresh_token";

/// A grant to start.
#[derive(Debug, Clone)]
pub struct NewGrant {
    /// The client.
    pub client_id: String,
    /// The user.
    pub user_id: String,
    /// The browser session it came from.
    pub session_id: Option<String>,
    /// Hash of the code it came from, so that code reuse can revoke it.
    pub code_hash: Option<String>,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// The `claims` request parameter.
    pub claims: Option<serde_json::Value>,
    /// When the user authenticated.
    pub auth_time: time::OffsetDateTime,
    /// ACR reached.
    pub acr: Option<String>,
    /// Methods used.
    pub amr: Vec<String>,
    /// Keyed hash of the device that started the grant (see [`Grants::fingerprint`]).
    pub fingerprint: Option<String>,
    /// The grant ends no later than this (the browser session's end).
    pub not_after: Option<time::OffsetDateTime>,
}

/// The result of presenting a refresh token.
#[derive(Debug)]
pub enum Rotation {
    /// Valid: the grant and the refresh token that replaces the presented one.
    Rotated {
        /// The grant (boxed: it dwarfs the other variants).
        family: Box<refresh_token_family::Model>,
        /// The new refresh token.
        token: String,
    },
    /// Already rotated: the family has now been revoked.
    Reused {
        /// The user of the revoked family (for the audit trail).
        user_id: String,
    },
    /// Unknown, expired, revoked, or another client's.
    Invalid,
}

/// The grant service.
#[derive(Debug, Clone)]
pub struct Grants {
    db: DatabaseConnection,
    secrets: SecretBox,
    ttl: Duration,
}

impl Grants {
    /// Builds the service; a grant lives at most `ttl` (refresh tokens with it).
    pub fn new(store: &Store, secrets: SecretBox, ttl: Duration) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
            ttl,
        }
    }

    /// Records a grant.
    pub async fn start(&self, new: NewGrant) -> Result<refresh_token_family::Model> {
        let at = now();
        Ok(refresh_token_family::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            client_id: Set(new.client_id),
            user_id: Set(new.user_id),
            session_id: Set(new.session_id),
            code_hash: Set(new.code_hash),
            scope: Set(new.scope),
            claims: Set(new.claims),
            auth_time: Set(new.auth_time),
            acr: Set(new.acr),
            amr: Set(new.amr.into()),
            fingerprint: Set(new.fingerprint),
            created_at: Set(at),
            expires_at: Set(new
                .not_after
                .map_or(at + self.ttl, |end| end.min(at + self.ttl))),
            revoked_at: Set(None),
            revoked_reason: Set(None),
        }
        .insert(&self.db)
        .await?)
    }

    /// A keyed hash of what a request says about its device (user agent and client hints),
    /// or `None` when it says nothing. Keyed, so the stored value does not reveal them.
    pub fn fingerprint(&self, parts: &[&str]) -> Option<String> {
        if parts.iter().all(|p| p.is_empty()) {
            return None;
        }
        Some(self.secrets.keyed_hash("device", &parts.join("\n")))
    }

    /// A new refresh token in the family.
    pub async fn issue_refresh(&self, family: &refresh_token_family::Model) -> Result<String> {
        let token = random::token::<32>();
        refresh_token::ActiveModel {
            token_hash: Set(self.secrets.keyed_hash(PURPOSE, &token)),
            family_id: Set(family.id.clone()),
            created_at: Set(now()),
            expires_at: Set(family.expires_at),
            rotated_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(token)
    }

    /// Uses a refresh token: rotates it, or revokes the family on reuse.
    pub async fn rotate(&self, token: &str, client_id: &str) -> Result<Rotation> {
        let Some((row, family)) = self.lookup(token).await? else {
            return Ok(Rotation::Invalid);
        };
        if family.client_id != client_id {
            return Ok(Rotation::Invalid);
        }
        if family.revoked_at.is_some() || family.expires_at <= now() {
            return Ok(Rotation::Invalid);
        }
        if row.rotated_at.is_some() {
            self.revoke_family(&family.id, "refresh token reused")
                .await?;
            return Ok(Rotation::Reused {
                user_id: family.user_id.clone(),
            });
        }
        let new_token = random::token::<32>();
        let txn = self.db.begin().await?;
        let claimed = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RotatedAt, Expr::value(Some(now())))
            .filter(refresh_token::Column::TokenHash.eq(row.token_hash.clone()))
            .filter(refresh_token::Column::RotatedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 0 {
            txn.rollback().await?;
            self.revoke_family(&family.id, "refresh token reused")
                .await?;
            return Ok(Rotation::Reused {
                user_id: family.user_id.clone(),
            });
        }
        refresh_token::ActiveModel {
            token_hash: Set(self.secrets.keyed_hash(PURPOSE, &new_token)),
            family_id: Set(family.id.clone()),
            created_at: Set(now()),
            expires_at: Set(family.expires_at),
            rotated_at: Set(None),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(Rotation::Rotated {
            family: Box::new(family),
            token: new_token,
        })
    }

    /// The grant of a refresh token that is usable now (current, not expired, not revoked).
    pub async fn active_family(&self, token: &str) -> Result<Option<refresh_token_family::Model>> {
        let at = now();
        Ok(self.lookup(token).await?.and_then(|(row, family)| {
            (row.rotated_at.is_none() && family.revoked_at.is_none() && family.expires_at > at)
                .then_some(family)
        }))
    }

    /// The grant of a refresh token, if the token exists.
    pub async fn family_of(&self, token: &str) -> Result<Option<refresh_token_family::Model>> {
        Ok(self.lookup(token).await?.map(|(_, f)| f))
    }

    /// The grant by id.
    pub async fn get(&self, family_id: &str) -> Result<Option<refresh_token_family::Model>> {
        Ok(
            refresh_token_family::Entity::find_by_id(family_id.to_owned())
                .one(&self.db)
                .await?,
        )
    }

    /// Revokes a grant and the access tokens issued under it.
    pub async fn revoke_family(&self, family_id: &str, reason: &str) -> Result<()> {
        let txn = self.db.begin().await?;
        super::revoke::revoke(&txn, super::revoke::Selection::Family(family_id), reason).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn lookup(
        &self,
        token: &str,
    ) -> Result<Option<(refresh_token::Model, refresh_token_family::Model)>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let hash = self.secrets.keyed_hash(PURPOSE, token);
        let Some(row) = refresh_token::Entity::find_by_id(hash)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let family = refresh_token_family::Entity::find_by_id(row.family_id.clone())
            .one(&self.db)
            .await?;
        Ok(family.map(|f| (row, f)))
    }
}
