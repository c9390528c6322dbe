//! The authorization request that travels through registration, email verification and a
//! password reset, so that the user lands back in the application.

use actix_web::HttpResponse;
use serde::Deserialize;

use crate::LoginUi;

/// Query of `GET /register` and `GET /forgot-password`.
#[derive(Debug, Deserialize)]
pub struct ForRequest {
    /// The parked authorization request the page was opened from (empty: none).
    #[serde(default)]
    pub(crate) request: String,
}

/// `request` when it names a parked authorization request, else empty: only a live request
/// travels through registration, verification or a password reset.
pub(crate) async fn live_request(ui: &LoginUi, request: &str) -> String {
    if request.is_empty() || request.len() > 128 {
        return String::new();
    }
    match super::purpose::load(ui, request).await {
        Some(_) => request.to_owned(),
        None => String::new(),
    }
}

/// Where a confirmed address or a new password leads: back to the sign-in of the
/// authorization request carried in the mailed token's data, when it is still parked.
pub(crate) async fn back_to_request(
    ui: &LoginUi,
    data: Option<&serde_json::Value>,
) -> Option<HttpResponse> {
    let request = data
        .and_then(|d| d.get("request"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    let request = live_request(ui, request).await;
    if request.is_empty() {
        return None;
    }
    let mut location = url::form_urlencoded::Serializer::new(String::from("/login?"));
    location.append_pair("request", &request);
    Some(
        HttpResponse::SeeOther()
            .insert_header((actix_web::http::header::LOCATION, location.finish()))
            .finish(),
    )
}

/// The data a mailed token carries for `request` (a live parked request id, or empty).
pub(crate) fn token_data(request: &str) -> Option<serde_json::Value> {
    (!request.is_empty()).then(|| serde_json::json!({ "request": request }))
}
