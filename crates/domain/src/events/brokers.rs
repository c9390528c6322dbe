//! Publishing events to RabbitMQ (a durable topic exchange, publisher confirms) and NATS
//! (JetStream with its publish acknowledgement when a stream covers the subject, else a core
//! publish and flush). The message id is the event id on both, so that consumers (and
//! JetStream's duplicate window) drop the copies that at-least-once delivery may make.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::outbox::{AMQP, NATS};
use super::worker::Publisher;
use crate::entities::event_outbox;

/// The result a publish future yields.
type Published<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Publishes to a RabbitMQ topic exchange; the routing key is the event type. Connects on
/// first use and again after a failure.
pub struct AmqpPublisher {
    url: String,
    exchange: String,
    channel: Mutex<Option<(lapin::Connection, lapin::Channel)>>,
}

impl std::fmt::Debug for AmqpPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password.
        f.debug_struct("AmqpPublisher")
            .field("exchange", &self.exchange)
            .finish_non_exhaustive()
    }
}

impl AmqpPublisher {
    /// A publisher to `exchange` on the server of `url` (not connected yet).
    pub fn new(url: &str, exchange: &str) -> Self {
        Self {
            url: url.to_owned(),
            exchange: exchange.to_owned(),
            channel: Mutex::new(None),
        }
    }

    /// A channel in confirm mode, with the exchange declared.
    async fn connect(&self) -> Result<(lapin::Connection, lapin::Channel), lapin::Error> {
        use lapin::options::{ConfirmSelectOptions, ExchangeDeclareOptions};
        let connection =
            lapin::Connection::connect(&self.url, lapin::ConnectionProperties::default()).await?;
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        channel
            .exchange_declare(
                &self.exchange,
                lapin::ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    durable: true,
                    ..ExchangeDeclareOptions::default()
                },
                lapin::types::FieldTable::default(),
            )
            .await?;
        Ok((connection, channel))
    }

    async fn send(&self, row: &event_outbox::Model) -> Result<(), String> {
        let mut held = self.channel.lock().await;
        if held.as_ref().is_none_or(|(_, c)| !c.status().connected()) {
            *held = Some(self.connect().await.map_err(|e| format!("RabbitMQ: {e}"))?);
        }
        let Some((_, channel)) = held.as_ref() else {
            return Err("RabbitMQ: not connected".into());
        };
        let properties = lapin::BasicProperties::default()
            .with_message_id(row.event_id.clone().into())
            .with_content_type("application/json".into())
            .with_type(row.event_type.clone().into())
            .with_delivery_mode(2);
        let outcome = async {
            channel
                .basic_publish(
                    &self.exchange,
                    &row.event_type,
                    lapin::options::BasicPublishOptions::default(),
                    row.payload.as_bytes(),
                    properties,
                )
                .await?
                .await
        }
        .await;
        match outcome {
            Ok(confirmation) if confirmation.is_ack() => Ok(()),
            Ok(_) => Err("RabbitMQ refused the message (nack)".into()),
            Err(e) => {
                // Reconnect next time.
                *held = None;
                Err(format!("RabbitMQ: {e}"))
            }
        }
    }
}

impl Publisher for AmqpPublisher {
    fn destination(&self) -> &'static str {
        AMQP
    }

    fn publish<'a>(&'a self, row: &'a event_outbox::Model) -> Published<'a> {
        Box::pin(self.send(row))
    }
}

/// How long the answer to "does a JetStream stream cover this subject?" is kept.
const STREAM_CHECK_TTL: Duration = Duration::from_secs(60);

/// Publishes to NATS subjects `<prefix>.<type>`. Connects on first use; the client
/// reconnects by itself.
pub struct NatsPublisher {
    url: String,
    prefix: String,
    client: Mutex<Option<async_nats::Client>>,
    streams: Mutex<HashMap<String, (bool, Instant)>>,
}

impl std::fmt::Debug for NatsPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsPublisher")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl NatsPublisher {
    /// A publisher to subjects under `prefix` on the server of `url` (not connected yet).
    pub fn new(url: &str, prefix: &str) -> Self {
        Self {
            url: url.to_owned(),
            prefix: prefix.to_owned(),
            client: Mutex::new(None),
            streams: Mutex::new(HashMap::new()),
        }
    }

    async fn client(&self) -> Result<async_nats::Client, String> {
        let mut held = self.client.lock().await;
        if let Some(client) = held.as_ref() {
            return Ok(client.clone());
        }
        let client = async_nats::connect(&self.url)
            .await
            .map_err(|e| format!("NATS: {e}"))?;
        *held = Some(client.clone());
        Ok(client)
    }

    /// Whether a JetStream stream takes `subject` (remembered for a minute).
    async fn in_stream(
        &self,
        js: &async_nats::jetstream::Context,
        subject: &str,
    ) -> Result<bool, String> {
        use async_nats::jetstream::context::GetStreamByNameErrorKind as Kind;
        if let Some((known, at)) = self.streams.lock().await.get(subject)
            && at.elapsed() < STREAM_CHECK_TTL
        {
            return Ok(*known);
        }
        let known = match js.stream_by_subject(subject).await {
            Ok(_) => true,
            Err(e) if matches!(e.kind(), Kind::NotFound) => false,
            // A server without JetStream has nobody answering the API.
            Err(e) if e.to_string().contains("no responders") => false,
            Err(e) => return Err(format!("NATS JetStream: {e}")),
        };
        self.streams
            .lock()
            .await
            .insert(subject.to_owned(), (known, Instant::now()));
        Ok(known)
    }

    async fn send(&self, row: &event_outbox::Model) -> Result<(), String> {
        let client = self.client().await?;
        let subject = format!("{}.{}", self.prefix, row.event_type);
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", row.event_id.as_str());
        headers.insert("Content-Type", "application/json");
        let payload = row.payload.clone().into_bytes().into();
        let js = async_nats::jetstream::new(client.clone());
        if self.in_stream(&js, &subject).await? {
            js.publish_with_headers(subject, headers, payload)
                .await
                .map_err(|e| format!("NATS JetStream: {e}"))?
                .await
                .map_err(|e| format!("NATS JetStream acknowledgement: {e}"))?;
        } else {
            client
                .publish_with_headers(subject, headers, payload)
                .await
                .map_err(|e| format!("NATS: {e}"))?;
            client.flush().await.map_err(|e| format!("NATS: {e}"))?;
        }
        Ok(())
    }
}

impl Publisher for NatsPublisher {
    fn destination(&self) -> &'static str {
        NATS
    }

    fn publish<'a>(&'a self, row: &'a event_outbox::Model) -> Published<'a> {
        Box::pin(self.send(row))
    }
}
