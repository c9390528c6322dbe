//! Gatehouse's own encryption key, to which clients may encrypt request objects (RFC 9101
//! 6.1, OIDC Core 6.1): an X25519 key derived from the master key, so every node has the
//! same one without storing it, published in the JWKS with `use: enc`. It changes only
//! with the master key.

use josekit::jwe::{self, ECDH_ES, ECDH_ES_A128KW, ECDH_ES_A256KW, JweDecrypter};
use josekit::jwk::alg::ecx::EcxKeyPair;
use josekit::jwk::{Jwk, KeyPair as _};
use serde_json::Value;

use domain::secrets::SecretBox;

/// The key management algorithms a request object may be encrypted with.
pub const ALGS: &[&str] = &["ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A256KW"];
/// The content encryption algorithms a request object may use.
pub const ENCS: &[&str] = &["A128CBC-HS256", "A128GCM", "A256GCM"];

/// The PKCS#8 prefix of an X25519 private key (RFC 8410): the 32 key bytes follow.
const X25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
];

/// The derived key: its public JWK (as published) and its private JWK.
#[derive(Clone)]
pub struct DecryptionKey {
    kid: String,
    public: Value,
    private: Jwk,
}

impl std::fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl DecryptionKey {
    /// Derives the key from the master key behind `secrets`.
    pub fn derive(secrets: &SecretBox) -> Result<Self, String> {
        use base64::Engine as _;
        let seed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(secrets.keyed_hash("request-object-encryption", "x25519"))
            .map_err(|e| e.to_string())?;
        let mut der = X25519_PKCS8_PREFIX.to_vec();
        der.extend_from_slice(&seed);
        let pair = EcxKeyPair::from_der(&der).map_err(|e| e.to_string())?;
        let private = pair.to_jwk_private_key();
        let mut public = pair.to_jwk_public_key();
        let x = public
            .parameter("x")
            .and_then(Value::as_str)
            .ok_or("no public key")?
            .to_owned();
        // The key id names the key itself: it changes exactly when the key does.
        let kid = format!("enc-{}", &x[..x.len().min(16)]);
        public.set_key_id(&kid);
        public.set_key_use("enc");
        let public = Value::Object(public.as_ref().clone());
        Ok(Self {
            kid,
            public,
            private,
        })
    }

    /// The public key as the JWKS lists it.
    pub fn public_jwk(&self) -> &Value {
        &self.public
    }

    /// Decrypts a compact JWE addressed to this key; the plaintext (a JWT).
    pub fn decrypt(&self, token: &str) -> Result<String, String> {
        use base64::Engine as _;
        let header: Value = token
            .split('.')
            .next()
            .and_then(|h| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(h)
                    .ok()
            })
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("the encrypted request object has no readable header")?;
        if header
            .get("kid")
            .and_then(Value::as_str)
            .is_some_and(|kid| kid != self.kid)
        {
            return Err("the request object is encrypted to another key".into());
        }
        let bad = |e: josekit::JoseError| format!("cannot decrypt the request object: {e}");
        let decrypter: Box<dyn JweDecrypter> = match header.get("alg").and_then(Value::as_str) {
            Some("ECDH-ES") => Box::new(ECDH_ES.decrypter_from_jwk(&self.private).map_err(bad)?),
            Some("ECDH-ES+A128KW") => Box::new(
                ECDH_ES_A128KW
                    .decrypter_from_jwk(&self.private)
                    .map_err(bad)?,
            ),
            Some("ECDH-ES+A256KW") => Box::new(
                ECDH_ES_A256KW
                    .decrypter_from_jwk(&self.private)
                    .map_err(bad)?,
            ),
            other => {
                return Err(format!(
                    "request objects are encrypted with {}, not {other:?}",
                    ALGS.join(", ")
                ));
            }
        };
        let (plain, _) = jwe::deserialize_compact(token, &*decrypter).map_err(bad)?;
        String::from_utf8(plain).map_err(|_| "the decrypted request object is not text".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::secrets::MasterKey;
    use josekit::jwe::JweHeader;

    #[test]
    fn the_key_is_stable_per_master_key_and_decrypts_what_clients_encrypt() {
        let master = MasterKey::generate();
        let a = DecryptionKey::derive(&master.secret_box()).unwrap();
        let b = DecryptionKey::derive(&master.secret_box()).unwrap();
        assert_eq!(
            a.public_jwk(),
            b.public_jwk(),
            "every node derives the same key"
        );
        let other = DecryptionKey::derive(&MasterKey::generate().secret_box()).unwrap();
        assert_ne!(a.public_jwk(), other.public_jwk());
        let public = a.public_jwk();
        assert_eq!(public["kty"], "OKP");
        assert_eq!(public["crv"], "X25519");
        assert_eq!(public["use"], "enc");
        assert!(public.get("d").is_none(), "no private part published");

        let jwk = Jwk::from_map(public.as_object().unwrap().clone()).unwrap();
        for alg in ALGS {
            let mut header = JweHeader::new();
            header.set_content_encryption("A256GCM");
            header.set_key_id(public["kid"].as_str().unwrap());
            let encrypter: Box<dyn jwe::JweEncrypter> = match *alg {
                "ECDH-ES" => Box::new(ECDH_ES.encrypter_from_jwk(&jwk).unwrap()),
                "ECDH-ES+A128KW" => Box::new(ECDH_ES_A128KW.encrypter_from_jwk(&jwk).unwrap()),
                _ => Box::new(ECDH_ES_A256KW.encrypter_from_jwk(&jwk).unwrap()),
            };
            let token = jwe::serialize_compact(b"a.b.c", &header, &*encrypter).unwrap();
            assert_eq!(a.decrypt(&token).unwrap(), "a.b.c", "{alg}");
            assert!(
                other.decrypt(&token).is_err(),
                "another master key cannot read it"
            );
        }
    }
}
