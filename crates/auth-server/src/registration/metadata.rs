//! RFC 7591 client metadata (and the OpenID Connect Dynamic Client Registration 1.0 fields)
//! as JSON, mapped to and from the domain's [`NewClient`]. Unknown fields are ignored (RFC
//! 7591 2); a known field of the wrong type is refused, naming the field.

use domain::clients::{Client, NewClient};
use serde_json::{Map, Value, json};

use crate::error::{ErrorCode, OAuthError};

/// Encryption Gatehouse does not do (encrypted JARM responses): a client asking for it is
/// refused rather than sent plain JWTs. Encrypted ID tokens and userinfo are offered, and
/// request objects may be encrypted to Gatehouse's key (`request_object_encryption_*` is a
/// client's declaration that it may do so: nothing to store).
const ENCRYPTION_FIELDS: &[&str] = &[
    "authorization_encrypted_response_alg",
    "authorization_encrypted_response_enc",
];

/// `invalid_client_metadata` with `description`.
pub(crate) fn invalid(description: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClientMetadata, description)
}

/// The request body as a JSON object.
pub(crate) fn parse_body(body: &[u8]) -> Result<Map<String, Value>, OAuthError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid("the body must be a JSON object of client metadata")),
        Err(e) => Err(invalid(format!("the body is not valid JSON: {e}"))),
    }
}

/// Reads the fields of one object, each by its RFC 7591 name.
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    /// The value of `name`; null counts as absent.
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    fn string(&self, name: &str) -> Result<Option<String>, OAuthError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(format!("{name} must be a string"))),
        }
    }

    fn strings(&self, name: &str) -> Result<Vec<String>, OAuthError> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| invalid(format!("{name} must be an array of strings")))
                })
                .collect(),
            Some(_) => Err(invalid(format!("{name} must be an array of strings"))),
        }
    }

    fn boolean(&self, name: &str) -> Result<bool, OAuthError> {
        match self.get(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(invalid(format!("{name} must be true or false"))),
        }
    }
}

/// The registration the metadata asks for. Settings only an administrator makes (first
/// party, MFA, role claims, resources, ...) keep the values of `base`: their defaults for a
/// new client, the client's current ones for an update.
pub(crate) fn to_new_client(
    map: &Map<String, Value>,
    mut base: NewClient,
) -> Result<NewClient, OAuthError> {
    let f = Fields(map);
    if let Some(field) = ENCRYPTION_FIELDS.iter().find(|n| f.get(n).is_some()) {
        return Err(invalid(format!(
            "{field}: encrypted JARM responses are not supported"
        )));
    }
    let redirect_uris = f.strings("redirect_uris")?;
    let auth_method = f.string("token_endpoint_auth_method")?;
    let name = match f.string("client_name")? {
        Some(n) => n,
        // The login and consent pages name the client: its redirect host says the most.
        None => redirect_uris
            .first()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "Unnamed application".to_owned()),
    };
    let id_token_alg = f.string("id_token_signed_response_alg")?;
    if id_token_alg.as_deref() == Some("none") {
        return Err(invalid(
            "id_token_signed_response_alg: none is refused: Gatehouse issues only signed ID tokens",
        ));
    }
    let jwks = match f.get("jwks") {
        None => None,
        Some(v @ Value::Object(_)) => Some(v.clone()),
        Some(_) => return Err(invalid("jwks must be a JWK Set (a JSON object)")),
    };
    let scopes = f
        .string("scope")?
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    base.name = name;
    base.public = auth_method.as_deref() == Some("none");
    base.token_endpoint_auth_method =
        Some(auth_method.unwrap_or_else(|| "client_secret_basic".into()));
    base.redirect_uris = redirect_uris;
    base.post_logout_redirect_uris = f.strings("post_logout_redirect_uris")?;
    base.grant_types = f.strings("grant_types")?;
    base.response_types = f.strings("response_types")?;
    base.scopes = scopes;
    base.id_token_signed_response_alg = id_token_alg;
    base.userinfo_signed_response_alg = f.string("userinfo_signed_response_alg")?;
    base.client_uri = f.string("client_uri")?;
    base.logo_uri = f.string("logo_uri")?;
    base.policy_uri = f.string("policy_uri")?;
    base.tos_uri = f.string("tos_uri")?;
    base.backchannel_logout_uri = f.string("backchannel_logout_uri")?;
    base.backchannel_logout_session_required = f.boolean("backchannel_logout_session_required")?;
    base.frontchannel_logout_uri = f.string("frontchannel_logout_uri")?;
    base.frontchannel_logout_session_required =
        f.boolean("frontchannel_logout_session_required")?;
    base.require_pkce = base.require_pkce || base.public;
    base.dpop_bound_access_tokens = f.boolean("dpop_bound_access_tokens")?;
    // Field by field: metadata only an administrator sets (none today) stays as it is.
    let m = &mut base.metadata;
    m.jwks = jwks;
    m.jwks_uri = f.string("jwks_uri")?;
    m.token_endpoint_auth_signing_alg = f.string("token_endpoint_auth_signing_alg")?;
    m.request_object_signing_alg = f.string("request_object_signing_alg")?;
    m.id_token_encrypted_response_alg = f.string("id_token_encrypted_response_alg")?;
    m.id_token_encrypted_response_enc = f.string("id_token_encrypted_response_enc")?;
    m.userinfo_encrypted_response_alg = f.string("userinfo_encrypted_response_alg")?;
    m.userinfo_encrypted_response_enc = f.string("userinfo_encrypted_response_enc")?;
    m.authorization_signed_response_alg = f.string("authorization_signed_response_alg")?;
    m.subject_type = f.string("subject_type")?;
    m.sector_identifier_uri = f.string("sector_identifier_uri")?;
    m.contacts = f.strings("contacts")?;
    m.software_id = f.string("software_id")?;
    m.software_version = f.string("software_version")?;
    m.application_type = Some(
        f.string("application_type")?
            .unwrap_or_else(|| "web".into()),
    );
    Ok(base)
}

