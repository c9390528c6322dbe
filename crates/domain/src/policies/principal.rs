//! What Gatehouse knows of the principal of a decision: the user, their effective roles,
//! groups and permissions.

use sea_orm::{ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _};

use crate::Result;
use crate::entities::{role, user};
use crate::roles::effective_of_user;
use crate::users::UserStatus;

/// The user a decision is about.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Internal user id (ACL entries of kind `user` hold it).
    pub user_id: String,
    /// The `sub` of the user's tokens: the principal entity's id.
    pub subject: String,
    /// Email address.
    pub email: String,
    /// Whether the address was verified.
    pub email_verified: bool,
    /// Account creation time.
    pub created_at: time::OffsetDateTime,
    /// Effective global roles as (id, name).
    pub roles: Vec<(String, String)>,
    /// Groups as (id, path): memberships and the groups enclosing them.
    pub groups: Vec<(String, String)>,
    /// Effective permission names.
    pub permissions: Vec<String>,
}

/// Finds the user whose `sub` (or, failing that, whose email address) is `id`, with what
/// they hold. `None` when there is no such user or the account may not act.
pub async fn load(db: &impl ConnectionTrait, id: &str) -> Result<Option<Principal>> {
    let by_sub = user::Entity::find()
        .filter(user::Column::Subject.eq(id))
        .one(db)
        .await?;
    let found = match by_sub {
        Some(u) => Some(u),
        None if id.contains('@') => {
            let Ok(email) = crate::users::normalize_email(id) else {
                return Ok(None);
            };
            user::Entity::find()
                .filter(user::Column::Email.eq(email))
                .one(db)
                .await?
        }
        None => None,
    };
    // A lockout stops sign-in, not the sessions and tokens the user already has; suspended,
    // disabled and unverified accounts are refused everything.
    let Some(u) = found.filter(|u| {
        u.status == UserStatus::Active.as_str() || u.status == UserStatus::Locked.as_str()
    }) else {
        return Ok(None);
    };
    let effective = effective_of_user(db, &u.id).await?;
    // ACL entries name global roles; client roles are in `resource_access` of tokens.
    let roles = role::Entity::find()
        .filter(role::Column::Name.is_in(effective.roles.clone()))
        .filter(role::Column::ClientId.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let permissions = effective.permissions;
    let groups = crate::policies::groups_of(db, &u.id).await?;
    Ok(Some(Principal {
        user_id: u.id,
        subject: u.subject,
        // Policies read `principal.email` as a required text: empty when there is none.
        email: u.email.unwrap_or_default(),
        email_verified: u.email_verified,
        created_at: u.created_at,
        roles,
        groups,
        permissions,
    }))
}
