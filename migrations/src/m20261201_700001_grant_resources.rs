//! Resource indicators (RFC 8707) kept with authorization codes and grants.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `resources` (a JSON list of absolute URIs) to `authorization_codes` and
/// `refresh_token_families`: what the authorization request asked for, which later token
/// requests may narrow but never widen.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_700001_grant_resources"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(AuthorizationCodes::Table)
                .add_column(json_binary_null(AuthorizationCodes::Resources))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(RefreshTokenFamilies::Table)
                .add_column(json_binary_null(RefreshTokenFamilies::Resources))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RefreshTokenFamilies::Table)
                .drop_column(RefreshTokenFamilies::Resources)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(AuthorizationCodes::Table)
                .drop_column(AuthorizationCodes::Resources)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum AuthorizationCodes {
    Table,
    Resources,
}

#[derive(DeriveIden)]
enum RefreshTokenFamilies {
    Table,
    Resources,
}
