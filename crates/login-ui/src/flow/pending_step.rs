//! A sign-in waiting for its second step (or for setting one up): the half-signed-in state
//! lives in the cache (so any node can take the second step) under a random key held in a
//! short-lived cookie.

use std::time::Duration;

use actix_web::HttpRequest;
use serde::{Deserialize, Serialize};

use crate::LoginUi;

/// The cookie naming the pending second step.
pub(crate) const COOKIE: &str = "gatehouse_mfa";
/// How long the second step may take.
pub(crate) const TTL: Duration = Duration::from_secs(300);

/// A sign-in waiting for its second factor.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Pending {
    pub(crate) user_id: String,
    pub(crate) request: String,
    pub(crate) next: String,
    pub(crate) remember: bool,
    /// The user has no second factor and must set one up now.
    pub(crate) setup: bool,
    /// The setup succeeded: the sign-in may finish.
    pub(crate) set_up: bool,
    /// The methods of the first factor (`pwd`, `otp` for a mailed code, `fed`).
    #[serde(default)]
    pub(crate) first_amr: Vec<String>,
}

impl Pending {
    /// The methods of the whole sign-in: the first factor's, the second's, and `mfa`.
    pub(crate) fn amr_with(&self, second: &str) -> Vec<String> {
        let mut amr = if self.first_amr.is_empty() {
            // A step parked before the first factor was recorded: a password.
            vec!["pwd".to_owned()]
        } else {
            self.first_amr.clone()
        };
        for method in [second, "mfa"] {
            if !amr.iter().any(|m| m == method) {
                amr.push(method.to_owned());
            }
        }
        amr
    }
}

/// The cache key of a pending step.
pub(crate) fn key(token: &str) -> String {
    format!("mfa-pending:{token}")
}

/// The tries of one pending step: a counter of its own, incremented atomically.
pub(crate) fn tries_key(token: &str) -> String {
    format!("mfa-tries:{token}")
}

/// Stores a pending step under its token.
pub(crate) async fn save(
    ui: &LoginUi,
    token: &str,
    pending: &Pending,
) -> Result<(), domain::Error> {
    let bytes = serde_json::to_vec(pending).map_err(|e| domain::Error::Crypto(e.to_string()))?;
    ui.cache.set(&key(token), &bytes, TTL).await
}

/// The pending second step of this browser, with its token.
pub(crate) async fn load(ui: &LoginUi, req: &HttpRequest) -> Option<(String, Pending)> {
    let token = req.cookie(COOKIE)?.value().to_owned();
    if token.len() > 64 {
        return None;
    }
    match ui.cache.get(&key(&token)).await {
        Ok(Some(bytes)) => serde_json::from_slice(&bytes).ok().map(|p| (token, p)),
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a pending second step");
            None
        }
    }
}
