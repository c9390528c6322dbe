//! The Redis cache backend: one multiplexed connection per node (`ConnectionManager`), which
//! pipelines every request on it and reconnects by itself after an outage. (A pool would
//! check each connection it hands out with a PING: one more round trip per request.)

use std::time::Duration;

use redis::AsyncCommands as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// The shared connection; clones are cheap and use the same one.
type Connection = ConnectionManager;

use crate::{Error, Result};

/// INCR that sets the expiry only when it creates the key: atomic on the server.
const INCR_WITH_TTL: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
";

/// A pooled Redis connection with a key prefix.
#[derive(Clone)]
pub struct RedisCache {
    manager: ConnectionManager,
    prefix: String,
    incr_script: redis::Script,
}

impl std::fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCache")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn cache_err(e: impl std::fmt::Display) -> Error {
    Error::Cache(e.to_string())
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl RedisCache {
    /// Connects and checks the server answers.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self> {
        let cache = Self::lazy(url, prefix)?;
        let mut conn = cache.conn().await?;
        let ping = redis::cmd("PING");
        tokio::time::timeout(
            Duration::from_secs(5),
            ping.query_async::<String>(&mut conn),
        )
        .await
        .map_err(|_| Error::Cache(format!("redis at {} did not answer", redacted(url))))?
        .map_err(cache_err)?;
        Ok(cache)
    }

    /// A cache whose connection is made on first use.
    pub(crate) fn lazy(url: &str, prefix: &str) -> Result<Self> {
        let client = redis::Client::open(url).map_err(cache_err)?;
        // While Redis is away a request fails within these bounds instead of waiting; the
        // manager reconnects in the background, with back-off, when the next request comes.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(1));
        let manager = ConnectionManager::new_lazy_with_config(client, config).map_err(cache_err)?;
        Ok(Self {
            manager,
            prefix: prefix.to_owned(),
            incr_script: redis::Script::new(INCR_WITH_TTL),
        })
    }

    async fn conn(&self) -> Result<Connection> {
        Ok(self.manager.clone())
    }

    /// The shared connection (for the rate limiter's script).
    pub(crate) async fn connection(&self) -> Result<Connection> {
        self.conn().await
    }

    /// `key` with this cache's prefix.
    pub(crate) fn prefixed(&self, key: &str) -> String {
        self.key(key)
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    pub(super) async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let mut c = self.conn().await?;
        c.get(self.key(key)).await.map_err(cache_err)
    }

    pub(super) async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<()> {
        let mut c = self.conn().await?;
        redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("PX")
            .arg(millis(ttl))
            .query_async::<()>(&mut c)
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
        let reply: Option<String> = redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl))
            .query_async(&mut c)
            .await
            .map_err(cache_err)?;
        Ok(reply.is_some())
    }

    pub(super) async fn delete(&self, key: &str) -> Result<bool> {
        let mut c = self.conn().await?;
        let n: i64 = c.del(self.key(key)).await.map_err(cache_err)?;
        Ok(n > 0)
    }

    pub(super) async fn incr(&self, key: &str, ttl: Duration) -> Result<i64> {
        let mut c = self.conn().await?;
        self.incr_script
            .key(self.key(key))
            .arg(millis(ttl))
            .invoke_async(&mut c)
            .await
            .map_err(cache_err)
    }

    pub(super) async fn ping(&self) -> bool {
        let Ok(mut c) = self.conn().await else {
            return false;
        };
        redis::cmd("PING")
            .query_async::<String>(&mut c)
            .await
            .is_ok()
    }
}

/// The URL without its password, for messages.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(unparseable URL)".to_owned(),
    }
}
