//! Delivering the authorization response: redirect with a query, or an auto-posted form;
//! either with the parameters themselves or with one signed `response` JWT (JARM).

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use domain::authorization::ResponseMode;
use domain::keys::KeyAlg;
use serde_json::{Map, Value};

use crate::Provider;
use crate::error::OAuthError;
use crate::jwt;

/// How long a JARM response JWT is valid: the browser carries it to the client at once
/// (JARM 2.1 suggests minutes).
const JARM_LIFETIME: time::Duration = time::Duration::minutes(10);

/// Where and how an authorization response goes.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    /// The client (the audience of a JARM response).
    pub client_id: &'a str,
    /// The verified redirect URI.
    pub redirect_uri: &'a str,
    /// How to deliver.
    pub mode: ResponseMode,
}

/// Sends `params` (plus `iss`, RFC 9207) to the verified redirect URI.
pub async fn deliver(
    provider: &Provider,
    to: &Destination<'_>,
    mut params: Vec<(&'static str, String)>,
) -> HttpResponse {
    params.push(("iss", provider.settings.issuer.clone()));
    if to.mode.is_jwt() {
        params = match jarm(provider, to.client_id, &params).await {
            Ok(response) => vec![("response", response)],
            Err(e) => {
                tracing::error!(error = %e.description, "cannot sign the JARM response");
                return provider.pages.error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "The response to the application could not be signed.",
                );
            }
        };
    }
    if to.mode.is_form_post() {
        return provider.pages.form_post(to.redirect_uri, &params);
    }
    let Ok(mut url) = url::Url::parse(to.redirect_uri) else {
        // Registered URIs are validated absolute URLs; this cannot happen.
        return provider.pages.error(
            StatusCode::INTERNAL_SERVER_ERROR,
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

/// The response parameters as a JWT (JARM 2.1): `iss`, `aud`, `exp`, `iat` and the
/// parameters, signed with the client's `authorization_signed_response_alg` (RS256 when it
/// registered none; PS256 under FAPI 2.0).
async fn jarm(
    provider: &Provider,
    client_id: &str,
    params: &[(&'static str, String)],
) -> Result<String, OAuthError> {
    let client = provider.clients.get(client_id).await?;
    let alg = client
        .metadata
        .authorization_signed_response_alg
        .as_deref()
        .unwrap_or(client.metadata.default_signing_alg());
    let now = time::OffsetDateTime::now_utc();
    let mut c: Map<String, Value> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(v.clone())))
        .collect();
    c.insert("aud".into(), client_id.into());
    c.insert("iat".into(), jwt::unix(now).into());
    c.insert("exp".into(), jwt::unix(now + JARM_LIFETIME).into());
    jwt::sign(&provider.keys.current(), KeyAlg::parse(alg)?, "JWT", c)
}

/// The successful response: the code and the client's state.
pub async fn code(
    provider: &Provider,
    to: &Destination<'_>,
    code: String,
    state: Option<String>,
) -> HttpResponse {
    let mut params = vec![("code", code)];
    if let Some(state) = state {
        params.push(("state", state));
    }
    deliver(provider, to, params).await
}

/// An error response with `error`, `error_description` and the client's state.
pub async fn error(
    provider: &Provider,
    to: &Destination<'_>,
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
    deliver(provider, to, params).await
}
