//! The pushed authorization request endpoint (RFC 9126): an authenticated client posts the
//! parameters it would send to `/authorize`; they are validated by the same rules and
//! stored, bound to the client, and the answer names them by a short-lived `request_uri`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};
use serde::Serialize;

use crate::Provider;
use crate::error::{ErrorCode, OAuthError};
use crate::limits;

/// The answer (RFC 9126 2.2).
#[derive(Debug, Serialize)]
struct Pushed {
    request_uri: String,
    expires_in: u64,
}

/// `POST /par`
pub async fn push(
    provider: web::Data<Provider>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let res = match handle(&provider, &req, &body).await {
        Ok(res) => res,
        Err(e) => e.error_response(),
    };
    crate::dpop::with_nonce(&provider, res)
}

/// Any other method on `/par`: `405` (RFC 9126 2.1 allows only POST).
pub async fn other_method() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "POST"))
        .finish()
}

async fn handle(
    provider: &Provider,
    req: &HttpRequest,
    body: &[u8],
) -> Result<HttpResponse, OAuthError> {
    let params = crate::token::form(req, body)?;
    // Authenticated exactly as at the token endpoint (RFC 9126 2.1).
    let client = limits::authenticate(provider, req, &params).await?;
    if params
        .get("client_id")
        .is_some_and(|id| id != client.client_id)
    {
        return Err(OAuthError::invalid_request(
            "client_id does not match the authenticated client",
        ));
    }
    if params.has("request_uri") {
        return Err(OAuthError::invalid_request(
            "request_uri cannot be pushed (RFC 9126 2.1)",
        ));
    }
    // RFC 9449 10.1: a proof at PAR binds the code as `dpop_jkt` does; both must agree.
    let proven = crate::dpop::verify(provider, req, crate::paths::PAR, None)
        .await
        .map_err(crate::dpop::Refusal::into_oauth)?;
    // A pushed request object (RFC 9126 3): only its parameters are used.
    let params = if params.has("request") {
        crate::authorize::request_object::resolve(provider, &client, &params).await?
    } else {
        params
    };
    let mut pending = crate::authorize::validate_pushed(provider, &client, &params)?;
    if let Some(jkt) = proven {
        if pending.dpop_jkt.as_ref().is_some_and(|asked| *asked != jkt) {
            return Err(OAuthError::new(
                ErrorCode::InvalidDpopProof,
                "dpop_jkt does not match the key of the DPoP proof",
            ));
        }
        pending.dpop_jkt = Some(jkt);
    }
    let request_uri = provider.pushed.push(&pending).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(Pushed {
            request_uri,
            expires_in: provider.pushed.ttl().as_secs(),
        }))
}
