//! The `policy_sets` table.

use sea_orm::entity::prelude::*;

/// One row of `policy_sets`: a resource server's Cedar schema and policies.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_sets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: String,
    #[sea_orm(column_type = "Text")]
    pub schema: String,
    #[sea_orm(column_type = "Text")]
    pub policies: String,
    /// Raised by one at every store, so that caches can tell an old set from a new one.
    pub version: i64,
    pub updated_at: TimeDateTimeWithTimeZone,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
