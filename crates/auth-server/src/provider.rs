//! The provider's state: settings and the domain services it drives. Built once at start.

use std::sync::Arc;
use std::time::Duration;

use domain::audit::AuditLog;
use domain::authorization::{AuthorizationRequests, PushedRequests};
use domain::clients::Clients;
use domain::consents::Consents;
use domain::grants::{AccessTokens, Codes, DeviceAuthorizations, Grants};
use domain::keys::SharedKeyRing;
use domain::roles::Roles;
use domain::secrets::SecretBox;
use domain::sessions::BrowserSessions;
use domain::users::Users;

use crate::Pages;

/// Protocol settings from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The issuer identifier (no trailing slash).
    pub issuer: String,
    /// Lifetime of access tokens.
    pub access_token_ttl: Duration,
    /// Lifetime of ID tokens.
    pub id_token_ttl: Duration,
    /// First-party clients skip the consent page.
    pub first_party_skip_consent: bool,
    /// The session cookie carries `Secure` (false only for an http loopback issuer).
    pub secure_cookies: bool,
    /// What a refresh from another device than the grant's does.
    pub refresh_binding: RefreshBinding,
    /// When a second factor is required.
    pub mfa_policy: domain::credentials::MfaPolicy,
    /// Share of policy decisions written to the audit log.
    pub decision_audit_rate: f64,
    /// `/authorize` accepts only pushed requests (RFC 9126), from every client.
    pub require_pushed_authorization_requests: bool,
    /// DPoP proofs must carry a fresh server nonce (RFC 9449 8).
    pub dpop_nonce: bool,
    /// How far a DPoP proof's `iat` may be from now, either way.
    pub dpop_max_skew: Duration,
}

/// What a refresh token presented from another device (user agent and client hints) than
/// the one that started its grant does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshBinding {
    /// Works, and is audited.
    Allow,
    /// Fails with `invalid_grant`, ending the grant: the user signs in again.
    Reauthenticate,
    /// Fails, ending the grant and the browser session it came from (suspected theft).
    Revoke,
}

/// Everything the protocol handlers use.
#[derive(Clone)]
pub struct Provider {
    /// Settings.
    pub settings: Settings,
    /// Registered clients.
    pub clients: Clients,
    /// Dynamic client registration (RFC 7591, RFC 7592).
    pub registrations: domain::clients::Registrations,
    /// User accounts.
    pub users: Users,
    /// Roles (for role claims).
    pub roles: Roles,
    /// Browser sessions.
    pub sessions: BrowserSessions,
    /// Parked authorization requests.
    pub requests: AuthorizationRequests,
    /// Pushed authorization requests (RFC 9126).
    pub pushed: PushedRequests,
    /// Consents.
    pub consents: Consents,
    /// Authorization codes.
    pub codes: Codes,
    /// Grants and refresh tokens.
    pub grants: Grants,
    /// Device authorizations (RFC 8628).
    pub devices: DeviceAuthorizations,
    /// Access token records.
    pub access_tokens: AccessTokens,
    /// API keys.
    pub api_keys: domain::apikeys::ApiKeys,
    /// Resource servers' policy sets (the decision API).
    pub policies: domain::policies::Policies,
    /// Request budgets by role at introspection.
    pub role_budgets: crate::limits::RoleBudgets,
    /// Audit log.
    pub audit: AuditLog,
    /// Signing keys.
    pub keys: SharedKeyRing,
    /// Keyed hashes (CSRF tokens of the logout confirmation).
    pub secrets: SecretBox,
    /// HTML rendering, provided by the hosted pages.
    pub pages: Arc<dyn Pages>,
    /// Precomputed discovery documents.
    pub discovery: crate::discovery::Documents,
    /// The rate limiter (in-process or Redis, like the cache).
    pub limiter: domain::ratelimit::RateLimiter,
    /// The limits it applies.
    pub limits: domain::ratelimit::Limits,
    /// The shared cache (one-time values such as client assertion `jti`s).
    pub cache: domain::cache::Cache,
    /// Clients' public keys, by value or fetched from their `jwks_uri`.
    pub client_keys: domain::clients::ClientKeys,
    /// The key clients encrypt request objects to (published in the JWKS).
    pub decryption_key: crate::decryption_key::DecryptionKey,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// An absolute URL under the issuer.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings.issuer)
    }

    /// The `sub` `client` sees for the user whose public subject is `subject` (pairwise
    /// when the client registered so).
    pub fn subject_for(&self, client: &domain::clients::Client, subject: &str) -> String {
        client.subject_for(&self.secrets, subject)
    }
}
