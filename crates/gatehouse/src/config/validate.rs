//! Start-up validation: every error names the key at fault and says why.

use std::net::SocketAddr;

use domain::keys::KeyAlg;
use domain::secrets::MasterKey;
use domain::store::Engine;
use tracing_subscriber::EnvFilter;
use url::Url;

use super::Config;

/// A configuration value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration error: {key}: {reason}")]
pub struct ConfigError {
    /// The dotted key (`database.url`), or the option that named the file.
    pub key: String,
    /// Why it was refused.
    pub reason: String,
}

impl ConfigError {
    /// An error about `key`.
    pub fn new(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            reason: reason.into(),
        }
    }

    /// Wraps a parse or type error from the config sources (its text names the key).
    pub(super) fn from_source(e: config::ConfigError) -> Self {
        Self::new("config", e.to_string())
    }
}

impl From<domain::Error> for ConfigError {
    fn from(e: domain::Error) -> Self {
        match e {
            domain::Error::Invalid { field, reason } => ConfigError::new(field, reason),
            other => ConfigError::new("config", other.to_string()),
        }
    }
}

impl Config {
    /// Checks every value; normalises the issuer (no trailing slash).
    pub fn validated(mut self) -> Result<Self, ConfigError> {
        self.issuer = validate_issuer(&self.issuer)?;
        self.server.bind.parse::<SocketAddr>().map_err(|_| {
            ConfigError::new("server.bind", "must be ADDRESS:PORT, e.g. 127.0.0.1:8080")
        })?;
        if !self.server.management_bind.is_empty()
            && (self.server.management_bind.parse::<SocketAddr>().is_err()
                || self.server.management_bind == self.server.bind)
        {
            return Err(ConfigError::new(
                "server.management_bind",
                "must be ADDRESS:PORT other than server.bind, e.g. 127.0.0.1:9090 (or empty)",
            ));
        }
        self.trusted_proxies()?;
        Engine::of_url(&self.database.url)?;
        if self.database.max_connections == 0 {
            return Err(ConfigError::new(
                "database.max_connections",
                "must be at least 1",
            ));
        }
        if !(1..=300).contains(&self.database.acquire_timeout_secs) {
            return Err(ConfigError::new(
                "database.acquire_timeout_secs",
                "must be between 1 and 300",
            ));
        }
        let redis = &self.cache.redis_url;
        if !(redis.is_empty() || redis.starts_with("redis://") || redis.starts_with("rediss://")) {
            return Err(ConfigError::new(
                "cache.redis_url",
                "must start with redis:// or rediss:// (or be empty for the in-process cache)",
            ));
        }
        self.validate_memcached()?;
        self.validate_telemetry()?;
        if !self.secrets.master_key.is_empty() {
            MasterKey::from_base64(&self.secrets.master_key)?;
        }
        self.secrets.validate()?;
        EnvFilter::try_new(&self.log.level)
            .map_err(|e| ConfigError::new("log.level", format!("is not a valid filter: {e}")))?;
        domain::users::normalize_email(&self.bootstrap.admin_email)
            .map_err(|e| ConfigError::new("bootstrap.admin_email", e.to_string()))?;
        for role in &self.bootstrap.admin_roles {
            domain::roles::validate_name("role", role)
                .map_err(|e| ConfigError::new("bootstrap.admin_roles", e.to_string()))?;
        }
        self.password.validate()?;
        self.key_algorithms()?;
        self.validate_mail()?;
        self.validate_events()?;
        self.validate_registration()?;
        for (key, value) in [
            ("session.idle_timeout_secs", self.session.idle_timeout_secs),
            (
                "session.absolute_timeout_secs",
                self.session.absolute_timeout_secs,
            ),
            ("server.body_timeout_secs", self.server.body_timeout_secs),
            ("tokens.code_ttl_secs", self.tokens.code_ttl_secs),
            (
                "tokens.access_token_ttl_secs",
                self.tokens.access_token_ttl_secs,
            ),
            ("tokens.id_token_ttl_secs", self.tokens.id_token_ttl_secs),
            (
                "tokens.refresh_token_ttl_secs",
                self.tokens.refresh_token_ttl_secs,
            ),
            (
                "tokens.authorization_request_ttl_secs",
                self.tokens.authorization_request_ttl_secs,
            ),
            (
                "tokens.device_code_ttl_secs",
                self.tokens.device_code_ttl_secs,
            ),
            (
                "tokens.device_code_interval_secs",
                u64::from(self.tokens.device_code_interval_secs),
            ),
        ] {
            if value == 0 {
                return Err(ConfigError::new(key, "must be at least 1"));
            }
        }
        if self.tokens.refresh_reuse_grace_secs > 60 {
            return Err(ConfigError::new(
                "tokens.refresh_reuse_grace_secs",
                "must be at most 60: longer lets a stolen refresh token go unnoticed",
            ));
        }
        if !(1..=300).contains(&self.oauth.dpop_max_skew_secs) {
            return Err(ConfigError::new(
                "oauth.dpop_max_skew_secs",
                "must be 1 to 300: longer lets a captured DPoP proof be replayed later",
            ));
        }
        if login_ui::i18n::Lang::from_tag(&self.ui.default_language).is_none() {
            return Err(ConfigError::new(
                "ui.default_language",
                "must be a shipped language: en, de, fr or es",
            ));
        }
        if self.accounts.max_password_reentries == 0 {
            return Err(ConfigError::new(
                "accounts.max_password_reentries",
                "must be at least 1",
            ));
        }
        if self.tokens.device_code_ttl_secs > 3600 {
            return Err(ConfigError::new(
                "tokens.device_code_ttl_secs",
                "must be at most 3600: a user code is short and must not live long",
            ));
        }
        if self.tokens.device_code_interval_secs > 60 {
            return Err(ConfigError::new(
                "tokens.device_code_interval_secs",
                "must be at most 60",
            ));
        }
        if self.tokens.code_ttl_secs > 600 {
            return Err(ConfigError::new(
                "tokens.code_ttl_secs",
                "must be at most 600: codes are short-lived (RFC 6749 4.1.2)",
            ));
        }
        let longest = self
            .tokens
            .access_token_ttl_secs
            .max(self.tokens.id_token_ttl_secs);
        if self.keys.retention_secs < longest {
            return Err(ConfigError::new(
                "keys.retention_secs",
                format!("must be at least the longest token lifetime ({longest} s)"),
            ));
        }
        if self.keys.reload_interval_secs == 0 {
            return Err(ConfigError::new(
                "keys.reload_interval_secs",
                "must be at least 1",
            ));
        }
        if self.maintenance.retain_ended_secs < 3600 {
            return Err(ConfigError::new(
                "maintenance.retain_ended_secs",
                "must be at least 3600 (reuse of codes and refresh tokens is detected while they are kept)",
            ));
        }
        if self.maintenance.retain_ended_sessions_secs < 3600 {
            return Err(ConfigError::new(
                "maintenance.retain_ended_sessions_secs",
                "must be at least 3600",
            ));
        }
        Ok(self)
    }

