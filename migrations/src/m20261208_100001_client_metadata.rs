//! Client metadata of the registration specs that no query filters on (keys, algorithms,
//! subject type, …), kept as one JSON document next to the columns.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `clients.metadata`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_100001_client_metadata"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .add_column(json_binary_null(Clients::Metadata))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .drop_column(Clients::Metadata)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Clients {
    Table,
    Metadata,
}
