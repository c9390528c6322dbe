//! Errors as RFC 9457 problem details (`application/problem+json`), mapped once.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// A problem document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`about:blank` for plain HTTP meanings).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time, for a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The offending field, for invalid input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An admin API failure.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No credentials, or credentials that do not work.
    #[error("authentication required: {0}")]
    Unauthenticated(String),
    /// Bad input that never reached the domain (a query or body that does not parse).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A domain failure.
    #[error(transparent)]
    Domain(#[from] domain::Error),
}

/// The problem type URIs, under the API's own namespace.
const TYPES: &str = "https://gatehouse.dev/problems/";

impl ApiError {
    fn problem(&self) -> Problem {
        use domain::Error as E;
        let (status, kind, title, detail, field) = match self {
            ApiError::Unauthenticated(d) => (
                401,
                "unauthenticated",
                "Authentication required",
                Some(d.clone()),
                None,
            ),
            ApiError::BadRequest(d) => (400, "bad-request", "Bad request", Some(d.clone()), None),
            ApiError::Domain(e) if e.is_unavailable() => (
                503,
                "unavailable",
                "Temporarily unavailable",
                Some("the database cannot be reached; retry shortly".into()),
                None,
            ),
            ApiError::Domain(e) => match e {
                E::Invalid { field, reason } => (
                    400,
                    "invalid",
                    "Invalid value",
                    Some(format!("{field}: {reason}")),
                    Some((*field).to_owned()),
                ),
                E::NotFound(what) => (
                    404,
                    "not-found",
                    "Not found",
                    Some(format!("{what} not found")),
                    None,
                ),
                E::Conflict(what) => (
                    409,
                    "conflict",
                    "Already exists",
                    Some(format!("{what} already exists")),
                    None,
                ),
                E::WrongState(d) => (
                    409,
                    "wrong-state",
                    "Not possible in the current state",
                    Some(d.clone()),
                    None,
                ),
                E::Forbidden(d) => (403, "forbidden", "Forbidden", Some(d.clone()), None),
                E::Stale(what) => (
                    412,
                    "stale",
                    "Changed since read",
                    Some(format!(
                        "the {what} changed since you read it: read it again (new ETag) and retry"
                    )),
                    None,
                ),
                _ => (500, "internal", "Internal error", None, None),
            },
        };
        Problem {
            kind: format!("{TYPES}{kind}"),
            title: title.into(),
            status,
            detail,
            field,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.problem().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let problem = self.problem();
        if problem.status == 500 {
            tracing::error!(error = %self, "admin API request failed");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.content_type("application/problem+json");
        match problem.status {
            401 => {
                res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            503 => {
                res.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            _ => {}
        }
        res.json(problem)
    }
}
