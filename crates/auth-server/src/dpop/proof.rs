//! Checking one DPoP proof (RFC 9449 4.3) against the request it came with. Pure: the time,
//! the nonce rule and the replay cache are the caller's.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::Jwk;
use josekit::jws::{self, JwsVerifier};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::thumbprint::jwk_thumbprint;

/// The proof signing algorithms accepted (asymmetric only: `none` and `HS*` never).
pub const ALGS: &[&str] = &["ES256", "PS256", "RS256", "EdDSA"];

/// Longest proof read (an RSA key in the header makes the biggest).
const MAX_PROOF_LEN: usize = 8 * 1024;
/// Longest `jti` accepted (it becomes a cache key).
const MAX_JTI_LEN: usize = 256;
/// JWK members that only a private or symmetric key has.
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Why a proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// `invalid_dpop_proof`, with what was wrong.
    #[error("invalid DPoP proof: {0}")]
    Invalid(String),
    /// `use_dpop_nonce`: the proof lacks a fresh server nonce.
    #[error("the DPoP proof must carry the server's current nonce")]
    UseNonce,
}

fn invalid(why: impl Into<String>) -> ProofError {
    ProofError::Invalid(why.into())
}

/// The request a proof must match.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The HTTP method (`htm`).
    pub method: &'a str,
    /// The endpoint's URL (`htu`, compared without query and fragment).
    pub url: &'a str,
    /// The access token presented with it, at a resource endpoint (`ath`).
    pub access_token: Option<&'a str>,
}

/// The server side of the check.
#[derive(Clone, Copy)]
pub struct Rules<'a> {
    /// Unix seconds now.
    pub now: i64,
    /// How far `iat` may be from now, either way (clock skew and transit).
    pub max_skew: i64,
    /// When nonces are required: whether a nonce is fresh.
    pub nonce: Option<&'a dyn Fn(&str) -> bool>,
}

/// A proof that passed every check but the replay check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The RFC 7638 thumbprint of the proof's key.
    pub jkt: String,
    /// The proof's `jti` (for the replay check).
    pub jti: String,
}

/// Checks `proof` for `request` under `rules`.
pub fn check(proof: &str, request: &Request<'_>, rules: &Rules<'_>) -> Result<Checked, ProofError> {
    if proof.len() > MAX_PROOF_LEN {
        return Err(invalid("the proof is too long"));
    }
    let header = header_of(proof)?;
    let text = |name: &str| header.get(name).and_then(Value::as_str);
    if !text("typ").is_some_and(|t| t.eq_ignore_ascii_case("dpop+jwt")) {
        return Err(invalid("typ must be dpop+jwt"));
    }
    let alg = text("alg").unwrap_or_default();
    if !ALGS.contains(&alg) {
        return Err(invalid(format!(
            "alg {alg:?} is not accepted; use one of {}",
            ALGS.join(", ")
        )));
    }
    let Some(Value::Object(jwk)) = header.get("jwk") else {
        return Err(invalid("the header must carry the public key as jwk"));
    };
    if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| jwk.contains_key(**m)) {
        return Err(invalid(format!(
            "jwk must be a public key (it has the private member {member:?})"
        )));
    }
    let jwk = Jwk::from_map(jwk.clone()).map_err(|_| invalid("jwk is not a JWK"))?;
    let verifier = verifier(alg, &jwk)?;
    let (payload, _) = josekit::jwt::decode_with_verifier(proof, &*verifier)
        .map_err(|_| invalid("the signature does not verify with jwk"))?;
    let claims = payload.claims_set();
    let jkt = jwk_thumbprint(&jwk).ok_or_else(|| invalid("jwk lacks a required member"))?;
    let jti = claims_text(claims, "jti")
        .filter(|j| !j.is_empty() && j.len() <= MAX_JTI_LEN)
        .ok_or_else(|| invalid("jti is required (at most 256 characters)"))?;
    if claims_text(claims, "htm") != Some(request.method) {
        return Err(invalid(format!("htm must be {}", request.method)));
    }
    let htu = claims_text(claims, "htu").ok_or_else(|| invalid("htu is required"))?;
    if !same_target(htu, request.url) {
        return Err(invalid(format!("htu must be {}", request.url)));
    }
    check_times(claims, rules)?;
    if let Some(token) = request.access_token {
        let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()));
        if claims_text(claims, "ath") != Some(expected.as_str()) {
            return Err(invalid("ath must be the hash of the access token"));
        }
    }
    if let Some(fresh) = rules.nonce
        && !claims_text(claims, "nonce").is_some_and(fresh)
    {
        return Err(ProofError::UseNonce);
    }
    Ok(Checked {
        jkt,
        jti: jti.to_owned(),
    })
}

/// The decoded JOSE header, read before the signature is checked (it names the key).
fn header_of(proof: &str) -> Result<Map<String, Value>, ProofError> {
    let mut parts = proof.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("the proof is not a compact JWS"));
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| invalid("the header is not base64url"))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(invalid("the header is not a JSON object")),
    }
}

/// The verifier of `alg` for `jwk` (which must be of the algorithm's key type and curve).
fn verifier(alg: &str, jwk: &Jwk) -> Result<Box<dyn JwsVerifier>, ProofError> {
    let unusable = |_| invalid(format!("jwk is not a usable {alg} public key"));
    Ok(match alg {
        "ES256" => Box::new(jws::ES256.verifier_from_jwk(jwk).map_err(unusable)?),
        "PS256" => Box::new(jws::PS256.verifier_from_jwk(jwk).map_err(unusable)?),
        "RS256" => Box::new(jws::RS256.verifier_from_jwk(jwk).map_err(unusable)?),
        "EdDSA" if jwk.curve() == Some("Ed25519") => {
            Box::new(jws::EdDSA.verifier_from_jwk(jwk).map_err(unusable)?)
        }
        _ => return Err(invalid(format!("jwk is not a usable {alg} public key"))),
    })
}

fn claims_text<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// A NumericDate claim, as whole seconds.
fn seconds(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, ProofError> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            // Whole seconds: the fraction of a NumericDate does not matter at this scale.
            .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| invalid(format!("{name} must be a number"))),
    }
}

/// `iat` within the skew of now; `nbf` and `exp`, when present, honoured with the same skew.
fn check_times(claims: &Map<String, Value>, rules: &Rules<'_>) -> Result<(), ProofError> {
    let (now, skew) = (rules.now, rules.max_skew);
    let iat = seconds(claims, "iat")?.ok_or_else(|| invalid("iat is required"))?;
    if iat < now - skew {
        return Err(invalid("iat is too old"));
    }
    if iat > now + skew {
        return Err(invalid("iat is in the future"));
    }
    if seconds(claims, "nbf")?.is_some_and(|nbf| nbf > now + skew) {
        return Err(invalid("the proof is not valid yet (nbf)"));
    }
    if seconds(claims, "exp")?.is_some_and(|exp| exp <= now - skew) {
        return Err(invalid("the proof has expired (exp)"));
    }
    Ok(())
}

/// Whether `htu` names `expected`, ignoring query and fragment (RFC 9449 4.3 step 9),
/// after URL normalization (scheme and host case, default port).
fn same_target(htu: &str, expected: &str) -> bool {
    let strip = |text: &str| {
        url::Url::parse(text).ok().map(|mut u| {
            u.set_query(None);
            u.set_fragment(None);
            u
        })
    };
    match (strip(htu), strip(expected)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
#[path = "proof_tests.rs"]
mod tests;
