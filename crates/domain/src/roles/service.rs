//! The role service: create, list, show and delete roles; grant and revoke them; their
//! permissions and included roles.

use crate::policies::Changes;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    ModelTrait as _, QueryFilter as _, QueryOrder as _, Set,
};
use serde::Serialize;

use super::effective::{Effective, effective_of_user, with_included};
use super::names::{validate_name, validate_permission};
use crate::entities::{
    client, group, group_role, permission, role, role_include, role_permission, user, user_role,
};
use crate::users::normalize_email;
use crate::{Error, Result, Store, now};

/// The role and permission service.
#[derive(Debug, Clone)]
pub struct Roles {
    db: DatabaseConnection,
    changes: Changes,
}

/// Who a role is granted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleGrantee {
    /// A user, by email or id.
    User(String),
    /// A group, by name.
    Group(String),
}

/// A role named with its client (`None`: a global role).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RoleName {
    /// The client of a client role.
    pub client_id: Option<String>,
    /// The role's name.
    pub name: String,
}

/// A role with what it holds and who holds it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RoleDetails {
    /// The role.
    #[serde(flatten)]
    pub role: RoleName,
    /// Its own permissions (not those of included roles), sorted.
    pub permissions: Vec<String>,
    /// The roles it includes directly.
    pub includes: Vec<RoleName>,
    /// Emails of the users granted it directly, sorted.
    pub users: Vec<String>,
    /// Names of the groups granted it, sorted.
    pub groups: Vec<String>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

impl From<role::Model> for RoleName {
    fn from(r: role::Model) -> Self {
        Self {
            client_id: r.client_id,
            name: r.name,
        }
    }
}

impl Roles {
    /// Builds the service on a store.
    pub fn new(store: &Store) -> Self {
        Self {
            db: store.db().clone(),
            changes: store.changes().clone(),
        }
    }

    /// Creates a global role with the given permissions (creating permissions that do not
    /// exist).
    pub async fn create(&self, name: &str, permissions: &[String]) -> Result<role::Model> {
        self.create_in(None, name, permissions).await
    }

