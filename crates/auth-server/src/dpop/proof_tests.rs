//! Unit tests of the proof checks (RFC 9449 4.3), one refusal each.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::KeyPair as _;
use josekit::jws::{self, JwsHeader};
use josekit::jwt::JwtPayload;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::*;

const URL: &str = "https://id.example/token";
const NOW: i64 = 1_800_000_000;

struct Key {
    private: Jwk,
    public: Value,
}

fn key() -> Key {
    let pair = jws::ES256.generate_key_pair().unwrap();
    Key {
        private: pair.to_jwk_private_key(),
        public: Value::Object(pair.to_jwk_public_key().into()),
    }
}

fn claims(iat: i64) -> Value {
    json!({ "jti": "j1", "htm": "POST", "htu": URL, "iat": iat })
}

/// A proof signed by `key` with `header` members over the defaults, and `claims`.
fn sign(key: &Key, header: &[(&str, Value)], claims: &Value) -> String {
    let mut h = JwsHeader::new();
    h.set_token_type("dpop+jwt");
    h.set_claim("jwk", Some(key.public.clone())).unwrap();
    for (name, value) in header {
        h.set_claim(name, Some(value.clone())).unwrap();
    }
    let payload = JwtPayload::from_map(claims.as_object().unwrap().clone()).unwrap();
    let signer = jws::ES256.signer_from_jwk(&key.private).unwrap();
    josekit::jwt::encode_with_signer(&payload, &h, &signer).unwrap()
}

fn rules() -> Rules<'static> {
    Rules {
        now: NOW,
        max_skew: 60,
        nonce: None,
    }
}

fn token_request() -> Request<'static> {
    Request {
        method: "POST",
        url: URL,
        access_token: None,
    }
}

