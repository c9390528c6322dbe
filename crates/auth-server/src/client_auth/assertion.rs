//! Client authentication with a signed JWT (RFC 7523 2.2, RFC 7521 4.2, OIDC Core 9):
//! `private_key_jwt` (signed with one of the client's keys) and `client_secret_jwt` (an
//! HMAC keyed with the client secret). Every refusal is the same `invalid_client`; the
//! reason is logged, never the token.

use actix_web::HttpRequest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::clients::Client;
use josekit::jwk::Jwk;
use josekit::jws::{self, JwsVerifier};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq as _;

use crate::Provider;
use crate::error::OAuthError;
use crate::params::Params;
use crate::paths;

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 2.2).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Algorithms of `private_key_jwt` assertions.
pub const KEY_ALGS: &[&str] = &["RS256", "PS256", "ES256", "EdDSA"];
/// Algorithms of `client_secret_jwt` assertions. HS384/HS512 would need a longer key than
/// the 256-bit secrets Gatehouse hands out.
pub const SECRET_ALGS: &[&str] = &["HS256"];
/// Seconds a client's clock may be ahead of ours (`nbf`, `iat`).
pub const CLOCK_SKEW_SECS: i64 = 60;
/// Longest an assertion may still be valid (`exp` − now): used `jti`s are remembered that
/// long. An hour, the default of several client libraries.
pub const MAX_LIFETIME_SECS: i64 = 3600;
/// Longest accepted JWT (assertions; request objects are checked against their own,
/// smaller bound first).
const MAX_LEN: usize = 32 * 1024;

/// Why an assertion was refused: logged at info, answered as `invalid_client`.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// `client_assertion_type` is not [`JWT_BEARER`], or one of the two is missing.
    #[error("client_assertion_type must be {JWT_BEARER}, with a client_assertion")]
    AssertionType,
    /// Not a compact JWS with JSON header and claims.
    #[error("not a signed JWT: {0}")]
    Malformed(&'static str),
    /// `alg` is none, unknown, or not the one the client registered.
    #[error("algorithm {0:?} is not accepted for this client")]
    Algorithm(String),
    /// `iss`/`sub` missing, different, or not the `client_id` parameter.
    #[error("{0}")]
    Subject(&'static str),
    /// No enabled client has this id.
    #[error("unknown client")]
    UnknownClient,
    /// The client authenticates with another method.
    #[error("the client is registered for {registered}, not {used}")]
    Method {
        /// Its registered method.
        registered: String,
        /// The method of the assertion.
        used: &'static str,
    },
    /// No key of the client verifies the signature.
    #[error("bad signature: {0}")]
    Signature(String),
    /// `aud` does not name this server.
    #[error("aud does not name this server")]
    Audience,
    /// `exp`, `nbf` or `iat` out of bounds.
    #[error("{0}")]
    Time(&'static str),
    /// `jti` missing or malformed.
    #[error("jti is required (1 to 256 characters)")]
    MissingJti,
    /// The `jti` was seen before.
    #[error("jti was already used")]
    Replayed,
}

/// Authenticates the client of the request's `client_assertion`.
pub async fn authenticate(
    provider: &Provider,
    req: &HttpRequest,
    params: &Params,
) -> Result<Client, OAuthError> {
    match verify(provider, req, params).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(refusal)) => {
            tracing::info!(
                claimed_client_id = claimed_client_id(params).as_deref().unwrap_or("-"),
                reason = %refusal,
                "client assertion refused"
            );
            Err(OAuthError::invalid_client())
        }
        Err(e) => Err(e),
    }
}

