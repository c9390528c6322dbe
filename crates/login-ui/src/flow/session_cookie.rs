//! The browser-session cookie: set when a sign-in completes, removed when the session ends.

use actix_web::cookie::{Cookie, SameSite};
use domain::sessions::COOKIE_NAME;

use crate::LoginUi;

/// The browser-session cookie carrying `secret`.
pub(crate) fn session_cookie(ui: &LoginUi, secret: String) -> Cookie<'static> {
    Cookie::build(COOKIE_NAME, secret)
        .path("/")
        .http_only(true)
        .secure(ui.settings.secure_cookies)
        .same_site(SameSite::Lax)
        .finish()
}

/// A cookie that removes the session cookie.
pub(crate) fn removed_session_cookie(ui: &LoginUi) -> Cookie<'static> {
    let mut c = Cookie::build(COOKIE_NAME, "")
        .path("/")
        .http_only(true)
        .secure(ui.settings.secure_cookies)
        .finish();
    c.make_removal();
    c
}
