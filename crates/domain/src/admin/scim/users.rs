//! SCIM users: list by filter with 1-based paging, read, create, replace, delete. A PATCH
//! is applied by the edge to what it read and arrives here as a replacement with the
//! version read, so that a concurrent change is refused rather than lost.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _,
};
use serde_json::json;

use super::filter::Filter;
use super::query::{INACTIVE, Resource, condition};
use crate::admin::users::check_version;
use crate::admin::{Access, Actor, Admin, Area};
use crate::audit::AuditEvent;
use crate::entities::user;
use crate::users::{NewUser, UserStatus, normalize_email};
use crate::{Error, Result, now};

/// Most resources in one SCIM page.
pub const MAX_COUNT: u64 = 200;

/// What SCIM sets on an account (a PUT body, or a PATCH applied to what was read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScimUser {
    /// `userName`: the sign-in address.
    pub user_name: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `name.givenName`.
    pub given_name: Option<String>,
    /// `name.familyName`.
    pub family_name: Option<String>,
    /// `active`: false disables the account and ends its sessions.
    pub active: bool,
    /// `externalId`: the provisioning client's own id.
    pub external_id: Option<String>,
    /// `password` (write-only; the password policy applies).
    pub password: Option<String>,
}

/// One page of a SCIM list.
#[derive(Debug, Clone)]
pub struct ScimPage<T> {
    /// How many match the filter in all.
    pub total: u64,
    /// The page, in id order.
    pub items: Vec<T>,
}

/// Whether an account counts as SCIM `active`.
pub fn is_active(u: &user::Model) -> bool {
    !INACTIVE.contains(&u.status.as_str())
}

/// The 1-based `startIndex` and `count` as offset and limit (RFC 7644 3.4.2.4: below 1
/// counts as 1; a count above the maximum is cut to it).
pub fn window(start_index: Option<i64>, count: Option<i64>) -> (u64, u64) {
    let start = u64::try_from(start_index.unwrap_or(1).max(1)).unwrap_or(1);
    let count = u64::try_from(count.unwrap_or(100).max(0))
        .unwrap_or(0)
        .min(MAX_COUNT);
    (start - 1, count)
}

fn check_text(field: &'static str, value: Option<&str>) -> Result<()> {
    if let Some(v) = value
        && (v.chars().count() > 200 || v.chars().any(char::is_control))
    {
        return Err(Error::invalid(
            field,
            "must be at most 200 characters, no control characters",
        ));
    }
    Ok(())
}