/// The `sub` (else `iss`) of the request's assertion, unverified: only for rate limits
/// and CORS, which need a name before anything is checked.
pub fn claimed_client_id(params: &Params) -> Option<String> {
    let token = params.get("client_assertion")?;
    let claims = split(token).ok()?.claims;
    claims
        .get("sub")
        .or_else(|| claims.get("iss"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Checks the assertion: the outer error is ours (storage), the inner one the client's.
async fn verify(
    provider: &Provider,
    req: &HttpRequest,
    params: &Params,
) -> Result<Result<Client, Refusal>, OAuthError> {
    let (Some(JWT_BEARER), Some(token)) = (
        params.get("client_assertion_type"),
        params.get("client_assertion"),
    ) else {
        return Ok(Err(Refusal::AssertionType));
    };
    let jwt = match split(token) {
        Ok(parts) => parts,
        Err(r) => return Ok(Err(r)),
    };
    let (header, claims) = (&jwt.header, &jwt.claims);
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("none");
    let method = if SECRET_ALGS.contains(&alg) {
        "client_secret_jwt"
    } else if KEY_ALGS.contains(&alg) {
        "private_key_jwt"
    } else {
        return Ok(Err(Refusal::Algorithm(alg.to_owned())));
    };
    let client_id = match subject(claims, params.get("client_id")) {
        Ok(id) => id,
        Err(r) => return Ok(Err(r)),
    };
    let Some(client) = provider.clients.find(client_id).await? else {
        return Ok(Err(Refusal::UnknownClient));
    };
    // A client authenticates only with the method it registered.
    if client.token_endpoint_auth_method != method {
        return Ok(Err(Refusal::Method {
            registered: client.token_endpoint_auth_method.clone(),
            used: method,
        }));
    }
    if client
        .metadata
        .token_endpoint_auth_signing_alg
        .as_deref()
        .is_some_and(|registered| registered != alg)
    {
        return Ok(Err(Refusal::Algorithm(alg.to_owned())));
    }
    // FAPI 2.0 (5.4): PS256, ES256 or EdDSA only, whatever the client registered.
    let fapi2 = client.metadata.is_fapi2();
    if fapi2 && !domain::clients::FAPI2_SIGNING_ALGS.contains(&alg) {
        return Ok(Err(Refusal::Algorithm(alg.to_owned())));
    }
    let signature_ok = if method == "client_secret_jwt" {
        let secrets = provider.clients.shared_secrets(&client.client_id).await?;
        secrets.iter().any(|s| hmac_matches(alg, s, &jwt))
    } else {
        let kid = header.get("kid").and_then(Value::as_str);
        let keys = match provider.client_keys.keys(&client, kid).await {
            Ok(keys) => keys,
            Err(e) => return Ok(Err(Refusal::Signature(e.to_string()))),
        };
        keys.into_iter().any(|jwk| key_verifies(alg, jwk, token))
    };
    if !signature_ok {
        return Ok(Err(Refusal::Signature(
            "no key of the client verifies it".into(),
        )));
    }
    let issuer = &provider.settings.issuer;
    let endpoints = [provider.url(paths::TOKEN), provider.url(req.path())];
    // FAPI 2.0 (5.3.2.1): the issuer alone, as a string.
    if !audience_ok(claims.get("aud"), issuer, &endpoints, fapi2) {
        return Ok(Err(Refusal::Audience));
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let exp = match times(claims, now) {
        Ok(exp) => exp,
        Err(r) => return Ok(Err(r)),
    };
    let Some(jti) = claims
        .get("jti")
        .and_then(Value::as_str)
        .filter(|j| !j.is_empty() && j.len() <= 256)
    else {
        return Ok(Err(Refusal::MissingJti));
    };
    // Remembered until it expires (and the skew after): replays fail on every node.
    let ttl =
        std::time::Duration::from_secs(u64::try_from(exp - now + CLOCK_SKEW_SECS).unwrap_or(1));
    let key = format!("assertion:jti:{}:{jti}", client.client_id);
    if !provider.cache.set_if_absent(&key, b"1", ttl).await? {
        return Ok(Err(Refusal::Replayed));
    }
    Ok(Ok(client))
}

/// A compact JWS taken apart, its signature not checked yet.
pub(crate) struct Parts {
    /// The protected header.
    pub(crate) header: Map<String, Value>,
    /// The claims.
    pub(crate) claims: Map<String, Value>,
    /// `header.claims` as sent: what the signature covers.
    signed: String,
    /// The decoded signature.
    signature: Vec<u8>,
}

impl Parts {
    /// Whether the signature is empty (`alg: none`).
    pub(crate) fn unsigned(&self) -> bool {
        self.signature.is_empty()
    }
}

/// Takes a compact JWS apart (JSON object header and claims).
pub(crate) fn split(token: &str) -> Result<Parts, Refusal> {
    if token.len() > MAX_LEN {
        return Err(Refusal::Malformed("longer than 32 KiB"));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Malformed("not three dot-separated parts"));
    };
    let object = |part: &str| -> Option<Map<String, Value>> {
        let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
        match serde_json::from_slice(&bytes).ok()? {
            Value::Object(m) => Some(m),
            _ => None,
        }
    };
    let header = object(h).ok_or(Refusal::Malformed("the header is not a JSON object"))?;
    let claims = object(c).ok_or(Refusal::Malformed("the claims are not a JSON object"))?;
    let signature = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| Refusal::Malformed("the signature is not base64url"))?;
    Ok(Parts {
        header,
        claims,
        signed: format!("{h}.{c}"),
        signature,
    })
}

/// The client the assertion is for: `iss` and `sub` both the client id (and the
/// `client_id` parameter, when sent).
fn subject<'a>(claims: &'a Map<String, Value>, param: Option<&str>) -> Result<&'a str, Refusal> {
    let iss = claims.get("iss").and_then(Value::as_str);
    let sub = claims.get("sub").and_then(Value::as_str);
    match (iss, sub) {
        (_, None) => Err(Refusal::Subject("sub is required")),
        (None, _) => Err(Refusal::Subject("iss is required")),
        (Some(iss), Some(sub)) if iss != sub => Err(Refusal::Subject("iss and sub differ")),
        (Some(id), _) if param.is_some_and(|p| p != id) => Err(Refusal::Subject(
            "the client_id parameter is not the assertion's client",
        )),
        (Some(id), _) => Ok(id),
    }
}

