//! A client's public keys: its registered `jwks`, or the set published at its `jwks_uri`,
//! fetched through the SSRF guard with size and time limits, kept for a while, and fetched
//! again when an assertion names a key the kept set does not have (the client rotated its
//! keys), at most once per [`REFRESH_INTERVAL`] so that nobody can make us hammer a URL.
//! Also fetches other documents clients publish by URL (request objects) the same way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::Client;
use crate::events::ssrf::{self, GuardedResolver};
use crate::{Error, Result};

/// Largest document fetched from a client's URL.
pub const MAX_FETCH_BYTES: usize = 64 * 1024;
/// Longest a fetch from a client's URL may take, connection included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a fetched key set is used before it is fetched again.
pub const JWKS_CACHE_TTL: Duration = Duration::from_secs(300);
/// Shortest time between two fetches of one client's key set for the same reason (stale,
/// or a `kid` it lacks).
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(10);

/// One JSON Web Key, as published.
pub type Jwk = Map<String, Value>;

/// Why a client's keys or document could not be had.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The client registered neither `jwks` nor `jwks_uri`.
    #[error("the client registered no keys")]
    NoKeys,
    /// The URL is not one we fetch (scheme, credentials, internal address).
    #[error("{0}")]
    Refused(String),
    /// The fetch failed (network, status, timeout, size).
    #[error("fetching {origin} failed: {why}")]
    Failed {
        /// Scheme, host and port of the URL (its path may carry a token).
        origin: String,
        /// What went wrong.
        why: String,
    },
    /// The document is not what it should be.
    #[error("malformed document: {0}")]
    Malformed(String),
}

/// A key set fetched from a `jwks_uri`.
#[derive(Debug)]
struct Entry {
    /// When the keys were last fetched successfully (none: never).
    fetched: Option<Instant>,
    /// When a fetch was last tried, successful or not.
    tried: Instant,
    /// When a fetch was last made for a `kid` the set did not have.
    forced: Option<Instant>,
    keys: Arc<Vec<Jwk>>,
}

/// Resolves clients' keys; cheap to clone (the cache is shared).
#[derive(Debug, Clone)]
pub struct ClientKeys {
    http: reqwest::Client,
    allow_private: bool,
    // By client, jwks_uri and last change: a changed client starts afresh.
    cache: Arc<Mutex<HashMap<String, Entry>>>,
}

