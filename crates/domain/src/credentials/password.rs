//! Password hashing with argon2id on a bounded blocking pool.

use std::sync::{Arc, Mutex};

use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, PasswordHasher as _, Version};
use subtle::ConstantTimeEq as _;
use tokio::sync::Semaphore;

use crate::{Error, Result};

/// argon2id cost parameters (OWASP defaults: 19 MiB, 2 passes, 1 lane).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordParams {
    /// Memory cost in KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Degree of parallelism.
    pub parallelism: u32,
    /// Most hashes computed at once; further requests wait their turn.
    pub max_concurrent: usize,
}

impl Default for PasswordParams {
    fn default() -> Self {
        Self {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
            parallelism: Params::DEFAULT_P_COST,
            max_concurrent: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        }
    }
}

impl PasswordParams {
    /// Checks the parameters; errors name the `password.*` key at fault.
    pub fn validate(&self) -> Result<()> {
        self.argon2_params().map(|_| ())?;
        if self.max_concurrent == 0 {
            return Err(Error::invalid(
                "password.max_concurrent",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    fn argon2_params(&self) -> Result<Params> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, None).map_err(|e| {
            Error::invalid(
                "password.memory_kib",
                format!("argon2 refuses these parameters: {e}"),
            )
        })
    }
}

/// Hashes and verifies passwords off the async executor, at most `max_concurrent` at a time.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    /// argon2 working memory (19 MiB each by default) kept between verifications: a fresh
    /// allocation is page-faulted in and returned to the kernel every time, which costs about
    /// a sixth of a verification. At most one buffer per permit, none larger than the
    /// configured cost needs (a stored hash with a higher cost gets a buffer of its own).
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
    /// A hash of a random password, verified against when no user matches, so that an
    /// unknown account costs the same time as a wrong password.
    dummy_hash: Arc<str>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// Builds the hasher and its dummy hash (one hash: call at start-up, from a blocking
    /// context or before serving).
    pub fn new(params: &PasswordParams) -> Result<Self> {
        params.validate()?;
        let argon_params = params.argon2_params()?;
        let dummy = hash_blocking(&argon_params, &crate::random::password())?;
        Ok(Self {
            params: argon_params,
            permits: Arc::new(Semaphore::new(params.max_concurrent)),
            memory: Arc::default(),
            dummy_hash: dummy.into(),
        })
    }

    /// The argon2id PHC string of `password`.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let params = self.params.clone();
        let password = password.to_owned();
        self.run(move || hash_blocking(&params, &password)).await?
    }

    /// Whether `password` matches the PHC string `hash`. A malformed hash is a mismatch.
    pub async fn verify(&self, password: &str, hash: &str) -> Result<bool> {
        let password = password.to_owned();
        let hash = hash.to_owned();
        let memory = self.memory.clone();
        let keep = self.params.block_count();
        self.run(move || {
            let mut blocks = memory
                .lock()
                .ok()
                .and_then(|mut free| free.pop())
                .unwrap_or_default();
            let matches = verify_blocking(&password, &hash, &mut blocks);
            if blocks.len() <= keep
                && let Ok(mut free) = memory.lock()
            {
                free.push(blocks);
            }
            matches
        })
        .await
    }

    /// Spends the time of one verification and returns false: used when the account does
    /// not exist, so that timing does not reveal it.
    pub async fn verify_dummy(&self, password: &str) -> Result<bool> {
        let dummy = self.dummy_hash.to_string();
        self.verify(password, &dummy).await.map(|_| false)
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| Error::Task(e.to_string()))?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| Error::Task(e.to_string()))
    }
}

fn argon2(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn hash_blocking(params: &Params, password: &str) -> Result<String> {
    argon2(params)
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::Crypto(format!("password hashing failed: {e}")))
}

/// Recomputes the PHC string's hash with its own parameters in `memory` (grown as needed)
/// and compares in constant time. Anything malformed is a mismatch.
fn verify_blocking(password: &str, hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(phc) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(phc.algorithm.as_str()) else {
        return false;
    };
    let version = match phc.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&phc) else {
        return false;
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        // A failed allocation is a mismatch, not an abort of the process.
        if memory.try_reserve_exact(blocks - memory.len()).is_err() {
            return false;
        }
        memory.resize(blocks, Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    let computed = argon2.hash_password_into_with_memory(
        password.as_bytes(),
        salt.as_ref(),
        &mut out,
        &mut memory[..blocks],
    );
    computed.is_ok() && bool::from(out.ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> PasswordParams {
        PasswordParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
            max_concurrent: 2,
        }
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = PasswordHasher::new(&cheap()).unwrap();
        let phc = h.hash("correct horse battery staple").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{phc}");
        assert!(
            h.verify("correct horse battery staple", &phc)
                .await
                .unwrap()
        );
        assert!(!h.verify("correct horse battery stapl", &phc).await.unwrap());
        assert!(!h.verify("x", "not a phc string").await.unwrap());
        assert!(!h.verify_dummy("anything").await.unwrap());
    }

    #[tokio::test]
    async fn verification_reuses_memory_across_parameters_and_variants() {
        let h = PasswordHasher::new(&PasswordParams {
            memory_kib: 8192,
            ..cheap()
        })
        .unwrap();
        // Hashes made elsewhere with other costs and variants verify by their own parameters,
        // whatever the buffer held before (larger, then smaller, then larger again).
        let made = |alg, m, t| {
            Argon2::new(alg, Version::V0x13, Params::new(m, t, 1, None).unwrap())
                .hash_password(b"pass phrase")
                .unwrap()
                .to_string()
        };
        for (alg, m, t) in [
            (Algorithm::Argon2id, 4096, 1),
            (Algorithm::Argon2i, 1024, 3),
            (Algorithm::Argon2d, 2048, 2),
            (Algorithm::Argon2id, 8192, 1),
        ] {
            let phc = made(alg, m, t);
            assert!(h.verify("pass phrase", &phc).await.unwrap(), "{phc}");
            assert!(!h.verify("pass phrasE", &phc).await.unwrap(), "{phc}");
        }
        assert_eq!(h.memory.lock().unwrap().len(), 1, "one buffer, reused");
        // A stored hash that costs more than the configured parameters verifies, but its
        // larger buffer is not kept.
        let costly = made(Algorithm::Argon2id, 16384, 1);
        assert!(h.verify("pass phrase", &costly).await.unwrap());
        assert!(h.memory.lock().unwrap().is_empty(), "not kept");
        // Truncated or tampered strings are mismatches, not errors.
        let phc = made(Algorithm::Argon2id, 1024, 1);
        assert!(
            !h.verify("pass phrase", &phc[..phc.len() - 4])
                .await
                .unwrap()
        );
        assert!(
            !h.verify("pass phrase", &phc.replace("argon2id", "argon2x"))
                .await
                .unwrap()
        );
        assert!(
            !h.verify("pass phrase", &phc.replace("v=19", "v=7"))
                .await
                .unwrap()
        );
    }

    #[test]
    fn defaults_are_owasp_and_bad_params_name_the_key() {
        let d = PasswordParams::default();
        assert_eq!((d.memory_kib, d.iterations, d.parallelism), (19456, 2, 1));
        let bad = PasswordParams { memory_kib: 1, ..d };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("password.memory_kib")
        );
    }
}
