//! Configuration: `config/gatehouse.toml` (or `--config FILE` / `GATEHOUSE_CONFIG`), every
//! key overridable as `GATEHOUSE__SECTION__KEY`, with defaults that run with no file at all.

mod branding;
mod events;
mod secrets;
mod validate;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use domain::credentials::password::PasswordParams;
use serde::{Deserialize, Serialize};

pub use branding::BrandingConfig;
pub use events::{EventsConfig, WebhooksConfig};
pub use secrets::{SecretsConfig, SecretsProvider, VaultConfig};
pub use validate::ConfigError;

/// The environment variable prefix of overrides (`GATEHOUSE__DATABASE__URL`).
pub const ENV_PREFIX: &str = "GATEHOUSE";

/// The keys whose `GATEHOUSE__…` variable is a comma-separated list (items trimmed, an
/// empty value is an empty list). Every other variable is taken as one string, exactly as
/// given, and read as a number or boolean only where the key is one.
pub const LIST_KEYS: &[&str] = &[
    "bootstrap.admin_roles",
    "keys.algorithms",
    "mfa.required_roles",
    "registration.allowed_email_domains",
    "server.trusted_proxies",
];

/// Everything Gatehouse reads at start.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The issuer identifier: an absolute URL, https unless the host is loopback.
    pub issuer: String,
    /// Where the embedded database and the generated master key live.
    pub data_dir: PathBuf,
    /// HTTP listener.
    pub server: ServerConfig,
    /// Database connection.
    pub database: DatabaseConfig,
    /// Hot-state cache.
    pub cache: CacheConfig,
    /// Master key for secrets at rest.
    pub secrets: SecretsConfig,
    /// Log output.
    pub log: LogConfig,
    /// First-start administrator.
    pub bootstrap: BootstrapConfig,
    /// argon2id parameters.
    pub password: PasswordParams,
    /// Signing keys.
    pub keys: KeysConfig,
    /// Browser sessions.
    pub session: SessionConfig,
    /// Token lifetimes.
    pub tokens: TokensConfig,
    /// Consent.
    pub consent: ConsentConfig,
    /// Protocol options of the authorization endpoint.
    pub oauth: OAuthConfig,
    /// Account rules: sign-in lockout, pending accounts.
    pub accounts: AccountsConfig,
    /// Outgoing mail.
    pub mail: MailConfig,
    /// Self-registration.
    pub registration: RegistrationConfig,
    /// Rules for new passwords.
    pub password_policy: PasswordPolicyConfig,
    /// Password reset and the limits on mails a stranger can trigger.
    pub recovery: RecoveryConfig,
    /// The CAPTCHA on registration, password reset and repeated failed sign-ins.
    pub captcha: CaptchaConfig,
    /// Text messages (phone verification, SMS second factor).
    pub sms: SmsConfig,
    /// When a second factor is required.
    pub mfa: MfaConfig,
    /// Deleting expired and ended rows.
    pub maintenance: MaintenanceConfig,
    /// Rate limits (shared by every node when the cache is Redis; refused with Memcached).
    pub rate_limit: RateLimitConfig,
    /// The operator's product name, logo, colour and stylesheet on every page and mail.
    pub branding: BrandingConfig,
    /// `[ui]`
    pub ui: UiConfig,
    /// API keys.
    pub api_keys: ApiKeysConfig,
    /// Cedar policy sets and the decision API.
    pub policies: PoliciesConfig,
    /// Guest accounts.
    pub guests: GuestsConfig,
    /// Signing in through other identity providers.
    pub federation: FederationConfig,
    /// Traces exported over OTLP/HTTP.
    pub telemetry: TelemetryConfig,
    /// The admin API and console.
    pub admin: AdminConfig,
    /// Signed webhooks.
    pub webhooks: WebhooksConfig,
    /// Brokers events are published to.
    pub events: EventsConfig,
}

/// `[admin]`: who may administer, and how.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// Administration by a person needs a sign-in with a second factor, and holders of the
    /// `gatehouse:*` roles must set one up at sign-in. Turn off only for development.
    pub require_mfa: bool,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self { require_mfa: true }
    }
}

