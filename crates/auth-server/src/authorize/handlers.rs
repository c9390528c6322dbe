//! HTTP handlers of the authorization endpoint.

use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use domain::authorization::{ParkingFull, PendingRequest};
use domain::grants::NewCode;
use domain::sessions::COOKIE_NAME;
use serde::Deserialize;

use super::decide::{Decision, decide};
use super::request::{Rejection, validate};
use super::respond;
use crate::error::{ErrorCode, OAuthError};
use crate::{Provider, paths};

/// The longest an authorization code of a FAPI 2.0 client lives.
const FAPI2_CODE_LIFETIME: Duration = Duration::from_secs(60);

/// `GET /authorize`
pub async fn get(provider: web::Data<Provider>, req: HttpRequest) -> HttpResponse {
    if let Some(limited) = crate::limits::authorize(&provider, &req).await {
        return limited;
    }
    start(&provider, &req, req.query_string().as_bytes()).await
}

/// `POST /authorize` (form-encoded, OIDC Core 3.1.2.1)
pub async fn post(
    provider: web::Data<Provider>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    if let Some(limited) = crate::limits::authorize(&provider, &req).await {
        return limited;
    }
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return provider.pages.error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request must be sent as application/x-www-form-urlencoded.",
        );
    }
    start(&provider, &req, &body).await
}

/// Query of the resume endpoint.
#[derive(Debug, Deserialize)]
pub struct ResumeQuery {
    request: String,
}

/// `GET /authorize/resume?request=ID`: continue a parked request after sign-in or consent.
pub async fn resume(
    provider: web::Data<Provider>,
    req: HttpRequest,
    query: web::Query<ResumeQuery>,
) -> HttpResponse {
    let parked = match provider.requests.get(&query.request).await {
        Ok(Some(p)) => p,
        Ok(None) => return expired(&provider),
        Err(e) => return server_error(&provider, e.into()),
    };
    proceed(&provider, &req, parked, Some(query.into_inner().request)).await
}

async fn start(provider: &Provider, req: &HttpRequest, raw: &[u8]) -> HttpResponse {
    match validate(provider, raw).await {
        Ok(pending) => proceed(provider, req, pending, None).await,
        Err(Rejection::Page(message)) => {
            provider
                .pages
                .error(StatusCode::BAD_REQUEST, "invalid_request", &message)
        }
        Err(Rejection::RequestUri(message)) => {
            provider
                .pages
                .error(StatusCode::BAD_REQUEST, "invalid_request_uri", &message)
        }
        Err(Rejection::RequestObject(message)) => {
            provider
                .pages
                .error(StatusCode::BAD_REQUEST, "invalid_request_object", &message)
        }
        Err(Rejection::Redirect {
            client_id,
            redirect_uri,
            mode,
            state,
            error,
        }) => {
            let to = respond::Destination {
                client_id: &client_id,
                redirect_uri: &redirect_uri,
                mode,
            };
            respond::error(provider, &to, state, &error).await
        }
    }
}

