//! Password reset: `/forgot-password` mails a single-use link (the same answer whether or
//! not the address has an account), `/reset-password` sets the new password, ends every
//! session and revokes every token of the account, and mails a notice.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::users::{Purpose, UserStatus, normalize_email};
use serde::Deserialize;

use crate::LoginUi;
use crate::flow::next_action::after_token;
use crate::flow::resume::{ForRequest, back_to_request, live_request, token_data};
use crate::flow::trusted_device;
use crate::io::mail;
use crate::web::audit::record;
use crate::web::csp::Csp;
use crate::web::csrf_form::{CsrfForm, has_csrf};
use crate::web::errors::PageResult;
use crate::web::render::{self, Next, end_page};
use crate::web::{csrf, throttle};

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotPage<'a> {
    csrf: &'a str,
    /// The parked authorization request the reset leads back to (empty: none).
    request: &'a str,
    email: &'a str,
    error: Option<&'a str>,
    captcha: Option<crate::io::captcha::Widget>,
}

#[derive(Template)]
#[template(path = "reset_password.html")]
struct ResetPage<'a> {
    csrf: &'a str,
    token: &'a str,
    email: &'a str,
    min_length: usize,
    password_error: Option<String>,
}

/// The reset request form.
#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    /// The parked authorization request the reset leads back to (empty: none).
    #[serde(default)]
    request: String,
    #[serde(flatten)]
    captcha: crate::io::captcha::CaptchaFields,
}

/// The reset link's query.
#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The new-password form.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

/// `GET /forgot-password[?request=ID]`
pub async fn forgot_page(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<ForRequest>,
) -> PageResult {
    let request = live_request(&ui, &query.request).await;
    let (token, cookie) = csrf::issue(&ui, &req);
    let page = ForgotPage {
        csrf: &token,
        request: &request,
        email: "",
        error: None,
        captcha: ui.captcha.widget(),
    };
    Ok(csrf::attach(
        render::page(StatusCode::OK, &page, &ui.captcha.csp(Csp::page())),
        cookie,
    ))
}

/// The request form again (`email`, parked `request`), with `error`.
fn forgot_again(ui: &LoginUi, req: &HttpRequest, form: (&str, &str), error: &str) -> HttpResponse {
    let (email, request) = form;
    let (token, cookie) = csrf::issue(ui, req);
    let page = ForgotPage {
        csrf: &token,
        request,
        email,
        error: Some(error),
        captcha: ui.captcha.widget(),
    };
    let csp = ui.captcha.csp(Csp::page());
    csrf::attach(
        render::page(StatusCode::UNPROCESSABLE_ENTITY, &page, &csp),
        cookie,
    )
}

/// `POST /forgot-password`
pub async fn forgot(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<ForgotForm>,
) -> PageResult {
    if !crate::io::captcha::passes(&ui, &req, &form.captcha).await {
        let again = (form.email.as_str(), form.request.as_str());
        return Ok(forgot_again(
            &ui,
            &req,
            again,
            &crate::io::captcha::failed(),
        ));
    }
    let Ok(email) = normalize_email(&form.email) else {
        let message = &crate::t("error-email-invalid");
        let again = (form.email.as_str(), form.request.as_str());
        return Ok(forgot_again(&ui, &req, again, message));
    };
    if let Err(wait) = throttle::mail_allowed(&ui, &req, "reset", &email).await {
        record(
            &ui,
            &req,
            AuditEvent::failure("password.reset_throttled", "too many requests"),
        )
        .await;
        return Ok(wait.page());
    }
    let request = live_request(&ui, &form.request).await;
    let back = request.clone();
    // The per-account work (lookup, token, mail, audit) runs after the answer, so that the
    // answer's timing is the same whether or not the address has an account.
    let (ui, req) = (ui.clone(), req.clone());
    actix_web::rt::spawn(crate::i18n::carry(async move {
        if let Err(e) = mail_reset_link(&ui, &req, &email, &request).await {
            tracing::error!(error = %e, "cannot mail a reset link");
        }
    }));
    Ok(end_page(
        StatusCode::OK,
        &crate::t("check-inbox-title"),
        &crate::t("forgot-check-inbox"),
        &Next::back_to_sign_in(&back),
    ))
}

/// Mails a reset link if the address belongs to an account that may reset, and the
/// account's cooldown is over. The link leads back to the parked authorization `request`
/// (empty: none).
async fn mail_reset_link(
    ui: &LoginUi,
    req: &HttpRequest,
    email: &str,
    request: &str,
) -> Result<(), domain::Error> {
    let Some(user) = ui.users.find_by_email(email).await? else {
        return Ok(());
    };
    let Some(to) = user.email.clone() else {
        return Ok(());
    };
    let status = UserStatus::at(&user, time::OffsetDateTime::now_utc());
    // A suspended or disabled account stays so: an administrator decides, not a mailbox.
    if matches!(
        status,
        Ok(UserStatus::Suspended | UserStatus::Disabled) | Err(_)
    ) {
        return Ok(());
    }
    if throttle::cooling_down(
        ui,
        Purpose::ResetPassword,
        &user.id,
        ui.settings.recovery.cooldown,
    )
    .await
    {
        record(
            ui,
            req,
            AuditEvent::failure("password.reset_throttled", "cooldown").subject(user.id),
        )
        .await;
        return Ok(());
    }
    let ttl = ui.settings.recovery.reset_ttl;
    let token = ui
        .tokens
        .issue_new(domain::users::NewToken {
            purpose: Purpose::ResetPassword,
            user_id: Some(&user.id),
            email: &to,
            data: token_data(ui, request).await,
            ttl,
        })
        .await?;
    // An unproven address is not greeted with a name its registrant chose.
    let name = user.display_name.as_deref().filter(|_| user.email_verified);
    let issuer = &ui.settings.issuer;
    let reset = crate::i18n::Lang::for_user(user.locale.as_deref())
        .scope(|| mail::reset_password(issuer, &to, name, &token, ttl));
    mail::send(ui, reset).await;
    record(
        ui,
        req,
        AuditEvent::success("password.reset_requested").subject(user.id),
    )
    .await;
    Ok(())
}

