//! The second step of sign-in (`/login/mfa`): after the right password, a user with a second
//! factor enters a code from their authenticator app or one of their recovery codes.
//!
//! Between the two steps the half-signed-in state lives in the cache (so any node can take
//! the second step) under a random key held in a short-lived cookie; five tries end it
//! (counted atomically before each code is checked). Wrong codes also count per account in
//! the database, across sign-ins (finding l): at `rate_limit.code_failures_lock_after` the
//! account is locked and its owner mailed; guesses per account are rate-limited as well.

use std::time::Duration;

use actix_web::cookie::Cookie;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::entities::user;
use domain::users::Purpose;
use serde::Deserialize;

use crate::LoginUi;
use crate::flow::acr::{ACR_MULTI_FACTOR, key_amr};
use crate::flow::completion::{Factors, complete};
use crate::flow::mfa_setup::{
    CodesStep, SavedForm, SetupForm as SetupPage, clean_secret, codes_page, not_saved, otpauth_uri,
    totp_page, wrong_setup_code,
};
use crate::flow::pending_step::{COOKIE, Pending, TTL, key, load, save, tries_key};
use crate::flow::purpose::purpose;
use crate::io::{mail, sms};
use crate::web::audit::record;
use crate::web::csp::Csp;
use crate::web::csrf_form::{CsrfForm, has_csrf};
use crate::web::errors::{PageError, PageResult, server_error};
use crate::web::{csrf, render};

/// Tries of one pending step before the sign-in starts over.
const MAX_ATTEMPTS: i64 = 5;

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage<'a> {
    csrf: &'a str,
    error: Option<&'a str>,
    /// `totp`, `sms` or `recovery`.
    method: &'a str,
    has_totp: bool,
    has_sms: bool,
    has_passkey: bool,
    /// A text message was just sent.
    sms_sent: bool,
    trust_days: u32,
}

/// The code form.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    /// `totp` or `recovery`.
    #[serde(default)]
    method: String,
    /// "Don't ask again on this browser": any value.
    #[serde(default)]
    trust: Option<String>,
}

/// How long the account stays locked, when it is.
fn lock_left(user: &user::Model) -> Option<Duration> {
    let at = time::OffsetDateTime::now_utc();
    if domain::users::UserStatus::at(user, at).ok()? != domain::users::UserStatus::Locked {
        return None;
    }
    let until = user.locked_until?;
    Some(Duration::from_secs(
        u64::try_from((until - at).whole_seconds())
            .unwrap_or(0)
            .max(1),
    ))
}

/// The page of a locked account's second step, with the time left; its "Forgot password?"
/// carries the parked `request` of the sign-in (empty: none), so the reset leads back to it.
fn locked_page(left: Duration, request: &str) -> HttpResponse {
    let wait = crate::web::throttle::Wait(left.as_secs().max(1));
    wait.on(render::locked(
        StatusCode::TOO_MANY_REQUESTS,
        &crate::t1("error-codes-locked", "wait", wait.words()),
        request,
    ))
}

/// Counts a wrong code against the account (the count survives new sign-ins); when it
/// reaches the limit, locks the account, audits it and mails the owner. True when locked.
pub(crate) async fn count_wrong_code(ui: &LoginUi, req: &HttpRequest, user: &user::Model) -> bool {
    let policy = ui.settings.limits.code_lockout;
    match ui.users.record_failed_second_factor(&user.id, policy).await {
        Ok(true) => {
            let event =
                AuditEvent::failure("user.locked", "too many wrong codes").subject(user.id.clone());
            record(ui, req, event).await;
            let minutes = policy.duration.as_secs().div_ceil(60);
            let name = user.display_name.as_deref();
            if let Some(to) = user.email.as_deref() {
                let locked = crate::i18n::Lang::for_user(user.locale.as_deref())
                    .scope(|| mail::codes_locked(to, name, minutes));
                mail::send(ui, locked).await;
            }
            true
        }
        Ok(false) => false,
        Err(e) => {
            tracing::error!(error = %e, "cannot count a wrong code");
            false
        }
    }
}

/// Which method a page shows.
#[derive(Debug, Clone, Copy)]
struct Shown<'a> {
    method: &'a str,
    sms_sent: bool,
}