/// `[guests]`: accounts made for applications allowed to send `guest=true`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct GuestsConfig {
    /// Seconds a guest's browser session lasts (at most `session.absolute_timeout_secs`).
    pub session_ttl_secs: u64,
    /// A guest nobody used (no session seen, no refresh token issued) for this many seconds
    /// is deleted by the purge; 0: never.
    pub purge_after_secs: u64,
}

impl Default for GuestsConfig {
    fn default() -> Self {
        Self {
            session_ttl_secs: 2 * 3600,
            purge_after_secs: 30 * 24 * 3600,
        }
    }
}

/// `[telemetry]`: OpenTelemetry traces, exported over OTLP/HTTP when an endpoint is set.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetryConfig {
    /// The collector's OTLP/HTTP base URL, e.g. `http://127.0.0.1:4318` (`/v1/traces` is
    /// appended); empty: no tracing at all.
    pub otlp_endpoint: String,
    /// `service.name` of every span.
    pub service_name: String,
    /// Share of new traces kept (0.0 to 1.0); a request that arrives with a `traceparent`
    /// follows its caller's decision.
    pub sample_ratio: f64,
    /// Extra headers on every export (a collector's credentials, say).
    pub headers: std::collections::BTreeMap<String, String>,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            otlp_endpoint: String::new(),
            service_name: "gatehouse".into(),
            sample_ratio: 1.0,
            headers: std::collections::BTreeMap::new(),
        }
    }
}

impl TelemetryConfig {
    /// The URL spans are posted to, or `None` when tracing is off.
    pub fn traces_url(&self) -> Option<String> {
        (!self.otlp_endpoint.is_empty())
            .then(|| format!("{}/v1/traces", self.otlp_endpoint.trim_end_matches('/')))
    }
}

/// `[federation]`: signing in through other identity providers ("upstreams").
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FederationConfig {
    /// Seconds a request to an upstream (discovery, keys, token, userinfo) may take.
    pub timeout_secs: u64,
    /// Seconds a person may take at the upstream before its answer is refused as expired.
    pub flow_ttl_secs: u64,
}

impl Default for FederationConfig {
    fn default() -> Self {
        Self {
            timeout_secs: 10,
            flow_ttl_secs: 600,
        }
    }
}

impl FederationConfig {
    /// How long a request to an upstream may take.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_secs)
    }

    /// How long an upstream sign-in may take.
    pub fn flow_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.flow_ttl_secs)
    }
}

/// `[policies]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PoliciesConfig {
    /// Seconds a node keeps a compiled policy set before checking for a newer one (a set
    /// stored on this node applies here at once).
    pub recheck_secs: u64,
    /// Share of decisions written to the audit log, 0.0 to 1.0.
    pub decision_audit_rate: f64,
}

impl Default for PoliciesConfig {
    fn default() -> Self {
        Self {
            recheck_secs: 5,
            decision_audit_rate: 0.01,
        }
    }
}

/// `[ui]`: the hosted pages and mails.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// The language of pages when neither the application, the user nor the browser asks
    /// for a shipped one (`en`, `de`, `fr`, `es`), and of mails sent from the command line.
    pub default_language: String,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            default_language: "en".to_owned(),
        }
    }
}

impl UiConfig {
    /// The default language (validated at start).
    pub fn default_language(&self) -> login_ui::i18n::Lang {
        login_ui::i18n::Lang::from_tag(&self.default_language).unwrap_or_default()
    }
}

/// `[api_keys]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiKeysConfig {
    /// The longest lifetime a key may be given, in days.
    pub max_lifetime_days: u64,
    /// Seconds between writes of the gathered use counts and last-use times.
    pub usage_flush_secs: u64,
}

impl Default for ApiKeysConfig {
    fn default() -> Self {
        Self {
            max_lifetime_days: 365,
            usage_flush_secs: 60,
        }
    }
}

