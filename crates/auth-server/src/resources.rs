//! Resource indicators (RFC 8707): which protected resources an access token is for. A
//! client may name only resources on its allow-list; what a code or grant was given, later
//! token requests may narrow but never widen.

use domain::clients::Client;

use crate::error::{ErrorCode, OAuthError};
use crate::params::Params;

/// `invalid_target` with `description`.
pub fn invalid_target(description: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidTarget, description)
}

/// The `resource` parameters of a request, deduplicated in request order: each an absolute
/// URI without a fragment (RFC 8707 2) on the client's allow-list. Empty: none asked.
pub fn requested(client: &Client, params: &Params) -> Result<Vec<String>, OAuthError> {
    allowed(client, params.all("resource"), "resource")
}

/// Checks `values` (of parameter `name`) against the client's allow-list.
pub fn allowed(client: &Client, values: Vec<&str>, name: &str) -> Result<Vec<String>, OAuthError> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let uri = url::Url::parse(value).map_err(|_| {
            OAuthError::new(
                ErrorCode::InvalidTarget,
                format!("{name} {value:?} is not an absolute URI"),
            )
        })?;
        if uri.fragment().is_some() {
            return Err(invalid_target(format!(
                "{name} {value:?} must not have a fragment"
            )));
        }
        if !client.resources.iter().any(|r| r == value) {
            return Err(invalid_target(format!(
                "{name} {value:?} is not allowed for this client"
            )));
        }
        if !out.iter().any(|o| o == value) {
            out.push(value.to_owned());
        }
    }
    Ok(out)
}

/// What a later token request gets from a code or grant given `granted`: everything granted
/// when it asks for nothing, else what it asks, each of which must have been granted. A
/// grant given no resource (the default audience) may be narrowed to any allowed one.
pub fn narrow(granted: &[String], asked: Vec<String>) -> Result<Vec<String>, OAuthError> {
    if asked.is_empty() {
        return Ok(granted.to_vec());
    }
    if !granted.is_empty()
        && let Some(wider) = asked.iter().find(|a| !granted.contains(a))
    {
        return Err(invalid_target(format!(
            "resource {wider:?} was not part of the authorization"
        )));
    }
    Ok(asked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_never_widens() {
        let granted = vec!["https://a".to_owned(), "https://b".to_owned()];
        assert_eq!(narrow(&granted, vec![]).unwrap(), granted);
        assert_eq!(
            narrow(&granted, vec!["https://b".into()]).unwrap(),
            vec!["https://b".to_owned()]
        );
        let err = narrow(&granted, vec!["https://c".into()]).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidTarget);
        assert_eq!(
            narrow(&[], vec!["https://c".into()]).unwrap(),
            vec!["https://c".to_owned()]
        );
    }
}
