//! The Memcached cache backend (async-memcached, pooled with deadpool).
//!
//! Memcached has no server-side scripts, so only the plain operations are offered here:
//! the GCRA rate limiter needs Redis (see `RateLimiter::for_cache`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_memcached::{AsciiProtocol as _, Client, Status};
use deadpool::managed::{self, Metrics, Pool, RecycleError, RecycleResult};
use sha2::{Digest as _, Sha256};

use crate::{Error, Result};

/// Longest key Memcached accepts.
const MAX_KEY: usize = 250;
/// Relative expiry times above this (30 days) are read by Memcached as Unix timestamps.
const MAX_RELATIVE_EXPTIME: u64 = 30 * 24 * 3600;
/// Connections kept per node.
const POOL_SIZE: usize = 16;

/// Opens and checks connections for the pool.
struct Manager {
    /// `tcp://host:port` (or `unix:///path`), the form the client understands.
    dsn: String,
}

impl managed::Manager for Manager {
    type Type = Client;
    type Error = async_memcached::Error;

    async fn create(&self) -> std::result::Result<Client, async_memcached::Error> {
        Client::new(&self.dsn).await
    }

    async fn recycle(
        &self,
        client: &mut Client,
        _: &Metrics,
    ) -> RecycleResult<async_memcached::Error> {
        // A request cancelled half-way leaves the connection unusable: drop it.
        if client.is_closed() {
            return Err(RecycleError::message("connection closed"));
        }
        Ok(())
    }
}

/// A pooled Memcached connection with a key prefix.
#[derive(Clone)]
pub struct MemcachedCache {
    pool: Pool<Manager>,
    prefix: String,
}

impl std::fmt::Debug for MemcachedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemcachedCache")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn cache_err(e: impl std::fmt::Display) -> Error {
    Error::Cache(e.to_string())
}

/// Whether `key` can go to Memcached as it is: printable ASCII without spaces.
fn plain(key: &str) -> bool {
    key.bytes().all(|b| b.is_ascii_graphic())
}

/// The client's address form of a `memcache://host[:port]` (or `tcp://`, `unix://`) URL.
fn dsn(url: &str) -> Result<String> {
    let parsed = url::Url::parse(url)
        .map_err(|e| Error::Cache(format!("memcached URL {url:?} is not a URL: {e}")))?;
    match parsed.scheme() {
        "memcache" | "memcached" | "tcp" => {
            let host = parsed
                .host_str()
                .filter(|h| !h.is_empty())
                .ok_or_else(|| Error::Cache(format!("memcached URL {url:?} has no host")))?;
            let port = parsed.port().unwrap_or(11211);
            Ok(format!("tcp://{host}:{port}"))
        }
        "unix" => Ok(format!("unix://{}", parsed.path())),
        other => Err(Error::Cache(format!(
            "memcached URL scheme {other:?} is not memcache://, tcp:// or unix://"
        ))),
    }
}

/// Memcached's expiry for `ttl`: whole seconds, rounded up and one more, because the
/// server's clock ticks once a second and an entry must live at least its `ttl` (one-time
/// values rely on it); past 30 days it must be an absolute Unix time.
fn exptime(ttl: Duration) -> i64 {
    let secs = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0) + 1;
    let secs = if secs > MAX_RELATIVE_EXPTIME {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        now.saturating_add(secs)
    } else {
        secs
    };
    i64::try_from(secs).unwrap_or(i64::MAX)
}

fn is_status(e: &async_memcached::Error, status: &Status) -> bool {
    matches!(e, async_memcached::Error::Protocol(s) if s == status)
}