async fn page(
    ui: &LoginUi,
    req: &HttpRequest,
    user_id: &str,
    status: StatusCode,
    error: Option<&str>,
    shown: Shown<'_>,
) -> PageResult {
    let enrollment = ui.mfa.enrollment(user_id).await?;
    // Without an authenticator app, text messages are the default.
    let passkeys = enrollment.passkeys > 0 && ui.passkeys.is_some();
    let method = match shown.method {
        "recovery" => "recovery",
        "sms" if enrollment.sms => "sms",
        "totp" if enrollment.totp => "totp",
        _ if passkeys => "passkey",
        _ if enrollment.totp => "totp",
        _ => "sms",
    };
    let (token, cookie) = csrf::issue(ui, req);
    let view = SecondFactorPage {
        csrf: &token,
        error,
        method,
        has_totp: enrollment.totp,
        has_sms: enrollment.sms && ui.sms.is_some(),
        has_passkey: passkeys,
        sms_sent: shown.sms_sent,
        trust_days: ui.settings.trusted_device_days,
    };
    let csp = flow_csp(ui, req).await;
    let csp = if method == "passkey" {
        csp.scripts()
    } else {
        csp
    };
    Ok(csrf::attach(render::page(status, &view, &csp), cookie))
}

/// The policy of a page of this browser's pending second step: its forms may end at the
/// client of the authorization request the sign-in is for.
async fn flow_csp(ui: &LoginUi, req: &HttpRequest) -> Csp {
    match load(ui, req).await {
        Some((_, pending)) => Csp::page().in_flow_of(ui, &pending.request).await,
        None => Csp::page(),
    }
}

/// Query of `GET /login/mfa`.
#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    /// `totp`, `sms` or `recovery`.
    #[serde(default)]
    method: String,
}

/// `GET /login/mfa[?method=recovery|sms|totp]`
pub async fn show(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<ShowQuery>,
) -> PageResult {
    let Some((_, pending)) = load(&ui, &req).await else {
        return Err(PageError::RequestExpired);
    };
    let shown = Shown {
        method: &query.method,
        sms_sent: false,
    };
    page(&ui, &req, &pending.user_id, StatusCode::OK, None, shown).await
}

/// The form of `POST /login/mfa/sms`.
#[derive(Debug, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /login/mfa/sms`: texts a code to the user's verified number (one a minute).
pub async fn send_sms(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    _form: CsrfForm<SendForm>,
) -> PageResult {
    let Some((_, pending)) = load(&ui, &req).await else {
        return Err(PageError::RequestExpired);
    };
    let user = match ui.users.find(&pending.user_id).await {
        Ok(Some(u)) => u,
        Ok(None) => return Err(PageError::RequestExpired),
        Err(e) => return Err(e.into()),
    };
    let phone = user
        .phone_number
        .as_deref()
        .filter(|_| user.phone_number_verified)
        .and_then(sms::e164);
    let enrolled = ui.mfa.enrollment(&user.id).await.is_ok_and(|e| e.sms);
    if let (Some(phone), true) = (phone, enrolled)
        && let Err(e) = sms::text_code(&ui, &user, &phone, Purpose::SmsCode).await
    {
        return Err(e.into());
    }
    let shown = Shown {
        method: "sms",
        sms_sent: true,
    };
    page(&ui, &req, &user.id, StatusCode::OK, None, shown).await
}

