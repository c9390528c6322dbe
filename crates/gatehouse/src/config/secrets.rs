//! `[secrets]` and `[secrets.vault]`: where the master key comes from.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// `[secrets]`
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecretsConfig {
    /// `file` (the key below, or a key file) or `vault` (wrapped by Vault / OpenBao transit,
    /// stored in the database).
    pub provider: SecretsProvider,
    /// Base64 of 32 random bytes. Prefer the environment (`GATEHOUSE__SECRETS__MASTER_KEY`)
    /// or a key file over writing it here.
    pub master_key: String,
    /// File holding the base64 key; created (mode 0600) on first start when no key is
    /// configured. Empty means `<data_dir>/master.key`.
    pub master_key_file: String,
    /// Vault / OpenBao, for `provider = "vault"` and `gatehouse secrets wrap`.
    pub vault: VaultConfig,
}

/// Where the master key comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretsProvider {
    /// `secrets.master_key` or `secrets.master_key_file`.
    #[default]
    File,
    /// Vault / OpenBao transit (`[secrets.vault]`).
    Vault,
}

impl SecretsProvider {
    /// The configuration value.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretsProvider::File => "file",
            SecretsProvider::Vault => "vault",
        }
    }
}

/// `[secrets.vault]`: the transit key that wraps the master key, and how to log in.
#[derive(Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct VaultConfig {
    /// Base URL, e.g. `https://vault.example.com:8200`.
    pub address: String,
    /// Path of the transit secrets engine.
    pub mount: String,
    /// Name of the transit key that wraps the master key.
    pub transit_key: String,
    /// A Vault token (prefer `GATEHOUSE__SECRETS__VAULT__TOKEN` or `token_file`).
    pub token: String,
    /// File holding the token (e.g. written by Vault Agent).
    pub token_file: String,
    /// AppRole role id (instead of a token).
    pub role_id: String,
    /// AppRole secret id (prefer `GATEHOUSE__SECRETS__VAULT__SECRET_ID` or `secret_id_file`).
    pub secret_id: String,
    /// File holding the AppRole secret id.
    pub secret_id_file: String,
    /// Path of the AppRole auth method.
    pub approle_mount: String,
    /// Vault Enterprise / OpenBao namespace (`X-Vault-Namespace`); empty: none.
    pub namespace: String,
    /// Seconds one request to Vault may take.
    pub timeout_secs: u64,
    /// PEM file of the CA that signed Vault's certificate, besides the system's.
    pub ca_file: String,
}

impl std::fmt::Debug for VaultConfig {
    // The token and the secret id never reach a log or an error message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |s: &str| if s.is_empty() { "" } else { "<hidden>" };
        f.debug_struct("VaultConfig")
            .field("address", &self.address)
            .field("mount", &self.mount)
            .field("transit_key", &self.transit_key)
            .field("token", &hidden(&self.token))
            .field("token_file", &self.token_file)
            .field("role_id", &self.role_id)
            .field("secret_id", &hidden(&self.secret_id))
            .field("secret_id_file", &self.secret_id_file)
            .field("approle_mount", &self.approle_mount)
            .field("namespace", &self.namespace)
            .field("timeout_secs", &self.timeout_secs)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl Default for VaultConfig {
    fn default() -> Self {
        Self {
            address: String::new(),
            mount: "transit".into(),
            transit_key: "gatehouse".into(),
            token: String::new(),
            token_file: String::new(),
            role_id: String::new(),
            secret_id: String::new(),
            secret_id_file: String::new(),
            approle_mount: "approle".into(),
            namespace: String::new(),
            timeout_secs: 10,
            ca_file: String::new(),
        }
    }
}

impl VaultConfig {
    /// Whether anything points at a Vault (checked then, and needed by `secrets wrap`).
    pub fn is_configured(&self) -> bool {
        !self.address.is_empty()
    }

    /// Checks the section; every error names its key.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let url = url::Url::parse(&self.address).ok();
        if !url.is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host()) {
            return Err(ConfigError::new(
                "secrets.vault.address",
                "must be an http:// or https:// URL, e.g. https://vault.example.com:8200",
            ));
        }
        for (key, value) in [
            ("secrets.vault.mount", &self.mount),
            ("secrets.vault.approle_mount", &self.approle_mount),
        ] {
            if !is_path(value) {
                return Err(ConfigError::new(
                    key,
                    "must be a Vault path: letters, digits, '-', '_', '.', '/' (no leading or \
                     trailing '/')",
                ));
            }
        }
        if !self.namespace.is_empty() && !is_path(self.namespace.trim_end_matches('/')) {
            return Err(ConfigError::new(
                "secrets.vault.namespace",
                "must be a Vault namespace path, e.g. admin/team (or empty)",
            ));
        }
        if self.transit_key.is_empty()
            || !self
                .transit_key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(ConfigError::new(
                "secrets.vault.transit_key",
                "must be a transit key name: letters, digits, '-', '_', '.'",
            ));
        }
        let token = !self.token.is_empty() || !self.token_file.is_empty();
        let approle = !self.role_id.is_empty()
            || !self.secret_id.is_empty()
            || !self.secret_id_file.is_empty();
        if !self.token.is_empty() && !self.token_file.is_empty() {
            return Err(ConfigError::new(
                "secrets.vault.token_file",
                "cannot be set together with secrets.vault.token: choose one",
            ));
        }
        if !self.secret_id.is_empty() && !self.secret_id_file.is_empty() {
            return Err(ConfigError::new(
                "secrets.vault.secret_id_file",
                "cannot be set together with secrets.vault.secret_id: choose one",
            ));
        }
        if token && approle {
            return Err(ConfigError::new(
                "secrets.vault.role_id",
                "AppRole (role_id, secret_id) cannot be set together with a token (token, \
                 token_file): choose one way to log in",
            ));
        }
        if approle && self.role_id.is_empty() {
            return Err(ConfigError::new(
                "secrets.vault.role_id",
                "is required with secrets.vault.secret_id or secret_id_file",
            ));
        }
        if approle && self.secret_id.is_empty() && self.secret_id_file.is_empty() {
            return Err(ConfigError::new(
                "secrets.vault.secret_id",
                "is required with secrets.vault.role_id (or set secret_id_file)",
            ));
        }
        if !token && !approle {
            return Err(ConfigError::new(
                "secrets.vault.token",
                "Vault needs a way to log in: set token or token_file, or AppRole's role_id \
                 and secret_id (or secret_id_file)",
            ));
        }
        if self.timeout_secs == 0 {
            return Err(ConfigError::new(
                "secrets.vault.timeout_secs",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}

impl SecretsConfig {
    /// Checks the section: `[secrets.vault]` whenever it is used or filled in.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.provider == SecretsProvider::Vault && !self.vault.is_configured() {
            return Err(ConfigError::new(
                "secrets.vault.address",
                "is required with secrets.provider = \"vault\"",
            ));
        }
        if self.vault.is_configured() {
            self.vault.validate()?;
        }
        Ok(())
    }
}

/// A relative Vault path: segments of letters, digits, `-`, `_`, `.`.
fn is_path(value: &str) -> bool {
    !value.is_empty()
        && value.split('/').all(|segment| {
            !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}
