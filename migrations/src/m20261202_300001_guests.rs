//! Accounts without an email address (guests, and people who signed in through an upstream
//! that gives none, such as X) and guest accounts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{DatabaseBackend, sqlx};

use crate::sqlite_rebuild;

/// Makes `users.email` nullable (still unique among the addresses present), adds
/// `users.guest` and `clients.allow_guests`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_300001_guests"
    }
}

/// How the first migration's `string_uniq(email)` reads in SQLite's schema.
const SQLITE_EMAIL_REQUIRED: &str = "\"email\" varchar NOT NULL UNIQUE";
const SQLITE_EMAIL_OPTIONAL: &str = "\"email\" varchar UNIQUE";

/// SQLite cannot drop a NOT NULL: the table is rebuilt from its own stored definition (so
/// every column added since stays) with only the email column changed; its indexes are
/// made again.
async fn rebuild_users_on_sqlite(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    const WHAT: &str = "rebuilding users";
    let mut conn = sqlite_rebuild::connection(m, WHAT).await?;
    let err = |e: sqlx::Error| sqlite_rebuild::error(WHAT, &e);
    let (create,): (String,) =
        sqlx::query_as("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'")
            .fetch_one(&mut *conn)
            .await
            .map_err(err)?;
    if !create.contains(SQLITE_EMAIL_REQUIRED) {
        return Err(DbErr::Migration(format!(
            "users.email is not declared as expected ({SQLITE_EMAIL_REQUIRED}): {create}"
        )));
    }
    let create = create
        .replacen("\"users\"", "\"users_rebuilt\"", 1)
        .replacen(SQLITE_EMAIL_REQUIRED, SQLITE_EMAIL_OPTIONAL, 1);
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users' \
         AND sql IS NOT NULL",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(err)?;
    let mut statements = vec![
        create,
        "INSERT INTO users_rebuilt SELECT * FROM users".to_owned(),
        "DROP TABLE users".to_owned(),
        "ALTER TABLE users_rebuilt RENAME TO users".to_owned(),
    ];
    statements.extend(indexes.into_iter().map(|(sql,)| sql));
    sqlite_rebuild::without_foreign_keys(&mut conn, WHAT, statements).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Sqlite => rebuild_users_on_sqlite(m).await?,
            _ => {
                m.get_connection()
                    .execute_unprepared("ALTER TABLE users ALTER COLUMN email DROP NOT NULL")
                    .await?;
            }
        }
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(boolean(Users::Guest).default(false))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .add_column(boolean(Clients::AllowGuests).default(false))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Clients::Table)
                .drop_column(Clients::AllowGuests)
                .to_owned(),
        )
        .await?;
        // Accounts without an address cannot exist under the older schema.
        m.get_connection()
            .execute_unprepared("DELETE FROM users WHERE email IS NULL")
            .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::Guest)
                .to_owned(),
        )
        .await?;
        // On SQLite the column stays nullable (putting NOT NULL back would need another
        // rebuild; no row lacks an address now).
        if m.get_database_backend() != DatabaseBackend::Sqlite {
            m.get_connection()
                .execute_unprepared("ALTER TABLE users ALTER COLUMN email SET NOT NULL")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Guest,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    AllowGuests,
}