/// `POST /login/mfa`
pub async fn submit(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<CodeForm>,
) -> PageResult {
    let Some((token, pending)) = load(&ui, &req).await else {
        return Err(PageError::RequestExpired);
    };
    let user = match ui.users.find(&pending.user_id).await {
        Ok(Some(u)) => u,
        Ok(None) => return Err(PageError::RequestExpired),
        Err(e) => return Err(e.into()),
    };
    if let Some(left) = lock_left(&user) {
        return Ok(locked_page(left, &pending.request));
    }
    // One try of this step, counted atomically before the code is checked: parallel
    // guesses cannot get more than MAX_ATTEMPTS evaluated.
    let tries = ui.cache.incr(&tries_key(&token), TTL).await?;
    if tries > MAX_ATTEMPTS {
        return Ok(too_many_tries(&ui, &token).await);
    }
    if let Err(wait) = crate::web::throttle::code_guess_allowed(&ui, &user.id).await {
        let message = crate::t1("error-too-many-codes", "wait", wait.words());
        let shown = Shown {
            method: &form.method,
            sms_sent: false,
        };
        let status = StatusCode::TOO_MANY_REQUESTS;
        return Ok(wait.on(page(&ui, &req, &user.id, status, Some(&message), shown).await?));
    }
    let recovery = form.method == "recovery";
    let sms = form.method == "sms";
    let passed = if recovery {
        ui.mfa.use_recovery_code(&user.id, &form.code).await
    } else if sms {
        let enrolled = ui.mfa.enrollment(&user.id).await.is_ok_and(|e| e.sms);
        ui.tokens
            .redeem_code(Purpose::SmsCode, &user.id, &form.code)
            .await
            .map(|used| enrolled && used.is_some())
    } else {
        ui.mfa
            .verify_totp(&user.id, &user.label(), &form.code)
            .await
    };
    let passed = passed?;
    let method = if recovery {
        "recovery_code"
    } else if sms {
        "sms"
    } else {
        "totp"
    };
    if !passed {
        let event =
            AuditEvent::failure("mfa.failed", format!("wrong {method}")).subject(user.id.clone());
        metrics::counter!("gatehouse_second_factor_total", "outcome" => "failure").increment(1);
        record(&ui, &req, event).await;
        if count_wrong_code(&ui, &req, &user).await {
            end_step(&ui, &token).await;
            let policy = ui.settings.limits.code_lockout;
            return Ok(locked_page(policy.duration, &pending.request));
        }
        if tries >= MAX_ATTEMPTS {
            return Ok(too_many_tries(&ui, &token).await);
        }
        let message = &crate::t("error-code-wrong");
        let shown = Shown {
            method: &form.method,
            sms_sent: false,
        };
        return page(
            &ui,
            &req,
            &user.id,
            StatusCode::UNAUTHORIZED,
            Some(message),
            shown,
        )
        .await;
    }
    let amr = match method {
        "sms" => "sms",
        _ => "otp",
    };
    let trust = form.trust.is_some();
    let passed = Passed { method, amr, trust };
    succeed(&ui, &req, (&token, &pending), &user, passed).await
}

/// Ends a pending second step. Its try counter stays until it expires: a request that
/// read the step just before must not find a fresh counter.
async fn end_step(ui: &LoginUi, token: &str) {
    if let Err(e) = ui.cache.delete(&key(token)).await {
        tracing::error!(error = %e, "cannot end a pending second step");
    }
}

/// The step's tries are used up: it ends, and the sign-in starts over.
async fn too_many_tries(ui: &LoginUi, token: &str) -> HttpResponse {
    end_step(ui, token).await;
    render::error(
        StatusCode::UNAUTHORIZED,
        "access_denied",
        &crate::t("error-too-many-wrong-codes"),
    )
}

/// How the second step was passed.
struct Passed<'a> {
    /// For the audit: `totp`, `sms`, `recovery_code`, `passkey`.
    method: &'a str,
    /// The RFC 8176 value of the second factor.
    amr: &'a str,
    /// "Don't ask again on this browser".
    trust: bool,
}

