//! Grants (refresh-token families) and their rotating refresh tokens.
//!
//! Every code redemption starts a grant; refresh tokens belong to it. Each use rotates the
//! token; presenting a token that was already rotated means it leaked, so the whole family
//! is revoked.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait as _, DatabaseConnection, DbBackend,
    EntityTrait, FromQueryResult as _, IdenStatic as _, Iterable as _, QueryFilter as _, Set,
    Statement, sea_query::Expr,
};

use super::PlannedAccess;
use crate::entities::{access_token, refresh_token, refresh_token_family, user};
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
    /// Resource indicators (RFC 8707) granted; empty: the default audience.
    pub resources: Vec<String>,
    /// Keyed hash of the device that started the grant (see [`Grants::fingerprint`]).
    pub fingerprint: Option<String>,
    /// The grant ends no later than this (the browser session's end).
    pub not_after: Option<time::OffsetDateTime>,
    /// The DPoP key thumbprint its refresh tokens are bound to (RFC 9449 5).
    pub dpop_jkt: Option<String>,
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
        /// The grant's user, read with it; none if the account is gone.
        user: Option<Box<user::Model>>,
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
    /// How long a rotated refresh token may be presented again to replace its successor
    /// when that successor was never used (a retry after a lost answer); zero: never.
    reuse_grace: Duration,
    /// SQLite has one writer at a time and its busy handler sleeps in steps of up to 100 ms;
    /// rotations on this node queue here instead, one transaction after the other.
    sqlite_rotations: Arc<tokio::sync::Mutex<()>>,
}

