//! CSRF protection of the forms (the signed double-submit pattern, OWASP), bound to the
//! browser session when there is one.
//!
//! - On the pages of a signed-in browser (the account pages, consent) the token is the keyed
//!   hash of its session cookie: an attacker who
//!   plants a CSRF cookie (from a sibling subdomain, or over plain http) still cannot know
//!   the token of the victim's session, whose cookie is random and `HttpOnly`.
//! - On the sign-in flow's pages, the token is the keyed hash of a random cookie (`SameSite=Strict`,
//!   `HttpOnly`) that the server chose; on an https issuer that cookie is `__Host-` prefixed,
//!   so no subdomain and no http page can set it.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse};
use domain::sessions::COOKIE_NAME as SESSION_COOKIE;

use crate::LoginUi;

/// The CSRF cookie's name on an http (loopback) issuer.
pub const COOKIE: &str = "gatehouse_csrf";
/// The CSRF cookie's name on an https issuer: `__Host-` keeps it host-only, `Secure` and on
/// `/`, so that it cannot be planted from another subdomain or over http.
pub const HOST_COOKIE: &str = "__Host-gatehouse_csrf";
const PURPOSE: &str = "csrf";
const SESSION_PURPOSE: &str = "csrf-session";

/// The cookie name this server uses.
fn cookie_name(ui: &LoginUi) -> &'static str {
    if ui.settings.secure_cookies {
        HOST_COOKIE
    } else {
        COOKIE
    }
}

/// The browser session cookie's value, when the browser sends one.
fn session(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// The token for the hidden field of a sign-in flow page (before a session exists), and the
/// cookie to set when the browser has none yet.
pub fn issue(ui: &LoginUi, req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    if let Some(c) = req
        .cookie(cookie_name(ui))
        .filter(|c| (20..=64).contains(&c.value().len()))
    {
        return (ui.secrets.keyed_hash(PURPOSE, c.value()), None);
    }
    let value = domain::random::token::<24>();
    let token = ui.secrets.keyed_hash(PURPOSE, &value);
    let cookie = Cookie::build(cookie_name(ui), value)
        .path("/")
        .http_only(true)
        .secure(ui.settings.secure_cookies)
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

/// Whether the submitted field of a sign-in flow form matches the browser's CSRF cookie
/// (constant-time).
pub fn verify(ui: &LoginUi, req: &HttpRequest, field: &str) -> bool {
    req.cookie(cookie_name(ui))
        .is_some_and(|c| ui.secrets.verify_keyed_hash(PURPOSE, c.value(), field))
}

/// The token for a page of a signed-in browser (account pages, consent): bound to its
/// session cookie. Without a session cookie, as [`issue`].
pub fn issue_signed_in(ui: &LoginUi, req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    match session(req) {
        Some(secret) => (ui.secrets.keyed_hash(SESSION_PURPOSE, &secret), None),
        None => issue(ui, req),
    }
}

/// Whether the submitted field of a signed-in form matches the browser's session (a token
/// made from a CSRF cookie does not pass while a session cookie is sent); constant-time.
pub fn verify_signed_in(ui: &LoginUi, req: &HttpRequest, field: &str) -> bool {
    match session(req) {
        Some(secret) => ui
            .secrets
            .verify_keyed_hash(SESSION_PURPOSE, &secret, field),
        None => verify(ui, req, field),
    }
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