/// Finishes a sign-in whose second step passed: one use of the pending state, audit, the
/// session, and the trusted-browser cookie when asked for.
async fn succeed(
    ui: &LoginUi,
    req: &HttpRequest,
    parked: (&str, &Pending),
    user: &user::Model,
    passed: Passed<'_>,
) -> PageResult {
    let (token, pending) = parked;
    // One use only: the pending state goes before the session is made.
    match ui.cache.delete(&key(token)).await {
        Ok(true) => {}
        Ok(false) => return Err(PageError::RequestExpired),
        Err(e) => return Err(e.into()),
    }
    if let Err(e) = ui.users.record_good_second_factor(&user.id).await {
        tracing::error!(error = %e, "cannot clear the count of wrong codes");
    }
    let method = passed.method;
    metrics::counter!("gatehouse_second_factor_total", "outcome" => "success").increment(1);
    let event = AuditEvent::success("mfa.succeeded")
        .subject(user.id.clone())
        .data(serde_json::json!({ "method": method }));
    record(ui, req, event).await;
    if method == "recovery_code" {
        let left = ui
            .mfa
            .enrollment(&user.id)
            .await
            .map(|e| e.recovery_codes_left)
            .unwrap_or(0);
        let event = AuditEvent::success("mfa.recovery_code_used")
            .subject(user.id.clone())
            .data(serde_json::json!({ "left": left }));
        record(ui, req, event).await;
        let name = user.display_name.as_deref();
        if let Some(to) = user.email.as_deref() {
            let used = crate::i18n::Lang::for_user(user.locale.as_deref())
                .scope(|| mail::recovery_code_used(to, name, left));
            mail::send(ui, used).await;
        }
    }
    let Some(purpose) = purpose(ui, &pending.request, &pending.next).await else {
        return Err(PageError::RequestExpired);
    };
    let factors = Factors {
        amr: pending.amr_with(passed.amr),
        acr: ACR_MULTI_FACTOR,
        remember: pending.remember,
    };
    let mut res = complete(ui, req, user, factors, purpose, &pending.request).await?;
    if passed.trust
        && ui.settings.trusted_device_days > 0
        && let Some(cookie) = crate::flow::trusted_device::trust(
            ui,
            &user.id,
            user.email.as_deref().unwrap_or_default(),
        )
        .await
    {
        if let Err(e) = res.add_cookie(&cookie) {
            tracing::warn!(error = %e, "cannot set the trusted-browser cookie");
        }
        let event = AuditEvent::success("mfa.browser_trusted").subject(user.id.clone());
        record(ui, req, event).await;
    }
    let mut gone = Cookie::build(COOKIE, "").path("/login").finish();
    gone.make_removal();
    if let Err(e) = res.add_cookie(&gone) {
        tracing::warn!(error = %e, "cannot clear the second-step cookie");
    }
    Ok(res)
}

/// `POST /login/mfa/passkey/begin` (JSON answer): options to check one of the user's
/// passkeys.
pub async fn begin_passkey(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<SendForm>,
) -> PageResult {
    let refuse = |status: StatusCode, message: &str| {
        HttpResponse::build(status).json(serde_json::json!({ "error": message }))
    };
    if !csrf::verify(&ui, &req, &form.csrf) {
        return Ok(refuse(
            StatusCode::FORBIDDEN,
            "the form expired; reload the page",
        ));
    }
    let (Some((_, pending)), Some(passkeys)) = (load(&ui, &req).await, ui.passkeys.as_ref()) else {
        return Ok(refuse(StatusCode::BAD_REQUEST, "start signing in again"));
    };
    Ok(
        match passkeys.begin_authentication(&pending.user_id).await {
            Ok(Some((options, ceremony))) => HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(serde_json::json!({ "ceremony": ceremony, "options": options })),
            Ok(None) => refuse(StatusCode::BAD_REQUEST, "no passkey on this account"),
            Err(e) => server_error(&e),
        },
    )
}

/// The passkey form of the second step.
#[derive(Debug, Deserialize)]
pub struct PasskeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: String,
    #[serde(default)]
    trust: Option<String>,
}

/// `POST /login/mfa/passkey`: the passkey as the second step.
pub async fn passkey(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<PasskeyForm>,
) -> PageResult {
    let (Some((token, pending)), Some(passkeys)) = (load(&ui, &req).await, ui.passkeys.as_ref())
    else {
        return Err(PageError::RequestExpired);
    };
    let user = match ui.users.find(&pending.user_id).await {
        Ok(Some(u)) => u,
        Ok(None) => return Err(PageError::RequestExpired),
        Err(e) => return Err(e.into()),
    };
    let credential =
        serde_json::from_str::<webauthn_rs::prelude::PublicKeyCredential>(&form.credential);
    let used = match credential {
        Ok(c) => {
            passkeys
                .finish_authentication(&user.id, &form.ceremony, &c)
                .await?
        }
        Err(_) => None,
    };
    let Some(used) = used else {
        record(
            &ui,
            &req,
            AuditEvent::failure("mfa.failed", "passkey not verified").subject(user.id.clone()),
        )
        .await;
        let shown = Shown {
            method: "passkey",
            sms_sent: false,
        };
        let message = &crate::t("error-passkey-wrong");
        return page(
            &ui,
            &req,
            &user.id,
            StatusCode::UNAUTHORIZED,
            Some(message),
            shown,
        )
        .await;
    };
    let passed = Passed {
        method: "passkey",
        amr: key_amr(&used),
        trust: form.trust.is_some(),
    };
    succeed(&ui, &req, (&token, &pending), &user, passed).await
}

/// The setup form during sign-in.
#[derive(Debug, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    secret: String,
}

