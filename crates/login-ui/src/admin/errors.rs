//! The console's error type: handlers return [`ConsoleResult`] and use `?`; a refusal of the
//! domain (forbidden, not found, invalid, changed meanwhile) is shown with its reason, a
//! server failure as the pages' generic error.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::web::csp::Csp;
use crate::web::errors::{PageError, server_error};
use crate::web::render;

/// Why a console page could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Sign in first, the form expired, or a server failure: as on every page.
    #[error(transparent)]
    Page(#[from] PageError),
    /// The domain refused or failed.
    #[error(transparent)]
    Domain(#[from] domain::Error),
    /// The signed-in person holds no administrative role.
    #[error("not an administrator")]
    NotAdmin,
    /// The session was signed in without a second factor, which administration needs.
    #[error("administration needs a sign-in with a second factor")]
    NeedsSecondFactor,
    /// A destructive action was sent without its confirmation.
    #[error("not confirmed")]
    NotConfirmed,
}

/// What a console handler answers.
pub type ConsoleResult = Result<HttpResponse, ConsoleError>;

#[derive(Template)]
#[template(path = "admin/error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
    /// Offer to sign in again (with the second factor).
    sign_in_again: bool,
}

fn page(status: StatusCode, title: &str, message: &str, sign_in_again: bool) -> HttpResponse {
    render::page(
        status,
        &ErrorPage {
            title,
            message,
            sign_in_again,
        },
        &Csp::page(),
    )
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Page(e) => e.status_code(),
            Self::Domain(e) => domain_status(e),
            Self::NotAdmin | Self::NeedsSecondFactor => StatusCode::FORBIDDEN,
            Self::NotConfirmed => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            Self::Page(e) => e.error_response(),
            Self::Domain(e) if status.is_server_error() => server_error(e),
            Self::Domain(e) => page(status, refusal_title(status), &e.to_string(), false),
            Self::NotAdmin => page(
                status,
                "Not an administrator",
                "Your account holds no administrative role (gatehouse:admin, gatehouse:users, gatehouse:clients or gatehouse:audit).",
                false,
            ),
            Self::NeedsSecondFactor => page(
                status,
                "Sign in with your second factor",
                "Administration needs a sign-in with a second factor, and this session was signed in without one. Sign out, then sign in again: you will be asked for your second factor, or to set one up.",
                true,
            ),
            Self::NotConfirmed => page(
                status,
                "Not confirmed",
                "This action cannot be undone: tick the confirmation box to go ahead.",
                false,
            ),
        }
    }
}

/// The status of a domain error on a console page.
fn domain_status(e: &domain::Error) -> StatusCode {
    use domain::Error;
    match e {
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Invalid { .. } => StatusCode::BAD_REQUEST,
        Error::Conflict(_) | Error::WrongState(_) => StatusCode::CONFLICT,
        Error::Stale(_) => StatusCode::PRECONDITION_FAILED,
        e if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn refusal_title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::PRECONDITION_FAILED => "Changed by someone else",
        StatusCode::CONFLICT => "Not possible now",
        _ => "Not accepted",
    }
}
