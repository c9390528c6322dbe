//! The master key wrapped by an external key service (Vault / OpenBao transit), kept in the
//! database so that every node of a cluster finds the same one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `wrapped_master_keys`: at most one row (id `master`) holding the transit
/// ciphertext of the master key and the transit key that wraps it.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_500001_wrapped_master_key"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WrappedMasterKeys::Table)
                .col(string(WrappedMasterKeys::Id).primary_key())
                // `vault` today; named so another key service can come without a migration.
                .col(string(WrappedMasterKeys::Provider))
                .col(string(WrappedMasterKeys::Mount))
                .col(string(WrappedMasterKeys::KeyName))
                // `vault:vN:…`: never the key itself.
                .col(text(WrappedMasterKeys::Ciphertext))
                .col(timestamp_with_time_zone(WrappedMasterKeys::CreatedAt))
                .col(timestamp_with_time_zone(WrappedMasterKeys::UpdatedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WrappedMasterKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum WrappedMasterKeys {
    Table,
    Id,
    Provider,
    Mount,
    KeyName,
    Ciphertext,
    CreatedAt,
    UpdatedAt,
}
