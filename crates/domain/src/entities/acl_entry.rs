//! The `acl_entries` table.

use sea_orm::entity::prelude::*;

/// One row of `acl_entries`: `subject` has `relation` on `resource_type::resource_id`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "acl_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub client_id: String,
    /// `user`, `group` or `role`.
    pub subject_kind: String,
    /// The id of that user, group or role.
    pub subject: String,
    pub relation: String,
    pub resource_type: String,
    pub resource_id: String,
    pub created_at: TimeDateTimeWithTimeZone,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
