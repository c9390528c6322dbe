//! The sign-in page: email and password, then back to the authorization request.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::clients::Client;
use domain::entities::user;
use domain::sessions::{COOKIE_NAME, NewSession};
use domain::users::UserStatus;
use serde::Deserialize;

use crate::render::{self, PAGE_CSP};
use crate::{LoginUi, csrf};

/// The single-factor ACR (see auth-server's ACR values).
const ACR_SINGLE_FACTOR: &str = "urn:gatehouse:loa:1";
const WRONG_CREDENTIALS: &str = "Incorrect email or password.";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    client: Option<&'a Client>,
    request: &'a str,
    csrf: &'a str,
    email: &'a str,
    error: Option<&'a str>,
}

/// Query of `GET /login`.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    request: String,
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `GET /login?request=ID`
pub async fn show(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<LoginQuery>,
) -> HttpResponse {
    let Some(pending) = load(&ui, &query.request).await else {
        return expired();
    };
    let client = ui.clients.find(&pending.client_id).await.ok().flatten();
    let email = pending.login_hint.clone().unwrap_or_default();
    let (token, cookie) = csrf::issue(&ui, &req);
    let page = LoginPage {
        client: client.as_ref(),
        request: &query.request,
        csrf: &token,
        email: &email,
        error: None,
    };
    csrf::attach(render::page(StatusCode::OK, &page, PAGE_CSP), cookie)
}

/// `POST /login`
pub async fn submit(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let form = form.into_inner();
    if !csrf::verify(&ui, &req, &form.csrf) {
        return expired_form();
    }
    let Some(mut pending) = load(&ui, &form.request).await else {
        return expired();
    };
    let client = ui.clients.find(&pending.client_id).await.ok().flatten();
    let retry = |message: &str, status: StatusCode| {
        let (token, cookie) = csrf::issue(&ui, &req);
        let page = LoginPage {
            client: client.as_ref(),
            request: &form.request,
            csrf: &token,
            email: &form.email,
            error: Some(message),
        };
        csrf::attach(render::page(status, &page, PAGE_CSP), cookie)
    };
    if form.email.len() > 320
        || form.password.len() > 1024
        || form.email.trim().is_empty()
        || form.password.is_empty()
    {
        return retry(WRONG_CREDENTIALS, StatusCode::UNAUTHORIZED);
    }
    let found = match ui.users.verify_password(&form.email, &form.password).await {
        Ok(f) => f,
        Err(e) => return server_error(&e),
    };
    let Some(user) = found else {
        audit_failure(&ui, &req, &form.email, &pending.client_id).await;
        return retry(WRONG_CREDENTIALS, StatusCode::UNAUTHORIZED);
    };
    let status =
        UserStatus::at(&user, time::OffsetDateTime::now_utc()).unwrap_or(UserStatus::Disabled);
    if let Some(refusal) = refusal(&ui, status) {
        // Only someone who knows the password learns the account's state.
        record(
            &ui,
            &req,
            AuditEvent::failure("login.failed", format!("account {status}"))
                .subject(user.id.clone())
                .client(pending.client_id.clone()),
        )
        .await;
        return retry(refusal, StatusCode::FORBIDDEN);
    }
    if let Err(e) = ui.users.record_good_password(&user).await {
        return server_error(&e);
    }
    match sign_in(&ui, &req, &user).await {
        Ok((secret, session_id)) => {
            let mut event = AuditEvent::success("login.succeeded")
                .subject(user.id.clone())
                .client(pending.client_id.clone())
                .data(serde_json::json!({ "amr": ["pwd"] }));
            event.session_id = Some(session_id.clone());
            record(&ui, &req, event).await;
            pending.signed_in_session = Some(session_id);
            if let Err(e) = ui.requests.update(&form.request, &pending).await {
                return server_error(&e);
            }
            let cookie = Cookie::build(COOKIE_NAME, secret)
                .path("/")
                .http_only(true)
                .secure(ui.settings.secure_cookies)
                .same_site(SameSite::Lax)
                .finish();
            let mut res = HttpResponse::SeeOther()
                .insert_header((
                    header::LOCATION,
                    format!("/authorize/resume?request={}", form.request),
                ))
                .finish();
            if let Err(e) = res.add_cookie(&cookie) {
                tracing::error!(error = %e, "cannot set the session cookie");
            }
            res
        }
        Err(e) => server_error(&e),
    }
}