/// `[rate_limit]`: each limit allows a burst of `N`, refilled evenly over its window
/// (`N` per window on average); 0 switches a limit off.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Failed client authentications per client_id (token, introspection, revocation).
    pub client_auth_failures_per_client: u32,
    /// Failed client authentications per IP address.
    pub client_auth_failures_per_ip: u32,
    /// The window of the client authentication limits.
    pub client_auth_window_secs: u64,
    /// Password sign-ins per IP address.
    pub password_per_ip: u32,
    /// Password sign-ins per account (typed address, known or not).
    pub password_per_account: u32,
    /// Password sign-ins per IP address and account.
    pub password_per_ip_account: u32,
    /// The window of the password limits.
    pub password_window_secs: u64,
    /// Longest delay before answering a sign-in as an (IP, account) budget runs out.
    pub password_max_delay_ms: u64,
    /// Requests that mail a stranger-typed address (registration, reset, resend, sign-in
    /// code) per IP address, per kind of mail.
    pub mail_per_ip: u32,
    /// The same requests per address, per kind of mail.
    pub mail_per_address: u32,
    /// The window of the mail limits.
    pub mail_window_secs: u64,
    /// Second-factor and sign-in code guesses (authenticator app, text message, mailed
    /// code, recovery code) per account.
    pub code_guesses_per_account: u32,
    /// The window of the code guess limit.
    pub code_guesses_window_secs: u64,
    /// Wrong codes (not reset by a correct password) that lock the account for
    /// `accounts.lockout_secs` and mail its owner (0: never lock).
    pub code_failures_lock_after: u32,
    /// Requests to `/authorize` per IP address.
    pub authorize_per_ip: u32,
    /// The window of the `/authorize` limit.
    pub authorize_window_secs: u64,
    /// User codes entered on `/device` per IP address.
    pub device_codes_per_ip: u32,
    /// User codes entered on `/device` per browser session.
    pub device_codes_per_session: u32,
    /// The window of the `/device` limits.
    pub device_codes_window_secs: u64,
    /// Dynamic client registration requests (`/connect/register`, every method) per IP
    /// address.
    pub registrations_per_ip: u32,
    /// The window of the registration limit.
    pub registrations_window_secs: u64,
    /// Requests per principal (the owner of an API key, the subject of an access token) at
    /// introspection, by role name: a principal gets the largest budget among its roles,
    /// `default` when none of its roles is listed (absent or 0: no limit).
    pub by_role: std::collections::BTreeMap<String, u32>,
    /// The window of the `by_role` budgets.
    pub by_role_window_secs: u64,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            client_auth_failures_per_client: 20,
            client_auth_failures_per_ip: 100,
            client_auth_window_secs: 60,
            password_per_ip: 100,
            password_per_account: 20,
            password_per_ip_account: 10,
            password_window_secs: 900,
            password_max_delay_ms: 2000,
            mail_per_ip: 20,
            mail_per_address: 5,
            mail_window_secs: 3600,
            code_guesses_per_account: 5,
            code_guesses_window_secs: 300,
            code_failures_lock_after: 10,
            authorize_per_ip: 300,
            authorize_window_secs: 60,
            device_codes_per_ip: 30,
            device_codes_per_session: 10,
            device_codes_window_secs: 600,
            registrations_per_ip: 20,
            registrations_window_secs: 3600,
            by_role: std::collections::BTreeMap::new(),
            by_role_window_secs: 60,
        }
    }
}

/// `[maintenance]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MaintenanceConfig {
    /// Seconds between purges of expired and ended rows (0: never; `gatehouse purge` still
    /// works).
    pub purge_interval_secs: u64,
    /// Seconds ended codes, grants, tokens and delivered mail are kept before the purge
    /// deletes them (reuse of a code or refresh token is detected while they are kept).
    pub retain_ended_secs: u64,
    /// Seconds ended browser sessions are kept (the new-device alert compares a sign-in with
    /// the browsers of the kept sessions).
    pub retain_ended_sessions_secs: u64,
}

impl Default for MaintenanceConfig {
    fn default() -> Self {
        Self {
            purge_interval_secs: 3600,
            retain_ended_secs: 7 * 24 * 3600,
            retain_ended_sessions_secs: 90 * 24 * 3600,
        }
    }
}

