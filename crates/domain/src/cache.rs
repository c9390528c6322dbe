//! The hot-state cache: one interface, three backends (in-process, Redis, Memcached).
//!
//! Used for rate-limit counters, one-time values and revocation marks. A multi-node
//! deployment must use Redis or Memcached so that every node sees the same state; the
//! shared rate limiter needs Redis (Memcached has no server-side scripts).

mod memcached;
mod memory;
mod redis;

use std::time::Duration;

pub use self::memcached::MemcachedCache;
pub use self::memory::MemoryCache;
pub use self::redis::RedisCache;
use crate::Result;

/// The cache, backed in-process, by Redis or by Memcached.
#[derive(Debug, Clone)]
pub enum Cache {
    /// This process only (single node).
    Memory(MemoryCache),
    /// Redis, shared by every node.
    Redis(RedisCache),
    /// Memcached, shared by every node (no scripts: no shared rate limiter).
    Memcached(MemcachedCache),
}

impl Cache {
    /// An in-process cache.
    pub fn memory() -> Self {
        Cache::Memory(MemoryCache::new())
    }

    /// A Redis cache at `url`, checked with a PING; every key is prefixed with `prefix`.
    pub async fn redis(url: &str, prefix: &str) -> Result<Self> {
        Ok(Cache::Redis(RedisCache::connect(url, prefix).await?))
    }

    /// A Memcached cache at `url` (`memcache://host:port`), checked with a VERSION; every
    /// key is prefixed with `prefix`.
    pub async fn memcached(url: &str, prefix: &str) -> Result<Self> {
        Ok(Cache::Memcached(
            MemcachedCache::connect(url, prefix).await?,
        ))
    }

    /// The value under `key`, if present and not expired.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let (backend, found) = match self {
            Cache::Memory(c) => ("memory", Ok(c.get(key))),
            Cache::Redis(c) => ("redis", c.get(key).await),
            Cache::Memcached(c) => ("memcached", c.get(key).await),
        };
        let result = match &found {
            Ok(Some(_)) => "hit",
            Ok(None) => "miss",
            Err(_) => "error",
        };
        metrics::counter!("gatehouse_cache_requests_total", "backend" => backend, "result" => result)
            .increment(1);
        found
    }

    /// Stores `value` under `key` for `ttl`, replacing any value.
    pub async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<()> {
        match self {
            Cache::Memory(c) => {
                c.set(key, value, ttl);
                Ok(())
            }
            Cache::Redis(c) => c.set(key, value, ttl).await,
            Cache::Memcached(c) => c.set(key, value, ttl).await,
        }
    }

    /// Stores `value` only if `key` holds nothing; true when it was stored.
    pub async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool> {
        match self {
            Cache::Memory(c) => Ok(c.set_if_absent(key, value, ttl)),
            Cache::Redis(c) => c.set_if_absent(key, value, ttl).await,
            Cache::Memcached(c) => c.set_if_absent(key, value, ttl).await,
        }
    }

    /// Removes `key`; true when something was removed.
    pub async fn delete(&self, key: &str) -> Result<bool> {
        match self {
            Cache::Memory(c) => Ok(c.delete(key)),
            Cache::Redis(c) => c.delete(key).await,
            Cache::Memcached(c) => c.delete(key).await,
        }
    }

    /// Adds one to the counter under `key` and returns the new value. The first increment
    /// creates the counter with `ttl` (a fixed window); later ones do not extend it.
    pub async fn incr(&self, key: &str, ttl: Duration) -> Result<i64> {
        match self {
            Cache::Memory(c) => Ok(c.incr(key, ttl)),
            Cache::Redis(c) => c.incr(key, ttl).await,
            Cache::Memcached(c) => c.incr(key, ttl).await,
        }
    }

    /// Whether the backend answers.
    pub async fn ping(&self) -> bool {
        match self {
            Cache::Memory(_) => true,
            Cache::Redis(c) => c.ping().await,
            Cache::Memcached(c) => c.ping().await,
        }
    }
}

#[cfg(test)]
mod tests {
    //! One suite, run against every backend (Redis when `GATEHOUSE_TEST_REDIS_URL` is set,
    //! Memcached when `GATEHOUSE_TEST_MEMCACHED_URL` is).

    use super::*;

