//! The mails Gatehouse sends, rendered from `web/templates/mail/` (a plain-text and an HTML
//! part each) and queued in the outbox: a request never waits on SMTP.
//!
//! The builders take plain values, not the page state, so that the command line (which
//! sends invitations) renders the same mails. A mail is written in the current language
//! ([`crate::i18n::Lang::current`]): the page's, or the recipient's saved language when the
//! caller renders it inside [`crate::i18n::Lang::scope`] of [`crate::i18n::Lang::for_user`].

use askama::Template;
use domain::mail::Message;

use crate::LoginUi;

/// The values a mail template may use; each template uses some of them.
#[derive(Debug, Default)]
struct Fields {
    name: Option<String>,
    email: String,
    link: String,
    minutes: u64,
    hours: u64,
    days: u64,
    count: u64,
    code: String,
    how: String,
    new_email: String,
    site: String,
    when: String,
    device: String,
    ip: String,
}

/// Declares the text and HTML template of each mail kind over [`Fields`].
macro_rules! mail_templates {
    ($($text:ident = $text_path:tt, $html:ident = $html_path:tt;)*) => {$(
        #[derive(Template)]
        #[template(path = $text_path)]
        struct $text<'a> {
            m: &'a Fields,
        }

        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            m: &'a Fields,
        }
    )*};
}

mail_templates! {
    VerifyText = "mail/verify_email.txt", VerifyHtml = "mail/verify_email.html";
    AlreadyText = "mail/already_registered.txt", AlreadyHtml = "mail/already_registered.html";
    ResetText = "mail/reset_password.txt", ResetHtml = "mail/reset_password.html";
    ChangedText = "mail/password_changed.txt", ChangedHtml = "mail/password_changed.html";
    ChangeEmailText = "mail/change_email.txt", ChangeEmailHtml = "mail/change_email.html";
    EmailChangedText = "mail/email_changed.txt", EmailChangedHtml = "mail/email_changed.html";
    InvitationText = "mail/invitation.txt", InvitationHtml = "mail/invitation.html";
    DeletedText = "mail/account_deleted.txt", DeletedHtml = "mail/account_deleted.html";
    NewSignInText = "mail/new_sign_in.txt", NewSignInHtml = "mail/new_sign_in.html";
    RecoveryText = "mail/recovery_code_used.txt", RecoveryHtml = "mail/recovery_code_used.html";
    EmailSignInText = "mail/email_sign_in.txt", EmailSignInHtml = "mail/email_sign_in.html";
    CodesLockedText = "mail/codes_locked.txt", CodesLockedHtml = "mail/codes_locked.html";
}

/// A rendered mail, or why it could not be rendered.
pub type Rendered = Result<Message, askama::Error>;

fn message(
    kind: &'static str,
    to: &str,
    subject: String,
    text: impl Template,
    html: impl Template,
) -> Rendered {
    Ok(Message {
        kind,
        to: to.to_owned(),
        subject,
        text: text.render()?,
        html: html.render()?,
    })
}

fn hours(ttl: std::time::Duration) -> u64 {
    ttl.as_secs().div_ceil(3600)
}

/// The email verification mail with its single-use link. The address is not proven yet, so
/// the mail quotes nothing the registrant chose (no name: it could say anything).
pub fn verify_email(issuer: &str, to: &str, token: &str, ttl: std::time::Duration) -> Rendered {
    let m = Fields {
        email: to.to_owned(),
        link: format!("{issuer}/verify-email?token={token}"),
        hours: hours(ttl),
        ..Fields::default()
    };
    let subject = crate::t("mail-verify-subject");
    message(
        "verify_email",
        to,
        subject,
        VerifyText { m: &m },
        VerifyHtml { m: &m },
    )
}

/// Tells the owner of an address that someone tried to register it again.
pub fn already_registered(to: &str) -> Rendered {
    let m = Fields {
        email: to.to_owned(),
        ..Fields::default()
    };
    let subject = crate::t("mail-already-subject");
    message(
        "already_registered",
        to,
        subject,
        AlreadyText { m: &m },
        AlreadyHtml { m: &m },
    )
}

/// The password reset mail with its single-use link.
pub fn reset_password(
    issuer: &str,
    to: &str,
    name: Option<&str>,
    token: &str,
    ttl: std::time::Duration,
) -> Rendered {
    let m = Fields {
        name: name.map(str::to_owned),
        email: to.to_owned(),
        link: format!("{issuer}/reset-password?token={token}"),
        minutes: ttl.as_secs().div_ceil(60),
        ..Fields::default()
    };
    let subject = crate::t("mail-reset-subject");
    message(
        "reset_password",
        to,
        subject,
        ResetText { m: &m },
        ResetHtml { m: &m },
    )
}

/// Tells the user their password changed; `how` is "changed" or "reset".
pub fn password_changed(to: &str, name: Option<&str>, how: &str) -> Rendered {
    let m = Fields {
        name: name.map(str::to_owned),
        email: to.to_owned(),
        how: how.to_owned(),
        ..Fields::default()
    };
    let subject = crate::t("mail-password-changed-subject");
    message(
        "password_changed",
        to,
        subject,
        ChangedText { m: &m },
        ChangedHtml { m: &m },
    )
}