/// The page of a reset link that does not work (invalid, used or expired), leading on to
/// where the link was for: the application it was asked for from, else sign-in (a used
/// link's reset signed every session out) or the account page.
async fn link_dead(ui: &LoginUi, req: &HttpRequest, token: &str) -> PageResult {
    let spent = ui.tokens.find_any(Purpose::ResetPassword, token).await?;
    let next = after_token(ui, req, spent.and_then(|t| t.data).as_ref()).await;
    Ok(end_page(
        StatusCode::BAD_REQUEST,
        &crate::t("link-broken-title"),
        &crate::t("reset-link-broken"),
        &next,
    ))
}

/// `GET /reset-password?token=...`: the new-password form (the token is not used yet).
pub async fn reset_page(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<TokenQuery>,
) -> PageResult {
    let row = match ui.tokens.peek(Purpose::ResetPassword, &query.token).await {
        Ok(Some(row)) => row,
        Ok(None) => return link_dead(&ui, &req, &query.token).await,
        Err(e) => return Err(e.into()),
    };
    let (csrf_token, cookie) = csrf::issue(&ui, &req);
    let page = ResetPage {
        csrf: &csrf_token,
        token: &query.token,
        email: &row.email,
        min_length: ui.settings.password_policy.min_length,
        password_error: None,
    };
    Ok(csrf::attach(
        render::page(StatusCode::OK, &page, &Csp::page()),
        cookie,
    ))
}

/// `POST /reset-password`
pub async fn reset(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<ResetForm>,
) -> PageResult {
    // Check the password before using the token, so that a weak choice costs no new link.
    let row = match ui.tokens.peek(Purpose::ResetPassword, &form.token).await {
        Ok(Some(row)) => row,
        Ok(None) => return link_dead(&ui, &req, &form.token).await,
        Err(e) => return Err(e.into()),
    };
    if let Err(e) = ui
        .settings
        .password_policy
        .check(&form.password, &[row.email.as_str()])
    {
        let (csrf_token, cookie) = csrf::issue(&ui, &req);
        let page = ResetPage {
            csrf: &csrf_token,
            token: &form.token,
            email: &row.email,
            min_length: ui.settings.password_policy.min_length,
            password_error: Some(crate::i18n::password_rejection(&e)),
        };
        return Ok(csrf::attach(
            render::page(StatusCode::UNPROCESSABLE_ENTITY, &page, &Csp::page()),
            cookie,
        ));
    }
    let used = match ui.tokens.consume(Purpose::ResetPassword, &form.token).await {
        Ok(Some(t)) => t,
        Ok(None) => return link_dead(&ui, &req, &form.token).await,
        Err(e) => return Err(e.into()),
    };
    let Some(user_id) = used.user_id else {
        return link_dead(&ui, &req, &form.token).await;
    };
    // A link sent to an address the account no longer uses proves nothing.
    match ui.users.find(&user_id).await {
        Ok(Some(u)) if u.email.as_deref() == Some(used.email.as_str()) => {}
        Ok(_) => return link_dead(&ui, &req, &form.token).await,
        Err(e) => return Err(e.into()),
    }
    let user = match ui.users.reset_password(&user_id, &form.password).await {
        Ok(u) => u,
        Err(domain::Error::NotFound(_)) => return link_dead(&ui, &req, &form.token).await,
        Err(e) => return Err(e.into()),
    };
    trusted_device::forget_all(&ui, &user.id).await;
    if let Err(e) = ui
        .tokens
        .revoke_for_user(Purpose::ResetPassword, &user.id)
        .await
    {
        tracing::error!(error = %e, "cannot void older reset links");
    }
    let name = user.display_name.as_deref();
    if let Some(to) = user.email.as_deref() {
        let changed = crate::i18n::Lang::for_user(user.locale.as_deref())
            .scope(|| mail::password_changed(to, name, "reset"));
        mail::send(&ui, changed).await;
    }
    record(
        &ui,
        &req,
        AuditEvent::success("password.reset").subject(user.id),
    )
    .await;
    // Asked for from an application's sign-in page: back to it, to sign in.
    if let Some(res) = back_to_request(&ui, used.data.as_ref()).await {
        return Ok(res);
    }
    // The request is gone: back to the application's home page, else sign-in.
    let next = after_token(&ui, &req, used.data.as_ref()).await;
    Ok(end_page(
        StatusCode::OK,
        &crate::t("reset-done-title"),
        &crate::t("reset-done"),
        &next,
    ))
}

has_csrf!(ForgotForm, ResetForm);
