//! Single-use tokens sent by mail (email verification, password reset, invitations, email
//! change): random, stored only as a keyed hash, expiring, consumed atomically.

use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set,
};

use crate::entities::user_token;
use crate::secrets::SecretBox;
use crate::{Result, Store, now, random};

/// What a token is for; a token of one purpose never works for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Proves the user can read mail at the address.
    VerifyEmail,
    /// Lets the user choose a new password.
    ResetPassword,
    /// Lets an invited person create an account (no user yet; roles in `data`).
    Invitation,
    /// Confirms a new address for an existing account (the new address is `email`).
    ChangeEmail,
    /// Signs in without a password: a link, and a 6-digit code (its hash in `data`).
    EmailSignIn,
    /// A browser the user trusts: sign-in skips the second factor there.
    TrustedDevice,
    /// Proves the user receives text messages at a number (code and number in `data`).
    VerifyPhone,
    /// A second-factor code sent by text message (its hash in `data`).
    SmsCode,
}

impl Purpose {
    /// The purpose's stable name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::Invitation => "invitation",
            Purpose::ChangeEmail => "change_email",
            Purpose::EmailSignIn => "email_sign_in",
            Purpose::TrustedDevice => "trusted_device",
            Purpose::VerifyPhone => "verify_phone",
            Purpose::SmsCode => "sms_code",
        }
    }
}

/// A token to issue.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// What it is for.
    pub purpose: Purpose,
    /// The account it acts on, if there is one already.
    pub user_id: Option<&'a str>,
    /// The address the token is mailed to.
    pub email: &'a str,
    /// Purpose-specific details (an invitation's roles).
    pub data: Option<serde_json::Value>,
    /// How long it stays valid.
    pub ttl: Duration,
}

/// The token store.
#[derive(Debug, Clone)]
pub struct UserTokens {
    db: DatabaseConnection,
    secrets: SecretBox,
}

