//! Consents: which scopes a user has allowed a client, remembered until revoked.

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, Set,
};

use crate::entities::consent;
use crate::{Error, Result, Store, now};

/// The consent service.
#[derive(Debug, Clone)]
pub struct Consents {
    db: DatabaseConnection,
}

impl Consents {
    /// Builds the service.
    pub fn new(store: &Store) -> Self {
        Self {
            db: store.db().clone(),
        }
    }

    /// Whether the user has consented to every one of `scopes` for this client.
    pub async fn covers(&self, user_id: &str, client_id: &str, scopes: &[String]) -> Result<bool> {
        let granted = self.granted(user_id, client_id).await?;
        Ok(scopes.iter().all(|s| granted.contains(s)))
    }

    /// The scopes the user has allowed the client (empty when none or revoked).
    pub async fn granted(&self, user_id: &str, client_id: &str) -> Result<Vec<String>> {
        let Some(row) = self.find(user_id, client_id).await? else {
            return Ok(Vec::new());
        };
        if row.revoked_at.is_some() {
            return Ok(Vec::new());
        }
        serde_json::from_value(row.scopes).map_err(|e| Error::Corrupt(format!("consent: {e}")))
    }

    /// Records consent to `scopes`, added to what was allowed before.
    pub async fn grant(&self, user_id: &str, client_id: &str, scopes: &[String]) -> Result<()> {
        let at = now();
        let mut all = self.granted(user_id, client_id).await?;
        for s in scopes {
            if !all.contains(s) {
                all.push(s.clone());
            }
        }
        match self.find(user_id, client_id).await? {
            Some(row) => {
                let mut row: consent::ActiveModel = row.into();
                row.scopes = Set(all.into());
                row.updated_at = Set(at);
                row.revoked_at = Set(None);
                row.update(&self.db).await?;
            }
            None => {
                consent::ActiveModel {
                    id: Set(uuid::Uuid::now_v7().to_string()),
                    user_id: Set(user_id.to_owned()),
                    client_id: Set(client_id.to_owned()),
                    scopes: Set(all.into()),
                    created_at: Set(at),
                    updated_at: Set(at),
                    revoked_at: Set(None),
                }
                .insert(&self.db)
                .await?;
            }
        }
        Ok(())
    }

    /// Withdraws the user's consent to the client, and revokes the refresh-token families
    /// and access tokens the client holds for the user: a disconnected app loses access.
    pub async fn revoke(&self, user_id: &str, client_id: &str) -> Result<()> {
        let txn = crate::store::begin_write(&self.db).await?;
        if let Some(row) = self.find(user_id, client_id).await? {
            let mut row: consent::ActiveModel = row.into();
            row.revoked_at = Set(Some(now()));
            row.update(&txn).await?;
        }
        let selection = crate::grants::revoke::Selection::UserClient(user_id, client_id);
        crate::grants::revoke::revoke(&txn, selection, "consent withdrawn").await?;
        txn.commit().await?;
        Ok(())
    }

    /// The user's standing consents (not withdrawn), by client.
    pub async fn of_user(&self, user_id: &str) -> Result<Vec<consent::Model>> {
        Ok(consent::Entity::find()
            .filter(consent::Column::UserId.eq(user_id))
            .filter(consent::Column::RevokedAt.is_null())
            .all(&self.db)
            .await?)
    }

    async fn find(&self, user_id: &str, client_id: &str) -> Result<Option<consent::Model>> {
        Ok(consent::Entity::find()
            .filter(consent::Column::UserId.eq(user_id))
            .filter(consent::Column::ClientId.eq(client_id))
            .one(&self.db)
            .await?)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::backend_tests;
    use crate::clients::{Clients, NewClient};
    use crate::credentials::password::{PasswordHasher, PasswordParams};
    use crate::secrets::MasterKey;
    use crate::users::{NewUser, UserStatus, Users};

    /// A user and a client to consent between.
    /// A fast password hasher for tests.
    pub(crate) fn hasher() -> PasswordHasher {
        PasswordHasher::new(&PasswordParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
            max_concurrent: 1,
        })
        .unwrap()
    }

    pub(crate) async fn user_and_client(store: &Store) -> (String, String) {
        let user = Users::new(store, hasher())
            .create(NewUser {
                email: "c@example.com".into(),
                password: None,
                email_verified: true,
                display_name: None,
                status: UserStatus::Active,
            })
            .await
            .unwrap();
        let (client, _) = Clients::new(store, MasterKey::generate().secret_box())
            .create(NewClient {
                name: "app".into(),
                redirect_uris: vec!["https://app.example/cb".into()],
                ..Default::default()
            })
            .await
            .unwrap();
        (user.id, client.client_id)
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    backend_tests! {
        async fn consent_is_remembered_per_scope_set_and_revocable(store: Store) {
            let consents = Consents::new(&store);
            let (user, client) = user_and_client(&store).await;
            assert!(!consents.covers(&user, &client, &s(&["openid"])).await.unwrap());
            consents.grant(&user, &client, &s(&["openid", "email"])).await.unwrap();
            assert!(consents.covers(&user, &client, &s(&["email", "openid"])).await.unwrap());
            assert!(!consents.covers(&user, &client, &s(&["openid", "phone"])).await.unwrap(), "a new scope asks again");
            consents.grant(&user, &client, &s(&["phone"])).await.unwrap();
            assert!(consents.covers(&user, &client, &s(&["openid", "email", "phone"])).await.unwrap(), "grants add up");
            consents.revoke(&user, &client).await.unwrap();
            assert!(!consents.covers(&user, &client, &s(&["openid"])).await.unwrap());
            assert!(consents.granted(&user, &client).await.unwrap().is_empty());
        }
    }
}
