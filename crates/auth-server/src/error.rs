//! OAuth 2.0 errors (RFC 6749 5.2 and the OIDC and extension codes), mapped once to HTTP.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// The registered error codes Gatehouse answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Malformed or missing parameter.
    InvalidRequest,
    /// Client authentication failed.
    InvalidClient,
    /// Code, refresh token or credentials invalid.
    InvalidGrant,
    /// The client may not use this grant or response type.
    UnauthorizedClient,
    /// Unknown grant type.
    UnsupportedGrantType,
    /// Unknown or not allowed scope.
    InvalidScope,
    /// The user or server refused.
    AccessDenied,
    /// Unknown response type.
    UnsupportedResponseType,
    /// Something broke on our side.
    ServerError,
    /// The database or cache is unreachable for now: answered as `503` with `Retry-After`.
    TemporarilyUnavailable,
    /// `prompt=none` but the user must sign in.
    LoginRequired,
    /// `prompt=none` but the user must consent.
    ConsentRequired,
    /// `prompt=none` but the user must interact.
    InteractionRequired,
    /// `request` objects are not supported.
    RequestNotSupported,
    /// `request_uri` is not supported.
    RequestUriNotSupported,
    /// The request object is invalid (RFC 9101 6.3, OIDC Core 3.1.2.6).
    InvalidRequestObject,
    /// The `request_uri` cannot be used: unreachable, refused or not a request object.
    InvalidRequestUri,
    /// The bearer token is invalid (RFC 6750).
    InvalidToken,
    /// Revocation of this token type is not supported (RFC 7009).
    UnsupportedTokenType,
    /// The requested resource or audience is unknown or not allowed (RFC 8707 2, RFC 8693 2.2.2).
    InvalidTarget,
    /// The person has not decided on the device authorization yet (RFC 8628 3.5).
    AuthorizationPending,
    /// The device polls too fast: wait 5 seconds more between polls (RFC 8628 3.5).
    SlowDown,
    /// The device code expired (RFC 8628 3.5).
    ExpiredToken,
    /// The DPoP proof is missing or invalid (RFC 9449 5.1).
    InvalidDpopProof,
    /// The DPoP proof must carry the server's nonce (RFC 9449 8).
    UseDpopNonce,
    /// A registered redirect URI is not acceptable (RFC 7591 3.2.2).
    InvalidRedirectUri,
    /// A registered metadata value is not acceptable (RFC 7591 3.2.2).
    InvalidClientMetadata,
    /// The software statement is not accepted (RFC 7591 3.2.2).
    InvalidSoftwareStatement,
}

impl ErrorCode {
    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorCode::LoginRequired => "login_required",
            ErrorCode::ConsentRequired => "consent_required",
            ErrorCode::InteractionRequired => "interaction_required",
            ErrorCode::RequestNotSupported => "request_not_supported",
            ErrorCode::RequestUriNotSupported => "request_uri_not_supported",
            ErrorCode::InvalidRequestObject => "invalid_request_object",
            ErrorCode::InvalidRequestUri => "invalid_request_uri",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::UnsupportedTokenType => "unsupported_token_type",
            ErrorCode::InvalidTarget => "invalid_target",
            ErrorCode::AuthorizationPending => "authorization_pending",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::ExpiredToken => "expired_token",
            ErrorCode::InvalidDpopProof => "invalid_dpop_proof",
            ErrorCode::UseDpopNonce => "use_dpop_nonce",
            ErrorCode::InvalidRedirectUri => "invalid_redirect_uri",
            ErrorCode::InvalidClientMetadata => "invalid_client_metadata",
            ErrorCode::InvalidSoftwareStatement => "invalid_software_statement",
        }
    }
}

/// An OAuth error with a description for the developer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {description}", code.as_str())]
pub struct OAuthError {
    /// The error code.
    pub code: ErrorCode,
    /// What was wrong, in words.
    pub description: String,
    /// Set when a rate limit refused the request: answered as `429` with `Retry-After`.
    pub retry_after: Option<u64>,
}

impl OAuthError {
    /// An error with `code` and `description`.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    /// A rate limit refused the request: `invalid_request` (no OAuth error code names a
    /// rate limit outside the device flow's `slow_down`), `429` with `Retry-After`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after: Some(retry_after_secs),
            ..Self::invalid_request(format!(
                "too many requests: try again in {retry_after_secs} seconds"
            ))
        }
    }

    /// `invalid_request`.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    /// `invalid_grant`.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidGrant, description)
    }

    /// `invalid_client`.
    pub fn invalid_client() -> Self {
        Self::new(ErrorCode::InvalidClient, "client authentication failed")
    }

    /// `server_error`; the cause is logged, not shown.
    pub fn server(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            ErrorCode::ServerError,
            "the server could not complete the request",
        )
    }
}

impl From<domain::Error> for OAuthError {
    fn from(e: domain::Error) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "storage unavailable");
            return Self::new(
                ErrorCode::TemporarilyUnavailable,
                "the service is temporarily unavailable: try again shortly",
            );
        }
        Self::server(&e)
    }
}

/// Seconds a client is asked to wait after a `503`.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    error_description: &'a str,
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        if self.retry_after.is_some() {
            return StatusCode::TOO_MANY_REQUESTS;
        }
        match self.code {
            ErrorCode::InvalidClient | ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
            ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"));
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        } else if self.code == ErrorCode::TemporarilyUnavailable {
            res.insert_header((
                header::RETRY_AFTER,
                UNAVAILABLE_RETRY_AFTER_SECS.to_string(),
            ));
        }
        if self.code == ErrorCode::InvalidClient {
            res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"gatehouse\""));
        }
        res.json(Body {
            error: self.code.as_str(),
            error_description: &self.description,
        })
    }
}
