//! The device authorization grant (RFC 8628): one row per device authorization request,
//! from the device's request through the person's decision to the device's redemption.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `device_authorizations`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_800001_device_authorizations"
    }
}

fn cascade(
    from: impl IntoIden + Copy + 'static,
    col: impl IntoIden + 'static,
    to: impl IntoIden + 'static,
    to_col: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(to, to_col)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DeviceAuthorizations::Table)
                // Both codes are stored as keyed hashes only.
                .col(string(DeviceAuthorizations::DeviceCodeHash).primary_key())
                .col(string_uniq(DeviceAuthorizations::UserCodeHash))
                .col(string(DeviceAuthorizations::ClientId))
                .col(text(DeviceAuthorizations::Scope))
                .col(json_binary_null(DeviceAuthorizations::Resources))
                .col(string(DeviceAuthorizations::Status))
                .col(string_null(DeviceAuthorizations::UserId))
                .col(string_null(DeviceAuthorizations::SessionId))
                .col(timestamp_with_time_zone_null(
                    DeviceAuthorizations::AuthTime,
                ))
                .col(string_null(DeviceAuthorizations::Acr))
                .col(json_binary_null(DeviceAuthorizations::Amr))
                .col(integer(DeviceAuthorizations::IntervalSecs))
                .col(timestamp_with_time_zone_null(
                    DeviceAuthorizations::LastPollAt,
                ))
                .col(timestamp_with_time_zone(DeviceAuthorizations::CreatedAt))
                .col(timestamp_with_time_zone(DeviceAuthorizations::ExpiresAt))
                .col(timestamp_with_time_zone_null(
                    DeviceAuthorizations::DecidedAt,
                ))
                .foreign_key(&mut cascade(
                    DeviceAuthorizations::Table,
                    DeviceAuthorizations::ClientId,
                    Clients::Table,
                    Clients::Id,
                ))
                .foreign_key(&mut cascade(
                    DeviceAuthorizations::Table,
                    DeviceAuthorizations::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        // The purge deletes by expiry.
        m.create_index(
            Index::create()
                .name("idx_device_authorizations_expires_at")
                .table(DeviceAuthorizations::Table)
                .col(DeviceAuthorizations::ExpiresAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(DeviceAuthorizations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum DeviceAuthorizations {
    Table,
    DeviceCodeHash,
    UserCodeHash,
    ClientId,
    Scope,
    Resources,
    Status,
    UserId,
    SessionId,
    AuthTime,
    Acr,
    Amr,
    IntervalSecs,
    LastPollAt,
    CreatedAt,
    ExpiresAt,
    DecidedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Clients {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}