    /// The configured signing algorithms, parsed.
    pub fn key_algorithms(&self) -> Result<Vec<KeyAlg>, ConfigError> {
        let mut algs = Vec::new();
        for name in &self.keys.algorithms {
            let alg = KeyAlg::parse(name.trim())
                .map_err(|e| ConfigError::new("keys.algorithms", e.to_string()))?;
            if !algs.contains(&alg) {
                algs.push(alg);
            }
        }
        if !algs.contains(&KeyAlg::Rs256) {
            return Err(ConfigError::new(
                "keys.algorithms",
                "must include RS256 (required by OpenID Connect)",
            ));
        }
        Ok(algs)
    }
}

/// OIDC Discovery 3 / RFC 8414 2: https, no query or fragment; plain http only on loopback.
fn validate_issuer(issuer: &str) -> Result<String, ConfigError> {
    let bad = |why: &str| ConfigError::new("issuer", format!("{issuer:?} {why}"));
    let url = Url::parse(issuer).map_err(|_| bad("is not an absolute URL"))?;
    if url.query().is_some() || issuer.contains('?') {
        return Err(bad("must not have a query"));
    }
    if url.fragment().is_some() || issuer.contains('#') {
        return Err(bad("must not have a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not contain credentials"));
    }
    match url.scheme() {
        "https" => {}
        "http" if domain::clients::is_loopback(&url) => {}
        "http" => return Err(bad("must use https unless the host is loopback")),
        _ => return Err(bad("must be an http(s) URL")),
    }
    Ok(issuer.trim_end_matches('/').to_owned())
}