/// `[mfa]`
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MfaConfig {
    /// Every user must use a second factor (and set one up at the next sign-in).
    pub required_for_all: bool,
    /// Users with any of these roles must (e.g. `["admin"]`).
    pub required_roles: Vec<String>,
}

/// How text messages leave Gatehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsTransport {
    /// No text messages: phone verification and SMS codes are not offered.
    None,
    /// One file per message under `<data_dir>/sms` (development).
    File,
    /// An HTTP API.
    Http,
}

/// `[sms]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsConfig {
    /// `none`, `file` or `http`.
    pub transport: SmsTransport,
    /// The sender number or name, for `{from}` in the body template.
    pub from: String,
    /// The API endpoint (POST).
    pub http_url: String,
    /// Basic-auth user name (e.g. a Twilio account SID); empty for none.
    pub http_username: String,
    /// Basic-auth password.
    pub http_password: String,
    /// A bearer token instead; empty for none.
    pub http_bearer_token: String,
    /// The body's content type.
    pub http_content_type: String,
    /// The body, with `{to}`, `{from}` and `{message}` (encoded for the content type).
    pub http_body_template: String,
}

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            transport: SmsTransport::None,
            from: String::new(),
            http_url: String::new(),
            http_username: String::new(),
            http_password: String::new(),
            http_bearer_token: String::new(),
            http_content_type: "application/x-www-form-urlencoded".into(),
            http_body_template: "To={to}&From={from}&Body={message}".into(),
        }
    }
}

/// Which CAPTCHA the forms use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptchaProvider {
    /// No CAPTCHA.
    None,
    /// The built-in proof of work (no outside service).
    Pow,
    /// hCaptcha.
    Hcaptcha,
    /// Cloudflare Turnstile.
    Turnstile,
    /// Google reCAPTCHA v2.
    Recaptcha,
}

/// `[captcha]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaptchaConfig {
    /// `pow`, `hcaptcha`, `turnstile`, `recaptcha` or `none`.
    pub provider: CaptchaProvider,
    /// Leading zero bits the proof of work needs (each bit doubles the work).
    pub pow_difficulty: u8,
    /// How long a proof-of-work challenge stays valid.
    pub pow_ttl_secs: u64,
    /// The third-party widget's site key.
    pub site_key: String,
    /// The third-party service's secret key.
    pub secret_key: String,
    /// Overrides the third-party verification URL (empty: the service's own).
    pub verify_url: String,
    /// Failed sign-ins from one IP address within an hour after which the sign-in form
    /// asks for the CAPTCHA (0: always).
    pub login_after_failures: u32,
}

impl Default for CaptchaConfig {
    fn default() -> Self {
        Self {
            provider: CaptchaProvider::Pow,
            pow_difficulty: 17,
            pow_ttl_secs: 600,
            site_key: String::new(),
            secret_key: String::new(),
            verify_url: String::new(),
            login_after_failures: 3,
        }
    }
}

/// `[recovery]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecoveryConfig {
    /// How long a password reset link stays valid.
    pub reset_ttl_secs: u64,
    /// Least time between two reset (or verification) mails to one account.
    pub cooldown_secs: u64,
    /// How long a link confirming a new email address stays valid.
    pub email_change_ttl_secs: u64,
}

impl Default for RecoveryConfig {
    fn default() -> Self {
        Self {
            reset_ttl_secs: 30 * 60,
            cooldown_secs: 5 * 60,
            email_change_ttl_secs: 24 * 3600,
        }
    }
}

/// Who may create an account on the registration page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationMode {
    /// Anyone (within `allowed_email_domains`).
    Open,
    /// Only people invited by an administrator.
    InviteOnly,
    /// Nobody: accounts are created by administrators.
    Disabled,
}

/// `[registration]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationConfig {
    /// `open`, `invite_only` or `disabled`.
    pub mode: RegistrationMode,
    /// When not empty, only emails of these domains may register.
    pub allowed_email_domains: Vec<String>,
    /// How long an email verification link stays valid.
    pub verification_ttl_secs: u64,
    /// How long an invitation stays valid.
    pub invitation_ttl_secs: u64,
}

