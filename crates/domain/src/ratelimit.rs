//! One rate limiter for every limit Gatehouse keeps: a GCRA (generic cell rate algorithm,
//! the "leaky bucket as a meter") per bucket and key, held in-process on a single node or in
//! Redis when the cache is Redis, so that every node counts against the same budget.
//!
//! A limit of `limit` per `period` allows a burst of `limit` requests, then one every
//! `period / limit`. When Redis cannot be reached the limiter lets requests through and
//! logs: limits slow attackers down, while the lockouts kept in the database still hold.

mod memory;
mod redis;

use std::time::Duration;

use sha2::{Digest as _, Sha256};

pub use self::memory::MemoryLimiter;
pub use self::redis::RedisLimiter;
use crate::Result;
use crate::cache::Cache;

/// A budget: `limit` requests per `period` (0: no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Requests allowed in a burst, and per period on average.
    pub limit: u32,
    /// The period the budget refills over.
    pub period: Duration,
}

impl Quota {
    /// `limit` requests per `period`.
    pub const fn new(limit: u32, period: Duration) -> Self {
        Self { limit, period }
    }

    /// Whether this quota limits nothing.
    pub fn is_off(&self) -> bool {
        self.limit == 0 || self.period.is_zero()
    }

    /// The time one request occupies: `period / limit`.
    fn interval(&self) -> Duration {
        self.period / self.limit.max(1)
    }
}

/// The answer of the limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Within the budget; `remaining` more requests would be allowed right now.
    Allowed {
        /// Requests left in the budget at this moment.
        remaining: u32,
    },
    /// Over the budget: try again after `retry_after`.
    Limited {
        /// How long until one more request is allowed.
        retry_after: Duration,
    },
}

impl Decision {
    /// Whether the request may go ahead.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }

    /// `Retry-After` in whole seconds (at least 1) when limited.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Decision::Allowed { .. } => None,
            Decision::Limited { retry_after } => Some(retry_secs(*retry_after)),
        }
    }
}

/// Whole seconds, rounded up, at least one (the unit of `Retry-After`).
pub fn retry_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0).max(u64::from(d.is_zero()))
}

/// Bucket names (the first part of each limit's key).
pub mod bucket {
    /// Failed client authentications per client_id.
    pub const CLIENT_AUTH_CLIENT: &str = "client-auth-client";
    /// Failed client authentications per IP address.
    pub const CLIENT_AUTH_IP: &str = "client-auth-ip";
    /// Password sign-ins per IP address.
    pub const PASSWORD_IP: &str = "password-ip";
    /// Password sign-ins per normalised address.
    pub const PASSWORD_ACCOUNT: &str = "password-account";
    /// Password sign-ins per IP address and normalised address.
    pub const PASSWORD_IP_ACCOUNT: &str = "password-ip-account";
    /// Mail-triggering requests per IP address (key: kind and IP).
    pub const MAIL_IP: &str = "mail-ip";
    /// Mail-triggering requests per address (key: kind and address).
    pub const MAIL_ADDRESS: &str = "mail-address";
    /// Code guesses per account (key: user id).
    pub const CODE_ACCOUNT: &str = "code-account";
    /// `/authorize` per IP address.
    pub const AUTHORIZE_IP: &str = "authorize-ip";
    /// Requests per principal under its role budget (key: the principal's `sub`).
    pub const ROLE_PRINCIPAL: &str = "role-principal";
    /// Requests per API key under the key's own limit (key: the key id).
    pub const API_KEY: &str = "api-key";
    /// User codes entered on `/device` per IP address.
    pub const DEVICE_CODE_IP: &str = "device-code-ip";
    /// User codes entered on `/device` per browser session (key: the session id).
    pub const DEVICE_CODE_SESSION: &str = "device-code-session";
    /// Dynamic client registrations per IP address.
    pub const REGISTRATION_IP: &str = "registration-ip";
}

/// Every limit Gatehouse applies, built once from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Failed client authentications per client_id.
    pub client_auth_per_client: Quota,
    /// Failed client authentications per IP address.
    pub client_auth_per_ip: Quota,
    /// Password sign-ins per IP address.
    pub password_per_ip: Quota,
    /// Password sign-ins per account (typed address, whether an account has it or not).
    pub password_per_account: Quota,
    /// Password sign-ins per IP address and account.
    pub password_per_ip_account: Quota,
    /// Longest delay before a sign-in is answered, reached as the (IP, account) budget runs out.
    pub password_max_delay: Duration,
    /// Mail-triggering requests per IP address and kind of mail.
    pub mail_per_ip: Quota,
    /// Mail-triggering requests per address and kind of mail.
    pub mail_per_address: Quota,
    /// Code guesses per account.
    pub code_guesses_per_account: Quota,
    /// Wrong codes that lock the account, and for how long.
    pub code_lockout: crate::users::LockoutPolicy,
    /// `/authorize` per IP address.
    pub authorize_per_ip: Quota,
    /// User codes entered on `/device` per IP address.
    pub device_codes_per_ip: Quota,
    /// User codes entered on `/device` per browser session.
    pub device_codes_per_session: Quota,
    /// Dynamic client registration requests per IP address.
    pub registrations_per_ip: Quota,
}

