//! Links of local accounts to upstream identities. A link is keyed on the upstream's issuer
//! and the identity's subject (unique), never on an email address; an account may have
//! several.

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set,
};
use serde::Serialize;

use super::protocol::UpstreamIdentity;
use super::upstreams::Upstream;
use crate::entities::{upstream, upstream_link};
use crate::users::Users;
use crate::{Error, Result, Store, now};

/// A link as the account owner and administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpstreamLink {
    /// Id.
    pub id: String,
    /// The upstream's name.
    pub upstream: String,
    /// The upstream's button text.
    pub upstream_display_name: String,
    /// The issuer of the identity.
    pub issuer: String,
    /// The identity's subject at the issuer.
    pub subject: String,
    /// The address the upstream gave at the last sign-in.
    pub email: Option<String>,
    /// When the link was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// The last sign-in through it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<time::OffsetDateTime>,
}

/// The link service (and, in `accounts`, the first-sign-in rule).
#[derive(Debug, Clone)]
pub struct Links {
    pub(super) db: DatabaseConnection,
    pub(super) users: Users,
}

/// The row of a new link of `user_id` to `identity` at `upstream`.
pub(super) fn new_link(
    user_id: &str,
    upstream: &Upstream,
    identity: &UpstreamIdentity,
) -> upstream_link::ActiveModel {
    let at = now();
    upstream_link::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        user_id: Set(user_id.to_owned()),
        upstream_id: Set(upstream.id.clone()),
        issuer: Set(identity.issuer.clone()),
        subject: Set(identity.subject.clone()),
        email: Set(identity.email.clone()),
        created_at: Set(at),
        last_used_at: Set(Some(at)),
    }
}

/// Inserts a link in `db` (a transaction or the connection); `Conflict` when the identity
/// is linked already.
pub(super) async fn insert_link(
    db: &impl ConnectionTrait,
    row: upstream_link::ActiveModel,
) -> Result<upstream_link::Model> {
    row.insert(db).await.map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::Conflict("upstream link"),
        _ => Error::Database(e),
    })
}

impl Links {
    /// Builds the service.
    pub fn new(store: &Store, users: Users) -> Self {
        Self {
            db: store.db().clone(),
            users,
        }
    }

    /// The link of the identity `subject` at `issuer`, if any.
    pub async fn find(&self, issuer: &str, subject: &str) -> Result<Option<upstream_link::Model>> {
        Ok(upstream_link::Entity::find()
            .filter(upstream_link::Column::Issuer.eq(issuer))
            .filter(upstream_link::Column::Subject.eq(subject))
            .one(&self.db)
            .await?)
    }

    /// Links `user_id` to `identity` at `upstream`; `Conflict` when the identity is linked
    /// (to this account or another).
    pub async fn link(
        &self,
        user_id: &str,
        upstream: &Upstream,
        identity: &UpstreamIdentity,
    ) -> Result<upstream_link::Model> {
        insert_link(&self.db, new_link(user_id, upstream, identity)).await
    }

    /// The account's links, oldest first.
    pub async fn of_user(&self, user_id: &str) -> Result<Vec<UpstreamLink>> {
        let links = upstream_link::Entity::find()
            .filter(upstream_link::Column::UserId.eq(user_id))
            .order_by_asc(upstream_link::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(links.len());
        for l in links {
            let up = upstream::Entity::find_by_id(l.upstream_id.clone())
                .one(&self.db)
                .await?;
            let (name, display) = up.map(|u| (u.name, u.display_name)).unwrap_or_default();
            out.push(UpstreamLink {
                id: l.id,
                upstream: name,
                upstream_display_name: display,
                issuer: l.issuer,
                subject: l.subject,
                email: l.email,
                created_at: l.created_at,
                last_used_at: l.last_used_at,
            });
        }
        Ok(out)
    }

    /// Records a sign-in through the link, with the address the upstream gave this time.
    pub(super) async fn touch(
        &self,
        link: &upstream_link::Model,
        email: Option<&str>,
    ) -> Result<()> {
        let mut row: upstream_link::ActiveModel = link.clone().into();
        row.last_used_at = Set(Some(now()));
        row.email = Set(email.map(str::to_owned));
        row.update(&self.db).await?;
        Ok(())
    }
}
