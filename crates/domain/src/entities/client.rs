//! The `clients` table.

use sea_orm::entity::prelude::*;

/// One row of `clients`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    /// Keyed HMAC-SHA-256 of the client secret; none for public clients.
    pub secret_hash: Option<String>,
    pub token_endpoint_auth_method: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub redirect_uris: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub post_logout_redirect_uris: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub grant_types: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub response_types: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub scopes: Json,
    pub access_token_format: String,
    pub id_token_signed_response_alg: String,
    pub userinfo_signed_response_alg: Option<String>,
    pub access_token_signing_alg: String,
    pub first_party: bool,
    pub require_pkce: bool,
    /// Users signing in to this client must use a second factor.
    pub require_mfa: bool,
    pub client_uri: Option<String>,
    pub logo_uri: Option<String>,
    pub policy_uri: Option<String>,
    pub tos_uri: Option<String>,
    pub backchannel_logout_uri: Option<String>,
    /// Logout tokens must carry `sid` (they always do; stored as registered).
    pub backchannel_logout_session_required: bool,
    /// Front-channel logout page, loaded in an iframe when a session ends.
    pub frontchannel_logout_uri: Option<String>,
    /// The front-channel logout iframe gets `iss` and `sid`.
    pub frontchannel_logout_session_required: bool,
    /// Web origins allowed to call the token endpoints from a browser (CORS); null: the
    /// default of [`crate::clients::Client`].
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub allowed_origins: Option<Json>,
    /// Resource indicators (RFC 8707) the client may ask for; null: none.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub resources: Option<Json>,
    /// Token exchange without an actor token (impersonation) is allowed.
    pub allow_impersonation: bool,
    /// Token kinds that carry role and group claims; null: all of them.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub role_claims: Option<Json>,
    /// Whether the client may start guest sign-ins (`guest=true`).
    pub allow_guests: bool,
    /// `/authorize` accepts only pushed requests (RFC 9126).
    pub require_pushed_authorization_requests: bool,
    /// Registration metadata no query filters on ([`crate::clients::ClientMetadata`]);
    /// null: all defaults.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub metadata: Option<Json>,
    /// Access tokens must be DPoP-bound (RFC 9449 5.2).
    pub dpop_bound_access_tokens: bool,
    /// A disabled client is refused everywhere, as if unknown, and keeps its settings.
    pub enabled: bool,
    /// Keyed hash of the secret before the last rotation, accepted until it expires.
    pub previous_secret_hash: Option<String>,
    /// When the previous secret stops working.
    pub previous_secret_expires_at: Option<TimeDateTimeWithTimeZone>,
    /// The secret of a `client_secret_jwt` client, sealed with the master key (the
    /// assertions are HMACs keyed with it); none for every other method.
    #[sea_orm(column_type = "Text", nullable)]
    pub secret_sealed: Option<String>,
    /// The sealed secret before the last rotation, during its grace period.
    #[sea_orm(column_type = "Text", nullable)]
    pub previous_secret_sealed: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