/// The progressive delay of a sign-in: nothing while at least half of `quota` is left, then
/// growing linearly to `max` as the rest is used up.
pub fn progressive_delay(decision: Decision, quota: Quota, max: Duration) -> Duration {
    let Decision::Allowed { remaining } = decision else {
        return Duration::ZERO;
    };
    if quota.is_off() || max.is_zero() {
        return Duration::ZERO;
    }
    let half = (quota.limit / 2).max(1);
    if remaining >= half {
        return Duration::ZERO;
    }
    max.mul_f64(f64::from(half - remaining) / f64::from(half))
}

/// The limiter, backed in-process or by Redis.
#[derive(Debug, Clone)]
pub enum RateLimiter {
    /// This process only (single node).
    Memory(MemoryLimiter),
    /// Redis, shared by every node.
    Redis(RedisLimiter),
}

impl RateLimiter {
    /// The limiter that goes with `cache`: in-process for the in-process cache, Redis (the
    /// same pool and key prefix) for Redis. Memcached cannot run GCRA atomically (no
    /// scripts), so it gets an in-process limiter: the configuration refuses
    /// `[rate_limit]` limits with Memcached, and what remains (per-API-key budgets) is
    /// counted per node.
    pub fn for_cache(cache: &Cache) -> Self {
        match cache {
            Cache::Memory(_) | Cache::Memcached(_) => Self::memory(),
            Cache::Redis(c) => RateLimiter::Redis(RedisLimiter::new(c.clone())),
        }
    }

    /// An in-process limiter.
    pub fn memory() -> Self {
        RateLimiter::Memory(MemoryLimiter::new())
    }

    /// A Redis limiter at `url` whose server is not checked first (connections are made on
    /// use): for tests of an unreachable server.
    pub fn redis_unchecked(url: &str, prefix: &str) -> Result<Self> {
        Ok(RateLimiter::Redis(RedisLimiter::new(
            crate::cache::RedisCache::lazy(url, prefix)?,
        )))
    }

    /// Counts one request of `key` in `bucket` against `quota` when the budget allows it.
    /// A limited request is not counted.
    pub async fn check(&self, bucket: &str, key: &str, quota: Quota) -> Decision {
        self.run(bucket, key, quota, true).await
    }

    /// Whether one more request of `key` in `bucket` would be allowed, without counting it
    /// (for limits on failures: look first, count the failure afterwards).
    pub async fn peek(&self, bucket: &str, key: &str, quota: Quota) -> Decision {
        self.run(bucket, key, quota, false).await
    }

    async fn run(&self, bucket: &str, key: &str, quota: Quota, consume: bool) -> Decision {
        if quota.is_off() {
            return Decision::Allowed {
                remaining: u32::MAX,
            };
        }
        let key = storage_key(bucket, key);
        let decision = match self {
            RateLimiter::Memory(m) => m.gcra(&key, quota, consume),
            RateLimiter::Redis(r) => match r.gcra(&key, quota, consume).await {
                Ok(d) => d,
                Err(e) => {
                    // Fail open: a cache outage must not lock everybody out.
                    tracing::warn!(error = %e, bucket, "rate limiter unavailable: request allowed");
                    Decision::Allowed { remaining: 0 }
                }
            },
        };
        if matches!(decision, Decision::Limited { .. }) {
            metrics::counter!("gatehouse_rate_limited_total", "bucket" => bucket.to_owned())
                .increment(1);
        }
        decision
    }
}

/// `rl:<bucket>:<hash of key>`: fixed length, and no addresses or IPs in the cache.
fn storage_key(bucket: &str, key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut hex = String::with_capacity(32);
    for b in &digest[..16] {
        hex.push_str(&format!("{b:02x}"));
    }
    format!("rl:{bucket}:{hex}")
}

