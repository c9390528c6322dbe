//! The account console (`/account/...`): profile, email, password, two-step verification,
//! passkeys, linked sign-ins, connected apps, sessions, "your data" and "delete my account",
//! one page per section. Every action needs the browser session.

mod checks;
pub mod console;
mod dates;
mod profile_form;

use actix_web::cookie::Cookie;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::entities::{browser_session, user};
use domain::sessions::COOKIE_NAME;
use domain::users::{Purpose, normalize_email};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;

use crate::csp::Csp;
use crate::login::{expired_form, record, server_error};
use crate::render::{self, notice};
use crate::{LoginUi, csrf, mail};
use console::{Problems, Section, Typed, View, back, render_section};

#[derive(Template)]
#[template(path = "confirm_email_change.html")]
struct ConfirmEmailPage<'a> {
    csrf: &'a str,
    token: &'a str,
    email: &'a str,
}

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

/// The profile form.
#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    picture: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    zoneinfo: String,
    #[serde(default)]
    phone_number: String,
}

/// `POST /account/profile`
pub async fn save_profile(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<ProfileForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    let mut profile = match profile_form::check(&form) {
        Ok(p) => p,
        Err(problems) => {
            let typed = profile_form::typed(&form);
            return refuse(&ui, &req, &me, Section::Profile, problems, typed).await;
        }
    };
    if profile.phone_number.as_deref() != me.user.phone_number.as_deref().or(Some("")) {
        // A new number is not verified.
        profile.phone_number_verified = Some(false);
    }
    if let Err(e) = ui.users.update_profile(&me.user.id, profile).await {
        return server_error(&e);
    }
    record(
        &ui,
        &req,
        AuditEvent::success("user.profile_updated").subject(me.user.id),
    )
    .await;
    back("profile")
}

/// The password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// Ends every session of the user except `keep`.
async fn end_other_sessions(ui: &LoginUi, me: &SignedIn) -> Result<(), domain::Error> {
    for s in ui.sessions.live_of_user(&me.user.id).await? {
        if s.id != me.session.id {
            ui.sessions.end(&s.id).await?;
        }
    }
    Ok(())
}

/// `POST /account/password`
pub async fn change_password(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    // Both fields are checked, so that every problem shows at once.
    let mut problems = Problems::default();
    let context = [me.user.email.as_str()];
    if let Err(e) = ui
        .settings
        .password_policy
        .check(&form.new_password, &context)
    {
        problems.add("new_password", crate::i18n::password_rejection(&e));
    }
    match reenter(&ui, &req, &me, &form.current_password, "change password").await {
        Ok(true) => {}
        Ok(false) => {
            record(
                &ui,
                &req,
                AuditEvent::failure("password.change_failed", "wrong current password")
                    .subject(me.user.id.clone()),
            )
            .await;
            problems.add("current_password", crate::t("account-password-wrong"));
        }
        Err(res) => return res,
    }
    if !problems.is_empty() {
        // Passwords are never sent back into a page.
        return refuse(
            &ui,
            &req,
            &me,
            Section::Password,
            problems,
            Typed::default(),
        )
        .await;
    }
    if let Err(e) = ui.users.set_password(&me.user.id, &form.new_password).await {
        return server_error(&e);
    }
    if let Err(e) = end_other_sessions(&ui, &me).await {
        return server_error(&e);
    }
    crate::trusted_device::forget_all(&ui, &me.user.id).await;
    let name = me.user.display_name.as_deref();
    mail::send(&ui, mail::password_changed(&me.user.email, name, "changed")).await;
    record(
        &ui,
        &req,
        AuditEvent::success("password.changed").subject(me.user.id),
    )
    .await;
    back("password")
}

/// The email change form.
#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    new_email: String,
    #[serde(default)]
    password: String,
}

/// `POST /account/email`: mails a confirmation link to the new address. The answer is the
/// same whether or not another account uses it (that owner is told by mail instead).
pub async fn change_email(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<EmailForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    // Both fields are checked, so that every problem shows at once.
    let mut problems = Problems::default();
    let new_email = match normalize_email(&form.new_email) {
        Ok(e) if e == me.user.email => {
            problems.add("new_email", crate::t("account-email-error-same"));
            e
        }
        Ok(e) => e,
        Err(_) => {
            problems.add("new_email", crate::t("account-email-error-invalid"));
            String::new()
        }
    };
    match reenter(&ui, &req, &me, &form.password, "change email").await {
        Ok(true) => {}
        Ok(false) => problems.add("email_password", crate::t("account-password-wrong")),
        Err(res) => return res,
    }
    if !problems.is_empty() {
        let typed = Typed::default().keep("new_email", &form.new_email);
        return refuse(&ui, &req, &me, Section::Email, problems, typed).await;
    }
    match ui.users.find_by_email(&new_email).await {
        Ok(Some(_)) => {
            crate::register::already_registered(&ui, &new_email).await;
        }
        Ok(None) => {
            let ttl = ui.settings.recovery.email_change_ttl;
            let issued = ui
                .tokens
                .issue(Purpose::ChangeEmail, &me.user.id, &new_email, ttl)
                .await;
            let token = match issued {
                Ok(t) => t,
                Err(e) => return server_error(&e),
            };
            let issuer = &ui.settings.issuer;
            mail::send(&ui, mail::change_email(issuer, &new_email, &token, ttl)).await;
        }
        Err(e) => return server_error(&e),
    }
    record(
        &ui,
        &req,
        AuditEvent::success("user.email_change_requested").subject(me.user.id),
    )
    .await;
    back("email")
}

