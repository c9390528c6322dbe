//! Encrypting ID tokens and userinfo answers to a client's public key (OIDC Core 10.2,
//! RFC 7516 compact JWE), for clients that registered `id_token_encrypted_response_alg` or
//! `userinfo_encrypted_response_alg`. Signed content is encrypted as a nested JWT
//! (`cty: JWT`): sign, then encrypt.

use josekit::jwe::{self, JweEncrypter, JweHeader};
use josekit::jwk::Jwk;
use serde_json::{Map, Value};

use crate::error::OAuthError;

/// What the payload is: a signed JWT (nested, `cty: JWT`) or plain JSON claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// A JWS compact serialization.
    SignedJwt,
    /// A JSON object of claims (userinfo registered for encryption only).
    Json,
}

/// Encrypts `payload` with `alg`/`enc` to the first of the client's `keys` that fits:
/// an encryption key (`use: enc` or no `use`) of the algorithm's key type, whose `alg`, if
/// any, is `alg`.
pub fn encrypt(
    keys: &[Map<String, Value>],
    alg: &str,
    enc: &str,
    payload: &str,
    kind: Payload,
) -> Result<String, OAuthError> {
    let jwk = keys.iter().find(|k| fits(k, alg)).ok_or_else(|| {
        OAuthError::server(&format!("the client publishes no encryption key for {alg}"))
    })?;
    let jwk = Jwk::from_map(jwk.clone())
        .map_err(|e| OAuthError::server(&format!("the client's encryption key: {e}")))?;
    let encrypter = encrypter(alg, &jwk)?;
    let mut header = JweHeader::new();
    header.set_content_encryption(enc);
    if let Some(kid) = jwk.key_id() {
        header.set_key_id(kid);
    }
    if kind == Payload::SignedJwt {
        header.set_content_type("JWT");
    }
    jwe::serialize_compact(payload.as_bytes(), &header, &*encrypter)
        .map_err(|e| OAuthError::server(&format!("encrypting to the client: {e}")))
}

/// Whether `key` can receive content encrypted with `alg`.
fn fits(key: &Map<String, Value>, alg: &str) -> bool {
    let text = |name: &str| key.get(name).and_then(Value::as_str);
    let kty_fits = match (alg, text("kty")) {
        ("RSA-OAEP" | "RSA-OAEP-256", Some("RSA")) => true,
        (a, Some("EC")) if a.starts_with("ECDH-ES") => true,
        (a, Some("OKP")) if a.starts_with("ECDH-ES") => text("crv") == Some("X25519"),
        _ => false,
    };
    kty_fits && text("use").is_none_or(|u| u == "enc") && text("alg").is_none_or(|a| a == alg)
}

