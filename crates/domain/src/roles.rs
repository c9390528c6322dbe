//! Roles and permissions: named sets of permissions granted to users.

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set, TransactionTrait as _,
};

use crate::entities::{permission, role, role_permission, user, user_role};
use crate::users::normalize_email;
use crate::{Error, Result, Store, now};

/// The role granted to the bootstrap administrator.
pub const ADMIN_ROLE: &str = "admin";

/// The role and permission service.
#[derive(Debug, Clone)]
pub struct Roles {
    db: DatabaseConnection,
}

/// Role and permission names: 1 to 64 of `a-z 0-9 _ - . :`.
pub fn validate_name(field: &'static str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.' | b':')
        });
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{name:?} must be 1-64 characters of a-z, 0-9, _ - . :"),
        ))
    }
}

impl Roles {
    /// Builds the service on a store.
    pub fn new(store: &Store) -> Self {
        Self {
            db: store.db().clone(),
        }
    }

    /// Creates a role with the given permissions (creating permissions that do not exist).
    pub async fn create(&self, name: &str, permissions: &[String]) -> Result<role::Model> {
        validate_name("role", name)?;
        for p in permissions {
            validate_name("permission", p)?;
        }
        let txn = self.db.begin().await?;
        if find_role(&txn, name).await?.is_some() {
            return Err(Error::Conflict("role"));
        }
        let created = role::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            name: Set(name.to_owned()),
            description: Set(None),
            created_at: Set(now()),
        }
        .insert(&txn)
        .await?;
        let mut wanted: Vec<&String> = permissions.iter().collect();
        wanted.sort();
        wanted.dedup();
        for p in wanted {
            let perm = ensure_permission(&txn, p).await?;
            role_permission::ActiveModel {
                role_id: Set(created.id.clone()),
                permission_id: Set(perm.id),
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(created)
    }

    /// Grants the named role to the user with this email. Granting twice is harmless.
    pub async fn grant(&self, role_name: &str, email: &str) -> Result<()> {
        let email = normalize_email(email)?;
        let role = find_role(&self.db, role_name)
            .await?
            .ok_or(Error::NotFound("role"))?;
        let user = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("user"))?;
        let exists = user_role::Entity::find_by_id((user.id.clone(), role.id.clone()))
            .one(&self.db)
            .await?
            .is_some();
        if !exists {
            user_role::ActiveModel {
                user_id: Set(user.id),
                role_id: Set(role.id),
            }
            .insert(&self.db)
            .await?;
        }
        Ok(())
    }

    /// Creates the role if it does not exist yet, and returns it.
    pub async fn ensure(&self, name: &str) -> Result<role::Model> {
        match find_role(&self.db, name).await? {
            Some(r) => Ok(r),
            None => self.create(name, &[]).await,
        }
    }

    /// Every role, by name.
    pub async fn list(&self) -> Result<Vec<role::Model>> {
        Ok(role::Entity::find()
            .order_by_asc(role::Column::Name)
            .all(&self.db)
            .await?)
    }

    /// The names of the roles granted to a user, sorted.
    pub async fn roles_of(&self, user_id: &str) -> Result<Vec<String>> {
        let links = user_role::Entity::find()
            .filter(user_role::Column::UserId.eq(user_id))
            .all(&self.db)
            .await?;
        let ids: Vec<String> = links.into_iter().map(|l| l.role_id).collect();
        let mut names: Vec<String> = role::Entity::find()
            .filter(role::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| r.name)
            .collect();
        names.sort();
        Ok(names)
    }

    /// The names of the permissions a user holds through their roles, sorted, unique.
    pub async fn permissions_of(&self, user_id: &str) -> Result<Vec<String>> {
        let role_ids: Vec<String> = user_role::Entity::find()
            .filter(user_role::Column::UserId.eq(user_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| l.role_id)
            .collect();
        let perm_ids: Vec<String> = role_permission::Entity::find()
            .filter(role_permission::Column::RoleId.is_in(role_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| l.permission_id)
            .collect();
        let mut names: Vec<String> = permission::Entity::find()
            .filter(permission::Column::Id.is_in(perm_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| p.name)
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }
}

async fn find_role(db: &impl ConnectionTrait, name: &str) -> Result<Option<role::Model>> {
    Ok(role::Entity::find()
        .filter(role::Column::Name.eq(name))
        .one(db)
        .await?)
}

async fn ensure_permission(db: &impl ConnectionTrait, name: &str) -> Result<permission::Model> {
    if let Some(p) = permission::Entity::find()
        .filter(permission::Column::Name.eq(name))
        .one(db)
        .await?
    {
        return Ok(p);
    }
    Ok(permission::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        name: Set(name.to_owned()),
        description: Set(None),
        created_at: Set(now()),
    }
    .insert(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend_tests;
    use crate::credentials::password::{PasswordHasher, PasswordParams};
    use crate::users::{NewUser, UserStatus, Users};

    async fn bob(store: &Store) -> user::Model {
        let hasher = PasswordHasher::new(&PasswordParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
            max_concurrent: 1,
        })
        .unwrap();
        Users::new(store, hasher)
            .create(NewUser {
                email: "bob@example.com".into(),
                password: None,
                email_verified: true,
                display_name: None,
                status: UserStatus::Active,
            })
            .await
            .unwrap()
    }

    backend_tests! {
        async fn create_grant_and_read_back(store: Store) {
            let roles = Roles::new(&store);
            let user = bob(&store).await;
            roles.create("editor", &["posts:write".into(), "posts:read".into()]).await.unwrap();
            roles.create("viewer", &["posts:read".into()]).await.unwrap();
            roles.grant("editor", "bob@example.com").await.unwrap();
            roles.grant("editor", "bob@example.com").await.unwrap();
            roles.grant("viewer", "BOB@example.com").await.unwrap();
            assert_eq!(roles.roles_of(&user.id).await.unwrap(), ["editor", "viewer"]);
            assert_eq!(roles.permissions_of(&user.id).await.unwrap(), ["posts:read", "posts:write"]);
        }

        async fn bad_names_duplicates_and_unknowns_are_refused(store: Store) {
            let roles = Roles::new(&store);
            bob(&store).await;
            assert!(matches!(roles.create("Bad Name", &[]).await, Err(Error::Invalid { field: "role", .. })));
            assert!(matches!(roles.create("ok", &["NOPE!".into()]).await, Err(Error::Invalid { field: "permission", .. })));
            assert!(roles.list().await.unwrap().is_empty(), "a refused role left a row");
            roles.create("ops", &[]).await.unwrap();
            assert!(matches!(roles.create("ops", &[]).await, Err(Error::Conflict("role"))));
            assert!(matches!(roles.grant("nope", "bob@example.com").await, Err(Error::NotFound("role"))));
            assert!(matches!(roles.grant("ops", "nobody@example.com").await, Err(Error::NotFound("user"))));
        }
    }
}
