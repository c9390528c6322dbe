//! An upstream's provider metadata and signing keys: fetched from its discovery document (the
//! configured endpoint overrides applied on top), kept for a while, and the keys fetched
//! again when an ID token names a key the cached set does not have (key rotation).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::federation::{Upstream, UpstreamError};
use openidconnect::core::{CoreJsonWebKeySet, CoreProviderMetadata};
use openidconnect::{AuthUrl, JsonWebKeySetUrl, TokenUrl, UserInfoUrl};

use crate::http::Http;

/// What is known of one upstream.
#[derive(Debug)]
pub(crate) struct Provider {
    /// Metadata with the overrides applied and the key set filled in.
    pub(crate) metadata: CoreProviderMetadata,
    fetched: Instant,
}

/// The cache of providers, by upstream (and its last change: a changed upstream is
/// discovered again).
#[derive(Debug)]
pub(crate) struct Discovery {
    http: Http,
    ttl: Duration,
    cache: Mutex<HashMap<String, Arc<Provider>>>,
}

fn key(up: &Upstream) -> String {
    format!("{}@{}", up.id, up.updated_at.unix_timestamp_nanos())
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> UpstreamError {
    UpstreamError::Unavailable(format!("{what}: {e}"))
}

impl Discovery {
    pub(crate) fn new(http: Http, ttl: Duration) -> Self {
        Self {
            http,
            ttl,
            cache: Mutex::default(),
        }
    }

    fn cached(&self, up: &Upstream) -> Option<Arc<Provider>> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(&key(up))
            .filter(|p| p.fetched.elapsed() < self.ttl)
            .cloned()
    }

    fn store(&self, up: &Upstream, provider: Provider) -> Arc<Provider> {
        let provider = Arc::new(provider);
        if let Ok(mut cache) = self.cache.lock() {
            // Entries of this upstream's earlier configurations go.
            cache.retain(|k, _| !k.starts_with(&format!("{}@", up.id)));
            cache.insert(key(up), provider.clone());
        }
        provider
    }

    /// The upstream's provider: from the cache, or discovered now.
    pub(crate) async fn provider(&self, up: &Upstream) -> Result<Arc<Provider>, UpstreamError> {
        if let Some(p) = self.cached(up) {
            return Ok(p);
        }
        let metadata = self.discover(up).await?;
        let jwks = self.fetch_jwks(metadata.jwks_uri()).await?;
        Ok(self.store(
            up,
            Provider {
                metadata: metadata.set_jwks(jwks),
                fetched: Instant::now(),
            },
        ))
    }

    /// The provider with its signing keys fetched again (an ID token named a key the cached
    /// set does not have).
    pub(crate) async fn refresh_keys(
        &self,
        up: &Upstream,
        stale: &Provider,
    ) -> Result<Arc<Provider>, UpstreamError> {
        let jwks = self.fetch_jwks(stale.metadata.jwks_uri()).await?;
        Ok(self.store(
            up,
            Provider {
                metadata: stale.metadata.clone().set_jwks(jwks),
                fetched: stale.fetched,
            },
        ))
    }

    async fn fetch_jwks(&self, url: &JsonWebKeySetUrl) -> Result<CoreJsonWebKeySet, UpstreamError> {
        CoreJsonWebKeySet::fetch_async(url, &self.http)
            .await
            .map_err(|e| {
                unavailable(
                    &format!("signing keys at {}", url.as_str()),
                    error_chain(&e),
                )
            })
    }

    /// Fetches `{issuer}/.well-known/openid-configuration`, checks that it names the issuer
    /// exactly, and applies the configured endpoint overrides. A multi-tenant issuer
    /// (Microsoft's `{tenantid}`) is discovered at its configured tenant (default `common`),
    /// whose document names the template or that tenant's issuer.
    async fn discover(&self, up: &Upstream) -> Result<CoreProviderMetadata, UpstreamError> {
        let issuer = crate::entra::discovery_issuer(up);
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let request = openidconnect::http::Request::builder()
            .method(openidconnect::http::Method::GET)
            .uri(&url)
            .header(openidconnect::http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .map_err(|e| unavailable(&url, e))?;
        let res = self
            .http
            .send(request)
            .await
            .map_err(|e| unavailable("discovery", e))?;
        if res.status() != openidconnect::http::StatusCode::OK {
            return Err(unavailable(
                &url,
                format!("answered HTTP {}", res.status().as_u16()),
            ));
        }
        let metadata: CoreProviderMetadata = serde_json::from_slice(res.body())
            .map_err(|e| unavailable(&format!("discovery document {url}"), e))?;
        if !up.issuer_matches(metadata.issuer().as_str()) {
            return Err(UpstreamError::Unavailable(format!(
                "the discovery document names the issuer {}, not {}",
                metadata.issuer().as_str(),
                up.issuer
            )));
        }
        apply_overrides(metadata, up)
    }
}

fn apply_overrides(
    mut metadata: CoreProviderMetadata,
    up: &Upstream,
) -> Result<CoreProviderMetadata, UpstreamError> {
    let bad = |field: &str, e: url::ParseError| {
        UpstreamError::Unavailable(format!("the {field} override is not a URL: {e}"))
    };
    let e = &up.endpoints;
    if let Some(u) = &e.authorization {
        metadata = metadata.set_authorization_endpoint(
            AuthUrl::new(u.clone()).map_err(|e| bad("authorization", e))?,
        );
    }
    if let Some(u) = &e.token {
        metadata = metadata
            .set_token_endpoint(Some(TokenUrl::new(u.clone()).map_err(|e| bad("token", e))?));
    }
    if let Some(u) = &e.userinfo {
        metadata = metadata.set_userinfo_endpoint(Some(
            UserInfoUrl::new(u.clone()).map_err(|e| bad("userinfo", e))?,
        ));
    }
    if let Some(u) = &e.jwks {
        metadata =
            metadata.set_jwks_uri(JsonWebKeySetUrl::new(u.clone()).map_err(|e| bad("jwks", e))?);
    }
    Ok(metadata)
}

/// An error with its sources, for logs and audit reasons.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