impl ClientKeys {
    /// Builds the fetcher; `allow_private` lets it reach loopback and private addresses
    /// over plain http (tests and development only).
    pub fn new(allow_private: bool) -> Result<Self> {
        let http = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            .user_agent(concat!("Gatehouse/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Task(format!("cannot build the client key fetcher: {e}")))?;
        Ok(Self {
            http,
            allow_private,
            cache: Arc::default(),
        })
    }

    /// The client's keys that may have signed a JWT whose header names `kid` (every key
    /// when it names none; keys without a `kid` always).
    pub async fn keys(
        &self,
        client: &Client,
        kid: Option<&str>,
    ) -> std::result::Result<Vec<Jwk>, FetchError> {
        let meta = &client.metadata;
        if let Some(jwks) = &meta.jwks {
            return Ok(matching(&parse_set(jwks)?, kid));
        }
        let Some(uri) = &meta.jwks_uri else {
            return Err(FetchError::NoKeys);
        };
        let key = format!(
            "{}\n{uri}\n{}",
            client.client_id,
            client.updated_at.unix_timestamp_nanos()
        );
        let (kept, due, forced) = {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            match cache.get(&key) {
                None => (None, true, None),
                Some(e) => {
                    let stale = e.fetched.is_none_or(|f| f.elapsed() >= JWKS_CACHE_TTL)
                        && e.tried.elapsed() >= REFRESH_INTERVAL;
                    // The client rotated its keys: fetch again, but not more often than
                    // every REFRESH_INTERVAL whatever kids the requests name.
                    let unknown = kid.is_some_and(|kid| !has_kid(&e.keys, kid))
                        && e.forced.is_none_or(|f| f.elapsed() >= REFRESH_INTERVAL);
                    let forced = if unknown {
                        Some(Instant::now())
                    } else {
                        e.forced
                    };
                    (Some(e.keys.clone()), stale || unknown, forced)
                }
            }
        };
        let keys = match (kept, due) {
            (Some(keys), false) => keys,
            (kept, _) => self.refresh(client, uri, &key, kept, forced).await?,
        };
        Ok(matching(&keys, kid))
    }

    /// Fetches the set at `uri` and keeps it; on failure keeps using `kept` (if any) and
    /// waits [`REFRESH_INTERVAL`] before the next try.
    async fn refresh(
        &self,
        client: &Client,
        uri: &str,
        key: &str,
        kept: Option<Arc<Vec<Jwk>>>,
        forced: Option<Instant>,
    ) -> std::result::Result<Arc<Vec<Jwk>>, FetchError> {
        let fetched = match self.fetch(uri).await {
            Ok(body) => serde_json::from_slice::<Value>(&body)
                .map_err(|e| FetchError::Malformed(format!("the key set is not JSON: {e}")))
                .and_then(|v| parse_set(&v)),
            Err(e) => Err(e),
        };
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        // Entries of this client's earlier settings go.
        let prefix = format!("{}\n", client.client_id);
        cache.retain(|k, _| !k.starts_with(&prefix) || k == key);
        let previous_fetch = cache.get(key).and_then(|e| e.fetched);
        match fetched {
            Ok(keys) => {
                let keys = Arc::new(keys);
                cache.insert(
                    key.to_owned(),
                    Entry {
                        fetched: Some(Instant::now()),
                        tried: Instant::now(),
                        forced,
                        keys: keys.clone(),
                    },
                );
                Ok(keys)
            }
            Err(e) => {
                tracing::warn!(client_id = %client.client_id, error = %e, "cannot fetch the client's jwks_uri");
                let keys = kept.clone().unwrap_or_default();
                cache.insert(
                    key.to_owned(),
                    Entry {
                        fetched: previous_fetch,
                        tried: Instant::now(),
                        forced,
                        keys,
                    },
                );
                kept.ok_or(e)
            }
        }
    }

    /// GETs a document a client publishes (https; http and internal addresses only when
    /// private addresses are allowed), at most [`MAX_FETCH_BYTES`] within
    /// [`FETCH_TIMEOUT`], without following redirects.
    pub async fn fetch(&self, uri: &str) -> std::result::Result<Vec<u8>, FetchError> {
        let https = uri
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        if !https && !self.allow_private {
            return Err(FetchError::Refused("the URL must be https".into()));
        }
        let url = ssrf::check_url(uri, self.allow_private).map_err(|e| match e {
            Error::Invalid { reason, .. } => FetchError::Refused(reason),
            other => FetchError::Refused(other.to_string()),
        })?;
        let origin = url.origin().ascii_serialization();
        let failed = |why: String| FetchError::Failed {
            origin: origin.clone(),
            why,
        };
        let mut res = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| failed(error_chain(&e)))?;
        if res.status() != reqwest::StatusCode::OK {
            return Err(failed(format!("answered HTTP {}", res.status().as_u16())));
        }
        if res
            .content_length()
            .is_some_and(|n| n > MAX_FETCH_BYTES as u64)
        {
            return Err(failed("the document is larger than 64 KiB".into()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| failed(error_chain(&e)))? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_FETCH_BYTES {
                return Err(failed("the document is larger than 64 KiB".into()));
            }
        }
        Ok(body)
    }
}

/// The keys of a JWK Set document.
fn parse_set(set: &Value) -> std::result::Result<Vec<Jwk>, FetchError> {
    set.get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| FetchError::Malformed("not a JWK Set (no \"keys\" array)".into()))
        .map(|keys| keys.iter().filter_map(|k| k.as_object().cloned()).collect())
}

/// Whether a key of the set has exactly this `kid`.
fn has_kid(keys: &[Jwk], kid: &str) -> bool {
    keys.iter()
        .any(|k| k.get("kid").and_then(Value::as_str) == Some(kid))
}

/// The keys that may be the one named `kid`: those with this `kid` and those without any
/// (a `kid` is only a hint, RFC 7515 4.1.4); all of them when there is no `kid`.
fn matching(keys: &[Jwk], kid: Option<&str>) -> Vec<Jwk> {
    keys.iter()
        .filter(|k| match (kid, k.get("kid").and_then(Value::as_str)) {
            (Some(wanted), Some(has)) => wanted == has,
            _ => true,
        })
        .cloned()
        .collect()
}

/// An error and its causes in one line (reqwest hides the useful part in the sources).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_picked_by_kid_or_all_without_one() {
        let set = json!({"keys": [
            {"kty": "EC", "kid": "a"},
            {"kty": "EC", "kid": "b"},
            "not an object",
        ]});
        let keys = parse_set(&set).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(matching(&keys, Some("b")).len(), 1);
        assert!(matching(&keys, Some("c")).is_empty());
        assert_eq!(matching(&keys, None).len(), 2);
        let anonymous =
            parse_set(&json!({"keys": [{"kty": "EC"}, {"kty": "EC", "kid": "a"}]})).unwrap();
        assert_eq!(
            matching(&anonymous, Some("z")).len(),
            1,
            "a key without kid may be any"
        );
        assert!(parse_set(&json!([{"kty": "EC"}])).is_err());
    }

    #[tokio::test]
    async fn internal_and_plain_http_urls_are_not_fetched_unless_allowed() {
        let keys = ClientKeys::new(false).unwrap();
        for uri in [
            "http://rp.example/jwks",
            "https://127.0.0.1/jwks",
            "https://169.254.169.254/latest/meta-data",
            "https://user:pw@rp.example/jwks",
            "file:///etc/passwd",
        ] {
            assert!(
                matches!(keys.fetch(uri).await, Err(FetchError::Refused(_))),
                "{uri}"
            );
        }
    }
}
