//! The shape of role, group and permission names.

use crate::{Error, Result};

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.')
}

/// Role and group names: 1 to 64 of `a-z 0-9 _ - . :`.
pub fn validate_name(field: &'static str, name: &str) -> Result<()> {
    let ok =
        !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| is_name_byte(b) || b == b':');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{name:?} must be 1-64 characters of a-z, 0-9, _ - . :"),
        ))
    }
}

/// Permission names: `resource:action`, each part 1 or more of `a-z 0-9 _ - .`, 128 in all
/// (e.g. `documents:write`).
pub fn validate_permission(name: &str) -> Result<()> {
    let ok = name.len() <= 128
        && name.split_once(':').is_some_and(|(resource, action)| {
            !resource.is_empty()
                && !action.is_empty()
                && resource.bytes().all(is_name_byte)
                && action.bytes().all(is_name_byte)
        });
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "permission",
            format!("{name:?} must be resource:action, each of a-z, 0-9, _ - ."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_are_resource_colon_action() {
        assert!(validate_permission("documents:write").is_ok());
        assert!(validate_permission("api.v2:read-all").is_ok());
        for bad in [
            "documents",
            ":write",
            "documents:",
            "a:b:c",
            "Docs:write",
            "a b:c",
        ] {
            assert!(validate_permission(bad).is_err(), "{bad} accepted");
        }
    }
}
