//! The console's overview: sign-ins and failures over time, live sessions and the latest
//! security events.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _,
};
use time::{Duration, OffsetDateTime};

use super::{Access, Actor, Admin, Area};
use crate::audit::AuditRecord;
use crate::entities::{audit_event, browser_session};
use crate::{Error, Result};

/// The audit kinds a sign-in ends with.
const SIGNED_IN: &str = "login.succeeded";
const SIGN_IN_FAILED: &str = "login.failed";

/// Kinds the overview lists as security events: refusals and changes to how people sign in.
const SECURITY_KINDS: &[&str] = &[
    "login.failed",
    "user.locked",
    "mfa.failed",
    "mfa.reset_by_admin",
    "mfa.removed_by_admin",
    "password.reset",
    "user.password_set",
    "apikey.used_after_revocation",
    "token.refresh_reused",
    "token.code_reused",
    "keys.rotated",
    "keys.retired",
];

/// Sign-ins in one interval of a chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// Start of the interval.
    pub start: OffsetDateTime,
    /// Sign-ins that succeeded.
    pub succeeded: u64,
    /// Sign-ins that failed.
    pub failed: u64,
}

/// What the overview shows.
#[derive(Debug, Clone)]
pub struct Overview {
    /// The last 24 hours, one bucket per hour, oldest first.
    pub last_day: Vec<Bucket>,
    /// The last 7 days, one bucket per day, oldest first.
    pub last_week: Vec<Bucket>,
    /// Browser sessions alive now.
    pub live_sessions: u64,
    /// The latest security events, newest first; none when the actor may not read the audit log.
    pub security_events: Option<Vec<AuditRecord>>,
}

/// How many security events the overview lists.
const RECENT: u64 = 10;

impl Admin {
    /// The overview at `now`: any administrative role may read the counts; the events need
    /// the audit log's readers.
    pub async fn overview(&self, actor: &Actor, now: OffsetDateTime) -> Result<Overview> {
        if !actor.is_admin_of_anything() {
            return Err(Error::Forbidden("this needs an administrative role".into()));
        }
        // Whole hours and (UTC) days, so that a bucket's counts do not move within the hour.
        let into_hour = now.unix_timestamp().rem_euclid(3600);
        let into_day = now.unix_timestamp().rem_euclid(86_400);
        let exact = Duration::nanoseconds(i64::from(now.nanosecond()));
        let hour_start = now - Duration::seconds(into_hour) - exact;
        let day_start = now - Duration::seconds(into_day) - exact;
        let last_day = self
            .sign_ins(hour_start - Duration::hours(23), Duration::hours(1), 24)
            .await?;
        let last_week = self
            .sign_ins(day_start - Duration::days(6), Duration::days(1), 7)
            .await?;
        let security_events = if actor.may(Area::Audit, Access::Read) {
            Some(self.security_events().await?)
        } else {
            None
        };
        Ok(Overview {
            last_day,
            last_week,
            live_sessions: self.live_sessions(now).await?,
            security_events,
        })
    }

    /// Sign-ins per interval of `step`, `count` intervals from `from`: one grouped count per
    /// interval, over the `occurred_at` index, the same on every backend.
    async fn sign_ins(
        &self,
        from: OffsetDateTime,
        step: Duration,
        count: u32,
    ) -> Result<Vec<Bucket>> {
        let mut buckets = Vec::with_capacity(count as usize);
        for i in 0..count {
            let start = from + step * i;
            let rows: Vec<(String, i64)> = audit_event::Entity::find()
                .select_only()
                .column(audit_event::Column::Kind)
                .column_as(sea_orm::ExprTrait::count(Expr::col(audit_event::Column::Id)), "n")
                .filter(audit_event::Column::OccurredAt.gte(start))
                .filter(audit_event::Column::OccurredAt.lt(start + step))
                .filter(audit_event::Column::Kind.is_in([SIGNED_IN, SIGN_IN_FAILED]))
                .group_by(audit_event::Column::Kind)
                .into_tuple()
                .all(&self.db)
                .await?;
            let of = |kind: &str| {
                rows.iter()
                    .find(|(k, _)| k == kind)
                    .map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0))
            };
            buckets.push(Bucket {
                start,
                succeeded: of(SIGNED_IN),
                failed: of(SIGN_IN_FAILED),
            });
        }
        Ok(buckets)
    }

    /// Sessions not ended, not expired and not idle for longer than the idle timeout.
    async fn live_sessions(&self, now: OffsetDateTime) -> Result<u64> {
        let idle = self.parts.sessions.policy().idle_timeout;
        // At most ten years: the subtraction below cannot overflow.
        let idle = Duration::seconds(i64::try_from(idle.as_secs().min(315_360_000)).unwrap_or(0));
        Ok(browser_session::Entity::find()
            .filter(browser_session::Column::RevokedAt.is_null())
            .filter(browser_session::Column::ExpiresAt.gt(now))
            .filter(
                sea_orm::Condition::any()
                    .add(browser_session::Column::Remember.eq(true))
                    .add(browser_session::Column::LastSeenAt.gt(now - idle)),
            )
            .count(&self.db)
            .await?)
    }

    /// The latest events of the security kinds, newest first.
    async fn security_events(&self) -> Result<Vec<AuditRecord>> {
        Ok(audit_event::Entity::find()
            .filter(audit_event::Column::Kind.is_in(SECURITY_KINDS.iter().copied()))
            .order_by_desc(audit_event::Column::OccurredAt)
            .limit(RECENT)
            .all(&self.db)
            .await?
            .into_iter()
            .map(AuditRecord::from)
            .collect())
    }
}
