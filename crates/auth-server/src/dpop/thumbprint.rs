//! JWK thumbprints (RFC 7638): the SHA-256 of the key's required members, in lexicographic
//! order, serialized without whitespace. A DPoP binding (`jkt`) is this value.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::Jwk;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// The required members of each key type (RFC 7638 3.2), already in lexicographic order.
fn required_members(kty: &str) -> Option<&'static [&'static str]> {
    Some(match kty {
        "EC" => &["crv", "kty", "x", "y"],
        "RSA" => &["e", "kty", "n"],
        "OKP" => &["crv", "kty", "x"],
        "oct" => &["k", "kty"],
        _ => return None,
    })
}

/// The base64url SHA-256 thumbprint of `jwk`; `None` for an unknown key type or when a
/// required member is missing or not a string.
pub fn jwk_thumbprint(jwk: &Jwk) -> Option<String> {
    let members = required_members(jwk.key_type())?;
    // serde_json's map is ordered by key (no `preserve_order` feature) and its compact
    // output has no whitespace: exactly the canonical form RFC 7638 3.3 asks for.
    let mut canonical = std::collections::BTreeMap::new();
    for name in members {
        let value = match *name {
            "kty" => jwk.key_type(),
            other => jwk.parameter(other).and_then(Value::as_str)?,
        };
        canonical.insert(*name, value);
    }
    let text = serde_json::to_string(&canonical).ok()?;
    Some(URL_SAFE_NO_PAD.encode(Sha256::digest(text.as_bytes())))
}

/// Whether `value` has the form of a SHA-256 thumbprint (43 base64url characters).
pub fn is_thumbprint(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7638 3.1: the example RSA key and its thumbprint.
    #[test]
    fn thumbprint_matches_rfc7638_section_3_1() {
        let jwk = Jwk::from_bytes(
            br#"{
              "kty": "RSA",
              "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
              "e": "AQAB",
              "alg": "RS256",
              "kid": "2011-04-29"
            }"#,
        )
        .unwrap();
        let jkt = jwk_thumbprint(&jwk).unwrap();
        assert_eq!(jkt, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
        assert!(is_thumbprint(&jkt));
    }

    #[test]
    fn optional_members_do_not_change_the_thumbprint_and_missing_ones_give_none() {
        let base = r#""kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0""#;
        let plain = Jwk::from_bytes(format!("{{{base}}}").as_bytes()).unwrap();
        let extra = Jwk::from_bytes(format!("{{{base},\"use\":\"sig\",\"kid\":\"a\"}}").as_bytes())
            .unwrap();
        assert_eq!(jwk_thumbprint(&plain), jwk_thumbprint(&extra));
        let other = Jwk::from_bytes(br#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"AAAA"}"#).unwrap();
        assert_ne!(jwk_thumbprint(&plain), jwk_thumbprint(&other));
        let missing = Jwk::from_bytes(
            br#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"}"#,
        )
        .unwrap();
        assert_eq!(jwk_thumbprint(&missing), None);
        assert!(!is_thumbprint("short"));
        assert!(!is_thumbprint(&"+".repeat(43)));
    }
}
