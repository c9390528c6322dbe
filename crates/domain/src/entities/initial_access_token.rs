//! The `initial_access_tokens` table.

use sea_orm::entity::prelude::*;

/// One row of `initial_access_tokens`. The token itself is never stored: only its keyed hash.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "initial_access_tokens")]
pub struct Model {
    /// The public id (for listing and revoking).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Keyed HMAC-SHA-256 of the token.
    pub token_hash: String,
    /// Registrations it allows; none: any number until it expires.
    pub max_uses: Option<i32>,
    pub uses: i32,
    /// The audit identity of the administrator who created it (none: the operator).
    pub created_by: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub expires_at: TimeDateTimeWithTimeZone,
    pub last_used_at: Option<TimeDateTimeWithTimeZone>,
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
