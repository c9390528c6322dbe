//! The group service: create, list, show, delete; members; subgroups.

use crate::policies::Changes;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    ModelTrait as _, QueryFilter as _, QueryOrder as _, Set,
};
use serde::Serialize;

use super::tree::Tree;
use crate::entities::{group, group_role, role, user, user_group};
use crate::roles::{RoleName, validate_name};
use crate::users::normalize_email;
use crate::{Error, Result, Store, now};

/// The group service.
#[derive(Debug, Clone)]
pub struct Groups {
    db: DatabaseConnection,
    changes: Changes,
}

/// A group in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct GroupSummary {
    /// Its name (unique among all groups).
    pub name: String,
    /// Its path from the top, like `/eng/backend`.
    pub path: String,
    /// The enclosing group's name.
    pub parent: Option<String>,
}

/// A group with its members, roles and subgroups.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GroupDetails {
    /// Name, path and parent.
    #[serde(flatten)]
    pub group: GroupSummary,
    /// Emails of its direct members, sorted.
    pub members: Vec<String>,
    /// Roles granted to it.
    pub roles: Vec<RoleName>,
    /// Names of the groups directly inside it, sorted.
    pub subgroups: Vec<String>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

impl Groups {
    /// Builds the service on a store.
    pub fn new(store: &Store) -> Self {
        Self {
            db: store.db().clone(),
            changes: store.changes().clone(),
        }
    }

    /// Creates a group, at the top or inside `parent`.
    pub async fn create(&self, name: &str, parent: Option<&str>) -> Result<GroupSummary> {
        validate_name("group", name)?;
        let txn = crate::store::begin_write(&self.db).await?;
        if find(&txn, name).await?.is_some() {
            return Err(Error::Conflict("group"));
        }
        let parent_id = match parent {
            Some(p) => Some(get(&txn, p).await?.id),
            None => None,
        };
        group::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            name: Set(name.to_owned()),
            description: Set(None),
            created_at: Set(now()),
            parent_id: Set(parent_id),
            external_id: Set(None),
            display_name: Set(None),
            updated_at: Set(Some(now())),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        self.summary(name).await
    }

