//! The event outbox: one row per (event × destination), written in the audit writer's own
//! transaction, then claimed and delivered by the worker with retries and back-off.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, ConnectionTrait, DatabaseConnection,
    EntityTrait as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
    Set,
};

use super::catalogue::{self, Event};
use crate::entities::{audit_event, event_outbox, webhook_subscription};
use crate::{Error, Result, Store, now};

/// Waiting for delivery (or for its next attempt).
pub const PENDING: &str = "pending";
/// Delivered (a 2xx answer, a broker's confirmation).
pub const DELIVERED: &str = "delivered";
/// Given up.
pub const FAILED: &str = "failed";
/// The destination of rows for RabbitMQ.
pub const AMQP: &str = "amqp";
/// The destination of rows for NATS.
pub const NATS: &str = "nats";

/// The brokers configured on this process (a bit each), read by [`enqueue_from_audit`].
static BROKERS: AtomicU8 = AtomicU8::new(0);
const AMQP_BIT: u8 = 1;
const NATS_BIT: u8 = 2;

/// Declares which brokers this process publishes to (`events.amqp_url`, `events.nats_url`):
/// from then on every event is also queued for them. Called once at start.
pub fn set_brokers(amqp: bool, nats: bool) {
    let bits = if amqp { AMQP_BIT } else { 0 } | if nats { NATS_BIT } else { 0 };
    BROKERS.store(bits, Ordering::Relaxed);
}

/// The broker destinations [`set_brokers`] declared.
pub fn configured_brokers() -> Vec<&'static str> {
    let bits = BROKERS.load(Ordering::Relaxed);
    [(AMQP_BIT, AMQP), (NATS_BIT, NATS)]
        .into_iter()
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, name)| name)
        .collect()
}

/// Queues the events that `rows` produce: one outbox row per (event × enabled subscription
/// of its type) and per configured broker. Meant to run inside the transaction that stores
/// the audit rows, so that an event is queued if and only if it happened. Costs nothing when
/// no row maps to a public type, and one small read of the subscriptions per call otherwise
/// (no cache: every node sees a new or disabled subscription at once).
pub async fn enqueue_from_audit(
    db: &impl ConnectionTrait,
    rows: &[audit_event::Model],
) -> Result<()> {
    enqueue_to(db, rows, &configured_brokers()).await.map(drop)
}

/// [`enqueue_from_audit`] with the brokers given; returns the number of rows queued.
pub async fn enqueue_to(
    db: &impl ConnectionTrait,
    rows: &[audit_event::Model],
    brokers: &[&'static str],
) -> Result<usize> {
    let events: Vec<Event> = rows
        .iter()
        .filter_map(catalogue::event_from_audit)
        .collect();
    if events.is_empty() {
        return Ok(0);
    }
    let subscriptions: Vec<(String, Vec<String>)> = webhook_subscription::Entity::find()
        .filter(webhook_subscription::Column::Enabled.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|s| {
            let types: Vec<String> = serde_json::from_value(s.event_types)
                .map_err(|e| Error::Corrupt(format!("webhook event types: {e}")))?;
            Ok((s.id, types))
        })
        .collect::<Result<_>>()?;
    if subscriptions.is_empty() && brokers.is_empty() {
        return Ok(0);
    }
    let at = now();
    let mut queued = Vec::new();
    for event in &events {
        let destinations = subscriptions
            .iter()
            .filter(|(_, types)| catalogue::matches(types, event.event_type))
            .map(|(id, _)| id.as_str())
            .chain(brokers.iter().copied());
        for destination in destinations {
            queued.push(event_outbox::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                event_id: Set(event.id.clone()),
                destination: Set(destination.to_owned()),
                event_type: Set(event.event_type.to_owned()),
                payload: Set(event.body.clone()),
                attempts: Set(0),
                next_attempt_at: Set(at),
                leased_until: Set(None),
                state: Set(PENDING.to_owned()),
                last_status: Set(None),
                last_error: Set(None),
                created_at: Set(at),
                last_attempt_at: Set(None),
                delivered_at: Set(None),
            });
        }
    }
    let count = queued.len();
    // Well under both engines' limits on bound parameters per statement.
    while !queued.is_empty() {
        let rest = queued.split_off(queued.len().min(200));
        event_outbox::Entity::insert_many(std::mem::replace(&mut queued, rest))
            .exec(db)
            .await?;
    }
    Ok(count)
}

/// How deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// Wait after the first failure; doubled after each further one.
    pub first_backoff: Duration,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
    /// How long a claimed row is reserved for the worker that claimed it.
    pub lease: Duration,
    /// A webhook delivery still failing this long after the event is given up (the
    /// subscription is disabled after as long a run of failures: `webhooks.disable_after_days`).
    pub give_up_after: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            first_backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(3600),
            lease: Duration::from_secs(60),
            give_up_after: Duration::from_secs(3 * 86_400),
        }
    }
}