/// Whether `aud` names this server: the issuer, the token endpoint or the endpoint the
/// assertion was sent to, alone or in an array. `strict` (FAPI 2.0) accepts only the
/// issuer, as a single string.
pub fn audience_ok(aud: Option<&Value>, issuer: &str, endpoints: &[String], strict: bool) -> bool {
    let accepted = |v: &str| v == issuer || (!strict && endpoints.iter().any(|e| e == v));
    match aud {
        Some(Value::String(s)) => accepted(s),
        Some(Value::Array(items)) if !strict => {
            items.iter().filter_map(Value::as_str).any(accepted)
        }
        _ => false,
    }
}

/// Checks `exp` (required, in the future, at most [`MAX_LIFETIME_SECS`] away), `nbf` and
/// `iat` (not more than [`CLOCK_SKEW_SECS`] ahead); returns `exp`.
fn times(claims: &Map<String, Value>, now: i64) -> Result<i64, Refusal> {
    let number = |name: &str| -> Result<Option<i64>, Refusal> {
        match claims.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .or_else(|| v.as_f64().map(|f| f as i64))
                .map(Some)
                .ok_or(Refusal::Time("exp, nbf and iat must be numbers")),
        }
    };
    let exp = number("exp")?.ok_or(Refusal::Time("exp is required"))?;
    if exp <= now {
        return Err(Refusal::Time("the assertion has expired"));
    }
    if exp - now > MAX_LIFETIME_SECS + CLOCK_SKEW_SECS {
        return Err(Refusal::Time("exp is too far in the future"));
    }
    if number("nbf")?.is_some_and(|nbf| nbf > now + CLOCK_SKEW_SECS) {
        return Err(Refusal::Time("the assertion is not valid yet (nbf)"));
    }
    if number("iat")?.is_some_and(|iat| iat > now + CLOCK_SKEW_SECS) {
        return Err(Refusal::Time("iat is in the future"));
    }
    Ok(exp)
}

/// Whether the HMAC of `signed` keyed with `secret` is the token's signature, compared in
/// constant time (josekit's own verifier compares with `!=`).
pub(crate) fn hmac_matches(alg: &str, secret: &str, jwt: &Parts) -> bool {
    let signer = match alg {
        "HS256" => jws::HS256.signer_from_bytes(secret.as_bytes()),
        _ => return false,
    };
    let Ok(signer) = signer else { return false };
    use josekit::jws::JwsSigner as _;
    signer
        .sign(jwt.signed.as_bytes())
        .is_ok_and(|expected| bool::from(expected.ct_eq(&jwt.signature)))
}

