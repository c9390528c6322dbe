//! Signing and verifying JWTs with the key ring.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::keys::{KeyAlg, KeyRing};
use josekit::jws::JwsHeader;
use josekit::jwt::{self, JwtPayload};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256, Sha512};

use crate::error::OAuthError;

/// Signs `claims` with the active key of `alg`, with `typ` in the header.
pub fn sign(
    ring: &KeyRing,
    alg: KeyAlg,
    typ: &str,
    claims: Map<String, Value>,
) -> Result<String, OAuthError> {
    let key = ring
        .active(alg)
        .ok_or_else(|| OAuthError::server(&format!("no active {alg} signing key")))?;
    let mut header = JwsHeader::new();
    header.set_token_type(typ);
    header.set_key_id(&key.kid);
    let payload = JwtPayload::from_map(claims).map_err(|e| OAuthError::server(&e))?;
    jwt::encode_with_signer(&payload, &header, key.signer()).map_err(|e| OAuthError::server(&e))
}

/// Verifies a JWT signed by one of our published keys; returns its claims and header.
/// Checks only the signature: callers check `iss`, `exp`, `typ` as their use requires.
pub fn verify(ring: &KeyRing, token: &str) -> Option<(Map<String, Value>, JwsHeader)> {
    if token.len() > 16 * 1024 {
        return None;
    }
    let (payload, header) = jwt::decode_with_verifier_selector(token, |h| {
        Ok(h.key_id()
            .and_then(|kid| ring.verifier(kid))
            .and_then(|(alg, v)| {
                // The header's alg must be the key's alg (no algorithm confusion).
                (h.algorithm() == Some(alg.as_str())).then_some(v)
            }))
    })
    .ok()?;
    Some((payload.claims_set().clone(), header))
}

/// The `at_hash` of an access token (OIDC Core 3.1.3.6): the left half of the hash of its
/// ASCII, with the hash of the ID token's algorithm (SHA-512 for Ed25519).
pub fn at_hash(alg: KeyAlg, access_token: &str) -> String {
    let digest: Vec<u8> = match alg {
        KeyAlg::EdDsa => Sha512::digest(access_token.as_bytes()).to_vec(),
        _ => Sha256::digest(access_token.as_bytes()).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// Unix seconds of a timestamp.
pub fn unix(t: time::OffsetDateTime) -> i64 {
    t.unix_timestamp()
}