impl Default for RegistrationConfig {
    fn default() -> Self {
        Self {
            mode: RegistrationMode::Disabled,
            allowed_email_domains: Vec::new(),
            verification_ttl_secs: 24 * 3600,
            invitation_ttl_secs: 7 * 24 * 3600,
        }
    }
}

/// `[password_policy]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordPolicyConfig {
    /// Fewest characters of a new password (at least 8).
    pub min_length: usize,
    /// Lowest zxcvbn score of a new password, 0 to 4.
    pub min_strength: u8,
}

impl Default for PasswordPolicyConfig {
    fn default() -> Self {
        Self {
            min_length: 8,
            min_strength: 2,
        }
    }
}

/// How mail leaves Gatehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// Write `.eml` files into `mail.file_dir` (development).
    File,
    /// Send through an SMTP server.
    Smtp,
}

/// Transport security of the SMTP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MailSecurity {
    /// Plain connection upgraded with STARTTLS (required).
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
    /// No encryption: only for a relay on the same host or a test sink.
    None,
}

/// `[mail]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// `file` (default: `.eml` files for development) or `smtp`.
    pub transport: MailTransport,
    /// The sender, e.g. `Gatehouse <no-reply@example.com>`.
    pub from: String,
    /// Directory of the file transport; empty means `<data_dir>/mail`.
    pub file_dir: String,
    /// SMTP server host name.
    pub smtp_host: String,
    /// SMTP server port.
    pub smtp_port: u16,
    /// `starttls`, `tls` or `none`.
    pub smtp_security: MailSecurity,
    /// SMTP user name; empty means no authentication.
    pub smtp_username: String,
    /// SMTP password.
    pub smtp_password: String,
    /// Give up one SMTP exchange after this long.
    pub smtp_timeout_secs: u64,
    /// How often the outbox is checked for mail queued by other nodes and for retries.
    pub poll_interval_ms: u64,
    /// Wait after the first failed delivery; doubled after each further failure.
    pub retry_first_backoff_secs: u64,
    /// Longest wait between two delivery attempts.
    pub retry_max_backoff_secs: u64,
    /// Attempts after which a mail is given up (it stays in the outbox, marked failed).
    pub max_attempts: u32,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            transport: MailTransport::File,
            from: "Gatehouse <no-reply@localhost>".into(),
            file_dir: String::new(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: MailSecurity::Starttls,
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_timeout_secs: 30,
            poll_interval_ms: 2000,
            retry_first_backoff_secs: 30,
            retry_max_backoff_secs: 3600,
            max_attempts: 30,
        }
    }
}

/// `[accounts]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountsConfig {
    /// Consecutive failed passwords that lock an account (0: never lock).
    pub lockout_threshold: u32,
    /// How long such a lock lasts.
    pub lockout_secs: u64,
    /// Whether accounts waiting for email verification may sign in.
    pub pending_may_sign_in: bool,
    /// Wrong passwords re-entered on the account pages (change password or email, delete
    /// the account, remove a factor) that end the browser session.
    pub max_password_reentries: u32,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        Self {
            lockout_threshold: 10,
            lockout_secs: 900,
            pending_may_sign_in: false,
            max_password_reentries: 5,
        }
    }
}

/// `[session]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// A browser session ends after this many seconds without a request.
    pub idle_timeout_secs: u64,
    /// A browser session ends this many seconds after sign-in, whatever happens.
    pub absolute_timeout_secs: u64,
    /// Mail the user when they sign in with a browser none of their earlier sessions used.
    pub new_sign_in_alert: bool,
    /// A MaxMind-format city database (e.g. GeoLite2-City.mmdb): sessions then show an
    /// approximate location. Empty: none.
    pub geoip_database: String,
    /// Days a browser may skip the second factor after "don't ask again on this browser"
    /// (0: the option is not offered).
    pub trusted_device_days: u32,
    /// With "keep me signed in", the session (and the refresh tokens issued under it) lasts
    /// this long, without idle timeout.
    pub remember_me_secs: u64,
}