impl Config {
    /// Memcached holds one-time values and counters, but has no server-side scripts for
    /// the GCRA rate limiter: rather than silently counting per node, refuse rate limits.
    fn validate_memcached(&self) -> Result<(), ConfigError> {
        let url = &self.cache.memcached_url;
        if url.is_empty() {
            return Ok(());
        }
        if !self.cache.redis_url.is_empty() {
            return Err(ConfigError::new(
                "cache.memcached_url",
                "cannot be set together with cache.redis_url: choose one cache",
            ));
        }
        if !url.starts_with("memcache://") {
            return Err(ConfigError::new(
                "cache.memcached_url",
                "must start with memcache:// (or be empty)",
            ));
        }
        let r = &self.rate_limit;
        let limits = [
            (
                "client_auth_failures_per_client",
                r.client_auth_failures_per_client,
            ),
            ("client_auth_failures_per_ip", r.client_auth_failures_per_ip),
            ("password_per_ip", r.password_per_ip),
            ("password_per_account", r.password_per_account),
            ("password_per_ip_account", r.password_per_ip_account),
            ("mail_per_ip", r.mail_per_ip),
            ("mail_per_address", r.mail_per_address),
            ("code_guesses_per_account", r.code_guesses_per_account),
            ("authorize_per_ip", r.authorize_per_ip),
            ("device_codes_per_ip", r.device_codes_per_ip),
            ("device_codes_per_session", r.device_codes_per_session),
            ("registrations_per_ip", r.registrations_per_ip),
        ];
        let on = limits
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(name, _)| format!("rate_limit.{name}"))
            .chain(
                r.by_role
                    .iter()
                    .filter(|(_, n)| **n > 0)
                    .map(|(role, _)| format!("rate_limit.by_role.{role}")),
            )
            .collect::<Vec<_>>();
        if !on.is_empty() {
            return Err(ConfigError::new(
                "cache.memcached_url",
                format!(
                    "shared rate limits need Redis (atomic scripts), which Memcached lacks: \
                     use cache.redis_url, or set these to 0: {}",
                    on.join(", ")
                ),
            ));
        }
        Ok(())
    }

    fn validate_telemetry(&self) -> Result<(), ConfigError> {
        let t = &self.telemetry;
        if !t.otlp_endpoint.is_empty() {
            let url = url::Url::parse(&t.otlp_endpoint).ok();
            let fine = url.as_ref().is_some_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.query().is_none()
                    && u.fragment().is_none()
            });
            if !fine {
                return Err(ConfigError::new(
                    "telemetry.otlp_endpoint",
                    "must be an http:// or https:// URL without query, e.g. \
                     http://127.0.0.1:4318 (or empty to turn tracing off)",
                ));
            }
        }
        if t.service_name.trim().is_empty() {
            return Err(ConfigError::new(
                "telemetry.service_name",
                "must not be empty",
            ));
        }
        if !(0.0..=1.0).contains(&t.sample_ratio) {
            return Err(ConfigError::new(
                "telemetry.sample_ratio",
                "must be between 0.0 and 1.0",
            ));
        }
        for (name, value) in &t.headers {
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err()
                || reqwest::header::HeaderValue::from_str(value).is_err()
            {
                return Err(ConfigError::new(
                    "telemetry.headers",
                    format!("{name:?} is not a valid HTTP header name and value"),
                ));
            }
        }
        Ok(())
    }

    fn validate_mail(&self) -> Result<(), ConfigError> {
        let mail = &self.mail;
        mail.from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| ConfigError::new("mail.from", format!("is not a mail address: {e}")))?;
        if mail.transport == super::MailTransport::Smtp && mail.smtp_host.trim().is_empty() {
            return Err(ConfigError::new(
                "mail.smtp_host",
                "is required when mail.transport is smtp",
            ));
        }
        if mail.poll_interval_ms == 0 {
            return Err(ConfigError::new(
                "mail.poll_interval_ms",
                "must be at least 1",
            ));
        }
        if mail.max_attempts == 0 {
            return Err(ConfigError::new("mail.max_attempts", "must be at least 1"));
        }
        Ok(())
    }
}

