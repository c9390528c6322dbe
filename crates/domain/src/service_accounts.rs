//! Service accounts: non-human principals owned by an administrator. They hold roles like
//! users and authenticate only with API keys: they have no password, no email and no row in
//! `users`, so the sign-in pages cannot find them.

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set,
};
use serde::Serialize;

use crate::apikeys::{Owner, roles_and_permissions};
use crate::entities::{role, service_account, service_account_role, user};
use crate::roles::{ADMIN_ROLE, validate_name};
use crate::{Error, Result, Store, now};

/// The `sub` of tokens and introspection answers for a service account.
pub fn subject(id: &str) -> String {
    format!("sa:{id}")
}

/// A service account as administrators see it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ServiceAccount {
    /// Its id (its subject is `sa:{id}`).
    pub id: String,
    /// Unique name.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// The owning administrator's user id (none once erased).
    pub owner_user_id: Option<String>,
    /// Role names it holds.
    pub roles: Vec<String>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

/// The service account service.
#[derive(Debug, Clone)]
pub struct ServiceAccounts {
    db: DatabaseConnection,
}

impl ServiceAccounts {
    /// Builds the service on a store.
    pub fn new(store: &Store) -> Self {
        Self {
            db: store.db().clone(),
        }
    }

    /// Creates a service account owned by `owner_user_id`, who must hold the admin role,
    /// holding the named (existing) roles.
    pub async fn create(
        &self,
        name: &str,
        owner_user_id: &str,
        roles: &[String],
        description: Option<String>,
    ) -> Result<ServiceAccount> {
        validate_name("name", name)?;
        user::Entity::find_by_id(owner_user_id.to_owned())
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("user"))?;
        let (owner_roles, _) =
            roles_and_permissions(&self.db, &Owner::User(owner_user_id.to_owned())).await?;
        if !owner_roles.iter().any(|r| r == ADMIN_ROLE) {
            return Err(Error::invalid(
                "owner",
                format!("must hold the {ADMIN_ROLE} role"),
            ));
        }
        let txn = crate::store::begin_write(&self.db).await?;
        if find(&txn, name).await?.is_some() {
            return Err(Error::Conflict("service account"));
        }
        let row = service_account::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            name: Set(name.to_owned()),
            description: Set(description),
            owner_user_id: Set(Some(owner_user_id.to_owned())),
            created_at: Set(now()),
        }
        .insert(&txn)
        .await?;
        let mut wanted: Vec<&String> = roles.iter().collect();
        wanted.sort();
        wanted.dedup();
        for name in wanted {
            let r = role::Entity::find()
                .filter(role::Column::Name.eq(name.as_str()))
                .filter(role::Column::ClientId.is_null())
                .one(&txn)
                .await?
                .ok_or(Error::NotFound("role"))?;
            service_account_role::ActiveModel {
                service_account_id: Set(row.id.clone()),
                role_id: Set(r.id),
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        self.view(row).await
    }

    /// Every service account, by name.
    pub async fn list(&self) -> Result<Vec<ServiceAccount>> {
        let rows = service_account::Entity::find()
            .order_by_asc(service_account::Column::Name)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.view(row).await?);
        }
        Ok(out)
    }

    /// The service account with this name or id.
    pub async fn get(&self, name_or_id: &str) -> Result<ServiceAccount> {
        let row = match find(&self.db, name_or_id).await? {
            Some(row) => row,
            None => service_account::Entity::find_by_id(name_or_id.to_owned())
                .one(&self.db)
                .await?
                .ok_or(Error::NotFound("service account"))?,
        };
        self.view(row).await
    }

    /// Deletes the service account and, by cascade, its role grants and API keys.
    pub async fn delete(&self, name_or_id: &str) -> Result<ServiceAccount> {
        let sa = self.get(name_or_id).await?;
        service_account::Entity::delete_by_id(sa.id.clone())
            .exec(&self.db)
            .await?;
        Ok(sa)
    }

    async fn view(&self, row: service_account::Model) -> Result<ServiceAccount> {
        let (roles, _) =
            roles_and_permissions(&self.db, &Owner::ServiceAccount(row.id.clone())).await?;
        Ok(ServiceAccount {
            id: row.id,
            name: row.name,
            description: row.description,
            owner_user_id: row.owner_user_id,
            roles,
            created_at: row.created_at,
        })
    }
}

async fn find(
    db: &impl sea_orm::ConnectionTrait,
    name: &str,
) -> Result<Option<service_account::Model>> {
    Ok(service_account::Entity::find()
        .filter(service_account::Column::Name.eq(name))
        .one(db)
        .await?)
}