/// `[tokens]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokensConfig {
    /// Lifetime of authorization codes (at most 600).
    pub code_ttl_secs: u64,
    /// Lifetime of access tokens.
    pub access_token_ttl_secs: u64,
    /// Lifetime of ID tokens.
    pub id_token_ttl_secs: u64,
    /// Lifetime of a grant and its refresh tokens.
    pub refresh_token_ttl_secs: u64,
    /// Lifetime of a device authorization's device and user codes (RFC 8628).
    pub device_code_ttl_secs: u64,
    /// Seconds a device waits between two polls of the token endpoint (RFC 8628 3.2).
    pub device_code_interval_secs: u32,
    /// For this many seconds after a rotation, the rotated refresh token may be presented
    /// again while its successor is unused (a client retrying after a lost answer): the
    /// successor is replaced instead of the grant being revoked as reused. 0: never.
    pub refresh_reuse_grace_secs: u64,
    /// How long a sign-in may take before its authorization request is forgotten.
    pub authorization_request_ttl_secs: u64,
    /// Most authorization requests waiting for sign-in or consent from one IP address
    /// (`0`: no limit).
    pub authorization_requests_per_ip: u64,
    /// Most authorization requests waiting in all (`0`: no limit).
    pub authorization_requests_max: u64,
    /// A refresh from another device than the one that started the grant: `allow` (and
    /// audit), `reauthenticate` (end the grant) or `revoke` (end the grant and its session).
    pub refresh_binding: RefreshBindingPolicy,
}

/// `tokens.refresh_binding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshBindingPolicy {
    /// Allow and audit.
    Allow,
    /// End the grant; the user signs in again.
    Reauthenticate,
    /// End the grant and the browser session it came from.
    Revoke,
}

/// `[oauth]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OAuthConfig {
    /// Every client must push its authorization requests (RFC 9126, `POST /par`) before
    /// sending the browser to `/authorize`; per client: `--require-pushed-authorization-requests`.
    pub require_pushed_authorization_requests: bool,
    /// Fetch clients' URLs (`jwks_uri`, `request_uri`) over plain http and from loopback,
    /// private and link-local addresses (tests and development only: it opens the server
    /// to SSRF by whoever registers a client).
    pub allow_private_client_urls: bool,
    /// DPoP proofs at `/token`, `/par` and `/userinfo` must carry a fresh server nonce
    /// (RFC 9449 8, answered with `use_dpop_nonce` and a `DPoP-Nonce` header).
    pub dpop_nonce: bool,
    /// How far a DPoP proof's `iat` may be from the server's clock, either way, in seconds.
    pub dpop_max_skew_secs: u64,
    /// Who may register clients at `/connect/register` (RFC 7591): `off`, `open` (anyone)
    /// or `token` (holders of an initial access token: `gatehouse client initial-token
    /// create`).
    pub dynamic_registration: DynamicRegistration,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        Self {
            require_pushed_authorization_requests: false,
            dpop_nonce: false,
            dpop_max_skew_secs: 60,
            allow_private_client_urls: false,
            dynamic_registration: DynamicRegistration::Token,
        }
    }
}

/// `oauth.dynamic_registration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DynamicRegistration {
    /// No dynamic registration: `/connect/register` answers 404 and is not advertised.
    Off,
    /// Anyone may register (within `rate_limit.registrations_per_ip`).
    Open,
    /// Only with an initial access token.
    #[default]
    Token,
}

impl OAuthConfig {
    /// The registration settings of the domain service.
    pub fn registration(&self) -> domain::clients::RegistrationSettings {
        use domain::clients::RegistrationPolicy;
        domain::clients::RegistrationSettings {
            policy: match self.dynamic_registration {
                DynamicRegistration::Off => RegistrationPolicy::Off,
                DynamicRegistration::Open => RegistrationPolicy::Open,
                DynamicRegistration::Token => RegistrationPolicy::Token,
            },
            allow_private_addresses: self.allow_private_client_urls,
        }
    }
}

/// `[consent]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsentConfig {
    /// Clients registered as first-party (`--first-party`) skip the consent page.
    pub skip_for_first_party: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout_secs: 3600,
            absolute_timeout_secs: 24 * 3600,
            new_sign_in_alert: true,
            remember_me_secs: 14 * 24 * 3600,
            trusted_device_days: 30,
            geoip_database: String::new(),
        }
    }
}

