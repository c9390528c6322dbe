//! The `upstream_links` table.

use sea_orm::entity::prelude::*;

/// One row of `upstream_links`: a local account's identity at an upstream, unique by
/// (issuer, subject).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "upstream_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    pub upstream_id: String,
    pub issuer: String,
    pub subject: String,
    /// The address the upstream gave at the last sign-in (shown, never used as a key).
    pub email: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub last_used_at: Option<TimeDateTimeWithTimeZone>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