fn refused(proof: &str) -> String {
    match check(proof, &token_request(), &rules()) {
        Err(ProofError::Invalid(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_good_proof_passes_with_the_keys_thumbprint() {
    let k = key();
    let checked = check(&sign(&k, &[], &claims(NOW)), &token_request(), &rules()).unwrap();
    let public = Jwk::from_map(k.public.as_object().unwrap().clone()).unwrap();
    assert_eq!(checked.jkt, jwk_thumbprint(&public).unwrap());
    assert_eq!(checked.jti, "j1");
}

#[test]
fn fapi2_iat_ten_seconds_early_or_late_is_accepted_and_far_off_refused() {
    let k = key();
    for iat in [NOW - 10, NOW + 10] {
        assert!(check(&sign(&k, &[], &claims(iat)), &token_request(), &rules()).is_ok());
    }
    assert!(refused(&sign(&k, &[], &claims(NOW - 61))).contains("too old"));
    assert!(refused(&sign(&k, &[], &claims(NOW + 61))).contains("future"));
}

#[test]
fn fapi2_nbf_and_exp_are_checked_when_present() {
    let k = key();
    let with = |name: &str, v: i64| {
        let mut c = claims(NOW);
        c[name] = v.into();
        sign(&k, &[], &c)
    };
    assert!(check(&with("exp", NOW + 30), &token_request(), &rules()).is_ok());
    assert!(refused(&with("exp", NOW - 61)).contains("exp"));
    assert!(refused(&with("nbf", NOW + 61)).contains("nbf"));
}

#[test]
fn fapi2_bad_typ_alg_and_jwk_are_refused() {
    let k = key();
    assert!(refused(&sign(&k, &[("typ", "JWT".into())], &claims(NOW))).contains("typ"));
    // alg none: an unsigned token with the same header and claims.
    let header = json!({ "typ": "dpop+jwt", "alg": "none", "jwk": k.public });
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let unsigned = format!("{}.{}.", enc(&header), enc(&claims(NOW)));
    assert!(refused(&unsigned).contains("alg"));
    // HS256 with a symmetric key in the header.
    let hs_key =
        Jwk::from_bytes(br#"{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0ISE"}"#)
            .unwrap();
    let mut h = JwsHeader::new();
    h.set_token_type("dpop+jwt");
    h.set_claim("jwk", Some(json!({"kty": "oct"}))).unwrap();
    let payload = JwtPayload::from_map(claims(NOW).as_object().unwrap().clone()).unwrap();
    let hs = josekit::jwt::encode_with_signer(
        &payload,
        &h,
        &jws::HS256.signer_from_jwk(&hs_key).unwrap(),
    )
    .unwrap();
    assert!(refused(&hs).contains("alg"));
    // No jwk, a private jwk, a jwk of another key.
    let mut h = JwsHeader::new();
    h.set_token_type("dpop+jwt");
    let signer = jws::ES256.signer_from_jwk(&k.private).unwrap();
    let no_jwk = josekit::jwt::encode_with_signer(&payload, &h, &signer).unwrap();
    assert!(refused(&no_jwk).contains("jwk"));
    let private = Value::Object(k.private.clone().into());
    assert!(refused(&sign(&k, &[("jwk", private)], &claims(NOW))).contains("private"));
    let other = key();
    assert!(refused(&sign(&k, &[("jwk", other.public)], &claims(NOW))).contains("signature"));
    assert!(refused("not.a.jwt").contains("header"));
    assert!(refused("onlyone").contains("compact"));
}

#[test]
fn fapi2_wrong_htm_or_htu_is_refused_and_query_or_fragment_ignored() {
    let k = key();
    let with = |name: &str, v: &str| {
        let mut c = claims(NOW);
        c[name] = v.into();
        sign(&k, &[], &c)
    };
    assert!(refused(&with("htm", "GET")).contains("htm"));
    assert!(refused(&with("htu", "https://id.example/userinfo")).contains("htu"));
    assert!(refused(&with("htu", "https://other.example/token")).contains("htu"));
    for same in [
        "https://id.example/token?x=1",
        "https://id.example/token#f",
        "HTTPS://ID.EXAMPLE:443/token",
    ] {
        assert!(
            check(&with("htu", same), &token_request(), &rules()).is_ok(),
            "{same}"
        );
    }
    let mut no_jti = claims(NOW);
    no_jti.as_object_mut().unwrap().remove("jti");
    assert!(refused(&sign(&k, &[], &no_jti)).contains("jti"));
}

#[test]
fn fapi2_ath_must_hash_the_presented_token() {
    let k = key();
    let request = Request {
        method: "GET",
        url: "https://id.example/userinfo",
        access_token: Some("tok"),
    };
    let with_ath = |ath: &str| {
        sign(
            &k,
            &[],
            &json!({ "jti": "j", "htm": "GET", "htu": request.url, "iat": NOW, "ath": ath }),
        )
    };
    let right = URL_SAFE_NO_PAD.encode(Sha256::digest(b"tok"));
    assert!(check(&with_ath(&right), &request, &rules()).is_ok());
    let wrong = URL_SAFE_NO_PAD.encode(Sha256::digest(b"other"));
    assert!(
        matches!(check(&with_ath(&wrong), &request, &rules()), Err(ProofError::Invalid(w)) if w.contains("ath"))
    );
}

#[test]
fn a_missing_or_stale_nonce_asks_for_one() {
    let k = key();
    let fresh = |n: &str| n == "good";
    let rules = Rules {
        nonce: Some(&fresh),
        ..rules()
    };
    assert_eq!(
        check(&sign(&k, &[], &claims(NOW)), &token_request(), &rules),
        Err(ProofError::UseNonce)
    );
    let mut c = claims(NOW);
    c["nonce"] = "stale".into();
    assert_eq!(
        check(&sign(&k, &[], &c), &token_request(), &rules),
        Err(ProofError::UseNonce)
    );
    c["nonce"] = "good".into();
    assert!(check(&sign(&k, &[], &c), &token_request(), &rules).is_ok());
}
