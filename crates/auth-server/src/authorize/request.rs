//! Turning authorization request parameters into a validated [`PendingRequest`].

use domain::authorization::{PendingRequest, ResponseMode, is_pushed};
use domain::clients::Client;

use crate::Provider;
use crate::error::{ErrorCode, OAuthError};
use crate::params::Params;

/// Largest size (bytes) of each parameter kept with a parked request, or checked against
/// something of bounded size. Unknown parameters are ignored and not kept.
const MAX_LENGTHS: &[(&str, usize)] = &[
    ("state", 1024),
    ("nonce", 512),
    ("login_hint", 320),
    ("acr_values", 1024),
    ("ui_locales", 256),
    ("claims_locales", 256),
    ("scope", 2048),
    ("prompt", 64),
    ("max_age", 20),
    ("display", 16),
    ("code_challenge", 128),
    ("code_challenge_method", 16),
    ("response_type", 64),
    ("response_mode", 32),
    ("id_token_hint", 16 * 1024),
    ("idp_hint", 64),
    ("guest", 8),
];
/// Largest `claims` parameter (JSON), in bytes.
const MAX_CLAIMS_LEN: usize = 4096;
/// Most `acr_values`.
const MAX_ACR_VALUES: usize = 8;
/// Most `ui_locales`.
const MAX_UI_LOCALES: usize = 10;

/// Why a request was refused, and how the refusal must be delivered.
#[derive(Debug)]
pub enum Rejection {
    /// The client or redirect URI cannot be trusted: show an error page, never redirect.
    Page(String),
    /// A `request_uri` that is unknown, expired, used up or another client's (RFC 9126 4),
    /// or that cannot be fetched: an error page too, since the redirect URI inside it
    /// cannot be read.
    RequestUri(String),
    /// A request object that cannot be used, and no registered redirect URI outside it: an
    /// error page.
    RequestObject(String),
    /// Tell the client, at its verified redirect URI.
    Redirect {
        /// The client (the audience of a JARM response).
        client_id: String,
        /// The verified redirect URI.
        redirect_uri: String,
        /// How to deliver.
        mode: ResponseMode,
        /// The client's state, echoed.
        state: Option<String>,
        /// The error.
        error: OAuthError,
    },
}

/// Validates the raw parameters (query string or form body) of an authorization request,
/// or loads the pushed request its `request_uri` names.
pub async fn validate(provider: &Provider, raw: &[u8]) -> Result<PendingRequest, Rejection> {
    let (params, repeated) = Params::parse_lenient(raw)
        .map_err(|e| Rejection::Page(format!("The request is malformed: {e}.")))?;
    if let Some(name) = repeated
        .iter()
        .find(|n| *n == "client_id" || *n == "redirect_uri" || *n == "request_uri")
    {
        return Err(Rejection::Page(format!("The request repeats {name}.")));
    }
    let client_id = params
        .get("client_id")
        .ok_or_else(|| Rejection::Page("The request has no client_id.".into()))?;
    let client = provider
        .clients
        .find(client_id)
        .await
        .map_err(|e| Rejection::Page(OAuthError::from(e).description))?
        .ok_or_else(|| Rejection::Page("The application is not registered here.".into()))?;
    if let Some(uri) = params.get("request_uri").filter(|u| is_pushed(u)) {
        return pushed(provider, &client, uri).await;
    }
    let require_pushed = provider.settings.require_pushed_authorization_requests
        || client.require_pushed_authorization_requests
        || client.metadata.is_fapi2();
    if super::request_object::present(&params) {
        // Only the parameters inside are used (RFC 9101 5).
        let inner = super::request_object::resolve(provider, &client, &params)
            .await
            .map_err(|e| object_rejection(&client, &params, e))?;
        return validated(provider, &client, &inner, &[], require_pushed);
    }
    validated(provider, &client, &params, &repeated, require_pushed)
}

/// How a request object that cannot be used is answered: at the redirect URI sent outside
/// it when that one is registered (with the state outside), else on an error page.
fn object_rejection(client: &Client, outer: &Params, error: OAuthError) -> Rejection {
    match outer
        .get("redirect_uri")
        .filter(|u| client.redirect_uris.iter().any(|r| r == u))
    {
        Some(redirect_uri) => Rejection::Redirect {
            client_id: client.client_id.clone(),
            redirect_uri: redirect_uri.to_owned(),
            mode: response_mode(outer),
            state: outer.get("state").map(str::to_owned),
            error,
        },
        None if error.code == ErrorCode::InvalidRequestUri => {
            Rejection::RequestUri(error.description)
        }
        None => Rejection::RequestObject(error.description),
    }
}