async fn proceed(
    provider: &Provider,
    req: &HttpRequest,
    pending: PendingRequest,
    parked_id: Option<String>,
) -> HttpResponse {
    let session = match req.cookie(COOKIE_NAME) {
        Some(c) => match provider.sessions.find_live(c.value()).await {
            Ok(s) => s,
            Err(e) => return server_error(provider, e.into()),
        },
        None => None,
    };
    let decision = match decide(provider, &pending, session).await {
        Ok(d) => d,
        Err(e) => return server_error(provider, e),
    };
    match decision {
        Decision::Login => park_and_go(provider, req, &pending, parked_id, paths::LOGIN).await,
        Decision::Consent => park_and_go(provider, req, &pending, parked_id, paths::CONSENT).await,
        Decision::Fail(error) => {
            forget(provider, parked_id.as_deref()).await;
            respond::error(
                provider,
                &destination(&pending),
                pending.state.clone(),
                &error,
            )
            .await
        }
        Decision::Issue { session, user } => {
            // A pushed request completes once (FAPI 2.0: reusable until then): of two
            // browsers racing with it, one gets the code.
            if let Some(request_uri) = &pending.pushed {
                match provider.pushed.consume(request_uri).await {
                    Ok(true) => {}
                    Ok(false) => {
                        forget(provider, parked_id.as_deref()).await;
                        return provider.pages.error(
                            StatusCode::BAD_REQUEST,
                            "invalid_request_uri",
                            "This sign-in request was already used. Go back to the application and start again.",
                        );
                    }
                    Err(e) => return server_error(provider, e.into()),
                }
            }
            let amr: Vec<String> = serde_json::from_value(session.amr.clone()).unwrap_or_default();
            // FAPI 2.0 (5.3.2.1): codes live at most 60 seconds.
            let cap = match provider.clients.find(&pending.client_id).await {
                Ok(Some(c)) if c.metadata.is_fapi2() => FAPI2_CODE_LIFETIME,
                Ok(_) => Duration::MAX,
                Err(e) => return server_error(provider, e.into()),
            };
            let issued = provider
                .codes
                .issue_within(
                    NewCode {
                        client_id: pending.client_id.clone(),
                        user_id: user.id.clone(),
                        session_id: Some(session.id.clone()),
                        redirect_uri: pending.redirect_uri.clone(),
                        scope: pending.scopes.join(" "),
                        nonce: pending.nonce.clone(),
                        code_challenge: pending.code_challenge.clone(),
                        code_challenge_method: pending.code_challenge_method.clone(),
                        claims: pending.claims.clone(),
                        auth_time: session.auth_time,
                        acr: session.acr.clone(),
                        amr,
                        resources: pending.resources.clone(),
                        dpop_jkt: pending.dpop_jkt.clone(),
                    },
                    cap,
                )
                .await;
            match issued {
                Ok(code) => {
                    forget(provider, parked_id.as_deref()).await;
                    respond::code(
                        provider,
                        &destination(&pending),
                        code,
                        pending.state.clone(),
                    )
                    .await
                }
                Err(e) => server_error(provider, e.into()),
            }
        }
    }
}

/// Where the response to a validated request goes.
fn destination(pending: &PendingRequest) -> respond::Destination<'_> {
    respond::Destination {
        client_id: &pending.client_id,
        redirect_uri: &pending.redirect_uri,
        mode: pending.response_mode,
    }
}

/// Parks the request (once) and sends the browser to a hosted page. Parking is refused
/// when the caller's IP, or the server, has as many waiting requests as allowed.
async fn park_and_go(
    provider: &Provider,
    req: &HttpRequest,
    pending: &PendingRequest,
    parked_id: Option<String>,
    page: &str,
) -> HttpResponse {
    let id = match parked_id {
        Some(id) => id,
        None => match provider
            .requests
            .park(pending, crate::limits::client_ip(req))
            .await
        {
            Ok(Ok(id)) => id,
            Ok(Err(full)) => return parking_full(provider, full),
            Err(e) => return server_error(provider, e.into()),
        },
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("{page}?request={id}")))
        .finish()
}

async fn forget(provider: &Provider, parked_id: Option<&str>) {
    if let Some(id) = parked_id
        && let Err(e) = provider.requests.delete(id).await
    {
        tracing::warn!(error = %e, "cannot delete an answered authorization request");
    }
}

fn parking_full(provider: &Provider, full: ParkingFull) -> HttpResponse {
    tracing::warn!(
        ?full,
        "authorization request refused: too many waiting requests"
    );
    let mut res = provider.pages.error(
        StatusCode::TOO_MANY_REQUESTS,
        "temporarily_unavailable",
        "Too many sign-ins are waiting to be finished. Finish one that is open, or try again in a few minutes.",
    );
    // The waiting requests expire within their lifetime.
    let retry = provider.requests.ttl().as_secs().to_string();
    if let Ok(value) = header::HeaderValue::from_str(&retry) {
        res.headers_mut().insert(header::RETRY_AFTER, value);
    }
    res
}

fn expired(provider: &Provider) -> HttpResponse {
    provider.pages.error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "This sign-in request has expired or was already used. Go back to the application and start again.",
    )
}

fn server_error(provider: &Provider, e: OAuthError) -> HttpResponse {
    // The cause was logged where it happened (`OAuthError::server`); the page says nothing
    // about it.
    if e.code == ErrorCode::TemporarilyUnavailable {
        let mut res = provider.pages.error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "The service is briefly unavailable. Please try again in a few seconds.",
        );
        res.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(crate::error::UNAVAILABLE_RETRY_AFTER_SECS),
        );
        return res;
    }
    tracing::error!(error = %e.description, "authorization request failed");
    provider.pages.error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "Something went wrong on our side. Please try again.",
    )
}
