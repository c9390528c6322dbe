//! Creating, finding and ending browser sessions.

use std::time::Duration;

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, Set, sea_query::Expr,
};

use crate::clients::Client;
use crate::entities::browser_session;
use crate::secrets::SecretBox;
use crate::{Result, Store, now, random};

const SECRET_PURPOSE: &str = "browser_session";
/// `last_seen_at` is written at most this often, so that reads stay reads.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Ends after this long without a request.
    pub idle_timeout: Duration,
    /// Ends this long after sign-in whatever happens.
    pub absolute_timeout: Duration,
    /// A remembered session ("keep me signed in") lasts this long, without idle timeout.
    pub remember_timeout: Duration,
}

impl SessionPolicy {
    /// How long a session lasts after sign-in.
    pub fn lifetime(&self, remember: bool) -> Duration {
        if remember {
            self.remember_timeout
        } else {
            self.absolute_timeout
        }
    }
}

/// A sign-in to record.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Who signed in.
    pub user_id: String,
    /// Authentication methods used (RFC 8176 values).
    pub amr: Vec<String>,
    /// Authentication context class reached.
    pub acr: Option<String>,
    /// Client IP address.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// The user asked to stay signed in.
    pub remember: bool,
    /// A shorter life than the policy gives (guest sessions).
    pub lifetime: Option<Duration>,
}

/// The browser session service.
#[derive(Debug, Clone)]
pub struct BrowserSessions {
    db: DatabaseConnection,
    secrets: SecretBox,
    policy: SessionPolicy,
}

