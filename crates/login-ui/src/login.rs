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

use crate::csp::Csp;
use crate::render;
use crate::{LoginUi, csrf};

/// The single-factor ACR (see auth-server's ACR values).
pub(crate) const ACR_SINGLE_FACTOR: &str = "urn:gatehouse:loa:1";
/// The multi-factor ACR.
pub(crate) const ACR_MULTI_FACTOR: &str = "urn:gatehouse:loa:2";

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
    captcha: Option<crate::captcha::Widget>,
    /// Offer "Sign in with a passkey".
    passkeys: bool,
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
    captcha: crate::captcha::CaptchaFields,
}

const FAILURES_WINDOW: std::time::Duration = std::time::Duration::from_secs(3600);

fn failures_key(req: &HttpRequest) -> Option<String> {
    crate::client_ip(req).map(|ip| format!("login-failures:{ip}"))
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

/// Where a sign-in without an authorization request goes afterwards: a path on the
/// issuer's own origin only (no open redirect), the account page by default.
///
/// `next` is resolved against the issuer the way a browser would resolve it, so tricks that
/// browsers normalise away (`/\t/evil`, `/\\evil`, `///evil`) cannot name another host; what
/// is kept is the normalised path and query, never the raw input.
fn local_next(issuer: &str, next: &str) -> String {
    const DEFAULT: &str = "/account";
    if !next.starts_with('/')
        || next.len() > 512
        || next.chars().any(|c| c.is_control() || c == '\\')
    {
        return DEFAULT.to_owned();
    }
    let Ok(base) = url::Url::parse(issuer) else {
        return DEFAULT.to_owned();
    };
    match base.join(next) {
        Ok(target) if target.origin() == base.origin() && !target.path().starts_with("//") => {
            match target.query() {
                Some(q) => format!("{}?{q}", target.path()),
                None => target.path().to_owned(),
            }
        }
        _ => DEFAULT.to_owned(),
    }
}

/// Which sign-in this is: for an authorization request, or for Gatehouse's own pages.
pub(crate) enum SignInFor {
    Authorize(Box<domain::authorization::PendingRequest>),
    Local(String),
}

/// The sign-in's purpose from the form or query; `None` when its request expired.
pub(crate) async fn purpose(ui: &LoginUi, request: &str, next: &str) -> Option<SignInFor> {
    if request.is_empty() {
        return Some(SignInFor::Local(local_next(&ui.settings.issuer, next)));
    }
    load(ui, request)
        .await
        .map(|p| SignInFor::Authorize(Box::new(p)))
}

/// `GET /login?request=ID` (for an authorization request) or `GET /login?next=/account`.
pub async fn show(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<LoginQuery>,
) -> HttpResponse {
    let Some(purpose) = purpose(&ui, &query.request, &query.next).await else {
        return expired();
    };
    let (client, email, next) = match &purpose {
        SignInFor::Authorize(p) => (
            ui.clients.find(&p.client_id).await.ok().flatten(),
            p.login_hint.clone().unwrap_or_default(),
            String::new(),
        ),
        SignInFor::Local(next) => (None, String::new(), next.clone()),
    };
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
    };
    let ask = needs_captcha(&ui, &req).await;
    let flow = Csp::page().in_flow(&purpose);
    csrf::attach(with_captcha(&ui, page, ask, StatusCode::OK, flow), cookie)
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
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let form = form.into_inner();
    if !csrf::verify(&ui, &req, &form.csrf) {
        return expired_form();
    }
    let Some(purpose) = purpose(&ui, &form.request, &form.next).await else {
        return expired();
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
        };
        csrf::attach(with_captcha(&ui, page, ask, status, flow.clone()), cookie)
    };
    // The CAPTCHA comes before the password, so that a guesser learns nothing without it.
    if asked && !crate::captcha::passes(&ui, &req, &form.captcha).await {
        return retry(
            &crate::captcha::failed(),
            StatusCode::UNPROCESSABLE_ENTITY,
            true,
        );
    }
    if form.email.len() > 320
        || form.password.len() > 1024
        || form.email.trim().is_empty()
        || form.password.is_empty()
    {
        count_failure(&ui, &req).await;
        return retry(
            &crate::t("error-wrong-credentials"),
            StatusCode::UNAUTHORIZED,
            needs_captcha(&ui, &req).await,
        );
    }
    // Counted before the password is checked, by the typed address (known or not).
    let typed = domain::users::normalize_email(&form.email)
        .unwrap_or_else(|_| form.email.trim().to_lowercase());
    match crate::throttle::password_allowed(&ui, &req, &typed).await {
        Err(wait) => {
            let message = crate::t1("error-too-many-sign-ins", "wait", wait.words());
            return wait.on(retry(&message, StatusCode::TOO_MANY_REQUESTS, asked));
        }
        Ok(delay) if !delay.is_zero() => tokio::time::sleep(delay).await,
        Ok(_) => {}
    }
    let found = match ui.users.verify_password(&form.email, &form.password).await {
        Ok(f) => f,
        Err(e) => return server_error(&e),
    };
    let Some(user) = found else {
        audit_failure(&ui, &req, &form.email, client_id.as_deref()).await;
        count_failure(&ui, &req).await;
        return retry(
            &crate::t("error-wrong-credentials"),
            StatusCode::UNAUTHORIZED,
            needs_captcha(&ui, &req).await,
        );
    };
    let status =
        UserStatus::at(&user, time::OffsetDateTime::now_utc()).unwrap_or(UserStatus::Disabled);
    if let Some(refusal) = refusal(&ui, status) {
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
        return retry(&crate::t(refusal), StatusCode::FORBIDDEN, asked);
    }
    if let Err(e) = ui.users.record_good_password(&user).await {
        return server_error(&e);
    }
    let first = Factors {
        amr: vec!["pwd".into()],
        acr: ACR_SINGLE_FACTOR,
        remember: form.remember.is_some(),
    };
    let target = crate::second_factor::Target {
        request: &form.request,
        next: &form.next,
    };
    crate::second_factor::next_step(&ui, &req, &user, purpose, target, first, true).await
}

