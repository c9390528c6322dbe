//! The client IP of each parked authorization request, so that live requests can be capped
//! per IP; indexes for counting live requests and for the purge.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `authorization_requests.client_ip` and indexes on (client_ip, expires_at) and
/// expires_at.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_100002_authorization_request_ip"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(AuthorizationRequests::Table)
                .add_column(string_null(AuthorizationRequests::ClientIp))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_authorization_requests_ip_expires")
                .table(AuthorizationRequests::Table)
                .col(AuthorizationRequests::ClientIp)
                .col(AuthorizationRequests::ExpiresAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_authorization_requests_expires")
                .table(AuthorizationRequests::Table)
                .col(AuthorizationRequests::ExpiresAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_authorization_requests_expires",
            "idx_authorization_requests_ip_expires",
        ] {
            m.drop_index(
                Index::drop()
                    .name(name)
                    .table(AuthorizationRequests::Table)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(AuthorizationRequests::Table)
                .drop_column(AuthorizationRequests::ClientIp)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum AuthorizationRequests {
    Table,
    ClientIp,
    ExpiresAt,
}
