//! The hash chain's encoding. Every chained row has
//! `hash = hex(SHA-256(prev_hash || canonical(row)))`, where `prev_hash` is the previous
//! row's `hash` as its 64 lower-case hex characters ([`GENESIS`] for the first row) and
//! `canonical(row)` is this byte string, field after field:
//!
//! ```text
//! field(x)    = 0x00                                   when x is NULL
//!             | 0x01 || u64 big-endian byte length of x || UTF-8 bytes of x
//! canonical   = field("gatehouse.audit.v1") || field(id) || field(occurred_at)
//!               || field(kind) || field(outcome) || field(reason) || field(client_id)
//!               || field(session_id) || field(request_id) || field(personal_digest)
//! personal_digest = hex(SHA-256(field(actor_user_id) || field(subject_user_id)
//!               || field(ip) || field(user_agent) || field(data)))
//! ```
//!
//! `occurred_at` is RFC 3339 in UTC with exactly six fraction digits
//! (`2026-12-05T10:00:00.123456Z`); `data` is canonical JSON: no white space, object keys
//! sorted by their UTF-8 bytes, strings escaped as `serde_json` does, numbers as
//! `serde_json` prints them (negative zero as `0.0`). The personal fields are hashed apart
//! so that erasing a person ([`super::pseudonymise`]) can keep their digest and the chain
//! still proves the rest of the row.

use std::fmt::Write as _;

use sha2::{Digest as _, Sha256};

use crate::entities::audit_event;

/// The `prev_hash` of the first chained row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The id of the only `audit_chain_head` row.
pub(crate) const HEAD_ID: i32 = 1;

/// Names the encoding, so that another one can never produce the same bytes.
const VERSION: &str = "gatehouse.audit.v1";

/// The hash of `row` linked after `prev_hash`, from its fields as stored.
pub fn row_hash(prev_hash: &str, row: &audit_event::Model) -> String {
    let personal = row
        .personal_digest
        .clone()
        .unwrap_or_else(|| personal_digest(row));
    row_hash_with(prev_hash, row, &personal)
}

/// The hash of `row` linked after `prev_hash`, with `personal` as its personal digest.
fn row_hash_with(prev_hash: &str, row: &audit_event::Model, personal: &str) -> String {
    let mut canonical = Vec::with_capacity(256);
    for value in [
        Some(VERSION),
        Some(row.id.as_str()),
        Some(timestamp(row.occurred_at).as_str()),
        Some(row.kind.as_str()),
        Some(row.outcome.as_str()),
        row.reason.as_deref(),
        row.client_id.as_deref(),
        row.session_id.as_deref(),
        row.request_id.as_deref(),
        Some(personal),
    ] {
        field(&mut canonical, value);
    }
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(&canonical);
    hex(&hasher.finalize())
}

/// The digest of the fields that name or trace a person: actor, subject, IP address, user
/// agent and details.
pub fn personal_digest(row: &audit_event::Model) -> String {
    let data = row.data.as_ref().map(canonical_json);
    let mut bytes = Vec::with_capacity(128);
    for value in [
        row.actor_user_id.as_deref(),
        row.subject_user_id.as_deref(),
        row.ip.as_deref(),
        row.user_agent.as_deref(),
        data.as_deref(),
    ] {
        field(&mut bytes, value);
    }
    hex(&Sha256::digest(&bytes))
}

/// Appends one length-prefixed field (or the NULL marker).
fn field(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => out.push(0),
        Some(v) => {
            out.push(1);
            out.extend_from_slice(&(v.len() as u64).to_be_bytes());
            out.extend_from_slice(v.as_bytes());
        }
    }
}

/// RFC 3339 in UTC with six fraction digits: what both databases store (microseconds).
pub fn timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// JSON with sorted keys and no white space.
pub fn canonical_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_json(&mut out, value);
    out
}

fn write_json(out: &mut String, value: &serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.as_f64() == Some(0.0) && n.is_f64() => out.push_str("0.0"),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            let _ = write!(out, "{value}");
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}", serde_json::Value::String(key.clone()));
                out.push(':');
                write_json(out, item);
            }
            out.push('}');
        }
    }
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> audit_event::Model {
        audit_event::Model {
            id: "0193".into(),
            occurred_at: time::macros::datetime!(2026-12-05 10:00:00.5 +01:00),
            kind: "user.created".into(),
            outcome: "success".into(),
            reason: None,
            actor_user_id: Some("admin".into()),
            subject_user_id: None,
            client_id: None,
            session_id: None,
            ip: None,
            user_agent: None,
            request_id: None,
            data: None,
            seq: None,
            prev_hash: None,
            hash: None,
            personal_digest: None,
        }
    }

    #[test]
    fn timestamps_are_utc_with_six_fraction_digits() {
        assert_eq!(timestamp(row().occurred_at), "2026-12-05T09:00:00.500000Z");
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let a = serde_json::json!({"b": 1, "a": {"z": [1, {"y": null, "x": "é\n"}], "c": -0.0}});
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"c":0.0,"z":[1,{"x":"é\n","y":null}]},"b":1}"#
        );
    }

    #[test]
    fn fields_are_length_prefixed_so_moving_a_boundary_changes_the_hash() {
        // A naive join would make ("ab", NULL) and ("a", "b") the same bytes.
        let mut a = row();
        a.reason = Some("ab".into());
        let mut b = row();
        b.reason = Some("a".into());
        b.client_id = Some("b".into());
        assert_ne!(row_hash(GENESIS, &a), row_hash(GENESIS, &b));
        // NULL and the empty string differ too.
        let mut empty = row();
        empty.reason = Some(String::new());
        assert_ne!(row_hash(GENESIS, &row()), row_hash(GENESIS, &empty));
    }

    #[test]
    fn every_field_and_the_previous_hash_count() {
        let base = row_hash(GENESIS, &row());
        assert_eq!(base.len(), 64);
        assert_eq!(base, row_hash(GENESIS, &row()), "deterministic");
        let changes: [fn(&mut audit_event::Model); 13] = [
            |r| r.id = "0194".into(),
            |r| r.occurred_at += time::Duration::microseconds(1),
            |r| r.kind = "user.deleted".into(),
            |r| r.outcome = "failure".into(),
            |r| r.reason = Some("x".into()),
            |r| r.actor_user_id = None,
            |r| r.subject_user_id = Some("u".into()),
            |r| r.client_id = Some("c".into()),
            |r| r.session_id = Some("s".into()),
            |r| r.ip = Some("192.0.2.1".into()),
            |r| r.user_agent = Some("ua".into()),
            |r| r.request_id = Some("rq".into()),
            |r| r.data = Some(serde_json::json!({"a": 1})),
        ];
        for (i, change) in changes.iter().enumerate() {
            let mut changed = row();
            change(&mut changed);
            assert_ne!(
                row_hash(GENESIS, &changed),
                base,
                "change {i} went unnoticed"
            );
        }
        assert_ne!(row_hash(&"1".repeat(64), &row()), base);
    }

    #[test]
    fn a_kept_personal_digest_stands_for_the_erased_fields() {
        let original = row();
        let hash = row_hash(GENESIS, &original);
        let mut erased = original.clone();
        erased.actor_user_id = Some("erased:abc".into());
        assert_ne!(row_hash(GENESIS, &erased), hash);
        erased.personal_digest = Some(personal_digest(&original));
        assert_eq!(row_hash(GENESIS, &erased), hash);
        erased.kind = "user.deleted".into();
        assert_ne!(
            row_hash(GENESIS, &erased),
            hash,
            "the rest is still covered"
        );
    }
}
