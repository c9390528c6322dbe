//! Creating, finding, listing and changing user accounts.

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set, TransactionTrait as _,
};

use super::{UserStatus, normalize_email};
use crate::credentials::kind;
use crate::credentials::password::PasswordHasher;
use crate::entities::{credential, user};
use crate::{Error, Result, Store, now};

/// Longest password accepted: argon2 takes any length, but a megabyte "password" is abuse.
pub const MAX_PASSWORD_LEN: usize = 1024;

/// What is needed to create an account.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The sign-in email (normalised before storing).
    pub email: String,
    /// The initial password, if any.
    pub password: Option<String>,
    /// Whether the address is already known to belong to the user.
    pub email_verified: bool,
    /// The name shown to the user and in the `name` claim.
    pub display_name: Option<String>,
    /// The starting state.
    pub status: UserStatus,
}

/// Profile claims to change (OIDC Core 5.1 names).
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// `name`
    pub display_name: Option<String>,
    /// `given_name`
    pub given_name: Option<String>,
    /// `family_name`
    pub family_name: Option<String>,
    /// `middle_name`
    pub middle_name: Option<String>,
    /// `nickname`
    pub nickname: Option<String>,
    /// `preferred_username`
    pub preferred_username: Option<String>,
    /// `picture`
    pub picture: Option<String>,
    /// `website`
    pub website: Option<String>,
    /// `gender`
    pub gender: Option<String>,
    /// `birthdate`
    pub birthdate: Option<String>,
    /// `locale`
    pub locale: Option<String>,
    /// `zoneinfo`
    pub zoneinfo: Option<String>,
    /// `phone_number`
    pub phone_number: Option<String>,
    /// `phone_number_verified`
    pub phone_number_verified: Option<bool>,
    /// `address` (a JSON object)
    pub address: Option<serde_json::Value>,
}

/// The user account service.
#[derive(Debug, Clone)]
pub struct Users {
    db: DatabaseConnection,
    hasher: PasswordHasher,
}

impl Users {
    /// Builds the service on a store and a password hasher.
    pub fn new(store: &Store, hasher: PasswordHasher) -> Self {
        Self {
            db: store.db().clone(),
            hasher,
        }
    }

    /// Creates an account (and its password credential) in one transaction.
    pub async fn create(&self, new: NewUser) -> Result<user::Model> {
        let email = normalize_email(&new.email)?;
        let display_name = match new.display_name.as_deref().map(str::trim) {
            Some("") | None => None,
            Some(name) if name.chars().count() > 200 => {
                return Err(Error::invalid("name", "is longer than 200 characters"));
            }
            Some(name) => Some(name.to_owned()),
        };
        let password_hash = match &new.password {
            Some(p) => Some(self.hash_password(p).await?),
            None => None,
        };
        if self.find_by_email(&email).await?.is_some() {
            return Err(Error::Conflict("user"));
        }
        let at = now();
        let id = uuid::Uuid::now_v7().to_string();
        let row = user::ActiveModel {
            id: Set(id.clone()),
            subject: Set(uuid::Uuid::new_v4().simple().to_string()),
            email: Set(email),
            email_verified: Set(new.email_verified),
            status: Set(new.status.as_str().to_owned()),
            status_reason: Set(None),
            display_name: Set(display_name),
            given_name: Set(None),
            family_name: Set(None),
            middle_name: Set(None),
            nickname: Set(None),
            preferred_username: Set(None),
            picture: Set(None),
            website: Set(None),
            gender: Set(None),
            birthdate: Set(None),
            locale: Set(None),
            zoneinfo: Set(None),
            phone_number: Set(None),
            phone_number_verified: Set(false),
            address: Set(None),
            failed_logins: Set(0),
            locked_until: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
        };
        let txn = self.db.begin().await?;
        let created = row.insert(&txn).await.map_err(unique_to_conflict)?;
        if let Some(hash) = password_hash {
            password_row(&id, hash).insert(&txn).await?;
        }
        txn.commit().await?;
        Ok(created)
    }

