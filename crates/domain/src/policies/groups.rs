//! The groups a decision's principal is in, with the groups enclosing them.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _};

use crate::Result;
use crate::entities::{group, user_group};
use crate::groups::Tree;

/// The (id, path) of each group `user_id` is a member of and of every group enclosing one:
/// a member of `/eng/backend` is also in `/eng`, as for effective roles.
pub async fn groups_of(db: &impl ConnectionTrait, user_id: &str) -> Result<Vec<(String, String)>> {
    let member_of: Vec<String> = user_group::Entity::find()
        .filter(user_group::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.group_id)
        .collect();
    if member_of.is_empty() {
        return Ok(Vec::new());
    }
    let tree = Tree::load(db).await?;
    let mut found = BTreeMap::new();
    for id in member_of {
        for g in tree.self_and_ancestors(&id) {
            if let Some(path) = tree.path(&g) {
                found.insert(g, path);
            }
        }
    }
    Ok(found.into_iter().collect())
}

/// The id of the group named `name`.
pub async fn group_id(db: &impl ConnectionTrait, name: &str) -> Result<Option<String>> {
    Ok(group::Entity::find()
        .filter(group::Column::Name.eq(name))
        .one(db)
        .await?
        .map(|g| g.id))
}
