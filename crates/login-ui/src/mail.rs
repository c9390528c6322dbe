//! The mails the pages send, rendered from `web/templates/mail/` (a plain-text and an HTML
//! part each), and queued in the outbox: a request never waits on SMTP.

use askama::Template;
use domain::mail::Message;

use crate::LoginUi;

#[derive(Template)]
#[template(path = "mail/verify_email.txt")]
struct VerifyText<'a> {
    name: Option<&'a str>,
    email: &'a str,
    link: &'a str,
    hours: u64,
}

#[derive(Template)]
#[template(path = "mail/verify_email.html")]
struct VerifyHtml<'a> {
    name: Option<&'a str>,
    email: &'a str,
    link: &'a str,
    hours: u64,
}

#[derive(Template)]
#[template(path = "mail/already_registered.txt")]
struct AlreadyText<'a> {
    email: &'a str,
}

#[derive(Template)]
#[template(path = "mail/already_registered.html")]
struct AlreadyHtml<'a> {
    email: &'a str,
}

/// The email verification mail with its single-use link.
pub fn verify_email(
    ui: &LoginUi,
    to: &str,
    name: Option<&str>,
    token: &str,
) -> Result<Message, askama::Error> {
    let link = format!("{}/verify-email?token={token}", ui.settings.issuer);
    let hours = ui
        .settings
        .registration
        .verification_ttl
        .as_secs()
        .div_ceil(3600);
    Ok(Message {
        kind: "verify_email",
        to: to.to_owned(),
        subject: "Confirm your email address".into(),
        text: VerifyText {
            name,
            email: to,
            link: &link,
            hours,
        }
        .render()?,
        html: VerifyHtml {
            name,
            email: to,
            link: &link,
            hours,
        }
        .render()?,
    })
}

/// Tells the owner of an address that someone tried to register it again.
pub fn already_registered(to: &str) -> Result<Message, askama::Error> {
    Ok(Message {
        kind: "already_registered",
        to: to.to_owned(),
        subject: "Someone tried to create an account with your address".into(),
        text: AlreadyText { email: to }.render()?,
        html: AlreadyHtml { email: to }.render()?,
    })
}

/// Queues `message` and wakes the mail worker; a failure is logged, never shown.
pub async fn send(ui: &LoginUi, message: Result<Message, askama::Error>) {
    let queued = match message {
        Ok(m) => ui.outbox.enqueue(m).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match queued {
        Ok(_) => ui.mail_waker.notify_one(),
        Err(e) => tracing::error!(error = %e, "cannot queue a mail"),
    }
}
