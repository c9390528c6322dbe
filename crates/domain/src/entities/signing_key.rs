//! The `signing_keys` table.

use sea_orm::entity::prelude::*;

/// One row of `signing_keys`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kid: String,
    pub alg: String,
    pub state: String,
    /// The private key (PKCS#8 DER), AEAD-encrypted under the master key, base64url.
    pub private_key: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub public_jwk: Json,
    pub created_at: TimeDateTimeWithTimeZone,
    pub activated_at: Option<TimeDateTimeWithTimeZone>,
    pub retired_at: Option<TimeDateTimeWithTimeZone>,
    pub expires_at: Option<TimeDateTimeWithTimeZone>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
