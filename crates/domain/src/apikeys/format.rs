//! The key format: `gk_{id}_{secret}{checksum}`.
//!
//! - `id`: 16 characters of lowercase base32 (`a-z2-7`, 80 random bits), the public part that
//!   names the row;
//! - `secret`: 52 characters of lowercase base32 (256 random bits);
//! - `checksum`: 8 lowercase hex digits, the CRC-32 (IEEE 802.3) of everything before it.
//!
//! A secret scanner recognises a key by its shape (`gk_[a-z2-7]{16}_[a-z2-7]{52}[0-9a-f]{8}`)
//! and confirms it offline with the checksum, without asking Gatehouse.

use crate::random;

/// The prefix of every key.
pub const PREFIX: &str = "gk_";
/// Characters of the id.
pub const ID_LEN: usize = 16;
/// Characters of the secret.
pub const SECRET_LEN: usize = 52;
/// Characters of the checksum.
pub const CHECKSUM_LEN: usize = 8;
/// Characters of a whole key.
pub const KEY_LEN: usize = PREFIX.len() + ID_LEN + 1 + SECRET_LEN + CHECKSUM_LEN;

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Lowercase unpadded base32 (RFC 4648 alphabet, lowercased).
fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

/// CRC-32 (IEEE 802.3, reflected, as in zip and PNG).
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A new random key id.
pub fn new_id() -> String {
    base32(&random::bytes::<10>())
}

/// A new key for `id`: returns the whole key and its secret part.
pub fn new_key(id: &str) -> (String, String) {
    let secret = base32(&random::bytes::<32>());
    let body = format!("{PREFIX}{id}_{secret}");
    let key = format!("{body}{:08x}", crc32(body.as_bytes()));
    (key, secret)
}

/// The id and secret of a well-formed key whose checksum matches; `None` for anything else.
pub fn parse(key: &str) -> Option<(&str, &str)> {
    if key.len() != KEY_LEN || !key.is_ascii() {
        return None;
    }
    let (body, checksum) = key.split_at(KEY_LEN - CHECKSUM_LEN);
    let rest = body.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_at(ID_LEN);
    let secret = secret.strip_prefix('_')?;
    let b32 = |s: &str| s.bytes().all(|b| BASE32.contains(&b));
    let hex = checksum
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !(b32(id) && b32(secret) && hex) {
        return None;
    }
    (u32::from_str_radix(checksum, 16).ok()? == crc32(body.as_bytes())).then_some((id, secret))
}

/// Whether `token` looks like an API key (its prefix), whatever its checksum.
pub fn looks_like_key(token: &str) -> bool {
    token.starts_with(PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn keys_have_the_documented_shape_and_parse_back() {
        let id = new_id();
        assert_eq!(id.len(), ID_LEN);
        let (key, secret) = new_key(&id);
        assert_eq!(key.len(), KEY_LEN);
        assert_eq!(
            secret.len(),
            SECRET_LEN,
            "52 base32 characters carry 256 bits"
        );
        assert!(key.starts_with(&format!("gk_{id}_{secret}")));
        assert_eq!(parse(&key), Some((id.as_str(), secret.as_str())));
        let (other, _) = new_key(&id);
        assert_ne!(key, other);
    }

    #[test]
    fn a_changed_character_fails_the_checksum() {
        let (key, _) = new_key(&new_id());
        let mut bytes = key.clone().into_bytes();
        bytes[30] = if bytes[30] == b'a' { b'b' } else { b'a' };
        let typo = String::from_utf8(bytes).unwrap();
        assert!(parse(&typo).is_none(), "one typo is caught offline");
        assert!(parse(&key[..key.len() - 1]).is_none());
        assert!(parse(&key.to_uppercase()).is_none());
        assert!(parse("gk_short").is_none());
    }
}