/// The response mode asked for (an unknown one falls back to query, and is refused later).
fn response_mode(params: &Params) -> ResponseMode {
    ResponseMode::parse(params.get("response_mode")).unwrap_or(ResponseMode::Query)
}

/// Validates the parameters of a request `client` pushes (RFC 9126 2.1) by the same rules
/// as at the authorization endpoint; no browser is involved, so every refusal is an error
/// answered to the client.
pub fn validate_pushed(
    provider: &Provider,
    client: &Client,
    params: &Params,
) -> Result<PendingRequest, OAuthError> {
    validated(provider, client, params, &[], false).map_err(|rejection| match rejection {
        Rejection::Page(message) | Rejection::RequestUri(message) => {
            OAuthError::invalid_request(message)
        }
        Rejection::RequestObject(message) => {
            OAuthError::new(ErrorCode::InvalidRequestObject, message)
        }
        Rejection::Redirect { error, .. } => error,
    })
}

/// A request pushed earlier: besides `client_id`, which must be the pushing client, every
/// parameter sent along is ignored (RFC 9126 4); the request was validated when pushed.
async fn pushed(
    provider: &Provider,
    client: &Client,
    request_uri: &str,
) -> Result<PendingRequest, Rejection> {
    let found = provider
        .pushed
        .get(request_uri, &client.client_id)
        .await
        .map_err(|e| Rejection::Page(OAuthError::from(e).description))?;
    let mut pending = found.ok_or_else(|| {
        Rejection::RequestUri(
            "The request_uri is unknown, has expired or was already used. Go back to the application and start again."
                .into(),
        )
    })?;
    pending.pushed = Some(request_uri.to_owned());
    Ok(pending)
}

/// The checks shared by both endpoints, once the client is known.
fn validated(
    provider: &Provider,
    client: &Client,
    params: &Params,
    repeated: &[String],
    require_pushed: bool,
) -> Result<PendingRequest, Rejection> {
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| Rejection::Page("The request has no redirect_uri.".into()))?;
    // Exact string comparison, query included (RFC 6749 3.1.2.3, OAuth 2.1).
    if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return Err(Rejection::Page(
            "The redirect_uri is not registered for this application.".into(),
        ));
    }
    let mode = response_mode(params);
    let state = params.get("state").map(str::to_owned);
    let reject = |error: OAuthError| Rejection::Redirect {
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        mode,
        state: state.clone(),
        error,
    };
    if let Some(name) = repeated.first() {
        return Err(reject(OAuthError::invalid_request(format!(
            "parameter {name} is repeated"
        ))));
    }
    if require_pushed {
        return Err(reject(OAuthError::invalid_request(
            "pushed authorization requests are required: POST the request to the pushed_authorization_request_endpoint first, then send its request_uri",
        )));
    }
    check(provider, client, params, mode).map_err(reject)
}

