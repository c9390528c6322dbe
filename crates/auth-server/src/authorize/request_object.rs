//! Request objects (RFC 9101, OIDC Core 6): the authorization request as a JWT, by value
//! (`request`) or by reference (`request_uri`, fetched). Signed with the client's keys (or
//! HS256 with a `client_secret_jwt` client's secret), or unsigned when the client registered
//! `request_object_signing_alg: none`. Only the parameters inside are used; `client_id` and
//! `response_type` outside, when sent, must be the same inside.

use domain::clients::Client;
use serde_json::Value;

use crate::Provider;
use crate::client_auth::assertion::{self, CLOCK_SKEW_SECS, KEY_ALGS, SECRET_ALGS};
use crate::error::{ErrorCode, OAuthError};
use crate::params::Params;

/// Largest request object accepted, by value or fetched.
pub const MAX_OBJECT_BYTES: usize = 32 * 1024;
/// The explicit type of a request object (RFC 9101 10.8); absent is accepted too.
const TYP: &str = "oauth-authz-req+jwt";

/// Whether the request carries a request object (by value, or by a reference that is not
/// one of our pushed requests).
pub fn present(params: &Params) -> bool {
    params.has("request")
        || params
            .get("request_uri")
            .is_some_and(|u| !domain::authorization::is_pushed(u))
}

/// The parameters of the request object of `outer` (`client` is the request's client):
/// `invalid_request_uri` when a `request_uri` cannot be fetched, `invalid_request_object`
/// when the object is not acceptable.
pub async fn resolve(
    provider: &Provider,
    client: &Client,
    outer: &Params,
) -> Result<Params, OAuthError> {
    let object = |why: &str| OAuthError::new(ErrorCode::InvalidRequestObject, why);
    let token = match (outer.get("request"), outer.get("request_uri")) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_request(
                "send request or request_uri, not both",
            ));
        }
        (Some(token), None) => token.to_owned(),
        (None, Some(uri)) => fetch(provider, uri).await?,
        (None, None) => return Err(object("no request object")),
    };
    if token.len() > MAX_OBJECT_BYTES {
        return Err(object("the request object is larger than 32 KiB"));
    }
    // Encrypted to Gatehouse (RFC 9101 6.1): the signed (or unsigned) object is inside.
    let token = if token.split('.').count() == 5 {
        provider.decryption_key.decrypt(&token).map_err(|why| {
            tracing::info!(client_id = %client.client_id, reason = %why, "request object refused");
            object(&why)
        })?
    } else {
        token
    };
    let claims = verify(provider, client, &token).await.map_err(|why| {
        tracing::info!(client_id = %client.client_id, reason = %why, "request object refused");
        object(&why)
    })?;
    for (name, why) in [
        ("request", "a request object cannot hold a request"),
        ("request_uri", "a request object cannot hold a request_uri"),
    ] {
        if claims.contains_key(name) {
            return Err(object(why));
        }
    }
    let inner = Params::from_claims(&claims)
        .map_err(|e| object(&format!("the request object's parameters: {e}")))?;
    match inner.get("client_id") {
        Some(id) if id != client.client_id => {
            return Err(object(
                "client_id inside is not the client_id of the request",
            ));
        }
        _ => {}
    }
    if let Some(outside) = outer.get("response_type")
        && inner.get("response_type") != Some(outside)
    {
        return Err(object(
            "response_type outside the request object differs from the one inside",
        ));
    }
    let mut inner = inner;
    inner.set("client_id", &client.client_id);
    Ok(inner)
}

/// The request object at `uri`: https (http and internal addresses only when
/// `oauth.allow_private_client_urls` is set), at most 64 KiB, within 5 seconds.
async fn fetch(provider: &Provider, uri: &str) -> Result<String, OAuthError> {
    let bad = |why: String| {
        tracing::info!(reason = %why, "request_uri refused");
        OAuthError::new(ErrorCode::InvalidRequestUri, why)
    };
    if uri.len() > 512 {
        return Err(bad("the request_uri is longer than 512 characters".into()));
    }
    let body = provider
        .client_keys
        .fetch(uri)
        .await
        .map_err(|e| bad(format!("the request_uri cannot be used: {e}")))?;
    String::from_utf8(body)
        .map(|s| s.trim().to_owned())
        .map_err(|_| bad("the request_uri does not hold a JWT".into()))
}

/// Checks the object's signature (or its registered absence), type and claims; returns
/// the claims. The error says why, for the client's developer.
async fn verify(
    provider: &Provider,
    client: &Client,
    token: &str,
) -> Result<serde_json::Map<String, Value>, String> {
    let jwt = assertion::split(token).map_err(|e| e.to_string())?;
    let header = &jwt.header;
    if let Some(typ) = header.get("typ") {
        let typ = typ.as_str().unwrap_or_default().to_ascii_lowercase();
        if typ != TYP && typ.strip_prefix("application/") != Some(TYP) {
            return Err(format!("typ must be {TYP} (or absent)"));
        }
    }
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let registered = client.metadata.request_object_signing_alg.as_deref();
    if registered.is_some_and(|r| r != alg) {
        return Err(format!(
            "the client registered request objects signed with {}",
            registered.unwrap_or_default()
        ));
    }
    let signed = if alg == "none" {
        if registered != Some("none") {
            return Err("unsigned request objects are accepted only from clients registered with request_object_signing_alg none".into());
        }
        if !jwt.unsigned() {
            return Err("an unsigned request object has an empty signature".into());
        }
        true
    } else if SECRET_ALGS.contains(&alg) {
        let secrets = provider
            .clients
            .shared_secrets(&client.client_id)
            .await
            .map_err(|_| "the client's secret cannot be read".to_owned())?;
        secrets
            .iter()
            .any(|s| assertion::hmac_matches(alg, s, &jwt))
    } else if KEY_ALGS.contains(&alg) {
        let kid = header.get("kid").and_then(Value::as_str);
        let keys = provider
            .client_keys
            .keys(client, kid)
            .await
            .map_err(|e| format!("the client's keys: {e}"))?;
        keys.into_iter()
            .any(|jwk| assertion::key_verifies(alg, jwk, token))
    } else {
        return Err(format!("algorithm {alg:?} is not accepted"));
    };
    if !signed {
        return Err("the signature does not verify with the client's keys".into());
    }
    let claims = jwt.claims;
    if claims
        .get("iss")
        .is_some_and(|iss| iss.as_str() != Some(client.client_id.as_str()))
    {
        return Err("iss must be the client_id".into());
    }
    let issuer = &provider.settings.issuer;
    if let Some(aud) = claims.get("aud")
        && !assertion::audience_ok(Some(aud), issuer, &[], false)
    {
        return Err("aud must be the issuer".into());
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let number = |name: &str| {
        claims
            .get(name)
            .map(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
    };
    match number("exp") {
        Some(None) => return Err("exp must be a number".into()),
        Some(Some(exp)) if exp <= now => return Err("the request object has expired".into()),
        _ => {}
    }
    match number("nbf") {
        Some(None) => return Err("nbf must be a number".into()),
        Some(Some(nbf)) if nbf > now + CLOCK_SKEW_SECS => {
            return Err("the request object is not valid yet (nbf)".into());
        }
        _ => {}
    }
    Ok(claims)
}
