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
    let location = crate::web::render::sign_in_of(&request);
    Some(
        HttpResponse::SeeOther()
            .insert_header((actix_web::http::header::LOCATION, location))
            .finish(),
    )
}

/// The data a mailed token carries for `request` (a live parked request id, or empty): the
/// request, and its client, so that a link used after the request expired can still lead
/// back to the application's home page.
pub(crate) async fn token_data(ui: &LoginUi, request: &str) -> Option<serde_json::Value> {
    if request.is_empty() {
        return None;
    }
    let mut data = serde_json::json!({ "request": request });
    if let Some(client) = client_of(ui, request).await {
        data["client"] = serde_json::Value::String(client);
    }
    Some(data)
}

/// The client of the parked request `request`, if it is live.
pub(crate) async fn client_of(ui: &LoginUi, request: &str) -> Option<String> {
    if request.is_empty() {
        return None;
    }
    super::purpose::load(ui, request).await.map(|p| p.client_id)
}
