//! Key pair generation (CPU-heavy for RSA: run on a blocking thread).

use josekit::jwk::Jwk;
use josekit::jwk::alg::ed::EdCurve;
use josekit::jws::{ES256, EdDSA, RS256};

use super::KeyAlg;
use crate::{Error, Result};

/// RSA modulus size for RS256 and PS256 keys.
const RSA_BITS: u32 = 2048;

/// A fresh key pair as (private JWK, public JWK), both carrying `kid`, `alg` and `use`.
pub(crate) fn generate(alg: KeyAlg, kid: &str) -> Result<(Jwk, Jwk)> {
    let crypto = |e: josekit::JoseError| Error::Crypto(format!("key generation failed: {e}"));
    let (mut private, mut public) = match alg {
        // PS256 signs with an ordinary RSA key; only the padding differs.
        KeyAlg::Rs256 | KeyAlg::Ps256 => {
            let pair = RS256.generate_key_pair(RSA_BITS).map_err(crypto)?;
            (pair.to_jwk_private_key(), pair.to_jwk_public_key())
        }
        KeyAlg::Es256 => {
            let pair = ES256.generate_key_pair().map_err(crypto)?;
            (pair.to_jwk_private_key(), pair.to_jwk_public_key())
        }
        KeyAlg::EdDsa => {
            let pair = EdDSA.generate_key_pair(EdCurve::Ed25519).map_err(crypto)?;
            (pair.to_jwk_private_key(), pair.to_jwk_public_key())
        }
    };
    for jwk in [&mut private, &mut public] {
        jwk.set_key_id(kid);
        jwk.set_algorithm(alg.as_str());
        jwk.set_key_use("sig");
    }
    Ok((private, public))
}