impl Config {
    fn validate_registration(&mut self) -> Result<(), ConfigError> {
        if self.password_policy.min_length < 8 {
            return Err(ConfigError::new(
                "password_policy.min_length",
                "must be at least 8 (NIST SP 800-63B)",
            ));
        }
        if self.password_policy.min_strength > 4 {
            return Err(ConfigError::new(
                "password_policy.min_strength",
                "must be 0 to 4",
            ));
        }
        for (key, value) in [
            (
                "registration.verification_ttl_secs",
                self.registration.verification_ttl_secs,
            ),
            (
                "registration.invitation_ttl_secs",
                self.registration.invitation_ttl_secs,
            ),
            ("recovery.reset_ttl_secs", self.recovery.reset_ttl_secs),
            (
                "recovery.email_change_ttl_secs",
                self.recovery.email_change_ttl_secs,
            ),
        ] {
            if value == 0 {
                return Err(ConfigError::new(key, "must be at least 1"));
            }
        }
        self.validate_captcha()?;
        self.branding.validate()?;
        if self.sms.transport == super::SmsTransport::Http
            && !url::Url::parse(&self.sms.http_url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        {
            return Err(ConfigError::new(
                "sms.http_url",
                "must be an absolute http(s) URL when sms.transport is http",
            ));
        }
        let r = &self.rate_limit;
        for (key, value) in [
            (
                "rate_limit.client_auth_window_secs",
                r.client_auth_window_secs,
            ),
            ("rate_limit.password_window_secs", r.password_window_secs),
            ("rate_limit.mail_window_secs", r.mail_window_secs),
            (
                "rate_limit.code_guesses_window_secs",
                r.code_guesses_window_secs,
            ),
            ("rate_limit.authorize_window_secs", r.authorize_window_secs),
            ("rate_limit.by_role_window_secs", r.by_role_window_secs),
            (
                "api_keys.max_lifetime_days",
                self.api_keys.max_lifetime_days,
            ),
            ("api_keys.usage_flush_secs", self.api_keys.usage_flush_secs),
            ("policies.recheck_secs", self.policies.recheck_secs),
            ("guests.session_ttl_secs", self.guests.session_ttl_secs),
            ("federation.timeout_secs", self.federation.timeout_secs),
            ("federation.flow_ttl_secs", self.federation.flow_ttl_secs),
        ] {
            if value == 0 {
                return Err(ConfigError::new(key, "must be at least 1"));
            }
        }
        if self.federation.timeout_secs > 300 {
            return Err(ConfigError::new(
                "federation.timeout_secs",
                "must be at most 300",
            ));
        }
        if self.federation.flow_ttl_secs > 86_400 {
            return Err(ConfigError::new(
                "federation.flow_ttl_secs",
                "must be at most 86400 (a day)",
            ));
        }
        if !(0.0..=1.0).contains(&self.policies.decision_audit_rate) {
            return Err(ConfigError::new(
                "policies.decision_audit_rate",
                "must be between 0.0 and 1.0",
            ));
        }
        if r.password_max_delay_ms > 10_000 {
            return Err(ConfigError::new(
                "rate_limit.password_max_delay_ms",
                "must be at most 10000",
            ));
        }
        for domain in &mut self.registration.allowed_email_domains {
            let d = domain.trim().trim_start_matches('@').to_ascii_lowercase();
            if d.is_empty() || !d.contains('.') || d.contains(['@', ' ', '/']) {
                return Err(ConfigError::new(
                    "registration.allowed_email_domains",
                    format!("{domain:?} is not a domain name"),
                ));
            }
            *domain = d;
        }
        Ok(())
    }

    fn validate_captcha(&self) -> Result<(), ConfigError> {
        let c = &self.captcha;
        if c.pow_difficulty > 28 {
            return Err(ConfigError::new(
                "captcha.pow_difficulty",
                "must be at most 28 (each bit doubles the work in the browser)",
            ));
        }
        if c.pow_ttl_secs == 0 {
            return Err(ConfigError::new(
                "captcha.pow_ttl_secs",
                "must be at least 1",
            ));
        }
        let remote = !matches!(
            c.provider,
            super::CaptchaProvider::None | super::CaptchaProvider::Pow
        );
        if remote && (c.site_key.trim().is_empty() || c.secret_key.trim().is_empty()) {
            return Err(ConfigError::new(
                "captcha.site_key",
                "hcaptcha, turnstile and recaptcha need captcha.site_key and captcha.secret_key",
            ));
        }
        if !c.verify_url.is_empty()
            && !url::Url::parse(&c.verify_url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        {
            return Err(ConfigError::new(
                "captcha.verify_url",
                "must be an absolute http(s) URL",
            ));
        }
        Ok(())
    }
}
