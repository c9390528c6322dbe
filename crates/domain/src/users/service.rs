//! Creating, finding, listing and changing user accounts.

use crate::policies::Changes;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set,
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
    pub(super) changes: Changes,
}

impl Users {
    /// Builds the service on a store and a password hasher.
    pub fn new(store: &Store, hasher: PasswordHasher) -> Self {
        Self {
            db: store.db().clone(),
            changes: store.changes().clone(),
            hasher,
        }
    }

    /// Creates an account (and its password credential) in one transaction.
    pub async fn create(&self, new: NewUser) -> Result<user::Model> {
        let password_hash = match &new.password {
            Some(p) => Some(self.hash_password(p).await?),
            None => None,
        };
        let row = self.new_row(&new).await?;
        let txn = crate::store::begin_write(&self.db).await?;
        let created = row.insert(&txn).await.map_err(unique_to_conflict)?;
        if let Some(hash) = password_hash {
            password_row(&created.id, hash).insert(&txn).await?;
        }
        txn.commit().await?;
        Ok(created)
    }

    /// The row of a new account without a password, checked (email, name, not taken), for
    /// a caller that inserts it in a transaction of its own.
    pub(crate) async fn new_row(&self, new: &NewUser) -> Result<user::ActiveModel> {
        let email = normalize_email(&new.email)?;
        if self.find_by_email(&email).await?.is_some() {
            return Err(Error::Conflict("user"));
        }
        blank_row(
            Some(email),
            new.email_verified,
            new.display_name.as_deref(),
            new.status,
        )
    }

    /// The row of a new active account without an address (an upstream that gives none).
    pub(crate) fn new_row_without_email(
        &self,
        display_name: Option<&str>,
    ) -> Result<user::ActiveModel> {
        blank_row(None, false, display_name, UserStatus::Active)
    }
}

/// A new account's row: a fresh id and `sub`, the checked name, nothing else set.
pub(super) fn blank_row(
    email: Option<String>,
    email_verified: bool,
    display_name: Option<&str>,
    status: UserStatus,
) -> Result<user::ActiveModel> {
    let display_name = match display_name.map(str::trim) {
        Some("") | None => None,
        Some(name) if name.chars().count() > 200 => {
            return Err(Error::invalid("name", "is longer than 200 characters"));
        }
        Some(name) => Some(name.to_owned()),
    };
    let at = now();
    Ok(user::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        subject: Set(uuid::Uuid::new_v4().simple().to_string()),
        email: Set(email),
        email_verified: Set(email_verified),
        status: Set(status.as_str().to_owned()),
        guest: Set(false),
        external_id: Set(None),
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
        failed_second_factors: Set(0),
        locked_until: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    })
}

