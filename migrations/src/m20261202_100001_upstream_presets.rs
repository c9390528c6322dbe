//! Well-known upstreams (Google, Microsoft, Apple, GitHub, Facebook, X): which preset an
//! upstream is, its settings, GitHub's address list endpoint override and Apple's private key.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `upstreams.preset`, `settings`, `emails_endpoint` and `private_key`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_100001_upstream_presets"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column at a time.
        let columns = [
            // NULL: a generic OpenID Connect upstream.
            string_null(Upstreams::Preset),
            // Non-secret settings (Entra tenant, Apple team and key ids), a JSON object.
            json_binary_null(Upstreams::Settings),
            string_null(Upstreams::EmailsEndpoint),
            // AEAD under the master key, bound to the row id (Apple's signing key).
            text_null(Upstreams::PrivateKey),
        ];
        for mut column in columns {
            m.alter_table(
                Table::alter()
                    .table(Upstreams::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Upstreams::PrivateKey,
            Upstreams::EmailsEndpoint,
            Upstreams::Settings,
            Upstreams::Preset,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Upstreams::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Upstreams {
    Table,
    Preset,
    Settings,
    EmailsEndpoint,
    PrivateKey,
}
