//! The `upstream_flows` table.

use sea_orm::entity::prelude::*;

/// One row of `upstream_flows`: a sign-in sent to an upstream, waiting for its answer.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "upstream_flows")]
pub struct Model {
    /// Keyed hash of the `state` sent to the upstream.
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_hash: String,
    pub upstream_id: String,
    pub nonce: String,
    /// The PKCE verifier, encrypted under the master key (context `upstream_flow:{hash}`).
    pub pkce_verifier: String,
    /// The parked authorization request the sign-in is for.
    pub request_id: Option<String>,
    /// The local page the sign-in is for (no authorization request).
    pub next: Option<String>,
    /// Keyed hash of the browser-binding cookie.
    pub browser_hash: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub expires_at: TimeDateTimeWithTimeZone,
    pub claimed_at: Option<TimeDateTimeWithTimeZone>,
    /// The browser session that started a link sign-in (from the account page).
    pub link_session_id: Option<String>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
