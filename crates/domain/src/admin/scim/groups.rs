//! SCIM groups: Gatehouse groups seen with a display name (spaces and capitals allowed)
//! beside their name (derived once from the display name at creation, kept on renames, so
//! that policies naming the group keep working), an `externalId`, and their direct members.
//!
//! Groups count as [`Area::Users`] for SCIM, except a group granting a `gatehouse:*` role
//! (itself or through an enclosing group): changing its members, or deleting it, is
//! granting or taking that role, which needs `gatehouse:admin`.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _, ModelTrait as _,
    PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
};
use serde_json::json;

use super::filter::Filter;
use super::query::{Resource, condition};
use super::users::ScimPage;
use crate::admin::users::check_version;
use crate::admin::{ADMIN_ROLES, Access, Actor, Admin, Area};
use crate::audit::AuditEvent;
use crate::entities::{group, group_role, role, user, user_group};
use crate::{Error, Result, now};

/// A group as SCIM sets it (a POST or PUT body).
#[derive(Debug, Clone, Default)]
pub struct ScimGroup {
    /// `displayName`.
    pub display_name: String,
    /// `externalId`.
    pub external_id: Option<String>,
    /// `members[].value`: user ids.
    pub members: Vec<String>,
}

/// A SCIM PATCH of a group, as changes (never a read-modify-write of the member list, so
/// that two clients adding members at once both succeed).
#[derive(Debug, Clone, Default)]
pub struct ScimGroupPatch {
    /// A new `displayName`.
    pub display_name: Option<String>,
    /// A new `externalId` (`Some(None)` removes it).
    pub external_id: Option<Option<String>>,
    /// Members to have exactly (a `replace` of `members`), applied before adds and removes.
    pub replace_members: Option<Vec<String>>,
    /// Members to add (user ids).
    pub add_members: Vec<String>,
    /// Members to remove (user ids); `remove_all` empties the group first.
    pub remove_members: Vec<String>,
    /// Remove every member (a `remove` of `members` without a filter).
    pub remove_all: bool,
}

/// A member as SCIM shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRef {
    /// The user id.
    pub id: String,
    /// The address (or `sub`), for `display`.
    pub display: String,
}

/// A group with its direct members (none when they were not asked for).
#[derive(Debug, Clone)]
pub struct GroupRecord {
    /// The row.
    pub group: group::Model,
    /// Direct members, by user id.
    pub members: Vec<MemberRef>,
}

impl GroupRecord {
    /// The SCIM `displayName`: the display name, else the name.
    pub fn display_name(&self) -> &str {
        self.group
            .display_name
            .as_deref()
            .unwrap_or(&self.group.name)
    }

    /// Last change (creation for groups never changed).
    pub fn updated_at(&self) -> time::OffsetDateTime {
        self.group.updated_at.unwrap_or(self.group.created_at)
    }
}

fn check_display_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "displayName",
            "must be 1 to 200 characters, no control characters",
        ));
    }
    Ok(name.to_owned())
}

fn check_external_id(id: Option<String>) -> Result<Option<String>> {
    let id = id.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if id
        .as_deref()
        .is_some_and(|v| v.chars().count() > 200 || v.chars().any(char::is_control))
    {
        return Err(Error::invalid(
            "externalId",
            "must be at most 200 characters, no control characters",
        ));
    }
    Ok(id)
}

/// A group name (`a-z 0-9 _ - .`) from a display name: `Sales Team (EU)` → `sales-team-eu`.
pub fn name_from_display(display: &str) -> String {
    let mut out = String::new();
    for c in display.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed: String = out.trim_matches('-').chars().take(56).collect();
    let trimmed = trimmed.trim_end_matches('-').to_owned();
    if trimmed.is_empty() {
        "group".into()
    } else {
        trimmed
    }
}

impl Admin {
    /// Groups matching `filter`, in id order, from offset `skip`; with their members when
    /// `with_members`.
    pub async fn scim_groups(
        &self,
        actor: &Actor,
        filter: Option<&Filter>,
        skip: u64,
        count: u64,
        with_members: bool,
    ) -> Result<ScimPage<GroupRecord>> {
        actor.require(Area::Users, Access::Read)?;
        let mut query = group::Entity::find();
        if let Some(f) = filter {
            query = query.filter(condition(Resource::Group, f)?);
        }
        let total = query.clone().count(&self.db).await?;
        let rows = if count == 0 {
            Vec::new()
        } else {
            query
                .order_by_asc(group::Column::Id)
                .offset(skip)
                .limit(count)
                .all(&self.db)
                .await?
        };
        let mut items = Vec::with_capacity(rows.len());
        for g in rows {
            let members = if with_members {
                members_of(&self.db, &g.id).await?
            } else {
                Vec::new()
            };
            items.push(GroupRecord { group: g, members });
        }
        Ok(ScimPage { total, items })
    }

    /// One group by id, with its members.
    pub async fn scim_group(&self, actor: &Actor, id: &str) -> Result<GroupRecord> {
        actor.require(Area::Users, Access::Read)?;
        self.group_record(id).await
    }