fn blank_to_none(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl ScimUser {
    /// Checked and trimmed: lengths, no control characters, `userName` an address.
    fn checked(mut self) -> Result<Self> {
        self.user_name = normalize_email(&self.user_name)
            .map_err(|_| Error::invalid("userName", "must be an email address"))?;
        self.display_name = blank_to_none(self.display_name);
        self.given_name = blank_to_none(self.given_name);
        self.family_name = blank_to_none(self.family_name);
        self.external_id = blank_to_none(self.external_id);
        check_text("displayName", self.display_name.as_deref())?;
        check_text("name.givenName", self.given_name.as_deref())?;
        check_text("name.familyName", self.family_name.as_deref())?;
        check_text("externalId", self.external_id.as_deref())?;
        Ok(self)
    }
}

impl Admin {
    /// Accounts (guests excepted) matching `filter`, in id order, from offset `skip`.
    pub async fn scim_users(
        &self,
        actor: &Actor,
        filter: Option<&Filter>,
        skip: u64,
        count: u64,
    ) -> Result<ScimPage<user::Model>> {
        actor.require(Area::Users, Access::Read)?;
        let mut query = user::Entity::find().filter(user::Column::Guest.eq(false));
        if let Some(f) = filter {
            query = query.filter(condition(Resource::User, f)?);
        }
        let total = query.clone().count(&self.db).await?;
        let items = if count == 0 {
            Vec::new()
        } else {
            query
                .order_by_asc(user::Column::Id)
                .offset(skip)
                .limit(count)
                .all(&self.db)
                .await?
        };
        Ok(ScimPage { total, items })
    }

    /// One account by id (guests are not SCIM resources).
    pub async fn scim_user(&self, actor: &Actor, id: &str) -> Result<user::Model> {
        actor.require(Area::Users, Access::Read)?;
        self.scim_find_user(id).await
    }

    async fn scim_find_user(&self, id: &str) -> Result<user::Model> {
        self.parts
            .users
            .find(id)
            .await?
            .filter(|u| !u.guest)
            .ok_or(Error::NotFound("user"))
    }

    /// Creates an account from SCIM: the address is taken as verified (the provisioning
    /// directory vouches for it); `active = false` creates it disabled.
    pub async fn scim_create_user(&self, actor: &Actor, new: ScimUser) -> Result<user::Model> {
        actor.require(Area::Users, Access::Write)?;
        let new = new.checked()?;
        if let Some(p) = &new.password {
            let context = [
                new.user_name.as_str(),
                new.display_name.as_deref().unwrap_or(""),
            ];
            self.check_password(p, &context).await?;
        }
        let created = self
            .parts
            .users
            .create(NewUser {
                email: new.user_name.clone(),
                password: new.password.clone(),
                email_verified: true,
                display_name: new.display_name.clone(),
                status: UserStatus::Active,
            })
            .await?;
        let mut update = user::Entity::update_many()
            .col_expr(user::Column::GivenName, Expr::value(new.given_name.clone()))
            .col_expr(
                user::Column::FamilyName,
                Expr::value(new.family_name.clone()),
            )
            .col_expr(
                user::Column::ExternalId,
                Expr::value(new.external_id.clone()),
            );
        if !new.active {
            // A new account has no sessions to end: the status alone is enough.
            update = update
                .col_expr(
                    user::Column::Status,
                    Expr::value(UserStatus::Disabled.as_str()),
                )
                .col_expr(
                    user::Column::StatusReason,
                    Expr::value("deactivated by provisioning"),
                );
        }
        update
            .filter(user::Column::Id.eq(&created.id))
            .exec(&self.db)
            .await?;
        self.audit(
            actor,
            AuditEvent::success("user.created").subject(&created.id),
            json!({ "active": new.active }),
        )
        .await?;
        self.scim_find_user(&created.id).await
    }

    /// Replaces what SCIM manages of the account. With `expected` (the version an `ETag`
    /// gave, or the one a PATCH read), refused as stale when the account changed since.
    /// `active` false disables the account and ends its sessions and tokens; true
    /// reactivates a disabled or suspended one.
    pub async fn scim_replace_user(
        &self,
        actor: &Actor,
        id: &str,
        new: ScimUser,
        expected: Option<&str>,
    ) -> Result<user::Model> {
        actor.require(Area::Users, Access::Write)?;
        let found = self.scim_find_user(id).await?;
        check_version(found.updated_at, expected, "user")?;
        let new = new.checked()?;
        let was_active = is_active(&found);
        if was_active && !new.active {
            self.keep_an_administrator(actor, &found, "deactivate")
                .await?;
        }
        if let Some(p) = &new.password {
            let context = [
                new.user_name.as_str(),
                new.display_name.as_deref().unwrap_or(""),
            ];
            self.check_password(p, &context).await?;
        }
        let mut fields = Vec::new();
        let email_changed = found.email.as_deref() != Some(new.user_name.as_str());
        if email_changed {
            if self
                .parts
                .users
                .find_by_email(&new.user_name)
                .await?
                .is_some()
            {
                return Err(Error::Conflict("user"));
            }
            fields.push("userName");
        }
        if found.display_name != new.display_name {
            fields.push("displayName");
        }
        if found.given_name != new.given_name {
            fields.push("name.givenName");
        }
        if found.family_name != new.family_name {
            fields.push("name.familyName");
        }
        if found.external_id != new.external_id {
            fields.push("externalId");
        }
        if !fields.is_empty() {
            let changed = user::Entity::update_many()
                .col_expr(user::Column::Email, Expr::value(new.user_name.clone()))
                .col_expr(
                    user::Column::EmailVerified,
                    Expr::value(found.email_verified || email_changed),
                )
                .col_expr(
                    user::Column::DisplayName,
                    Expr::value(new.display_name.clone()),
                )
                .col_expr(user::Column::GivenName, Expr::value(new.given_name.clone()))
                .col_expr(
                    user::Column::FamilyName,
                    Expr::value(new.family_name.clone()),
                )
                .col_expr(
                    user::Column::ExternalId,
                    Expr::value(new.external_id.clone()),
                )
                .col_expr(user::Column::UpdatedAt, Expr::value(now()))
                .filter(user::Column::Id.eq(&found.id))
                .filter(user::Column::UpdatedAt.eq(found.updated_at))
                .exec(&self.db)
                .await
                .map_err(|e| match e.sql_err() {
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::Conflict("user"),
                    _ => Error::Database(e),
                })?
                .rows_affected;
            if changed == 0 {
                return Err(Error::Stale("user"));
            }
            self.audit(
                actor,
                AuditEvent::success("user.updated").subject(&found.id),
                json!({ "fields": fields }),
            )
            .await?;
        }
        if let Some(p) = &new.password {
            self.parts.users.set_password(&found.id, p).await?;
            self.parts
                .users
                .sign_out_everywhere(&found.id, "password set by provisioning")
                .await?;
            self.audit(
                actor,
                AuditEvent::success("user.password_set").subject(&found.id),
                json!({ "sessions_ended": true }),
            )
            .await?;
        }
        if was_active != new.active {
            let (kind, status, reason) = if new.active {
                ("user.reactivated", UserStatus::Active, None)
            } else {
                (
                    "user.disabled",
                    UserStatus::Disabled,
                    Some("deactivated by provisioning".to_owned()),
                )
            };
            // Disabling ends the account's sessions and tokens in the same transaction.
            self.parts
                .users
                .set_status(&found.id, status, reason)
                .await?;
            self.audit(
                actor,
                AuditEvent::success(kind).subject(&found.id),
                json!({}),
            )
            .await?;
        }
        self.scim_find_user(&found.id).await
    }

    /// Erases the account, as the admin API's delete does.
    pub async fn scim_delete_user(&self, actor: &Actor, id: &str) -> Result<()> {
        actor.require(Area::Users, Access::Write)?;
        let found = self.scim_find_user(id).await?;
        self.delete_user(actor, &found.id).await.map(|_| ())
    }
}
