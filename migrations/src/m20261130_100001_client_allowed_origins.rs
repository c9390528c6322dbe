//! Web origins allowed to call the token, userinfo and revocation endpoints from a browser
//! (CORS).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `clients.allowed_origins` (a JSON array; null for clients registered before it,
/// which take the default: a public client's redirect URI origins).
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_100001_client_allowed_origins"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .add_column(json_binary_null(Clients::AllowedOrigins))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .drop_column(Clients::AllowedOrigins)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    AllowedOrigins,
}