/// How the user proved who they are.
pub(crate) struct Factors {
    /// RFC 8176 method references.
    pub(crate) amr: Vec<String>,
    /// The authentication context class reached.
    pub(crate) acr: &'static str,
    /// The user asked to stay signed in.
    pub(crate) remember: bool,
}

/// Starts the browser session, audits the sign-in, and sends the browser on: back to the
/// authorization request, or to the local page it came from.
pub(crate) async fn complete(
    ui: &LoginUi,
    req: &HttpRequest,
    user: &user::Model,
    factors: Factors,
    mut purpose: SignInFor,
    request_id: &str,
) -> HttpResponse {
    let client_id = match &purpose {
        SignInFor::Authorize(p) => Some(p.client_id.clone()),
        SignInFor::Local(_) => None,
    };
    let (secret, session_id) = match sign_in(ui, req, user, &factors).await {
        Ok(pair) => pair,
        Err(e) => return server_error(&e),
    };
    let mut event = with_client(
        AuditEvent::success("login.succeeded")
            .subject(user.id.clone())
            .data(serde_json::json!({ "amr": factors.amr, "acr": factors.acr })),
        client_id.as_deref(),
    );
    event.session_id = Some(session_id.clone());
    record(ui, req, event).await;
    if ui.settings.new_sign_in_alert {
        alert_if_new_device(ui, req, user, &session_id).await;
    }
    let location = match &mut purpose {
        SignInFor::Authorize(pending) => {
            pending.signed_in_session = Some(session_id);
            if let Err(e) = ui.requests.update(request_id, pending).await {
                return server_error(&e);
            }
            format!("/authorize/resume?request={request_id}")
        }
        SignInFor::Local(next) => next.clone(),
    };
    let mut res = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish();
    let mut cookie = session_cookie(ui, secret);
    if factors.remember {
        // Outlives the browser's restart; without it, a cookie for this browser run only.
        let lifetime = ui.sessions.policy().lifetime(true);
        let seconds = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
        cookie.set_max_age(actix_web::cookie::time::Duration::seconds(seconds));
    }
    if let Err(e) = res.add_cookie(&cookie) {
        tracing::error!(error = %e, "cannot set the session cookie");
    }
    res
}

