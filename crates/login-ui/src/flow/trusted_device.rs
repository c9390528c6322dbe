//! "Don't ask again on this browser": after the second factor, a browser may be trusted for
//! some days, so that sign-in there asks for the password only. The cookie holds a random
//! token stored hashed (revocable from the account page, and by a password change or reset).

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use domain::users::{NewToken, Purpose};

use crate::LoginUi;

/// The trusted-browser cookie.
pub const COOKIE: &str = "gatehouse_device";

/// Whether this browser is trusted by `user_id`.
pub async fn trusted(ui: &LoginUi, req: &HttpRequest, user_id: &str) -> bool {
    if ui.settings.trusted_device_days == 0 {
        return false;
    }
    let Some(cookie) = req.cookie(COOKIE) else {
        return false;
    };
    match ui.tokens.peek(Purpose::TrustedDevice, cookie.value()).await {
        Ok(Some(row)) => row.user_id.as_deref() == Some(user_id),
        Ok(None) => false,
        Err(e) => {
            tracing::error!(error = %e, "cannot check a trusted browser");
            false
        }
    }
}

/// Trusts this browser for `user_id`: the cookie to set.
pub async fn trust(ui: &LoginUi, user_id: &str, email: &str) -> Option<Cookie<'static>> {
    let days = ui.settings.trusted_device_days;
    let ttl = std::time::Duration::from_secs(u64::from(days) * 86_400);
    let issued = ui
        .tokens
        .issue_new(NewToken {
            purpose: Purpose::TrustedDevice,
            user_id: Some(user_id),
            email,
            data: None,
            ttl,
        })
        .await;
    match issued {
        Ok(token) => Some(
            Cookie::build(COOKIE, token)
                .path("/login")
                .http_only(true)
                .secure(ui.settings.secure_cookies)
                .same_site(SameSite::Lax)
                .max_age(actix_web::cookie::time::Duration::days(i64::from(days)))
                .finish(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "cannot trust a browser");
            None
        }
    }
}

/// Forgets every trusted browser of the user.
pub async fn forget_all(ui: &LoginUi, user_id: &str) {
    if let Err(e) = ui
        .tokens
        .revoke_for_user(Purpose::TrustedDevice, user_id)
        .await
    {
        tracing::error!(error = %e, "cannot forget trusted browsers");
    }
}
