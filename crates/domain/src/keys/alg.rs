//! Signing algorithms and key states.

use crate::{Error, Result};

/// A JWS algorithm Gatehouse keeps keys for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (required by OIDC).
    Rs256,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// Ed25519.
    EdDsa,
}

impl KeyAlg {
    /// Every algorithm, in the order keys are listed.
    pub const ALL: [KeyAlg; 4] = [KeyAlg::Rs256, KeyAlg::Ps256, KeyAlg::Es256, KeyAlg::EdDsa];

    /// The JWS `alg` value.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlg::Rs256 => "RS256",
            KeyAlg::Ps256 => "PS256",
            KeyAlg::Es256 => "ES256",
            KeyAlg::EdDsa => "EdDSA",
        }
    }

    /// Parses a JWS `alg` value.
    pub fn parse(text: &str) -> Result<Self> {
        KeyAlg::ALL
            .into_iter()
            .find(|a| a.as_str() == text)
            .ok_or_else(|| {
                Error::invalid(
                    "alg",
                    format!("{text:?} is not one of RS256, PS256, ES256, EdDSA"),
                )
            })
    }
}

impl std::fmt::Display for KeyAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a key is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// Published in JWKS, not yet signing: becomes active at the next rotation.
    Next,
    /// Signing new tokens (and published).
    Active,
    /// No longer signing; published until the tokens it signed have expired.
    Retired,
}

impl KeyState {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Next => "next",
            KeyState::Active => "active",
            KeyState::Retired => "retired",
        }
    }
}