impl BrowserSessions {
    /// Builds the service.
    pub fn new(store: &Store, secrets: SecretBox, policy: SessionPolicy) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
            policy,
        }
    }

    /// The session policy.
    pub fn policy(&self) -> SessionPolicy {
        self.policy
    }

    /// Records a sign-in. When `current` is a live session of the same user, it is kept
    /// (same `sid`) with a fresh cookie value and the new authentication; otherwise a new
    /// session starts and `current` (another user's) ends. Returns the cookie value and row.
    pub async fn sign_in(
        &self,
        new: NewSession,
        current: Option<&browser_session::Model>,
    ) -> Result<(String, browser_session::Model)> {
        let secret = random::token::<32>();
        let hash = self.secrets.keyed_hash(SECRET_PURPOSE, &secret);
        let at = now();
        let amr = serde_json::Value::from(new.amr.clone());
        if let Some(cur) = current.filter(|c| c.user_id == new.user_id) {
            let mut row: browser_session::ActiveModel = cur.clone().into();
            row.secret_hash = Set(hash);
            row.auth_time = Set(at);
            row.amr = Set(amr);
            row.acr = Set(new.acr);
            row.ip = Set(new.ip);
            row.user_agent = Set(new.user_agent);
            row.last_seen_at = Set(at);
            row.expires_at = Set(at
                + new
                    .lifetime
                    .map_or(self.policy.lifetime(new.remember), |l| {
                        l.min(self.policy.lifetime(new.remember))
                    }));
            row.remember = Set(new.remember);
            return Ok((secret, row.update(&self.db).await?));
        }
        if let Some(other) = current {
            self.end(&other.id).await?;
        }
        let row = browser_session::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            secret_hash: Set(hash),
            user_id: Set(new.user_id),
            auth_time: Set(at),
            amr: Set(amr),
            acr: Set(new.acr),
            ip: Set(new.ip),
            user_agent: Set(new.user_agent),
            created_at: Set(at),
            last_seen_at: Set(at),
            expires_at: Set(at
                + new
                    .lifetime
                    .map_or(self.policy.lifetime(new.remember), |l| {
                        l.min(self.policy.lifetime(new.remember))
                    })),
            revoked_at: Set(None),
            remember: Set(new.remember),
        }
        .insert(&self.db)
        .await?;
        Ok((secret, row))
    }

    /// The live session behind a cookie value, if any (not ended, not idle, not expired).
    pub async fn find_live(&self, secret: &str) -> Result<Option<browser_session::Model>> {
        if secret.is_empty() || secret.len() > 128 {
            return Ok(None);
        }
        let hash = self.secrets.keyed_hash(SECRET_PURPOSE, secret);
        let Some(row) = browser_session::Entity::find()
            .filter(browser_session::Column::SecretHash.eq(hash))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let at = now();
        if !self.is_live(&row) {
            return Ok(None);
        }
        if at - row.last_seen_at > TOUCH_EVERY {
            browser_session::Entity::update_many()
                .col_expr(browser_session::Column::LastSeenAt, Expr::value(at))
                .filter(browser_session::Column::Id.eq(row.id.clone()))
                .exec(&self.db)
                .await?;
        }
        Ok(Some(row))
    }

    /// Whether the session row is live now.
    pub fn is_live(&self, row: &browser_session::Model) -> bool {
        let at = now();
        row.revoked_at.is_none()
            && row.expires_at > at
            && (row.remember || row.last_seen_at + self.policy.idle_timeout > at)
    }

    /// The session by its id (`sid`), live or not.
    pub async fn get(&self, id: &str) -> Result<Option<browser_session::Model>> {
        Ok(browser_session::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?)
    }

    /// The user agents of the user's most recent sessions (ended ones too), except
    /// `except`: the browsers the user signed in with before.
    pub async fn recent_user_agents(
        &self,
        user_id: &str,
        except: &str,
    ) -> Result<Vec<Option<String>>> {
        // Served by the (user_id, created_at) index: no sort of all the user's sessions.
        Ok(browser_session::Entity::find()
            .select_only()
            .column(browser_session::Column::UserAgent)
            .filter(browser_session::Column::UserId.eq(user_id))
            .filter(browser_session::Column::Id.ne(except))
            .order_by_desc(browser_session::Column::CreatedAt)
            .limit(50)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// The user's live sessions, most recently used first.
    pub async fn live_of_user(&self, user_id: &str) -> Result<Vec<browser_session::Model>> {
        let rows = browser_session::Entity::find()
            .filter(browser_session::Column::UserId.eq(user_id))
            .filter(browser_session::Column::RevokedAt.is_null())
            .order_by_desc(browser_session::Column::LastSeenAt)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().filter(|r| self.is_live(r)).collect())
    }

    /// Ends the session `session_id` if it belongs to `user_id`; false when it does not.
    pub async fn end_of_user(&self, user_id: &str, session_id: &str) -> Result<bool> {
        match self.get(session_id).await? {
            Some(row) if row.user_id == user_id => {
                self.end(session_id).await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// The enabled clients that signed in under the session (got a code or tokens), in
    /// `client_id` order: those owed a front-channel logout when it ends.
    pub async fn clients_used(&self, session_id: &str) -> Result<Vec<Client>> {
        crate::events::logout::clients_of_session(&self.db, session_id).await
    }

    /// Ends a session and revokes every refresh-token family and access token issued
    /// under it, in one transaction; a session still live queues the back-channel logout
    /// of the clients that signed in under it in the same transaction.
    pub async fn end(&self, session_id: &str) -> Result<()> {
        let txn = crate::store::begin_write(&self.db).await?;
        let live = browser_session::Entity::find_by_id(session_id.to_owned())
            .filter(browser_session::Column::RevokedAt.is_null())
            .one(&txn)
            .await?;
        if let Some(live) = live {
            crate::events::logout::enqueue(&txn, &[live]).await?;
        }
        revoke_session_grants(&txn, session_id, "session ended").await?;
        browser_session::Entity::update_many()
            .col_expr(browser_session::Column::RevokedAt, Expr::value(Some(now())))
            .filter(browser_session::Column::Id.eq(session_id))
            .filter(browser_session::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }
}

async fn revoke_session_grants(
    db: &impl ConnectionTrait,
    session_id: &str,
    reason: &str,
) -> Result<()> {
    crate::grants::revoke::revoke(
        db,
        crate::grants::revoke::Selection::Session(session_id),
        reason,
    )
    .await?;
    Ok(())
}