    /// Every group, by path.
    pub async fn list(&self) -> Result<Vec<GroupSummary>> {
        let tree = Tree::load(&self.db).await?;
        let all = group::Entity::find()
            .order_by_asc(group::Column::Name)
            .all(&self.db)
            .await?;
        let mut out: Vec<GroupSummary> = all.iter().map(|g| summarize(&tree, &all, g)).collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    async fn summary(&self, name: &str) -> Result<GroupSummary> {
        let tree = Tree::load(&self.db).await?;
        let all = group::Entity::find().all(&self.db).await?;
        let g = all
            .iter()
            .find(|g| g.name == name)
            .ok_or(Error::NotFound("group"))?;
        Ok(summarize(&tree, &all, g))
    }

    /// The group with its members, roles and subgroups.
    pub async fn show(&self, name: &str) -> Result<GroupDetails> {
        let g = get(&self.db, name).await?;
        let summary = self.summary(name).await?;
        let member_ids: Vec<String> = user_group::Entity::find()
            .filter(user_group::Column::GroupId.eq(&g.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| l.user_id)
            .collect();
        let mut members: Vec<String> = user::Entity::find()
            .filter(user::Column::Id.is_in(member_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| u.label())
            .collect();
        members.sort();
        let role_ids: Vec<String> = group_role::Entity::find()
            .filter(group_role::Column::GroupId.eq(&g.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| l.role_id)
            .collect();
        let mut roles: Vec<RoleName> = role::Entity::find()
            .filter(role::Column::Id.is_in(role_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(RoleName::from)
            .collect();
        roles.sort_by(|a, b| (&a.client_id, &a.name).cmp(&(&b.client_id, &b.name)));
        let subgroups: Vec<String> = group::Entity::find()
            .filter(group::Column::ParentId.eq(&g.id))
            .order_by_asc(group::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| s.name)
            .collect();
        Ok(GroupDetails {
            group: summary,
            members,
            roles,
            subgroups,
            created_at: g.created_at,
        })
    }

    /// Deletes the group with its memberships and role grants. A group that still has
    /// subgroups is refused: move or delete them first.
    pub async fn delete(&self, name: &str) -> Result<()> {
        let g = get(&self.db, name).await?;
        let children = group::Entity::find()
            .filter(group::Column::ParentId.eq(&g.id))
            .all(&self.db)
            .await?;
        if !children.is_empty() {
            return Err(Error::WrongState(format!(
                "group {name} has subgroups ({}); delete or move them first",
                children
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        g.delete(&self.db).await?;
        self.changes.changed();
        Ok(())
    }

    /// Adds the user with this email to the group. Adding twice is harmless.
    pub async fn add_member(&self, name: &str, email: &str) -> Result<()> {
        let g = get(&self.db, name).await?;
        let user_id = user_id_of(&self.db, email).await?;
        if user_group::Entity::find_by_id((user_id.clone(), g.id.clone()))
            .one(&self.db)
            .await?
            .is_none()
        {
            user_group::ActiveModel {
                user_id: Set(user_id),
                group_id: Set(g.id),
            }
            .insert(&self.db)
            .await?;
        }
        self.changes.changed();
        Ok(())
    }

    /// Removes the user from the group (`NotFound("member")` when they were not in it).
    pub async fn remove_member(&self, name: &str, email: &str) -> Result<()> {
        let g = get(&self.db, name).await?;
        let user_id = user_id_of(&self.db, email).await?;
        let removed = user_group::Entity::delete_by_id((user_id, g.id))
            .exec(&self.db)
            .await?;
        if removed.rows_affected == 0 {
            return Err(Error::NotFound("member"));
        }
        self.changes.changed();
        Ok(())
    }

    /// Puts `child` inside `parent` (moving it from where it was). Refused when `parent` is
    /// `child` or inside it (a cycle).
    pub async fn add_subgroup(&self, parent: &str, child: &str) -> Result<()> {
        let txn = crate::store::begin_write(&self.db).await?;
        let p = get(&txn, parent).await?;
        let c = get(&txn, child).await?;
        if Tree::load(&txn).await?.would_cycle(&p.id, &c.id) {
            return Err(Error::invalid(
                "subgroup",
                format!("{parent} is {child} or inside it: a group cannot contain itself"),
            ));
        }
        let mut active: group::ActiveModel = c.into();
        active.parent_id = Set(Some(p.id));
        active.update(&txn).await?;
        txn.commit().await?;
        self.changes.changed();
        Ok(())
    }

    /// Moves the group to the top (no parent).
    pub async fn remove_from_parent(&self, name: &str) -> Result<()> {
        let g = get(&self.db, name).await?;
        let mut active: group::ActiveModel = g.into();
        active.parent_id = Set(None);
        active.update(&self.db).await?;
        self.changes.changed();
        Ok(())
    }
}

fn summarize(tree: &Tree, all: &[group::Model], g: &group::Model) -> GroupSummary {
    GroupSummary {
        name: g.name.clone(),
        path: tree.path(&g.id).unwrap_or_else(|| format!("/{}", g.name)),
        parent: g
            .parent_id
            .as_ref()
            .and_then(|p| all.iter().find(|x| &x.id == p))
            .map(|x| x.name.clone()),
    }
}

async fn find(db: &impl ConnectionTrait, name: &str) -> Result<Option<group::Model>> {
    Ok(group::Entity::find()
        .filter(group::Column::Name.eq(name))
        .one(db)
        .await?)
}

async fn get(db: &impl ConnectionTrait, name: &str) -> Result<group::Model> {
    find(db, name).await?.ok_or(Error::NotFound("group"))
}

async fn user_id_of(db: &impl ConnectionTrait, email: &str) -> Result<String> {
    let email = normalize_email(email)?;
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?
        .ok_or(Error::NotFound("user"))?
        .id)
}
