//! The sign-in page: email and password, then back to the authorization request.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::clients::Client;
use domain::entities::user;
use domain::signin_rules::status_may_sign_in;
use domain::users::UserStatus;
use serde::Deserialize;

use crate::LoginUi;
use crate::flow::acr::ACR_SINGLE_FACTOR;
use crate::flow::completion::Factors;
use crate::flow::next_step::{Target, next_step};
use crate::flow::purpose::{SignInFor, purpose};
use crate::web::audit::{record, with_client};
use crate::web::csp::Csp;
use crate::web::csrf_form::{CsrfForm, has_csrf};
use crate::web::errors::{PageError, PageResult};
use crate::web::{csrf, render};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    client: Option<&'a Client>,
    request: &'a str,
    next: &'a str,
    register: bool,
    csrf: &'a str,
    email: &'a str,
    error: Option<&'a str>,
    captcha: Option<crate::io::captcha::Widget>,
    /// Offer "Sign in with a passkey".
    passkeys: bool,
    /// "Sign in with …" other identity providers.
    upstreams: Vec<super::upstream::Button>,
}

/// Query of `GET /login`.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    request: String,
    #[serde(default)]
    next: String,
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    /// "Keep me signed in": any value.
    #[serde(default)]
    remember: Option<String>,
    #[serde(flatten)]
    captcha: crate::io::captcha::CaptchaFields,
}

const FAILURES_WINDOW: std::time::Duration = std::time::Duration::from_secs(3600);

fn failures_key(req: &HttpRequest) -> Option<String> {
    crate::web::request::client_ip(req).map(|ip| format!("login-failures:{ip}"))
}

/// Whether this client failed to sign in often enough lately to be asked for the CAPTCHA.
async fn needs_captcha(ui: &LoginUi, req: &HttpRequest) -> bool {
    if !ui.captcha.is_on() {
        return false;
    }
    let threshold = i64::from(ui.settings.captcha_after_failures);
    if threshold == 0 {
        return true;
    }
    let Some(key) = failures_key(req) else {
        return false;
    };
    match ui.cache.get(&key).await {
        Ok(v) => {
            let failures = v
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0);
            failures >= threshold
        }
        Err(e) => {
            // Unknown: ask, rather than let a guesser through unchecked.
            tracing::error!(error = %e, "cannot read the failed sign-in count");
            true
        }
    }
}

/// Counts a failed sign-in from this client.
async fn count_failure(ui: &LoginUi, req: &HttpRequest) {
    if let Some(key) = failures_key(req)
        && let Err(e) = ui.cache.incr(&key, FAILURES_WINDOW).await
    {
        tracing::error!(error = %e, "cannot count a failed sign-in");
    }
}

/// `GET /login?request=ID` (for an authorization request) or `GET /login?next=/account`.
pub async fn show(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<LoginQuery>,
) -> PageResult {
    let Some(mut purpose) = purpose(&ui, &query.request, &query.next).await else {
        return Err(PageError::RequestExpired);
    };
    // `idp_hint` goes straight to the upstream it names.
    if let SignInFor::Authorize(pending) = &mut purpose
        && let Some(location) = super::upstream::hinted(&ui, &query.request, pending).await?
    {
        return Err(PageError::SeeOther(location));
    }
    // `guest=true` signs in a new guest account instead.
    if let SignInFor::Authorize(pending) = &purpose
        && pending.guest
    {
        return super::guest::start(&ui, &req, purpose, &query.request).await;
    }
    let (client, email, next) = match &purpose {
        SignInFor::Authorize(p) => (
            ui.clients.find(&p.client_id).await.ok().flatten(),
            p.login_hint.clone().unwrap_or_default(),
            String::new(),
        ),
        SignInFor::Local(next) => (None, String::new(), next.clone()),
    };
    let upstreams =
        super::upstream::buttons(&ui, client.as_ref().map(|c| c.client_id.as_str())).await;
    let (token, cookie) = csrf::issue(&ui, &req);
    let page = LoginPage {
        client: client.as_ref(),
        request: &query.request,
        next: &next,
        register: ui.settings.registration.mode == crate::RegistrationMode::Open,
        csrf: &token,
        email: &email,
        error: None,
        captcha: None,
        passkeys: ui.passkeys.is_some(),
        upstreams,
    };
    let ask = needs_captcha(&ui, &req).await;
    let flow = Csp::page().in_flow(&purpose);
    Ok(csrf::attach(
        with_captcha(&ui, page, ask, StatusCode::OK, flow),
        cookie,
    ))
}

/// Renders the sign-in page under `flow` (the page's policy in its flow), with the CAPTCHA
/// widget (and what its policy needs) when `ask`.
fn with_captcha(
    ui: &LoginUi,
    mut page: LoginPage<'_>,
    ask: bool,
    status: StatusCode,
    flow: Csp,
) -> HttpResponse {
    let csp = if ask {
        page.captcha = ui.captcha.widget();
        ui.captcha.csp(flow)
    } else if page.passkeys {
        flow.scripts()
    } else {
        flow
    };
    render::page(status, &page, &csp)
}

