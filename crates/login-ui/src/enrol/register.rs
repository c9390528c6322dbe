//! Self-registration (`/register`) and email verification (`/verify-email`).
//!
//! Registering an address that already has an account answers exactly like a success and
//! mails the owner instead, so the page never tells who has an account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::users::{NewToken, NewUser, Purpose, UserStatus, normalize_email};
use serde::Deserialize;

use crate::LoginUi;
use crate::flow::next_action::after_token;
use crate::flow::resume::{ForRequest, back_to_request, live_request, token_data};
use crate::io::mail;
use crate::state::RegistrationMode;
use crate::web::audit::record;
use crate::web::csp::Csp;
use crate::web::csrf_form::{CsrfForm, has_csrf};
use crate::web::errors::{PageError, PageResult};
use crate::web::fields::{UNREADABLE, check_name};
use crate::web::render::{self, Next, end_page};
use crate::web::{csrf, throttle};

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage<'a> {
    csrf: &'a str,
    /// The parked authorization request the account is made for (empty: none).
    request: &'a str,
    email: &'a str,
    name: &'a str,
    min_length: usize,
    error: Option<&'a str>,
    email_error: Option<String>,
    name_error: Option<String>,
    password_error: Option<String>,
    captcha: Option<crate::io::captcha::Widget>,
}

#[derive(Template)]
#[template(path = "verify_email.html")]
struct VerifyPage<'a> {
    csrf: &'a str,
    token: &'a str,
}

/// The registration form.
#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) password: String,
    /// The parked authorization request the account is made for (empty: none).
    #[serde(default)]
    pub(crate) request: String,
    #[serde(flatten)]
    pub(crate) captcha: crate::io::captcha::CaptchaFields,
}

impl RegisterForm {
    /// The same fields from the JSON endpoint (which needs no CSRF token: browsers cannot
    /// send a cross-site JSON body without a CORS preflight).
    pub(crate) fn json(
        email: String,
        name: String,
        password: String,
        captcha: crate::io::captcha::CaptchaFields,
    ) -> Self {
        Self {
            csrf: String::new(),
            email,
            name,
            password,
            request: String::new(),
            captcha,
        }
    }
}

/// The verification link's query, and the confirmation form.
#[derive(Debug, Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
}

/// The answer when registration is not open.
pub(crate) fn closed(ui: &LoginUi) -> Option<HttpResponse> {
    match ui.settings.registration.mode {
        RegistrationMode::Open => None,
        RegistrationMode::InviteOnly => Some(end_page(
            StatusCode::FORBIDDEN,
            &crate::t("register-invite-only-title"),
            &crate::t("register-invite-only"),
            &Next::sign_in(),
        )),
        RegistrationMode::Disabled => Some(end_page(
            StatusCode::NOT_FOUND,
            &crate::t("register-closed-title"),
            &crate::t("register-closed"),
            &Next::sign_in(),
        )),
    }
}

/// `GET /register[?request=ID]`
pub async fn show(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<ForRequest>,
) -> PageResult {
    if let Some(res) = closed(&ui) {
        return Ok(res);
    }
    let request = live_request(&ui, &query.request).await;
    let (token, cookie) = csrf::issue(&ui, &req);
    let page = RegisterPage {
        csrf: &token,
        request: &request,
        email: "",
        name: "",
        min_length: ui.settings.password_policy.min_length,
        error: None,
        email_error: None,
        name_error: None,
        password_error: None,
        captcha: ui.captcha.widget(),
    };
    let csp = ui.captcha.csp(Csp::page());
    Ok(csrf::attach(
        render::page(StatusCode::OK, &page, &csp),
        cookie,
    ))
}

/// Per-field problems of a registration form.
#[derive(Debug, Default)]
pub(crate) struct FieldErrors {
    pub(crate) email: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) password: Option<String>,
}

impl FieldErrors {
    pub(crate) fn any(&self) -> bool {
        self.email.is_some() || self.name.is_some() || self.password.is_some()
    }
}

pub(crate) fn check(ui: &LoginUi, form: &RegisterForm) -> (Option<String>, FieldErrors) {
    let mut errors = FieldErrors::default();
    let email = match normalize_email(&form.email) {
        Ok(e) => Some(e),
        Err(_) => {
            errors.email = Some(crate::t("error-email-invalid"));
            None
        }
    };
    let allowed = &ui.settings.registration.allowed_email_domains;
    if let Some(e) = &email
        && !allowed.is_empty()
        && !allowed
            .iter()
            .any(|d| e.rsplit_once('@').is_some_and(|(_, domain)| domain == d))
    {
        errors.email = Some(crate::t1(
            "error-email-domain",
            "domains",
            allowed.join(", "),
        ));
    }
    let name = form.name.trim();
    errors.name = check_name(name).err();
    let context = [form.email.as_str(), name];
    if form.password.contains(UNREADABLE) {
        errors.password = Some(crate::t("error-unreadable-value"));
    } else if let Err(e) = ui.settings.password_policy.check(&form.password, &context) {
        errors.password = Some(crate::i18n::password_rejection(&e));
    }
    (email, errors)
}

