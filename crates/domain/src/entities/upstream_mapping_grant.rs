//! The `upstream_mapping_grants` table.

use sea_orm::entity::prelude::*;

/// One row of `upstream_mapping_grants`: the user's grant of the rule's role (or group) was
/// made by the rule, so re-applying the rule may take it back.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "upstream_mapping_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub mapping_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    pub created_at: TimeDateTimeWithTimeZone,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