    async fn suite(cache: Cache) {
        let ns = uuid::Uuid::new_v4().simple().to_string();
        let k = |name: &str| format!("{ns}:{name}");
        let long = Duration::from_secs(60);

        assert_eq!(cache.get(&k("missing")).await.unwrap(), None);
        cache.set(&k("a"), b"1", long).await.unwrap();
        assert_eq!(
            cache.get(&k("a")).await.unwrap().as_deref(),
            Some(&b"1"[..])
        );
        cache.set(&k("a"), b"2", long).await.unwrap();
        assert_eq!(
            cache.get(&k("a")).await.unwrap().as_deref(),
            Some(&b"2"[..])
        );

        assert!(cache.delete(&k("a")).await.unwrap());
        assert!(!cache.delete(&k("a")).await.unwrap());
        assert_eq!(cache.get(&k("a")).await.unwrap(), None);

        assert!(cache.set_if_absent(&k("once"), b"x", long).await.unwrap());
        assert!(!cache.set_if_absent(&k("once"), b"y", long).await.unwrap());
        assert_eq!(
            cache.get(&k("once")).await.unwrap().as_deref(),
            Some(&b"x"[..])
        );

        for expected in 1..=3 {
            assert_eq!(cache.incr(&k("n"), long).await.unwrap(), expected);
        }
        assert_eq!(
            cache.get(&k("n")).await.unwrap().as_deref(),
            Some(&b"3"[..])
        );

        // Expiry: wait on the condition rather than a fixed sleep.
        let short = Duration::from_millis(50);
        cache.set(&k("t"), b"v", short).await.unwrap();
        assert_eq!(cache.incr(&k("w"), short).await.unwrap(), 1);
        assert!(cache.set_if_absent(&k("o"), b"v", short).await.unwrap());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while cache.get(&k("t")).await.unwrap().is_some()
            || cache.get(&k("w")).await.unwrap().is_some()
            || cache.get(&k("o")).await.unwrap().is_some()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "entries never expired"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            cache.incr(&k("w"), long).await.unwrap(),
            1,
            "window restarts"
        );
        assert!(cache.set_if_absent(&k("o"), b"again", long).await.unwrap());

        // Concurrent increments are atomic.
        let key = k("race");
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let cache = cache.clone();
                let key = key.clone();
                tokio::spawn(async move { cache.incr(&key, long).await.unwrap() })
            })
            .collect();
        let mut seen = Vec::new();
        for t in tasks {
            seen.push(t.await.unwrap());
        }
        seen.sort();
        assert_eq!(seen, (1..=50).collect::<Vec<i64>>());
        assert!(cache.ping().await);
    }

    #[tokio::test]
    async fn memory() {
        suite(Cache::memory()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis() {
        let Ok(url) = std::env::var(crate::testing::REDIS_ENV) else {
            crate::testing::skip_or_fail(crate::testing::REDIS_ENV);
            return;
        };
        suite(Cache::redis(&url, "gatehouse-test:").await.unwrap()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn memcached() {
        let Ok(url) = std::env::var(crate::testing::MEMCACHED_ENV) else {
            crate::testing::skip_or_fail(crate::testing::MEMCACHED_ENV);
            return;
        };
        suite(Cache::memcached(&url, "gatehouse-test:").await.unwrap()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn memcached_takes_long_and_spaced_keys() {
        let Ok(url) = std::env::var(crate::testing::MEMCACHED_ENV) else {
            crate::testing::skip_or_fail(crate::testing::MEMCACHED_ENV);
            return;
        };
        let cache = Cache::memcached(&url, "gatehouse-test:").await.unwrap();
        let ns = uuid::Uuid::new_v4().simple().to_string();
        let long = format!("{ns}:{}", "k".repeat(400));
        let spaced = format!("{ns}: a key with spaces\n");
        let ttl = Duration::from_secs(60);
        cache.set(&long, b"long", ttl).await.unwrap();
        cache.set(&spaced, b"spaced", ttl).await.unwrap();
        assert_eq!(
            cache.get(&long).await.unwrap().as_deref(),
            Some(&b"long"[..])
        );
        assert_eq!(
            cache.get(&spaced).await.unwrap().as_deref(),
            Some(&b"spaced"[..])
        );
        assert!(cache.delete(&long).await.unwrap());
        assert_eq!(cache.get(&long).await.unwrap(), None);
    }

    #[tokio::test]
    async fn unreachable_memcached_is_a_clear_error() {
        let err = Cache::memcached("memcache://127.0.0.1:1", "x:")
            .await
            .unwrap_err();
        assert!(err.to_string().starts_with("cache error"), "{err}");
    }

    #[tokio::test]
    async fn unreachable_redis_is_a_clear_error() {
        let err = Cache::redis("redis://127.0.0.1:1/", "x:")
            .await
            .unwrap_err();
        assert!(err.to_string().starts_with("cache error"), "{err}");
    }
}
