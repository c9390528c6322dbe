//! Pushed authorization requests (RFC 9126): the stored requests, and the per-client switch
//! that requires them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `pushed_authorization_requests` and adds
/// `clients.require_pushed_authorization_requests`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_500001_pushed_authorization"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PushedAuthorizationRequests::Table)
                // The random part of the `request_uri`.
                .col(string(PushedAuthorizationRequests::Id).primary_key())
                .col(string(PushedAuthorizationRequests::ClientId))
                .col(json_binary(PushedAuthorizationRequests::Parameters))
                .col(timestamp_with_time_zone(
                    PushedAuthorizationRequests::CreatedAt,
                ))
                .col(timestamp_with_time_zone(
                    PushedAuthorizationRequests::ExpiresAt,
                ))
                .to_owned(),
        )
        .await?;
        // The purge's scan.
        m.create_index(
            Index::create()
                .name("idx_pushed_authorization_requests_expires")
                .table(PushedAuthorizationRequests::Table)
                .col(PushedAuthorizationRequests::ExpiresAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .add_column(
                    boolean(Clients::RequirePushedAuthorizationRequests)
                        .default(false)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .drop_column(Clients::RequirePushedAuthorizationRequests)
                .to_owned(),
        )
        .await?;
        m.drop_table(
            Table::drop()
                .table(PushedAuthorizationRequests::Table)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum PushedAuthorizationRequests {
    Table,
    Id,
    ClientId,
    Parameters,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Clients {
    Table,
    RequirePushedAuthorizationRequests,
}
