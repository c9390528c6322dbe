//! The key ring: parsed signers for the active keys, verifiers and the JWKS document for
//! every published key. Built once per load, then shared read-only.

use std::collections::HashMap;
use std::sync::Arc;

use josekit::jwk::Jwk;
use josekit::jws::{ES256, EdDSA, JwsSigner, JwsVerifier, PS256, RS256};

use super::{KeyAlg, KeyState};
use crate::{Error, Result};

/// The active key of one algorithm, ready to sign.
#[derive(Debug)]
pub struct SigningKey {
    /// The key id, set as `kid` in every JWS header it signs.
    pub kid: String,
    /// Its algorithm.
    pub alg: KeyAlg,
    signer: Box<dyn JwsSigner>,
}

impl SigningKey {
    /// The josekit signer.
    pub fn signer(&self) -> &dyn JwsSigner {
        self.signer.as_ref()
    }
}

/// A published key, as the ring is built from.
pub(crate) struct RingEntry {
    pub kid: String,
    pub alg: KeyAlg,
    pub state: KeyState,
    pub public: Jwk,
    /// Present for the active key only.
    pub private: Option<Jwk>,
}

/// Signers, verifiers and the serialized JWKS for one snapshot of the signing keys.
#[derive(Debug, Default)]
pub struct KeyRing {
    active: HashMap<KeyAlg, SigningKey>,
    verifiers: HashMap<String, (KeyAlg, Box<dyn JwsVerifier>)>,
    jwks: Arc<[u8]>,
}

impl KeyRing {
    pub(crate) fn build(mut entries: Vec<RingEntry>) -> Result<Self> {
        // Active keys first in JWKS, then next, then retired: clients that pick the first
        // matching key find the current one quickly.
        let rank = |s: KeyState| match s {
            KeyState::Active => 0,
            KeyState::Next => 1,
            KeyState::Retired => 2,
        };
        entries.sort_by_key(|e| (rank(e.state), e.alg));
        let mut ring = KeyRing::default();
        let mut published = Vec::with_capacity(entries.len());
        for e in entries {
            ring.verifiers
                .insert(e.kid.clone(), (e.alg, verifier(e.alg, &e.public)?));
            if let Some(private) = &e.private {
                ring.active.insert(
                    e.alg,
                    SigningKey {
                        kid: e.kid.clone(),
                        alg: e.alg,
                        signer: signer(e.alg, private)?,
                    },
                );
            }
            published.push(serde_json::Value::Object(e.public.as_ref().clone()));
        }
        ring.jwks = serde_json::to_vec(&serde_json::json!({ "keys": published }))
            .map_err(|e| Error::Crypto(e.to_string()))?
            .into();
        Ok(ring)
    }

    /// The key that signs new tokens with `alg`, if one is active.
    pub fn active(&self, alg: KeyAlg) -> Option<&SigningKey> {
        self.active.get(&alg)
    }

    /// The verifier of a published key, with its algorithm.
    pub fn verifier(&self, kid: &str) -> Option<(KeyAlg, &dyn JwsVerifier)> {
        self.verifiers.get(kid).map(|(a, v)| (*a, v.as_ref()))
    }

    /// The JWKS document (`{"keys": [...]}`, public parts only), serialized once.
    pub fn jwks_json(&self) -> Arc<[u8]> {
        self.jwks.clone()
    }
}

fn signer(alg: KeyAlg, jwk: &Jwk) -> Result<Box<dyn JwsSigner>> {
    let crypto = |e: josekit::JoseError| Error::Crypto(format!("unusable {alg} private key: {e}"));
    Ok(match alg {
        KeyAlg::Rs256 => Box::new(RS256.signer_from_jwk(jwk).map_err(crypto)?),
        KeyAlg::Ps256 => Box::new(PS256.signer_from_jwk(jwk).map_err(crypto)?),
        KeyAlg::Es256 => Box::new(ES256.signer_from_jwk(jwk).map_err(crypto)?),
        KeyAlg::EdDsa => Box::new(EdDSA.signer_from_jwk(jwk).map_err(crypto)?),
    })
}

fn verifier(alg: KeyAlg, jwk: &Jwk) -> Result<Box<dyn JwsVerifier>> {
    let crypto = |e: josekit::JoseError| Error::Crypto(format!("unusable {alg} public key: {e}"));
    Ok(match alg {
        KeyAlg::Rs256 => Box::new(RS256.verifier_from_jwk(jwk).map_err(crypto)?),
        KeyAlg::Ps256 => Box::new(PS256.verifier_from_jwk(jwk).map_err(crypto)?),
        KeyAlg::Es256 => Box::new(ES256.verifier_from_jwk(jwk).map_err(crypto)?),
        KeyAlg::EdDsa => Box::new(EdDSA.verifier_from_jwk(jwk).map_err(crypto)?),
    })
}

/// The current key ring, shared by every worker and replaced whole on reload.
#[derive(Debug, Clone, Default)]
pub struct SharedKeyRing(Arc<std::sync::RwLock<Arc<KeyRing>>>);

impl SharedKeyRing {
    /// Shares `ring`.
    pub fn new(ring: KeyRing) -> Self {
        Self(Arc::new(std::sync::RwLock::new(Arc::new(ring))))
    }

    /// The ring in force now (a cheap clone of an `Arc`).
    pub fn current(&self) -> Arc<KeyRing> {
        // A writer never panics while holding the lock (it only swaps an Arc).
        self.0
            .read()
            .map(|r| r.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Puts a freshly loaded ring in force.
    pub fn replace(&self, ring: KeyRing) {
        let ring = Arc::new(ring);
        match self.0.write() {
            Ok(mut slot) => *slot = ring,
            Err(p) => *p.into_inner() = ring,
        }
    }
}
