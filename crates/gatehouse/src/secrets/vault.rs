//! A small Vault / OpenBao HTTP client: token or AppRole login, token renewal, and the three
//! transit calls the master key needs (encrypt, decrypt, rewrap). Plain reqwest over the
//! documented HTTP API: no SDK crate for four endpoints.
//!
//! Nothing here logs or formats the token, the AppRole secret id, or a plaintext.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::config::VaultConfig;

/// A Vault call that failed, in words naming the address and the configuration key to check.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// A setting could not be used (a file unreadable, a certificate unparsable).
    #[error("{key}: {reason}")]
    Setup {
        /// The configuration key at fault.
        key: &'static str,
        /// Why.
        reason: String,
    },
    /// No answer: connection refused, DNS, TLS, timeout.
    #[error("cannot reach Vault at {address} (secrets.vault.address): {reason}")]
    Unreachable {
        /// `secrets.vault.address`.
        address: String,
        /// The innermost cause.
        reason: String,
    },
    /// Vault refused the credentials or the token's policy does not allow the call.
    #[error(
        "Vault at {address} refused {what}: {detail} (check secrets.vault.token or token_file, \
         or AppRole's role_id and secret_id, and that the token's policy allows it)"
    )]
    Denied {
        /// `secrets.vault.address`.
        address: String,
        /// The call.
        what: String,
        /// Vault's words.
        detail: String,
    },
    /// The transit mount or key does not exist.
    #[error(
        "Vault at {address}: {what} failed: {detail} (check secrets.vault.mount and \
         secrets.vault.transit_key)"
    )]
    NotFound {
        /// `secrets.vault.address`.
        address: String,
        /// The call.
        what: String,
        /// Vault's words.
        detail: String,
    },
    /// Any other refusal (sealed, standby, bad request).
    #[error("Vault at {address} answered {what} with HTTP {status}: {detail}")]
    Failed {
        /// `secrets.vault.address`.
        address: String,
        /// The call.
        what: String,
        /// The HTTP status.
        status: u16,
        /// Vault's words.
        detail: String,
    },
    /// A 2xx answer without the expected field.
    #[error("Vault at {address} gave an unexpected answer to {what} (no {field})")]
    Malformed {
        /// `secrets.vault.address`.
        address: String,
        /// The call.
        what: String,
        /// The missing field.
        field: &'static str,
    },
}

/// How long the current token lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// Time left; zero for a token that never expires (a root token).
    pub ttl: Duration,
    /// Whether `auth/token/renew-self` may extend it.
    pub renewable: bool,
}

struct AppRole {
    mount: String,
    role_id: String,
    secret_id: String,
}

