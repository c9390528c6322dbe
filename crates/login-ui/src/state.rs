//! The pages' state: the domain services they use and their settings.

use domain::audit::AuditLog;
use domain::authorization::AuthorizationRequests;
use domain::clients::Clients;
use domain::consents::Consents;
use domain::secrets::SecretBox;
use domain::sessions::BrowserSessions;
use domain::users::Users;

/// Settings of the pages.
#[derive(Debug, Clone)]
pub struct UiSettings {
    /// Cookies carry `Secure` (false only for an http loopback issuer).
    pub secure_cookies: bool,
    /// Failed passwords that lock an account, and for how long.
    pub lockout: domain::users::LockoutPolicy,
    /// Whether accounts waiting for email verification may sign in.
    pub pending_may_sign_in: bool,
}

/// Everything the page handlers use.
#[derive(Debug, Clone)]
pub struct LoginUi {
    /// Settings.
    pub settings: UiSettings,
    /// Accounts.
    pub users: Users,
    /// Browser sessions.
    pub sessions: BrowserSessions,
    /// Parked authorization requests.
    pub requests: AuthorizationRequests,
    /// Consents.
    pub consents: Consents,
    /// Clients (names, logos, links).
    pub clients: Clients,
    /// Audit log.
    pub audit: AuditLog,
    /// Keyed hashes for CSRF tokens.
    pub secrets: SecretBox,
}
