//! The account console (`/account/...`): profile, email, password, two-step verification,
//! passkeys, linked sign-ins, connected apps, sessions, "your data" and "delete my account",
//! one page per section. Every action needs the browser session.

pub mod apps;
mod checks;
pub mod console;
pub mod data;
mod dates;
pub mod email;
pub mod mfa;
pub mod passkeys;
pub mod password;
pub mod phone;
pub mod profile;
mod profile_form;
pub mod sessions;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use domain::audit::AuditEvent;
use domain::entities::{browser_session, user};
use domain::sessions::COOKIE_NAME;
use serde::Deserialize;

use crate::LoginUi;
use crate::flow::session_cookie::removed_session_cookie;
use crate::web::audit::record;
use crate::web::csrf;
use crate::web::errors::{expired_form, server_error};
use crate::web::render::notice;
use console::{Problems, Section, Typed, View, render_section};

/// The signed-in browser: its session and account.
pub(crate) struct SignedIn {
    pub(crate) session: browser_session::Model,
    pub(crate) user: user::Model,
}

/// The signed-in account, or the response that sends the browser to sign in.
pub(crate) async fn require(ui: &LoginUi, req: &HttpRequest) -> Result<SignedIn, HttpResponse> {
    match signed_in(ui, req).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(to_sign_in()),
        Err(e) => Err(server_error(&e)),
    }
}

/// The signed-in account for a form whose CSRF token is `csrf`, or the response that
/// refuses it (sign in first, or the form expired).
pub(crate) async fn require_form(
    ui: &LoginUi,
    req: &HttpRequest,
    csrf: &str,
) -> Result<SignedIn, HttpResponse> {
    let me = require(ui, req).await?;
    if !csrf::verify_signed_in(ui, req, csrf) {
        return Err(expired_form());
    }
    Ok(me)
}

/// A section shown again with one problem: `section` names the section, or the field
/// whose problem it is (`phone`, `mfa`, `mfa_password`, `sms_password`, `passkeys`).
pub(crate) async fn page_with_error(
    ui: &LoginUi,
    req: &HttpRequest,
    me: &SignedIn,
    section: &str,
    error: &str,
) -> HttpResponse {
    let (section, field) = match section {
        "phone" => (Section::Profile, "phone_number"),
        "passkeys" => (Section::Passkeys, "passkey_name"),
        "mfa_password" => (Section::TwoStep, "mfa_password"),
        "sms_password" => (Section::TwoStep, "sms_password"),
        "mfa" => (Section::TwoStep, ""),
        _ => (Section::Profile, ""),
    };
    let problems = if field.is_empty() {
        Problems::general(error)
    } else {
        Problems::of(field, error)
    };
    refuse(ui, req, me, section, problems, Typed::default()).await
}

/// `section` shown again after a refused form: every problem, and what was typed.
pub(crate) async fn refuse(
    ui: &LoginUi,
    req: &HttpRequest,
    me: &SignedIn,
    section: Section,
    problems: Problems,
    typed: Typed,
) -> HttpResponse {
    render_section(ui, req, me, View::refused(section, problems, typed)).await
}

/// The live session and account behind the session cookie, if any.
pub(crate) async fn signed_in(
    ui: &LoginUi,
    req: &HttpRequest,
) -> Result<Option<SignedIn>, domain::Error> {
    let Some(cookie) = req.cookie(COOKIE_NAME) else {
        return Ok(None);
    };
    let Some(session) = ui.sessions.find_live(cookie.value()).await? else {
        return Ok(None);
    };
    Ok(ui
        .users
        .find(&session.user_id)
        .await?
        .map(|user| SignedIn { session, user }))
}

/// Checks a password re-entered on an account page: `Ok(true)` when right. A wrong one
/// counts towards the account's lock (like a failed sign-in), and the
/// `max_password_reentries`-th wrong one in a browser session ends that session: then `Err`
/// carries the answer (as it does a server error). A locked account's password is refused.
pub(crate) async fn reenter(
    ui: &LoginUi,
    req: &HttpRequest,
    me: &SignedIn,
    password: &str,
    action: &str,
) -> Result<bool, HttpResponse> {
    match ui.users.check_password(&me.user.id, password).await {
        Ok(true) => return Ok(true),
        Ok(false) => {}
        Err(e) => return Err(server_error(&e)),
    }
    let event = AuditEvent::failure("password.reentry_failed", "wrong password")
        .subject(me.user.id.clone())
        .data(serde_json::json!({ "action": action }));
    record(ui, req, event).await;
    match ui
        .users
        .record_failed_password(&me.user.id, ui.settings.lockout)
        .await
    {
        Ok(true) => {
            let event = AuditEvent::failure("user.locked", "too many wrong passwords")
                .subject(me.user.id.clone());
            record(ui, req, event).await;
        }
        Ok(false) => {}
        Err(e) => tracing::error!(error = %e, "cannot count a wrong password"),
    }
    // Counted per session in the cache; should the cache fail, the account's lock (in the
    // database) still bounds the guessing.
    let key = format!("password-reentries:{}", me.session.id);
    let lifetime = ui.sessions.policy().lifetime(true);
    let wrong = match ui.cache.incr(&key, lifetime).await {
        Ok(n) => n,
        Err(e) => {
            tracing::error!(error = %e, "cannot count a wrong re-entered password");
            0
        }
    };
    if wrong < i64::from(ui.settings.max_password_reentries) {
        return Ok(false);
    }
    if let Err(e) = ui.sessions.end(&me.session.id).await {
        return Err(server_error(&e));
    }
    let mut event = AuditEvent::failure("logout", "too many wrong passwords re-entered")
        .subject(me.user.id.clone());
    event.session_id = Some(me.session.id.clone());
    record(ui, req, event).await;
    let mut res = notice(
        StatusCode::UNAUTHORIZED,
        "You are signed out",
        "The password was entered wrongly too many times. Sign in again to continue.",
    );
    if let Err(e) = res.add_cookie(&removed_session_cookie(ui)) {
        tracing::warn!(error = %e, "cannot clear the session cookie");
    }
    Err(res)
}

fn to_sign_in() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login?next=/account"))
        .finish()
}

/// A form naming one item (an app, a session).
#[derive(Debug, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    session_id: String,
}

/// A form with only the CSRF field.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

impl CsrfForm {
    /// The submitted CSRF token.
    pub(crate) fn csrf(&self) -> &str {
        &self.csrf
    }
}
