//! Signed webhooks and the event stream: subscriptions and the delivery outbox.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `webhook_subscriptions` and `event_outbox`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_200001_events"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WebhookSubscriptions::Table)
                .col(string(WebhookSubscriptions::Id).primary_key())
                .col(text(WebhookSubscriptions::Url))
                .col(json_binary(WebhookSubscriptions::EventTypes))
                .col(text_null(WebhookSubscriptions::Description))
                .col(boolean(WebhookSubscriptions::Enabled))
                // Sealed with the master key: the signing secrets and when each stops.
                .col(text(WebhookSubscriptions::Secrets))
                .col(timestamp_with_time_zone(WebhookSubscriptions::CreatedAt))
                .col(timestamp_with_time_zone_null(
                    WebhookSubscriptions::FailingSince,
                ))
                .col(text_null(WebhookSubscriptions::DisabledReason))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(EventOutbox::Table)
                .col(string(EventOutbox::Id).primary_key())
                .col(string(EventOutbox::EventId))
                // A webhook subscription's id, or `amqp` / `nats`.
                .col(string(EventOutbox::Destination))
                .col(string(EventOutbox::EventType))
                // The exact body sent (signatures cover these bytes).
                .col(text(EventOutbox::Payload))
                .col(integer(EventOutbox::Attempts).default(0))
                .col(timestamp_with_time_zone(EventOutbox::NextAttemptAt))
                .col(timestamp_with_time_zone_null(EventOutbox::LeasedUntil))
                .col(string(EventOutbox::State))
                .col(integer_null(EventOutbox::LastStatus))
                .col(text_null(EventOutbox::LastError))
                .col(timestamp_with_time_zone(EventOutbox::CreatedAt))
                .col(timestamp_with_time_zone_null(EventOutbox::LastAttemptAt))
                .col(timestamp_with_time_zone_null(EventOutbox::DeliveredAt))
                .to_owned(),
        )
        .await?;
        // The worker's scan for due rows.
        m.create_index(
            Index::create()
                .name("idx_event_outbox_due")
                .table(EventOutbox::Table)
                .col(EventOutbox::State)
                .col(EventOutbox::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        // A destination's rows in created order (brokers, the delivery log).
        m.create_index(
            Index::create()
                .name("idx_event_outbox_destination")
                .table(EventOutbox::Table)
                .col(EventOutbox::Destination)
                .col(EventOutbox::CreatedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(EventOutbox::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(WebhookSubscriptions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookSubscriptions {
    Table,
    Id,
    Url,
    EventTypes,
    Description,
    Enabled,
    Secrets,
    CreatedAt,
    FailingSince,
    DisabledReason,
}

#[derive(DeriveIden, Clone, Copy)]
enum EventOutbox {
    Table,
    Id,
    EventId,
    Destination,
    EventType,
    Payload,
    Attempts,
    NextAttemptAt,
    LeasedUntil,
    State,
    LastStatus,
    LastError,
    CreatedAt,
    LastAttemptAt,
    DeliveredAt,
}
