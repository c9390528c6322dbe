//! Logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4), signed for the event worker
//! that delivers them: the protocol signs, the domain queues and sends.

use domain::clients::Client;
use domain::events::{LogoutNotice, LogoutSigner};
use domain::keys::{KeyAlg, SharedKeyRing};
use serde_json::{Map, Value, json};

use crate::jwt;

/// The `events` member that makes a JWT a logout token.
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// How long a logout token is valid: it is signed right before each attempt.
const LIFETIME: time::Duration = time::Duration::minutes(2);

/// Signs logout tokens with the key ring in force and the client's ID token algorithm.
#[derive(Debug, Clone)]
pub struct Signer {
    /// The signing keys (reloaded in place).
    pub keys: SharedKeyRing,
    /// `iss`.
    pub issuer: String,
    /// Keys pairwise subjects.
    pub secrets: domain::secrets::SecretBox,
}

/// The claims of a logout token issued at `now`: `sub` and `sid` always (the client's view
/// of the subject and the session of its ID tokens), `events`, and never a `nonce`.
pub fn claims(
    issuer: &str,
    notice: &LogoutNotice,
    jti: &str,
    now: time::OffsetDateTime,
) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("iss".into(), issuer.into());
    c.insert("aud".into(), notice.client_id.clone().into());
    c.insert("iat".into(), jwt::unix(now).into());
    c.insert("exp".into(), jwt::unix(now + LIFETIME).into());
    c.insert("jti".into(), jti.into());
    c.insert("sub".into(), notice.sub.clone().into());
    c.insert("sid".into(), notice.sid.clone().into());
    c.insert("events".into(), json!({ BACKCHANNEL_LOGOUT_EVENT: {} }));
    c
}

impl LogoutSigner for Signer {
    fn sign(&self, client: &Client, notice: &LogoutNotice, jti: &str) -> Result<String, String> {
        let alg = KeyAlg::parse(&client.id_token_signed_response_alg).map_err(|e| e.to_string())?;
        // The `sub` of the client's ID tokens: pairwise when it registered so.
        let seen = LogoutNotice {
            sub: client.subject_for(&self.secrets, &notice.sub),
            ..notice.clone()
        };
        let c = claims(&self.issuer, &seen, jti, time::OffsetDateTime::now_utc());
        jwt::sign(&self.keys.current(), alg, "logout+jwt", c).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logout_token_has_sub_sid_events_and_no_nonce() {
        let notice = LogoutNotice {
            client_id: "c1".into(),
            sub: "s1".into(),
            sid: "sid1".into(),
        };
        let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let c = claims("https://id.example", &notice, "j1", now);
        assert_eq!(c["iss"], "https://id.example");
        assert_eq!(c["aud"], "c1");
        assert_eq!(c["sub"], "s1");
        assert_eq!(c["sid"], "sid1");
        assert_eq!(c["jti"], "j1");
        assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 120);
        assert_eq!(c["events"], json!({ BACKCHANNEL_LOGOUT_EVENT: {} }));
        assert!(!c.contains_key("nonce"));
    }
}
