//! The built-in CAPTCHA: a proof-of-work puzzle that needs no outside service.
//!
//! A challenge is `v1.<difficulty>.<expires_unix>.<nonce>.<mac>`, signed with a keyed hash
//! under the master key, so the server keeps nothing until it is solved. The browser finds a
//! counter such that SHA-256(`<challenge>:<counter>`) starts with `difficulty` zero bits; the
//! server checks the signature, the expiry, the work, and that the challenge was not used
//! before (a set-if-absent in the cache, so one solution buys one request on every node).

use std::time::Duration;

use sha2::{Digest as _, Sha256};

use crate::cache::Cache;
use crate::secrets::SecretBox;
use crate::{Result, random};

const VERSION: &str = "v1";
const PURPOSE: &str = "pow-challenge";
/// Longest challenge and solution accepted: anything longer is not ours.
const MAX_CHALLENGE: usize = 200;
const MAX_SOLUTION: usize = 20;

/// Issues and verifies proof-of-work challenges.
#[derive(Debug, Clone)]
pub struct ProofOfWork {
    secrets: SecretBox,
    cache: Cache,
    /// Where proofs are marked used while the shared cache does not answer: a proof can
    /// then be spent once per node instead of once, and sign-ins go on.
    fallback: Cache,
    difficulty: u8,
    ttl: Duration,
}

impl ProofOfWork {
    /// A verifier demanding `difficulty` leading zero bits, with challenges valid for `ttl`.
    pub fn new(secrets: SecretBox, cache: Cache, difficulty: u8, ttl: Duration) -> Self {
        Self {
            secrets,
            cache,
            fallback: Cache::memory(),
            difficulty: difficulty.min(32),
            ttl,
        }
    }

    /// The difficulty in leading zero bits.
    pub fn difficulty(&self) -> u8 {
        self.difficulty
    }

    /// A fresh challenge for a form.
    pub fn issue(&self) -> String {
        let expires = (time::OffsetDateTime::now_utc() + self.ttl).unix_timestamp();
        let nonce = random::token::<16>();
        let payload = format!("{VERSION}.{}.{expires}.{nonce}", self.difficulty);
        let mac = self.secrets.keyed_hash(PURPOSE, &payload);
        format!("{payload}.{mac}")
    }

    /// Whether `solution` solves `challenge`, which this server issued, has not expired and
    /// was not used before. Malformed input is `Ok(false)`; only a cache failure is an error.
    pub async fn verify(&self, challenge: &str, solution: &str) -> Result<bool> {
        if challenge.len() > MAX_CHALLENGE
            || solution.is_empty()
            || solution.len() > MAX_SOLUTION
            || !solution.bytes().all(|b| b.is_ascii_digit())
        {
            return Ok(false);
        }
        let Some((payload, mac)) = challenge.rsplit_once('.') else {
            return Ok(false);
        };
        if !self.secrets.verify_keyed_hash(PURPOSE, payload, mac) {
            return Ok(false);
        }
        let parts: Vec<&str> = payload.split('.').collect();
        let [VERSION, difficulty, expires, nonce] = parts.as_slice() else {
            return Ok(false);
        };
        let (Ok(difficulty), Ok(expires)) = (difficulty.parse::<u8>(), expires.parse::<i64>())
        else {
            return Ok(false);
        };
        // A challenge issued before the difficulty was raised is not good enough any more.
        if difficulty < self.difficulty {
            return Ok(false);
        }
        let left = expires - time::OffsetDateTime::now_utc().unix_timestamp();
        if left <= 0 || !has_leading_zero_bits(challenge, solution, difficulty) {
            return Ok(false);
        }
        let ttl = Duration::from_secs(u64::try_from(left).unwrap_or(1));
        let key = format!("pow-used:{nonce}");
        match self.cache.set_if_absent(&key, b"1", ttl).await {
            Ok(first) => Ok(first),
            Err(e) => {
                tracing::warn!(error = %e, "cache unavailable: proof of work marked used on this node only");
                self.fallback.set_if_absent(&key, b"1", ttl).await
            }
        }
    }
}