/// `POST /register`
pub async fn submit(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<RegisterForm>,
) -> PageResult {
    if let Some(res) = closed(&ui) {
        return Ok(res);
    }
    let form = form.into_inner();
    // Checked by hand, not by `CsrfForm`: a closed registration answers so before the token.
    if !csrf::verify(&ui, &req, &form.csrf) {
        return Err(PageError::FormExpired);
    }
    let captcha_ok = crate::io::captcha::passes(&ui, &req, &form.captcha).await;
    let (email, errors) = check(&ui, &form);
    let (Some(email), false, true) = (email, errors.any(), captcha_ok) else {
        let (token, cookie) = csrf::issue(&ui, &req);
        let error = if captcha_ok {
            crate::t("error-correct-fields")
        } else {
            crate::io::captcha::failed()
        };
        let page = RegisterPage {
            csrf: &token,
            request: &form.request,
            email: &form.email,
            name: &form.name,
            min_length: ui.settings.password_policy.min_length,
            error: Some(&error),
            email_error: errors.email,
            name_error: errors.name,
            password_error: errors.password,
            captcha: ui.captcha.widget(),
        };
        let csp = ui.captcha.csp(Csp::page());
        return Ok(csrf::attach(
            render::page(StatusCode::UNPROCESSABLE_ENTITY, &page, &csp),
            cookie,
        ));
    };
    if let Err(wait) = throttle::mail_allowed(&ui, &req, "register", &email).await {
        return Ok(wait.page());
    }
    let request = live_request(&ui, &form.request).await;
    let account = (email.as_str(), form.name.as_str(), request.as_str());
    create_account(&ui, &req, account, form.password).await?;
    Ok(end_page(
        StatusCode::OK,
        &crate::t("check-inbox-title"),
        &crate::t("register-check-inbox"),
        &Next::back_to_sign_in(&request),
    ))
}

