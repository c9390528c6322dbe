//! The Redis limiter backend: the GCRA as one Lua script (atomic on the server, one key per
//! limit, the server's clock so that nodes with skewed clocks agree).

use std::time::Duration;

use super::{Decision, Quota};
use crate::cache::RedisCache;
use crate::{Error, Result};

/// KEYS[1]: the limit's key. ARGV: interval (ms), period (ms), consume (1/0).
/// Returns {allowed (1/0), retry_after (ms) or remaining}.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if allow_at > now then
  return {0, allow_at - now}
end
local level = tat - now
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now)
  level = new_tat - now
end
return {1, math.floor((period - level) / interval)}
";

/// A limiter answer not received by then counts as an outage (fail open, not hang).
const TIMEOUT: Duration = Duration::from_millis(500);

/// The limiter on the cache's Redis pool and key prefix.
#[derive(Debug, Clone)]
pub struct RedisLimiter {
    cache: RedisCache,
    script: redis::Script,
}

impl RedisLimiter {
    /// A limiter on `cache`'s connections.
    pub fn new(cache: RedisCache) -> Self {
        Self {
            cache,
            script: redis::Script::new(GCRA),
        }
    }

    pub(super) async fn gcra(&self, key: &str, quota: Quota, consume: bool) -> Result<Decision> {
        let interval = super::millis(quota.interval()).max(1);
        let period = super::millis(quota.period).max(interval);
        let run = async {
            let mut conn = self.cache.connection().await?;
            self.script
                .key(self.cache.prefixed(key))
                .arg(interval)
                .arg(period)
                .arg(u8::from(consume))
                .invoke_async::<(i64, i64)>(&mut conn)
                .await
                .map_err(|e| Error::Cache(e.to_string()))
        };
        let (allowed, n) = tokio::time::timeout(TIMEOUT, run)
            .await
            .map_err(|_| Error::Cache("redis did not answer in time".into()))??;
        let n = u64::try_from(n).unwrap_or(0);
        Ok(if allowed == 1 {
            Decision::Allowed {
                remaining: u32::try_from(n).unwrap_or(u32::MAX),
            }
        } else {
            Decision::Limited {
                retry_after: Duration::from_millis(n),
            }
        })
    }
}