impl Users {
    /// The account named by `key`: an email address (it has an `@`), else a user id, else a
    /// `sub`; `NotFound` when none matches.
    pub async fn resolve(&self, key: &str) -> Result<user::Model> {
        if key.contains('@') {
            return self.get_by_email(key).await;
        }
        if let Some(found) = self.find(key).await? {
            return Ok(found);
        }
        self.find_by_subject(key)
            .await?
            .ok_or(Error::NotFound("user"))
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

    /// The account whose `sub` claim is `subject`, if any.
    pub async fn find_by_subject(&self, subject: &str) -> Result<Option<user::Model>> {
        Ok(user::Entity::find()
            .filter(user::Column::Subject.eq(subject))
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
        let found = self.resolve(email).await?;
        let txn = crate::store::begin_write(&self.db).await?;
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
        self.changes.changed();
        Ok(updated)
    }

    /// Records that the user proved control of `email`: verified, and a pending account
    /// becomes active. Refused when the account's email changed since the link was sent.
    pub async fn confirm_email(&self, user_id: &str, email: &str) -> Result<user::Model> {
        let found = self.find(user_id).await?.ok_or(Error::NotFound("user"))?;
        if found.email.as_deref() != Some(email) {
            return Err(Error::WrongState(
                "the link was sent to another address".into(),
            ));
        }
        let pending = found.status == UserStatus::Pending.as_str();
        let txn = crate::store::begin_write(&self.db).await?;
        drop_unproven_links(&txn, &found).await?;
        let mut row: user::ActiveModel = found.into();
        row.email_verified = Set(true);
        if pending {
            row.status = Set(UserStatus::Active.as_str().to_owned());
        }
        row.updated_at = Set(now());
        let updated = row.update(&txn).await?;
        txn.commit().await?;
        Ok(updated)
    }

    /// Ends every session of the account and revokes all its refresh and access tokens.
    pub async fn sign_out_everywhere(&self, user_id: &str, reason: &str) -> Result<()> {
        let txn = crate::store::begin_write(&self.db).await?;
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

    /// Sets the profile claims given in `profile` (a `None` field is left unchanged, an
    /// empty one is cleared).
    pub async fn update_profile(&self, user_id: &str, profile: Profile) -> Result<user::Model> {
        let found = self.find(user_id).await?.ok_or(Error::NotFound("user"))?;
        Ok(profile_row(found, profile).update(&self.db).await?)
    }

    /// [`Users::update_profile`] only if the account is still at version `updated_at`;
    /// [`Error::Stale`] when someone changed it since.
    pub async fn update_profile_if(
        &self,
        user_id: &str,
        profile: Profile,
        updated_at: time::OffsetDateTime,
    ) -> Result<user::Model> {
        let found = self.find(user_id).await?.ok_or(Error::NotFound("user"))?;
        let changed = user::Entity::update_many()
            .set(profile_row(found, profile))
            .filter(user::Column::Id.eq(user_id))
            .filter(user::Column::UpdatedAt.eq(updated_at))
            .exec(&self.db)
            .await?
            .rows_affected;
        if changed == 0 {
            return Err(Error::Stale("user"));
        }
        self.find(user_id).await?.ok_or(Error::NotFound("user"))
    }

    /// Replaces the account's password.
    pub async fn set_password(&self, user_id: &str, password: &str) -> Result<()> {
        let hash = self.hash_password(password).await?;
        let txn = crate::store::begin_write(&self.db).await?;
        replace_password(&txn, user_id, hash).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Sets a new password after a reset link proved control of the mailbox: ends every
    /// session, revokes every token, lifts a lock, and confirms a pending address, in one
    /// transaction.
    pub async fn reset_password(&self, user_id: &str, password: &str) -> Result<user::Model> {
        let hash = self.hash_password(password).await?;
        let found = self.find(user_id).await?.ok_or(Error::NotFound("user"))?;
        let txn = crate::store::begin_write(&self.db).await?;
        replace_password(&txn, user_id, hash).await?;
        super::revoke::sign_out_everywhere(&txn, user_id, "password reset").await?;
        drop_unproven_links(&txn, &found).await?;
        let status = found.status.clone();
        let mut row: user::ActiveModel = found.into();
        if status == UserStatus::Pending.as_str() || status == UserStatus::Locked.as_str() {
            row.status = Set(UserStatus::Active.as_str().to_owned());
        }
        row.email_verified = Set(true);
        row.failed_logins = Set(0);
        row.locked_until = Set(None);
        row.updated_at = Set(now());
        let updated = row.update(&txn).await?;
        txn.commit().await?;
        Ok(updated)
    }

    /// Records that the user receives text messages at `phone` (E.164).
    pub async fn set_phone_verified(&self, user_id: &str, phone: &str) -> Result<user::Model> {
        let found = self.find(user_id).await?.ok_or(Error::NotFound("user"))?;
        let mut row: user::ActiveModel = found.into();
        row.phone_number = Set(Some(phone.to_owned()));
        row.phone_number_verified = Set(true);
        row.updated_at = Set(now());
        Ok(row.update(&self.db).await?)
    }

    /// Whether `password` is the account's current password. A locked account answers
    /// `false` without looking (after the same argon2 work), so a lock cannot be used to
    /// confirm a guess.
    pub async fn check_password(&self, user_id: &str, password: &str) -> Result<bool> {
        if self.is_locked(user_id).await? {
            self.hasher.verify_dummy(password).await?;
            return Ok(false);
        }
        let stored = credential::Entity::find()
            .filter(credential::Column::UserId.eq(user_id))
            .filter(credential::Column::Kind.eq(kind::PASSWORD))
            .one(&self.db)
            .await?;
        match stored {
            Some(c) if password.len() <= MAX_PASSWORD_LEN => {
                self.hasher.verify(password, &c.secret).await
            }
            _ => {
                self.hasher.verify_dummy(password).await?;
                Ok(false)
            }
        }
    }

    /// Moves the account to `new_email`, already proven by a link mailed there. Returns the
    /// account before and after; `Conflict` when another account took the address meanwhile.
    pub async fn change_email(
        &self,
        user_id: &str,
        new_email: &str,
    ) -> Result<(user::Model, user::Model)> {
        let email = normalize_email(new_email)?;
        let found = self.find(user_id).await?.ok_or(Error::NotFound("user"))?;
        let mut row: user::ActiveModel = found.clone().into();
        row.email = Set(Some(email));
        row.email_verified = Set(true);
        row.updated_at = Set(now());
        let updated = row.update(&self.db).await.map_err(unique_to_conflict)?;
        Ok((found, updated))
    }

    /// The account whose email and password match, whatever its status (the caller decides
    /// what the status allows) except locked: a locked account never matches, so that the
    /// answer while locked says nothing about the password. An unknown email or a locked
    /// account costs the same argon2 time as a wrong password.
    pub async fn verify_password(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<user::Model>> {
        let found = match normalize_email(email) {
            Ok(email) => self.find_by_email(&email).await?,
            Err(_) => None,
        };
        let found = found.filter(|f| !locked_now(f));
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

    /// Whether the account has a password (accounts made through an upstream, guests and
    /// invited-by-passkey accounts may not).
    pub async fn has_password(&self, user_id: &str) -> Result<bool> {
        use sea_orm::PaginatorTrait as _;
        Ok(credential::Entity::find()
            .filter(credential::Column::UserId.eq(user_id))
            .filter(credential::Column::Kind.eq(kind::PASSWORD))
            .count(&self.db)
            .await?
            > 0)
    }

    /// Whether the account is locked at this moment (an unknown id is not).
    pub async fn is_locked(&self, user_id: &str) -> Result<bool> {
        Ok(self.find(user_id).await?.is_some_and(|u| locked_now(&u)))
    }

    pub(super) async fn hash_password(&self, password: &str) -> Result<String> {
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

/// Whether the account is locked at this moment.
/// The row `found` with the claims of `profile` set (a `None` field is left unchanged, an
/// empty one is cleared) and a new `updated_at`.
fn profile_row(found: user::Model, profile: Profile) -> user::ActiveModel {
    let mut row: user::ActiveModel = found.into();
    // An empty string clears the claim.
    macro_rules! set {
        ($($field:ident),*) => {$(
            if let Some(v) = profile.$field {
                row.$field = Set((!v.is_empty()).then_some(v));
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
        phone_number
    );
    if let Some(v) = profile.address {
        row.address = Set(Some(v));
    }
    if let Some(v) = profile.phone_number_verified {
        row.phone_number_verified = Set(v);
    }
    row.updated_at = Set(now());
    row
}

fn locked_now(user: &user::Model) -> bool {
    UserStatus::at(user, now()).is_ok_and(|s| s == UserStatus::Locked)
}

/// Replaces the account's password credential, inside the caller's transaction.
async fn replace_password(db: &impl ConnectionTrait, user_id: &str, hash: String) -> Result<()> {
    credential::Entity::delete_many()
        .filter(credential::Column::UserId.eq(user_id))
        .filter(credential::Column::Kind.eq(kind::PASSWORD))
        .exec(db)
        .await?;
    password_row(user_id, hash).insert(db).await?;
    Ok(())
}

pub(super) fn password_row(user_id: &str, hash: String) -> credential::ActiveModel {
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

/// Removes the upstream identities linked to an account whose address was not verified, when
/// the mailbox owner proves the address (a confirmation or reset link). Such an account may
/// have been created through an upstream on its unproven word for the address (someone
/// else's): the owner taking the account over must not keep that stranger's way in
/// ("pre-account hijacking"). A rightful link is made again with the account's password.
async fn drop_unproven_links(db: &impl ConnectionTrait, found: &user::Model) -> Result<()> {
    if found.email_verified {
        return Ok(());
    }
    crate::entities::upstream_link::Entity::delete_many()
        .filter(crate::entities::upstream_link::Column::UserId.eq(found.id.clone()))
        .exec(db)
        .await?;
    Ok(())
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
            assert_eq!(created.email.as_deref(), Some("alice@example.com"));
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

        async fn reset_password_lifts_lock_confirms_and_signs_out(store: Store) {
            use crate::sessions::{BrowserSessions, NewSession, SessionPolicy};
            let users = users(&store);
            let created = users
                .create(NewUser { status: UserStatus::Pending, email_verified: false, ..alice() })
                .await
                .unwrap();
            let sessions = BrowserSessions::new(
                &store,
                crate::secrets::MasterKey::generate().secret_box(),
                SessionPolicy {
                    idle_timeout: std::time::Duration::from_secs(60),
                    absolute_timeout: std::time::Duration::from_secs(600),
                    remember_timeout: std::time::Duration::from_secs(6000),
                },
            );
            let (secret, _) = sessions
                .sign_in(
                    NewSession {
                        user_id: created.id.clone(),
                        amr: vec!["pwd".into()],
                        acr: None,
                        ip: None,
                        user_agent: None,
                        remember: false,
                        lifetime: None,
                    },
                    None,
                )
                .await
                .unwrap();
            let after = users.reset_password(&created.id, "a brand new passphrase").await.unwrap();
            assert_eq!((after.status.as_str(), after.email_verified), ("active", true));
            assert!(sessions.find_live(&secret).await.unwrap().is_none(), "sessions ended");
            assert!(users.check_password(&created.id, "a brand new passphrase").await.unwrap());
            assert!(!users.check_password(&created.id, "correct horse battery staple").await.unwrap());
        }

        async fn change_email_moves_the_account_unless_taken(store: Store) {
            let users = users(&store);
            let a = users.create(alice()).await.unwrap();
            users
                .create(NewUser { email: "bob@example.com".into(), ..alice() })
                .await
                .unwrap();
            let (before, after) = users.change_email(&a.id, "Alice2@Example.com").await.unwrap();
            assert_eq!((before.email.as_deref(), after.email.as_deref()), (Some("alice@example.com"), Some("alice2@example.com")));
            let taken = users.change_email(&a.id, "bob@example.com").await.unwrap_err();
            assert!(matches!(taken, Error::Conflict("user")), "{taken}");
            assert_eq!(users.find(&a.id).await.unwrap().unwrap().email.as_deref(), Some("alice2@example.com"));
        }

        async fn export_holds_the_data_and_no_secret_and_erase_leaves_none(store: Store) {
            use crate::audit::{AuditEvent, AuditLog};
            let users = users(&store);
            let secrets = crate::secrets::MasterKey::generate().secret_box();
            let a = users.create(alice()).await.unwrap();
            let audit = AuditLog::new(&store);
            let mut event = AuditEvent::success("login.succeeded").subject(a.id.clone());
            event.ip = Some("203.0.113.9".into());
            event.user_agent = Some("TestBrowser/1".into());
            audit.record(event).await.unwrap();
            let export = users.export(&a.id).await.unwrap();
            assert_eq!(export["account"]["email"], "alice@example.com");
            assert_eq!(export["profile"]["name"], "Alice");
            assert_eq!(export["sign_in_methods"][0]["kind"], "password");
            assert_eq!(export["audit_events"][0]["ip"], "203.0.113.9");
            let hash = credential::Entity::find().one(store.db()).await.unwrap().unwrap().secret;
            assert!(!export.to_string().contains(&hash), "no password hash in the export");

            let alias = users.erase(&a.id, &secrets).await.unwrap();
            assert!(users.find(&a.id).await.unwrap().is_none());
            let events = crate::entities::audit_event::Entity::find().all(store.db()).await.unwrap();
            assert_eq!(events.len(), 1, "the audit trail stays");
            assert_eq!(events[0].subject_user_id.as_deref(), Some(alias.as_str()));
            assert!(events[0].ip.is_none() && events[0].user_agent.is_none());
            assert!(credential::Entity::find().all(store.db()).await.unwrap().is_empty());
        }

        async fn set_password_replaces_the_old_one(store: Store) {
            let users = users(&store);
            let created = users.create(alice()).await.unwrap();
            users.set_password(&created.id, "a new long passphrase").await.unwrap();
            assert!(users.verify_password("alice@example.com", "correct horse battery staple").await.unwrap().is_none());
            assert!(users.verify_password("alice@example.com", "a new long passphrase").await.unwrap().is_some());
        }

        async fn finding_l_wrong_second_factors_count_atomically_and_lock(store: Store) {
            use crate::users::LockoutPolicy;
            let users = users(&store);
            let created = users.create(alice()).await.unwrap();
            let policy = LockoutPolicy { threshold: 10, duration: std::time::Duration::from_secs(600) };
            // Concurrent failures all count (no read-modify-write), and exactly one locks.
            let tasks: Vec<_> = (0..12)
                .map(|_| {
                    let users = users.clone();
                    let id = created.id.clone();
                    tokio::spawn(async move { users.record_failed_second_factor(&id, policy).await.unwrap() })
                })
                .collect();
            let mut locks = 0;
            for t in tasks {
                locks += usize::from(t.await.unwrap());
            }
            let after = users.find(&created.id).await.unwrap().unwrap();
            assert_eq!(after.failed_second_factors, 12);
            assert_eq!(locks, 1);
            assert_eq!(UserStatus::at(&after, crate::now()).unwrap(), UserStatus::Locked);
            // A correct password does not clear the count; a correct code does.
            users.record_good_password(&after).await.unwrap();
            assert_eq!(users.find(&created.id).await.unwrap().unwrap().failed_second_factors, 12);
            users.record_good_second_factor(&created.id).await.unwrap();
            assert_eq!(users.find(&created.id).await.unwrap().unwrap().failed_second_factors, 0);
        }
    }
}
