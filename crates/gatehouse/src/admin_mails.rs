//! The mails administration sends (a password reset link), rendered by the pages' templates
//! in the person's language and the operator's branding, queued in the mail outbox.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use domain::entities::user;
use domain::mail::Outbox;

use crate::config::BrandingConfig;

/// [`domain::admin::AccountMails`] over the outbox.
#[derive(Debug, Clone)]
pub struct AdminMails {
    /// The issuer, for the links.
    pub issuer: String,
    /// Where mail waits for the worker.
    pub outbox: Outbox,
    /// The operator's branding (read when a mail is sent: the CLI has no server to hold it).
    pub branding: BrandingConfig,
    /// Where the branding files are.
    pub data_dir: PathBuf,
}

impl domain::admin::AccountMails for AdminMails {
    fn reset_password<'a>(
        &'a self,
        user: &'a user::Model,
        token: &'a str,
        ttl: Duration,
    ) -> Pin<Box<dyn Future<Output = domain::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            let Some(to) = user.email.as_deref() else {
                return Err(domain::Error::WrongState(
                    "the account has no address".into(),
                ));
            };
            // An unproven address is not greeted with a name its registrant chose.
            let name = user.display_name.as_deref().filter(|_| user.email_verified);
            let message = login_ui::i18n::Lang::for_user(user.locale.as_deref())
                .scope(|| login_ui::mail::reset_password(&self.issuer, to, name, token, ttl))
                .map_err(|e| domain::Error::Task(format!("the reset mail did not render: {e}")))?;
            let branding = self
                .branding
                .load(&self.data_dir)
                .await
                .map_err(|e| domain::Error::Task(format!("branding: {e:#}")))?;
            self.outbox
                .enqueue(branding.sign(&self.issuer, message))
                .await
                .map(drop)
        })
    }
}
