//! Dynamic client registration (RFC 7591, RFC 7592): the initial access tokens operators hand
//! out, and the registration access token of each client registered through the protocol.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `initial_access_tokens` and `client_registrations`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261209_100001_dynamic_registration"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(InitialAccessTokens::Table)
                .col(string(InitialAccessTokens::Id).primary_key())
                // Only a keyed hash of the token is kept; it is looked up by that hash.
                .col(string_uniq(InitialAccessTokens::TokenHash))
                .col(integer_null(InitialAccessTokens::MaxUses))
                .col(integer(InitialAccessTokens::Uses).default(0))
                .col(string_null(InitialAccessTokens::CreatedBy))
                .col(timestamp_with_time_zone(InitialAccessTokens::CreatedAt))
                .col(timestamp_with_time_zone(InitialAccessTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(
                    InitialAccessTokens::LastUsedAt,
                ))
                .col(timestamp_with_time_zone_null(
                    InitialAccessTokens::RevokedAt,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ClientRegistrations::Table)
                .col(string(ClientRegistrations::ClientId).primary_key())
                .col(string(ClientRegistrations::TokenHash))
                .col(string_null(ClientRegistrations::InitialTokenId))
                .col(timestamp_with_time_zone(ClientRegistrations::CreatedAt))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(ClientRegistrations::Table, ClientRegistrations::ClientId)
                        .to(Clients::Table, Clients::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ClientRegistrations::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(InitialAccessTokens::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum InitialAccessTokens {
    Table,
    Id,
    TokenHash,
    MaxUses,
    Uses,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ClientRegistrations {
    Table,
    ClientId,
    TokenHash,
    InitialTokenId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Clients {
    Table,
    Id,
}
