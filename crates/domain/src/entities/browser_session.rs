//! The `browser_sessions` table.

use sea_orm::entity::prelude::*;

/// One row of `browser_sessions`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "browser_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Keyed hash of the cookie value; the cookie value itself is never stored.
    #[sea_orm(unique)]
    pub secret_hash: String,
    pub user_id: String,
    pub auth_time: TimeDateTimeWithTimeZone,
    #[sea_orm(column_type = "JsonBinary")]
    pub amr: Json,
    pub acr: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub last_seen_at: TimeDateTimeWithTimeZone,
    pub expires_at: TimeDateTimeWithTimeZone,
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
    /// The user asked to stay signed in (the long lifetime, no idle timeout).
    pub remember: bool,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
