//! The `pushed_authorization_requests` table.

use sea_orm::entity::prelude::*;

/// One row of `pushed_authorization_requests`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pushed_authorization_requests")]
pub struct Model {
    /// The random part of the `request_uri`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The client that pushed it (the only one that may use it).
    pub client_id: String,
    /// The validated request, as a [`crate::authorization::PendingRequest`].
    #[sea_orm(column_type = "JsonBinary")]
    pub parameters: Json,
    pub created_at: TimeDateTimeWithTimeZone,
    pub expires_at: TimeDateTimeWithTimeZone,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
