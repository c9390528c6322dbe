//! The `audit_chain_head` table: one row, the last place and hash of the audit chain.

use sea_orm::entity::prelude::*;

/// The only row of `audit_chain_head` (id 1).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_chain_head")]
pub struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// The `seq` of the newest chained row (0 before the first).
    pub seq: i64,
    /// The `hash` of the newest chained row (the genesis hash before the first).
    pub hash: String,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
