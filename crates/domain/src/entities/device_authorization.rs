//! The `device_authorizations` table.

use sea_orm::entity::prelude::*;

/// One row of `device_authorizations`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "device_authorizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub device_code_hash: String,
    #[sea_orm(unique)]
    pub user_code_hash: String,
    pub client_id: String,
    pub scope: String,
    /// Resource indicators (RFC 8707) asked for: a JSON list of URIs.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub resources: Option<Json>,
    /// `pending`, `approved`, `denied` or `redeemed`.
    pub status: String,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub auth_time: Option<TimeDateTimeWithTimeZone>,
    pub acr: Option<String>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub amr: Option<Json>,
    pub interval_secs: i32,
    pub last_poll_at: Option<TimeDateTimeWithTimeZone>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub expires_at: TimeDateTimeWithTimeZone,
    pub decided_at: Option<TimeDateTimeWithTimeZone>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