/// A logged-in Vault client bound to one transit key.
pub struct Vault {
    http: reqwest::Client,
    address: String,
    api: String,
    namespace: String,
    mount: String,
    key: String,
    timeout_secs: u64,
    approle: Option<AppRole>,
    token_file: Option<std::path::PathBuf>,
    token: Mutex<String>,
    lease: Mutex<Lease>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("address", &self.address)
            .field("mount", &self.mount)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Reads the credentials the configuration names and logs in: AppRole login, or a
    /// token checked with `auth/token/lookup-self`.
    pub async fn login(config: &VaultConfig) -> Result<Self, VaultError> {
        let timeout = Duration::from_secs(config.timeout_secs);
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout);
        if !config.ca_file.is_empty() {
            let pem = read_secret_file("secrets.vault.ca_file", &config.ca_file).await?;
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
                VaultError::Setup {
                    key: "secrets.vault.ca_file",
                    reason: format!("{} holds no PEM certificate: {e}", config.ca_file),
                }
            })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(|e| VaultError::Setup {
            key: "secrets.vault",
            reason: format!("cannot set up the HTTP client: {e}"),
        })?;
        let approle = if config.role_id.is_empty() {
            None
        } else {
            let secret_id = if config.secret_id.is_empty() {
                read_secret_file("secrets.vault.secret_id_file", &config.secret_id_file).await?
            } else {
                config.secret_id.clone()
            };
            Some(AppRole {
                mount: config.approle_mount.clone(),
                role_id: config.role_id.clone(),
                secret_id,
            })
        };
        let token_file =
            (!config.token_file.is_empty()).then(|| std::path::PathBuf::from(&config.token_file));
        let token = match &token_file {
            Some(path) if approle.is_none() => {
                read_secret_file("secrets.vault.token_file", &path.display().to_string()).await?
            }
            _ => config.token.clone(),
        };
        let address = config.address.trim_end_matches('/').to_owned();
        let vault = Self {
            http,
            api: format!("{address}/v1"),
            address,
            namespace: config.namespace.trim_end_matches('/').to_owned(),
            mount: config.mount.clone(),
            key: config.transit_key.clone(),
            timeout_secs: config.timeout_secs,
            approle,
            token_file,
            token: Mutex::new(token),
            lease: Mutex::new(Lease {
                ttl: Duration::ZERO,
                renewable: false,
            }),
        };
        let lease = if vault.approle.is_some() {
            vault.approle_login().await?
        } else {
            vault.lookup_self().await?
        };
        vault.set_lease(lease);
        Ok(vault)
    }

    /// `secrets.vault.address`, as shown in messages.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The transit mount.
    pub fn mount(&self) -> &str {
        &self.mount
    }

    /// The transit key's name.
    pub fn key_name(&self) -> &str {
        &self.key
    }

    /// The current token's lease, as of the last login or renewal.
    pub fn lease(&self) -> Lease {
        *self.lease.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the token can be replaced when renewal is refused (AppRole, or a token file
    /// another process such as Vault Agent keeps fresh).
    pub fn can_log_in_again(&self) -> bool {
        self.approle.is_some() || self.token_file.is_some()
    }

    /// Wraps `plaintext_b64` (base64) with the transit key: `vault:vN:…`.
    pub async fn encrypt(&self, plaintext_b64: &str) -> Result<String, VaultError> {
        let what = format!("transit encrypt with key {} on {}", self.key, self.mount);
        let path = format!("{}/encrypt/{}", self.mount, self.key);
        let body = json!({ "plaintext": plaintext_b64 });
        let answer = self.call(&what, Method::POST, &path, Some(body)).await?;
        self.field(&answer, &["data", "ciphertext"], &what, "data.ciphertext")
    }

    /// Unwraps a `vault:vN:…` ciphertext: the base64 plaintext.
    pub async fn decrypt(&self, ciphertext: &str) -> Result<String, VaultError> {
        let what = format!("transit decrypt with key {} on {}", self.key, self.mount);
        let path = format!("{}/decrypt/{}", self.mount, self.key);
        let body = json!({ "ciphertext": ciphertext });
        let answer = self.call(&what, Method::POST, &path, Some(body)).await?;
        self.field(&answer, &["data", "plaintext"], &what, "data.plaintext")
    }

    /// Rewraps a ciphertext under the transit key's newest version, without revealing it.
    pub async fn rewrap(&self, ciphertext: &str) -> Result<String, VaultError> {
        let what = format!("transit rewrap with key {} on {}", self.key, self.mount);
        let path = format!("{}/rewrap/{}", self.mount, self.key);
        let body = json!({ "ciphertext": ciphertext });
        let answer = self.call(&what, Method::POST, &path, Some(body)).await?;
        self.field(&answer, &["data", "ciphertext"], &what, "data.ciphertext")
    }

    /// Extends the current token (`auth/token/renew-self`); when that is refused or the
    /// token is not renewable, logs in again where possible (AppRole, token file).
    pub async fn refresh(&self) -> Result<Lease, VaultError> {
        let current = self.lease();
        let refused = if current.renewable {
            match self.renew_self().await {
                // A token near its max TTL comes back shorter each time: AppRole logs in
                // again rather than renewing every second until it expires.
                Ok(lease) if self.approle.is_some() && lease.ttl < current.ttl / 2 => {
                    VaultError::Failed {
                        address: self.address.clone(),
                        what: "token renewal".into(),
                        status: 200,
                        detail: "the token is near its maximum TTL".into(),
                    }
                }
                Ok(lease) => return Ok(self.set_lease(lease)),
                Err(e) => e,
            }
        } else {
            VaultError::Failed {
                address: self.address.clone(),
                what: "token renewal".into(),
                status: 400,
                detail: "the token is not renewable".into(),
            }
        };
        if self.approle.is_some() {
            return self.approle_login().await.map(|l| self.set_lease(l));
        }
        if let Some(path) = &self.token_file {
            let token =
                read_secret_file("secrets.vault.token_file", &path.display().to_string()).await?;
            *self.token.lock().unwrap_or_else(PoisonError::into_inner) = token;
            return self.lookup_self().await.map(|l| self.set_lease(l));
        }
        Err(refused)
    }

    fn set_lease(&self, lease: Lease) -> Lease {
        *self.lease.lock().unwrap_or_else(PoisonError::into_inner) = lease;
        lease
    }

    async fn lookup_self(&self) -> Result<Lease, VaultError> {
        let what = "the token (auth/token/lookup-self)";
        let answer = self
            .call(what, Method::GET, "auth/token/lookup-self", None)
            .await?;
        let data = answer
            .get("data")
            .ok_or_else(|| self.malformed(what, "data"))?;
        Ok(Lease {
            ttl: Duration::from_secs(data.get("ttl").and_then(Value::as_u64).unwrap_or(0)),
            renewable: data
                .get("renewable")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    async fn renew_self(&self) -> Result<Lease, VaultError> {
        let what = "token renewal (auth/token/renew-self)";
        let answer = self
            .call(what, Method::POST, "auth/token/renew-self", Some(json!({})))
            .await?;
        auth_lease(&answer).ok_or_else(|| self.malformed(what, "auth"))
    }

    async fn approle_login(&self) -> Result<Lease, VaultError> {
        let Some(role) = &self.approle else {
            return Err(VaultError::Setup {
                key: "secrets.vault.role_id",
                reason: "is empty".into(),
            });
        };
        let what = format!("the AppRole login (auth/{}/login)", role.mount);
        let body = json!({ "role_id": role.role_id, "secret_id": role.secret_id });
        let path = format!("auth/{}/login", role.mount);
        let answer = match self
            .send(&what, Method::POST, &path, Some(body), None)
            .await
        {
            // Vault answers a wrong role or secret id with 400, not 403.
            Err(VaultError::Failed {
                status: 400,
                detail,
                ..
            }) => {
                return Err(VaultError::Denied {
                    address: self.address.clone(),
                    what,
                    detail,
                });
            }
            other => other?,
        };
        let token = answer
            .pointer("/auth/client_token")
            .and_then(Value::as_str)
            .ok_or_else(|| self.malformed(&what, "auth.client_token"))?;
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = token.to_owned();
        auth_lease(&answer).ok_or_else(|| self.malformed(&what, "auth"))
    }

    async fn call(
        &self,
        what: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, VaultError> {
        let token = self
            .token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        self.send(what, method, path, body, Some(&token)).await
    }

    async fn send(
        &self,
        what: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Result<Value, VaultError> {
        let mut request = self
            .http
            .request(method, format!("{}/{path}", self.api))
            .header("X-Vault-Request", "true");
        if let Some(token) = token {
            request = request.header("X-Vault-Token", token);
        }
        if !self.namespace.is_empty() {
            request = request.header("X-Vault-Namespace", &self.namespace);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| self.unreachable(&e))?;
        if status.is_success() {
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_str(&text).map_err(|_| self.malformed(what, "JSON body"));
        }
        let detail = vault_errors(&text).unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("no reason given")
                .to_owned()
        });
        let (address, what) = (self.address.clone(), what.to_owned());
        Err(match status.as_u16() {
            403 => VaultError::Denied {
                address,
                what,
                detail,
            },
            400 | 404
                if detail.contains("not found")
                    || detail.contains("no handler")
                    || detail.contains("unsupported path") =>
            {
                VaultError::NotFound {
                    address,
                    what,
                    detail,
                }
            }
            status => VaultError::Failed {
                address,
                what,
                status,
                detail,
            },
        })
    }

    fn field(
        &self,
        answer: &Value,
        path: &[&str],
        what: &str,
        name: &'static str,
    ) -> Result<String, VaultError> {
        path.iter()
            .try_fold(answer, |v, k| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| self.malformed(what, name))
    }

    fn malformed(&self, what: &str, field: &'static str) -> VaultError {
        VaultError::Malformed {
            address: self.address.clone(),
            what: what.to_owned(),
            field,
        }
    }

    fn unreachable(&self, e: &reqwest::Error) -> VaultError {
        let reason = if e.is_timeout() {
            format!(
                "no answer within {} s (secrets.vault.timeout_secs)",
                self.timeout_secs
            )
        } else {
            // The innermost cause says what happened ("Connection refused", a TLS
            // complaint); reqwest's own text repeats the URL.
            let mut cause: &dyn std::error::Error = e;
            while let Some(inner) = cause.source() {
                cause = inner;
            }
            cause.to_string()
        };
        VaultError::Unreachable {
            address: self.address.clone(),
            reason,
        }
    }
}

/// The lease of a login or renewal answer (`auth.lease_duration`, `auth.renewable`).
fn auth_lease(answer: &Value) -> Option<Lease> {
    let auth = answer.get("auth")?;
    Some(Lease {
        ttl: Duration::from_secs(auth.get("lease_duration")?.as_u64()?),
        renewable: auth
            .get("renewable")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// Vault's `{"errors": [...]}`, joined.
fn vault_errors(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    let errors: Vec<&str> = value
        .get("errors")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    (!errors.is_empty()).then(|| errors.join("; ").replace('\n', " "))
}

/// A credential or certificate file, trimmed; the error names the key and the path only.
async fn read_secret_file(key: &'static str, path: &str) -> Result<String, VaultError> {
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|e| VaultError::Setup {
            key,
            reason: format!("cannot read {path}: {e}"),
        })?;
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(VaultError::Setup {
            key,
            reason: format!("{path} is empty"),
        });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_error_lists_are_joined_on_one_line() {
        assert_eq!(
            vault_errors(r#"{"errors":["permission denied"]}"#).as_deref(),
            Some("permission denied")
        );
        assert_eq!(
            vault_errors(r#"{"errors":["1 error occurred:\n\t* a\n\n", "b"]}"#).as_deref(),
            Some("1 error occurred: \t* a; b")
        );
        assert_eq!(vault_errors("<html>"), None);
    }

    #[test]
    fn login_and_renewal_answers_give_the_lease() {
        let answer =
            json!({"auth": {"client_token": "x", "lease_duration": 3600, "renewable": true}});
        assert_eq!(
            auth_lease(&answer),
            Some(Lease {
                ttl: Duration::from_secs(3600),
                renewable: true
            })
        );
        assert_eq!(auth_lease(&json!({"data": {}})), None);
    }
}
