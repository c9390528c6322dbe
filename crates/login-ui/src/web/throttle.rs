//! The pages' rate limits (on the shared [`domain::ratelimit::RateLimiter`]): password
//! sign-in per IP address, per account and per both; requests that mail a stranger-typed
//! address per IP address and per address; code guesses per account; device user codes per
//! IP address and per session. Plus the per-account cooldown of mails, from the token store.

use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use domain::ratelimit::{Decision, bucket, progressive_delay, retry_secs};
use domain::users::Purpose;

use crate::LoginUi;

/// A limit refused the request: wait this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait(pub u64);

impl Wait {
    fn of(decision: Decision) -> Option<Self> {
        match decision {
            Decision::Allowed { .. } => None,
            Decision::Limited { retry_after } => Some(Wait(retry_secs(retry_after))),
        }
    }

    /// "N seconds" or "N minutes", for pages.
    pub fn words(self) -> String {
        match self.0 {
            s if s < 120 => crate::t1("duration-seconds", "count", s),
            s => crate::t1("duration-minutes", "count", s.div_ceil(60)),
        }
    }

    /// Adds `Retry-After` to a `429` answer.
    pub fn on(self, mut res: HttpResponse) -> HttpResponse {
        if let Ok(v) = header::HeaderValue::from_str(&self.0.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }

    /// The `429` page for a request refused by a limit.
    pub fn page(self) -> HttpResponse {
        self.on(crate::web::render::notice(
            StatusCode::TOO_MANY_REQUESTS,
            &crate::t("error-too-many-requests-title"),
            &crate::t1("error-too-many-requests", "wait", self.words()),
        ))
    }
}

/// A request that mails `address` (`kind`: `register`, `reset`, `resend`, `email-sign-in`):
/// counted per IP address and per address, each per kind. Unknown addresses count exactly
/// like known ones, so the answer tells nothing about accounts.
pub async fn mail_allowed(
    ui: &LoginUi,
    req: &HttpRequest,
    kind: &str,
    address: &str,
) -> Result<(), Wait> {
    let limits = &ui.settings.limits;
    if let Some(ip) = crate::web::request::client_ip(req) {
        let d = ui
            .limiter
            .check(bucket::MAIL_IP, &format!("{kind}:{ip}"), limits.mail_per_ip)
            .await;
        if let Some(wait) = Wait::of(d) {
            return Err(wait);
        }
    }
    let d = ui
        .limiter
        .check(
            bucket::MAIL_ADDRESS,
            &format!("{kind}:{address}"),
            limits.mail_per_address,
        )
        .await;
    Wait::of(d).map_or(Ok(()), Err)
}

/// A password sign-in for the typed (normalised) `email`, counted per IP address, per
/// account and per both, before the password is checked. Known and unknown addresses count
/// the same. Returns how long to wait before answering (the progressive delay, growing as
/// the (IP, account) budget runs out), or the limit that refused.
pub async fn password_allowed(
    ui: &LoginUi,
    req: &HttpRequest,
    email: &str,
) -> Result<Duration, Wait> {
    let limits = &ui.settings.limits;
    let ip = crate::web::request::client_ip(req)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let d = ui
        .limiter
        .check(bucket::PASSWORD_IP, &ip, limits.password_per_ip)
        .await;
    if let Some(wait) = Wait::of(d) {
        return Err(wait);
    }
    let d = ui
        .limiter
        .check(bucket::PASSWORD_ACCOUNT, email, limits.password_per_account)
        .await;
    if let Some(wait) = Wait::of(d) {
        return Err(wait);
    }
    let quota = limits.password_per_ip_account;
    let d = ui
        .limiter
        .check(bucket::PASSWORD_IP_ACCOUNT, &format!("{ip} {email}"), quota)
        .await;
    match Wait::of(d) {
        Some(wait) => Err(wait),
        None => Ok(progressive_delay(d, quota, limits.password_max_delay)),
    }
}

/// The start of a sign-in through an upstream identity provider, counted per IP address in
/// the budget of `/authorize` (`rate_limit.authorize_per_ip`): each start stores a sign-in
/// and may ask the upstream for its metadata.
pub async fn upstream_start_allowed(ui: &LoginUi, req: &HttpRequest) -> Result<(), Wait> {
    let Some(ip) = crate::web::request::client_ip(req) else {
        return Ok(());
    };
    let quota = ui.settings.limits.authorize_per_ip;
    let d = ui
        .limiter
        .check(bucket::AUTHORIZE_IP, &ip.to_string(), quota)
        .await;
    Wait::of(d).map_or(Ok(()), Err)
}

/// One guess of a code (second factor, mailed code) for the account `user_id`, counted
/// before the code is checked, so parallel guesses cannot go past the budget.
pub async fn code_guess_allowed(ui: &LoginUi, user_id: &str) -> Result<(), Wait> {
    let quota = ui.settings.limits.code_guesses_per_account;
    let d = ui.limiter.check(bucket::CODE_ACCOUNT, user_id, quota).await;
    Wait::of(d).map_or(Ok(()), Err)
}

/// One user code entered on `/device` (looked up, approved or denied), counted per IP
/// address and per browser session before the code is looked up: known and unknown codes
/// cost the same, so the answers tell nothing about which codes exist.
pub async fn device_code_allowed(
    ui: &LoginUi,
    req: &HttpRequest,
    session_id: &str,
) -> Result<(), Wait> {
    let limits = &ui.settings.limits;
    if let Some(ip) = crate::web::request::client_ip(req) {
        let d = ui
            .limiter
            .check(
                bucket::DEVICE_CODE_IP,
                &ip.to_string(),
                limits.device_codes_per_ip,
            )
            .await;
        if let Some(wait) = Wait::of(d) {
            return Err(wait);
        }
    }
    let d = ui
        .limiter
        .check(
            bucket::DEVICE_CODE_SESSION,
            session_id,
            limits.device_codes_per_session,
        )
        .await;
    Wait::of(d).map_or(Ok(()), Err)
}

/// Whether the account got a `purpose` mail within `cooldown` (so no other is sent yet).
/// Otherwise this request claims the slot in the cache, so that a concurrent request (the
/// mail work runs after the answer, so several can overlap) sees the account cooling down.
pub async fn cooling_down(
    ui: &LoginUi,
    purpose: Purpose,
    user_id: &str,
    cooldown: std::time::Duration,
) -> bool {
    match ui.tokens.last_issued(purpose, user_id).await {
        Ok(Some(at)) if time::OffsetDateTime::now_utc() - at < cooldown => return true,
        Ok(_) => {}
        Err(e) => {
            // Unknown: better one mail too few than a flood.
            tracing::error!(error = %e, "cannot read when the last mail was sent");
            return true;
        }
    }
    if cooldown.is_zero() {
        return false;
    }
    let key = format!("mail-slot:{}:{user_id}", purpose.as_str());
    match ui.cache.set_if_absent(&key, b"1", cooldown).await {
        Ok(claimed) => !claimed,
        Err(e) => {
            // The stored time above still spaces mails out; only a race can pass.
            tracing::error!(error = %e, "cannot claim the mail cooldown");
            false
        }
    }
}
