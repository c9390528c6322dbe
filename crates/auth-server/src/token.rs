//! The token endpoint (RFC 6749 3.2, OIDC Core 3.1.3): one module per grant type.

mod authorization_code;
mod client_credentials;
mod device_code;
pub mod issue;
mod refresh_token;
pub mod token_exchange;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::audit::AuditEvent;
use serde::Serialize;

use crate::Provider;
use crate::error::{ErrorCode, OAuthError};
use crate::limits;
use crate::params::Params;
use crate::{cors, dpop};

/// A successful token response (RFC 6749 5.1).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// `DPoP` for a DPoP-bound access token (RFC 9449 5), else `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// A rotated refresh token, when issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The ID token, for `openid` requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// The granted scope.
    pub scope: String,
    /// What was issued, for token exchange (RFC 8693 2.2.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<&'static str>,
}

/// Whether the request body is a form.
pub(crate) fn require_form(req: &HttpRequest) -> Result<(), OAuthError> {
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        Ok(())
    } else {
        Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ))
    }
}

/// Parses a form body, refusing repeated parameters.
pub(crate) fn form(req: &HttpRequest, body: &[u8]) -> Result<Params, OAuthError> {
    require_form(req)?;
    Params::parse(body).map_err(|e| OAuthError::invalid_request(e.to_string()))
}

/// The fingerprint of the device making the request: its user agent and client hints.
fn device(provider: &Provider, req: &HttpRequest) -> Option<String> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    provider.grants.fingerprint(&[
        header("user-agent"),
        header("sec-ch-ua"),
        header("sec-ch-ua-platform"),
        header("sec-ch-ua-mobile"),
    ])
}

/// `POST /token`, with CORS headers for the client's allowed origins.
pub async fn token(
    provider: web::Data<Provider>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let answer = issue(&provider, &req, &body).await;
    let res = cors::for_authenticating_client(&provider, &req, &body, answer).await;
    dpop::with_nonce(&provider, res)
}

async fn issue(
    provider: &Provider,
    req: &HttpRequest,
    body: &[u8],
) -> Result<HttpResponse, OAuthError> {
    let params = form(req, body)?;
    let client = limits::authenticate(provider, req, &params).await?;
    let grant_type = params
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?;
    if !domain::clients::GRANT_TYPES.contains(&grant_type) {
        return Err(OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            format!("grant_type {grant_type:?} is not supported"),
        ));
    }
    if !client.grant_types.iter().any(|g| g == grant_type) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            format!("this client may not use the {grant_type} grant"),
        ));
    }
    // RFC 9449 5: a proof binds the tokens issued to its key.
    let jkt = dpop::verify(provider, req, crate::paths::TOKEN, None)
        .await
        .map_err(dpop::Refusal::into_oauth)?;
    if jkt.is_none() && client.requires_dpop() {
        return Err(OAuthError::new(
            ErrorCode::InvalidDpopProof,
            "this client's access tokens are DPoP-bound: send a DPoP proof",
        ));
    }
    let jkt = jkt.as_deref();
    let device = device(provider, req);
    let (response, user_id) = match grant_type {
        "authorization_code" => {
            authorization_code::exchange(provider, &client, &params, device, jkt).await?
        }
        "refresh_token" => refresh_token::exchange(provider, &client, &params, device, jkt).await?,
        "client_credentials" => (
            client_credentials::exchange(provider, &client, &params, jkt).await?,
            None,
        ),
        domain::clients::DEVICE_CODE => {
            device_code::exchange(provider, &client, &params, device, jkt).await?
        }
        domain::clients::TOKEN_EXCHANGE => {
            token_exchange::exchange(provider, &client, &params).await?
        }
        other => {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                format!("grant_type {other:?} is not supported"),
            ));
        }
    };
    let mut event = AuditEvent::success("token.issued")
        .client(client.client_id.clone())
        .data(serde_json::json!({
            "grant_type": grant_type,
            "scope": response.scope,
            "refresh_token": response.refresh_token.is_some(),
        }));
    if let Some(user_id) = user_id {
        event = event.subject(user_id);
    }
    // The grant has changed already (a code used, a refresh token rotated): refusing the
    // answer now would leave the client holding nothing that works. The event's log line is
    // out (the audit writer logs before storing); only its row is missing.
    if let Err(e) = provider.audit.record(event).await {
        metrics::counter!("gatehouse_audit_write_failures_total", "kind" => "token.issued")
            .increment(1);
        tracing::error!(error = %e, "tokens issued but their audit row could not be stored");
    }
    metrics::counter!(
        "gatehouse_tokens_issued_total",
        "grant" => grant_type.to_owned(), "client" => client.client_id.clone()
    )
    .increment(1);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(response))
}
