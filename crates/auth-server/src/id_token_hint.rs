//! The `id_token_hint` of `/authorize` (OIDC Core 3.1.2.1) and of end-session (RP-Initiated
//! Logout 1.0 §2): one verifier for both, accepting only ID tokens this server issued.
//!
//! Access tokens (`typ: at+jwt`) and signed userinfo responses are signed with the same keys
//! and carry `iss`, `aud` and `sub` too, so a valid signature alone does not make an ID
//! token. Expired ID tokens are accepted, as both specifications allow.

use serde_json::{Map, Value};

use crate::{Provider, jwt};

/// What a valid hint tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdTokenHint {
    /// The user's `sub`.
    pub sub: String,
    /// The browser session the token was issued under (`sid`), if it names one.
    pub sid: Option<String>,
    /// The clients it was issued to (`aud`).
    pub audiences: Vec<String>,
}

impl IdTokenHint {
    /// Whether the token was issued to `client_id`.
    pub fn issued_to(&self, client_id: &str) -> bool {
        self.audiences.iter().any(|a| a == client_id)
    }
}

/// Verifies `token` as an ID token issued here: our signature, the ID token `typ`, our
/// `iss`, the claims every ID token of ours has, and at least one audience. `None` for
/// anything else (the callers answer with their own error).
pub fn verify(provider: &Provider, token: &str) -> Option<IdTokenHint> {
    let ring = provider.keys.current();
    let (claims, header) = jwt::verify(&ring, token)?;
    // Our ID tokens are typed `JWT`; access tokens `at+jwt`.
    if header.token_type() != Some("JWT") {
        return None;
    }
    if text(&claims, "iss") != Some(provider.settings.issuer.as_str()) {
        return None;
    }
    // The kind of token: an ID token has `iat` and `exp` (signed userinfo has neither) and
    // no `client_id` or `scope` (which access tokens carry).
    let dated = ["iat", "exp"]
        .iter()
        .all(|k| claims.get(*k).is_some_and(Value::is_i64));
    if !dated || claims.contains_key("client_id") || claims.contains_key("scope") {
        return None;
    }
    let audiences: Vec<String> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    if audiences.is_empty() {
        return None;
    }
    Some(IdTokenHint {
        sub: text(&claims, "sub")?.to_owned(),
        sid: text(&claims, "sid").map(str::to_owned),
        audiences,
    })
}

fn text<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}