fn check(
    provider: &Provider,
    client: &Client,
    params: &Params,
    mode: ResponseMode,
) -> Result<PendingRequest, OAuthError> {
    let bad = |m: &str| OAuthError::invalid_request(m);
    // What is parked is bounded: every kept parameter has a size cap.
    for (name, max) in MAX_LENGTHS {
        if params.get(name).is_some_and(|v| v.len() > *max) {
            return Err(bad(&format!("{name} is longer than {max} bytes")));
        }
    }
    if let Some(m) = params.get("response_mode")
        && !super::RESPONSE_MODES.contains(&m)
    {
        return Err(bad(&format!("response_mode {m:?} is not supported")));
    }
    match params.get("response_type") {
        None => return Err(bad("response_type is required")),
        Some("code") => {}
        Some(other) => {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedResponseType,
                format!("response_type {other:?} is not supported; use code"),
            ));
        }
    }
    if !client.response_types.iter().any(|t| t == "code")
        || !client.grant_types.iter().any(|g| g == "authorization_code")
    {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client may not use the authorization code flow",
        ));
    }
    // Request objects were resolved before: these cannot be inside one.
    if params.has("request") || params.has("request_uri") {
        return Err(OAuthError::new(
            ErrorCode::InvalidRequestObject,
            "a request object cannot hold request or request_uri",
        ));
    }
    let scopes = scopes(client, params.get("scope"))?;
    let resources = crate::resources::requested(client, params)?;
    let (code_challenge, code_challenge_method) = pkce(client, params)?;
    let prompt = prompt(params.get("prompt"))?;
    let max_age = match params.get("max_age") {
        None => None,
        Some(v) => Some(
            v.parse::<u64>()
                .map_err(|_| bad("max_age must be a non-negative integer"))?,
        ),
    };
    let claims = match params.get("claims") {
        None => None,
        Some(text) => Some(claims_parameter(text)?),
    };
    if let Some(d) = params.get("display")
        && !["page", "popup", "touch", "wap"].contains(&d)
    {
        return Err(bad(&format!(
            "display {d:?} is not one of page, popup, touch, wap"
        )));
    }
    let guest = match params.get("guest") {
        None | Some("false") => false,
        Some("true") if client.allow_guests => true,
        Some("true") => {
            return Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "this client may not start guest sign-ins",
            ));
        }
        Some(_) => return Err(bad("guest must be true or false")),
    };
    let dpop_jkt = params.get("dpop_jkt").map(str::to_owned);
    if dpop_jkt
        .as_deref()
        .is_some_and(|j| !crate::dpop::is_thumbprint(j))
    {
        return Err(bad("dpop_jkt must be a base64url SHA-256 JWK thumbprint"));
    }
    let id_token_hint_sub = match params.get("id_token_hint") {
        None => None,
        Some(hint) => Some(hint_subject(provider, client, hint)?),
    };
    let words = |name: &str| -> Vec<String> {
        params
            .get(name)
            .map(|v| v.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    };
    for (name, max_values) in [
        ("acr_values", MAX_ACR_VALUES),
        ("ui_locales", MAX_UI_LOCALES),
    ] {
        if words(name).len() > max_values {
            return Err(bad(&format!("{name} has more than {max_values} values")));
        }
    }
    Ok(PendingRequest {
        client_id: client.client_id.clone(),
        redirect_uri: params.get("redirect_uri").unwrap_or_default().to_owned(),
        response_mode: mode,
        scopes,
        state: params.get("state").map(str::to_owned),
        nonce: params.get("nonce").map(str::to_owned),
        code_challenge,
        code_challenge_method,
        prompt,
        max_age,
        login_hint: params.get("login_hint").map(str::to_owned),
        id_token_hint_sub,
        acr_values: words("acr_values"),
        claims,
        ui_locales: words("ui_locales"),
        display: params.get("display").map(str::to_owned),
        received_at: time::OffsetDateTime::now_utc().unix_timestamp(),
        signed_in_session: None,
        consent_given: false,
        consent_denied: false,
        consent_session: None,
        resources,
        idp_hint: params.get("idp_hint").map(str::to_owned),
        guest,
        pushed: None,
        dpop_jkt,
    })
}

/// Requested scopes: known to the client, deduplicated, in request order.
pub(crate) fn scopes(client: &Client, raw: Option<&str>) -> Result<Vec<String>, OAuthError> {
    let raw = raw.ok_or_else(|| {
        OAuthError::new(
            ErrorCode::InvalidScope,
            "scope is required (include openid)",
        )
    })?;
    let mut out: Vec<String> = Vec::new();
    for s in raw.split(' ').filter(|s| !s.is_empty()) {
        if !client.scopes.iter().any(|allowed| allowed == s) {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                format!("scope {s:?} is not allowed for this client"),
            ));
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    if out.is_empty() {
        return Err(OAuthError::new(ErrorCode::InvalidScope, "scope is empty"));
    }
    Ok(out)
}

