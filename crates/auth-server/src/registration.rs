//! Dynamic client registration (RFC 7591) at `POST /connect/register`, and the client
//! configuration endpoint of RFC 7592 at `/connect/register/{client_id}` (GET, PUT, DELETE)
//! with the registration access token. (`/register` is the hosted sign-up page.)
//!
//! Who may register is `oauth.dynamic_registration`: `off`, `open`, or `token` (an initial
//! access token as bearer token). Software statements are not verified, so a request
//! carrying one is refused with `invalid_software_statement`. The registration access
//! token stays the same for the life of the client (it is not rotated on PUT).

mod metadata;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use domain::clients::{Client, NewClient, RegistrationError};
use domain::keys::KeyAlg;
use domain::ratelimit::Decision;
use serde_json::{Value, json};

use crate::Provider;
use crate::error::{ErrorCode, OAuthError};
use crate::{limits, paths};

/// Largest registration document accepted.
const MAX_BODY: usize = 64 * 1024;

/// `POST /connect/register`
pub async fn register(
    provider: web::Data<Provider>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    respond(create(&provider, &req, body).await)
}

/// `GET /connect/register/{client_id}`
pub async fn read(
    provider: web::Data<Provider>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    respond(read_client(&provider, &req, &path).await)
}

/// `PUT /connect/register/{client_id}`
pub async fn update(
    provider: web::Data<Provider>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> HttpResponse {
    respond(update_client(&provider, &req, &path, body).await)
}

/// `DELETE /connect/register/{client_id}`
pub async fn delete(
    provider: web::Data<Provider>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    respond(delete_client(&provider, &req, &path).await)
}

/// Why a request failed, answered as RFC 7591 3.2.2 says (or RFC 6750 for the token).
enum Failure {
    /// An OAuth error in a JSON body.
    OAuth(OAuthError),
    /// A missing or wrong bearer token: `401` with a `Bearer` challenge.
    Unauthorized(&'static str),
    /// Registration is off: `404`.
    Off,
    /// The body is over [`MAX_BODY`]: `413`.
    TooLarge,
}

impl From<OAuthError> for Failure {
    fn from(e: OAuthError) -> Self {
        Failure::OAuth(e)
    }
}

impl From<RegistrationError> for Failure {
    fn from(e: RegistrationError) -> Self {
        match e {
            RegistrationError::Off => Failure::Off,
            RegistrationError::Unauthorized(why) => Failure::Unauthorized(why),
            RegistrationError::Domain(domain::Error::Invalid { field, reason }) => {
                let code = match field {
                    "redirect_uri" => ErrorCode::InvalidRedirectUri,
                    _ => ErrorCode::InvalidClientMetadata,
                };
                Failure::OAuth(OAuthError::new(code, format!("{field}: {reason}")))
            }
            RegistrationError::Domain(other) => Failure::OAuth(other.into()),
        }
    }
}

fn respond(result: Result<HttpResponse, Failure>) -> HttpResponse {
    let mut res = match result {
        Ok(res) => return res,
        Err(Failure::OAuth(e)) => actix_web::ResponseError::error_response(&e),
        Err(Failure::Unauthorized(why)) => {
            let mut res = HttpResponse::Unauthorized();
            res.insert_header((
                header::WWW_AUTHENTICATE,
                format!("Bearer realm=\"gatehouse\", error=\"invalid_token\", error_description=\"{why}\""),
            ));
            res.json(json!({ "error": "invalid_token", "error_description": why }))
        }
        Err(Failure::Off) => HttpResponse::NotFound().json(json!({
            "error": "invalid_request",
            "error_description": "dynamic client registration is switched off on this server",
        })),
        Err(Failure::TooLarge) => HttpResponse::PayloadTooLarge().json(json!({
            "error": "invalid_request",
            "error_description": "the registration document is larger than 64 KiB",
        })),
    };
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

async fn create(
    provider: &Provider,
    req: &HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, Failure> {
    let registrations = &provider.registrations;
    if registrations.policy() == domain::clients::RegistrationPolicy::Off {
        return Err(Failure::Off);
    }
    rate_limit(provider, req).await?;
    let token = bearer(req)?;
    let map = json_body(req, body).await?;
    refuse_software_statement(&map)?;
    let new = metadata::to_new_client(&map, NewClient::default())?;
    check_algorithms(provider, &new)?;
    let done = registrations
        .register(token.as_deref(), new, ip(req))
        .await?;
    let mut info = metadata::client_information(&done.client, &client_uri(provider, &done.client));
    if let Some(secret) = done.client_secret {
        info.insert("client_secret".into(), Value::String(secret));
    }
    info.insert(
        "registration_access_token".into(),
        Value::String(done.registration_access_token),
    );
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(info))
}

async fn read_client(
    provider: &Provider,
    req: &HttpRequest,
    client_id: &str,
) -> Result<HttpResponse, Failure> {
    rate_limit(provider, req).await?;
    let token = bearer(req)?;
    let client = provider
        .registrations
        .read(client_id, token.as_deref())
        .await?;
    Ok(information(provider, &client, token))
}

async fn update_client(
    provider: &Provider,
    req: &HttpRequest,
    client_id: &str,
    body: web::Payload,
) -> Result<HttpResponse, Failure> {
    rate_limit(provider, req).await?;
    let token = bearer(req)?;
    // The token first: a stranger learns nothing about the client from its errors.
    let current = provider
        .registrations
        .read(client_id, token.as_deref())
        .await?;
    let map = json_body(req, body).await?;
    refuse_software_statement(&map)?;
    match map.get("client_id") {
        Some(Value::String(id)) if id == client_id => {}
        _ => {
            return Err(metadata::invalid(
                "client_id must be given and be the client's own (RFC 7592 2.2)",
            )
            .into());
        }
    }
    let secret = match map.get("client_secret") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(metadata::invalid("client_secret must be a string").into()),
    };
    let new = metadata::to_new_client(&map, current.to_new())?;
    check_algorithms(provider, &new)?;
    let client = provider
        .registrations
        .update(client_id, token.as_deref(), new, secret.as_deref(), ip(req))
        .await?;
    Ok(information(provider, &client, token))
}

async fn delete_client(
    provider: &Provider,
    req: &HttpRequest,
    client_id: &str,
) -> Result<HttpResponse, Failure> {
    rate_limit(provider, req).await?;
    let token = bearer(req)?;
    provider
        .registrations
        .delete(client_id, token.as_deref(), ip(req))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The client information response with the registration access token the client used.
fn information(provider: &Provider, client: &Client, token: Option<String>) -> HttpResponse {
    let mut info = metadata::client_information(client, &client_uri(provider, client));
    if let Some(token) = token {
        info.insert("registration_access_token".into(), Value::String(token));
    }
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(info)
}

fn client_uri(provider: &Provider, client: &Client) -> String {
    provider.url(&format!("{}/{}", paths::REGISTER, client.client_id))
}

/// The bearer token, if any (initial or registration access token).
fn bearer(req: &HttpRequest) -> Result<Option<String>, Failure> {
    let refused = || Failure::Unauthorized("the Authorization header must be Bearer and a token");
    match crate::userinfo::bearer_header(req).map_err(|_| refused())? {
        None => Ok(None),
        Some((crate::userinfo::Scheme::Bearer, token)) => Ok(Some(token)),
        Some((crate::userinfo::Scheme::Dpop, _)) => Err(refused()),
    }
}

/// The JSON object of the body, at most [`MAX_BODY`].
async fn json_body(
    req: &HttpRequest,
    body: web::Payload,
) -> Result<serde_json::Map<String, Value>, Failure> {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(OAuthError::invalid_request("the body must be application/json").into());
    }
    // The outer error is the limit; the inner one a broken connection.
    let bytes = match body.to_bytes_limited(MAX_BODY).await {
        Ok(Ok(bytes)) => bytes,
        Err(_) => return Err(Failure::TooLarge),
        Ok(Err(e)) => {
            return Err(
                OAuthError::invalid_request(format!("the body could not be read: {e}")).into(),
            );
        }
    };
    Ok(metadata::parse_body(&bytes)?)
}

/// Software statements (RFC 7591 2.3) are not verified here, so none is trusted.
fn refuse_software_statement(map: &serde_json::Map<String, Value>) -> Result<(), Failure> {
    if map.get("software_statement").is_some_and(|v| !v.is_null()) {
        return Err(OAuthError::new(
            ErrorCode::InvalidSoftwareStatement,
            "software statements are not accepted by this server: register without one",
        )
        .into());
    }
    Ok(())
}

/// Refuses a signing algorithm that no active key signs with: the client's tokens would fail.
fn check_algorithms(provider: &Provider, new: &NewClient) -> Result<(), Failure> {
    let ring = provider.keys.current();
    for (field, alg) in [
        (
            "id_token_signed_response_alg",
            &new.id_token_signed_response_alg,
        ),
        (
            "userinfo_signed_response_alg",
            &new.userinfo_signed_response_alg,
        ),
    ] {
        // Unknown names are refused by the registration's own checks, naming the field.
        let Some(parsed) = alg.as_deref().and_then(|a| KeyAlg::parse(a).ok()) else {
            continue;
        };
        if ring.active(parsed).is_none() {
            return Err(metadata::invalid(format!(
                "{field}: this server has no {} signing key",
                parsed.as_str()
            ))
            .into());
        }
    }
    Ok(())
}

/// Registration requests (every method) per IP address.
async fn rate_limit(provider: &Provider, req: &HttpRequest) -> Result<(), Failure> {
    let Some(ip) = limits::client_ip(req) else {
        return Ok(());
    };
    let quota = provider.limits.registrations_per_ip;
    if quota.is_off() {
        return Ok(());
    }
    if let Decision::Limited { retry_after } = provider
        .limiter
        .check(
            domain::ratelimit::bucket::REGISTRATION_IP,
            &ip.to_string(),
            quota,
        )
        .await
    {
        return Err(OAuthError::rate_limited(domain::ratelimit::retry_secs(retry_after)).into());
    }
    Ok(())
}

fn ip(req: &HttpRequest) -> Option<String> {
    limits::client_ip(req).map(|ip| ip.to_string())
}

/// Answers methods the endpoints do not take.
pub async fn other_method() -> HttpResponse {
    let mut res = actix_web::ResponseError::error_response(&OAuthError::invalid_request(
        "the registration endpoint takes POST; the client configuration endpoint GET, PUT and DELETE",
    ));
    *res.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    res
}