/// The GCRA step shared by both backends, in milliseconds. `tat` is the stored theoretical
/// arrival time (`None`: nothing stored); returns the decision and the new `tat` to store
/// (`None`: leave it).
fn gcra_step(now: u64, tat: Option<u64>, quota: Quota, consume: bool) -> (Decision, Option<u64>) {
    let interval = millis(quota.interval()).max(1);
    let period = millis(quota.period).max(interval);
    let tat = tat.unwrap_or(now).max(now);
    let new_tat = tat + interval;
    let allow_at = new_tat.saturating_sub(period);
    if allow_at > now {
        let retry_after = Duration::from_millis(allow_at - now);
        return (Decision::Limited { retry_after }, None);
    }
    let level = if consume { new_tat } else { tat } - now;
    let remaining = u32::try_from((period - level) / interval).unwrap_or(u32::MAX);
    (Decision::Allowed { remaining }, consume.then_some(new_tat))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    //! One suite, run against both backends (Redis when `GATEHOUSE_TEST_REDIS_URL` is set).

    use super::*;

    async fn suite(limiter: RateLimiter) {
        let ns = uuid::Uuid::new_v4().simple().to_string();
        let q = Quota::new(3, Duration::from_secs(60));
        // Peeking counts nothing.
        for _ in 0..5 {
            assert!(limiter.peek("t", &ns, q).await.is_allowed());
        }
        for left in [2, 1, 0] {
            assert_eq!(
                limiter.check("t", &ns, q).await,
                Decision::Allowed { remaining: left }
            );
        }
        let refused = limiter.check("t", &ns, q).await;
        let Decision::Limited { retry_after } = refused else {
            panic!("fourth request allowed: {refused:?}");
        };
        assert!(retry_after <= Duration::from_secs(20), "{retry_after:?}");
        assert!(retry_after > Duration::from_secs(15), "{retry_after:?}");
        assert!(!limiter.peek("t", &ns, q).await.is_allowed());
        // Other keys and other buckets have their own budget.
        assert!(
            limiter
                .check("t", &format!("{ns}-other"), q)
                .await
                .is_allowed()
        );
        assert!(limiter.check("u", &ns, q).await.is_allowed());
        // A quota of 0 is no limit.
        assert!(
            limiter
                .check("t", &ns, Quota::new(0, Duration::from_secs(1)))
                .await
                .is_allowed()
        );

        // The budget refills: wait on the condition, not a fixed time.
        let fast = Quota::new(2, Duration::from_millis(200));
        let key = format!("{ns}-fast");
        assert!(limiter.check("t", &key, fast).await.is_allowed());
        assert!(limiter.check("t", &key, fast).await.is_allowed());
        assert!(!limiter.check("t", &key, fast).await.is_allowed());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while !limiter.check("t", &key, fast).await.is_allowed() {
            assert!(tokio::time::Instant::now() < deadline, "never refilled");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        // Concurrent requests never exceed the budget.
        let key = format!("{ns}-race");
        let q = Quota::new(10, Duration::from_secs(60));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let limiter = limiter.clone();
                let key = key.clone();
                tokio::spawn(async move { limiter.check("race", &key, q).await.is_allowed() })
            })
            .collect();
        let mut allowed = 0;
        for t in tasks {
            allowed += usize::from(t.await.unwrap());
        }
        assert_eq!(allowed, 10);
    }

    #[tokio::test]
    async fn memory() {
        suite(RateLimiter::memory()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis() {
        let Ok(url) = std::env::var(crate::testing::REDIS_ENV) else {
            crate::testing::skip_or_fail(crate::testing::REDIS_ENV);
            return;
        };
        let cache = Cache::redis(&url, "gatehouse-test:").await.unwrap();
        suite(RateLimiter::for_cache(&cache)).await;
    }

    #[tokio::test]
    async fn redis_limits_are_shared_by_two_limiters() {
        let Ok(url) = std::env::var(crate::testing::REDIS_ENV) else {
            crate::testing::skip_or_fail(crate::testing::REDIS_ENV);
            return;
        };
        let a = RateLimiter::for_cache(&Cache::redis(&url, "gatehouse-test:").await.unwrap());
        let b = RateLimiter::for_cache(&Cache::redis(&url, "gatehouse-test:").await.unwrap());
        let key = uuid::Uuid::new_v4().to_string();
        let q = Quota::new(2, Duration::from_secs(60));
        assert!(a.check("shared", &key, q).await.is_allowed());
        assert!(b.check("shared", &key, q).await.is_allowed());
        assert!(!a.check("shared", &key, q).await.is_allowed());
        assert!(!b.check("shared", &key, q).await.is_allowed());
    }

    #[tokio::test]
    async fn unreachable_redis_fails_open() {
        let limiter = RateLimiter::redis_unchecked("redis://127.0.0.1:1/", "x:").unwrap();
        let q = Quota::new(1, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(limiter.check("t", "k", q).await.is_allowed());
        }
    }

    #[test]
    fn the_delay_grows_as_the_budget_runs_out() {
        let q = Quota::new(10, Duration::from_secs(60));
        let max = Duration::from_secs(2);
        let at = |remaining| progressive_delay(Decision::Allowed { remaining }, q, max);
        assert_eq!(at(9), Duration::ZERO);
        assert_eq!(at(5), Duration::ZERO);
        assert!(at(4) > Duration::ZERO);
        assert!(at(1) > at(3));
        assert_eq!(at(0), max);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_secs(Duration::from_millis(1000)), 1);
        assert_eq!(retry_secs(Duration::from_millis(1001)), 2);
        assert_eq!(retry_secs(Duration::ZERO), 1);
    }
}