fn has_leading_zero_bits(challenge: &str, solution: &str, bits: u8) -> bool {
    let digest = Sha256::new()
        .chain_update(challenge.as_bytes())
        .chain_update(b":")
        .chain_update(solution.as_bytes())
        .finalize();
    let mut left = u32::from(bits);
    for byte in digest {
        if left == 0 {
            return true;
        }
        let need = left.min(8);
        if byte.leading_zeros() < need {
            return false;
        }
        left -= need;
    }
    left == 0
}

/// Solves a challenge the way the page's script does (for tests and tooling).
pub fn solve(challenge: &str) -> String {
    let bits = challenge
        .split('.')
        .nth(1)
        .and_then(|d| d.parse::<u8>().ok())
        .unwrap_or(0);
    let mut counter: u64 = 0;
    loop {
        let candidate = counter.to_string();
        if has_leading_zero_bits(challenge, &candidate, bits) {
            return candidate;
        }
        counter += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MasterKey;

    fn pow(difficulty: u8, ttl: Duration) -> ProofOfWork {
        ProofOfWork::new(
            MasterKey::generate().secret_box(),
            Cache::memory(),
            difficulty,
            ttl,
        )
    }

    #[tokio::test]
    async fn a_solution_works_once() {
        let p = pow(8, Duration::from_secs(60));
        let challenge = p.issue();
        let solution = solve(&challenge);
        assert!(p.verify(&challenge, &solution).await.unwrap());
        assert!(
            !p.verify(&challenge, &solution).await.unwrap(),
            "single use"
        );
    }

    #[tokio::test]
    async fn wrong_tampered_expired_or_garbage_challenges_fail() {
        let p = pow(8, Duration::from_secs(60));
        let challenge = p.issue();
        let solution = solve(&challenge);
        // A wrong counter: find one that does not have the zero bits.
        let wrong = (0..1000u32)
            .map(|n| n.to_string())
            .find(|s| !has_leading_zero_bits(&challenge, s, 8))
            .unwrap();
        assert!(!p.verify(&challenge, &wrong).await.unwrap());
        // Lowering the difficulty in the challenge breaks its signature.
        let easier = challenge.replacen(".8.", ".0.", 1);
        assert!(!p.verify(&easier, "0").await.unwrap());
        // A challenge from another server (another key).
        let other = pow(8, Duration::from_secs(60)).issue();
        assert!(!p.verify(&other, &solve(&other)).await.unwrap());
        // Expired.
        let old = pow(8, Duration::ZERO);
        let stale = old.issue();
        assert!(!old.verify(&stale, &solve(&stale)).await.unwrap());
        // Garbage.
        for (c, s) in [
            ("", ""),
            ("x", "1"),
            (challenge.as_str(), "-1"),
            (challenge.as_str(), &"9".repeat(21)),
        ] {
            assert!(!p.verify(c, s).await.unwrap(), "{c:?} {s:?}");
        }
        assert!(
            p.verify(&challenge, &solution).await.unwrap(),
            "still unused"
        );
    }

    #[tokio::test]
    async fn a_challenge_below_the_current_difficulty_fails() {
        let key = MasterKey::generate().secret_box();
        let easy = ProofOfWork::new(key.clone(), Cache::memory(), 2, Duration::from_secs(60));
        let hard = ProofOfWork::new(key, Cache::memory(), 10, Duration::from_secs(60));
        let challenge = easy.issue();
        assert!(!hard.verify(&challenge, &solve(&challenge)).await.unwrap());
    }

    #[test]
    fn zero_bits_are_counted_across_bytes() {
        // Brute force a few counters and compare with a direct bit count.
        for n in 0..200u32 {
            let s = n.to_string();
            let digest = Sha256::digest(format!("c:{s}").as_bytes());
            let mut zeros = 0;
            for b in digest {
                zeros += b.leading_zeros();
                if b != 0 {
                    break;
                }
            }
            for bits in 0..=12u8 {
                assert_eq!(
                    has_leading_zero_bits("c", &s, bits),
                    u32::from(bits) <= zeros
                );
            }
        }
    }
}
