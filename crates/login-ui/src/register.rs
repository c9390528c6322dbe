//! Self-registration (`/register`) and email verification (`/verify-email`).
//!
//! Registering an address that already has an account answers exactly like a success and
//! mails the owner instead, so the page never tells who has an account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::users::{NewUser, Purpose, UserStatus, normalize_email};
use serde::Deserialize;

use crate::login::{expired_form, record, server_error};
use crate::render::{self, PAGE_CSP};
use crate::state::RegistrationMode;
use crate::{LoginUi, csrf, mail};

/// Longest display name.
const MAX_NAME: usize = 200;

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage<'a> {
    csrf: &'a str,
    email: &'a str,
    name: &'a str,
    min_length: usize,
    error: Option<&'a str>,
    email_error: Option<String>,
    name_error: Option<String>,
    password_error: Option<String>,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct Notice<'a> {
    title: &'a str,
    message: &'a str,
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
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

/// The verification link's query, and the confirmation form.
#[derive(Debug, Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
}

fn notice(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    render::page(status, &Notice { title, message }, PAGE_CSP)
}

/// The answer when registration is not open.
fn closed(ui: &LoginUi) -> Option<HttpResponse> {
    match ui.settings.registration.mode {
        RegistrationMode::Open => None,
        RegistrationMode::InviteOnly => Some(notice(
            StatusCode::FORBIDDEN,
            "Registration by invitation only",
            "Accounts are created by invitation. Ask an administrator for one.",
        )),
        RegistrationMode::Disabled => Some(notice(
            StatusCode::NOT_FOUND,
            "Registration is closed",
            "Accounts are created by the administrators of this service.",
        )),
    }
}

/// `GET /register`
pub async fn show(ui: web::Data<LoginUi>, req: HttpRequest) -> HttpResponse {
    if let Some(res) = closed(&ui) {
        return res;
    }
    let (token, cookie) = csrf::issue(&ui, &req);
    let page = RegisterPage {
        csrf: &token,
        email: "",
        name: "",
        min_length: ui.settings.password_policy.min_length,
        error: None,
        email_error: None,
        name_error: None,
        password_error: None,
    };
    csrf::attach(render::page(StatusCode::OK, &page, PAGE_CSP), cookie)
}

/// Per-field problems of a registration form.
#[derive(Debug, Default)]
struct FieldErrors {
    email: Option<String>,
    name: Option<String>,
    password: Option<String>,
}

impl FieldErrors {
    fn any(&self) -> bool {
        self.email.is_some() || self.name.is_some() || self.password.is_some()
    }
}

fn check(ui: &LoginUi, form: &RegisterForm) -> (Option<String>, FieldErrors) {
    let mut errors = FieldErrors::default();
    let email = match normalize_email(&form.email) {
        Ok(e) => Some(e),
        Err(_) => {
            errors.email = Some("Enter an email address such as name@example.com.".into());
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
        errors.email = Some(format!(
            "Accounts can only be created with an address at {}.",
            allowed.join(", ")
        ));
    }
    let name = form.name.trim();
    if name.chars().count() > MAX_NAME {
        errors.name = Some(format!("Use at most {MAX_NAME} characters."));
    } else if name.chars().any(char::is_control) {
        errors.name = Some("Use letters, digits, spaces and punctuation only.".into());
    }
    let context = [form.email.as_str(), name];
    if let Err(e) = ui.settings.password_policy.check(&form.password, &context) {
        errors.password = Some(e.to_string());
    }
    (email, errors)
}

/// `POST /register`
pub async fn submit(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<RegisterForm>,
) -> HttpResponse {
    if let Some(res) = closed(&ui) {
        return res;
    }
    let form = form.into_inner();
    if !csrf::verify(&ui, &req, &form.csrf) {
        return expired_form();
    }
    let (email, errors) = check(&ui, &form);
    let (Some(email), false) = (email, errors.any()) else {
        let (token, cookie) = csrf::issue(&ui, &req);
        let page = RegisterPage {
            csrf: &token,
            email: &form.email,
            name: &form.name,
            min_length: ui.settings.password_policy.min_length,
            error: Some("Please correct the fields marked below."),
            email_error: errors.email,
            name_error: errors.name,
            password_error: errors.password,
        };
        return csrf::attach(
            render::page(StatusCode::UNPROCESSABLE_ENTITY, &page, PAGE_CSP),
            cookie,
        );
    };
    let name = form.name.trim();
    let created = ui
        .users
        .create(NewUser {
            email: email.clone(),
            password: Some(form.password),
            email_verified: false,
            display_name: (!name.is_empty()).then(|| name.to_owned()),
            status: UserStatus::Pending,
        })
        .await;
    match created {
        Ok(user) => {
            let token = match ui
                .tokens
                .issue(
                    Purpose::VerifyEmail,
                    &user.id,
                    &user.email,
                    ui.settings.registration.verification_ttl,
                )
                .await
            {
                Ok(t) => t,
                Err(e) => return server_error(&e),
            };
            mail::send(
                &ui,
                mail::verify_email(&ui, &user.email, user.display_name.as_deref(), &token),
            )
            .await;
            record(
                &ui,
                &req,
                AuditEvent::success("user.registered").subject(user.id),
            )
            .await;
        }
        Err(domain::Error::Conflict(_)) => {
            // Same answer, same cost (create hashed the password before it found the
            // address taken) as a new account: the owner is told by mail.
            mail::send(&ui, mail::already_registered(&email)).await;
            record(
                &ui,
                &req,
                AuditEvent::failure("user.registration_refused", "email already registered"),
            )
            .await;
        }
        Err(e) => return server_error(&e),
    }
    notice(
        StatusCode::OK,
        "Check your inbox",
        "We sent a message to the address you entered. Follow the link in it to confirm your address and finish creating your account.",
    )
}

/// `GET /verify-email?token=...`: a confirmation button. Mail scanners follow links; only
/// the POST that a person sends uses the token.
pub async fn verify_page(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<VerifyForm>,
) -> HttpResponse {
    let (token, cookie) = csrf::issue(&ui, &req);
    let page = VerifyPage {
        csrf: &token,
        token: &query.token,
    };
    csrf::attach(render::page(StatusCode::OK, &page, PAGE_CSP), cookie)
}

/// `POST /verify-email`
pub async fn verify(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<VerifyForm>,
) -> HttpResponse {
    if !csrf::verify(&ui, &req, &form.csrf) {
        return expired_form();
    }
    let used = match ui.tokens.consume(Purpose::VerifyEmail, &form.token).await {
        Ok(t) => t,
        Err(e) => return server_error(&e),
    };
    let Some(token) = used else {
        return notice(
            StatusCode::BAD_REQUEST,
            "This link does not work",
            "The link is invalid, was already used or has expired. Sign in to get a new one.",
        );
    };
    let Some(user_id) = token.user_id else {
        return notice(
            StatusCode::BAD_REQUEST,
            "This link does not work",
            "The account no longer exists.",
        );
    };
    match ui.users.confirm_email(&user_id, &token.email).await {
        Ok(user) => {
            record(
                &ui,
                &req,
                AuditEvent::success("user.email_verified").subject(user.id),
            )
            .await;
            notice(
                StatusCode::OK,
                "Email address confirmed",
                "Your address is confirmed. You can now sign in.",
            )
        }
        Err(domain::Error::WrongState(_) | domain::Error::NotFound(_)) => notice(
            StatusCode::BAD_REQUEST,
            "This link does not work",
            "The link was sent to an address this account no longer uses.",
        ),
        Err(e) => server_error(&e),
    }
}
