//! The public event types, and which audit kinds they come from. An audit kind not in
//! [`MAPPING`] produces no event: the audit log stays the complete record, events are the
//! stable subset that other systems may build on.

use time::format_description::well_known::Rfc3339;

use crate::entities::audit_event;

/// Audit kind → public event type. Several audit kinds may share one public type; the
/// audit kind is not part of the payload's contract (it may be renamed), the type is.
pub const MAPPING: &[(&str, &str)] = &[
    ("user.created", "user.created"),
    ("user.registered", "user.created"),
    ("user.guest_created", "user.created"),
    ("user.bootstrap_admin_created", "user.created"),
    ("user.profile_updated", "user.updated"),
    ("user.updated", "user.updated"),
    ("user.email_changed", "user.updated"),
    ("user.email_verified", "user.updated"),
    ("user.phone_verified", "user.updated"),
    ("user.deleted", "user.deleted"),
    ("user.disabled", "user.disabled"),
    ("user.suspended", "user.suspended"),
    ("user.reactivated", "user.reactivated"),
    ("login.succeeded", "user.signed_in"),
    ("login.failed", "user.sign_in_failed"),
    ("user.locked", "user.locked"),
    ("user.unlocked", "user.unlocked"),
    ("password.changed", "user.password_changed"),
    ("password.reset", "user.password_changed"),
    ("user.password_set", "user.password_changed"),
    ("mfa.enrolled", "mfa.enrolled"),
    ("mfa.removed", "mfa.removed"),
    ("mfa.removed_by_admin", "mfa.removed"),
    ("mfa.reset_by_admin", "mfa.removed"),
    ("session.ended", "session.ended"),
    ("session.ended_all", "session.ended"),
    ("session.ended_others", "session.ended"),
    ("session.logout", "session.ended"),
    ("logout", "session.ended"),
    ("session.ended_by_admin", "session.ended"),
    ("consent.given", "consent.granted"),
    ("consent.revoked", "consent.revoked"),
    ("client.created", "client.created"),
    ("client.updated", "client.updated"),
    ("client.deleted", "client.deleted"),
    ("client.secret_rotated", "client.secret_rotated"),
    ("client.enabled", "client.enabled"),
    ("client.disabled", "client.disabled"),
    ("keys.rotated", "key.rotated"),
    ("token.refresh_reused", "refresh_token.reuse_detected"),
    ("token.code_reused", "authorization_code.reuse_detected"),
];

/// The fields of an audit event's details that an event type carries in `data.details`
/// (public, never personal or secret); every other detail stays in the audit log.
pub const DETAILS: &[(&str, &[&str])] = &[
    ("key.rotated", &["alg", "kid"]),
    ("mfa.enrolled", &["factor"]),
    ("mfa.removed", &["factor"]),
];

/// The wildcard that subscribes to every type, present and future.
pub const ALL: &str = "*";

/// The public type an audit kind produces, if any.
pub fn public_type(audit_kind: &str) -> Option<&'static str> {
    MAPPING
        .iter()
        .find(|(kind, _)| *kind == audit_kind)
        .map(|(_, public)| *public)
}

/// Every public event type, sorted, once each.
pub fn types() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = MAPPING.iter().map(|(_, t)| *t).collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// Whether `name` is a public event type or the wildcard.
pub fn is_known(name: &str) -> bool {
    name == ALL || MAPPING.iter().any(|(_, t)| *t == name)
}

/// An event derived from one audit row, ready to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event's id: a UUID v7, the receivers' de-duplication key.
    pub id: String,
    /// The public type.
    pub event_type: &'static str,
    /// The JSON body, exactly as delivered.
    pub body: String,
}

