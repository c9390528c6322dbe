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
    /// Wrong passwords re-entered on the account pages that end the browser session.
    pub max_password_reentries: u32,
    /// The issuer URL: links in mail point here.
    pub issuer: String,
    /// Self-registration rules.
    pub registration: Registration,
    /// Rules for new passwords.
    pub password_policy: domain::credentials::policy::PasswordPolicy,
    /// Password reset and resend limits.
    pub recovery: Recovery,
    /// When a second factor is required.
    pub mfa_policy: domain::credentials::MfaPolicy,
    /// Days a browser may skip the second factor after "don't ask again" (0: never).
    pub trusted_device_days: u32,
    /// How long a guest's browser session lasts (at most the usual session lifetime).
    pub guest_session_ttl: std::time::Duration,
    /// Whether a sign-in from a browser not seen before mails the user.
    pub new_sign_in_alert: bool,
    /// Failed sign-ins from one IP address (per hour) after which the sign-in form asks for
    /// the CAPTCHA; 0 asks every time.
    pub captcha_after_failures: u32,
    /// The rate limits of sign-in, codes and mail.
    pub limits: domain::ratelimit::Limits,
    /// The operator's product name, logo, colour and stylesheet.
    pub branding: std::sync::Arc<crate::branding::Branding>,
    /// The language when nothing names a shipped one.
    pub default_language: crate::i18n::Lang,
    /// Whether the admin console needs a sign-in with a second factor (`admin.require_mfa`).
    pub admin_require_mfa: bool,
}

/// Limits on the mails a stranger can trigger: resets and verification resends.
#[derive(Debug, Clone)]
pub struct Recovery {
    /// Lifetime of a reset link.
    pub reset_ttl: std::time::Duration,
    /// Least time between two reset (or verification) mails to one account.
    pub cooldown: std::time::Duration,
    /// Lifetime of an invitation.
    pub invitation_ttl: std::time::Duration,
    /// Lifetime of a link confirming a new email address.
    pub email_change_ttl: std::time::Duration,
}

/// Who may register on `/register`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationMode {
    /// Anyone (within the allowed domains).
    Open,
    /// Only invited people (through their invitation link).
    InviteOnly,
    /// Nobody.
    Disabled,
}

/// Self-registration settings.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The mode.
    pub mode: RegistrationMode,
    /// Lower-cased domains allowed to register; empty means any.
    pub allowed_email_domains: Vec<String>,
    /// Lifetime of a verification link.
    pub verification_ttl: std::time::Duration,
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
    /// Device authorizations (RFC 8628), approved or denied on `/device`.
    pub devices: domain::grants::DeviceAuthorizations,
    /// Audit log.
    pub audit: AuditLog,
    /// Keyed hashes for CSRF tokens.
    pub secrets: SecretBox,
    /// Single-use mailed tokens.
    pub tokens: domain::users::UserTokens,
    /// Outgoing mail.
    pub outbox: domain::mail::Outbox,
    /// Wakes this node's mail worker after a mail was queued.
    pub mail_waker: std::sync::Arc<tokio::sync::Notify>,
    /// Hot state: pending steps, CAPTCHA counters.
    pub cache: domain::cache::Cache,
    /// The rate limiter (in-process or Redis, like the cache).
    pub limiter: domain::ratelimit::RateLimiter,
    /// Roles (granted by invitations).
    pub roles: domain::roles::Roles,
    /// The CAPTCHA on registration, reset and repeated failed sign-ins.
    pub captcha: crate::io::captcha::Captcha,
    /// Second factors.
    pub mfa: domain::credentials::Mfa,
    /// The text-message sender, if configured.
    pub sms: crate::io::sms::Sms,
    /// Passkeys (absent when the issuer's host is not a domain name).
    pub passkeys: Option<domain::credentials::Passkeys>,
    /// Approximate locations of IP addresses, when a database is configured.
    pub geoip: Option<crate::geoip::GeoIp>,
    /// Upstream identity providers: configuration, links, sign-ins in progress.
    pub federation: domain::federation::Federation,
    /// The protocol spoken with upstreams (the `federation` crate's, given by the binary).
    pub upstream_protocol: std::sync::Arc<dyn domain::federation::UpstreamProtocol>,
    /// Administration, for the admin console (`/admin`).
    pub admin: domain::admin::Admin,
}
