//! The `refresh_token_families` table.

use sea_orm::entity::prelude::*;

/// One row of `refresh_token_families`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_token_families")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    pub session_id: Option<String>,
    pub code_hash: Option<String>,
    pub scope: String,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub claims: Option<Json>,
    pub auth_time: TimeDateTimeWithTimeZone,
    pub acr: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub amr: Json,
    /// Resource indicators (RFC 8707) granted: a JSON list of URIs.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub resources: Option<Json>,
    pub fingerprint: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub expires_at: TimeDateTimeWithTimeZone,
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
    pub revoked_reason: Option<String>,
    /// RFC 7638 thumbprint of the DPoP key the grant's refresh tokens are bound to.
    pub dpop_jkt: Option<String>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
