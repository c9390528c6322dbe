//! Mails an administrator sends on a person's behalf. The words and the branding are the
//! pages' (login-ui): the binary gives administration a [`AccountMails`] that renders and
//! queues them.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde_json::json;

use super::{Access, Actor, Admin, Area};
use crate::audit::AuditEvent;
use crate::entities::user;
use crate::users::{NewToken, Purpose, UserStatus};
use crate::{Error, Result};

/// Renders and queues the mails administration sends.
pub trait AccountMails: Send + Sync + std::fmt::Debug {
    /// Queues the password reset mail carrying `token` (valid `ttl`) to `user`'s address.
    fn reset_password<'a>(
        &'a self,
        user: &'a user::Model,
        token: &'a str,
        ttl: Duration,
    ) -> Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;
}

impl Admin {
    /// Mails the person a password reset link, as "forgot password" does (same link, same
    /// lifetime). Refused for an account without an address, and for a suspended or disabled
    /// one (reactivate it first).
    pub async fn send_password_reset(&self, actor: &Actor, key: &str) -> Result<()> {
        actor.require(Area::Users, Access::Write)?;
        let found = self.parts.users.resolve(key).await?;
        let Some(to) = found.email.clone() else {
            return Err(Error::WrongState(
                "the account has no address to mail".into(),
            ));
        };
        if matches!(
            UserStatus::at(&found, crate::now())?,
            UserStatus::Suspended | UserStatus::Disabled
        ) {
            return Err(Error::WrongState(format!(
                "the account is {}: reactivate it first",
                found.status
            )));
        }
        let Some(mails) = &self.parts.mails else {
            return Err(Error::WrongState("mail is not set up here".into()));
        };
        let ttl = self.parts.reset_ttl;
        let token = self
            .parts
            .tokens
            .issue_new(NewToken {
                purpose: Purpose::ResetPassword,
                user_id: Some(&found.id),
                email: &to,
                data: None,
                ttl,
            })
            .await?;
        mails.reset_password(&found, &token, ttl).await?;
        self.audit(
            actor,
            AuditEvent::success("password.reset_sent_by_admin").subject(&found.id),
            json!({}),
        )
        .await
    }
}
