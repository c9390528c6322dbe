//! Delivering the authorization response: redirect with a query, or an auto-posted form.

use actix_web::HttpResponse;
use actix_web::http::header;
use domain::authorization::ResponseMode;

use crate::Provider;
use crate::error::OAuthError;

/// Sends `params` (plus `iss`, RFC 9207) to the verified redirect URI.
pub fn deliver(
    provider: &Provider,
    redirect_uri: &str,
    mode: ResponseMode,
    mut params: Vec<(&'static str, String)>,
) -> HttpResponse {
    params.push(("iss", provider.settings.issuer.clone()));
    match mode {
        ResponseMode::FormPost => provider.pages.form_post(redirect_uri, &params),
        ResponseMode::Query => {
            let Ok(mut url) = url::Url::parse(redirect_uri) else {
                // Registered URIs are validated absolute URLs; this cannot happen.
                return provider.pages.error(
                    actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "The application's redirect URI is not a valid URL.",
                );
            };
            url.query_pairs_mut()
                .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
            HttpResponse::Found()
                .insert_header((header::LOCATION, url.to_string()))
                .finish()
        }
    }
}

/// The successful response: the code and the client's state.
pub fn code(
    provider: &Provider,
    redirect_uri: &str,
    mode: ResponseMode,
    code: String,
    state: Option<String>,
) -> HttpResponse {
    let mut params = vec![("code", code)];
    if let Some(state) = state {
        params.push(("state", state));
    }
    deliver(provider, redirect_uri, mode, params)
}

/// An error response with `error`, `error_description` and the client's state.
pub fn error(
    provider: &Provider,
    redirect_uri: &str,
    mode: ResponseMode,
    state: Option<String>,
    error: &OAuthError,
) -> HttpResponse {
    let mut params = vec![
        ("error", error.code.as_str().to_owned()),
        ("error_description", error.description.clone()),
    ];
    if let Some(state) = state {
        params.push(("state", state));
    }
    deliver(provider, redirect_uri, mode, params)
}
