//! Access tokens as issued records: what makes a token inactive before it expires
//! (revocation, its grant revoked, its session ended) is checked here.

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, Set, sea_query::Expr,
};

use crate::entities::access_token;
use crate::secrets::SecretBox;
use crate::{Result, Store, now, random};

const PURPOSE: &str = "access_token";

/// The keyed hash an opaque access token is stored as.
pub(super) fn value_hash(secrets: &SecretBox, value: &str) -> String {
    secrets.keyed_hash(PURPOSE, value)
}

/// An access token about to be issued: made before it is recorded, so that its record can
/// be written in the same statement as other rows (see `Grants::rotate`).
#[derive(Debug, Clone)]
pub struct PlannedAccess {
    /// Its `jti`.
    pub jti: String,
    /// The token itself when opaque (only its keyed hash is stored); none for a JWT.
    pub value: Option<String>,
    /// Issued now.
    pub issued_at: time::OffsetDateTime,
    /// Expiry.
    pub expires_at: time::OffsetDateTime,
    /// A narrower scope than the grant's, for a refresh that asked for one.
    pub narrowed_scope: Option<String>,
    /// The DPoP key thumbprint the token is bound to (RFC 9449 6), set after planning.
    pub dpop_jkt: Option<String>,
}

/// An access token to record.
#[derive(Debug, Clone)]
pub struct NewAccessToken {
    /// The client.
    pub client_id: String,
    /// The user, none for client credentials.
    pub user_id: Option<String>,
    /// The browser session it descends from.
    pub session_id: Option<String>,
    /// The grant it was issued under.
    pub family_id: Option<String>,
    /// The code it was issued from.
    pub code_hash: Option<String>,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// The `claims` request parameter (for userinfo).
    pub claims: Option<serde_json::Value>,
}

/// A recorded access token and whether it is active now.
#[derive(Debug, Clone)]
pub struct AccessRecord {
    /// The stored row.
    pub row: access_token::Model,
    /// Not expired, not revoked, grant and session still valid.
    pub active: bool,
}

/// The access token records.
#[derive(Debug, Clone)]
pub struct AccessTokens {
    db: DatabaseConnection,
    secrets: SecretBox,
}

impl AccessTokens {
    /// Builds the service.
    pub fn new(store: &Store, secrets: SecretBox) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
        }
    }

    /// Makes a token's `jti` (and value, when `opaque`) that lives `ttl` from now.
    pub fn plan(
        &self,
        opaque: bool,
        ttl: std::time::Duration,
        narrowed_scope: Option<String>,
    ) -> PlannedAccess {
        let at = now();
        PlannedAccess {
            jti: random::token::<16>(),
            value: opaque.then(random::token::<32>),
            issued_at: at,
            expires_at: at + ttl,
            narrowed_scope,
            dpop_jkt: None,
        }
    }

    /// Records a planned token.
    pub async fn record(&self, planned: &PlannedAccess, new: NewAccessToken) -> Result<()> {
        access_token::ActiveModel {
            jti: Set(planned.jti.clone()),
            token_hash: Set(planned
                .value
                .as_deref()
                .map(|t| value_hash(&self.secrets, t))),
            client_id: Set(new.client_id),
            user_id: Set(new.user_id),
            session_id: Set(new.session_id),
            family_id: Set(new.family_id),
            code_hash: Set(new.code_hash),
            scope: Set(new.scope),
            claims: Set(new.claims),
            created_at: Set(planned.issued_at),
            expires_at: Set(planned.expires_at),
            revoked_at: Set(None),
            dpop_jkt: Set(planned.dpop_jkt.clone()),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// The record of a JWT access token by `jti`.
    pub async fn by_jti(&self, jti: &str) -> Result<Option<AccessRecord>> {
        let row = access_token::Entity::find_by_id(jti.to_owned())
            .one(&self.db)
            .await?;
        self.with_status(row).await
    }

    /// The record of an opaque access token.
    pub async fn by_opaque(&self, token: &str) -> Result<Option<AccessRecord>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let row = access_token::Entity::find()
            .filter(access_token::Column::TokenHash.eq(value_hash(&self.secrets, token)))
            .one(&self.db)
            .await?;
        self.with_status(row).await
    }

    /// Revokes one access token.
    pub async fn revoke(&self, jti: &str) -> Result<()> {
        access_token::Entity::update_many()
            .col_expr(access_token::Column::RevokedAt, Expr::value(Some(now())))
            .filter(access_token::Column::Jti.eq(jti))
            .filter(access_token::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Records a self-contained (unrecorded) JWT access token as revoked, so that it is
    /// inactive until it expires.
    pub async fn deny(
        &self,
        jti: &str,
        client_id: &str,
        expires_at: time::OffsetDateTime,
    ) -> Result<()> {
        if access_token::Entity::find_by_id(jti.to_owned())
            .one(&self.db)
            .await?
            .is_some()
        {
            return self.revoke(jti).await;
        }
        let at = now();
        access_token::ActiveModel {
            jti: Set(jti.to_owned()),
            token_hash: Set(None),
            client_id: Set(client_id.to_owned()),
            user_id: Set(None),
            session_id: Set(None),
            family_id: Set(None),
            code_hash: Set(None),
            scope: Set(String::new()),
            claims: Set(None),
            created_at: Set(at),
            expires_at: Set(expires_at),
            revoked_at: Set(Some(at)),
            dpop_jkt: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// The token's own row decides: every path that revokes a grant or ends a session
    /// revokes the access tokens issued under it in the same transaction
    /// (`grants::revoke::revoke`), so one read answers (the hot path of userinfo and
    /// introspection).
    async fn with_status(&self, row: Option<access_token::Model>) -> Result<Option<AccessRecord>> {
        let Some(row) = row else { return Ok(None) };
        let active = row.revoked_at.is_none() && row.expires_at > now();
        Ok(Some(AccessRecord { row, active }))
    }
}
