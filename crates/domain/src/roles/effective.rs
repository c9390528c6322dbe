//! Effective roles: direct grants, plus grants to every group a user is in (and the groups
//! enclosing those), plus every role those roles include, transitively.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _};
use serde::Serialize;

use crate::Result;
use crate::entities::{
    group_role, permission, role, role_include, role_permission, user_group, user_role,
};
use crate::groups::Tree;

/// What a principal holds, computed when asked (tokens carry it from their issue on).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Effective {
    /// Global role names, sorted.
    pub roles: Vec<String>,
    /// Permission names of every effective role (global and client roles), sorted, unique.
    pub permissions: Vec<String>,
    /// Client role names by `client_id`, each sorted.
    pub client_roles: BTreeMap<String, Vec<String>>,
    /// Paths (`/eng/backend`) of the groups the user is a member of, sorted.
    pub groups: Vec<String>,
}

/// The effective roles, permissions and groups of a user.
pub async fn effective_of_user(db: &impl ConnectionTrait, user_id: &str) -> Result<Effective> {
    let mut role_ids: BTreeSet<String> = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.role_id)
        .collect();
    let member_of: Vec<String> = user_group::Entity::find()
        .filter(user_group::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.group_id)
        .collect();
    let mut groups = Vec::new();
    if !member_of.is_empty() {
        let tree = Tree::load(db).await?;
        // A member of /eng/backend holds what is granted to /eng as well.
        let mut holding: BTreeSet<String> = BTreeSet::new();
        for id in &member_of {
            if let Some(path) = tree.path(id) {
                groups.push(path);
            }
            holding.extend(tree.self_and_ancestors(id));
        }
        role_ids.extend(
            group_role::Entity::find()
                .filter(group_role::Column::GroupId.is_in(holding))
                .all(db)
                .await?
                .into_iter()
                .map(|l| l.role_id),
        );
    }
    groups.sort();
    let mut effective = effective_of_roles(db, role_ids.into_iter().collect()).await?;
    effective.groups = groups;
    Ok(effective)
}

/// The roles (split into global and client roles) and permissions that `role_ids` amount to
/// with every included role.
pub async fn effective_of_roles(
    db: &impl ConnectionTrait,
    role_ids: Vec<String>,
) -> Result<Effective> {
    let closure = with_included(db, role_ids).await?;
    if closure.is_empty() {
        return Ok(Effective::default());
    }
    let mut out = Effective::default();
    for r in role::Entity::find()
        .filter(role::Column::Id.is_in(closure.clone()))
        .all(db)
        .await?
    {
        match r.client_id {
            None => out.roles.push(r.name),
            Some(client) => out.client_roles.entry(client).or_default().push(r.name),
        }
    }
    out.roles.sort();
    for names in out.client_roles.values_mut() {
        names.sort();
    }
    let perm_ids: Vec<String> = role_permission::Entity::find()
        .filter(role_permission::Column::RoleId.is_in(closure))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.permission_id)
        .collect();
    if !perm_ids.is_empty() {
        out.permissions = permission::Entity::find()
            .filter(permission::Column::Id.is_in(perm_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|p| p.name)
            .collect();
        out.permissions.sort();
        out.permissions.dedup();
    }
    Ok(out)
}

/// `role_ids` and every role they include, transitively (one query per level; a stored
/// cycle, which `include` refuses, would still end).
pub(crate) async fn with_included(
    db: &impl ConnectionTrait,
    role_ids: Vec<String>,
) -> Result<Vec<String>> {
    let mut seen: BTreeSet<String> = role_ids.iter().cloned().collect();
    let mut frontier = role_ids;
    while !frontier.is_empty() {
        let next: Vec<String> = role_include::Entity::find()
            .filter(role_include::Column::RoleId.is_in(frontier))
            .all(db)
            .await?
            .into_iter()
            .map(|l| l.included_id)
            .filter(|id| seen.insert(id.clone()))
            .collect();
        frontier = next;
    }
    Ok(seen.into_iter().collect())
}
