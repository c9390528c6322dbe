//! Links of local accounts to upstream identities. A link is keyed on the upstream's issuer
//! and the identity's subject (unique), never on an email address; an account may have
//! several.

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
    Set,
};
use serde::Serialize;

use super::protocol::UpstreamIdentity;
use super::upstreams::Upstream;
use crate::credentials::kind;
use crate::entities::{credential, upstream, upstream_link, user};
use crate::users::Users;
use crate::{Error, Result, Store, now};

/// A link as the account owner and administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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

/// What asking to remove a link gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unlinked {
    /// The link is gone.
    Removed(UpstreamLink),
    /// Refused: the account would have no way left to sign in.
    LastWay,
    /// The account has no such link.
    NotFound,
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
    /// (to this account or another). A guest that links an identity is no longer a guest:
    /// it has a way to sign in, and the purge must not take it.
    pub async fn link(
        &self,
        user_id: &str,
        upstream: &Upstream,
        identity: &UpstreamIdentity,
    ) -> Result<upstream_link::Model> {
        let txn = crate::store::begin_write(&self.db).await?;
        let link = insert_link(&txn, new_link(user_id, upstream, identity)).await?;
        crate::entities::user::Entity::update_many()
            .col_expr(
                crate::entities::user::Column::Guest,
                sea_orm::sea_query::Expr::value(false),
            )
            .filter(crate::entities::user::Column::Id.eq(user_id))
            .filter(crate::entities::user::Column::Guest.eq(true))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(link)
    }

    /// Whether the account can sign in without the link `except`: with a password, a passkey,
    /// a link to another enabled upstream, or, when `email_counts` (sign-in codes by mail
    /// reach a verified address), its address.
    pub async fn other_way_in(
        &self,
        user_id: &str,
        except: &str,
        email_counts: bool,
    ) -> Result<bool> {
        other_way_in(&self.db, user_id, except, email_counts).await
    }

    /// Removes the account's link `link_id`, unless the account would be left with no way to
    /// sign in (see [`Links::other_way_in`]). Check and removal are one transaction, the
    /// account's row locked on PostgreSQL (SQLite writes one at a time): two links removed at
    /// once cannot each count on the other.
    pub async fn unlink(
        &self,
        user_id: &str,
        link_id: &str,
        email_counts: bool,
    ) -> Result<Unlinked> {
        if link_id.is_empty() || link_id.len() > 64 {
            return Ok(Unlinked::NotFound);
        }
        let Some(link) = self
            .of_user(user_id)
            .await?
            .into_iter()
            .find(|l| l.id == link_id)
        else {
            return Ok(Unlinked::NotFound);
        };
        let txn = crate::store::begin_write(&self.db).await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            user::Entity::find_by_id(user_id.to_owned())
                .lock_exclusive()
                .one(&txn)
                .await?;
        }
        if !other_way_in(&txn, user_id, link_id, email_counts).await? {
            return Ok(Unlinked::LastWay);
        }
        let gone = upstream_link::Entity::delete_many()
            .filter(upstream_link::Column::Id.eq(link_id))
            .filter(upstream_link::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(if gone.rows_affected == 0 {
            Unlinked::NotFound
        } else {
            Unlinked::Removed(link)
        })
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

/// See [`Links::other_way_in`]; in `db` (the unlinking transaction).
async fn other_way_in(
    db: &impl ConnectionTrait,
    user_id: &str,
    except: &str,
    email_counts: bool,
) -> Result<bool> {
    if email_counts {
        return Ok(true);
    }
    let credentials = credential::Entity::find()
        .filter(credential::Column::UserId.eq(user_id))
        .filter(credential::Column::Kind.is_in([kind::PASSWORD, kind::PASSKEY]))
        .count(db)
        .await?;
    if credentials > 0 {
        return Ok(true);
    }
    for link in upstream_link::Entity::find()
        .filter(upstream_link::Column::UserId.eq(user_id))
        .filter(upstream_link::Column::Id.ne(except))
        .all(db)
        .await?
    {
        let enabled = upstream::Entity::find_by_id(link.upstream_id)
            .one(db)
            .await?
            .is_some_and(|u| u.enabled);
        if enabled {
            return Ok(true);
        }
    }
    Ok(false)
}