const SIGN_IN_SETUP: SetupPage<'static> = SetupPage {
    action: "/login/mfa/setup",
    required: true,
};

/// The pending sign-in that must set up a second factor, with its user.
async fn pending_setup(
    ui: &LoginUi,
    req: &HttpRequest,
) -> Result<(String, Pending, user::Model), PageError> {
    let Some((token, pending)) = load(ui, req).await else {
        return Err(PageError::RequestExpired);
    };
    if !pending.setup {
        return Err(PageError::RequestExpired);
    }
    match ui.users.find(&pending.user_id).await? {
        Some(u) => Ok((token, pending, u)),
        None => Err(PageError::RequestExpired),
    }
}

/// `GET /login/mfa/setup`: a policy requires a second factor the user does not have yet.
pub async fn setup_page(ui: web::Data<LoginUi>, req: HttpRequest) -> PageResult {
    let (_, pending, user) = pending_setup(&ui, &req).await?;
    let setup = ui.mfa.begin_totp(&user.id, &user.label()).await?;
    let shown = (setup.otpauth_uri.as_str(), setup.secret_base32.as_str());
    let csp = Csp::page().in_flow_of(&ui, &pending.request).await;
    Ok(totp_page(
        &ui,
        &req,
        StatusCode::OK,
        shown,
        None,
        SIGN_IN_SETUP,
        &csp,
    ))
}

/// `POST /login/mfa/setup`: the app's code turns it on; the recovery codes are shown, with
/// the button that finishes the sign-in.
pub async fn setup(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<SetupForm>,
) -> PageResult {
    let (token, mut pending, user) = pending_setup(&ui, &req).await?;
    match ui
        .mfa
        .confirm_totp(&user.id, &user.label(), &form.code)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            let secret = clean_secret(&form.secret);
            let uri = otpauth_uri(&ui, &user.label(), &secret);
            let shown = (uri.as_str(), secret.as_str());
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let message = wrong_setup_code();
            let message = Some(message.as_str());
            let csp = Csp::page().in_flow_of(&ui, &pending.request).await;
            return Ok(totp_page(
                &ui,
                &req,
                status,
                shown,
                message,
                SIGN_IN_SETUP,
                &csp,
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let event = AuditEvent::success("mfa.enrolled")
        .subject(user.id.clone())
        .data(serde_json::json!({ "factor": "totp", "during": "sign-in" }));
    record(&ui, &req, event).await;
    pending.set_up = true;
    save(&ui, &token, &pending).await?;
    let codes = ui.mfa.new_recovery_codes(&user.id).await?;
    // "Continue" is answered by a redirect to the client; the copy button is a script.
    let csp = Csp::page()
        .scripts()
        .in_flow_of(&ui, &pending.request)
        .await;
    Ok(codes_page(
        &ui,
        &req,
        &user.label(),
        &codes,
        CodesStep::SignIn,
        None,
        &csp,
    ))
}

/// `POST /login/mfa/continue`: finishes a sign-in whose second factor was just set up, once
/// the user ticked "I have saved them" (else the codes again, with the refusal).
pub async fn continue_after_setup(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<SavedForm>,
) -> PageResult {
    let (token, pending, user) = pending_setup(&ui, &req).await?;
    if !pending.set_up {
        return Err(PageError::RequestExpired);
    }
    if !form.ticked() {
        let csp = Csp::page()
            .scripts()
            .in_flow_of(&ui, &pending.request)
            .await;
        let codes = form.codes();
        let step = CodesStep::SignIn;
        let refused = Some(not_saved());
        return Ok(codes_page(
            &ui,
            &req,
            &user.label(),
            &codes,
            step,
            refused,
            &csp,
        ));
    }
    match ui.cache.delete(&key(&token)).await {
        Ok(true) => {}
        Ok(false) => return Err(PageError::RequestExpired),
        Err(e) => return Err(e.into()),
    }
    let Some(purpose) = purpose(&ui, &pending.request, &pending.next).await else {
        return Err(PageError::RequestExpired);
    };
    let factors = Factors {
        amr: pending.amr_with("otp"),
        acr: ACR_MULTI_FACTOR,
        remember: pending.remember,
    };
    complete(&ui, &req, &user, factors, purpose, &pending.request).await
}

has_csrf!(CodeForm, PasskeyForm, SendForm, SetupForm);