/// The confirmation link's query and form.
#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
}

fn email_link_dead() -> HttpResponse {
    notice(
        StatusCode::BAD_REQUEST,
        &crate::t("link-broken-title"),
        "The link is invalid, was already used or has expired. Ask for a new one on your account page.",
    )
}

/// `GET /account/email/confirm?token=...`: a confirmation button (mail scanners follow links).
pub async fn confirm_email_page(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<ConfirmForm>,
) -> HttpResponse {
    let row = match ui.tokens.peek(Purpose::ChangeEmail, &query.token).await {
        Ok(Some(row)) => row,
        Ok(None) => return email_link_dead(),
        Err(e) => return server_error(&e),
    };
    let (token, cookie) = csrf::issue(&ui, &req);
    let view = ConfirmEmailPage {
        csrf: &token,
        token: &query.token,
        email: &row.email,
    };
    csrf::attach(render::page(StatusCode::OK, &view, &Csp::page()), cookie)
}

/// `POST /account/email/confirm`: moves the account to the new address and tells the old.
pub async fn confirm_email(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<ConfirmForm>,
) -> HttpResponse {
    if !csrf::verify(&ui, &req, &form.csrf) {
        return expired_form();
    }
    let used = match ui.tokens.consume(Purpose::ChangeEmail, &form.token).await {
        Ok(Some(t)) => t,
        Ok(None) => return email_link_dead(),
        Err(e) => return server_error(&e),
    };
    let Some(user_id) = used.user_id else {
        return email_link_dead();
    };
    let (before, after) = match ui.users.change_email(&user_id, &used.email).await {
        Ok(pair) => pair,
        Err(domain::Error::Conflict(_)) => {
            return notice(
                StatusCode::CONFLICT,
                "This address is taken",
                "Another account uses this address now. Your account keeps its current address.",
            );
        }
        Err(domain::Error::NotFound(_)) => return email_link_dead(),
        Err(e) => return server_error(&e),
    };
    let name = after.display_name.as_deref();
    // The link may be opened signed out: the account's saved language, else the page's.
    let lang = crate::i18n::Lang::for_user(after.locale.as_deref());
    let changed = lang.scope(|| mail::email_changed(&before.email, name, &after.email));
    mail::send(&ui, changed).await;
    record(
        &ui,
        &req,
        AuditEvent::success("user.email_changed").subject(after.id),
    )
    .await;
    notice(
        StatusCode::OK,
        "Email address changed",
        "Your account now uses the new address. Sign in with it from now on.",
    )
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

/// `POST /account/apps/disconnect`: withdraws consent and revokes the app's tokens.
pub async fn disconnect_app(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<ItemForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    if let Err(e) = ui.consents.revoke(&me.user.id, &form.client_id).await {
        return server_error(&e);
    }
    let event = AuditEvent::success("consent.revoked")
        .subject(me.user.id)
        .client(form.client_id.chars().take(128).collect::<String>());
    record(&ui, &req, event).await;
    back("app")
}

/// `POST /account/sessions/end`: ends one of the user's other sessions.
pub async fn end_session(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<ItemForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    match ui.sessions.end_of_user(&me.user.id, &form.session_id).await {
        Ok(true) => {
            let mut event = AuditEvent::success("session.ended").subject(me.user.id);
            event.session_id = Some(form.session_id.clone());
            record(&ui, &req, event).await;
            back("session")
        }
        // Not theirs, or unknown: nothing to say about other people's sessions.
        Ok(false) => back("session"),
        Err(e) => server_error(&e),
    }
}

/// `POST /account/sessions/end-others`
pub async fn end_others(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<ItemForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    if let Err(e) = end_other_sessions(&ui, &me).await {
        return server_error(&e);
    }
    record(
        &ui,
        &req,
        AuditEvent::success("session.ended_others").subject(me.user.id),
    )
    .await;
    back("sessions")
}

fn when(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// `GET /account/sessions.json`: the user's live sessions, for scripts and apps of the
/// user's own (same-origin; needs the session cookie).
pub async fn sessions_json(ui: web::Data<LoginUi>, req: HttpRequest) -> HttpResponse {
    let me = match require(&ui, &req).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    let sessions = match ui.sessions.live_of_user(&me.user.id).await {
        Ok(s) => s,
        Err(e) => return server_error(&e),
    };
    let list: Vec<serde_json::Value> = sessions
        .into_iter()
        .map(|s| {
            let device = crate::device::parse(s.user_agent.as_deref().unwrap_or_default());
            serde_json::json!({
                "id": s.id,
                "current": s.id == me.session.id,
                "created_at": when(s.created_at),
                "last_active_at": when(s.last_seen_at),
                "signed_in_at": when(s.auth_time),
                "expires_at": when(s.expires_at),
                "location": console::locate(&ui, s.ip.as_deref()),
                "ip": s.ip,
                "browser": device.browser,
                "os": device.os,
                "user_agent": s.user_agent,
                "amr": s.amr,
                "acr": s.acr,
            })
        })
        .collect();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "sessions": list }))
}