/// The event an audit row produces, or `None` for kinds outside the catalogue. The payload
/// carries identifiers and the outcome only: never secrets, IP addresses or user agents
/// (receivers that need those join on `audit_event_id`).
pub fn event_from_audit(row: &audit_event::Model) -> Option<Event> {
    let event_type = public_type(&row.kind)?;
    let id = uuid::Uuid::now_v7().to_string();
    let timestamp = row
        .occurred_at
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .ok()?;
    let details: serde_json::Map<String, serde_json::Value> = DETAILS
        .iter()
        .find(|(t, _)| *t == event_type)
        .map(|(_, keys)| {
            keys.iter()
                .filter_map(|k| {
                    let v = row.data.as_ref()?.get(*k)?;
                    Some(((*k).to_owned(), v.clone()))
                })
                .collect()
        })
        .unwrap_or_default();
    let body = serde_json::json!({
        "id": id,
        "type": event_type,
        "timestamp": timestamp,
        "data": {
            "audit_event_id": row.id,
            "outcome": row.outcome,
            "reason": row.reason,
            "user_id": row.subject_user_id,
            "actor_id": row.actor_user_id,
            "client_id": row.client_id,
            "session_id": row.session_id,
            "details": details,
        },
    })
    .to_string();
    Some(Event {
        id,
        event_type,
        body,
    })
}

/// Whether a subscription to `subscribed` receives events of `event_type`.
pub fn matches(subscribed: &[String], event_type: &str) -> bool {
    subscribed.iter().any(|s| s == ALL || s == event_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str) -> audit_event::Model {
        audit_event::Model {
            id: "audit-1".into(),
            occurred_at: time::macros::datetime!(2026-12-01 10:00:00 UTC),
            kind: kind.into(),
            outcome: "failure".into(),
            reason: Some("wrong password".into()),
            actor_user_id: None,
            subject_user_id: Some("user-1".into()),
            client_id: Some("app".into()),
            session_id: None,
            ip: Some("203.0.113.9".into()),
            user_agent: Some("curl/8".into()),
            request_id: Some("req-1".into()),
            data: Some(serde_json::json!({"secretish": "do-not-leak"})),
            seq: None,
            prev_hash: None,
            hash: None,
            personal_digest: None,
        }
    }

    #[test]
    fn audit_kinds_map_to_public_types_and_unknown_kinds_to_nothing() {
        assert_eq!(public_type("login.succeeded"), Some("user.signed_in"));
        assert_eq!(
            public_type("token.refresh_reused"),
            Some("refresh_token.reuse_detected")
        );
        assert_eq!(public_type("authz.decision"), None);
        assert!(event_from_audit(&row("maintenance.purged")).is_none());
        assert!(is_known("*") && is_known("user.created") && !is_known("login.failed"));
    }

    #[test]
    fn the_payload_carries_ids_and_outcome_but_no_ip_agent_or_details() {
        let event = event_from_audit(&row("login.failed")).unwrap();
        assert_eq!(event.event_type, "user.sign_in_failed");
        let body: serde_json::Value = serde_json::from_str(&event.body).unwrap();
        assert_eq!(body["id"], event.id.as_str());
        assert_eq!(body["type"], "user.sign_in_failed");
        assert_eq!(body["timestamp"], "2026-12-01T10:00:00Z");
        assert_eq!(body["data"]["user_id"], "user-1");
        assert_eq!(body["data"]["client_id"], "app");
        assert_eq!(body["data"]["outcome"], "failure");
        assert_eq!(body["data"]["reason"], "wrong password");
        assert_eq!(body["data"]["audit_event_id"], "audit-1");
        for leak in ["203.0.113.9", "curl/8", "do-not-leak", "req-1"] {
            assert!(
                !event.body.contains(leak),
                "{leak} must not be in {}",
                event.body
            );
        }
        assert_eq!(
            uuid::Uuid::parse_str(&event.id).unwrap().get_version_num(),
            7
        );
    }

    #[test]
    fn only_listed_details_are_carried() {
        let mut r = row("mfa.enrolled");
        r.data = Some(serde_json::json!({"factor": "passkey", "name": "Alice's phone"}));
        let body: serde_json::Value =
            serde_json::from_str(&event_from_audit(&r).unwrap().body).unwrap();
        assert_eq!(
            body["data"]["details"],
            serde_json::json!({"factor": "passkey"})
        );
        let body: serde_json::Value =
            serde_json::from_str(&event_from_audit(&row("user.locked")).unwrap().body).unwrap();
        assert_eq!(body["data"]["details"], serde_json::json!({}));
    }

    #[test]
    fn the_wildcard_matches_every_type() {
        assert!(matches(&["*".into()], "client.created"));
        assert!(matches(&["user.locked".into()], "user.locked"));
        assert!(!matches(&["user.locked".into()], "user.unlocked"));
    }
}
