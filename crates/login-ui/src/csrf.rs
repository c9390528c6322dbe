//! CSRF protection of the forms: a random cookie (SameSite=Strict, HttpOnly) and a hidden
//! field holding its keyed hash (the signed double-submit pattern, OWASP).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse};

use crate::LoginUi;

/// The CSRF cookie's name.
pub const COOKIE: &str = "gatehouse_csrf";
const PURPOSE: &str = "csrf";

/// The token for the hidden field, and the cookie to set when the browser has none yet.
pub fn issue(ui: &LoginUi, req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    if let Some(c) = req
        .cookie(COOKIE)
        .filter(|c| (20..=64).contains(&c.value().len()))
    {
        return (ui.secrets.keyed_hash(PURPOSE, c.value()), None);
    }
    let value = domain::random::token::<24>();
    let token = ui.secrets.keyed_hash(PURPOSE, &value);
    let cookie = Cookie::build(COOKIE, value)
        .path("/")
        .http_only(true)
        .secure(ui.settings.secure_cookies)
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

/// Whether the submitted field matches the browser's cookie (constant-time).
pub fn verify(ui: &LoginUi, req: &HttpRequest, field: &str) -> bool {
    req.cookie(COOKIE)
        .is_some_and(|c| ui.secrets.verify_keyed_hash(PURPOSE, c.value(), field))
}

/// Adds the cookie, if one was issued, to a response.
pub fn attach(mut res: HttpResponse, cookie: Option<Cookie<'static>>) -> HttpResponse {
    if let Some(c) = cookie
        && let Err(e) = res.add_cookie(&c)
    {
        tracing::warn!(error = %e, "cannot set the CSRF cookie");
    }
    res
}
