//! The device authorization endpoint (RFC 8628 3.1, 3.2): a device that cannot show a
//! browser asks for a device code and a short user code; the person enters the user code on
//! `/device` (the hosted pages) with any browser, and the device polls the token endpoint
//! with `grant_type=urn:ietf:params:oauth:grant-type:device_code`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use domain::audit::AuditEvent;
use domain::clients::DEVICE_CODE;
use domain::grants::NewDeviceAuthorization;
use serde::Serialize;

use crate::Provider;
use crate::error::{ErrorCode, OAuthError};
use crate::{cors, limits, paths, resources};

/// The answer of the device authorization endpoint (RFC 8628 3.2).
#[derive(Debug, Serialize)]
pub struct DeviceAuthorizationResponse {
    /// The code the device polls the token endpoint with.
    pub device_code: String,
    /// The code the person types: `XXXX-XXXX`.
    pub user_code: String,
    /// Where the person types it.
    pub verification_uri: String,
    /// The same page with the code filled in (for a QR code or a link).
    pub verification_uri_complete: String,
    /// Seconds both codes live.
    pub expires_in: u64,
    /// Seconds the device waits between polls.
    pub interval: u32,
}

/// `POST /device_authorization`, with CORS headers for the client's allowed origins.
pub async fn device_authorization(
    provider: web::Data<Provider>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let answer = start(&provider, &req, &body).await;
    cors::for_authenticating_client(&provider, &req, &body, answer).await
}

/// `GET /device_authorization`: the endpoint takes a form in a `POST` only (RFC 8628 3.1).
pub async fn not_post() -> HttpResponse {
    let mut res = actix_web::ResponseError::error_response(&OAuthError::invalid_request(
        "use POST with an application/x-www-form-urlencoded body",
    ));
    *res.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    res.headers_mut().insert(
        header::ALLOW,
        header::HeaderValue::from_static("POST, OPTIONS"),
    );
    res
}

async fn start(
    provider: &Provider,
    req: &HttpRequest,
    body: &[u8],
) -> Result<HttpResponse, OAuthError> {
    let params = crate::token::form(req, body)?;
    // Exactly as at the token endpoint, under the same failed-authentication limits.
    let client = limits::authenticate(provider, req, &params).await?;
    if !client.grant_types.iter().any(|g| g == DEVICE_CODE) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client may not use the device authorization grant",
        ));
    }
    let scopes = crate::authorize::request::scopes(&client, params.get("scope"))?;
    let resources = resources::requested(&client, &params)?;
    let issued = provider
        .devices
        .start(NewDeviceAuthorization {
            client_id: client.client_id.clone(),
            scope: scopes.join(" "),
            resources,
        })
        .await?;
    provider
        .audit
        .record(
            AuditEvent::success("device.requested")
                .client(client.client_id.clone())
                .data(serde_json::json!({ "scope": scopes })),
        )
        .await?;
    let verification_uri = provider.url(paths::DEVICE);
    let verification_uri_complete = format!("{verification_uri}?user_code={}", issued.user_code);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(DeviceAuthorizationResponse {
            device_code: issued.device_code,
            user_code: issued.user_code,
            verification_uri,
            verification_uri_complete,
            expires_in: issued.expires_in.as_secs(),
            interval: issued.interval,
        }))
}
