//! The `webhook_subscriptions` table.

use sea_orm::entity::prelude::*;

/// One webhook endpoint and the event types it receives.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub url: String,
    /// Public event types (a JSON string array; `["*"]` is every type).
    #[sea_orm(column_type = "JsonBinary")]
    pub event_types: Json,
    pub description: Option<String>,
    pub enabled: bool,
    /// The signing secrets and when each stops being used, sealed with the master key.
    pub secrets: String,
    pub created_at: TimeDateTimeWithTimeZone,
    /// When the current run of failed deliveries began (none: the last one succeeded).
    pub failing_since: Option<TimeDateTimeWithTimeZone>,
    /// Why the subscription was disabled, if Gatehouse disabled it.
    pub disabled_reason: Option<String>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