/// Starts (or renews, with a fresh cookie value) the browser session.
async fn sign_in(
    ui: &LoginUi,
    req: &HttpRequest,
    user: &user::Model,
) -> Result<(String, String), domain::Error> {
    let current = match req.cookie(COOKIE_NAME) {
        Some(c) => ui.sessions.find_live(c.value()).await?,
        None => None,
    };
    let (secret, row) = ui
        .sessions
        .sign_in(
            NewSession {
                user_id: user.id.clone(),
                amr: vec!["pwd".into()],
                acr: Some(ACR_SINGLE_FACTOR.into()),
                ip: client_ip(req),
                user_agent: user_agent(req),
            },
            current.as_ref(),
        )
        .await?;
    Ok((secret, row.id))
}

/// What the page says when the password is right but the account may not sign in.
fn refusal(ui: &LoginUi, status: UserStatus) -> Option<&'static str> {
    match status {
        UserStatus::Active => None,
        UserStatus::Pending if ui.settings.pending_may_sign_in => None,
        UserStatus::Pending => {
            Some("Confirm your email address first: follow the link we sent you.")
        }
        UserStatus::Locked => Some(
            "This account is locked after too many failed sign-ins. Try again later or contact the administrator.",
        ),
        UserStatus::Suspended | UserStatus::Disabled => {
            Some("This account cannot sign in at the moment. Contact the administrator.")
        }
    }
}

/// Audits a wrong password or unknown account, and counts it towards the account's lock.
async fn audit_failure(ui: &LoginUi, req: &HttpRequest, email: &str, client_id: &str) {
    let known = ui.users.find_by_email(email).await.ok().flatten();
    let Some(user) = known else {
        let event = AuditEvent::failure("login.failed", "unknown account");
        record(ui, req, event.client(client_id.to_owned())).await;
        return;
    };
    let event = AuditEvent::failure("login.failed", "wrong password").subject(user.id.clone());
    record(ui, req, event.client(client_id.to_owned())).await;
    match ui
        .users
        .record_failed_password(&user.id, ui.settings.lockout)
        .await
    {
        Ok(true) => {
            let event = AuditEvent::failure("user.locked", "too many failed sign-ins")
                .subject(user.id)
                .client(client_id.to_owned());
            record(ui, req, event).await;
        }
        Ok(false) => {}
        Err(e) => tracing::error!(error = %e, "cannot count a failed sign-in"),
    }
}

/// Writes an audit event with the request's IP and user agent; a failure is logged.
pub(crate) async fn record(ui: &LoginUi, req: &HttpRequest, mut event: AuditEvent) {
    event.ip = client_ip(req);
    event.user_agent = user_agent(req);
    if let Err(e) = ui.audit.record(event).await {
        tracing::error!(error = %e, "cannot write an audit event");
    }
}

fn client_ip(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(512).collect())
}

pub(crate) async fn load(ui: &LoginUi, id: &str) -> Option<domain::authorization::PendingRequest> {
    match ui.requests.get(id).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "cannot read an authorization request");
            None
        }
    }
}

/// The answer to a form whose CSRF token is missing or wrong.
pub(crate) fn expired_form() -> HttpResponse {
    render::error(
        StatusCode::FORBIDDEN,
        "csrf",
        "The form expired or was sent from another site. Go back, reload the page and try again.",
    )
}

pub(crate) fn expired() -> HttpResponse {
    render::error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "This sign-in request has expired or was already used. Go back to the application and start again.",
    )
}

pub(crate) fn server_error(e: &domain::Error) -> HttpResponse {
    tracing::error!(error = %e, "page failed");
    render::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "Something went wrong on our side. Please try again.",
    )
}
