//! The `api_keys` table.

use sea_orm::entity::prelude::*;

/// One row of `api_keys`. The key itself is never stored: only its keyed hash.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    /// The public id (the part of the key after `gk_`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    /// Owner when a user.
    pub user_id: Option<String>,
    /// Owner when a service account.
    pub service_account_id: Option<String>,
    /// Keyed HMAC-SHA-256 of the secret part.
    pub secret_hash: String,
    /// Permission names (a JSON string array).
    #[sea_orm(column_type = "JsonBinary")]
    pub permissions: Json,
    pub rate_limit_per_minute: Option<i32>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub expires_at: TimeDateTimeWithTimeZone,
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
    pub last_used_at: Option<TimeDateTimeWithTimeZone>,
    pub use_count: i64,
    /// The key that replaced this one at rotation.
    pub replaced_by: Option<String>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
