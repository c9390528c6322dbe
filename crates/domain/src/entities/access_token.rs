//! The `access_tokens` table.

use sea_orm::entity::prelude::*;

/// One row of `access_tokens`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "access_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub jti: String,
    /// Keyed hash of an opaque token; none for JWT access tokens.
    #[sea_orm(unique)]
    pub token_hash: Option<String>,
    pub client_id: String,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub family_id: Option<String>,
    pub code_hash: Option<String>,
    pub scope: String,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub claims: Option<Json>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub expires_at: TimeDateTimeWithTimeZone,
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
    /// RFC 7638 thumbprint of the DPoP key the token is bound to (RFC 9449 6).
    pub dpop_jkt: Option<String>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
