//! Reading the audit log: filters, newest-first pages with opaque cursors, records for the
//! admin API and the command line.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::LikeExpr;
use sea_orm::{
    ColumnTrait as _, Condition, DatabaseConnection, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, QuerySelect as _,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Outcome;
use crate::entities::audit_event::{self, Column};
use crate::{Error, Result, Store};

/// The largest page [`AuditQuery::search`] returns.
pub const MAX_LIMIT: u64 = 500;

/// Which events to return; every field set must match (empty: every event).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Events at or after this time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub from: Option<OffsetDateTime>,
    /// Events before this time (exclusive).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub to: Option<OffsetDateTime>,
    /// The kind exactly (`user.created`), or every kind under a prefix when it ends in `.*`
    /// (`user.*` matches `user.created` and `user.mfa.enrolled`, not `users.x`).
    pub kind: Option<String>,
    /// The acting user's id.
    pub actor: Option<String>,
    /// The concerned user's id.
    pub subject: Option<String>,
    /// The client id.
    pub client: Option<String>,
    /// Success or failure.
    pub outcome: Option<Outcome>,
    /// The caller's IP address, exactly as recorded.
    pub ip: Option<String>,
}

impl Filter {
    /// The filter as a query condition; refuses a malformed kind.
    fn condition(&self) -> Result<Condition> {
        let mut all = Condition::all();
        if let Some(from) = self.from {
            all = all.add(Column::OccurredAt.gte(from));
        }
        if let Some(to) = self.to {
            all = all.add(Column::OccurredAt.lt(to));
        }
        if let Some(kind) = &self.kind {
            all = all.add(kind_condition(kind)?);
        }
        for (column, value) in [
            (Column::ActorUserId, &self.actor),
            (Column::SubjectUserId, &self.subject),
            (Column::ClientId, &self.client),
            (Column::Ip, &self.ip),
        ] {
            if let Some(value) = value {
                all = all.add(column.eq(value.as_str()));
            }
        }
        if let Some(outcome) = self.outcome {
            all = all.add(Column::Outcome.eq(outcome.as_str()));
        }
        Ok(all)
    }
}

/// Kinds are lower-case dotted words: anything else cannot match and is refused (which also
/// keeps SQLite's case-blind LIKE from matching what PostgreSQL would not).
fn kind_condition(kind: &str) -> Result<sea_orm::sea_query::SimpleExpr> {
    let (name, prefix) = match kind.strip_suffix(".*") {
        Some(name) => (name, true),
        None => (kind, false),
    };
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if !valid {
        return Err(Error::invalid(
            "kind",
            "must be a kind (lower-case letters, digits, . _ -), or a prefix ending in .*",
        ));
    }
    Ok(if prefix {
        // `_` is LIKE's any-character: escaped, so `a_b.*` matches only itself.
        let pattern = format!("{}.%", name.replace('_', "\\_"));
        Column::Kind.like(LikeExpr::new(pattern).escape('\\'))
    } else {
        Column::Kind.eq(name)
    })
}

/// One audit event as the API and the command line show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditRecord {
    /// The event's id.
    pub id: String,
    /// Its place in the hash chain (none for events older than the chain).
    pub seq: Option<i64>,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// What happened (`user.created`).
    pub kind: String,
    /// Success or failure.
    pub outcome: String,
    /// Why it failed, or other short context.
    pub reason: Option<String>,
    /// The acting user's id.
    pub actor: Option<String>,
    /// The concerned user's id.
    pub subject: Option<String>,
    /// The client id.
    pub client: Option<String>,
    /// The browser session id.
    pub session: Option<String>,
    /// The caller's IP address.
    pub ip: Option<String>,
    /// The caller's user agent.
    pub user_agent: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
    /// Structured details.
    pub data: Option<serde_json::Value>,
    /// The row's hash in the chain.
    pub hash: Option<String>,
}

impl From<audit_event::Model> for AuditRecord {
    fn from(m: audit_event::Model) -> Self {
        Self {
            id: m.id,
            seq: m.seq,
            occurred_at: m.occurred_at,
            kind: m.kind,
            outcome: m.outcome,
            reason: m.reason,
            actor: m.actor_user_id,
            subject: m.subject_user_id,
            client: m.client_id,
            session: m.session_id,
            ip: m.ip,
            user_agent: m.user_agent,
            request_id: m.request_id,
            data: m.data,
            hash: m.hash,
        }
    }
}

/// One page of events, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = AuditPage)]
pub struct Page {
    /// The events.
    pub items: Vec<AuditRecord>,
    /// Pass to the next search for the page after this one; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Where a page ended. Chained rows come first (by `seq`, newest first: a row written later
/// always has a higher `seq`, so new rows never shift a page), then the rows older than the
/// chain (by time and id, no longer written to).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Seq(i64),
    Before { at: OffsetDateTime, id: String },
}

