//! Signing keys: generation, encrypted storage, rotation, and the in-memory key ring.

mod alg;
mod generate;
mod ring;
mod service;

pub use alg::{KeyAlg, KeyState};
pub use ring::{KeyRing, SharedKeyRing, SigningKey};
pub use service::{KeyInfo, Keys};
