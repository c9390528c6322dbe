//! Gatehouse domain: the rules of users, credentials, roles, clients, signing keys and audit
//! events, and their storage (sea-orm on SQLite or PostgreSQL), plus the hot-state cache.

pub mod admin;
pub mod apikeys;
pub mod audit;
pub mod authorization;
pub mod cache;
pub mod captcha;
pub mod clients;
pub mod consents;
pub mod credentials;
pub mod entities;
pub mod error;
pub mod events;
pub mod federation;
pub mod grants;
pub mod groups;
pub mod keys;
pub mod mail;
pub mod net;
pub mod policies;
pub mod purge;
pub mod random;
pub mod ratelimit;
pub mod roles;
pub mod secrets;
pub mod service_accounts;
pub mod sessions;
pub mod signin_rules;
pub mod store;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod users;

#[cfg(test)]
mod parsers_props;

pub use error::{Error, Result};
pub use store::Store;

/// The current time in UTC, truncated to microseconds so that values read back from
/// PostgreSQL compare equal to the values written.
pub fn now() -> time::OffsetDateTime {
    let t = time::OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}
