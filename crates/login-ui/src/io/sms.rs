//! Text messages: the pages hand them to a sender the binary provides (an HTTP API or, for
//! development, files), in the background so that a request never waits on the provider.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use domain::entities::user;
use domain::signin_rules::issue_sms_code;
use domain::users::Purpose;

use crate::LoginUi;

/// What sending one message returns.
pub type SmsFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// Something that delivers text messages.
pub trait SmsSender: Send + Sync + std::fmt::Debug {
    /// Sends `text` to the E.164 number `to`.
    fn send(&self, to: &str, text: &str) -> SmsFuture;
}

/// The configured sender, if any.
pub type Sms = Option<Arc<dyn SmsSender>>;

/// Sends in the background; a failure is logged (the user asks for a new code).
pub fn send(ui: &LoginUi, to: &str, text: String) {
    let Some(sender) = ui.sms.clone() else {
        tracing::warn!("a text message was asked for, but sms.transport is none");
        return;
    };
    let to = to.to_owned();
    tokio::spawn(async move {
        let outcome = match sender.send(&to, &text).await {
            Ok(()) => "sent",
            Err(e) => {
                tracing::error!(error = %e, "cannot send a text message");
                "failed"
            }
        };
        metrics::counter!("gatehouse_sms_total", "outcome" => outcome).increment(1);
    });
}

/// A phone number reduced to E.164 (`+` and digits), or `None` when it is not one.
pub fn e164(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (phone.trim_start().starts_with('+') && (8..=15).contains(&digits.len()))
        .then(|| format!("+{digits}"))
}

/// Texts a 6-digit code for `purpose` to `phone`, at most one per minute
/// ([`domain::signin_rules::SMS_COOLDOWN`]).
pub(crate) async fn text_code(
    ui: &LoginUi,
    user: &user::Model,
    phone: &str,
    purpose: Purpose,
) -> Result<(), domain::Error> {
    // The domain keeps the cooldown (one code a minute) and stores the code hashed.
    let Some(code) = issue_sms_code(&ui.tokens, user, phone, purpose).await? else {
        return Ok(());
    };
    let site = url::Url::parse(&ui.settings.issuer)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    send(
        ui,
        phone,
        format!("{code} is your {site} code. It expires in 10 minutes. Do not share it."),
    );
    Ok(())
}