/// `POST /account/sessions/end-all`: ends every session, this one included.
pub async fn end_all(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    if let Err(e) = end_other_sessions(&ui, &me).await {
        return server_error(&e);
    }
    if let Err(e) = ui.sessions.end(&me.session.id).await {
        return server_error(&e);
    }
    record(
        &ui,
        &req,
        AuditEvent::success("session.ended_all").subject(me.user.id),
    )
    .await;
    let mut res = render::logged_out();
    if let Err(e) = res.add_cookie(&removed_session_cookie(&ui)) {
        tracing::warn!(error = %e, "cannot clear the session cookie");
    }
    res
}

/// A cookie that removes the session cookie.
fn removed_session_cookie(ui: &LoginUi) -> Cookie<'static> {
    let mut c = Cookie::build(COOKIE_NAME, "")
        .path("/")
        .http_only(true)
        .secure(ui.settings.secure_cookies)
        .finish();
    c.make_removal();
    c
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

/// `POST /account/sign-out`: ends this browser's session and its tokens.
pub async fn sign_out(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    if let Err(e) = ui.sessions.end(&me.session.id).await {
        return server_error(&e);
    }
    let mut event = AuditEvent::success("logout").subject(me.user.id);
    event.session_id = Some(me.session.id);
    record(&ui, &req, event).await;
    let mut res = render::logged_out();
    if let Err(e) = res.add_cookie(&removed_session_cookie(&ui)) {
        tracing::warn!(error = %e, "cannot clear the session cookie");
    }
    res
}

/// `GET /account/export`: everything stored about the user, as a JSON download.
pub async fn export(ui: web::Data<LoginUi>, req: HttpRequest) -> HttpResponse {
    let me = match require(&ui, &req).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    let data = match ui.users.export(&me.user.id).await {
        Ok(d) => d,
        Err(e) => return server_error(&e),
    };
    record(
        &ui,
        &req,
        AuditEvent::success("user.data_exported").subject(me.user.id),
    )
    .await;
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"my-account-data.json\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(serde_json::to_string_pretty(&data).unwrap_or_default())
}

/// The deletion form.
#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

/// `POST /account/delete`: with the password re-entered, erases the account.
pub async fn delete(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<DeleteForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    match reenter(&ui, &req, &me, &form.password, "delete account").await {
        Ok(true) => {}
        Ok(false) => {
            let problems = Problems::of("delete_password", crate::t("account-wrong-password"));
            return refuse(&ui, &req, &me, Section::Delete, problems, Typed::default()).await;
        }
        Err(res) => return res,
    }
    let alias = match ui.users.erase(&me.user.id, &ui.secrets).await {
        Ok(a) => a,
        Err(e) => return server_error(&e),
    };
    let mut event = AuditEvent::success("user.deleted").subject(alias);
    event.data = Some(serde_json::json!({ "by": "self" }));
    if let Err(e) = ui.audit.record(event).await {
        tracing::error!(error = %e, "cannot write an audit event");
    }
    let name = me.user.display_name.as_deref();
    mail::send(&ui, mail::account_deleted(&me.user.email, name)).await;
    let mut res = notice(
        StatusCode::OK,
        "Your account is deleted",
        "Your personal data, sign-in methods and sessions are erased, and every app was disconnected.",
    );
    if let Err(e) = res.add_cookie(&removed_session_cookie(&ui)) {
        tracing::warn!(error = %e, "cannot clear the session cookie");
    }
    res
}
