//! Secrets at rest: the master key, AEAD encryption of stored secrets, and keyed hashes.
//!
//! Two sub-keys are derived from the master key (HMAC-SHA-256 over a fixed label), one for
//! AES-256-GCM and one for keyed hashes, so that one key never serves two purposes.

pub mod wrapped;

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::{Error, Result, random};

type HmacSha256 = Hmac<Sha256>;

const CIPHERTEXT_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// The 256-bit master key. Its bytes never appear in `Debug` output or logs.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

/// Where the master key came from at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterKeySource {
    /// Given in configuration or the environment.
    Configured,
    /// Read from an existing key file.
    File,
    /// Generated now and written to the key file.
    Generated,
}

impl MasterKey {
    /// Parses a base64 (standard or URL-safe) encoding of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self> {
        let text = text.trim();
        let bytes = STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
            .map_err(|_| Error::invalid("secrets.master_key", "is not valid base64"))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::invalid("secrets.master_key", "must decode to exactly 32 bytes"))?;
        Ok(Self(key))
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        Self(random::bytes::<32>())
    }

    /// The base64 text form, as written to key files.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Reads the key file, or creates it (mode 0600, parent directories too) when absent.
    /// Blocking: call from a blocking context.
    pub fn load_or_create(path: &Path) -> Result<(Self, MasterKeySource)> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok((
                Self::from_base64(&text).map_err(|_| {
                    Error::invalid(
                        "secrets.master_key_file",
                        format!("{} does not hold a base64 32-byte key", path.display()),
                    )
                })?,
                MasterKeySource::File,
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate();
                write_private_file(path, key.to_base64().as_bytes())?;
                Ok((key, MasterKeySource::Generated))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The services that use this key.
    pub fn secret_box(&self) -> SecretBox {
        SecretBox::new(self)
    }

    fn derive(&self, label: &[u8]) -> [u8; 32] {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(label);
        mac.finalize().into_bytes().into()
    }
}

fn write_private_file(path: &Path, contents: &[u8]) -> Result<()> {
    use std::io::Write as _;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::store::create_private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    Ok(())
}

/// Encrypts and decrypts stored secrets, and computes keyed hashes of bearer secrets.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
    mac_key: [u8; 32],
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    fn new(master: &MasterKey) -> Self {
        let enc_key = master.derive(b"gatehouse/aead/aes-256-gcm/v1");
        let cipher = Aes256Gcm::new_from_slice(&enc_key)
            .unwrap_or_else(|_| unreachable!("the derived key is 32 bytes"));
        Self {
            cipher,
            mac_key: master.derive(b"gatehouse/keyed-hash/hmac-sha-256/v1"),
        }
    }

    /// Encrypts `plaintext`, binding it to `context` (e.g. the row it belongs to) so that a
    /// ciphertext copied to another row does not decrypt. Returns base64url text.
    pub fn encrypt(&self, plaintext: &[u8], context: &str) -> Result<String> {
        let nonce_bytes = random::bytes::<NONCE_LEN>();
        let nonce = Nonce::try_from(&nonce_bytes[..])
            .map_err(|_| Error::Crypto("bad nonce length".into()))?;
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| Error::Crypto("encryption failed".into()))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(CIPHERTEXT_VERSION);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&ciphertext);
        Ok(URL_SAFE_NO_PAD.encode(out))
    }

    /// Decrypts what [`SecretBox::encrypt`] produced under the same `context`.
    pub fn decrypt(&self, text: &str, context: &str) -> Result<Vec<u8>> {
        let raw = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| Error::Crypto("stored ciphertext is not base64url".into()))?;
        if raw.len() < 1 + NONCE_LEN || raw[0] != CIPHERTEXT_VERSION {
            return Err(Error::Crypto("unknown ciphertext format".into()));
        }
        let nonce = Nonce::try_from(&raw[1..1 + NONCE_LEN])
            .map_err(|_| Error::Crypto("bad nonce length".into()))?;
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &raw[1 + NONCE_LEN..],
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| {
                Error::Crypto("decryption failed: wrong master key or tampered data".into())
            })
    }

    /// A keyed HMAC-SHA-256 of a high-entropy bearer secret (client secret, token, code),
    /// base64url. `purpose` separates the hash spaces of different kinds of secret.
    pub fn keyed_hash(&self, purpose: &str, secret: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.mac_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(secret.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether `secret` hashes to `stored`, compared in constant time.
    pub fn verify_keyed_hash(&self, purpose: &str, secret: &str, stored: &str) -> bool {
        let computed = self.keyed_hash(purpose, secret);
        computed.as_bytes().ct_eq(stored.as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_round_trips_and_is_bound_to_context() {
        let sb = MasterKey::generate().secret_box();
        let ct = sb.encrypt(b"private key", "signing_key:a").unwrap();
        assert!(!ct.contains("private"));
        assert_eq!(sb.decrypt(&ct, "signing_key:a").unwrap(), b"private key");
        assert!(sb.decrypt(&ct, "signing_key:b").is_err());
        let other = MasterKey::generate().secret_box();
        assert!(other.decrypt(&ct, "signing_key:a").is_err());
    }

    #[test]
    fn tampered_ciphertext_is_refused() {
        let sb = MasterKey::generate().secret_box();
        let ct = sb.encrypt(b"secret", "ctx").unwrap();
        let mut raw = URL_SAFE_NO_PAD.decode(&ct).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert!(sb.decrypt(&URL_SAFE_NO_PAD.encode(raw), "ctx").is_err());
    }

    #[test]
    fn keyed_hash_verifies_only_the_right_secret_and_purpose() {
        let sb = MasterKey::generate().secret_box();
        let h = sb.keyed_hash("client_secret", "s3cret");
        assert!(sb.verify_keyed_hash("client_secret", "s3cret", &h));
        assert!(!sb.verify_keyed_hash("client_secret", "s3cret!", &h));
        assert!(!sb.verify_keyed_hash("refresh_token", "s3cret", &h));
    }

    #[test]
    fn master_key_parsing_names_the_problem() {
        assert!(MasterKey::from_base64("not base64!").is_err());
        let short = STANDARD.encode([0u8; 16]);
        let err = MasterKey::from_base64(&short).unwrap_err().to_string();
        assert!(err.contains("32 bytes"), "{err}");
        let k = MasterKey::generate();
        assert!(MasterKey::from_base64(&k.to_base64()).is_ok());
    }

    #[test]
    fn key_file_is_created_private_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/master.key");
        let (k1, src1) = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(src1, MasterKeySource::Generated);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (k2, src2) = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(src2, MasterKeySource::File);
        assert_eq!(k1.to_base64(), k2.to_base64());
    }
}