/// PKCE (RFC 7636): S256 only; required for public clients and clients registered so.
fn pkce(client: &Client, params: &Params) -> Result<(Option<String>, Option<String>), OAuthError> {
    let bad = |m: &str| OAuthError::invalid_request(m);
    match (
        params.get("code_challenge"),
        params.get("code_challenge_method"),
    ) {
        (None, Some(_)) => Err(bad("code_challenge_method without code_challenge")),
        (None, None) if client.public || client.require_pkce || client.metadata.is_fapi2() => Err(
            bad("PKCE is required: send code_challenge with code_challenge_method=S256"),
        ),
        (None, None) => Ok((None, None)),
        (Some(_), None | Some("plain")) => Err(bad(
            "code_challenge_method must be S256 (plain is not accepted)",
        )),
        (Some(_), Some(m)) if m != "S256" => Err(bad(&format!(
            "code_challenge_method {m:?} is not supported"
        ))),
        (Some(c), Some(_)) => {
            let ok = c.len() == 43
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(bad(
                    "code_challenge must be a base64url SHA-256 (43 characters)",
                ));
            }
            Ok((Some(c.to_owned()), Some("S256".to_owned())))
        }
    }
}

fn prompt(raw: Option<&str>) -> Result<Vec<String>, OAuthError> {
    let values: Vec<String> = raw
        .map(|v| v.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    for v in &values {
        if !super::PROMPT_VALUES.contains(&v.as_str()) {
            return Err(OAuthError::invalid_request(format!(
                "prompt {v:?} is not supported"
            )));
        }
    }
    if values.iter().any(|v| v == "none") && values.len() > 1 {
        return Err(OAuthError::invalid_request(
            "prompt=none cannot be combined with other values",
        ));
    }
    Ok(values)
}

fn claims_parameter(text: &str) -> Result<serde_json::Value, OAuthError> {
    if text.len() > MAX_CLAIMS_LEN {
        return Err(OAuthError::invalid_request(format!(
            "claims is longer than {MAX_CLAIMS_LEN} bytes"
        )));
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|_| OAuthError::invalid_request("claims is not valid JSON"))?;
    let ok = value.as_object().is_some_and(|o| {
        ["userinfo", "id_token"]
            .iter()
            .all(|member| o.get(*member).is_none_or(|v| v.is_object() || v.is_null()))
    });
    if !ok {
        return Err(OAuthError::invalid_request(
            "claims must be an object whose userinfo and id_token members are objects",
        ));
    }
    Ok(value)
}

/// The subject of an ID token we issued to this client (expired ones are fine as hints).
fn hint_subject(provider: &Provider, client: &Client, hint: &str) -> Result<String, OAuthError> {
    let hint = crate::id_token_hint::verify(provider, hint).ok_or_else(|| {
        OAuthError::invalid_request("id_token_hint is not an ID token issued here")
    })?;
    if !hint.issued_to(&client.client_id) {
        return Err(OAuthError::invalid_request(
            "id_token_hint was not issued to this client",
        ));
    }
    Ok(hint.sub)
}

#[cfg(test)]
mod tests {
    use super::{claims_parameter, prompt};

    proptest::proptest! {
        /// Any `prompt`: the known values (none alone) or `invalid_request`, never a panic.
        #[test]
        fn prop_prompt(text in "[ a-z_]{0,60}") {
            if let Ok(values) = prompt(Some(&text)) {
                for v in &values {
                    proptest::prop_assert!(super::super::PROMPT_VALUES.contains(&v.as_str()));
                }
                proptest::prop_assert!(!values.iter().any(|v| v == "none") || values.len() == 1);
            }
        }

        /// Any `claims` text: an object whose `userinfo`/`id_token` are objects, or
        /// `invalid_request`; never a panic.
        #[test]
        fn prop_claims_parameter(text in ".{0,200}") {
            if let Ok(value) = claims_parameter(&text) {
                let o = value.as_object().unwrap();
                for member in ["userinfo", "id_token"] {
                    proptest::prop_assert!(o.get(member).is_none_or(|v| v.is_object() || v.is_null()));
                }
            }
        }

        /// Well-formed `claims` objects are accepted as sent.
        #[test]
        fn prop_claims_parameter_objects(names in proptest::collection::vec("[a-z_]{1,12}", 0..6)) {
            let members: serde_json::Map<String, serde_json::Value> = names
                .iter()
                .map(|n| (n.clone(), serde_json::json!({ "essential": true })))
                .collect();
            let value = serde_json::json!({ "userinfo": members, "id_token": members });
            proptest::prop_assert_eq!(claims_parameter(&value.to_string()).unwrap(), value);
        }
    }
}