impl Default for TokensConfig {
    fn default() -> Self {
        Self {
            code_ttl_secs: 60,
            access_token_ttl_secs: 600,
            id_token_ttl_secs: 3600,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            device_code_ttl_secs: 600,
            device_code_interval_secs: 5,
            refresh_reuse_grace_secs: 0,
            authorization_request_ttl_secs: 900,
            authorization_requests_per_ip: 200,
            authorization_requests_max: 50_000,
            refresh_binding: RefreshBindingPolicy::Allow,
        }
    }
}

impl Default for ConsentConfig {
    fn default() -> Self {
        Self {
            skip_for_first_party: true,
        }
    }
}

/// `[server]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub bind: String,
    /// Worker threads; 0 means one per CPU core.
    pub workers: usize,
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
    pub shutdown_timeout_secs: u64,
    /// Reverse proxies (CIDR ranges or addresses) whose `Forwarded`, `X-Forwarded-For` and
    /// `X-Forwarded-Proto` headers are believed; empty: the socket peer is the client.
    pub trusted_proxies: Vec<String>,
    /// Seconds a request body may take to arrive after its head (then 408 and the
    /// connection is closed).
    pub body_timeout_secs: u64,
    /// Most open connections from one IP address (trusted proxies are not counted); 0: no
    /// limit.
    pub max_connections_per_ip: usize,
    /// A second address and port for operators only: `/metrics` (then no longer on `bind`)
    /// and the probes. Empty: `/metrics` is served on `bind`.
    pub management_bind: String,
}

/// `[database]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://PATH?mode=rwc` or `postgres://USER@HOST/DB`.
    pub url: String,
    /// Connection pool size.
    pub max_connections: u32,
    /// Longest wait for a database connection; while the database is unreachable, requests
    /// fail with 503 after this long.
    pub acquire_timeout_secs: u64,
}

/// `[cache]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// Redis URL; empty (with `memcached_url` empty) means the in-process cache (single
    /// node only).
    pub redis_url: String,
    /// Memcached URL (`memcache://host:port`), instead of Redis: shared one-time values
    /// and counters, but no shared rate limits (`[rate_limit]` must be all 0).
    pub memcached_url: String,
    /// Prefix of every Redis or Memcached key, to share one server between deployments.
    pub key_prefix: String,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// `[log]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `human` or `json`.
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `info,gatehouse=debug`.
    pub level: String,
}

/// `[bootstrap]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct BootstrapConfig {
    /// Email of the administrator created on first start.
    pub admin_email: String,
    /// Global roles created if missing and granted to that administrator at first start
    /// (always including `admin`).
    pub admin_roles: Vec<String>,
}

/// `[keys]`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeysConfig {
    /// Algorithms to keep signing keys for; RS256 is required by OpenID Connect.
    pub algorithms: Vec<String>,
    /// Seconds a retired key stays published: at least the longest token lifetime.
    pub retention_secs: u64,
    /// Seconds between reloads of the keys from the database (picks up rotations made by
    /// the CLI or another node).
    pub reload_interval_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            issuer: "http://localhost:8080".into(),
            data_dir: "data".into(),
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            cache: CacheConfig::default(),
            secrets: SecretsConfig::default(),
            log: LogConfig::default(),
            bootstrap: BootstrapConfig::default(),
            password: PasswordParams::default(),
            keys: KeysConfig::default(),
            session: SessionConfig::default(),
            tokens: TokensConfig::default(),
            consent: ConsentConfig::default(),
            oauth: OAuthConfig::default(),
            ui: UiConfig::default(),
            accounts: AccountsConfig::default(),
            mail: MailConfig::default(),
            registration: RegistrationConfig::default(),
            password_policy: PasswordPolicyConfig::default(),
            recovery: RecoveryConfig::default(),
            captcha: CaptchaConfig::default(),
            sms: SmsConfig::default(),
            mfa: MfaConfig::default(),
            maintenance: MaintenanceConfig::default(),
            rate_limit: RateLimitConfig::default(),
            branding: BrandingConfig::default(),
            api_keys: ApiKeysConfig::default(),
            policies: PoliciesConfig::default(),
            guests: GuestsConfig::default(),
            admin: AdminConfig::default(),
            federation: FederationConfig::default(),
            telemetry: TelemetryConfig::default(),
            webhooks: WebhooksConfig::default(),
            events: EventsConfig::default(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            workers: 0,
            shutdown_timeout_secs: 30,
            trusted_proxies: Vec::new(),
            body_timeout_secs: 10,
            max_connections_per_ip: 256,
            management_bind: String::new(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://data/gatehouse.db?mode=rwc".into(),
            max_connections: 10,
            acquire_timeout_secs: 5,
        }
    }
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            redis_url: String::new(),
            memcached_url: String::new(),
            key_prefix: "gatehouse:".into(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Human,
            level: "info".into(),
        }
    }
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self {
            admin_email: "admin@localhost".into(),
            admin_roles: vec![domain::roles::ADMIN_ROLE.to_owned()],
        }
    }
}

