//! `ETag` on reads and `If-Match` on writes, so that two administrators editing the same
//! thing cannot silently overwrite each other (a stale `If-Match` is 412).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::problem::ApiError;

/// The version named by `If-Match`, if any (`*` matches any version).
pub fn if_match(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::BadRequest("If-Match is not text".into()))?
        .trim();
    if text == "*" {
        return Ok(None);
    }
    let tag = text.strip_prefix("W/").unwrap_or(text);
    tag.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|t| !t.is_empty() && !t.contains('"'))
        .map(|t| Some(t.to_owned()))
        .ok_or_else(|| {
            ApiError::BadRequest("If-Match must be an entity tag such as \"123\"".into())
        })
}

/// A 200 JSON answer carrying the version as a strong `ETag`.
pub fn json_with_etag<T: Serialize>(body: &T, version: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{version}\"")))
        .json(body)
}