impl MemcachedCache {
    /// Builds the pool and checks the server answers.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self> {
        let cache = Self::lazy(url, prefix)?;
        let mut conn = tokio::time::timeout(Duration::from_secs(5), cache.conn())
            .await
            .map_err(|_| Error::Cache(format!("memcached at {url} did not answer")))??;
        conn.version().await.map_err(cache_err)?;
        Ok(cache)
    }

    /// A pool without a first check: connections are made on use.
    pub(crate) fn lazy(url: &str, prefix: &str) -> Result<Self> {
        // Room for a hashed key ('#' and 64 hex digits) after the prefix.
        if !plain(prefix) || prefix.len() > MAX_KEY - 65 {
            return Err(Error::Cache(format!(
                "cache key prefix {prefix:?} must be printable ASCII without spaces, at most {} bytes, for memcached",
                MAX_KEY - 65
            )));
        }
        let pool = Pool::builder(Manager { dsn: dsn(url)? })
            .max_size(POOL_SIZE)
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(cache_err)?;
        Ok(Self {
            pool,
            prefix: prefix.to_owned(),
        })
    }

    async fn conn(&self) -> Result<managed::Object<Manager>> {
        self.pool.get().await.map_err(cache_err)
    }

    /// `key` with the prefix, as Memcached accepts it: a key that is too long, holds
    /// spaces, control or non-ASCII characters (or starts with `#`) is replaced by `#`
    /// and its SHA-256, so two keys never meet.
    pub(crate) fn key(&self, key: &str) -> String {
        if plain(key) && !key.starts_with('#') && self.prefix.len() + key.len() <= MAX_KEY {
            return format!("{}{key}", self.prefix);
        }
        let digest = Sha256::digest(key.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("{}#{hex}", self.prefix)
    }

    pub(super) async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let mut c = self.conn().await?;
        let value = c.get(self.key(key)).await.map_err(cache_err)?;
        Ok(value.map(|v| v.data.unwrap_or_default()))
    }

    pub(super) async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<()> {
        let mut c = self.conn().await?;
        c.set(self.key(key), value, Some(exptime(ttl)), None)
            .await
            .map_err(cache_err)
    }

    pub(super) async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool> {
        let mut c = self.conn().await?;
        add(&mut c, &self.key(key), value, ttl).await
    }

    pub(super) async fn delete(&self, key: &str) -> Result<bool> {
        let mut c = self.conn().await?;
        match c.delete(self.key(key)).await {
            Ok(()) => Ok(true),
            Err(e) if is_status(&e, &Status::NotFound) => Ok(false),
            Err(e) => Err(cache_err(e)),
        }
    }

    /// `add` of 1 (which sets the expiry) when absent, else `incr` (which keeps it): the
    /// window is fixed at the first increment, as with Redis. An entry expiring between
    /// the two commands just sends the loop round again.
    pub(super) async fn incr(&self, key: &str, ttl: Duration) -> Result<i64> {
        let key = self.key(key);
        let mut c = self.conn().await?;
        for _ in 0..5 {
            if add(&mut c, &key, b"1", ttl).await? {
                return Ok(1);
            }
            match c.increment(&key, 1).await {
                Ok(n) => return i64::try_from(n).map_err(cache_err),
                Err(e) if is_status(&e, &Status::NotFound) => {}
                Err(e) => return Err(cache_err(e)),
            }
        }
        Err(Error::Cache(
            "memcached counter kept vanishing between add and incr".into(),
        ))
    }

    pub(super) async fn ping(&self) -> bool {
        let Ok(mut c) = self.conn().await else {
            return false;
        };
        c.version().await.is_ok()
    }
}

/// Memcached `add`: stores only when absent; true when stored.
async fn add(c: &mut Client, key: &str, value: &[u8], ttl: Duration) -> Result<bool> {
    match c.add(key, value, Some(exptime(ttl)), None).await {
        Ok(()) => Ok(true),
        Err(e) if is_status(&e, &Status::NotStored) => Ok(false),
        Err(e) => Err(cache_err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_client_addresses() {
        assert_eq!(
            dsn("memcache://127.0.0.1:11211").unwrap(),
            "tcp://127.0.0.1:11211"
        );
        assert_eq!(dsn("memcache://cache").unwrap(), "tcp://cache:11211");
        assert!(dsn("redis://127.0.0.1:6379").is_err());
        assert!(dsn("not a url").is_err());
    }

    #[test]
    fn expiry_is_never_shorter_than_asked() {
        assert_eq!(exptime(Duration::from_millis(50)), 2);
        assert_eq!(exptime(Duration::from_secs(60)), 61);
        let far = exptime(Duration::from_secs(MAX_RELATIVE_EXPTIME * 2));
        assert!(far > 1_000_000_000, "absolute time past 30 days: {far}");
    }

    #[test]
    fn awkward_keys_are_hashed_and_distinct() {
        let c = MemcachedCache::lazy("memcache://127.0.0.1:1", "p:").unwrap();
        assert_eq!(c.key("rl:a:b"), "p:rl:a:b");
        let spaced = c.key("a b");
        let long = c.key(&"x".repeat(300));
        for k in [&spaced, &long] {
            assert!(k.len() <= MAX_KEY && plain(k), "{k}");
        }
        assert_ne!(spaced, long);
        assert_ne!(c.key("#x"), "p:#x", "keys that look hashed are hashed too");
        assert!(MemcachedCache::lazy("memcache://127.0.0.1:1", "has space").is_err());
    }
}
