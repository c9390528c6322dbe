//! `[webhooks]` and `[events]`: signed webhooks and the brokers events are published to.

use serde::{Deserialize, Serialize};

use super::{Config, ConfigError};

/// `[webhooks]`: delivery of signed webhooks.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhooksConfig {
    /// Allow plain http and loopback, private, link-local and other internal addresses
    /// (tests and development only: it opens the server to SSRF by whoever manages webhooks).
    pub allow_private_addresses: bool,
    /// A subscription whose deliveries all failed for this many days is disabled and the
    /// administrators are mailed; an event still undelivered after as long is given up.
    pub disable_after_days: u64,
    /// Seconds a receiver has to answer.
    pub timeout_secs: u64,
    /// Milliseconds between two looks at the outbox when nothing wakes the worker.
    pub poll_interval_ms: u64,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self {
            allow_private_addresses: false,
            disable_after_days: 3,
            timeout_secs: 10,
            poll_interval_ms: 2000,
        }
    }
}

/// `[events]`: the brokers every event is also published to (none by default).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsConfig {
    /// RabbitMQ, e.g. `amqp://user:password@mq:5672/%2f`; empty: none.
    pub amqp_url: String,
    /// The topic exchange events go to (declared, durable); the routing key is the type.
    pub amqp_exchange: String,
    /// NATS, e.g. `nats://nats:4222`; empty: none.
    pub nats_url: String,
    /// Events go to `<prefix>.<type>`, e.g. `gatehouse.events.user.created`.
    pub nats_subject_prefix: String,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            amqp_url: String::new(),
            amqp_exchange: "gatehouse.events".into(),
            nats_url: String::new(),
            nats_subject_prefix: "gatehouse.events".into(),
        }
    }
}

/// Whether `name` is a dotted name of letters, digits, `_` and `-` (a NATS subject without
/// wildcards, an exchange name).
fn dotted_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
}

impl Config {
    /// Checks `[webhooks]` and `[events]`.
    pub(super) fn validate_events(&self) -> Result<(), ConfigError> {
        let w = &self.webhooks;
        if !(1..=90).contains(&w.disable_after_days) {
            return Err(ConfigError::new(
                "webhooks.disable_after_days",
                "must be between 1 and 90",
            ));
        }
        if !(1..=60).contains(&w.timeout_secs) {
            return Err(ConfigError::new(
                "webhooks.timeout_secs",
                "must be between 1 and 60",
            ));
        }
        if !(100..=60_000).contains(&w.poll_interval_ms) {
            return Err(ConfigError::new(
                "webhooks.poll_interval_ms",
                "must be between 100 and 60000",
            ));
        }
        let e = &self.events;
        if !(e.amqp_url.is_empty()
            || e.amqp_url.starts_with("amqp://")
            || e.amqp_url.starts_with("amqps://"))
        {
            return Err(ConfigError::new(
                "events.amqp_url",
                "must be amqp://… or amqps://… (or empty)",
            ));
        }
        if !dotted_name(&e.amqp_exchange) {
            return Err(ConfigError::new(
                "events.amqp_exchange",
                "must be a name of letters, digits, _ - and dots",
            ));
        }
        if !(e.nats_url.is_empty()
            || e.nats_url.starts_with("nats://")
            || e.nats_url.starts_with("tls://"))
        {
            return Err(ConfigError::new(
                "events.nats_url",
                "must be nats://… or tls://… (or empty)",
            ));
        }
        if !dotted_name(&e.nats_subject_prefix) {
            return Err(ConfigError::new(
                "events.nats_subject_prefix",
                "must be dotted tokens of letters, digits, _ and - (no wildcards)",
            ));
        }
        Ok(())
    }
}