/// Asks the owner of a new address to confirm it for their account. The address is not
/// proven yet, so the mail quotes nothing the account holder chose (no name).
pub fn change_email(issuer: &str, to: &str, token: &str, ttl: std::time::Duration) -> Rendered {
    let m = Fields {
        email: to.to_owned(),
        link: format!("{issuer}/account/email/confirm?token={token}"),
        hours: hours(ttl),
        ..Fields::default()
    };
    let subject = crate::t("mail-change-email-subject");
    message(
        "change_email",
        to,
        subject,
        ChangeEmailText { m: &m },
        ChangeEmailHtml { m: &m },
    )
}

/// Tells the old address that the account moved to `new_email`.
pub fn email_changed(to: &str, name: Option<&str>, new_email: &str) -> Rendered {
    let m = Fields {
        name: name.map(str::to_owned),
        email: to.to_owned(),
        new_email: new_email.to_owned(),
        ..Fields::default()
    };
    let subject = crate::t("mail-email-changed-subject");
    message(
        "email_changed",
        to,
        subject,
        EmailChangedText { m: &m },
        EmailChangedHtml { m: &m },
    )
}

/// The invitation with its single-use link.
pub fn invitation(issuer: &str, to: &str, token: &str, ttl: std::time::Duration) -> Rendered {
    let site = url::Url::parse(issuer)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| issuer.to_owned());
    let m = Fields {
        email: to.to_owned(),
        link: format!("{issuer}/invitation?token={token}"),
        days: ttl.as_secs().div_ceil(86_400),
        site,
        ..Fields::default()
    };
    let subject = crate::t("mail-invitation-subject");
    message(
        "invitation",
        to,
        subject,
        InvitationText { m: &m },
        InvitationHtml { m: &m },
    )
}

/// Confirms to the (former) owner that the account was deleted.
pub fn account_deleted(to: &str, name: Option<&str>) -> Rendered {
    let m = Fields {
        name: name.map(str::to_owned),
        email: to.to_owned(),
        ..Fields::default()
    };
    let subject = crate::t("mail-deleted-subject");
    message(
        "account_deleted",
        to,
        subject,
        DeletedText { m: &m },
        DeletedHtml { m: &m },
    )
}

/// Where and when an unfamiliar sign-in happened, for [`new_sign_in`].
#[derive(Debug, Clone)]
pub struct SignInSeen<'a> {
    /// When, as the user should read it.
    pub when: &'a str,
    /// Browser and operating system.
    pub device: &'a str,
    /// The client's IP address.
    pub ip: &'a str,
}

/// Alerts the user to a sign-in from a browser or device not seen before.
pub fn new_sign_in(to: &str, name: Option<&str>, seen: &SignInSeen<'_>) -> Rendered {
    let m = Fields {
        name: name.map(str::to_owned),
        email: to.to_owned(),
        when: seen.when.to_owned(),
        device: seen.device.to_owned(),
        ip: seen.ip.to_owned(),
        ..Fields::default()
    };
    let subject = crate::t("mail-new-sign-in-subject");
    message(
        "new_sign_in",
        to,
        subject,
        NewSignInText { m: &m },
        NewSignInHtml { m: &m },
    )
}

/// Tells the user a recovery code was used, and how many are left.
pub fn recovery_code_used(to: &str, name: Option<&str>, left: u64) -> Rendered {
    let m = Fields {
        name: name.map(str::to_owned),
        email: to.to_owned(),
        count: left,
        ..Fields::default()
    };
    let subject = crate::t("mail-recovery-used-subject");
    message(
        "recovery_code_used",
        to,
        subject,
        RecoveryText { m: &m },
        RecoveryHtml { m: &m },
    )
}

/// Tells the user too many wrong codes locked the account, for `minutes`.
pub fn codes_locked(to: &str, name: Option<&str>, minutes: u64) -> Rendered {
    let m = Fields {
        name: name.map(str::to_owned),
        email: to.to_owned(),
        count: minutes,
        ..Fields::default()
    };
    let subject = crate::t("mail-codes-locked-subject");
    message(
        "codes_locked",
        to,
        subject,
        CodesLockedText { m: &m },
        CodesLockedHtml { m: &m },
    )
}

/// A sign-in code and link.
pub fn email_sign_in(
    to: &str,
    name: Option<&str>,
    code: &str,
    link: &str,
    ttl: std::time::Duration,
) -> Rendered {
    let m = Fields {
        name: name.map(str::to_owned),
        email: to.to_owned(),
        code: code.to_owned(),
        link: link.to_owned(),
        minutes: ttl.as_secs().div_ceil(60),
        ..Fields::default()
    };
    // The code stays in the encrypted body: subjects are stored in clear and show on lock
    // screens.
    let subject = crate::t("mail-email-sign-in-subject");
    message(
        "email_sign_in",
        to,
        subject,
        EmailSignInText { m: &m },
        EmailSignInHtml { m: &m },
    )
}

