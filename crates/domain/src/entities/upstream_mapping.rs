//! The `upstream_mappings` table.

use sea_orm::entity::prelude::*;

/// One row of `upstream_mappings`: a rule that grants a role, or a group membership, to whoever
/// signs in through the upstream with a claim of a given value.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "upstream_mappings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub upstream_id: String,
    /// A dot path into the claims (`groups`, `realm_access.roles`, `hd`).
    pub claim: String,
    /// The value the claim must be, or an array claim must hold.
    pub value: String,
    /// The role granted (exactly one of `role_id` and `group_id`).
    pub role_id: Option<String>,
    /// The group joined.
    pub group_id: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
