//! The mail outbox (mail survives an SMTP outage and never delays a request) and single-use
//! user tokens (email verification, password reset, invitations, email change), stored hashed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `mail_outbox` and `user_tokens`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000001_mail_and_tokens"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(MailOutbox::Table)
                .col(string(MailOutbox::Id).primary_key())
                .col(string(MailOutbox::Kind))
                .col(string(MailOutbox::ToAddress))
                .col(string(MailOutbox::Subject))
                .col(text(MailOutbox::TextBody))
                .col(text(MailOutbox::HtmlBody))
                .col(integer(MailOutbox::Attempts).default(0))
                .col(timestamp_with_time_zone(MailOutbox::NextAttemptAt))
                .col(text_null(MailOutbox::LastError))
                .col(timestamp_with_time_zone(MailOutbox::CreatedAt))
                .col(timestamp_with_time_zone_null(MailOutbox::SentAt))
                .col(timestamp_with_time_zone_null(MailOutbox::FailedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_mail_outbox_due")
                .table(MailOutbox::Table)
                .col(MailOutbox::SentAt)
                .col(MailOutbox::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UserTokens::Table)
                .col(string(UserTokens::TokenHash).primary_key())
                .col(string(UserTokens::Purpose))
                .col(string_null(UserTokens::UserId))
                .col(string(UserTokens::Email))
                .col(json_binary_null(UserTokens::Data))
                .col(timestamp_with_time_zone(UserTokens::CreatedAt))
                .col(timestamp_with_time_zone(UserTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(UserTokens::UsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(UserTokens::Table, UserTokens::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_user_tokens_user")
                .table(UserTokens::Table)
                .col(UserTokens::UserId)
                .col(UserTokens::Purpose)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(UserTokens::Table)
                .if_exists()
                .to_owned(),
        )
        .await?;
        m.drop_table(
            Table::drop()
                .table(MailOutbox::Table)
                .if_exists()
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Id,
    Kind,
    ToAddress,
    Subject,
    TextBody,
    HtmlBody,
    Attempts,
    NextAttemptAt,
    LastError,
    CreatedAt,
    SentAt,
    FailedAt,
}

#[derive(DeriveIden)]
enum UserTokens {
    Table,
    TokenHash,
    Purpose,
    UserId,
    Email,
    Data,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