/// Queues `message` and wakes the mail worker; a failure is logged, never shown.
pub async fn send(ui: &LoginUi, message: Rendered) {
    let queued = match message {
        Ok(m) => ui
            .outbox
            .enqueue(ui.settings.branding.sign(&ui.settings.issuer, m))
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match queued {
        Ok(_) => ui.mail_waker.notify_one(),
        Err(e) => tracing::error!(error = %e, "cannot queue a mail"),
    }
}

/// Tells the owner of `email` that someone tried to register it, at most once per
/// `recovery.cooldown` per address: anyone can trigger it, so it must not become a way to
/// flood a mailbox.
pub(crate) async fn already_registered_once(ui: &LoginUi, email: &str) {
    let key = format!(
        "already-registered:{}",
        ui.secrets.keyed_hash("already-registered", email)
    );
    match ui
        .cache
        .set_if_absent(&key, b"1", ui.settings.recovery.cooldown)
        .await
    {
        Ok(true) => send(ui, already_registered(email)).await,
        Ok(false) => {}
        // Unknown: better one mail too few than a flood.
        Err(e) => tracing::error!(error = %e, "cannot check the already-registered cooldown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_mails() -> Vec<Rendered> {
        let ttl = std::time::Duration::from_secs(1800);
        let name = Some("<b>Eve</b>");
        let seen = SignInSeen {
            when: "now",
            device: "Firefox on Linux",
            ip: "203.0.113.1",
        };
        vec![
            verify_email("https://id.example", "a@example.com", "tok", ttl),
            already_registered("a@example.com"),
            reset_password("https://id.example", "a@example.com", name, "tok", ttl),
            password_changed("a@example.com", name, "reset"),
            password_changed("a@example.com", name, "changed"),
            change_email("https://id.example", "a@example.com", "tok", ttl),
            email_changed("a@example.com", name, "b@example.com"),
            invitation("https://id.example", "a@example.com", "tok", ttl),
            account_deleted("a@example.com", name),
            new_sign_in("a@example.com", name, &seen),
            recovery_code_used("a@example.com", name, 9),
            codes_locked("a@example.com", name, 15),
            email_sign_in("a@example.com", name, "123456", "https://id.example/x", ttl),
        ]
    }

    #[test]
    fn every_mail_is_written_in_the_current_language_without_raw_keys() {
        use crate::i18n::Lang;
        let english: Vec<_> = Lang::En.scope(all_mails);
        for lang in Lang::ALL {
            let mails = lang.scope(all_mails);
            for (m, en) in mails.into_iter().zip(&english) {
                let m = m.unwrap();
                let en = en.as_ref().unwrap();
                let kind = format!("{lang} {}", m.kind);
                assert!(
                    m.html.contains(&format!("<html lang=\"{lang}\">")),
                    "{kind}"
                );
                for part in [&m.subject, &m.text, &m.html] {
                    assert!(!part.contains("mail-"), "{kind} shows a raw key: {part}");
                    assert!(
                        !part.contains('{'),
                        "{kind} has an unfilled argument: {part}"
                    );
                }
                assert!(m.text.contains("a@example.com"), "{kind}");
                if lang != Lang::En {
                    assert_ne!(m.subject, en.subject, "{kind} subject is translated");
                    assert_ne!(m.text, en.text, "{kind} body is translated");
                }
            }
        }
        let german = Lang::De
            .scope(|| {
                reset_password(
                    "https://id.example",
                    "a@example.com",
                    None,
                    "tok",
                    std::time::Duration::from_secs(60),
                )
            })
            .unwrap();
        assert_eq!(german.subject, "Setzen Sie Ihr Passwort zurück");
        assert!(german.text.starts_with("Guten Tag,"), "{}", german.text);
        assert!(german.text.contains("in 1 Minute ab"), "{}", german.text);
    }

    #[test]
    fn every_mail_renders_both_parts_and_escapes_html() {
        let ttl = std::time::Duration::from_secs(1800);
        let name = Some("<b>Eve</b>");
        let seen = SignInSeen {
            when: "now",
            device: "Firefox on Linux",
            ip: "203.0.113.1",
        };
        let all = [
            verify_email("https://id.example", "a@example.com", "tok", ttl),
            already_registered("a@example.com"),
            reset_password("https://id.example", "a@example.com", name, "tok", ttl),
            password_changed("a@example.com", name, "reset"),
            change_email("https://id.example", "a@example.com", "tok", ttl),
            email_changed("a@example.com", name, "b@example.com"),
            invitation("https://id.example", "a@example.com", "tok", ttl),
            account_deleted("a@example.com", name),
            new_sign_in("a@example.com", name, &seen),
            recovery_code_used("a@example.com", name, 9),
            email_sign_in("a@example.com", name, "123456", "https://id.example/x", ttl),
        ];
        for m in all {
            let m = m.unwrap();
            assert!(m.text.contains("a@example.com"), "{}", m.kind);
            assert!(!m.html.contains("<b>Eve"), "{} escapes names", m.kind);
            assert!(m.html.starts_with("<!doctype html>"), "{}", m.kind);
        }
    }
}
