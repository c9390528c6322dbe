//! The account console (`/account/...`): profile, email, password, two-step verification,
//! passkeys, linked sign-ins, connected apps, sessions, "your data" and "delete my account",
//! one page per section. Every action needs the browser session.

pub mod apps;
mod checks;
pub mod console;
pub mod data;
mod dates;
pub mod email;
pub mod linked;
pub mod mfa;
pub mod passkeys;
pub mod password;
pub mod phone;
pub mod profile;
mod profile_form;
pub mod sessions;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use domain::audit::AuditEvent;
use serde::Deserialize;

use crate::LoginUi;
use crate::flow::session_cookie::removed_session_cookie;
use crate::flow::signed_in::require;
pub(crate) use crate::flow::signed_in::{SignedIn, SignedInForm};
use crate::web::audit::record;
use crate::web::csrf;
use crate::web::csrf_form::has_csrf;
use crate::web::errors::{PageError, PageResult};
use crate::web::render::{Next, end_page};
use console::{Problems, Section, Typed, View, back, render_section};

/// The signed-in account for a form whose CSRF token is `csrf`, or the error that refuses
/// it (sign in first, or the form expired): for the JSON endpoints, which answer their own
/// way; pages take [`SignedInForm`].
pub(crate) async fn require_form(
    ui: &LoginUi,
    req: &HttpRequest,
    csrf: &str,
) -> Result<SignedIn, PageError> {
    let me = require(ui, req).await?;
    if !csrf::verify_signed_in(ui, req, csrf) {
        return Err(PageError::FormExpired);
    }
    Ok(me)
}

/// The tail of every account action that worked: audit `event`, then back to the section
/// with the `done` message (see [`console::back`]).
pub(crate) async fn done(
    ui: &LoginUi,
    req: &HttpRequest,
    event: AuditEvent,
    done: &str,
) -> PageResult {
    record(ui, req, event).await;
    Ok(back(done))
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

/// What a password re-entered on an account page gave.
pub(crate) enum Reentered {
    /// The password is right.
    Right,
    /// The password is wrong (counted).
    Wrong,
    /// Answer with this instead: wrong too often (the session ended; the page says so), or
    /// an account without a password whose sign-in is not recent (sign in again first).
    Respond(HttpResponse),
}

/// How recent a sign-in stands in for the password of an account that has none.
const RECENT_SIGN_IN: time::Duration = time::Duration::minutes(10);

/// Checks a password re-entered on an account page. A wrong one counts towards the
/// account's lock (like a failed sign-in), and the `max_password_reentries`-th wrong one in
/// a browser session ends that session. A locked account's password is refused. An account
/// without a password (made through an upstream) confirms by a sign-in of the last
/// [`RECENT_SIGN_IN`]; an older one is sent to sign in again, then back to `section`.
pub(crate) async fn reenter(
    ui: &LoginUi,
    req: &HttpRequest,
    me: &SignedIn,
    password: &str,
    (action, section): (&str, &str),
) -> Result<Reentered, PageError> {
    if !ui.users.has_password(&me.user.id).await? {
        if time::OffsetDateTime::now_utc() - me.session.auth_time <= RECENT_SIGN_IN {
            return Ok(Reentered::Right);
        }
        let event = AuditEvent::failure("reauthentication.required", "sign-in not recent")
            .subject(me.user.id.clone())
            .data(serde_json::json!({ "action": action }));
        record(ui, req, event).await;
        let next = format!("/account/{section}");
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("next", &next)
            .finish();
        return Ok(Reentered::Respond(
            HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, format!("/login?{query}")))
                .finish(),
        ));
    }
    if ui.users.check_password(&me.user.id, password).await? {
        return Ok(Reentered::Right);
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
        return Ok(Reentered::Wrong);
    }
    ui.sessions.end(&me.session.id).await?;
    let mut event = AuditEvent::failure("logout", "too many wrong passwords re-entered")
        .subject(me.user.id.clone());
    event.session_id = Some(me.session.id.clone());
    record(ui, req, event).await;
    let mut res = end_page(
        StatusCode::UNAUTHORIZED,
        &crate::t("account-reentry-signed-out-title"),
        &crate::t("account-reentry-signed-out"),
        &Next {
            href: "/login?next=/account".into(),
            label: crate::t("logged-out-sign-in-again"),
        },
    );
    if let Err(e) = res.add_cookie(&removed_session_cookie(ui)) {
        tracing::warn!(error = %e, "cannot clear the session cookie");
    }
    Ok(Reentered::Respond(res))
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
pub struct ButtonForm {
    #[serde(default)]
    csrf: String,
}

has_csrf!(ItemForm, ButtonForm);
