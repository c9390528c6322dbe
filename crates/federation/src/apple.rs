//! Sign in with Apple's quirks: the client secret is a short-lived ES256 JWT Gatehouse signs
//! with the configured private key, and the person's name arrives once, in the `user` field
//! of the first sign-in's `form_post` answer (never in the ID token).

use std::time::{Duration, SystemTime};

use domain::federation::{UpstreamClient, UpstreamError, UpstreamIdentity};
use josekit::jws::{ES256, JwsHeader};
use josekit::jwt::JwtPayload;
use serde_json::Value;

/// The audience Apple requires in the client secret.
pub(crate) const AUDIENCE: &str = "https://appleid.apple.com";

/// How long a client secret is valid: it is made for one token request (Apple allows six
/// months).
const LIFETIME: Duration = Duration::from_secs(300);

fn misconfigured(what: &str) -> UpstreamError {
    UpstreamError::Unavailable(format!("the Apple client secret cannot be made: {what}"))
}

/// The client secret for one token request: `iss` the team id, `sub` the client (services)
/// id, `aud` Apple, `iat` now, `exp` in five minutes, signed ES256 with the key id as `kid`.
pub(crate) fn client_secret(c: &UpstreamClient<'_>) -> Result<String, UpstreamError> {
    let settings = &c.upstream.settings;
    let (Some(team), Some(kid), Some(pem)) = (
        settings.apple_team_id.as_deref(),
        settings.apple_key_id.as_deref(),
        c.private_key.as_deref(),
    ) else {
        return Err(misconfigured(
            "the team id, key id or private key is missing",
        ));
    };
    let signer = ES256
        .signer_from_pem(pem.as_bytes())
        .map_err(|e| misconfigured(&e.to_string()))?;
    let mut header = JwsHeader::new();
    header.set_key_id(kid);
    let now = SystemTime::now();
    let mut payload = JwtPayload::new();
    payload.set_issuer(team);
    payload.set_subject(&c.upstream.client_id);
    // A string, not a one-element array.
    payload
        .set_claim("aud", Some(Value::from(AUDIENCE)))
        .map_err(|e| misconfigured(&e.to_string()))?;
    payload.set_issued_at(&now);
    payload.set_expires_at(&(now + LIFETIME));
    josekit::jwt::encode_with_signer(&payload, &header, &signer)
        .map_err(|e| misconfigured(&e.to_string()))
}

/// Adds the name of Apple's `user` field (`{"name":{"firstName":…,"lastName":…},…}`) where
/// the ID token has none. A field that is not that JSON is ignored: the name is optional.
pub(crate) fn add_user_field(identity: &mut UpstreamIdentity, user: &str) {
    let Ok(value) = serde_json::from_str::<Value>(user) else {
        tracing::warn!("Apple's user field is not JSON; ignored");
        return;
    };
    let part = |key: &str| {
        value
            .pointer(&format!("/name/{key}"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (first, last) = (part("firstName"), part("lastName"));
    if identity.given_name.is_none() {
        identity.given_name.clone_from(&first);
    }
    if identity.family_name.is_none() {
        identity.family_name.clone_from(&last);
    }
    if identity.name.is_none() {
        let full: Vec<String> = [first, last].into_iter().flatten().collect();
        if !full.is_empty() {
            identity.name = Some(full.join(" "));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn blank() -> UpstreamIdentity {
        UpstreamIdentity {
            issuer: AUDIENCE.into(),
            subject: "001234.abc".into(),
            email: None,
            email_verified: false,
            name: None,
            given_name: None,
            family_name: None,
            amr: vec![],
            acr: None,
            claims: Default::default(),
        }
    }

    #[test]
    fn the_user_field_names_the_person_and_bad_json_is_ignored() {
        let mut id = blank();
        add_user_field(
            &mut id,
            r#"{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"a@privaterelay.appleid.com"}"#,
        );
        assert_eq!(id.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(id.given_name.as_deref(), Some("Ada"));
        assert_eq!(id.family_name.as_deref(), Some("Lovelace"));
        let mut id = blank();
        add_user_field(&mut id, "not json");
        add_user_field(&mut id, r#"{"name":"flat"}"#);
        assert_eq!(id, blank());
    }
}
