//! What the pages need of the protocol that talks to upstreams: an authorization URL to send
//! the browser to, and the verified identity from the upstream's answer. The `federation`
//! crate implements it; the binary hands it to the pages.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

use super::flows::{ClaimedFlow, FlowStart};
use super::upstreams::Upstream;

/// A boxed future, so that the trait can be used as `dyn UpstreamProtocol`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An upstream as the protocol talks to it.
#[derive(Clone)]
pub struct UpstreamClient<'a> {
    /// The configured upstream.
    pub upstream: &'a Upstream,
    /// Its client secret in clear.
    pub client_secret: Option<String>,
    /// Gatehouse's redirect URI (the callback).
    pub redirect_uri: &'a str,
}

impl std::fmt::Debug for UpstreamClient<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamClient")
            .field("upstream", &self.upstream.name)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// Who the upstream says signed in, from its verified ID token (and userinfo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamIdentity {
    /// The ID token's `iss`.
    pub issuer: String,
    /// The ID token's `sub`: with the issuer, the identity's key.
    pub subject: String,
    /// `email`
    pub email: Option<String>,
    /// `email_verified` (absent: false).
    pub email_verified: bool,
    /// `name`
    pub name: Option<String>,
    /// `given_name`
    pub given_name: Option<String>,
    /// `family_name`
    pub family_name: Option<String>,
    /// The methods the upstream says it used (`amr`).
    pub amr: Vec<String>,
    /// The upstream's `acr`.
    pub acr: Option<String>,
    /// Every claim the upstream gave (the ID token's, then userinfo's or the profile's for
    /// what it lacks), for claim-to-role mapping.
    #[serde(default)]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

/// Why talking to an upstream failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// It could not be reached, or answered with something unusable.
    #[error("the provider cannot be reached or answered unusably: {0}")]
    Unavailable(String),
    /// It answered with an OAuth error (at the callback or the token endpoint).
    #[error("the provider answered {error}: {}", description.as_deref().unwrap_or(""))]
    Refused {
        /// The error code.
        error: String,
        /// Its description, if any.
        description: Option<String>,
    },
    /// The ID token failed validation (signature, issuer, audience, expiry, algorithm).
    #[error("the provider's ID token is not valid: {0}")]
    InvalidToken(String),
    /// The ID token's nonce is not the one this sign-in sent.
    #[error("the provider's ID token carries another nonce")]
    NonceMismatch,
}

impl UpstreamError {
    /// A short reason for the audit log.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Unavailable(_) => "upstream unavailable",
            Self::Refused { .. } => "upstream error response",
            Self::InvalidToken(_) => "invalid id token",
            Self::NonceMismatch => "nonce mismatch",
        }
    }
}

/// The protocol spoken with upstreams.
pub trait UpstreamProtocol: Send + Sync + std::fmt::Debug {
    /// The URL to send the browser to for a new sign-in carrying `start`'s state, nonce and
    /// PKCE challenge.
    fn begin<'a>(
        &'a self,
        client: &'a UpstreamClient<'a>,
        start: &'a FlowStart,
    ) -> BoxFuture<'a, Result<String, UpstreamError>>;

    /// Redeems `code` for the claimed sign-in `flow` and returns the verified identity.
    fn finish<'a>(
        &'a self,
        client: &'a UpstreamClient<'a>,
        flow: &'a ClaimedFlow,
        code: &'a str,
    ) -> BoxFuture<'a, Result<UpstreamIdentity, UpstreamError>>;
}