/// The outbox service.
#[derive(Debug, Clone)]
pub struct EventOutbox {
    db: DatabaseConnection,
    policy: DeliveryPolicy,
}

fn is_broker(destination: &str) -> bool {
    destination == AMQP || destination == NATS
}

fn not_leased(at: time::OffsetDateTime) -> Condition {
    Condition::any()
        .add(event_outbox::Column::LeasedUntil.is_null())
        .add(event_outbox::Column::LeasedUntil.lte(at))
}

impl EventOutbox {
    /// Builds the service.
    pub fn new(store: &Store, policy: DeliveryPolicy) -> Self {
        Self {
            db: store.db().clone(),
            policy,
        }
    }

    /// The retry policy.
    pub fn policy(&self) -> DeliveryPolicy {
        self.policy
    }

    /// Claims up to `limit` due webhook deliveries for this worker; each is reserved for the
    /// lease time, so two nodes never deliver the same row at once.
    pub async fn claim_webhooks(&self, limit: u64) -> Result<Vec<event_outbox::Model>> {
        let at = now();
        if self.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            return self.claim_webhooks_skip_locked(at, limit).await;
        }
        let due = self.due_webhooks(at, limit).await?;
        let mut claimed = Vec::with_capacity(due.len());
        for row in due {
            if let Some(row) = self.take(row, at).await? {
                claimed.push(row);
            }
        }
        Ok(claimed)
    }

    /// PostgreSQL's claim: the due rows are locked with `FOR UPDATE SKIP LOCKED` and leased
    /// in one transaction, so nodes claiming at once each take different rows without
    /// waiting for one another (SQLite has one writer: [`Outbox::take`] row by row there).
    async fn claim_webhooks_skip_locked(
        &self,
        at: time::OffsetDateTime,
        limit: u64,
    ) -> Result<Vec<event_outbox::Model>> {
        use sea_orm::TransactionTrait as _;
        let txn = self.db.begin().await?;
        let mut rows = event_outbox::Entity::find()
            .filter(event_outbox::Column::State.eq(PENDING))
            .filter(event_outbox::Column::NextAttemptAt.lte(at))
            .filter(not_leased(at))
            .filter(event_outbox::Column::Destination.is_not_in([AMQP, NATS]))
            .order_by_asc(event_outbox::Column::NextAttemptAt)
            .limit(limit)
            .lock_with_behavior(
                sea_orm::sea_query::LockType::Update,
                sea_orm::sea_query::LockBehavior::SkipLocked,
            )
            .all(&txn)
            .await?;
        if rows.is_empty() {
            txn.commit().await?;
            return Ok(rows);
        }
        let until = at + self.policy.lease;
        event_outbox::Entity::update_many()
            .col_expr(event_outbox::Column::LeasedUntil, Expr::value(Some(until)))
            .filter(event_outbox::Column::Id.is_in(rows.iter().map(|r| r.id.clone())))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        for row in &mut rows {
            row.leased_until = Some(until);
        }
        Ok(rows)
    }

    /// The webhook rows due at `at`, oldest first (read only: others may be claiming them).
    pub(super) async fn due_webhooks(
        &self,
        at: time::OffsetDateTime,
        limit: u64,
    ) -> Result<Vec<event_outbox::Model>> {
        Ok(event_outbox::Entity::find()
            .filter(event_outbox::Column::State.eq(PENDING))
            .filter(event_outbox::Column::NextAttemptAt.lte(at))
            .filter(not_leased(at))
            .filter(event_outbox::Column::Destination.is_not_in([AMQP, NATS]))
            .order_by_asc(event_outbox::Column::NextAttemptAt)
            .limit(limit)
            .all(&self.db)
            .await?)
    }

    /// Claims the oldest undelivered row of a broker destination, if it is due and nobody
    /// holds it: a destination's rows go out one at a time, in the order they were queued
    /// (a row that fails holds back the ones after it until it is delivered).
    pub async fn claim_head(&self, destination: &str) -> Result<Option<event_outbox::Model>> {
        let at = now();
        let head = event_outbox::Entity::find()
            .filter(event_outbox::Column::Destination.eq(destination))
            .filter(event_outbox::Column::State.eq(PENDING))
            .order_by_asc(event_outbox::Column::CreatedAt)
            .order_by_asc(event_outbox::Column::Id)
            .one(&self.db)
            .await?;
        match head {
            Some(row) => self.take(row, at).await,
            None => Ok(None),
        }
    }

    /// Leases one row read as due, if no other worker took it since: one conditional UPDATE
    /// (still pending, due and unleased) that only one of several nodes can win, on SQLite
    /// (one writer) and PostgreSQL alike (the loser's UPDATE waits for the winner's row lock,
    /// then no longer matches) — the mail outbox's claim.
    pub(super) async fn take(
        &self,
        mut row: event_outbox::Model,
        at: time::OffsetDateTime,
    ) -> Result<Option<event_outbox::Model>> {
        let until = at + self.policy.lease;
        let taken = event_outbox::Entity::update_many()
            .col_expr(event_outbox::Column::LeasedUntil, Expr::value(Some(until)))
            .filter(event_outbox::Column::Id.eq(row.id.clone()))
            .filter(event_outbox::Column::State.eq(PENDING))
            .filter(event_outbox::Column::NextAttemptAt.lte(at))
            .filter(not_leased(at))
            .exec(&self.db)
            .await?;
        if taken.rows_affected != 1 {
            return Ok(None);
        }
        row.leased_until = Some(until);
        Ok(Some(row))
    }

    /// Records a delivery.
    pub async fn mark_delivered(
        &self,
        row: &event_outbox::Model,
        status: Option<u16>,
    ) -> Result<()> {
        let at = now();
        let mut update: event_outbox::ActiveModel = row.clone().into();
        update.state = Set(DELIVERED.to_owned());
        update.attempts = Set(row.attempts.saturating_add(1));
        update.last_status = Set(status.map(i32::from));
        update.last_error = Set(None);
        update.last_attempt_at = Set(Some(at));
        update.delivered_at = Set(Some(at));
        update.leased_until = Set(None);
        update.update(&self.db).await?;
        Ok(())
    }

    /// Records a failed attempt: schedules the next one with exponential back-off and jitter,
    /// or gives a webhook delivery up once the event is older than the policy allows (broker
    /// rows are retried until delivered: the ones queued after them wait). Returns whether
    /// it will be retried.
    pub async fn mark_failed(
        &self,
        row: &event_outbox::Model,
        status: Option<u16>,
        error: &str,
    ) -> Result<bool> {
        let at = now();
        let attempts = u32::try_from(row.attempts).unwrap_or(0).saturating_add(1);
        let retry = is_broker(&row.destination) || row.created_at + self.policy.give_up_after > at;
        let mut update: event_outbox::ActiveModel = row.clone().into();
        update.attempts = Set(i32::try_from(attempts).unwrap_or(i32::MAX));
        update.last_status = Set(status.map(i32::from));
        update.last_error = Set(Some(error.chars().take(1000).collect()));
        update.last_attempt_at = Set(Some(at));
        update.leased_until = Set(None);
        if retry {
            update.next_attempt_at = Set(at + jitter(self.backoff(attempts)));
        } else {
            update.state = Set(FAILED.to_owned());
        }
        update.update(&self.db).await?;
        Ok(retry)
    }

    /// Gives one row up without an attempt (its subscription is gone or disabled).
    pub async fn give_up(&self, row: &event_outbox::Model, why: &str) -> Result<()> {
        let mut update: event_outbox::ActiveModel = row.clone().into();
        update.state = Set(FAILED.to_owned());
        update.last_error = Set(Some(why.to_owned()));
        update.leased_until = Set(None);
        update.update(&self.db).await?;
        Ok(())
    }

    /// The wait after `attempts` failures (before jitter): `first_backoff × 2^(attempts-1)`,
    /// capped at `max_backoff`.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(16));
        self.policy
            .first_backoff
            .saturating_mul(factor)
            .min(self.policy.max_backoff)
    }

    /// One row by id.
    pub async fn get(&self, id: &str) -> Result<Option<event_outbox::Model>> {
        Ok(event_outbox::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?)
    }

    /// The rows of one event, by destination.
    pub async fn of_event(&self, event_id: &str) -> Result<Vec<event_outbox::Model>> {
        Ok(event_outbox::Entity::find()
            .filter(event_outbox::Column::EventId.eq(event_id))
            .order_by_asc(event_outbox::Column::Destination)
            .all(&self.db)
            .await?)
    }

    /// Deletes delivered and given-up rows created before `before` (the delivery log keeps
    /// the rest); returns how many.
    pub async fn purge_ended(&self, before: time::OffsetDateTime) -> Result<u64> {
        Ok(event_outbox::Entity::delete_many()
            .filter(event_outbox::Column::State.is_in([DELIVERED, FAILED]))
            .filter(event_outbox::Column::CreatedAt.lt(before))
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// Rows waiting for delivery.
    pub async fn depth(&self) -> Result<u64> {
        Ok(event_outbox::Entity::find()
            .filter(event_outbox::Column::State.eq(PENDING))
            .count(&self.db)
            .await?)
    }
}

/// `wait` plus up to a tenth more, at random, so that receivers that failed together are not
/// retried together.
fn jitter(wait: Duration) -> Duration {
    let [a, b] = crate::random::bytes::<2>();
    let fraction = f64::from(u16::from_be_bytes([a, b])) / f64::from(u16::MAX) / 10.0;
    wait + wait.mul_f64(fraction)
}
