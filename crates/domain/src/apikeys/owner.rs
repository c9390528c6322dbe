//! What the owner of a key holds: its role names and the permissions they carry.
//!
//! The one place API keys read roles: the effective roles (groups, composite roles) of
//! [`crate::roles`].

use sea_orm::{ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _};

use crate::Result;
use crate::entities::service_account_role;
use crate::roles::{effective_of_roles, effective_of_user};

/// Who an API key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A user (internal id).
    User(String),
    /// A service account (id).
    ServiceAccount(String),
}

/// The effective global role names and permission names of `owner` (direct grants,
/// groups for a user, included roles), each sorted and unique.
pub async fn roles_and_permissions(
    db: &impl ConnectionTrait,
    owner: &Owner,
) -> Result<(Vec<String>, Vec<String>)> {
    let effective = match owner {
        Owner::User(id) => effective_of_user(db, id).await?,
        Owner::ServiceAccount(id) => {
            let role_ids = service_account_role::Entity::find()
                .filter(service_account_role::Column::ServiceAccountId.eq(id))
                .all(db)
                .await?
                .into_iter()
                .map(|l| l.role_id)
                .collect();
            effective_of_roles(db, role_ids).await?
        }
    };
    Ok((effective.roles, effective.permissions))
}
