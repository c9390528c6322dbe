//! The master key wrapped by an external key service (Vault / OpenBao transit), stored in the
//! database so that every node sharing it unwraps the same key. Only the ciphertext is
//! stored; wrapping and unwrapping happen in the key service.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _,
};

use crate::entities::wrapped_master_key as row;
use crate::store::Store;
use crate::{Error, Result};

/// The one row's id.
const ID: &str = "master";

/// The master key as a key service wrapped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// The key service (`vault`).
    pub provider: String,
    /// Where the wrapping key lives in that service (the transit mount).
    pub mount: String,
    /// The wrapping key's name.
    pub key_name: String,
    /// The service's ciphertext (`vault:vN:…`).
    pub ciphertext: String,
    /// When it was first stored.
    pub created_at: time::OffsetDateTime,
    /// When it was last stored (rewrapped).
    pub updated_at: time::OffsetDateTime,
}

impl WrappedKey {
    /// The wrapping key's version a Vault ciphertext names (`vault:v3:…` → 3).
    pub fn key_version(&self) -> Option<u32> {
        let rest = self.ciphertext.strip_prefix("vault:v")?;
        rest.split_once(':')?.0.parse().ok()
    }
}

/// Reads and writes the stored wrapped master key.
#[derive(Debug, Clone)]
pub struct WrappedKeys {
    store: Store,
}

impl WrappedKeys {
    /// The wrapped key of `store`'s database.
    pub fn new(store: &Store) -> Self {
        Self {
            store: store.clone(),
        }
    }

    /// The stored wrapped key, if any.
    pub async fn get(&self) -> Result<Option<WrappedKey>> {
        let found = row::Entity::find_by_id(ID).one(self.store.db()).await?;
        Ok(found.map(|r| WrappedKey {
            provider: r.provider,
            mount: r.mount,
            key_name: r.key_name,
            ciphertext: r.ciphertext,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }))
    }

    /// Stores the first wrapped key; [`Error::Conflict`] when one is already stored.
    pub async fn insert(
        &self,
        provider: &str,
        mount: &str,
        key_name: &str,
        ciphertext: &str,
    ) -> Result<WrappedKey> {
        if self.get().await?.is_some() {
            return Err(Error::Conflict("a wrapped master key"));
        }
        let now = crate::now();
        let model = row::ActiveModel {
            id: Set(ID.to_owned()),
            provider: Set(provider.to_owned()),
            mount: Set(mount.to_owned()),
            key_name: Set(key_name.to_owned()),
            ciphertext: Set(ciphertext.to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        };
        // The primary key refuses a second row even if two writers passed the check above.
        row::Entity::insert(model)
            .exec(self.store.db())
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                    Error::Conflict("a wrapped master key")
                }
                _ => Error::Database(e),
            })?;
        self.get()
            .await?
            .ok_or(Error::NotFound("the wrapped master key"))
    }

    /// Replaces the ciphertext, but only if it is still `old` (one statement: another writer
    /// in between makes this fail with [`Error::WrongState`] instead of being overwritten).
    pub async fn replace(&self, old: &str, new: &str) -> Result<()> {
        let done = row::Entity::update_many()
            .col_expr(row::Column::Ciphertext, Expr::value(new))
            .col_expr(row::Column::UpdatedAt, Expr::value(crate::now()))
            .filter(row::Column::Id.eq(ID))
            .filter(row::Column::Ciphertext.eq(old))
            .exec(self.store.db())
            .await?;
        if done.rows_affected != 1 {
            return Err(Error::WrongState(
                "the wrapped master key changed while it was being rewrapped: run the command \
                 again"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Whether the database holds anything sealed or keyed under a master key (signing keys,
    /// client secrets, credentials, API keys, upstream secrets, sessions, refresh tokens,
    /// mailed tokens): a new master key would make such data unreadable.
    pub async fn has_sealed_data(&self) -> Result<bool> {
        use crate::entities::{
            api_key, browser_session, client, credential, refresh_token, signing_key, upstream,
            user_token,
        };
        let db = self.store.db();
        Ok(signing_key::Entity::find().count(db).await? > 0
            || client::Entity::find().count(db).await? > 0
            || credential::Entity::find().count(db).await? > 0
            || api_key::Entity::find().count(db).await? > 0
            || upstream::Entity::find().count(db).await? > 0
            || browser_session::Entity::find().count(db).await? > 0
            || refresh_token::Entity::find().count(db).await? > 0
            || user_token::Entity::find().count(db).await? > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend_tests;

    backend_tests! {
        async fn one_wrapped_key_is_stored_and_replaced_only_from_its_current_value(store: Store) {
            let keys = WrappedKeys::new(&store);
            assert_eq!(keys.get().await.unwrap(), None);
            assert!(!keys.has_sealed_data().await.unwrap());
            let stored = keys
                .insert("vault", "transit", "gh", "vault:v1:abc")
                .await
                .unwrap();
            assert_eq!(stored.key_version(), Some(1));
            assert!(matches!(
                keys.insert("vault", "transit", "gh", "vault:v1:other").await,
                Err(Error::Conflict(_))
            ));
            assert!(matches!(
                keys.replace("vault:v1:stale", "vault:v2:x").await,
                Err(Error::WrongState(_))
            ));
            keys.replace("vault:v1:abc", "vault:v2:def").await.unwrap();
            let now = keys.get().await.unwrap().unwrap();
            assert_eq!(now.ciphertext, "vault:v2:def");
            assert_eq!(now.key_version(), Some(2));
            assert_eq!(now.key_name, "gh");
        }
    }
}