    async fn group_record(&self, id: &str) -> Result<GroupRecord> {
        let g = group::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("group"))?;
        let members = members_of(&self.db, &g.id).await?;
        Ok(GroupRecord { group: g, members })
    }

    /// Creates a top-level group with members; `Conflict` when another group already
    /// shows this display name.
    pub async fn scim_create_group(&self, actor: &Actor, new: ScimGroup) -> Result<GroupRecord> {
        actor.require(Area::Users, Access::Write)?;
        let display = check_display_name(&new.display_name)?;
        let external_id = check_external_id(new.external_id)?;
        let members: BTreeSet<String> = new.members.into_iter().collect();
        let txn = crate::store::begin_write(&self.db).await?;
        if display_taken(&txn, &display, None).await? {
            return Err(Error::Conflict("group"));
        }
        let name = free_name(&txn, &name_from_display(&display)).await?;
        let at = now();
        let created = group::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            name: Set(name),
            description: Set(None),
            created_at: Set(at),
            parent_id: Set(None),
            external_id: Set(external_id),
            display_name: Set(Some(display)),
            updated_at: Set(Some(at)),
        }
        .insert(&txn)
        .await?;
        check_users(&txn, &members).await?;
        for user_id in &members {
            user_group::ActiveModel {
                user_id: Set(user_id.clone()),
                group_id: Set(created.id.clone()),
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        self.changes.changed();
        self.audit(
            actor,
            AuditEvent::success("group.created"),
            json!({ "group": created.id, "name": created.name, "members_added": members.len() }),
        )
        .await?;
        self.group_record(&created.id).await
    }

    /// Replaces the group's display name, external id and members.
    pub async fn scim_replace_group(
        &self,
        actor: &Actor,
        id: &str,
        new: ScimGroup,
        expected: Option<&str>,
    ) -> Result<GroupRecord> {
        let patch = ScimGroupPatch {
            display_name: Some(new.display_name),
            external_id: Some(new.external_id),
            replace_members: Some(new.members),
            ..ScimGroupPatch::default()
        };
        self.scim_patch_group(actor, id, patch, expected).await
    }

    /// Applies a PATCH: display name, external id, members replaced, added, removed.
    /// Removing someone not a member, or adding a member again, changes nothing.
    pub async fn scim_patch_group(
        &self,
        actor: &Actor,
        id: &str,
        patch: ScimGroupPatch,
        expected: Option<&str>,
    ) -> Result<GroupRecord> {
        actor.require(Area::Users, Access::Write)?;
        let display = patch
            .display_name
            .as_deref()
            .map(check_display_name)
            .transpose()?;
        let external_id = patch.external_id.map(check_external_id).transpose()?;
        let txn = crate::store::begin_write(&self.db).await?;
        let g = group::Entity::find_by_id(id.to_owned())
            .one(&txn)
            .await?
            .ok_or(Error::NotFound("group"))?;
        check_version(g.updated_at.unwrap_or(g.created_at), expected, "group")?;
        let current: BTreeSet<String> = member_ids(&txn, &g.id).await?;
        let mut wanted = match patch.replace_members {
            Some(list) => list.into_iter().collect(),
            None => current.clone(),
        };
        if patch.remove_all {
            wanted.clear();
        }
        wanted.extend(patch.add_members);
        for gone in &patch.remove_members {
            wanted.remove(gone);
        }
        let added: BTreeSet<String> = wanted.difference(&current).cloned().collect();
        let removed: BTreeSet<String> = current.difference(&wanted).cloned().collect();
        if (!added.is_empty() || !removed.is_empty()) && grants_admin_role(&txn, &g).await? {
            actor.require(Area::System, Access::Write)?;
        }
        let mut fields = Vec::new();
        if let Some(d) = &display
            && Some(d) != g.display_name.as_ref()
        {
            if display_taken(&txn, d, Some(&g.id)).await? {
                return Err(Error::Conflict("group"));
            }
            fields.push("displayName");
        }
        if let Some(e) = &external_id
            && e != &g.external_id
        {
            fields.push("externalId");
        }
        check_users(&txn, &added).await?;
        for user_id in &added {
            user_group::ActiveModel {
                user_id: Set(user_id.clone()),
                group_id: Set(g.id.clone()),
            }
            .insert(&txn)
            .await?;
        }
        if !removed.is_empty() {
            user_group::Entity::delete_many()
                .filter(user_group::Column::GroupId.eq(&g.id))
                .filter(user_group::Column::UserId.is_in(removed.iter().cloned()))
                .exec(&txn)
                .await?;
        }
        let changed = !fields.is_empty() || !added.is_empty() || !removed.is_empty();
        if changed {
            let group_id = g.id.clone();
            let mut row: group::ActiveModel = g.into();
            if let Some(d) = display {
                row.display_name = Set(Some(d));
            }
            if let Some(e) = external_id {
                row.external_id = Set(e);
            }
            row.updated_at = Set(Some(now()));
            row.update(&txn).await?;
            txn.commit().await?;
            self.changes.changed();
            self.audit(
                actor,
                AuditEvent::success("group.updated"),
                json!({
                    "group": group_id,
                    "fields": fields,
                    "members_added": added,
                    "members_removed": removed,
                }),
            )
            .await?;
            self.group_record(&group_id).await
        } else {
            txn.commit().await?;
            self.group_record(id).await
        }
    }

    /// Deletes the group with its memberships and role grants; refused while it has
    /// subgroups.
    pub async fn scim_delete_group(&self, actor: &Actor, id: &str) -> Result<()> {
        actor.require(Area::Users, Access::Write)?;
        let g = group::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("group"))?;
        if grants_admin_role(&self.db, &g).await? {
            actor.require(Area::System, Access::Write)?;
        }
        let children = group::Entity::find()
            .filter(group::Column::ParentId.eq(&g.id))
            .count(&self.db)
            .await?;
        if children > 0 {
            return Err(Error::WrongState(
                "the group has subgroups; delete or move them first".into(),
            ));
        }
        let (group_id, name) = (g.id.clone(), g.name.clone());
        let txn = crate::store::begin_write(&self.db).await?;
        user_group::Entity::delete_many()
            .filter(user_group::Column::GroupId.eq(&group_id))
            .exec(&txn)
            .await?;
        group_role::Entity::delete_many()
            .filter(group_role::Column::GroupId.eq(&group_id))
            .exec(&txn)
            .await?;
        g.delete(&txn).await?;
        txn.commit().await?;
        self.changes.changed();
        self.audit(
            actor,
            AuditEvent::success("group.deleted"),
            json!({ "group": group_id, "name": name }),
        )
        .await
    }
}

