//! The `client_registrations` table.

use sea_orm::entity::prelude::*;

/// One row of `client_registrations`: a client registered through the protocol (RFC 7591)
/// and the keyed hash of its registration access token (RFC 7592).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "client_registrations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: String,
    /// Keyed HMAC-SHA-256 of the registration access token.
    pub token_hash: String,
    /// The initial access token the registration was made with, if any.
    pub initial_token_id: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
