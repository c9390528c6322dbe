//! Role-based access control: client roles, composite roles, nested groups, and the
//! per-client choice of which tokens carry role and group claims.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// Adds `roles.client_id` (client roles; a role name is unique per client, and among global
/// roles), `groups.parent_id` (nesting), `role_includes` (composite roles) and
/// `clients.role_claims` (which token kinds carry `roles`/`permissions`/`groups`).
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_700003_rbac"
    }
}

fn fk(
    from: impl IntoIden + Copy + 'static,
    col: impl IntoIden + 'static,
    to: impl IntoIden + 'static,
    to_col: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(to, to_col)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// The new shape of `roles`: the name is no longer unique on its own.
fn roles_table(name: impl IntoIden + 'static) -> TableCreateStatement {
    Table::create()
        .table(name)
        .col(string(Roles::Id).primary_key())
        .col(string(Roles::Name))
        .col(text_null(Roles::Description))
        .col(timestamp_with_time_zone(Roles::CreatedAt))
        .col(string_null(Roles::ClientId))
        .foreign_key(
            ForeignKey::create()
                .from(Roles::Table, Roles::ClientId)
                .to(Clients::Table, Clients::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

/// SQLite cannot drop the column-level UNIQUE on `roles.name`: the table is rebuilt, on one
/// connection with foreign keys off (else dropping the old table would cascade into every
/// grant), inside one transaction.
async fn rebuild_roles_on_sqlite(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    const WHAT: &str = "rebuilding roles";
    let mut conn = crate::sqlite_rebuild::connection(m, WHAT).await?;
    let create = roles_table(Alias::new("roles_rebuilt")).to_string(SqliteQueryBuilder);
    let statements = vec![
        create,
        "INSERT INTO roles_rebuilt (id, name, description, created_at, client_id) \
         SELECT id, name, description, created_at, NULL FROM roles"
            .to_owned(),
        "DROP TABLE roles".to_owned(),
        "ALTER TABLE roles_rebuilt RENAME TO roles".to_owned(),
    ];
    crate::sqlite_rebuild::without_foreign_keys(&mut conn, WHAT, statements).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Sqlite => rebuild_roles_on_sqlite(m).await?,
            _ => {
                m.alter_table(
                    Table::alter()
                        .table(Roles::Table)
                        .add_column(string_null(Roles::ClientId))
                        .add_foreign_key(
                            TableForeignKey::new()
                                .name("fk_roles_client")
                                .from_tbl(Roles::Table)
                                .from_col(Roles::ClientId)
                                .to_tbl(Clients::Table)
                                .to_col(Clients::Id)
                                .on_delete(ForeignKeyAction::Cascade),
                        )
                        .to_owned(),
                )
                .await?;
                // PostgreSQL's name for the column-level UNIQUE of the first migration.
                m.get_connection()
                    .execute_unprepared(
                        "ALTER TABLE roles DROP CONSTRAINT IF EXISTS roles_name_key",
                    )
                    .await?;
            }
        }
        // One name per client, and one name among global roles (NULLs are distinct in a
        // unique index, hence the partial one).
        m.create_index(
            Index::create()
                .name("idx_roles_client_name")
                .table(Roles::Table)
                .col(Roles::ClientId)
                .col(Roles::Name)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_roles_global_name")
                .table(Roles::Table)
                .col(Roles::Name)
                .unique()
                .and_where(Expr::col(Roles::ClientId).is_null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Groups::Table)
                .add_column(string_null(Groups::ParentId))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RoleIncludes::Table)
                .col(string(RoleIncludes::RoleId))
                .col(string(RoleIncludes::IncludedId))
                .primary_key(
                    Index::create()
                        .col(RoleIncludes::RoleId)
                        .col(RoleIncludes::IncludedId),
                )
                .foreign_key(&mut fk(
                    RoleIncludes::Table,
                    RoleIncludes::RoleId,
                    Roles::Table,
                    Roles::Id,
                ))
                .foreign_key(&mut fk(
                    RoleIncludes::Table,
                    RoleIncludes::IncludedId,
                    Roles::Table,
                    Roles::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_user_groups_group")
                .table(UserGroups::Table)
                .col(UserGroups::GroupId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .add_column(json_binary_null(Clients::RoleClaims))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .drop_column(Clients::RoleClaims)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("idx_user_groups_group")
                .table(UserGroups::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(RoleIncludes::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Groups::Table)
                .drop_column(Groups::ParentId)
                .to_owned(),
        )
        .await?;
        for name in ["idx_roles_global_name", "idx_roles_client_name"] {
            m.drop_index(Index::drop().name(name).table(Roles::Table).to_owned())
                .await?;
        }
        // Client roles are removed so the global names stay unique. On SQLite the column
        // stays (dropping it would need another rebuild); elsewhere the column, its foreign
        // key (which would keep `clients` from being dropped) and the old UNIQUE go back.
        m.get_connection()
            .execute_unprepared("DELETE FROM roles WHERE client_id IS NOT NULL")
            .await?;
        if m.get_database_backend() != DatabaseBackend::Sqlite {
            m.alter_table(
                Table::alter()
                    .table(Roles::Table)
                    .drop_foreign_key(Alias::new("fk_roles_client"))
                    .to_owned(),
            )
            .await?;
            m.alter_table(
                Table::alter()
                    .table(Roles::Table)
                    .drop_column(Roles::ClientId)
                    .to_owned(),
            )
            .await?;
            m.get_connection()
                .execute_unprepared("ALTER TABLE roles ADD CONSTRAINT roles_name_key UNIQUE (name)")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Roles {
    Table,
    Id,
    Name,
    Description,
    CreatedAt,
    ClientId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Groups {
    Table,
    ParentId,
}

#[derive(DeriveIden, Clone, Copy)]
enum UserGroups {
    Table,
    GroupId,
}

#[derive(DeriveIden, Clone, Copy)]
enum RoleIncludes {
    Table,
    RoleId,
    IncludedId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Clients {
    Table,
    Id,
    RoleClaims,
}
