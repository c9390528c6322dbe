//! Consents: which scopes a user has allowed a client, remembered until revoked.

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, Set, SqlErr, sea_query::Expr,
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

    /// Records consent to `scopes`, added to what was allowed before. Consents given at the
    /// same moment (two tabs, two nodes) all count: a write that lost a race is merged again.
    pub async fn grant(&self, user_id: &str, client_id: &str, scopes: &[String]) -> Result<()> {
        for _ in 0..5 {
            if self.try_grant(user_id, client_id, scopes).await? {
                return Ok(());
            }
        }
        Err(Error::WrongState(
            "the consent kept changing while it was recorded: try again".into(),
        ))
    }

    /// One attempt of [`Consents::grant`]: false when another write came first.
    async fn try_grant(&self, user_id: &str, client_id: &str, scopes: &[String]) -> Result<bool> {
        let at = now();
        let existing = self.find(user_id, client_id).await?;
        let mut all: Vec<String> = match &existing {
            Some(row) if row.revoked_at.is_none() => serde_json::from_value(row.scopes.clone())
                .map_err(|e| Error::Corrupt(format!("consent: {e}")))?,
            _ => Vec::new(),
        };
        for s in scopes {
            if !all.contains(s) {
                all.push(s.clone());
            }
        }
        match existing {
            Some(row) => {
                // Only over the row as read: a concurrent change makes this update nothing.
                let updated = consent::Entity::update_many()
                    .col_expr(
                        consent::Column::Scopes,
                        Expr::value(serde_json::Value::from(all)),
                    )
                    .col_expr(consent::Column::UpdatedAt, Expr::value(at))
                    .col_expr(
                        consent::Column::RevokedAt,
                        Expr::value(Option::<time::OffsetDateTime>::None),
                    )
                    .filter(consent::Column::Id.eq(row.id))
                    .filter(consent::Column::UpdatedAt.eq(row.updated_at))
                    .exec(&self.db)
                    .await?;
                Ok(updated.rows_affected == 1)
            }
            None => {
                let inserted = consent::ActiveModel {
                    id: Set(uuid::Uuid::now_v7().to_string()),
                    user_id: Set(user_id.to_owned()),
                    client_id: Set(client_id.to_owned()),
                    scopes: Set(all.into()),
                    created_at: Set(at),
                    updated_at: Set(at),
                    revoked_at: Set(None),
                }
                .insert(&self.db)
                .await;
                match inserted {
                    Ok(_) => Ok(true),
                    // A first consent recorded at the same moment: merge into it.
                    Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                        Ok(false)
                    }
                    Err(e) => Err(e.into()),
                }
            }
        }
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
        async fn consents_given_at_the_same_moment_are_all_recorded(store: Store) {
            let consents = Consents::new(&store);
            let (user, client) = user_and_client(&store).await;
            // Two nodes record a first consent at once, then two more scopes at once.
            for scopes in [["openid", "email"], ["profile", "offline_access"]] {
                let (first, second) = (s(&[scopes[0]]), s(&[scopes[1]]));
                let (a, b) = tokio::join!(
                    consents.grant(&user, &client, &first),
                    consents.grant(&user, &client, &second),
                );
                a.unwrap();
                b.unwrap();
            }
            let all = s(&["openid", "email", "profile", "offline_access"]);
            assert!(consents.covers(&user, &client, &all).await.unwrap());
        }

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
