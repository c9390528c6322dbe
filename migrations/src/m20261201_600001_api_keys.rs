//! API keys, service accounts, and the per-client settings of resource indicators and token
//! exchange.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `service_accounts`, `service_account_roles` and `api_keys`; adds
/// `clients.resources` (the RFC 8707 allow-list) and `clients.allow_impersonation`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_600001_api_keys"
    }
}

fn cascade(
    from: impl IntoIden + Copy + 'static,
    col: impl IntoIden + 'static,
    to: impl IntoIden + 'static,
    to_col: impl IntoIden + 'static,
    action: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(to, to_col)
        .on_delete(action)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ServiceAccounts::Table)
                .col(string(ServiceAccounts::Id).primary_key())
                .col(string_uniq(ServiceAccounts::Name))
                .col(text_null(ServiceAccounts::Description))
                // The owner may be erased; the account stays, for another admin to take.
                .col(string_null(ServiceAccounts::OwnerUserId))
                .col(timestamp_with_time_zone(ServiceAccounts::CreatedAt))
                .foreign_key(&mut cascade(
                    ServiceAccounts::Table,
                    ServiceAccounts::OwnerUserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ServiceAccountRoles::Table)
                .col(string(ServiceAccountRoles::ServiceAccountId))
                .col(string(ServiceAccountRoles::RoleId))
                .primary_key(
                    Index::create()
                        .col(ServiceAccountRoles::ServiceAccountId)
                        .col(ServiceAccountRoles::RoleId),
                )
                .foreign_key(&mut cascade(
                    ServiceAccountRoles::Table,
                    ServiceAccountRoles::ServiceAccountId,
                    ServiceAccounts::Table,
                    ServiceAccounts::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut cascade(
                    ServiceAccountRoles::Table,
                    ServiceAccountRoles::RoleId,
                    Roles::Table,
                    Roles::Id,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ApiKeys::Table)
                .col(string(ApiKeys::Id).primary_key())
                .col(string(ApiKeys::Name))
                .col(string_null(ApiKeys::UserId))
                .col(string_null(ApiKeys::ServiceAccountId))
                .col(text(ApiKeys::SecretHash))
                .col(json_binary(ApiKeys::Permissions))
                .col(integer_null(ApiKeys::RateLimitPerMinute))
                .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                .col(timestamp_with_time_zone(ApiKeys::ExpiresAt))
                .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                .col(big_integer(ApiKeys::UseCount).default(0))
                .col(string_null(ApiKeys::ReplacedBy))
                .foreign_key(&mut cascade(
                    ApiKeys::Table,
                    ApiKeys::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut cascade(
                    ApiKeys::Table,
                    ApiKeys::ServiceAccountId,
                    ServiceAccounts::Table,
                    ServiceAccounts::Id,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .add_column(json_binary_null(Clients::Resources))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .add_column(boolean(Clients::AllowImpersonation).default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [Clients::AllowImpersonation, Clients::Resources] {
            m.alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.drop_table(Table::drop().table(ApiKeys::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ServiceAccountRoles::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ServiceAccounts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ServiceAccounts {
    Table,
    Id,
    Name,
    Description,
    OwnerUserId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ServiceAccountRoles {
    Table,
    ServiceAccountId,
    RoleId,
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiKeys {
    Table,
    Id,
    Name,
    UserId,
    ServiceAccountId,
    SecretHash,
    Permissions,
    RateLimitPerMinute,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
    UseCount,
    ReplacedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Roles {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Clients {
    Table,
    Resources,
    AllowImpersonation,
}
