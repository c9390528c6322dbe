//! The `wrapped_master_keys` table.

use sea_orm::entity::prelude::*;

/// One row of `wrapped_master_keys`: the master key as a key service wrapped it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "wrapped_master_keys")]
pub struct Model {
    /// Always `master`: one wrapped key per database.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub provider: String,
    pub mount: String,
    pub key_name: String,
    #[sea_orm(column_type = "Text")]
    pub ciphertext: String,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