impl Key {
    fn of(row: &audit_event::Model) -> Self {
        match row.seq {
            Some(seq) => Key::Seq(seq),
            None => Key::Before {
                at: row.occurred_at,
                id: row.id.clone(),
            },
        }
    }

    fn encode(&self) -> String {
        let text = match self {
            Key::Seq(seq) => format!("s:{seq}"),
            Key::Before { at, id } => format!("t:{}:{id}", at.unix_timestamp_nanos() / 1_000),
        };
        URL_SAFE_NO_PAD.encode(text)
    }

    fn decode(cursor: &str) -> Result<Self> {
        let bad = || Error::invalid("cursor", "not a cursor of this audit log");
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        if let Some(seq) = text.strip_prefix("s:") {
            return seq.parse().map(Key::Seq).map_err(|_| bad());
        }
        let (micros, id) = text
            .strip_prefix("t:")
            .and_then(|rest| rest.split_once(':'))
            .ok_or_else(bad)?;
        let micros: i128 = micros.parse().map_err(|_| bad())?;
        let nanos = micros.checked_mul(1_000).ok_or_else(bad)?;
        let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| bad())?;
        if id.is_empty() {
            return Err(bad());
        }
        Ok(Key::Before {
            at,
            id: id.to_owned(),
        })
    }
}

/// Searches and exports the audit log.
#[derive(Debug, Clone)]
pub struct AuditQuery {
    db: DatabaseConnection,
}

impl AuditQuery {
    /// Reads the audit log of `store`.
    pub fn new(store: &Store) -> Self {
        Self {
            db: store.db().clone(),
        }
    }

    /// Up to `limit` (1..=[`MAX_LIMIT`]) events matching `filter`, newest first, after the
    /// page that returned `cursor`. Pages never repeat or skip an event, also while events
    /// are being written.
    pub async fn search(&self, filter: &Filter, cursor: Option<&str>, limit: u64) -> Result<Page> {
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let key = cursor.map(Key::decode).transpose()?;
        let condition = filter.condition()?;
        // One more than asked: whether it comes tells whether there is a next page.
        let want = limit + 1;
        let mut rows = Vec::new();
        if !matches!(key, Some(Key::Before { .. })) {
            let mut chained = Condition::all()
                .add(condition.clone())
                .add(Column::Seq.is_not_null());
            if let Some(Key::Seq(seq)) = key {
                chained = chained.add(Column::Seq.lt(seq));
            }
            rows = audit_event::Entity::find()
                .filter(chained)
                .order_by_desc(Column::Seq)
                .limit(want)
                .all(&self.db)
                .await?;
        }
        if (rows.len() as u64) < want {
            let mut before = Condition::all().add(condition).add(Column::Seq.is_null());
            if let Some(Key::Before { at, id }) = &key {
                before = before.add(
                    Condition::any().add(Column::OccurredAt.lt(*at)).add(
                        Condition::all()
                            .add(Column::OccurredAt.eq(*at))
                            .add(Column::Id.lt(id.as_str())),
                    ),
                );
            }
            rows.extend(
                audit_event::Entity::find()
                    .filter(before)
                    .order_by_desc(Column::OccurredAt)
                    .order_by_desc(Column::Id)
                    .limit(want - rows.len() as u64)
                    .all(&self.db)
                    .await?,
            );
        }
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(|last| Key::of(last).encode())
        } else {
            None
        };
        Ok(Page {
            items: rows.into_iter().map(AuditRecord::from).collect(),
            next_cursor,
        })
    }

    /// Checks the hash chain ([`super::verify`]).
    pub async fn verify(&self) -> Result<super::Report> {
        super::verify(&self.db).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_anything_else_is_invalid() {
        for key in [
            Key::Seq(42),
            Key::Before {
                at: time::macros::datetime!(2026-12-01 10:00:00.123456 UTC),
                id: "01:9a".into(),
            },
        ] {
            assert_eq!(Key::decode(&key.encode()).unwrap(), key);
        }
        let huge = URL_SAFE_NO_PAD.encode(format!("t:{}:x", i128::MAX));
        for bad in ["", "!!", "czo", "czp4", "dDox", "dDoxOg", huge.as_str()] {
            let err = Key::decode(bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Invalid {
                        field: "cursor",
                        ..
                    }
                ),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn kinds_are_exact_or_a_dotted_prefix() {
        for good in ["user.created", "user.*", "a_b-c.d.*"] {
            assert!(kind_condition(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            ".*",
            "*",
            "User.created",
            "user%",
            "user.created'",
            "user*",
        ] {
            assert!(kind_condition(bad).is_err(), "{bad}");
        }
    }
}