impl Default for KeysConfig {
    fn default() -> Self {
        Self {
            algorithms: ["RS256", "PS256", "ES256", "EdDSA"]
                .map(String::from)
                .to_vec(),
            retention_secs: 24 * 3600,
            reload_interval_secs: 60,
        }
    }
}

impl Config {
    /// Loads the file (if any), applies the `GATEHOUSE__*` variables of `env`, and validates.
    pub fn load(file: Option<&Path>, env: HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut builder = config::Config::builder();
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::new(
                    "--config",
                    format!("{} does not exist or is not a file", path.display()),
                ));
            }
            builder = builder.add_source(
                config::File::from(path.to_path_buf()).format(config::FileFormat::Toml),
            );
        }
        // Not config::Environment: it turns `+15551234567` and `007123` into numbers (and so
        // into `15551234567` and `7123` in a string key). Values stay strings; the
        // deserializer reads numbers and booleans where a key is one.
        let prefix = format!("{}__", ENV_PREFIX.to_lowercase());
        let mut vars: Vec<(String, String)> = env
            .into_iter()
            .filter_map(|(name, value)| {
                let name = name.to_lowercase();
                let key = name.strip_prefix(&prefix)?.replace("__", ".");
                Some((key, value))
            })
            .collect();
        vars.sort();
        for (key, value) in vars {
            builder = if LIST_KEYS.contains(&key.as_str()) {
                let items: Vec<String> = value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
                builder.set_override(&key, items)
            } else {
                builder.set_override(&key, value)
            }
            .map_err(|e| ConfigError::new(key.clone(), e.to_string()))?;
        }
        let raw = builder.build().map_err(ConfigError::from_source)?;
        let config: Config = raw.try_deserialize().map_err(ConfigError::from_source)?;
        config.validated()
    }

    /// `server.trusted_proxies`, parsed (checked at load).
    pub fn trusted_proxies(&self) -> Result<Vec<domain::net::IpNet>, ConfigError> {
        self.server
            .trusted_proxies
            .iter()
            .map(|s| {
                s.parse().map_err(|e: domain::net::IpNetError| {
                    ConfigError::new("server.trusted_proxies", e.to_string())
                })
            })
            .collect()
    }

    /// The rules for new passwords (`[password_policy]`), for the pages and the CLI alike.
    pub fn password_policy(&self) -> domain::credentials::policy::PasswordPolicy {
        domain::credentials::policy::PasswordPolicy {
            min_length: self.password_policy.min_length,
            min_strength: self.password_policy.min_strength,
        }
    }

    /// The mail file transport's directory, resolved against `data_dir`.
    pub fn mail_dir(&self) -> PathBuf {
        if self.mail.file_dir.is_empty() {
            self.data_dir.join("mail")
        } else {
            PathBuf::from(&self.mail.file_dir)
        }
    }

    /// The master key file path, resolved against `data_dir`.
    pub fn master_key_path(&self) -> PathBuf {
        if self.secrets.master_key_file.is_empty() {
            self.data_dir.join("master.key")
        } else {
            PathBuf::from(&self.secrets.master_key_file)
        }
    }
}

#[cfg(test)]
mod tests;
