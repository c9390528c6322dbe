//! Standard Webhooks signatures: `v1,` + base64 of HMAC-SHA-256 over
//! `"{id}.{timestamp}.{body}"`, keyed with the base64-decoded part of a `whsec_` secret.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use crate::{Error, Result};

/// The prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` + base64 of 32 random bytes.
pub fn generate_secret() -> String {
    format!(
        "{SECRET_PREFIX}{}",
        STANDARD.encode(crate::random::bytes::<32>())
    )
}

/// The key bytes of a `whsec_` secret.
pub fn decode_secret(secret: &str) -> Result<Vec<u8>> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    let key = STANDARD
        .decode(encoded)
        .map_err(|_| Error::Corrupt("webhook secret is not base64".into()))?;
    if key.len() < 24 {
        return Err(Error::Corrupt(
            "webhook secret shorter than 24 bytes".into(),
        ));
    }
    Ok(key)
}

/// The `webhook-signature` header: one `v1,<signature>` per key, separated by spaces.
pub fn signature_header(keys: &[Vec<u8>], id: &str, timestamp: i64, body: &str) -> String {
    keys.iter()
        .map(|key| format!("v1,{}", sign(key, id, timestamp, body)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn sign(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256>>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_standard_webhooks_reference_vector() {
        // The example of the Standard Webhooks specification's reference libraries.
        let key = decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        let header = signature_header(&[key], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_are_prefixed_and_long_enough() {
        let s = generate_secret();
        assert!(s.starts_with("whsec_"));
        assert_eq!(decode_secret(&s).unwrap().len(), 32);
        assert_ne!(s, generate_secret());
        assert!(
            decode_secret("whsec_c2hvcnQ=").is_err(),
            "short keys are refused"
        );
    }
}