impl UserTokens {
    /// Builds the service.
    pub fn new(store: &Store, secrets: SecretBox) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
        }
    }

    fn hash(&self, purpose: Purpose, token: &str) -> String {
        self.secrets.keyed_hash(purpose.as_str(), token)
    }

    /// Issues a token for `user_id` at `email`, valid for `ttl`; returns the token to mail.
    pub async fn issue(
        &self,
        purpose: Purpose,
        user_id: &str,
        email: &str,
        ttl: Duration,
    ) -> Result<String> {
        self.issue_new(NewToken {
            purpose,
            user_id: Some(user_id),
            email,
            data: None,
            ttl,
        })
        .await
    }

    /// Issues `new`; returns the token to mail.
    pub async fn issue_new(&self, new: NewToken<'_>) -> Result<String> {
        let token = random::token::<32>();
        let at = now();
        user_token::ActiveModel {
            token_hash: Set(self.hash(new.purpose, &token)),
            purpose: Set(new.purpose.as_str().to_owned()),
            user_id: Set(new.user_id.map(str::to_owned)),
            email: Set(new.email.to_owned()),
            data: Set(new.data),
            created_at: Set(at),
            expires_at: Set(at + new.ttl),
            used_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(token)
    }

    /// The token's row if it is valid now, without using it (to show the form it opens).
    pub async fn peek(&self, purpose: Purpose, token: &str) -> Result<Option<user_token::Model>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        Ok(user_token::Entity::find_by_id(self.hash(purpose, token))
            .filter(user_token::Column::Purpose.eq(purpose.as_str()))
            .filter(user_token::Column::UsedAt.is_null())
            .filter(user_token::Column::ExpiresAt.gt(now()))
            .one(&self.db)
            .await?)
    }

    /// The token's row whether or not it is still valid (used, expired or revoked), until the
    /// purge removes it: only to say where a dead link leads next (its `data`), never to act.
    pub async fn find_any(
        &self,
        purpose: Purpose,
        token: &str,
    ) -> Result<Option<user_token::Model>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        Ok(user_token::Entity::find_by_id(self.hash(purpose, token))
            .filter(user_token::Column::Purpose.eq(purpose.as_str()))
            .one(&self.db)
            .await?)
    }

    /// The valid, unused tokens of `purpose` (open invitations), newest first.
    pub async fn open(&self, purpose: Purpose) -> Result<Vec<user_token::Model>> {
        Ok(user_token::Entity::find()
            .filter(user_token::Column::Purpose.eq(purpose.as_str()))
            .filter(user_token::Column::UsedAt.is_null())
            .filter(user_token::Column::ExpiresAt.gt(now()))
            .order_by_desc(user_token::Column::CreatedAt)
            .all(&self.db)
            .await?)
    }

    /// Voids every unused token of `purpose` mailed to `email`; returns how many.
    pub async fn revoke_for_email(&self, purpose: Purpose, email: &str) -> Result<u64> {
        Ok(user_token::Entity::update_many()
            .col_expr(user_token::Column::UsedAt, Expr::value(Some(now())))
            .filter(user_token::Column::Purpose.eq(purpose.as_str()))
            .filter(user_token::Column::Email.eq(email))
            .filter(user_token::Column::UsedAt.is_null())
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// Voids every unused token of `purpose` for `user_id` (older reset links after a reset).
    pub async fn revoke_for_user(&self, purpose: Purpose, user_id: &str) -> Result<u64> {
        Ok(user_token::Entity::update_many()
            .col_expr(user_token::Column::UsedAt, Expr::value(Some(now())))
            .filter(user_token::Column::Purpose.eq(purpose.as_str()))
            .filter(user_token::Column::UserId.eq(user_id))
            .filter(user_token::Column::UsedAt.is_null())
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// Uses a token: returns its row if it was valid (right purpose, unused, unexpired), and
    /// marks it used in the same statement so that it works once only.
    pub async fn consume(
        &self,
        purpose: Purpose,
        token: &str,
    ) -> Result<Option<user_token::Model>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let hash = self.hash(purpose, token);
        let at = now();
        let claimed = user_token::Entity::update_many()
            .col_expr(user_token::Column::UsedAt, Expr::value(Some(at)))
            .filter(user_token::Column::TokenHash.eq(hash.clone()))
            .filter(user_token::Column::Purpose.eq(purpose.as_str()))
            .filter(user_token::Column::UsedAt.is_null())
            .filter(user_token::Column::ExpiresAt.gt(at))
            .exec(&self.db)
            .await?;
        if claimed.rows_affected != 1 {
            return Ok(None);
        }
        Ok(user_token::Entity::find_by_id(hash).one(&self.db).await?)
    }

    /// A 6-digit code to mail beside a token, and the hash to keep in the token's `data`
    /// (as `code_hash`) for [`UserTokens::redeem_code`].
    pub fn new_code(&self) -> (String, String) {
        // Rejection sampling keeps the six digits uniform.
        let n = loop {
            let n = u32::from_be_bytes(random::bytes::<4>());
            if n < 4_294_000_000 {
                break n % 1_000_000;
            }
        };
        let code = format!("{n:06}");
        let hash = self.secrets.keyed_hash("mailed-code", &code);
        (code, hash)
    }

    /// Uses the newest valid `purpose` token of `user_id` whose code is `code`: its row, now
    /// used, or `None`. (Callers limit the attempts.)
    pub async fn redeem_code(
        &self,
        purpose: Purpose,
        user_id: &str,
        code: &str,
    ) -> Result<Option<user_token::Model>> {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(None);
        }
        let at = now();
        let Some(row) = user_token::Entity::find()
            .filter(user_token::Column::UserId.eq(user_id))
            .filter(user_token::Column::Purpose.eq(purpose.as_str()))
            .filter(user_token::Column::UsedAt.is_null())
            .filter(user_token::Column::ExpiresAt.gt(at))
            .order_by_desc(user_token::Column::CreatedAt)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let stored = row
            .data
            .as_ref()
            .and_then(|d| d.get("code_hash"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        if !self.secrets.verify_keyed_hash("mailed-code", code, stored) {
            return Ok(None);
        }
        let claimed = user_token::Entity::update_many()
            .col_expr(user_token::Column::UsedAt, Expr::value(Some(at)))
            .filter(user_token::Column::TokenHash.eq(row.token_hash.clone()))
            .filter(user_token::Column::UsedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok((claimed.rows_affected == 1).then_some(row))
    }

    /// How many valid, unused tokens of `purpose` the user has (trusted browsers).
    pub async fn count_open(&self, purpose: Purpose, user_id: &str) -> Result<u64> {
        use sea_orm::PaginatorTrait as _;
        Ok(user_token::Entity::find()
            .filter(user_token::Column::UserId.eq(user_id))
            .filter(user_token::Column::Purpose.eq(purpose.as_str()))
            .filter(user_token::Column::UsedAt.is_null())
            .filter(user_token::Column::ExpiresAt.gt(now()))
            .count(&self.db)
            .await?)
    }

    /// When the last token of `purpose` was issued to `user_id` (for resend cooldowns).
    pub async fn last_issued(
        &self,
        purpose: Purpose,
        user_id: &str,
    ) -> Result<Option<time::OffsetDateTime>> {
        Ok(user_token::Entity::find()
            .filter(user_token::Column::UserId.eq(user_id))
            .filter(user_token::Column::Purpose.eq(purpose.as_str()))
            .order_by_desc(user_token::Column::CreatedAt)
            .one(&self.db)
            .await?
            .map(|t| t.created_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend_tests;
    use crate::consents::tests::user_and_client;
    use crate::secrets::MasterKey;

    backend_tests! {
        async fn a_token_works_once_for_its_purpose_until_it_expires(store: Store) {
            let (user_id, _) = user_and_client(&store).await;
            let tokens = UserTokens::new(&store, MasterKey::generate().secret_box());
            let token = tokens
                .issue(Purpose::VerifyEmail, &user_id, "c@example.com", Duration::from_secs(60))
                .await
                .unwrap();
            let row = tokens.consume(Purpose::VerifyEmail, &token).await.unwrap().expect("valid");
            assert_eq!(row.user_id.as_deref(), Some(user_id.as_str()));
            assert_ne!(row.token_hash, token, "stored hashed");
            assert!(tokens.consume(Purpose::VerifyEmail, &token).await.unwrap().is_none(), "single use");
            assert!(tokens.consume(Purpose::VerifyEmail, "forged").await.unwrap().is_none());
            let expired = tokens
                .issue(Purpose::VerifyEmail, &user_id, "c@example.com", Duration::ZERO)
                .await
                .unwrap();
            assert!(tokens.consume(Purpose::VerifyEmail, &expired).await.unwrap().is_none(), "expired");
            // A used or expired token's row is still found (where its dead link leads), for
            // its purpose only.
            assert!(tokens.find_any(Purpose::VerifyEmail, &token).await.unwrap().is_some(), "used");
            assert!(tokens.find_any(Purpose::VerifyEmail, &expired).await.unwrap().is_some(), "expired");
            assert!(tokens.find_any(Purpose::ResetPassword, &token).await.unwrap().is_none());
            assert!(tokens.find_any(Purpose::VerifyEmail, "forged").await.unwrap().is_none());
            assert!(tokens.last_issued(Purpose::VerifyEmail, &user_id).await.unwrap().is_some());
            // Another purpose's token does not work here.
            let reset = tokens
                .issue(Purpose::ResetPassword, &user_id, "c@example.com", Duration::from_secs(60))
                .await
                .unwrap();
            assert!(tokens.consume(Purpose::VerifyEmail, &reset).await.unwrap().is_none());
            assert!(tokens.peek(Purpose::ResetPassword, &reset).await.unwrap().is_some(), "peek keeps it");
            assert_eq!(tokens.revoke_for_user(Purpose::ResetPassword, &user_id).await.unwrap(), 1);
            assert!(tokens.peek(Purpose::ResetPassword, &reset).await.unwrap().is_none());
        }

        async fn a_mailed_code_redeems_the_newest_token_once(store: Store) {
            let (user_id, _) = user_and_client(&store).await;
            let tokens = UserTokens::new(&store, MasterKey::generate().secret_box());
            let (code, hash) = tokens.new_code();
            assert_eq!(code.len(), 6);
            tokens
                .issue_new(NewToken {
                    purpose: Purpose::EmailSignIn,
                    user_id: Some(&user_id),
                    email: "c@example.com",
                    data: Some(serde_json::json!({ "code_hash": hash })),
                    ttl: Duration::from_secs(600),
                })
                .await
                .unwrap();
            let wrong = if code == "000000" { "000001" } else { "000000" };
            assert!(tokens.redeem_code(Purpose::EmailSignIn, &user_id, wrong).await.unwrap().is_none());
            assert!(tokens.redeem_code(Purpose::EmailSignIn, &user_id, &code).await.unwrap().is_some());
            assert!(tokens.redeem_code(Purpose::EmailSignIn, &user_id, &code).await.unwrap().is_none(), "once");
        }

        async fn invitations_are_listed_and_revoked_by_email(store: Store) {
            let tokens = UserTokens::new(&store, MasterKey::generate().secret_box());
            let token = tokens
                .issue_new(NewToken {
                    purpose: Purpose::Invitation,
                    user_id: None,
                    email: "guest@example.com",
                    data: Some(serde_json::json!({ "roles": ["staff"] })),
                    ttl: Duration::from_secs(60),
                })
                .await
                .unwrap();
            let open = tokens.open(Purpose::Invitation).await.unwrap();
            assert_eq!(open.len(), 1);
            assert_eq!(open[0].data, Some(serde_json::json!({ "roles": ["staff"] })));
            assert_eq!(tokens.revoke_for_email(Purpose::Invitation, "guest@example.com").await.unwrap(), 1);
            assert!(tokens.open(Purpose::Invitation).await.unwrap().is_empty());
            assert!(tokens.consume(Purpose::Invitation, &token).await.unwrap().is_none());
        }
    }
}
