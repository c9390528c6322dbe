//! The `audit_events` table.

use sea_orm::entity::prelude::*;

/// One row of `audit_events`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub occurred_at: TimeDateTimeWithTimeZone,
    pub kind: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub actor_user_id: Option<String>,
    pub subject_user_id: Option<String>,
    pub client_id: Option<String>,
    pub session_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub data: Option<Json>,
    /// The place in the hash chain; NULL on rows written before the chain began.
    pub seq: Option<i64>,
    /// The `hash` of the row at `seq - 1` (the genesis hash for the first).
    pub prev_hash: Option<String>,
    /// Hex SHA-256 of `prev_hash` and the row's canonical encoding (`audit::chain`).
    pub hash: Option<String>,
    /// Set when erasure replaced the personal fields: their digest as written, so the
    /// chain still verifies the rest of the row.
    pub personal_digest: Option<String>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