/// Creates a pending account (`email`, `name`, and the parked authorization `request` its
/// verification leads back to, or empty) and mails its verification link; for a taken
/// address, mails the owner instead. Both paths answer the same to the caller. A guest
/// signed in in this browser becomes that account, keeping its `sub`.
pub(crate) async fn create_account(
    ui: &LoginUi,
    req: &HttpRequest,
    account: (&str, &str, &str),
    password: String,
) -> Result<(), domain::Error> {
    let (email, name, request) = account;
    let name = name.trim();
    let new = NewUser {
        email: email.to_owned(),
        password: Some(password),
        email_verified: false,
        display_name: (!name.is_empty()).then(|| name.to_owned()),
        status: UserStatus::Pending,
    };
    let guest = crate::signin::guest::current_guest(ui, req).await?;
    let created = match &guest {
        Some(g) => ui.users.register_guest(&g.id, new).await,
        None => ui.users.create(new).await,
    };
    match created {
        Ok(user) => {
            let ttl = ui.settings.registration.verification_ttl;
            // Registration always gives an address.
            let email = user.email.as_deref().unwrap_or_default();
            let token = ui
                .tokens
                .issue_new(NewToken {
                    purpose: Purpose::VerifyEmail,
                    user_id: Some(&user.id),
                    email,
                    data: token_data(ui, request).await,
                    ttl,
                })
                .await?;
            let issuer = &ui.settings.issuer;
            mail::send(ui, mail::verify_email(issuer, email, &token, ttl)).await;
            let event = AuditEvent::success("user.registered")
                .subject(user.id)
                .data(serde_json::json!({ "from_guest": guest.is_some() }));
            record(ui, req, event).await;
            Ok(())
        }
        Err(domain::Error::Conflict(_)) => {
            // Same answer, same cost (create hashed the password before it found the
            // address taken) as a new account: the owner is told by mail.
            mail::already_registered_once(ui, email).await;
            let event =
                AuditEvent::failure("user.registration_refused", "email already registered");
            record(ui, req, event).await;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// `GET /verify-email?token=...`: a confirmation button. Mail scanners follow links; only
/// the POST that a person sends uses the token.
pub async fn verify_page(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<VerifyForm>,
) -> PageResult {
    let (token, cookie) = csrf::issue(&ui, &req);
    let page = VerifyPage {
        csrf: &token,
        token: &query.token,
    };
    Ok(csrf::attach(
        render::page(StatusCode::OK, &page, &Csp::page()),
        cookie,
    ))
}

/// `POST /verify-email`
pub async fn verify(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<VerifyForm>,
) -> PageResult {
    let used = ui.tokens.consume(Purpose::VerifyEmail, &form.token).await?;
    let Some(token) = used else {
        // Used or expired: it still knows which application it was for.
        let spent = ui
            .tokens
            .find_any(Purpose::VerifyEmail, &form.token)
            .await?;
        let next = after_token(&ui, &req, spent.and_then(|t| t.data).as_ref()).await;
        return Ok(link_broken("verify-link-broken", &next));
    };
    let Some(user_id) = token.user_id else {
        let next = after_token(&ui, &req, token.data.as_ref()).await;
        return Ok(link_broken("verify-account-gone", &next));
    };
    let user = match ui.users.confirm_email(&user_id, &token.email).await {
        Ok(user) => user,
        Err(domain::Error::WrongState(_) | domain::Error::NotFound(_)) => {
            let next = after_token(&ui, &req, token.data.as_ref()).await;
            return Ok(link_broken("verify-address-changed", &next));
        }
        Err(e) => return Err(e.into()),
    };
    record(
        &ui,
        &req,
        AuditEvent::success("user.email_verified").subject(user.id),
    )
    .await;
    // Registered from an application's sign-in page: back to it, to sign in.
    if let Some(res) = back_to_request(&ui, token.data.as_ref()).await {
        return Ok(res);
    }
    // The request is gone: back to the application's home page, else the account or sign-in.
    let next = after_token(&ui, &req, token.data.as_ref()).await;
    Ok(end_page(
        StatusCode::OK,
        &crate::t("verify-done-title"),
        &crate::t("verify-done"),
        &next,
    ))
}

/// The page of a verification link that does not work (`message`: why), with `next`.
fn link_broken(message: &str, next: &Next) -> HttpResponse {
    end_page(
        StatusCode::BAD_REQUEST,
        &crate::t("link-broken-title"),
        &crate::t(message),
        next,
    )
}

#[derive(Template)]
#[template(path = "resend_verification.html")]
struct ResendPage<'a> {
    csrf: &'a str,
}

/// The resend form.
#[derive(Debug, Deserialize)]
pub struct ResendForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// `GET /verify-email/resend`
pub async fn resend_page(ui: web::Data<LoginUi>, req: HttpRequest) -> PageResult {
    let (token, cookie) = csrf::issue(&ui, &req);
    Ok(csrf::attach(
        render::page(StatusCode::OK, &ResendPage { csrf: &token }, &Csp::page()),
        cookie,
    ))
}

/// `POST /verify-email/resend`: a new link for a pending account, at most one per cooldown;
/// the same answer for every address.
pub async fn resend(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<ResendForm>,
) -> PageResult {
    if let Ok(email) = normalize_email(&form.email) {
        if let Err(wait) = throttle::mail_allowed(&ui, &req, "resend", &email).await {
            return Ok(wait.page());
        }
        resend_link(&ui, &email).await?;
    }
    Ok(end_page(
        StatusCode::OK,
        &crate::t("check-inbox-title"),
        &crate::t("resend-check-inbox"),
        &Next::back_to_sign_in(""),
    ))
}

async fn resend_link(ui: &LoginUi, email: &str) -> Result<(), domain::Error> {
    let Some(user) = ui.users.find_by_email(email).await? else {
        return Ok(());
    };
    if user.email_verified
        || throttle::cooling_down(
            ui,
            Purpose::VerifyEmail,
            &user.id,
            ui.settings.recovery.cooldown,
        )
        .await
    {
        return Ok(());
    }
    ui.tokens
        .revoke_for_user(Purpose::VerifyEmail, &user.id)
        .await?;
    let ttl = ui.settings.registration.verification_ttl;
    let token = ui
        .tokens
        .issue(Purpose::VerifyEmail, &user.id, email, ttl)
        .await?;
    let issuer = &ui.settings.issuer;
    let verify = crate::i18n::Lang::for_user(user.locale.as_deref())
        .scope(|| mail::verify_email(issuer, email, &token, ttl));
    mail::send(ui, verify).await;
    Ok(())
}

has_csrf!(ResendForm, VerifyForm);
