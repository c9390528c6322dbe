//! The `upstreams` table.

use sea_orm::entity::prelude::*;

/// One row of `upstreams`: an identity provider people may sign in through.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "upstreams")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub name: String,
    pub display_name: String,
    pub issuer: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
    /// GitHub's address list endpoint override.
    pub emails_endpoint: Option<String>,
    /// `google`, `microsoft`, `apple`, `github`, `facebook` or `x`; `None`: generic OIDC.
    pub preset: Option<String>,
    /// The preset's non-secret settings (a JSON object).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub settings: Option<Json>,
    /// Apple's private key, encrypted under the master key (context `upstream-key:{id}`).
    pub private_key: Option<String>,
    pub client_id: String,
    /// The client secret, encrypted under the master key (context `upstream:{id}`).
    pub client_secret: Option<String>,
    /// Scopes asked for (a JSON string array).
    #[sea_orm(column_type = "JsonBinary")]
    pub scopes: Json,
    /// `create`, `link` or `deny`.
    pub first_login: String,
    pub trusted_for_email: bool,
    /// Whether the upstream's `acr` counts for step-up.
    pub trusted_for_acr: bool,
    /// Whether the upstream's second factor (by its `amr`) stands in for the local one.
    pub trusted_for_mfa: bool,
    pub enabled: bool,
    /// Client ids that show it (a JSON string array); `None`: every client.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub allowed_clients: Option<Json>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
