//! The `event_outbox` table.

use sea_orm::entity::prelude::*;

/// One event waiting for (or done with) delivery to one destination.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "event_outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The event's id (the receivers' de-duplication key), the same for every destination.
    pub event_id: String,
    /// A webhook subscription's id, or `amqp` / `nats`.
    pub destination: String,
    pub event_type: String,
    /// The exact JSON body delivered.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub attempts: i32,
    pub next_attempt_at: TimeDateTimeWithTimeZone,
    /// Reserved for the worker that claimed it until then.
    pub leased_until: Option<TimeDateTimeWithTimeZone>,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// The HTTP status of the last attempt (webhooks).
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub last_attempt_at: Option<TimeDateTimeWithTimeZone>,
    pub delivered_at: Option<TimeDateTimeWithTimeZone>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