    /// The account with this email, if any.
    pub async fn find_by_email(&self, email: &str) -> Result<Option<user::Model>> {
        let email = normalize_email(email)?;
        Ok(user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(&self.db)
            .await?)
    }

    /// The account with this email, or `NotFound`.
    pub async fn get_by_email(&self, email: &str) -> Result<user::Model> {
        self.find_by_email(email)
            .await?
            .ok_or(Error::NotFound("user"))
    }

    /// The account with this id, if any.
    pub async fn find(&self, id: &str) -> Result<Option<user::Model>> {
        Ok(user::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?)
    }

    /// Every account, ordered by email.
    pub async fn list(&self) -> Result<Vec<user::Model>> {
        Ok(user::Entity::find()
            .order_by_asc(user::Column::Email)
            .all(&self.db)
            .await?)
    }

    /// Moves the account to `status`, recording the reason (if any). A state that does not
    /// keep tokens (suspended, disabled) ends the account's sessions and revokes its refresh
    /// and access tokens in the same transaction.
    pub async fn set_status(
        &self,
        email: &str,
        status: UserStatus,
        reason: Option<String>,
    ) -> Result<user::Model> {
        let found = self.get_by_email(email).await?;
        let txn = self.db.begin().await?;
        if !status.keeps_tokens() {
            super::revoke::sign_out_everywhere(&txn, &found.id, status.as_str()).await?;
        }
        let mut row: user::ActiveModel = found.into();
        row.status = Set(status.as_str().to_owned());
        row.status_reason = Set(reason);
        row.locked_until = Set(None);
        row.failed_logins = Set(0);
        row.updated_at = Set(now());
        let updated = row.update(&txn).await?;
        txn.commit().await?;
        Ok(updated)
    }

