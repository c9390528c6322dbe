//! What the owner of a key holds: its role names and the permissions they carry.
//!
//! The one place API keys read roles, so that it can follow the effective roles (groups,
//! composite roles) once the domain computes them.

use sea_orm::{ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _};

use crate::Result;
use crate::entities::{permission, role, role_permission, service_account_role, user_role};

/// Who an API key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A user (internal id).
    User(String),
    /// A service account (id).
    ServiceAccount(String),
}

/// The role names and permission names of `owner`, each sorted and unique.
pub async fn roles_and_permissions(
    db: &impl ConnectionTrait,
    owner: &Owner,
) -> Result<(Vec<String>, Vec<String>)> {
    let role_ids: Vec<String> = match owner {
        Owner::User(id) => user_role::Entity::find()
            .filter(user_role::Column::UserId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|l| l.role_id)
            .collect(),
        Owner::ServiceAccount(id) => service_account_role::Entity::find()
            .filter(service_account_role::Column::ServiceAccountId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|l| l.role_id)
            .collect(),
    };
    if role_ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut roles: Vec<String> = role::Entity::find()
        .filter(role::Column::Id.is_in(role_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    roles.sort();
    let perm_ids: Vec<String> = role_permission::Entity::find()
        .filter(role_permission::Column::RoleId.is_in(role_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.permission_id)
        .collect();
    let mut permissions: Vec<String> = permission::Entity::find()
        .filter(permission::Column::Id.is_in(perm_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.name)
        .collect();
    permissions.sort();
    permissions.dedup();
    Ok((roles, permissions))
}