fn encrypter(alg: &str, jwk: &Jwk) -> Result<Box<dyn JweEncrypter>, OAuthError> {
    let bad =
        |e: josekit::JoseError| OAuthError::server(&format!("the client's key for {alg}: {e}"));
    Ok(match alg {
        "RSA-OAEP" => Box::new(jwe::RSA_OAEP.encrypter_from_jwk(jwk).map_err(bad)?),
        "RSA-OAEP-256" => Box::new(jwe::RSA_OAEP_256.encrypter_from_jwk(jwk).map_err(bad)?),
        "ECDH-ES" => Box::new(jwe::ECDH_ES.encrypter_from_jwk(jwk).map_err(bad)?),
        "ECDH-ES+A128KW" => Box::new(jwe::ECDH_ES_A128KW.encrypter_from_jwk(jwk).map_err(bad)?),
        "ECDH-ES+A256KW" => Box::new(jwe::ECDH_ES_A256KW.encrypter_from_jwk(jwk).map_err(bad)?),
        other => {
            return Err(OAuthError::server(&format!(
                "{other} is not a key management algorithm Gatehouse encrypts with"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use josekit::jwk::alg::ec::EcCurve;

    fn public(jwk: &Jwk, extra: &[(&str, &str)]) -> Map<String, Value> {
        let mut m: Map<String, Value> = jwk.to_public_key().unwrap().as_ref().clone();
        for (k, v) in extra {
            m.insert((*k).into(), (*v).into());
        }
        m
    }

    #[test]
    fn each_algorithm_round_trips_with_the_clients_private_key() {
        let rsa = Jwk::generate_rsa_key(2048).unwrap();
        let ec = Jwk::generate_ec_key(EcCurve::P256).unwrap();
        let x25519 = Jwk::generate_ecx_key(josekit::jwk::alg::ecx::EcxCurve::X25519).unwrap();
        let keys = vec![
            public(&rsa, &[("use", "enc"), ("kid", "r1")]),
            public(&ec, &[("kid", "e1")]),
        ];
        for (alg, enc, private) in [
            ("RSA-OAEP-256", "A128GCM", &rsa),
            ("RSA-OAEP", "A256GCM", &rsa),
            ("ECDH-ES", "A128GCM", &ec),
            ("ECDH-ES+A128KW", "A128CBC-HS256", &ec),
            ("ECDH-ES+A256KW", "A256GCM", &ec),
        ] {
            let jwe = encrypt(&keys, alg, enc, "a.b.c", Payload::SignedJwt).unwrap();
            assert_eq!(jwe.split('.').count(), 5, "compact JWE");
            let decrypter: Box<dyn jwe::JweDecrypter> = match alg {
                "RSA-OAEP-256" => Box::new(jwe::RSA_OAEP_256.decrypter_from_jwk(private).unwrap()),
                "RSA-OAEP" => Box::new(jwe::RSA_OAEP.decrypter_from_jwk(private).unwrap()),
                "ECDH-ES" => Box::new(jwe::ECDH_ES.decrypter_from_jwk(private).unwrap()),
                "ECDH-ES+A128KW" => {
                    Box::new(jwe::ECDH_ES_A128KW.decrypter_from_jwk(private).unwrap())
                }
                _ => Box::new(jwe::ECDH_ES_A256KW.decrypter_from_jwk(private).unwrap()),
            };
            let (plain, header) = jwe::deserialize_compact(&jwe, &*decrypter).unwrap();
            assert_eq!(plain, b"a.b.c", "{alg}");
            assert_eq!(header.content_encryption(), Some(enc));
            assert_eq!(header.content_type(), Some("JWT"), "nested JWT");
        }
        // X25519 (OKP) keys are picked for ECDH-ES too.
        let okp = vec![public(&x25519, &[])];
        let jwe = encrypt(&okp, "ECDH-ES", "A256GCM", "{}", Payload::Json).unwrap();
        let decrypter = jwe::ECDH_ES.decrypter_from_jwk(&x25519).unwrap();
        let (_, header) = jwe::deserialize_compact(&jwe, &decrypter).unwrap();
        assert_eq!(header.content_type(), None, "plain JSON has no cty");
    }

    #[test]
    fn signing_keys_and_other_algorithms_are_not_used() {
        let rsa = Jwk::generate_rsa_key(2048).unwrap();
        let sig_only = vec![public(&rsa, &[("use", "sig")])];
        assert!(encrypt(&sig_only, "RSA-OAEP-256", "A128GCM", "x", Payload::Json).is_err());
        let other_alg = vec![public(&rsa, &[("alg", "RSA-OAEP")])];
        assert!(encrypt(&other_alg, "RSA-OAEP-256", "A128GCM", "x", Payload::Json).is_err());
        let rsa_for_ec = vec![public(&rsa, &[])];
        assert!(encrypt(&rsa_for_ec, "ECDH-ES", "A128GCM", "x", Payload::Json).is_err());
        assert!(encrypt(&[], "RSA-OAEP-256", "A128GCM", "x", Payload::Json).is_err());
    }
}
