//! Event delivery on this node: the worker that sends queued events to webhooks and to the
//! brokers of `[events]`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use domain::events::brokers::{AmqpPublisher, NatsPublisher};
use domain::events::{DeliveryPolicy, EventOutbox, Worker, WorkerSettings};
use domain::keys::SharedKeyRing;
use tokio::task::JoinHandle;

use crate::services::Services;

/// Builds the delivery worker from the configuration and starts it; it signs back-channel
/// logout tokens with `keys` (the ring the protocol signs with).
pub async fn start(services: &Services, keys: SharedKeyRing) -> anyhow::Result<JoinHandle<()>> {
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
            retain: Duration::from_secs(c.maintenance.retain_ended_secs),
        },
    )
    .context("cannot set up webhook delivery (webhooks.*)")?
    .with_logout_signer(Arc::new(auth_server::logout_token::Signer {
        keys,
        issuer: c.issuer.clone(),
        secrets: services.secrets.clone(),
    }));
    let worker = brokers(worker, c);
    Ok(worker.spawn())
}

/// Adds the configured brokers to the worker (they connect on first use, so a broker that
/// is down delays its events but not the start); `Services` declared them to the outbox.
fn brokers(mut worker: Worker, c: &crate::config::Config) -> Worker {
    let e = &c.events;
    let (amqp, nats) = (!e.amqp_url.is_empty(), !e.nats_url.is_empty());
    if amqp {
        worker = worker.with_broker(Arc::new(AmqpPublisher::new(&e.amqp_url, &e.amqp_exchange)));
    }
    if nats {
        worker = worker.with_broker(Arc::new(NatsPublisher::new(
            &e.nats_url,
            &e.nats_subject_prefix,
        )));
    }
    worker
}
