//! "Remember me": a browser session either lasts the short default (idle and absolute
//! timeouts) or, when the user asked, the long remembered lifetime.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `browser_sessions.remember`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000002_session_remember"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(BrowserSessions::Table)
                .add_column(boolean(BrowserSessions::Remember).default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(BrowserSessions::Table)
                .drop_column(BrowserSessions::Remember)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum BrowserSessions {
    Table,
    Remember,
}
