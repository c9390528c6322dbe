//! A user's sessions by creation time: every sign-in reads the newest few (new-device alert),
//! which with an index on `user_id` alone sorts all of the user's sessions.

use sea_orm_migration::prelude::*;

/// Replaces `idx_browser_sessions_user (user_id)` with `(user_id, created_at)`, which serves
/// both lookups by user and the newest sessions of a user.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000001_sessions_by_user_and_time"
    }
}

const OLD: &str = "idx_browser_sessions_user";
const NEW: &str = "idx_browser_sessions_user_created";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(NEW)
                .table(BrowserSessions::Table)
                .col(BrowserSessions::UserId)
                .col(BrowserSessions::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name(OLD)
                .table(BrowserSessions::Table)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(OLD)
                .table(BrowserSessions::Table)
                .col(BrowserSessions::UserId)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name(NEW)
                .table(BrowserSessions::Table)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum BrowserSessions {
    Table,
    UserId,
    CreatedAt,
}
