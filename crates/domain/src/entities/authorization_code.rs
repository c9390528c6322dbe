//! The `authorization_codes` table.

use sea_orm::entity::prelude::*;

/// One row of `authorization_codes`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "authorization_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code_hash: String,
    pub client_id: String,
    pub user_id: String,
    pub session_id: Option<String>,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub claims: Option<Json>,
    pub auth_time: TimeDateTimeWithTimeZone,
    pub acr: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub amr: Json,
    /// Resource indicators (RFC 8707) granted: a JSON list of URIs.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub resources: Option<Json>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub expires_at: TimeDateTimeWithTimeZone,
    pub redeemed_at: Option<TimeDateTimeWithTimeZone>,
    /// RFC 7638 thumbprint of the DPoP key the code is bound to (RFC 9449 10).
    pub dpop_jkt: Option<String>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
