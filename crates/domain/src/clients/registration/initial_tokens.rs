//! Initial access tokens (RFC 7591 3): bearer tokens an administrator hands to a developer,
//! each admitting registrations until it expires, is used up or is revoked. Only a keyed
//! hash is stored; the token is shown once.

use std::time::Duration;

use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, Set,
};
use serde::Serialize;

use super::{RegistrationError, Registrations};
use crate::entities::initial_access_token;
use crate::{Error, Result, now, random};

const PURPOSE: &str = "initial_access_token";
/// The longest lifetime of an initial access token.
pub const MAX_INITIAL_TOKEN_TTL: Duration = Duration::from_secs(365 * 86_400);

/// An initial access token as administration sees it (never the token).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct InitialToken {
    /// The public id (to revoke it).
    pub id: String,
    /// Registrations it admits; none: any number.
    pub max_uses: Option<u32>,
    /// Registrations made with it.
    pub uses: u32,
    /// Who created it (a user id or `sa:` service account; none: the operator).
    pub created_by: Option<String>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// When it stops working.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
    /// The last registration made with it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<time::OffsetDateTime>,
    /// When it was revoked.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<time::OffsetDateTime>,
    /// Whether it admits a registration now.
    pub active: bool,
}

impl From<initial_access_token::Model> for InitialToken {
    fn from(m: initial_access_token::Model) -> Self {
        let max_uses = m.max_uses.and_then(|n| u32::try_from(n).ok());
        let uses = u32::try_from(m.uses).unwrap_or(0);
        let active =
            m.revoked_at.is_none() && now() < m.expires_at && max_uses.is_none_or(|max| uses < max);
        Self {
            id: m.id,
            max_uses,
            uses,
            created_by: m.created_by,
            created_at: m.created_at,
            expires_at: m.expires_at,
            last_used_at: m.last_used_at,
            revoked_at: m.revoked_at,
            active,
        }
    }
}

impl Registrations {
    /// A new initial access token living `ttl` (at most a year), admitting `max_uses`
    /// registrations (none: any number). Returns it with the token (shown once).
    pub async fn create_initial_token(
        &self,
        ttl: Duration,
        max_uses: Option<u32>,
        created_by: Option<String>,
    ) -> Result<(InitialToken, String)> {
        if ttl.is_zero() || ttl > MAX_INITIAL_TOKEN_TTL {
            return Err(Error::invalid(
                "expires_in",
                "must be more than 0 and at most 365 days",
            ));
        }
        let max_uses = match max_uses {
            None => None,
            Some(n) => Some(
                i32::try_from(n)
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| Error::invalid("max_uses", "must be 1 or more"))?,
            ),
        };
        let token = random::token::<32>();
        let at = now();
        let ttl_secs = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let row = initial_access_token::ActiveModel {
            id: Set(random::identifier::<9>()),
            token_hash: Set(self.inner.secrets.keyed_hash(PURPOSE, &token)),
            max_uses: Set(max_uses),
            uses: Set(0),
            created_by: Set(created_by),
            created_at: Set(at),
            expires_at: Set(at + time::Duration::seconds(ttl_secs)),
            last_used_at: Set(None),
            revoked_at: Set(None),
        }
        .insert(&self.inner.db)
        .await?;
        Ok((row.into(), token))
    }

    /// Every initial access token, newest first.
    pub async fn list_initial_tokens(&self) -> Result<Vec<InitialToken>> {
        Ok(initial_access_token::Entity::find()
            .order_by_desc(initial_access_token::Column::CreatedAt)
            .all(&self.inner.db)
            .await?
            .into_iter()
            .map(InitialToken::from)
            .collect())
    }

    /// Revokes the token `id`: it admits no further registration (clients registered with
    /// it stay).
    pub async fn revoke_initial_token(&self, id: &str) -> Result<InitialToken> {
        let row = initial_access_token::Entity::find_by_id(id.to_owned())
            .one(&self.inner.db)
            .await?
            .ok_or(Error::NotFound("initial access token"))?;
        if row.revoked_at.is_some() {
            return Ok(row.into());
        }
        let mut active: initial_access_token::ActiveModel = row.into();
        active.revoked_at = Set(Some(now()));
        Ok(active.update(&self.inner.db).await?.into())
    }

    /// The id of the initial access token `token` when it admits a registration now.
    pub(super) async fn usable_initial_token(
        &self,
        token: &str,
    ) -> std::result::Result<Option<String>, RegistrationError> {
        if token.is_empty() || token.len() > 512 {
            return Ok(None);
        }
        // A keyed hash cannot be guessed from the token's prefix: looking it up is safe.
        let hash = self.inner.secrets.keyed_hash(PURPOSE, token);
        let row = initial_access_token::Entity::find()
            .filter(initial_access_token::Column::TokenHash.eq(hash))
            .one(&self.inner.db)
            .await
            .map_err(Error::from)?;
        Ok(row
            .map(InitialToken::from)
            .filter(|t| t.active)
            .map(|t| t.id))
    }

    /// Spends one use of the token `id`, atomically: false when it expired, was used up
    /// or revoked since it was looked at.
    pub(super) async fn spend_initial_token(&self, id: &str) -> Result<bool> {
        use initial_access_token::Column;
        let at = now();
        let res = initial_access_token::Entity::update_many()
            .col_expr(Column::Uses, Expr::col(Column::Uses).add(1))
            .col_expr(Column::LastUsedAt, Expr::value(Some(at)))
            .filter(Column::Id.eq(id))
            .filter(Column::RevokedAt.is_null())
            .filter(Column::ExpiresAt.gt(at))
            .filter(
                Condition::any()
                    .add(Column::MaxUses.is_null())
                    .add(Expr::col(Column::Uses).lt(Expr::col(Column::MaxUses))),
            )
            .exec(&self.inner.db)
            .await?;
        Ok(res.rows_affected == 1)
    }
}
