//! Rebuilding a SQLite table, which is how SQLite changes a column's constraints: the steps
//! run on one connection with foreign keys off (else dropping the old table would cascade
//! into every row that refers to it), inside one transaction.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseExecutor, sqlx};

/// A connection of its own from the migration's pool (`what` names the rebuild in errors).
pub(crate) async fn connection(
    m: &SchemaManager<'_>,
    what: &str,
) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>, DbErr> {
    let DatabaseExecutor::Connection(db) = m.get_connection() else {
        return Err(DbErr::Migration(format!(
            "{what} needs its own SQLite connection, not a transaction"
        )));
    };
    db.get_sqlite_connection_pool()
        .acquire()
        .await
        .map_err(|e| error(what, &e))
}

/// Runs `statements` between `PRAGMA foreign_keys = OFF; BEGIN` and `COMMIT; PRAGMA
/// foreign_keys = ON`; on a failure rolls back and leaves the pooled connection as found.
/// The statements are fixed text or the database's own schema, nothing from outside.
pub(crate) async fn without_foreign_keys(
    conn: &mut sqlx::pool::PoolConnection<sqlx::Sqlite>,
    what: &str,
    statements: Vec<String>,
) -> Result<(), DbErr> {
    let mut steps = vec!["PRAGMA foreign_keys = OFF".to_owned(), "BEGIN".to_owned()];
    steps.extend(statements);
    steps.push("COMMIT".to_owned());
    steps.push("PRAGMA foreign_keys = ON".to_owned());
    for sql in steps {
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut **conn)
            .await
        {
            let _ = sqlx::query("ROLLBACK").execute(&mut **conn).await;
            let _ = sqlx::query("PRAGMA foreign_keys = ON")
                .execute(&mut **conn)
                .await;
            return Err(error(what, &e));
        }
    }
    Ok(())
}

/// A failed rebuild as a migration error.
pub(crate) fn error(what: &str, e: &sqlx::Error) -> DbErr {
    DbErr::Migration(format!("{what}: {e}"))
}
