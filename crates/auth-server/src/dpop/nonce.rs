//! Server-provided DPoP nonces (RFC 9449 8), stateless: the keyed hash of a time bucket, so
//! that every node accepts the nonces of every other without shared state. A nonce is good
//! for the bucket it was made in and the next one.

use domain::secrets::SecretBox;
use subtle::ConstantTimeEq as _;

/// How long one nonce is handed out; it is accepted for up to twice as long.
pub const BUCKET_SECS: i64 = 300;

/// The keyed-hash purpose: separates nonces from every other keyed hash.
const PURPOSE: &str = "dpop_nonce";

fn for_bucket(secrets: &SecretBox, bucket: i64) -> String {
    secrets.keyed_hash(PURPOSE, &bucket.to_string())
}

/// The nonce to hand out at `now` (Unix seconds).
pub fn current(secrets: &SecretBox, now: i64) -> String {
    for_bucket(secrets, now.div_euclid(BUCKET_SECS))
}

/// Whether `nonce` was handed out in the current or the previous bucket.
pub fn is_fresh(secrets: &SecretBox, nonce: &str, now: i64) -> bool {
    let bucket = now.div_euclid(BUCKET_SECS);
    [bucket, bucket - 1].into_iter().any(|b| {
        let expected = for_bucket(secrets, b);
        bool::from(expected.as_bytes().ct_eq(nonce.as_bytes()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::secrets::MasterKey;

    #[test]
    fn a_nonce_is_fresh_for_its_bucket_and_the_next_only() {
        let sb = MasterKey::generate().secret_box();
        let t = 1_000_000 * BUCKET_SECS;
        let n = current(&sb, t);
        assert!(is_fresh(&sb, &n, t));
        assert!(is_fresh(&sb, &n, t + BUCKET_SECS + 1));
        assert!(!is_fresh(&sb, &n, t + 2 * BUCKET_SECS));
        assert!(!is_fresh(&sb, &n, t - 1), "not before it was made");
        assert!(!is_fresh(&sb, "guess", t));
        let other = MasterKey::generate().secret_box();
        assert!(!is_fresh(&other, &n, t), "bound to the master key");
    }
}
