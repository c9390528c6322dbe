//! Second factors: the service and what it reports about a user's enrollment.

use sea_orm::{
    ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _, QuerySelect as _,
};

use super::kind;
use crate::cache::Cache;
use crate::entities::credential;
use crate::secrets::SecretBox;
use crate::{Result, Store};

/// Second-factor credentials: TOTP authenticators and recovery codes.
#[derive(Debug, Clone)]
pub struct Mfa {
    pub(super) db: DatabaseConnection,
    pub(super) secrets: SecretBox,
    /// Used-code marks, shared by every node (Redis) so a code works once anywhere.
    pub(super) cache: Cache,
    /// The issuer name shown in authenticator apps.
    pub(super) issuer: String,
}

/// A TOTP authenticator being set up: what the user scans or types into their app.
#[derive(Debug, Clone)]
pub struct TotpSetup {
    /// The secret in base32, for typing in by hand.
    pub secret_base32: String,
    /// The `otpauth://` URI, for the QR code.
    pub otpauth_uri: String,
}

/// When a second factor is required, whatever the user chose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MfaPolicy {
    /// Every user.
    pub required_for_all: bool,
    /// Users with any of these roles (e.g. `admin`).
    pub required_roles: Vec<String>,
}

impl MfaPolicy {
    /// Whether a user with `roles` signing in to `client` (if any) must use a second factor.
    pub fn requires(&self, roles: &[String], client_requires: bool) -> bool {
        self.required_for_all
            || client_requires
            || roles.iter().any(|r| self.required_roles.contains(r))
    }
}

/// Which second factors a user has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Enrollment {
    /// A confirmed TOTP authenticator.
    pub totp: bool,
    /// Codes by text message.
    pub sms: bool,
    /// Passkeys.
    pub passkeys: u64,
    /// Unused recovery codes.
    pub recovery_codes_left: u64,
}

impl Enrollment {
    /// Whether sign-in asks for a second factor.
    pub fn any(&self) -> bool {
        self.totp || self.sms || self.passkeys > 0
    }
}

impl Mfa {
    /// Builds the service; `issuer` names this service in authenticator apps.
    pub fn new(store: &Store, secrets: SecretBox, cache: Cache, issuer: &str) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
            cache,
            issuer: issuer.to_owned(),
        }
    }

    /// The name authenticator apps show for this service (the `issuer` of the otpauth URI).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Turns text-message codes on (the caller checked the phone number is verified).
    pub async fn enable_sms(&self, user_id: &str) -> Result<()> {
        use sea_orm::{ActiveModelTrait as _, Set};
        self.disable_sms(user_id).await?;
        credential::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            user_id: Set(user_id.to_owned()),
            kind: Set(kind::SMS.to_owned()),
            name: Set(Some("Text message".to_owned())),
            secret: Set(String::new()),
            data: Set(None),
            created_at: Set(crate::now()),
            last_used_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// Turns text-message codes off.
    pub async fn disable_sms(&self, user_id: &str) -> Result<u64> {
        Ok(credential::Entity::delete_many()
            .filter(credential::Column::UserId.eq(user_id))
            .filter(credential::Column::Kind.eq(kind::SMS))
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// The user's second factors, read in one query (it runs at every sign-in).
    pub async fn enrollment(&self, user_id: &str) -> Result<Enrollment> {
        let rows: Vec<(String, Option<String>)> = credential::Entity::find()
            .select_only()
            .column(credential::Column::Kind)
            .column(credential::Column::Name)
            .filter(credential::Column::UserId.eq(user_id))
            .filter(credential::Column::Kind.is_in([
                kind::TOTP,
                kind::SMS,
                kind::PASSKEY,
                kind::RECOVERY_CODE,
            ]))
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut enrollment = Enrollment::default();
        for (kind, name) in rows {
            match kind.as_str() {
                kind::TOTP => enrollment.totp |= super::totp::is_confirmed(name.as_deref()),
                kind::SMS => enrollment.sms = true,
                kind::PASSKEY => enrollment.passkeys += 1,
                _ => enrollment.recovery_codes_left += 1,
            }
        }
        Ok(enrollment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend_tests;
    use crate::consents::tests::user_and_client;
    use crate::secrets::MasterKey;

    fn code_now(secret_base32: &str) -> String {
        let secret = totp_rs::Secret::try_from_base32(secret_base32).unwrap();
        totp_rs::Builder::new()
            .with_secret(secret)
            .build()
            .unwrap()
            .generate_current()
            .to_string()
    }

    backend_tests! {
        async fn totp_is_confirmed_by_a_code_refuses_replays_and_is_stored_encrypted(store: Store) {
            let (user, _) = user_and_client(&store).await;
            let mfa = Mfa::new(&store, MasterKey::generate().secret_box(), Cache::memory(), "Gatehouse");
            assert!(!mfa.enrollment(&user).await.unwrap().any());
            let setup = mfa.begin_totp(&user, "c@example.com").await.unwrap();
            assert!(setup.otpauth_uri.starts_with("otpauth://totp/Gatehouse:c%40example.com?"), "{}", setup.otpauth_uri);
            assert!(!mfa.confirm_totp(&user, "c@example.com", "000000").await.unwrap() || code_now(&setup.secret_base32) == "000000");
            let code = code_now(&setup.secret_base32);
            assert!(mfa.confirm_totp(&user, "c@example.com", &code).await.unwrap());
            assert!(mfa.enrollment(&user).await.unwrap().totp);
            // The confirming code's step is used: the same code does not sign in.
            assert!(!mfa.verify_totp(&user, "c@example.com", &code).await.unwrap(), "replay");
            let stored = credential::Entity::find()
                .filter(credential::Column::Kind.eq(kind::TOTP))
                .one(&store.db().clone())
                .await
                .unwrap()
                .unwrap();
            let raw = totp_rs::Secret::try_from_base32(&setup.secret_base32).unwrap();
            assert!(!stored.secret.contains(&setup.secret_base32));
            assert!(!stored.secret.as_bytes().windows(raw.as_bytes().len()).any(|w| w == raw.as_bytes()));
            assert_eq!(mfa.remove_totp(&user).await.unwrap(), 1);
            assert!(!mfa.enrollment(&user).await.unwrap().any());
        }

        async fn recovery_codes_work_once_and_a_new_set_replaces_the_old(store: Store) {
            let (user, _) = user_and_client(&store).await;
            let mfa = Mfa::new(&store, MasterKey::generate().secret_box(), Cache::memory(), "Gatehouse");
            let codes = mfa.new_recovery_codes(&user).await.unwrap();
            assert_eq!(codes.len(), 10);
            assert_eq!(mfa.enrollment(&user).await.unwrap().recovery_codes_left, 10);
            let typed = codes[0].to_uppercase().replace('-', " ");
            assert!(mfa.use_recovery_code(&user, &typed).await.unwrap(), "case and separators ignored");
            assert!(!mfa.use_recovery_code(&user, &codes[0]).await.unwrap(), "single use");
            assert_eq!(mfa.enrollment(&user).await.unwrap().recovery_codes_left, 9);
            let fresh = mfa.new_recovery_codes(&user).await.unwrap();
            assert!(!mfa.use_recovery_code(&user, &codes[1]).await.unwrap(), "old set void");
            assert!(mfa.use_recovery_code(&user, &fresh[1]).await.unwrap());
            assert!(!mfa.use_recovery_code(&user, "garbage").await.unwrap());
        }
    }
}
