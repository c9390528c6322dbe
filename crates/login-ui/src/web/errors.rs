//! The error pages every handler answers with, as one type: handlers return
//! `Result<HttpResponse, PageError>` and use `?`; actix renders the page.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};

use super::render;

/// Why a page could not do what was asked; each variant renders the page it always did.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Storage or another server part failed: logged, and the generic server error page.
    #[error("page failed: {0}")]
    Server(#[from] domain::Error),
    /// The form's CSRF token is missing or wrong.
    #[error("the form's CSRF token is missing or wrong")]
    FormExpired,
    /// The sign-in's authorization request (or pending step) is gone.
    #[error("the request expired")]
    RequestExpired,
    /// Not allowed here yet: the browser goes to this address (e.g. to sign in first).
    #[error("redirected to {0}")]
    SeeOther(String),
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Server(e) if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            Self::Server(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::FormExpired => StatusCode::FORBIDDEN,
            Self::RequestExpired => StatusCode::BAD_REQUEST,
            Self::SeeOther(_) => StatusCode::SEE_OTHER,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Server(e) => server_error(e),
            Self::FormExpired => render::error(
                StatusCode::FORBIDDEN,
                "csrf",
                &crate::t("error-form-expired"),
            ),
            Self::RequestExpired => render::error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &crate::t("error-request-expired"),
            ),
            Self::SeeOther(location) => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location.as_str()))
                .finish(),
        }
    }
}

/// What a page handler answers.
pub type PageResult = Result<HttpResponse, PageError>;

/// Seconds a browser is asked to wait after a `503`.
const UNAVAILABLE_RETRY_AFTER_SECS: u32 = 5;

/// The answer to a storage or other server failure (logged, never shown): `503` with
/// `Retry-After` while the database or cache is unreachable, `500` for anything else.
pub(crate) fn server_error(e: &domain::Error) -> HttpResponse {
    if e.is_unavailable() {
        tracing::warn!(error = %e, "page unavailable: storage unreachable");
        let mut res = render::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            &crate::t("error-unavailable"),
        );
        res.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(UNAVAILABLE_RETRY_AFTER_SECS),
        );
        return res;
    }
    tracing::error!(error = %e, "page failed");
    render::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        &crate::t("error-server"),
    )
}
