//! The secret of a `client_secret_jwt` client in recoverable form: the server needs it to
//! check the client's HMAC-signed assertions, and a keyed hash cannot give it back. Sealed
//! (AES-GCM under the master key), and only for clients of that method.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `clients.secret_sealed` and `clients.previous_secret_sealed`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_400001_client_secret_sealed"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        for column in [Clients::SecretSealed, Clients::PreviousSecretSealed] {
            m.alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .add_column(text_null(column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Clients::PreviousSecretSealed, Clients::SecretSealed] {
            m.alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Clients {
    Table,
    SecretSealed,
    PreviousSecretSealed,
}
