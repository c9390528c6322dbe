//! Clients that require a second factor from the users who sign in to them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `clients.require_mfa`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000003_client_require_mfa"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .add_column(boolean(Clients::RequireMfa).default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .drop_column(Clients::RequireMfa)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    RequireMfa,
}
