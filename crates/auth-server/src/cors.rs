//! CORS for browser applications at `/token`, `/device_authorization`, `/userinfo` and
//! `/revoke` (each client lists its allowed web origins). Discovery and JWKS answer any origin
//! on their own; introspection is for servers and sends no CORS headers.
//!
//! The preflight cannot know the client (a browser sends no body with it), so it is answered
//! for any origin, and the actual response carries `Access-Control-Allow-Origin` only when
//! the origin is allowed for the client concerned: the client authenticating at `/token` and
//! `/revoke`, the token's client at `/userinfo`. Answering every preflight gives nothing away:
//! requests never carry credentials (no `Access-Control-Allow-Credentials`, ever), so what a
//! page on another origin can make a browser send, any program can send already; what CORS
//! protects is reading the answer, and that is decided per client. It also spares a lookup
//! of every client on each preflight.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use crate::Provider;

/// Request headers a browser application may send.
const ALLOWED_HEADERS: &str = "Authorization, Content-Type, DPoP";
/// How long a browser may reuse a preflight answer (Chromium caps it at 2 hours).
const MAX_AGE_SECS: &str = "7200";

/// `OPTIONS` of an endpoint taking `POST` (`/token`, `/device_authorization`, `/revoke`).
pub async fn preflight_post(req: HttpRequest) -> HttpResponse {
    preflight(&req, "POST")
}

/// `OPTIONS` of an endpoint taking `GET` and `POST` (`/userinfo`).
pub async fn preflight_get_post(req: HttpRequest) -> HttpResponse {
    preflight(&req, "GET, POST")
}

fn preflight(req: &HttpRequest, methods: &'static str) -> HttpResponse {
    let mut res = HttpResponse::NoContent();
    res.insert_header((header::ALLOW, format!("{methods}, OPTIONS")))
        .insert_header((header::VARY, "Origin"));
    if let Some(origin) = origin(req) {
        res.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, methods))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECS));
    }
    res.finish()
}

/// The answer of an endpoint where the client authenticates itself (`/token`, `/revoke`):
/// the error as OAuth JSON, and the CORS headers of the client the credentials name. The
/// page may read the `DPoP-Nonce` header (RFC 9449 8).
pub async fn for_authenticating_client(
    provider: &Provider,
    req: &HttpRequest,
    body: &[u8],
    answer: Result<HttpResponse, crate::error::OAuthError>,
) -> HttpResponse {
    let res = answer.unwrap_or_else(|e| actix_web::ResponseError::error_response(&e));
    decorate(
        provider,
        req,
        || crate::client_auth::claimed_client_id(req, body),
        Some("DPoP-Nonce"),
        res,
    )
    .await
}

/// Adds the CORS headers to `res` when the request's `Origin` is allowed for the client
/// that `client_id` names (called only for requests with an `Origin`). `expose` names
/// response headers the page may read (e.g. `WWW-Authenticate`).
pub async fn decorate(
    provider: &Provider,
    req: &HttpRequest,
    client_id: impl FnOnce() -> Option<String>,
    expose: Option<&'static str>,
    mut res: HttpResponse,
) -> HttpResponse {
    let headers = res.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    let Some(origin) = origin(req) else {
        return res;
    };
    let Some(client_id) = client_id() else {
        return res;
    };
    let allowed = match provider.clients.find(&client_id).await {
        Ok(Some(c)) => c
            .allowed_origins
            .iter()
            .any(|o| o.as_bytes() == origin.as_bytes()),
        Ok(None) => false,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the client for CORS");
            false
        }
    };
    if allowed {
        let headers = res.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        if let Some(expose) = expose {
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(expose),
            );
        }
    }
    res
}

/// The request's `Origin`, unless absent or `null`.
fn origin(req: &HttpRequest) -> Option<HeaderValue> {
    req.headers()
        .get(header::ORIGIN)
        .filter(|v| !v.is_empty() && v.as_bytes() != b"null")
        .cloned()
}