    /// Ends every session of the account and revokes all its refresh and access tokens.
    pub async fn sign_out_everywhere(&self, user_id: &str, reason: &str) -> Result<()> {
        let txn = self.db.begin().await?;
        super::revoke::sign_out_everywhere(&txn, user_id, reason).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The connection, for the sibling modules of the service.
    pub(super) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Deletes the account and, by cascade, its credentials, roles and sessions.
    pub async fn delete(&self, email: &str) -> Result<user::Model> {
        let found = self.get_by_email(email).await?;
        user::Entity::delete_by_id(found.id.clone())
            .exec(&self.db)
            .await?;
        Ok(found)
    }

    /// Sets the profile claims given in `profile` (a `None` field is left unchanged).
    pub async fn update_profile(&self, user_id: &str, profile: Profile) -> Result<user::Model> {
        let found = self.find(user_id).await?.ok_or(Error::NotFound("user"))?;
        let mut row: user::ActiveModel = found.into();
        macro_rules! set {
            ($($field:ident),*) => {$(
                if let Some(v) = profile.$field {
                    row.$field = Set(Some(v));
                }
            )*};
        }
        set!(
            display_name,
            given_name,
            family_name,
            middle_name,
            nickname,
            preferred_username,
            picture,
            website,
            gender,
            birthdate,
            locale,
            zoneinfo,
            phone_number,
            address
        );
        if let Some(v) = profile.phone_number_verified {
            row.phone_number_verified = Set(v);
        }
        row.updated_at = Set(now());
        Ok(row.update(&self.db).await?)
    }

    /// Replaces the account's password.
    pub async fn set_password(&self, user_id: &str, password: &str) -> Result<()> {
        let hash = self.hash_password(password).await?;
        let txn = self.db.begin().await?;
        credential::Entity::delete_many()
            .filter(credential::Column::UserId.eq(user_id))
            .filter(credential::Column::Kind.eq(kind::PASSWORD))
            .exec(&txn)
            .await?;
        password_row(user_id, hash).insert(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The account whose email and password match, whatever its status (the caller decides
    /// what the status allows). An unknown email costs the same time as a wrong password.
    pub async fn verify_password(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<user::Model>> {
        let found = match normalize_email(email) {
            Ok(email) => self.find_by_email(&email).await?,
            Err(_) => None,
        };
        let Some(found) = found else {
            self.hasher.verify_dummy(password).await?;
            return Ok(None);
        };
        let stored = credential::Entity::find()
            .filter(credential::Column::UserId.eq(found.id.clone()))
            .filter(credential::Column::Kind.eq(kind::PASSWORD))
            .one(&self.db)
            .await?;
        let ok = match stored {
            Some(c) if password.len() <= MAX_PASSWORD_LEN => {
                self.hasher.verify(password, &c.secret).await?
            }
            _ => self.hasher.verify_dummy(password).await?,
        };
        Ok(ok.then_some(found))
    }

    async fn hash_password(&self, password: &str) -> Result<String> {
        if password.is_empty() {
            return Err(Error::invalid("password", "is required"));
        }
        if password.len() > MAX_PASSWORD_LEN {
            return Err(Error::invalid(
                "password",
                format!("is longer than {MAX_PASSWORD_LEN} bytes"),
            ));
        }
        self.hasher.hash(password).await
    }
}

fn password_row(user_id: &str, hash: String) -> credential::ActiveModel {
    credential::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        user_id: Set(user_id.to_owned()),
        kind: Set(kind::PASSWORD.to_owned()),
        name: Set(None),
        secret: Set(hash),
        data: Set(None),
        created_at: Set(now()),
        last_used_at: Set(None),
    }
}

/// Maps a unique-constraint violation (a concurrent insert of the same key) to `Conflict`.
pub(crate) fn unique_to_conflict(e: sea_orm::DbErr) -> Error {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::Conflict("user"),
        _ => Error::Database(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend_tests;
    use crate::credentials::password::PasswordParams;

    fn users(store: &Store) -> Users {
        let hasher = PasswordHasher::new(&PasswordParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
            max_concurrent: 2,
        })
        .unwrap();
        Users::new(store, hasher)
    }

    fn alice() -> NewUser {
        NewUser {
            email: "Alice@Example.com".into(),
            password: Some("correct horse battery staple".into()),
            email_verified: true,
            display_name: Some("Alice".into()),
            status: UserStatus::Active,
        }
    }

    backend_tests! {
        async fn create_find_and_verify_password(store: Store) {
            let users = users(&store);
            let created = users.create(alice()).await.unwrap();
            assert_eq!(created.email, "alice@example.com");
            assert_eq!(created.status, "active");
            let found = users.verify_password("ALICE@example.com", "correct horse battery staple").await.unwrap();
            assert_eq!(found.unwrap().id, created.id);
            assert!(users.verify_password("alice@example.com", "wrong").await.unwrap().is_none());
            assert!(users.verify_password("nobody@example.com", "wrong").await.unwrap().is_none());
            assert!(users.verify_password("not an email", "wrong").await.unwrap().is_none());
        }

        async fn duplicate_email_is_a_conflict_and_writes_nothing(store: Store) {
            let users = users(&store);
            users.create(alice()).await.unwrap();
            let err = users.create(alice()).await.unwrap_err();
            assert!(matches!(err, Error::Conflict("user")), "{err}");
            assert_eq!(users.list().await.unwrap().len(), 1);
        }

        async fn status_changes_and_delete_cascades(store: Store) {
            let users = users(&store);
            let created = users.create(alice()).await.unwrap();
            let s = users.set_status("alice@example.com", UserStatus::Suspended, Some("abuse".into())).await.unwrap();
            assert_eq!((s.status.as_str(), s.status_reason.as_deref()), ("suspended", Some("abuse")));
            users.delete("alice@example.com").await.unwrap();
            assert!(users.find(&created.id).await.unwrap().is_none());
            let creds = credential::Entity::find().all(store.db()).await.unwrap();
            assert!(creds.is_empty(), "credentials outlived their user");
            assert!(matches!(users.delete("alice@example.com").await, Err(Error::NotFound("user"))));
        }

        async fn set_password_replaces_the_old_one(store: Store) {
            let users = users(&store);
            let created = users.create(alice()).await.unwrap();
            users.set_password(&created.id, "a new long passphrase").await.unwrap();
            assert!(users.verify_password("alice@example.com", "correct horse battery staple").await.unwrap().is_none());
            assert!(users.verify_password("alice@example.com", "a new long passphrase").await.unwrap().is_some());
        }
    }
}
