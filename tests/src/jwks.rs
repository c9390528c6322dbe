//! Checking a JWT the server signed the way a relying party does: against the published
//! JWKS, with josekit, independently of the server's own code.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::TestServer;

/// The decoded protected header of a compact JWS or JWE.
pub fn header(token: &str) -> Value {
    let part = token.split('.').next().expect("a compact JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url header"))
        .expect("a JSON header")
}

/// Verifies `jws` against the key its `kid` names in the server's JWKS (RS256, PS256 or
/// ES256, as its header says); returns the header and the claims. Panics when it does not
/// verify.
pub async fn verified(server: &TestServer, jws: &str) -> (Value, Value) {
    let header = header(jws);
    let jwks: Value = reqwest::get(server.url("/jwks"))
        .await
        .expect("JWKS")
        .json()
        .await
        .expect("JWKS JSON");
    let jwk = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .unwrap_or_else(|| panic!("{header} names a published key: {jwks}"));
    let jwk = josekit::jwk::Jwk::from_map(jwk.as_object().expect("a JWK").clone()).expect("JWK");
    let verifier: Box<dyn josekit::jws::JwsVerifier> = match header["alg"].as_str() {
        Some("RS256") => Box::new(
            josekit::jws::RS256
                .verifier_from_jwk(&jwk)
                .expect("RS256 key"),
        ),
        Some("PS256") => Box::new(
            josekit::jws::PS256
                .verifier_from_jwk(&jwk)
                .expect("PS256 key"),
        ),
        Some("ES256") => Box::new(
            josekit::jws::ES256
                .verifier_from_jwk(&jwk)
                .expect("ES256 key"),
        ),
        other => panic!("unexpected alg {other:?}"),
    };
    let (payload, _) =
        josekit::jwt::decode_with_verifier(jws, &*verifier).expect("signed by a published key");
    (header, Value::Object(payload.claims_set().clone()))
}