/// Mails the user when they signed in with a browser (browser and system) none of their
/// earlier sessions used. The very first sign-in is not news.
async fn alert_if_new_device(
    ui: &LoginUi,
    req: &HttpRequest,
    user: &user::Model,
    session_id: &str,
) {
    let agent = user_agent(req).unwrap_or_default();
    let device = crate::device::parse(&agent);
    let earlier = match ui.sessions.recent_user_agents(&user.id, session_id).await {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "cannot read earlier sessions");
            return;
        }
    };
    if earlier.is_empty()
        || earlier
            .iter()
            .any(|ua| crate::device::parse(ua.as_deref().unwrap_or_default()) == device)
    {
        return;
    }
    let when = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap_or_default();
    let device = device.to_string();
    let ip = client_ip(req).unwrap_or_default();
    let seen = crate::mail::SignInSeen {
        when: &when,
        device: &device,
        ip: &ip,
    };
    let name = user.display_name.as_deref();
    let alert = crate::i18n::Lang::for_user(user.locale.as_deref())
        .scope(|| crate::mail::new_sign_in(&user.email, name, &seen));
    crate::mail::send(ui, alert).await;
    record(
        ui,
        req,
        AuditEvent::success("login.new_device_alerted").subject(user.id.clone()),
    )
    .await;
}

/// The browser-session cookie carrying `secret`.
pub(crate) fn session_cookie(ui: &LoginUi, secret: String) -> Cookie<'static> {
    Cookie::build(COOKIE_NAME, secret)
        .path("/")
        .http_only(true)
        .secure(ui.settings.secure_cookies)
        .same_site(SameSite::Lax)
        .finish()
}

/// Starts (or renews, with a fresh cookie value) the browser session.
pub(crate) async fn sign_in(
    ui: &LoginUi,
    req: &HttpRequest,
    user: &user::Model,
    factors: &Factors,
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
                amr: factors.amr.clone(),
                acr: Some(factors.acr.to_owned()),
                remember: factors.remember,
                ip: client_ip(req),
                user_agent: user_agent(req),
            },
            current.as_ref(),
        )
        .await?;
    Ok((secret, row.id))
}

/// What the page says (a message key) when the password is right but the account may not
/// sign in.
fn refusal(ui: &LoginUi, status: UserStatus) -> Option<&'static str> {
    match status {
        UserStatus::Active => None,
        UserStatus::Pending if ui.settings.pending_may_sign_in => None,
        UserStatus::Pending => Some("error-confirm-email-first"),
        UserStatus::Locked => Some("error-account-locked"),
        UserStatus::Suspended | UserStatus::Disabled => Some("error-account-unavailable"),
    }
}

/// Adds the client to an event, when the sign-in is for one.
fn with_client(event: AuditEvent, client_id: Option<&str>) -> AuditEvent {
    match client_id {
        Some(id) => event.client(id.to_owned()),
        None => event,
    }
}

/// Audits a wrong password or unknown account, and counts it towards the account's lock.
async fn audit_failure(ui: &LoginUi, req: &HttpRequest, email: &str, client_id: Option<&str>) {
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

/// Writes an audit event with the request's IP and user agent; a failure is logged.
pub(crate) async fn record(ui: &LoginUi, req: &HttpRequest, mut event: AuditEvent) {
    event.ip = client_ip(req);
    event.user_agent = user_agent(req);
    if let Err(e) = ui.audit.record(event).await {
        tracing::error!(error = %e, "cannot write an audit event");
    }
}

fn client_ip(req: &HttpRequest) -> Option<String> {
    crate::client_ip(req).map(|ip| ip.to_string())
}

fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(512).collect())
}

pub(crate) async fn load(ui: &LoginUi, id: &str) -> Option<domain::authorization::PendingRequest> {
    match ui.requests.get(id).await {
        Ok(p) => {
            // The application's wish for the language comes first.
            if let Some(p) = &p {
                crate::i18n::prefer(&p.ui_locales);
            }
            p
        }
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
        &crate::t("error-form-expired"),
    )
}

pub(crate) fn expired() -> HttpResponse {
    render::error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        &crate::t("error-request-expired"),
    )
}

pub(crate) fn server_error(e: &domain::Error) -> HttpResponse {
    tracing::error!(error = %e, "page failed");
    render::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        &crate::t("error-server"),
    )
}
