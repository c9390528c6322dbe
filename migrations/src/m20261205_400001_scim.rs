//! SCIM provisioning: the provisioning client's own id for users and groups
//! (`externalId`), a group's display name (SCIM names may hold spaces and capitals, group
//! names may not) and when a group last changed (`meta.lastModified`, its ETag).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `users.external_id`, `groups.external_id`, `groups.display_name`,
/// `groups.updated_at` (set to `created_at` for existing groups).
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_400001_scim"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column at a time.
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(string_null(Users::ExternalId))
                .to_owned(),
        )
        .await?;
        let columns = [
            string_null(Groups::ExternalId),
            string_null(Groups::DisplayName),
            timestamp_with_time_zone_null(Groups::UpdatedAt),
        ];
        for mut column in columns {
            m.alter_table(
                Table::alter()
                    .table(Groups::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        let backfill = Query::update()
            .table(Groups::Table)
            .value(Groups::UpdatedAt, Expr::col(Groups::CreatedAt))
            .to_owned();
        m.exec_stmt(backfill).await?;
        // Provisioning clients look accounts up by their own id.
        m.create_index(
            Index::create()
                .name("idx_users_external_id")
                .table(Users::Table)
                .col(Users::ExternalId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_users_external_id")
                .table(Users::Table)
                .to_owned(),
        )
        .await?;
        for column in [Groups::UpdatedAt, Groups::DisplayName, Groups::ExternalId] {
            m.alter_table(
                Table::alter()
                    .table(Groups::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::ExternalId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    ExternalId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Groups {
    Table,
    ExternalId,
    DisplayName,
    UpdatedAt,
    CreatedAt,
}
