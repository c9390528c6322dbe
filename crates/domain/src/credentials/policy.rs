//! The password policy for new passwords (NIST SP 800-63B 5.1.1.2): a minimum length, long
//! passphrases allowed, no composition rules, refusal of common passwords (a list shipped in
//! `config/common-passwords.txt`) and of guessable ones (a zxcvbn score threshold).

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::users::MAX_PASSWORD_LEN;

/// The shipped list, compiled in so that a first start needs no file.
static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("../../../../config/common-passwords.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_lowercase)
        .collect()
});

/// What a new password must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Fewest characters (NIST: at least 8).
    pub min_length: usize,
    /// Lowest accepted zxcvbn score, 0 (anything) to 4 (very strong).
    pub min_strength: u8,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            min_strength: 2,
        }
    }
}

/// Why a password was refused, in words for the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejection {
    /// Shorter than the minimum.
    #[error("Use at least {0} characters.")]
    TooShort(usize),
    /// Longer than we hash.
    #[error("Use at most {MAX_PASSWORD_LEN} characters.")]
    TooLong,
    /// On the list of common passwords.
    #[error("This password is one of the most common ones. Choose another.")]
    Common,
    /// Too easy to guess (a name, the email, a keyboard pattern...).
    #[error("This password is too easy to guess. {0}")]
    Weak(String),
}

impl PasswordPolicy {
    /// Checks a new password; `context` holds the user's own words (email, name), which a
    /// good password does not repeat.
    pub fn check(&self, password: &str, context: &[&str]) -> Result<(), PasswordRejection> {
        let chars = password.chars().count();
        if chars < self.min_length {
            return Err(PasswordRejection::TooShort(self.min_length));
        }
        if password.len() > MAX_PASSWORD_LEN {
            return Err(PasswordRejection::TooLong);
        }
        if COMMON.contains(&password.to_lowercase()) {
            return Err(PasswordRejection::Common);
        }
        if self.min_strength == 0 {
            return Ok(());
        }
        // An email's local part on its own is what people reuse.
        let words: Vec<&str> = context
            .iter()
            .flat_map(|c| std::iter::once(*c).chain(c.split('@')))
            .filter(|w| !w.is_empty())
            .collect();
        let estimate = zxcvbn::zxcvbn(password, &words);
        if u8::from(estimate.score()) < self.min_strength {
            let hint = estimate
                .feedback()
                .and_then(|f| f.suggestions().first().map(ToString::to_string))
                .unwrap_or_else(|| "Add another word or two.".into());
            return Err(PasswordRejection::Weak(hint));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nist_rules_without_composition_rules() {
        let policy = PasswordPolicy::default();
        assert_eq!(
            policy.check("short", &[]),
            Err(PasswordRejection::TooShort(8))
        );
        assert_eq!(
            policy.check("password1", &[]),
            Err(PasswordRejection::Common)
        );
        assert_eq!(
            policy.check("PassWord1", &[]),
            Err(PasswordRejection::Common),
            "case-insensitive"
        );
        assert!(matches!(
            policy.check("aaaaaaaaaaaa", &[]),
            Err(PasswordRejection::Weak(_))
        ));
        assert!(
            policy
                .check("alicewonderland77", &["alicewonderland77@example.com"])
                .is_err(),
            "the user's own email is guessable"
        );
        // A long passphrase of lower-case words passes: no composition rules.
        assert_eq!(policy.check("correct horse battery staple", &[]), Ok(()));
        assert_eq!(
            policy.check(&"x".repeat(MAX_PASSWORD_LEN + 1), &[]),
            Err(PasswordRejection::TooLong)
        );
        assert!(COMMON.len() > 9000);
    }
}
