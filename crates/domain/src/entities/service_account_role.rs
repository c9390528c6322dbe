//! The `service_account_roles` table.

use sea_orm::entity::prelude::*;

/// One row of `service_account_roles`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "service_account_roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub service_account_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub role_id: String,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