/// `POST /login`
pub async fn submit(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<LoginForm>,
) -> PageResult {
    let form = form.into_inner();
    let Some(purpose) = purpose(&ui, &form.request, &form.next).await else {
        return Err(PageError::RequestExpired);
    };
    let client_id = match &purpose {
        SignInFor::Authorize(p) => Some(p.client_id.clone()),
        SignInFor::Local(_) => None,
    };
    let client = match &client_id {
        Some(id) => ui.clients.find(id).await.ok().flatten(),
        None => None,
    };
    let asked = needs_captcha(&ui, &req).await;
    let flow = Csp::page().in_flow(&purpose);
    let upstreams = super::upstream::buttons(&ui, client_id.as_deref()).await;
    let retry = |message: &str, status: StatusCode, ask: bool| {
        let (token, cookie) = csrf::issue(&ui, &req);
        let page = LoginPage {
            client: client.as_ref(),
            request: &form.request,
            next: &form.next,
            register: ui.settings.registration.mode == crate::RegistrationMode::Open,
            csrf: &token,
            email: &form.email,
            error: Some(message),
            captcha: None,
            passkeys: ui.passkeys.is_some(),
            upstreams: upstreams.clone(),
        };
        csrf::attach(with_captcha(&ui, page, ask, status, flow.clone()), cookie)
    };
    // The CAPTCHA comes before the password, so that a guesser learns nothing without it.
    if asked && !crate::io::captcha::passes(&ui, &req, &form.captcha).await {
        return Ok(retry(
            &crate::io::captcha::failed(),
            StatusCode::UNPROCESSABLE_ENTITY,
            true,
        ));
    }
    if form.email.len() > 320
        || form.password.len() > 1024
        || form.email.trim().is_empty()
        || form.password.is_empty()
    {
        count_failure(&ui, &req).await;
        return Ok(retry(
            &crate::t("error-wrong-credentials"),
            StatusCode::UNAUTHORIZED,
            needs_captcha(&ui, &req).await,
        ));
    }
    // Counted before the password is checked, by the typed address (known or not).
    let typed = domain::users::normalize_email(&form.email)
        .unwrap_or_else(|_| form.email.trim().to_lowercase());
    match crate::web::throttle::password_allowed(&ui, &req, &typed).await {
        Err(wait) => {
            let message = crate::t1("error-too-many-sign-ins", "wait", wait.words());
            return Ok(wait.on(retry(&message, StatusCode::TOO_MANY_REQUESTS, asked)));
        }
        Ok(delay) if !delay.is_zero() => tokio::time::sleep(delay).await,
        Ok(_) => {}
    }
    let found = ui
        .users
        .verify_password(&form.email, &form.password)
        .await?;
    let Some(user) = found else {
        audit_failure(&ui, &req, &form.email, client_id.as_deref()).await;
        count_failure(&ui, &req).await;
        return Ok(retry(
            &crate::t("error-wrong-credentials"),
            StatusCode::UNAUTHORIZED,
            needs_captcha(&ui, &req).await,
        ));
    };
    let status =
        UserStatus::at(&user, time::OffsetDateTime::now_utc()).unwrap_or(UserStatus::Disabled);
    if let Some(refusal) = refusal(&ui, status, &user) {
        // Only someone who knows the password learns the account's state.
        record(
            &ui,
            &req,
            with_client(
                AuditEvent::failure("login.failed", format!("account {status}"))
                    .subject(user.id.clone()),
                client_id.as_deref(),
            ),
        )
        .await;
        return Ok(retry(&refusal, StatusCode::FORBIDDEN, asked));
    }
    ui.users.record_good_password(&user).await?;
    let first = Factors {
        amr: vec!["pwd".into()],
        acr: ACR_SINGLE_FACTOR,
        remember: form.remember.is_some(),
    };
    let target = Target {
        request: &form.request,
        next: &form.next,
    };
    next_step(&ui, &req, &user, purpose, target, first, true).await
}

/// What the page says when the password is right but the account may not sign in. Only
/// then does the page say the account is locked, and for how long.
pub(crate) fn refusal(ui: &LoginUi, status: UserStatus, user: &user::Model) -> Option<String> {
    if status_may_sign_in(status, ui.settings.pending_may_sign_in) {
        return None;
    }
    Some(match status {
        UserStatus::Pending => crate::t("error-confirm-email-first"),
        UserStatus::Locked => match user.locked_until {
            Some(until) => {
                let secs = (until - time::OffsetDateTime::now_utc()).whole_seconds();
                let minutes = u64::try_from(secs).unwrap_or(0).div_ceil(60).max(1);
                crate::t1("error-account-locked-for", "minutes", minutes)
            }
            None => crate::t("error-account-locked"),
        },
        _ => crate::t("error-account-unavailable"),
    })
}

/// Audits a wrong password or unknown account, and counts it towards the account's lock.
async fn audit_failure(ui: &LoginUi, req: &HttpRequest, email: &str, client_id: Option<&str>) {
    crate::web::audit::count_sign_in("pwd", "failure");
    let known = ui.users.find_by_email(email).await.ok().flatten();
    let Some(user) = known else {
        let event = AuditEvent::failure("login.failed", "unknown account");
        record(ui, req, with_client(event, client_id)).await;
        return;
    };
    // A locked account's password is not even checked (the page says "wrong" either way).
    let locked = UserStatus::at(&user, time::OffsetDateTime::now_utc())
        .is_ok_and(|s| s == UserStatus::Locked);
    let reason = if locked {
        "account locked"
    } else {
        "wrong password"
    };
    let event = AuditEvent::failure("login.failed", reason).subject(user.id.clone());
    record(ui, req, with_client(event, client_id)).await;
    match ui
        .users
        .record_failed_password(&user.id, ui.settings.lockout)
        .await
    {
        Ok(true) => {
            let event =
                AuditEvent::failure("user.locked", "too many failed sign-ins").subject(user.id);
            record(ui, req, with_client(event, client_id)).await;
        }
        Ok(false) => {}
        Err(e) => tracing::error!(error = %e, "cannot count a failed sign-in"),
    }
}

has_csrf!(LoginForm);
