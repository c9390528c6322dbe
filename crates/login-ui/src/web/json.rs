//! The JSON answers of the endpoints that page scripts call (passkey ceremonies).

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};

/// A JSON error `{"error": message}`, never cached.
pub(crate) fn json_error(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "error": message }))
}

/// The options of a begun WebAuthn ceremony, with the ceremony's id, never cached.
pub(crate) fn begun(ceremony: String, options: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "ceremony": ceremony, "options": options }))
}
