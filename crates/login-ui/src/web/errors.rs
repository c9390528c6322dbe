//! The error pages every handler answers with: a form that expired, a request that expired,
//! a server error.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::render;

/// The answer to a form whose CSRF token is missing or wrong.
pub(crate) fn expired_form() -> HttpResponse {
    render::error(
        StatusCode::FORBIDDEN,
        "csrf",
        &crate::t("error-form-expired"),
    )
}

/// The answer when the sign-in's authorization request (or pending step) is gone.
pub(crate) fn expired() -> HttpResponse {
    render::error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        &crate::t("error-request-expired"),
    )
}

/// The answer to a storage or other server failure (logged, never shown).
pub(crate) fn server_error(e: &domain::Error) -> HttpResponse {
    tracing::error!(error = %e, "page failed");
    render::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        &crate::t("error-server"),
    )
}
