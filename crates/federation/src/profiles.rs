//! Who signed in, from an OAuth 2.0-only provider's profile API: the account's id (the link's
//! subject), its name, and an address only as verified as the provider says.

use domain::federation::{UpstreamError, UpstreamIdentity};
use serde_json::{Map, Value};

fn unusable(what: &str) -> UpstreamError {
    UpstreamError::Unavailable(format!("the profile is unusable: {what}"))
}

fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    o.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// An id as text: GitHub's is a number, the others' a string.
fn id(o: &Map<String, Value>) -> Result<String, UpstreamError> {
    match o.get("id") {
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 255 => Ok(s.clone()),
        _ => Err(unusable("no id")),
    }
}

fn object(v: Value) -> Result<Map<String, Value>, UpstreamError> {
    match v {
        Value::Object(o) => Ok(o),
        _ => Err(unusable("not a JSON object")),
    }
}

fn identity(issuer: &str, subject: String, claims: Map<String, Value>) -> UpstreamIdentity {
    UpstreamIdentity {
        issuer: issuer.to_owned(),
        subject,
        email: None,
        email_verified: false,
        name: None,
        given_name: None,
        family_name: None,
        amr: vec![],
        acr: None,
        claims,
    }
}

/// GitHub: `/user`, and the primary address of `/user/emails` with its `verified` (without
/// access to the list: no address; `/user`'s public address is not vouched for).
pub(crate) fn github(
    issuer: &str,
    user: Value,
    emails: Option<Value>,
) -> Result<UpstreamIdentity, UpstreamError> {
    let mut claims = object(user)?;
    let mut out = identity(issuer, id(&claims)?, Map::new());
    out.name = text(&claims, "name").or_else(|| text(&claims, "login"));
    let primary = emails
        .as_ref()
        .and_then(Value::as_array)
        .and_then(|list| {
            list.iter()
                .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
        })
        .and_then(|e| {
            let address = e.get("email").and_then(Value::as_str)?;
            Some((
                address.to_owned(),
                e.get("verified").and_then(Value::as_bool) == Some(true),
            ))
        });
    claims.remove("email");
    if let Some((address, verified)) = primary {
        claims.insert("email".into(), address.clone().into());
        claims.insert("email_verified".into(), verified.into());
        out.email = Some(address);
        out.email_verified = verified;
    }
    out.claims = claims;
    Ok(out)
}

/// Facebook: Graph `/me`. Facebook says nothing of verification: its address is taken as
/// unverified.
pub(crate) fn facebook(issuer: &str, me: Value) -> Result<UpstreamIdentity, UpstreamError> {
    let claims = object(me)?;
    let mut out = identity(issuer, id(&claims)?, Map::new());
    out.email = text(&claims, "email");
    out.name = text(&claims, "name");
    out.given_name = text(&claims, "first_name");
    out.family_name = text(&claims, "last_name");
    out.claims = claims;
    Ok(out)
}

/// X: `/2/users/me` (`data.id`, `data.name`, `data.username`); no address.
pub(crate) fn x(issuer: &str, me: Value) -> Result<UpstreamIdentity, UpstreamError> {
    let data = object(me)?
        .remove("data")
        .ok_or_else(|| unusable("no data"))?;
    let claims = object(data)?;
    let mut out = identity(issuer, id(&claims)?, Map::new());
    out.name = text(&claims, "name").or_else(|| text(&claims, "username"));
    out.claims = claims;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn github_takes_the_primary_address_with_its_verification() {
        let user =
            json!({ "id": 42, "login": "octo", "name": null, "email": "public@example.com" });
        let emails = json!([
            { "email": "other@example.com", "primary": false, "verified": true },
            { "email": "main@example.com", "primary": true, "verified": false },
        ]);
        let id = github("https://github.com", user.clone(), Some(emails)).unwrap();
        assert_eq!(id.subject, "42");
        assert_eq!(id.name.as_deref(), Some("octo"));
        assert_eq!(id.email.as_deref(), Some("main@example.com"));
        assert!(!id.email_verified);
        assert_eq!(id.claims["login"], "octo");
        // Without the list: no address, not even the public one.
        let id = github("https://github.com", user, None).unwrap();
        assert_eq!(id.email, None);
        assert!(!id.claims.contains_key("email"));
    }

    #[test]
    fn facebook_addresses_are_never_verified_and_x_has_none() {
        let id = facebook(
            "https://www.facebook.com",
            json!({ "id": "10", "name": "F B", "email": "fb@example.com", "first_name": "F", "last_name": "B" }),
        )
        .unwrap();
        assert_eq!(
            (id.subject.as_str(), id.email.as_deref()),
            ("10", Some("fb@example.com"))
        );
        assert!(!id.email_verified);
        assert_eq!(id.family_name.as_deref(), Some("B"));
        let id = x(
            "https://x.com",
            json!({ "data": { "id": "7", "name": "Ex", "username": "ex" } }),
        )
        .unwrap();
        assert_eq!((id.subject.as_str(), id.email), ("7", None));
        assert_eq!(id.claims["username"], "ex");
        assert!(x("https://x.com", json!({ "id": "7" })).is_err());
        assert!(facebook("https://www.facebook.com", json!({ "name": "no id" })).is_err());
    }
}
