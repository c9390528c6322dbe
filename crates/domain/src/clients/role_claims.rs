//! Which token kinds carry the `roles`/`permissions`/`resource_access` and `groups` claims
//! for a client (the scopes `roles` and `groups` still decide whether they are released).

use crate::{Error, Result};

/// The token kinds role and group claims can go into.
pub const ROLE_CLAIM_TARGETS: &[&str] = &["access_token", "id_token", "userinfo"];

/// The default: every token kind.
pub fn default_role_claims() -> Vec<String> {
    ROLE_CLAIM_TARGETS.iter().map(|s| (*s).to_owned()).collect()
}

/// Checks a setting: known token kinds, without repeats, in the canonical order. An empty
/// list is allowed (the claims go nowhere, whatever the scopes).
pub fn check_role_claims(targets: &[String]) -> Result<Vec<String>> {
    for t in targets {
        if !ROLE_CLAIM_TARGETS.contains(&t.as_str()) {
            return Err(Error::invalid(
                "role_claims",
                format!("{t:?} is not one of {}", ROLE_CLAIM_TARGETS.join(", ")),
            ));
        }
    }
    Ok(ROLE_CLAIM_TARGETS
        .iter()
        .filter(|k| targets.iter().any(|t| t == *k))
        .map(|k| (*k).to_owned())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_kinds_are_refused_and_order_is_canonical() {
        assert!(check_role_claims(&["refresh_token".into()]).is_err());
        assert_eq!(
            check_role_claims(&["userinfo".into(), "access_token".into(), "userinfo".into()])
                .unwrap(),
            ["access_token", "userinfo"]
        );
    }
}
