//! TOTP authenticators (RFC 6238): 6 digits, 30-second steps, one step of clock skew either
//! way, each step's code accepted once. The secret is encrypted under the master key.

use std::time::Duration;

use sea_orm::{ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, Set};
use serde_json::json;
use totp_rs::{Builder, Secret, Totp};

use super::kind;
use super::mfa::{Mfa, TotpSetup};
use crate::entities::credential;
use crate::{Error, Result, now};

/// The name an authenticator gets once confirmed.
const NAME: &str = "Authenticator app";

/// Whether a TOTP credential named `name` is confirmed (set up with a valid code); an
/// unconfirmed one is still being set up.
pub(crate) fn is_confirmed(name: Option<&str>) -> bool {
    name == Some(NAME)
}

fn encryption_context(credential_id: &str) -> String {
    format!("totp:{credential_id}")
}

impl Mfa {
    fn totp(&self, secret: Vec<u8>, account: &str) -> Result<Totp> {
        Builder::new()
            .with_secret(Secret::new(secret.into_boxed_slice()))
            .with_issuer(Some(self.issuer.as_str()))
            .with_account_name(account)
            .build()
            .map_err(|e| Error::Crypto(format!("TOTP: {e}")))
    }

    fn open(&self, row: &credential::Model, account: &str) -> Result<Totp> {
        let secret = self
            .secrets
            .decrypt(&row.secret, &encryption_context(&row.id))?;
        self.totp(secret, account)
    }

    /// The confirmed authenticator of the user, if any.
    pub(super) async fn confirmed_totp(&self, user_id: &str) -> Result<Option<credential::Model>> {
        Ok(self
            .totp_rows(user_id)
            .await?
            .into_iter()
            .find(|r| is_confirmed(r.name.as_deref())))
    }

    async fn totp_rows(&self, user_id: &str) -> Result<Vec<credential::Model>> {
        Ok(credential::Entity::find()
            .filter(credential::Column::UserId.eq(user_id))
            .filter(credential::Column::Kind.eq(kind::TOTP))
            .all(&self.db)
            .await?)
    }

    /// Starts setting up an authenticator: a new secret, stored encrypted and unconfirmed
    /// (replacing an earlier unconfirmed one) until [`Mfa::confirm_totp`] sees a valid code.
    pub async fn begin_totp(&self, user_id: &str, account: &str) -> Result<TotpSetup> {
        let id = uuid::Uuid::now_v7().to_string();
        let secret = Secret::generate();
        let totp = self.totp(secret.as_bytes().to_vec(), account)?;
        let sealed = self
            .secrets
            .encrypt(secret.as_bytes(), &encryption_context(&id))?;
        let txn = crate::store::begin_write(&self.db).await?;
        credential::Entity::delete_many()
            .filter(credential::Column::UserId.eq(user_id))
            .filter(credential::Column::Kind.eq(kind::TOTP))
            .filter(credential::Column::Name.is_null())
            .exec(&txn)
            .await?;
        credential::ActiveModel {
            id: Set(id),
            user_id: Set(user_id.to_owned()),
            kind: Set(kind::TOTP.to_owned()),
            name: Set(None),
            secret: Set(sealed),
            data: Set(None),
            created_at: Set(now()),
            last_used_at: Set(None),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(TotpSetup {
            secret_base32: totp.secret().to_base32(),
            otpauth_uri: totp
                .to_url()
                .map_err(|e| Error::Crypto(format!("TOTP: {e}")))?,
        })
    }

    /// Confirms the authenticator being set up with a code from it; it then replaces any
    /// earlier one. False when the code is wrong or nothing is being set up.
    pub async fn confirm_totp(&self, user_id: &str, account: &str, code: &str) -> Result<bool> {
        let Some(row) = self
            .totp_rows(user_id)
            .await?
            .into_iter()
            .find(|r| r.name.is_none())
        else {
            return Ok(false);
        };
        if !self.check(&row, account, code).await? {
            return Ok(false);
        }
        let txn = crate::store::begin_write(&self.db).await?;
        credential::Entity::delete_many()
            .filter(credential::Column::UserId.eq(user_id))
            .filter(credential::Column::Kind.eq(kind::TOTP))
            .filter(credential::Column::Id.ne(row.id.clone()))
            .exec(&txn)
            .await?;
        let mut active: credential::ActiveModel = row.into();
        active.name = Set(Some(NAME.to_owned()));
        active.last_used_at = Set(Some(now()));
        active.update(&txn).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Checks a sign-in code against the confirmed authenticator; each step's code works
    /// once. False when wrong, reused, or there is no authenticator.
    pub async fn verify_totp(&self, user_id: &str, account: &str, code: &str) -> Result<bool> {
        let Some(row) = self.confirmed_totp(user_id).await? else {
            return Ok(false);
        };
        if !self.check(&row, account, code).await? {
            return Ok(false);
        }
        credential::Entity::update_many()
            .col_expr(
                credential::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(Some(now())),
            )
            .filter(credential::Column::Id.eq(row.id))
            .exec(&self.db)
            .await?;
        Ok(true)
    }

    /// Whether `code` is valid now for `row` and its time step was not used yet (the step
    /// is then marked used, in the database and in the shared cache).
    async fn check(&self, row: &credential::Model, account: &str, code: &str) -> Result<bool> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(false);
        }
        let totp = self.open(row, account)?;
        let Some(step) = totp.check_current(&code) else {
            return Ok(false);
        };
        let last = row
            .data
            .as_ref()
            .and_then(|d| d.get("last_step"))
            .and_then(serde_json::Value::as_u64);
        if last.is_some_and(|l| step <= l) {
            return Ok(false);
        }
        // The cache mark makes the check atomic across concurrent requests and nodes; the
        // stored step keeps refusing old codes after a restart.
        let fresh = self
            .cache
            .set_if_absent(
                &format!("totp-used:{}:{step}", row.id),
                b"1",
                Duration::from_secs(180),
            )
            .await?;
        if !fresh {
            return Ok(false);
        }
        credential::Entity::update_many()
            .col_expr(
                credential::Column::Data,
                sea_orm::sea_query::Expr::value(Some(json!({ "last_step": step }))),
            )
            .filter(credential::Column::Id.eq(row.id.clone()))
            .exec(&self.db)
            .await?;
        Ok(true)
    }

    /// Removes the user's authenticator (and one being set up).
    pub async fn remove_totp(&self, user_id: &str) -> Result<u64> {
        Ok(credential::Entity::delete_many()
            .filter(credential::Column::UserId.eq(user_id))
            .filter(credential::Column::Kind.eq(kind::TOTP))
            .exec(&self.db)
            .await?
            .rows_affected)
    }
}
