//! SCIM errors (RFC 7644 3.12): `{"schemas":[...Error], "status":"400", "scimType":
//! "invalidFilter", "detail":"..."}` as `application/scim+json`, the status as a string.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::problem::ApiError;

/// The error message schema.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The SCIM media type.
pub const SCIM_JSON: &str = "application/scim+json";

/// A SCIM failure.
#[derive(Debug, thiserror::Error)]
pub enum ScimError {
    /// An admin API or domain failure, mapped to its SCIM status and type.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A request SCIM itself refuses.
    #[error("{detail}")]
    Invalid {
        /// HTTP status.
        status: u16,
        /// The RFC 7644 `scimType`.
        scim_type: &'static str,
        /// For a person.
        detail: String,
    },
}

impl From<domain::Error> for ScimError {
    fn from(e: domain::Error) -> Self {
        ScimError::Api(ApiError::Domain(e))
    }
}

impl ScimError {
    /// A 400 of `scim_type`.
    pub fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        ScimError::Invalid {
            status: 400,
            scim_type,
            detail: detail.into(),
        }
    }

    /// Status, `scimType` and detail.
    fn parts(&self) -> (u16, Option<&'static str>, String) {
        use domain::Error as E;
        match self {
            ScimError::Invalid {
                status,
                scim_type,
                detail,
            } => (*status, Some(scim_type), detail.clone()),
            ScimError::Api(ApiError::Unauthenticated(d)) => (401, None, d.clone()),
            ScimError::Api(ApiError::BadRequest(d)) => (400, Some("invalidSyntax"), d.clone()),
            ScimError::Api(ApiError::Domain(e)) if e.is_unavailable() => (
                503,
                None,
                "the database cannot be reached; retry shortly".into(),
            ),
            ScimError::Api(ApiError::Domain(e)) => match e {
                E::Invalid { field, reason } => {
                    let kind = match *field {
                        "filter" => "invalidFilter",
                        "path" => "invalidPath",
                        _ => "invalidValue",
                    };
                    (400, Some(kind), format!("{field}: {reason}"))
                }
                E::NotFound(what) => (404, None, format!("{what} not found")),
                E::Conflict(what) => (409, Some("uniqueness"), format!("{what} already exists")),
                E::WrongState(d) => (409, None, d.clone()),
                E::Forbidden(d) => (403, None, d.clone()),
                E::Stale(what) => (
                    412,
                    None,
                    format!("the {what} changed since you read it: read it again and retry"),
                ),
                _ => (500, None, "internal error".into()),
            },
        }
    }
}

impl ResponseError for ScimError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.parts().0).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let (status, scim_type, detail) = self.parts();
        if status == 500 {
            tracing::error!(error = %self, "SCIM request failed");
        }
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": status.to_string(),
            "detail": detail,
        });
        if let Some(t) = scim_type {
            body["scimType"] = t.into();
        }
        let mut res = HttpResponse::build(self.status_code());
        res.content_type(SCIM_JSON);
        match status {
            401 => {
                res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            503 => {
                res.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            _ => {}
        }
        res.body(body.to_string())
    }
}
