//! A relying party's own keys and the JWTs it signs with them: client assertions
//! (`private_key_jwt`, `client_secret_jwt`) and request objects.

use josekit::jwk::Jwk;
use josekit::jws::JwsHeader;
use josekit::jwt::{self, JwtPayload};
use serde_json::{Value, json};

/// A key pair of a client: the private half signs, the public half is registered.
#[derive(Debug)]
pub struct ClientKey {
    private: Jwk,
    /// Its `kid`.
    pub kid: String,
}

impl ClientKey {
    /// A 2048-bit RSA key (RS256 and PS256).
    pub fn rsa(kid: &str) -> Self {
        Self::with(Jwk::generate_rsa_key(2048).expect("RSA key"), kid)
    }

    /// A P-256 key (ES256).
    pub fn ec(kid: &str) -> Self {
        Self::with(
            Jwk::generate_ec_key(josekit::jwk::alg::ec::EcCurve::P256).expect("EC key"),
            kid,
        )
    }

    fn with(mut private: Jwk, kid: &str) -> Self {
        private.set_key_id(kid);
        Self {
            private,
            kid: kid.into(),
        }
    }

    /// The public JWK, with the `kid`.
    pub fn public(&self) -> Value {
        let mut public = self.private.to_public_key().expect("public key");
        public.set_key_id(&self.kid);
        Value::Object(public.as_ref().clone())
    }

    /// A JWK Set of the public halves of `keys`.
    pub fn set(keys: &[&ClientKey]) -> Value {
        json!({ "keys": keys.iter().map(|k| k.public()).collect::<Vec<_>>() })
    }

    /// `claims` signed with `alg` (RS256, PS256, ES256), the header naming this key and
    /// carrying `typ`.
    pub fn sign(&self, alg: &str, typ: &str, claims: &Value) -> String {
        use josekit::jws::{ES256, PS256, RS256};
        let (header, payload) = parts(typ, claims);
        let mut header = header;
        header.set_key_id(&self.kid);
        match alg {
            "RS256" => jwt::encode_with_signer(
                &payload,
                &header,
                &RS256.signer_from_jwk(&self.private).expect("signer"),
            ),
            "PS256" => jwt::encode_with_signer(
                &payload,
                &header,
                &PS256.signer_from_jwk(&self.private).expect("signer"),
            ),
            "ES256" => jwt::encode_with_signer(
                &payload,
                &header,
                &ES256.signer_from_jwk(&self.private).expect("signer"),
            ),
            other => panic!("no signer for {other}"),
        }
        .expect("signed")
    }
}

fn parts(typ: &str, claims: &Value) -> (JwsHeader, JwtPayload) {
    let mut header = JwsHeader::new();
    header.set_token_type(typ);
    let payload =
        JwtPayload::from_map(claims.as_object().expect("claims object").clone()).expect("payload");
    (header, payload)
}

/// `claims` as an HS256 HMAC keyed with `secret` (`client_secret_jwt`).
pub fn sign_hs256(secret: &str, typ: &str, claims: &Value) -> String {
    let (header, payload) = parts(typ, claims);
    let signer = josekit::jws::HS256
        .signer_from_bytes(secret.as_bytes())
        .expect("HMAC key");
    jwt::encode_with_signer(&payload, &header, &signer).expect("signed")
}

/// `claims` with `alg: none`.
pub fn unsigned(typ: &str, claims: &Value) -> String {
    let (header, payload) = parts(typ, claims);
    jwt::encode_unsecured(&payload, &header).expect("encoded")
}