    /// Creates a role, global or of `client`, with the given permissions.
    pub async fn create_in(
        &self,
        client: Option<&str>,
        name: &str,
        permissions: &[String],
    ) -> Result<role::Model> {
        validate_name("role", name)?;
        for p in permissions {
            validate_permission(p)?;
        }
        let txn = crate::store::begin_write(&self.db).await?;
        if let Some(id) = client
            && client::Entity::find_by_id(id.to_owned())
                .one(&txn)
                .await?
                .is_none()
        {
            return Err(Error::NotFound("client"));
        }
        if find_role(&txn, client, name).await?.is_some() {
            return Err(Error::Conflict("role"));
        }
        let created = role::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            name: Set(name.to_owned()),
            description: Set(None),
            created_at: Set(now()),
            client_id: Set(client.map(str::to_owned)),
        }
        .insert(&txn)
        .await
        // Made by someone else between the check and the insert (two nodes starting).
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::Conflict("role"),
            _ => Error::Database(e),
        })?;
        let mut wanted: Vec<&String> = permissions.iter().collect();
        wanted.sort();
        wanted.dedup();
        for p in wanted {
            link_permission(&txn, &created.id, p).await?;
        }
        txn.commit().await?;
        Ok(created)
    }

    /// Creates the global role if it does not exist yet, and returns it.
    pub async fn ensure(&self, name: &str) -> Result<role::Model> {
        match find_role(&self.db, None, name).await? {
            Some(r) => Ok(r),
            None => self.create(name, &[]).await,
        }
    }

    /// The role, global or of `client`.
    pub async fn get(&self, client: Option<&str>, name: &str) -> Result<role::Model> {
        find_role(&self.db, client, name)
            .await?
            .ok_or(Error::NotFound("role"))
    }

    /// Every role: global ones first, then by client; by name within each.
    pub async fn list(&self) -> Result<Vec<role::Model>> {
        let mut all = role::Entity::find()
            .order_by_asc(role::Column::Name)
            .all(&self.db)
            .await?;
        all.sort_by(|a, b| (&a.client_id, &a.name).cmp(&(&b.client_id, &b.name)));
        Ok(all)
    }

    /// The role with its permissions, included roles, users and groups.
    pub async fn show(&self, client: Option<&str>, name: &str) -> Result<RoleDetails> {
        let r = self.get(client, name).await?;
        let perm_ids: Vec<String> = role_permission::Entity::find()
            .filter(role_permission::Column::RoleId.eq(&r.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| l.permission_id)
            .collect();
        let mut permissions: Vec<String> = permission::Entity::find()
            .filter(permission::Column::Id.is_in(perm_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| p.name)
            .collect();
        permissions.sort();
        let included_ids: Vec<String> = role_include::Entity::find()
            .filter(role_include::Column::RoleId.eq(&r.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| l.included_id)
            .collect();
        let mut includes: Vec<RoleName> = role::Entity::find()
            .filter(role::Column::Id.is_in(included_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(RoleName::from)
            .collect();
        includes.sort_by(|a, b| (&a.client_id, &a.name).cmp(&(&b.client_id, &b.name)));
        let user_ids: Vec<String> = user_role::Entity::find()
            .filter(user_role::Column::RoleId.eq(&r.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| l.user_id)
            .collect();
        let mut users: Vec<String> = user::Entity::find()
            .filter(user::Column::Id.is_in(user_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| u.label())
            .collect();
        users.sort();
        let group_ids: Vec<String> = group_role::Entity::find()
            .filter(group_role::Column::RoleId.eq(&r.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| l.group_id)
            .collect();
        let mut groups: Vec<String> = group::Entity::find()
            .filter(group::Column::Id.is_in(group_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|g| g.name)
            .collect();
        groups.sort();
        Ok(RoleDetails {
            created_at: r.created_at,
            role: r.into(),
            permissions,
            includes,
            users,
            groups,
        })
    }

    /// Deletes the role; its grants and inclusions go with it (issued tokens keep theirs).
    pub async fn delete(&self, client: Option<&str>, name: &str) -> Result<()> {
        let r = self.get(client, name).await?;
        r.delete(&self.db).await?;
        self.changes.changed();
        Ok(())
    }

    /// Grants the named global role to the user with this email. Granting twice is harmless.
    pub async fn grant(&self, role_name: &str, email: &str) -> Result<()> {
        self.grant_to(None, role_name, &RoleGrantee::User(email.to_owned()))
            .await
    }

    /// Grants the role to a user or a group. Granting twice is harmless.
    pub async fn grant_to(&self, client: Option<&str>, name: &str, to: &RoleGrantee) -> Result<()> {
        let r = self.get(client, name).await?;
        match to {
            RoleGrantee::User(email) => {
                let user_id = user_id_of(&self.db, email).await?;
                let link = user_role::ActiveModel {
                    user_id: Set(user_id.clone()),
                    role_id: Set(r.id.clone()),
                };
                if user_role::Entity::find_by_id((user_id, r.id))
                    .one(&self.db)
                    .await?
                    .is_none()
                {
                    link.insert(&self.db).await?;
                }
            }
            RoleGrantee::Group(group_name) => {
                let group_id = group_id_of(&self.db, group_name).await?;
                let link = group_role::ActiveModel {
                    group_id: Set(group_id.clone()),
                    role_id: Set(r.id.clone()),
                };
                if group_role::Entity::find_by_id((group_id, r.id))
                    .one(&self.db)
                    .await?
                    .is_none()
                {
                    link.insert(&self.db).await?;
                }
            }
        }
        self.changes.changed();
        Ok(())
    }

    /// Takes a direct grant back. A grant that was not there is `NotFound("grant")`.
    pub async fn revoke_from(
        &self,
        client: Option<&str>,
        name: &str,
        from: &RoleGrantee,
    ) -> Result<()> {
        let r = self.get(client, name).await?;
        let removed = match from {
            RoleGrantee::User(email) => {
                let user_id = user_id_of(&self.db, email).await?;
                user_role::Entity::delete_by_id((user_id, r.id))
                    .exec(&self.db)
                    .await?
                    .rows_affected
            }
            RoleGrantee::Group(group_name) => {
                let group_id = group_id_of(&self.db, group_name).await?;
                group_role::Entity::delete_by_id((group_id, r.id))
                    .exec(&self.db)
                    .await?
                    .rows_affected
            }
        };
        if removed == 0 {
            return Err(Error::NotFound("grant"));
        }
        self.changes.changed();
        Ok(())
    }

    /// Adds a `resource:action` permission to the role (creating the permission if new).
    pub async fn add_permission(
        &self,
        client: Option<&str>,
        name: &str,
        permission_name: &str,
    ) -> Result<()> {
        validate_permission(permission_name)?;
        let r = self.get(client, name).await?;
        let txn = crate::store::begin_write(&self.db).await?;
        link_permission(&txn, &r.id, permission_name).await?;
        txn.commit().await?;
        self.changes.changed();
        Ok(())
    }

    /// Removes a permission from the role (the permission itself stays known).
    pub async fn remove_permission(
        &self,
        client: Option<&str>,
        name: &str,
        permission_name: &str,
    ) -> Result<()> {
        let r = self.get(client, name).await?;
        let p = permission::Entity::find()
            .filter(permission::Column::Name.eq(permission_name))
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("permission"))?;
        let removed = role_permission::Entity::delete_by_id((r.id, p.id))
            .exec(&self.db)
            .await?;
        if removed.rows_affected == 0 {
            return Err(Error::NotFound("permission"));
        }
        self.changes.changed();
        Ok(())
    }

    /// Makes `role` include `other` (a composite role): whoever holds `role` holds `other`.
    /// Refused when `other` already includes `role`, directly or not (a cycle).
    pub async fn include(&self, role: &RoleName, other: &RoleName) -> Result<()> {
        let outer = self.get(role.client_id.as_deref(), &role.name).await?;
        let inner = self.get(other.client_id.as_deref(), &other.name).await?;
        let txn = crate::store::begin_write(&self.db).await?;
        if with_included(&txn, vec![inner.id.clone()])
            .await?
            .contains(&outer.id)
        {
            return Err(Error::invalid(
                "include",
                format!(
                    "{} already includes {} (directly or through other roles): a cycle",
                    inner.name, outer.name
                ),
            ));
        }
        if role_include::Entity::find_by_id((outer.id.clone(), inner.id.clone()))
            .one(&txn)
            .await?
            .is_none()
        {
            role_include::ActiveModel {
                role_id: Set(outer.id),
                included_id: Set(inner.id),
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        self.changes.changed();
        Ok(())
    }

    /// Stops `role` including `other`.
    pub async fn exclude(&self, role: &RoleName, other: &RoleName) -> Result<()> {
        let outer = self.get(role.client_id.as_deref(), &role.name).await?;
        let inner = self.get(other.client_id.as_deref(), &other.name).await?;
        let removed = role_include::Entity::delete_by_id((outer.id, inner.id))
            .exec(&self.db)
            .await?;
        if removed.rows_affected == 0 {
            return Err(Error::NotFound("include"));
        }
        self.changes.changed();
        Ok(())
    }

    /// Everything the user holds: global roles, permissions, client roles, group paths.
    pub async fn effective(&self, user_id: &str) -> Result<Effective> {
        effective_of_user(&self.db, user_id).await
    }

    /// The names of the user's effective global roles (direct, through groups, included),
    /// sorted.
    pub async fn roles_of(&self, user_id: &str) -> Result<Vec<String>> {
        Ok(self.effective(user_id).await?.roles)
    }

    /// The names of the permissions a user holds through their effective roles, sorted,
    /// unique.
    pub async fn permissions_of(&self, user_id: &str) -> Result<Vec<String>> {
        Ok(self.effective(user_id).await?.permissions)
    }
}

async fn find_role(
    db: &impl ConnectionTrait,
    client: Option<&str>,
    name: &str,
) -> Result<Option<role::Model>> {
    let by_client = match client {
        Some(id) => role::Column::ClientId.eq(id),
        None => role::Column::ClientId.is_null(),
    };
    Ok(role::Entity::find()
        .filter(role::Column::Name.eq(name))
        .filter(by_client)
        .one(db)
        .await?)
}

/// The id of the user named by an address (with an `@`) or by its id.
async fn user_id_of(db: &impl ConnectionTrait, key: &str) -> Result<String> {
    if !key.contains('@') {
        return Ok(user::Entity::find_by_id(key.to_owned())
            .one(db)
            .await?
            .ok_or(Error::NotFound("user"))?
            .id);
    }
    let email = normalize_email(key)?;
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?
        .ok_or(Error::NotFound("user"))?
        .id)
}

async fn group_id_of(db: &impl ConnectionTrait, name: &str) -> Result<String> {
    Ok(group::Entity::find()
        .filter(group::Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or(Error::NotFound("group"))?
        .id)
}

/// Links the permission (created when new) to the role; linking twice is harmless.
async fn link_permission(db: &impl ConnectionTrait, role_id: &str, name: &str) -> Result<()> {
    let perm = match permission::Entity::find()
        .filter(permission::Column::Name.eq(name))
        .one(db)
        .await?
    {
        Some(p) => p,
        None => {
            permission::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                name: Set(name.to_owned()),
                description: Set(None),
                created_at: Set(now()),
            }
            .insert(db)
            .await?
        }
    };
    if role_permission::Entity::find_by_id((role_id.to_owned(), perm.id.clone()))
        .one(db)
        .await?
        .is_none()
    {
        role_permission::ActiveModel {
            role_id: Set(role_id.to_owned()),
            permission_id: Set(perm.id),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
