//! Email address normalisation and a structural check.

use crate::{Error, Result};

/// Trims and lower-cases `raw` and checks its shape (one `@`, non-empty parts, a dot-free
/// or dotted domain without spaces, at most 254 characters). Deliverability is proven by
/// verification mail, not here.
pub fn normalize_email(raw: &str) -> Result<String> {
    let email = raw.trim().to_lowercase();
    let invalid = |why: &str| Error::invalid("email", why.to_owned());
    if email.is_empty() {
        return Err(invalid("is required"));
    }
    if email.len() > 254 {
        return Err(invalid("is longer than 254 characters"));
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(invalid("must contain @"));
    };
    if local.is_empty() || local.len() > 64 {
        return Err(invalid("needs 1 to 64 characters before @"));
    }
    if domain.is_empty()
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(invalid("has an invalid domain"));
    }
    if email
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        || local.contains('@')
    {
        return Err(invalid("contains characters not allowed in an address"));
    }
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::normalize_email;

    #[test]
    fn normalises_and_refuses_malformed_addresses() {
        assert_eq!(
            normalize_email("  Alice@Example.COM ").unwrap(),
            "alice@example.com"
        );
        assert_eq!(
            normalize_email("admin@localhost").unwrap(),
            "admin@localhost"
        );
        for bad in [
            "",
            "no-at",
            "@example.com",
            "a@",
            "a@.com",
            "a b@x.y",
            "a@@b.c",
            "a@b..c",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?} accepted");
        }
        assert!(normalize_email(&format!("{}@x.y", "a".repeat(65))).is_err());
    }
}
