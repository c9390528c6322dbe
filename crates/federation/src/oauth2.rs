//! The OAuth 2.0-only upstreams (GitHub, Facebook, X): the authorization URL (`state` and a
//! PKCE S256 challenge), the code exchange, and the profile fetch that says who signed in.
//! There is no ID token: the identity is what the provider's API answers with the access
//! token, keyed on the preset's fixed issuer identifier and the account's id.

use base64::Engine as _;
use domain::federation::{
    ClaimedFlow, FlowStart, Preset, UpstreamAnswer, UpstreamClient, UpstreamError, UpstreamIdentity,
};
use openidconnect::http::{Method, Request, StatusCode, header};
use openidconnect::{PkceCodeChallenge, PkceCodeVerifier};
use serde_json::Value;

use crate::http::Http;
use crate::presets::{ClientAuth, oauth_endpoints};
use crate::profiles;

fn unavailable(what: &str, e: impl std::fmt::Display) -> UpstreamError {
    UpstreamError::Unavailable(format!("{what}: {e}"))
}

/// The URL to send the browser to.
pub(crate) fn authorization_url(
    c: &UpstreamClient<'_>,
    start: &FlowStart,
) -> Result<String, UpstreamError> {
    let e = oauth_endpoints(c.upstream)?;
    let mut url = url::Url::parse(&e.authorization)
        .map_err(|err| unavailable("authorization endpoint", err))?;
    let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
        start.pkce_verifier.clone(),
    ));
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &c.upstream.client_id)
        .append_pair("redirect_uri", c.redirect_uri)
        .append_pair("scope", &c.upstream.scopes.join(" "))
        .append_pair("state", &start.state)
        .append_pair("code_challenge", challenge.as_str())
        .append_pair("code_challenge_method", "S256");
    Ok(url.to_string())
}

/// RFC 6749 §2.3.1: the id and secret are form-encoded before they are joined.
fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", enc(id), enc(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// The token request's form, and its `Authorization` header when the secret goes there.
fn token_form(
    c: &UpstreamClient<'_>,
    auth: ClientAuth,
    flow: &ClaimedFlow,
    code: &str,
) -> (Vec<u8>, Option<String>) {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", c.redirect_uri)
        .append_pair("code_verifier", &flow.pkce_verifier);
    let mut authorization = None;
    match (&c.client_secret, auth) {
        (Some(secret), ClientAuth::Basic) => {
            authorization = Some(basic(&c.upstream.client_id, secret));
        }
        (Some(secret), ClientAuth::Post) => {
            form.append_pair("client_id", &c.upstream.client_id)
                .append_pair("client_secret", secret);
        }
        // A public client (X allows them): PKCE is its proof.
        (None, _) => {
            form.append_pair("client_id", &c.upstream.client_id);
        }
    }
    (form.finish().into_bytes(), authorization)
}

/// Redeems the code; returns the access token.
async fn exchange(
    http: &Http,
    c: &UpstreamClient<'_>,
    token_url: &str,
    auth: ClientAuth,
    flow: &ClaimedFlow,
    code: &str,
) -> Result<String, UpstreamError> {
    let (body, authorization) = token_form(c, auth, flow, code);
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(token_url)
        // GitHub answers in form encoding unless asked for JSON.
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    let request = request
        .body(body)
        .map_err(|e| unavailable("token endpoint", e))?;
    let res = http
        .send(request)
        .await
        .map_err(|e| unavailable("token endpoint", e))?;
    let body: Option<Value> = serde_json::from_slice(res.body()).ok();
    // GitHub reports errors with HTTP 200.
    if let Some(error) = body
        .as_ref()
        .and_then(|b| b.get("error"))
        .and_then(Value::as_str)
    {
        return Err(UpstreamError::Refused {
            error: error.chars().take(64).collect(),
            description: body
                .as_ref()
                .and_then(|b| b.get("error_description"))
                .and_then(Value::as_str)
                .map(|d| d.chars().take(300).collect()),
        });
    }
    if res.status() != StatusCode::OK {
        return Err(unavailable(
            "token endpoint",
            format!("answered HTTP {}", res.status().as_u16()),
        ));
    }
    body.as_ref()
        .and_then(|b| b.get("access_token"))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| unavailable("token endpoint", "the answer has no access_token"))
}

/// What a profile endpoint said.
pub(crate) enum Fetched {
    Json(Value),
    /// 401, 403 or 404: the token may not read it (GitHub without `user:email`).
    NoAccess,
}

async fn get_json(http: &Http, url: &str, token: &str) -> Result<Fetched, UpstreamError> {
    let request = Request::builder()
        .method(Method::GET)
        .uri(url)
        .header(header::ACCEPT, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Vec::new())
        .map_err(|e| unavailable(url, e))?;
    let res = http.send(request).await.map_err(|e| unavailable(url, e))?;
    match res.status() {
        StatusCode::OK => serde_json::from_slice(res.body())
            .map(Fetched::Json)
            .map_err(|e| unavailable(url, e)),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND => {
            Ok(Fetched::NoAccess)
        }
        other => Err(unavailable(
            url,
            format!("answered HTTP {}", other.as_u16()),
        )),
    }
}

/// Redeems the code and asks the provider's API who signed in.
pub(crate) async fn finish(
    http: &Http,
    c: &UpstreamClient<'_>,
    flow: &ClaimedFlow,
    answer: &UpstreamAnswer,
) -> Result<UpstreamIdentity, UpstreamError> {
    let e = oauth_endpoints(c.upstream)?;
    let token = exchange(http, c, &e.token, e.auth, flow, &answer.code).await?;
    let profile = match get_json(http, &e.profile, &token).await? {
        Fetched::Json(v) => v,
        Fetched::NoAccess => {
            return Err(unavailable(
                "profile endpoint",
                "the access token was refused",
            ));
        }
    };
    let issuer = c.upstream.issuer.as_str();
    match c.upstream.preset {
        Some(Preset::Github) => {
            let emails = match &e.emails {
                Some(url) => match get_json(http, url, &token).await? {
                    Fetched::Json(v) => Some(v),
                    Fetched::NoAccess => None,
                },
                None => None,
            };
            profiles::github(issuer, profile, emails)
        }
        Some(Preset::Facebook) => profiles::facebook(issuer, profile),
        Some(Preset::X) => profiles::x(issuer, profile),
        _ => Err(unavailable(&c.upstream.name, "not an OAuth 2.0 preset")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded_first() {
        // RFC 6749 §2.3.1: "a:b" "c d" -> "a%3Ab:c+d".
        assert_eq!(
            basic("a:b", "c d"),
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("a%3Ab:c+d")
            )
        );
    }
}
