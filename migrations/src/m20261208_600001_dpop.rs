//! DPoP (RFC 9449): the per-client switch that requires DPoP-bound access tokens, and the
//! key thumbprint (`jkt`) that binds codes, grants and access tokens.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `clients.dpop_bound_access_tokens` and a nullable `dpop_jkt` to
/// `authorization_codes`, `refresh_token_families` and `access_tokens`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_600001_dpop"
    }
}

/// The tables that get a `dpop_jkt` column.
const BOUND: [Bound; 3] = [
    Bound::AuthorizationCodes,
    Bound::RefreshTokenFamilies,
    Bound::AccessTokens,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .add_column(
                    boolean(Clients::DpopBoundAccessTokens)
                        .default(false)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        // One statement per table: SQLite alters one column at a time.
        for table in BOUND {
            m.alter_table(
                Table::alter()
                    .table(table)
                    .add_column(string_null(Bound::DpopJkt).to_owned())
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in BOUND {
            // Only where present: a down run again after a partial failure goes on.
            if !m
                .has_column(table.to_string(), Bound::DpopJkt.to_string())
                .await?
            {
                continue;
            }
            m.alter_table(
                Table::alter()
                    .table(table)
                    .drop_column(Bound::DpopJkt)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .drop_column(Clients::DpopBoundAccessTokens)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Clients {
    Table,
    DpopBoundAccessTokens,
}

#[derive(DeriveIden, Clone, Copy)]
enum Bound {
    AuthorizationCodes,
    RefreshTokenFamilies,
    AccessTokens,
    DpopJkt,
}