impl Grants {
    /// Builds the service; a grant lives at most `ttl` (refresh tokens with it).
    pub fn new(store: &Store, secrets: SecretBox, ttl: Duration) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
            ttl,
            reuse_grace: Duration::ZERO,
            sqlite_rotations: Arc::default(),
        }
    }

    /// Lets a client retry a refresh whose answer it lost (its node died, the connection
    /// broke) for `grace` after the rotation: the unused successor is replaced instead of the
    /// grant being revoked as reused. Once the grace has passed or the newest token has been
    /// used, presenting any earlier token is reuse again.
    #[must_use]
    pub fn with_reuse_grace(mut self, grace: Duration) -> Self {
        self.reuse_grace = grace;
        self
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
            resources: Set(crate::grants::resources_column(&new.resources)),
            fingerprint: Set(new.fingerprint),
            created_at: Set(at),
            expires_at: Set(new
                .not_after
                .map_or(at + self.ttl, |end| end.min(at + self.ttl))),
            revoked_at: Set(None),
            revoked_reason: Set(None),
            dpop_jkt: Set(new.dpop_jkt),
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

    /// Uses a refresh token: rotates it and records `access`, the access token issued with
    /// the new one, under the grant; or revokes the family on reuse.
    pub async fn rotate(
        &self,
        token: &str,
        client_id: &str,
        access: &PlannedAccess,
    ) -> Result<Rotation> {
        if !plausible(token) {
            return Ok(Rotation::Invalid);
        }
        let presented = self.secrets.keyed_hash(PURPOSE, token);
        let successor = random::token::<32>();
        let successor_hash = self.secrets.keyed_hash(PURPOSE, &successor);
        let claim = Claim {
            presented: &presented,
            successor: &successor_hash,
            client_id,
            at: now(),
            access,
            access_hash: access
                .value
                .as_deref()
                .map(|v| super::access::value_hash(&self.secrets, v)),
        };
        let mut claimed = self.claim(&claim).await?;
        if claimed.is_none()
            && let Some(successor) = self.unused_successor(&presented, client_id).await?
        {
            // A retry within the grace: the successor nobody received is rotated instead.
            claimed = self
                .claim(&Claim {
                    presented: &successor,
                    ..claim
                })
                .await?;
        }
        if let Some((family, user)) = claimed {
            return Ok(Rotation::Rotated {
                family: Box::new(family),
                token: successor,
                user: user.map(Box::new),
            });
        }
        // Not claimed: unknown, another client's, ended, or already rotated (reuse).
        let Some((row, family)) = self.lookup_hash(&presented).await? else {
            return Ok(Rotation::Invalid);
        };
        if family.client_id != client_id
            || family.revoked_at.is_some()
            || family.expires_at <= now()
        {
            return Ok(Rotation::Invalid);
        }
        if row.rotated_at.is_none() {
            // Claimable after all (it expired between the two reads, or a write failed): let
            // the client try again rather than revoke a grant that did nothing wrong.
            return Ok(Rotation::Invalid);
        }
        self.revoke_family(&family.id, "refresh token reused")
            .await?;
        Ok(Rotation::Reused {
            user_id: family.user_id,
        })
    }

    async fn claim(&self, claim: &Claim<'_>) -> Result<Option<Claimed>> {
        match self.db.get_database_backend() {
            DbBackend::Postgres => self.claim_in_one_statement(claim).await,
            _ => self.claim_in_transaction(claim).await,
        }
    }

    /// The hash of the token that replaced `presented`, when `presented` was rotated within
    /// the reuse grace and its successor is still the grant's current, unused token.
    async fn unused_successor(&self, presented: &str, client_id: &str) -> Result<Option<String>> {
        if self.reuse_grace.is_zero() {
            return Ok(None);
        }
        let Some((row, family)) = self.lookup_hash(presented).await? else {
            return Ok(None);
        };
        let Some(rotated_at) = row.rotated_at else {
            return Ok(None);
        };
        if family.client_id != client_id
            || family.revoked_at.is_some()
            || now() - rotated_at > self.reuse_grace
        {
            return Ok(None);
        }
        // The successor was created in the same statement that rotated `presented`.
        let successor = refresh_token::Entity::find()
            .filter(refresh_token::Column::FamilyId.eq(family.id))
            .filter(refresh_token::Column::CreatedAt.eq(rotated_at))
            .filter(refresh_token::Column::RotatedAt.is_null())
            .one(&self.db)
            .await?;
        Ok(successor.map(|s| s.token_hash))
    }

    /// PostgreSQL: marks the presented token rotated, inserts its successor and the access
    /// token's record, and reads the grant with its user, in one atomic statement (one round
    /// trip instead of eight on the hot path).
    async fn claim_in_one_statement(&self, c: &Claim<'_>) -> Result<Option<Claimed>> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                r#"
            WITH claimed AS (
                UPDATE refresh_tokens AS t SET rotated_at = $1
                FROM refresh_token_families AS f
                WHERE t.token_hash = $2 AND t.rotated_at IS NULL AND f.id = t.family_id
                  AND f.client_id = $3 AND f.revoked_at IS NULL AND f.expires_at > $1
                RETURNING f.*
            ), successor AS (
                INSERT INTO refresh_tokens (token_hash, family_id, created_at, expires_at, rotated_at)
                SELECT $4, id, $1, expires_at, NULL FROM claimed
            ), access AS (
                INSERT INTO access_tokens (jti, token_hash, client_id, user_id, session_id,
                    family_id, code_hash, scope, claims, created_at, expires_at, revoked_at,
                    dpop_jkt)
                SELECT $5, $6, client_id, user_id, session_id, id, NULL, COALESCE($7, scope),
                    claims, $8, $9, NULL, $10 FROM claimed
            )
            SELECT {}, {} FROM claimed AS f LEFT JOIN users AS u ON u.id = f.user_id"#,
                prefixed::<refresh_token_family::Entity>("f", FAMILY),
                prefixed::<user::Entity>("u", USER),
            )
        });
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            SQL.as_str(),
            [
                c.at.into(),
                c.presented.into(),
                c.client_id.into(),
                c.successor.into(),
                c.access.jti.as_str().into(),
                c.access_hash.clone().into(),
                c.access.narrowed_scope.clone().into(),
                c.access.issued_at.into(),
                c.access.expires_at.into(),
                c.access.dpop_jkt.clone().into(),
            ],
        );
        let Some(row) = self.db.query_one_raw(statement).await? else {
            return Ok(None);
        };
        let family = refresh_token_family::Model::from_query_result(&row, FAMILY)?;
        let user = user::Model::from_query_result_optional(&row, USER)?;
        Ok(Some((family, user)))
    }

    /// Other engines: reads the token and its grant, then claims the token and inserts its
    /// successor and the access token's record in a transaction. The claim only succeeds
    /// while the token is unrotated, so two concurrent uses cannot both win.
    async fn claim_in_transaction(&self, c: &Claim<'_>) -> Result<Option<Claimed>> {
        let Some((row, family)) = self.lookup_hash(c.presented).await? else {
            return Ok(None);
        };
        if row.rotated_at.is_some()
            || family.client_id != c.client_id
            || family.revoked_at.is_some()
            || family.expires_at <= c.at
        {
            return Ok(None);
        }
        let _turn = self.sqlite_rotations.lock().await;
        let txn = crate::store::begin_write(&self.db).await?;
        let claimed = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RotatedAt, Expr::value(Some(c.at)))
            .filter(refresh_token::Column::TokenHash.eq(c.presented))
            .filter(refresh_token::Column::RotatedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 0 {
            txn.rollback().await?;
            return Ok(None);
        }
        refresh_token::ActiveModel {
            token_hash: Set(c.successor.to_owned()),
            family_id: Set(family.id.clone()),
            created_at: Set(c.at),
            expires_at: Set(family.expires_at),
            rotated_at: Set(None),
        }
        .insert(&txn)
        .await?;
        access_token::ActiveModel {
            jti: Set(c.access.jti.clone()),
            token_hash: Set(c.access_hash.clone()),
            client_id: Set(family.client_id.clone()),
            user_id: Set(Some(family.user_id.clone())),
            session_id: Set(family.session_id.clone()),
            family_id: Set(Some(family.id.clone())),
            code_hash: Set(None),
            scope: Set(c
                .access
                .narrowed_scope
                .clone()
                .unwrap_or_else(|| family.scope.clone())),
            claims: Set(family.claims.clone()),
            created_at: Set(c.access.issued_at),
            expires_at: Set(c.access.expires_at),
            revoked_at: Set(None),
            dpop_jkt: Set(c.access.dpop_jkt.clone()),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        let user = user::Entity::find_by_id(family.user_id.clone())
            .one(&self.db)
            .await?;
        Ok(Some((family, user)))
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
        let txn = crate::store::begin_write(&self.db).await?;
        super::revoke::revoke(&txn, super::revoke::Selection::Family(family_id), reason).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn lookup(
        &self,
        token: &str,
    ) -> Result<Option<(refresh_token::Model, refresh_token_family::Model)>> {
        if !plausible(token) {
            return Ok(None);
        }
        self.lookup_hash(&self.secrets.keyed_hash(PURPOSE, token))
            .await
    }

    async fn lookup_hash(
        &self,
        hash: &str,
    ) -> Result<Option<(refresh_token::Model, refresh_token_family::Model)>> {
        let Some(row) = refresh_token::Entity::find_by_id(hash.to_owned())
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

/// A refresh token to rotate: its hash, its successor's, the presenting client, when, and
/// the access token issued with the successor.
struct Claim<'a> {
    presented: &'a str,
    successor: &'a str,
    client_id: &'a str,
    at: time::OffsetDateTime,
    access: &'a PlannedAccess,
    access_hash: Option<String>,
}

/// A claimed grant and its user.
type Claimed = (refresh_token_family::Model, Option<user::Model>);

/// Column prefixes in the joined row of [`Grants::rotate`] on PostgreSQL.
const FAMILY: &str = "f_";
const USER: &str = "u_";

/// `alias."col" AS "prefixcol", …` for every column of `E`.
fn prefixed<E: EntityTrait>(alias: &str, prefix: &str) -> String {
    E::Column::iter()
        .map(|c| {
            let name = c.as_str();
            format!(r#"{alias}."{name}" AS "{prefix}{name}""#)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a presented value could be one of our refresh tokens (saves a query otherwise).
fn plausible(token: &str) -> bool {
    !token.is_empty() && token.len() <= 128
}
