//! Events for other systems: audit events of public interest become signed webhooks
//! (Standard Webhooks) and messages on RabbitMQ or NATS. They are queued in an outbox in the
//! audit writer's transaction and delivered, at least once, by a worker with retries.

pub mod brokers;
pub mod catalogue;
pub mod logout;
pub mod outbox;
pub mod signing;
pub mod ssrf;
pub mod subscriptions;
pub mod worker;

#[cfg(test)]
mod tests;

pub use catalogue::{Event, event_from_audit};
pub use logout::{LogoutNotice, LogoutSigner};
pub use outbox::{DeliveryPolicy, EventOutbox, enqueue_from_audit, set_brokers};
pub use subscriptions::{NewWebhook, Webhook, Webhooks};
pub use worker::{Publisher, Worker, WorkerSettings};
