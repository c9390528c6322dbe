//! The `groups` table.

use sea_orm::entity::prelude::*;

/// One row of `groups`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub name: String,
    pub description: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    /// The enclosing group; `None` at the top.
    pub parent_id: Option<String>,
    /// The provisioning client's id of the group (SCIM `externalId`).
    pub external_id: Option<String>,
    /// The SCIM `displayName` (may hold spaces and capitals); `None`: the name.
    pub display_name: Option<String>,
    /// Last change (`None` only before the SCIM migration ran).
    pub updated_at: Option<TimeDateTimeWithTimeZone>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
