//! What administrators see: accounts, their sessions, factors and consents. Never a secret.

use serde::Serialize;

use crate::entities::{browser_session, consent, credential, user};
use crate::federation::UpstreamLink;

/// The version of a row for `ETag`/`If-Match`: its last change, to the microsecond.
pub fn version_of(updated_at: time::OffsetDateTime) -> String {
    (updated_at.unix_timestamp_nanos() / 1_000).to_string()
}

/// An account: profile and state.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    /// Internal id.
    pub id: String,
    /// The `sub` of its tokens.
    pub sub: String,
    /// Email address (none for guests and some upstream accounts).
    pub email: Option<String>,
    /// Whether the address is verified.
    pub email_verified: bool,
    /// `active`, `pending`, `locked`, `suspended` or `disabled`.
    pub status: String,
    /// Why it is in that state.
    pub status_reason: Option<String>,
    /// Until when a lock lasts (none: until unlocked).
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<time::OffsetDateTime>,
    /// Display name.
    pub name: Option<String>,
    /// `given_name`.
    pub given_name: Option<String>,
    /// `family_name`.
    pub family_name: Option<String>,
    /// `preferred_username`.
    pub preferred_username: Option<String>,
    /// `locale`.
    pub locale: Option<String>,
    /// `zoneinfo`.
    pub zoneinfo: Option<String>,
    /// Phone number.
    pub phone_number: Option<String>,
    /// Whether the phone number is verified.
    pub phone_number_verified: bool,
    /// A guest account.
    pub guest: bool,
    /// Global roles held directly.
    pub roles: Vec<String>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

impl UserView {
    /// The view of a row with the roles it holds.
    pub(crate) fn new(u: user::Model, roles: Vec<String>) -> Self {
        Self {
            id: u.id,
            sub: u.subject,
            email: u.email,
            email_verified: u.email_verified,
            status: u.status,
            status_reason: u.status_reason,
            locked_until: u.locked_until,
            name: u.display_name,
            given_name: u.given_name,
            family_name: u.family_name,
            preferred_username: u.preferred_username,
            locale: u.locale,
            zoneinfo: u.zoneinfo,
            phone_number: u.phone_number,
            phone_number_verified: u.phone_number_verified,
            guest: u.guest,
            roles,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }

    /// The version for `ETag`.
    pub fn version(&self) -> String {
        version_of(self.updated_at)
    }
}

/// An account with everything an administrator helps with.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserDetail {
    /// The account.
    #[serde(flatten)]
    pub user: UserView,
    /// Whether it has a password.
    pub has_password: bool,
    /// Its second factors and passkeys.
    pub factors: Vec<FactorView>,
    /// Unused recovery codes.
    pub recovery_codes_left: u64,
    /// Live browser sessions.
    pub sessions: Vec<SessionView>,
    /// Identities at upstream providers linked to it.
    pub links: Vec<UpstreamLink>,
    /// Clients it consented to.
    pub consents: Vec<ConsentView>,
}

/// A second factor or passkey (never its secret).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FactorView {
    /// Credential id (to remove it).
    pub id: String,
    /// `totp`, `sms` or `passkey`.
    pub kind: String,
    /// The name the user gave (passkeys).
    pub name: Option<String>,
    /// When it was added.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// Last use.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<time::OffsetDateTime>,
}

impl From<credential::Model> for FactorView {
    fn from(c: credential::Model) -> Self {
        Self {
            id: c.id,
            kind: c.kind,
            name: c.name,
            created_at: c.created_at,
            last_used_at: c.last_used_at,
        }
    }
}

/// A browser session.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// Session id (the `sid` of its ID tokens).
    pub id: String,
    /// When the user signed in.
    #[serde(with = "time::serde::rfc3339")]
    pub auth_time: time::OffsetDateTime,
    /// How (`pwd`, `otp`, `hwk`, ...).
    pub amr: serde_json::Value,
    /// Authentication context class.
    pub acr: Option<String>,
    /// IP address at sign-in.
    pub ip: Option<String>,
    /// Browser at sign-in.
    pub user_agent: Option<String>,
    /// Last request.
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: time::OffsetDateTime,
    /// When it ends at the latest.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}

impl From<browser_session::Model> for SessionView {
    fn from(s: browser_session::Model) -> Self {
        Self {
            id: s.id,
            auth_time: s.auth_time,
            amr: s.amr,
            acr: s.acr,
            ip: s.ip,
            user_agent: s.user_agent,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
        }
    }
}

/// A consent the user gave a client.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentView {
    /// The client.
    pub client_id: String,
    /// The scopes consented to.
    pub scopes: serde_json::Value,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

impl From<consent::Model> for ConsentView {
    fn from(c: consent::Model) -> Self {
        Self {
            client_id: c.client_id,
            scopes: c.scopes,
            updated_at: c.updated_at,
        }
    }
}
