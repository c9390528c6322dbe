//! Rate limits of the protocol endpoints: failed client authentication per client_id and per
//! IP address (token, introspection, revocation), and `/authorize` per IP address.

use std::net::IpAddr;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use domain::clients::Client;
use domain::ratelimit::{Decision, Quota, bucket};

use crate::Provider;
use crate::client_auth;
use crate::error::{ErrorCode, OAuthError};
use crate::params::Params;

/// The address the request came from (behind a trusted proxy, the address it names).
pub(crate) fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    use actix_web::HttpMessage as _;
    domain::net::ClientIp::or_peer(req.extensions().get(), req.peer_addr())
}

/// One budget of [`authenticate`], looked at without spending it.
async fn peek(
    provider: &Provider,
    (name, key, quota): (&'static str, Option<&str>, Quota),
) -> (&'static str, Decision) {
    match key {
        Some(key) => (name, provider.limiter.peek(name, key, quota).await),
        None => (
            name,
            Decision::Allowed {
                remaining: u32::MAX,
            },
        ),
    }
}

/// [`client_auth::authenticate`] under the failed-authentication limits: a client_id or an
/// IP address over its budget of failures is refused with `429` before its credentials are
/// checked, and every `invalid_client` counts against both. Correct credentials cost
/// nothing, so a client under attack by someone else keeps working while its own budget
/// lasts, and other clients are not affected at all.
pub async fn authenticate(
    provider: &Provider,
    req: &HttpRequest,
    params: &Params,
) -> Result<Client, OAuthError> {
    let limits = &provider.limits;
    let ip = client_ip(req).map(|ip| ip.to_string());
    let id = claimed_client_id(req, params);
    let checks = [
        (
            bucket::CLIENT_AUTH_IP,
            ip.as_deref(),
            limits.client_auth_per_ip,
        ),
        (
            bucket::CLIENT_AUTH_CLIENT,
            id.as_deref(),
            limits.client_auth_per_client,
        ),
    ];
    // Both budgets at once: on Redis the two scripts share one round trip.
    let (a, b) = tokio::join!(peek(provider, checks[0]), peek(provider, checks[1]));
    for (name, decision) in [a, b] {
        if let Decision::Limited { retry_after } = decision {
            tracing::info!(bucket = name, "client authentication rate-limited");
            return Err(OAuthError::rate_limited(domain::ratelimit::retry_secs(
                retry_after,
            )));
        }
    }
    let result = client_auth::authenticate(provider, req, params).await;
    if let Err(e) = &result
        && e.code == ErrorCode::InvalidClient
    {
        for (name, key, quota) in checks {
            if let Some(key) = key {
                provider.limiter.check(name, key, quota).await;
            }
        }
    }
    result
}

/// The client_id the request names (Basic user name, else the form's `client_id`, else
/// the assertion's subject), bounded.
fn claimed_client_id(req: &HttpRequest, params: &Params) -> Option<String> {
    let basic = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(id, _)| id.to_owned()))
        .map(|id| {
            url::form_urlencoded::parse(format!("x={id}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        });
    basic
        .or_else(|| params.get("client_id").map(str::to_owned))
        .or_else(|| client_auth::assertion::claimed_client_id(params))
        .filter(|id| !id.is_empty() && id.len() <= 256)
}

/// `/authorize` per IP address: `None` to go ahead, or the page saying to wait (the client
/// is not validated yet, so there is nowhere safe to redirect to).
pub(crate) async fn authorize(provider: &Provider, req: &HttpRequest) -> Option<HttpResponse> {
    let ip = client_ip(req)?.to_string();
    let quota = provider.limits.authorize_per_ip;
    let Decision::Limited { retry_after } = provider
        .limiter
        .check(bucket::AUTHORIZE_IP, &ip, quota)
        .await
    else {
        return None;
    };
    let secs = domain::ratelimit::retry_secs(retry_after);
    let mut res = provider.pages.error(
        StatusCode::TOO_MANY_REQUESTS,
        "invalid_request",
        &format!("Too many sign-in requests from your network. Try again in {secs} seconds."),
    );
    if let Ok(value) = header::HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Some(res)
}

/// Request budgets by role (`rate_limit.by_role`): a principal gets the largest budget among
/// its roles, `default` when none is listed.
#[derive(Debug, Clone, Default)]
pub struct RoleBudgets {
    /// Requests per window, by role name (`default` for principals with no listed role).
    pub by_role: std::collections::BTreeMap<String, u32>,
    /// The window.
    pub window: std::time::Duration,
}

impl RoleBudgets {
    /// The quota of a principal holding `roles` (off when nothing applies).
    pub fn quota(&self, roles: &[String]) -> Quota {
        let listed = roles.iter().filter_map(|r| self.by_role.get(r)).copied();
        let limit = match listed.clone().any(|n| n == 0) {
            // A listed role with 0 is unlimited: the most generous budget wins.
            true => 0,
            false => listed
                .max()
                .or_else(|| self.by_role.get("default").copied())
                .unwrap_or(0),
        };
        Quota::new(limit, self.window)
    }
}

/// Spends one request of `principal` from its role budget and, for an API key with its own
/// limit, from the key's: `Err(429)` when either is used up.
pub async fn principal(
    provider: &Provider,
    principal: &str,
    roles: &[String],
    key_limit: Option<(&str, u32)>,
) -> Result<(), OAuthError> {
    let quota = provider.role_budgets.quota(roles);
    let mut checks = vec![(bucket::ROLE_PRINCIPAL, principal.to_owned(), quota)];
    if let Some((id, per_minute)) = key_limit {
        checks.push((
            bucket::API_KEY,
            id.to_owned(),
            Quota::new(per_minute, std::time::Duration::from_secs(60)),
        ));
    }
    for (name, key, quota) in checks {
        if quota.is_off() {
            continue;
        }
        if let Decision::Limited { retry_after } = provider.limiter.check(name, &key, quota).await {
            tracing::info!(bucket = name, "principal rate-limited");
            return Err(OAuthError::rate_limited(domain::ratelimit::retry_secs(
                retry_after,
            )));
        }
    }
    Ok(())
}
