//! Random values from the operating system's CSPRNG.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `N` random bytes.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS RNG failing is unrecoverable: nothing secure can be issued without it.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut buf).expect("operating system random number generator failed");
    buf
}

/// A URL-safe token carrying `N` random bytes (`N * 8` bits of entropy).
pub fn token<const N: usize>() -> String {
    URL_SAFE_NO_PAD.encode(bytes::<N>())
}

/// A [`token`] that does not begin with `-`, so that it can be given on a command line
/// (`--client ID`) without being taken for an option: identifiers people type or paste.
pub fn identifier<const N: usize>() -> String {
    loop {
        let t = token::<N>();
        if !t.starts_with('-') {
            return t;
        }
    }
}

/// A password of 20 characters from an alphabet without look-alikes (~114 bits).
pub fn password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(20);
    while out.len() < 20 {
        for b in bytes::<32>() {
            // Rejection sampling keeps the distribution uniform.
            let limit = 256 - (256 % ALPHABET.len());
            if (b as usize) < limit && out.len() < 20 {
                out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn identifiers_never_begin_like_an_option() {
        // One token in 64 begins with `-`: a thousand draws would meet several.
        for _ in 0..1000 {
            assert!(!super::identifier::<18>().starts_with('-'));
        }
    }

    #[test]
    fn tokens_are_distinct_and_url_safe() {
        let a = super::token::<32>();
        let b = super::token::<32>();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn passwords_have_twenty_unambiguous_characters() {
        let p = super::password();
        assert_eq!(p.len(), 20);
        assert!(!p.contains(['0', 'O', 'l', 'I', '1']));
    }
}
