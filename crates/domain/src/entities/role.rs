//! The `roles` table.

use sea_orm::entity::prelude::*;

/// One row of `roles`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Unique per client (and among global roles).
    pub name: String,
    pub description: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    /// The client a client role belongs to; `None` for a global role.
    pub client_id: Option<String>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