/// Whether `jwk` (a key of the client) verifies the token with `alg`.
pub(crate) fn key_verifies(alg: &str, jwk: Map<String, Value>, token: &str) -> bool {
    let Ok(jwk) = Jwk::from_map(jwk) else {
        return false;
    };
    let verifier: Option<Box<dyn JwsVerifier>> = match alg {
        "RS256" => jws::RS256
            .verifier_from_jwk(&jwk)
            .ok()
            .map(|v| Box::new(v) as _),
        "PS256" => jws::PS256
            .verifier_from_jwk(&jwk)
            .ok()
            .map(|v| Box::new(v) as _),
        "ES256" => jws::ES256
            .verifier_from_jwk(&jwk)
            .ok()
            .map(|v| Box::new(v) as _),
        "EdDSA" => jws::EdDSA
            .verifier_from_jwk(&jwk)
            .ok()
            .map(|v| Box::new(v) as _),
        _ => None,
    };
    verifier.is_some_and(|v| josekit::jwt::decode_with_verifier(token, &*v).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ISSUER: &str = "https://id.example";

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn audience_is_the_issuer_or_an_endpoint_unless_strict() {
        let endpoints = [
            "https://id.example/token".to_owned(),
            "https://id.example/par".to_owned(),
        ];
        let ok = |aud: Value, strict| audience_ok(Some(&aud), ISSUER, &endpoints, strict);
        assert!(ok(json!(ISSUER), false));
        assert!(ok(json!(ISSUER), true));
        assert!(ok(json!("https://id.example/token"), false));
        assert!(
            !ok(json!("https://id.example/token"), true),
            "FAPI 2.0: the issuer only"
        );
        assert!(ok(
            json!(["https://rp.example", "https://id.example/par"]),
            false
        ));
        assert!(!ok(json!([ISSUER]), true), "FAPI 2.0: a single string");
        assert!(!ok(json!("https://id.example/"), false));
        assert!(!ok(json!(["https://rp.example"]), false));
        assert!(!ok(json!(42), false));
        assert!(!audience_ok(None, ISSUER, &endpoints, false));
    }

    #[test]
    fn time_bounds() {
        let now = 1_000_000;
        let t = |v: Value| times(&claims(v), now);
        assert_eq!(t(json!({"exp": now + 60})).unwrap(), now + 60);
        assert!(t(json!({})).is_err(), "exp is required");
        assert!(t(json!({"exp": now})).is_err(), "expired");
        assert!(t(json!({"exp": now + MAX_LIFETIME_SECS + CLOCK_SKEW_SECS + 1})).is_err());
        assert!(t(json!({"exp": now + 60, "nbf": now + 8, "iat": now + 8})).is_ok());
        assert!(t(json!({"exp": now + 120, "nbf": now + 61})).is_err());
        assert!(t(json!({"exp": now + 120, "iat": now + 61})).is_err());
        assert!(t(json!({"exp": "soon"})).is_err());
    }

    #[test]
    fn subject_is_iss_and_sub_and_the_client_id_parameter() {
        let c = claims(json!({"iss": "a", "sub": "a"}));
        assert_eq!(subject(&c, None).unwrap(), "a");
        assert_eq!(subject(&c, Some("a")).unwrap(), "a");
        assert!(subject(&c, Some("b")).is_err());
        assert!(subject(&claims(json!({"iss": "a"})), None).is_err());
        assert!(subject(&claims(json!({"sub": "a"})), None).is_err());
        assert!(subject(&claims(json!({"iss": "a", "sub": "b"})), None).is_err());
    }

    #[test]
    fn malformed_tokens_are_refused_without_panic() {
        for token in [
            "",
            "a",
            "a.b",
            "a.b.c.d",
            "e30.e30.!!",
            "W10.e30.",
            "e30.W10.",
        ] {
            assert!(split(token).is_err(), "{token}");
        }
        assert!(
            split("e30.e30.").is_ok(),
            "{{}}.{{}}. is well-formed (and unsigned)"
        );
    }
}