/// The client as RFC 7591 3.2.1 and RFC 7592 3 return it (without secrets and tokens).
pub(crate) fn client_information(
    client: &Client,
    registration_client_uri: &str,
) -> Map<String, Value> {
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            out.insert(k.to_owned(), v);
        }
    };
    let m = &client.metadata;
    put("client_id", json!(client.client_id));
    put(
        "client_id_issued_at",
        json!(client.created_at.unix_timestamp()),
    );
    put("registration_client_uri", json!(registration_client_uri));
    put("client_name", json!(client.name));
    put("redirect_uris", json!(client.redirect_uris));
    put(
        "post_logout_redirect_uris",
        json!(client.post_logout_redirect_uris),
    );
    put("grant_types", json!(client.grant_types));
    put("response_types", json!(client.response_types));
    put(
        "token_endpoint_auth_method",
        json!(client.token_endpoint_auth_method),
    );
    put("scope", json!(client.scopes.join(" ")));
    put(
        "application_type",
        json!(m.application_type.as_deref().unwrap_or("web")),
    );
    put("subject_type", json!(m.subject_type()));
    put(
        "id_token_signed_response_alg",
        json!(client.id_token_signed_response_alg),
    );
    put(
        "userinfo_signed_response_alg",
        json!(client.userinfo_signed_response_alg),
    );
    put("client_uri", json!(client.client_uri));
    put("logo_uri", json!(client.logo_uri));
    put("policy_uri", json!(client.policy_uri));
    put("tos_uri", json!(client.tos_uri));
    put("jwks", json!(m.jwks));
    put("jwks_uri", json!(m.jwks_uri));
    put("sector_identifier_uri", json!(m.sector_identifier_uri));
    put(
        "token_endpoint_auth_signing_alg",
        json!(m.token_endpoint_auth_signing_alg),
    );
    put(
        "request_object_signing_alg",
        json!(m.request_object_signing_alg),
    );
    for (name, value) in [
        (
            "id_token_encrypted_response_alg",
            &m.id_token_encrypted_response_alg,
        ),
        (
            "id_token_encrypted_response_enc",
            &m.id_token_encrypted_response_enc,
        ),
        (
            "userinfo_encrypted_response_alg",
            &m.userinfo_encrypted_response_alg,
        ),
        (
            "userinfo_encrypted_response_enc",
            &m.userinfo_encrypted_response_enc,
        ),
        (
            "authorization_signed_response_alg",
            &m.authorization_signed_response_alg,
        ),
    ] {
        put(name, json!(value));
    }
    put(
        "dpop_bound_access_tokens",
        json!(client.dpop_bound_access_tokens),
    );
    if !m.contacts.is_empty() {
        put("contacts", json!(m.contacts));
    }
    put("software_id", json!(m.software_id));
    put("software_version", json!(m.software_version));
    put(
        "backchannel_logout_uri",
        json!(client.backchannel_logout_uri),
    );
    put(
        "backchannel_logout_session_required",
        json!(client.backchannel_logout_session_required),
    );
    put(
        "frontchannel_logout_uri",
        json!(client.frontchannel_logout_uri),
    );
    put(
        "frontchannel_logout_session_required",
        json!(client.frontchannel_logout_session_required),
    );
    if domain::clients::SECRET_METHODS.contains(&client.token_endpoint_auth_method.as_str()) {
        // The secret never expires (RFC 7591 3.2.1: 0).
        put("client_secret_expires_at", json!(0));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn fields_map_with_defaults_and_unknown_ones_are_ignored() {
        let new = to_new_client(
            &map(json!({
                "redirect_uris": ["https://rp.example/cb"],
                "scope": "openid email",
                "contacts": ["ops@rp.example"],
                "made_up_extension": {"x": 1},
                "logo_uri": null,
            })),
            NewClient::default(),
        )
        .unwrap();
        assert_eq!(new.name, "rp.example");
        assert_eq!(new.scopes, ["openid", "email"]);
        assert_eq!(
            new.token_endpoint_auth_method.as_deref(),
            Some("client_secret_basic")
        );
        assert_eq!(new.metadata.application_type.as_deref(), Some("web"));
        assert!(!new.public && new.logo_uri.is_none());
    }

    #[test]
    fn wrong_types_none_and_encryption_are_refused_by_name() {
        for (body, field) in [
            (
                json!({"redirect_uris": "https://rp.example/cb"}),
                "redirect_uris",
            ),
            (json!({"redirect_uris": [1]}), "redirect_uris"),
            (json!({"client_name": 7}), "client_name"),
            (
                json!({"backchannel_logout_session_required": "yes"}),
                "backchannel_logout_session_required",
            ),
            (json!({"jwks": "keys"}), "jwks"),
            (
                json!({"id_token_signed_response_alg": "none"}),
                "id_token_signed_response_alg",
            ),
            (
                json!({"authorization_encrypted_response_alg": "RSA-OAEP"}),
                "authorization_encrypted_response_alg",
            ),
        ] {
            let err = to_new_client(&map(body.clone()), NewClient::default()).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidClientMetadata, "{body}");
            assert!(
                err.description.contains(field),
                "{body}: {}",
                err.description
            );
        }
        assert!(parse_body(b"[]").is_err());
        assert!(parse_body(b"{").is_err());
    }
}