async fn member_ids(db: &impl ConnectionTrait, group_id: &str) -> Result<BTreeSet<String>> {
    Ok(user_group::Entity::find()
        .filter(user_group::Column::GroupId.eq(group_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.user_id)
        .collect())
}

async fn members_of(db: &impl ConnectionTrait, group_id: &str) -> Result<Vec<MemberRef>> {
    let ids = member_ids(db, group_id).await?;
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| MemberRef {
            display: u.label(),
            id: u.id,
        })
        .collect())
}

/// Refuses ids that are not (non-guest) accounts.
async fn check_users(db: &impl ConnectionTrait, ids: &BTreeSet<String>) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().cloned()))
        .filter(user::Column::Guest.eq(false))
        .count(db)
        .await?;
    if found != ids.len() as u64 {
        return Err(Error::invalid(
            "members",
            "names a user that does not exist",
        ));
    }
    Ok(())
}

/// Whether another group already shows `display` (case-insensitively).
async fn display_taken(
    db: &impl ConnectionTrait,
    display: &str,
    except: Option<&str>,
) -> Result<bool> {
    let wanted = display.to_lowercase();
    Ok(group::Entity::find()
        .all(db)
        .await?
        .iter()
        .filter(|g| Some(g.id.as_str()) != except)
        .any(|g| g.display_name.as_deref().unwrap_or(&g.name).to_lowercase() == wanted))
}

/// `base`, or `base-2`, `base-3`... whichever no group has.
async fn free_name(db: &impl ConnectionTrait, base: &str) -> Result<String> {
    let taken: BTreeSet<String> = group::Entity::find()
        .filter(group::Column::Name.starts_with(base))
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.name)
        .collect();
    if !taken.contains(base) {
        return Ok(base.to_owned());
    }
    for n in 2..1000 {
        let candidate = format!("{base}-{n}");
        if !taken.contains(&candidate) {
            return Ok(candidate);
        }
    }
    Ok(format!("{base}-{}", uuid::Uuid::new_v4().simple()))
}

/// Whether the group, or a group enclosing it, is granted a `gatehouse:*` role.
async fn grants_admin_role(db: &impl ConnectionTrait, g: &group::Model) -> Result<bool> {
    let parents: HashMap<String, Option<String>> = group::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|x| (x.id, x.parent_id))
        .collect();
    let mut chain = vec![g.id.clone()];
    let mut at = g.parent_id.clone();
    while let Some(p) = at {
        if chain.contains(&p) {
            break;
        }
        at = parents.get(&p).cloned().flatten();
        chain.push(p);
    }
    let admin_roles: Vec<String> = role::Entity::find()
        .filter(role::Column::Name.is_in(ADMIN_ROLES))
        .filter(role::Column::ClientId.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    if admin_roles.is_empty() {
        return Ok(false);
    }
    Ok(group_role::Entity::find()
        .filter(group_role::Column::GroupId.is_in(chain))
        .filter(group_role::Column::RoleId.is_in(admin_roles))
        .count(db)
        .await?
        > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_become_group_names() {
        assert_eq!(name_from_display("Sales Team (EU)"), "sales-team-eu");
        assert_eq!(name_from_display("  Ops  "), "ops");
        assert_eq!(name_from_display("Équipe été"), "quipe-t");
        assert_eq!(name_from_display("!!!"), "group");
        assert_eq!(name_from_display(&"x".repeat(100)).len(), 56);
        for d in ["Sales Team (EU)", "a.b_c", "日本"] {
            assert!(crate::roles::validate_name("group", &name_from_display(d)).is_ok());
        }
    }
}
