//! The database handle every domain service takes.

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use std::time::Duration;

use migration::{Migrator, MigratorTrait as _};
use sea_orm::{
    ConnectOptions, ConnectionTrait as _, Database, DatabaseConnection, DatabaseTransaction,
    SqliteTransactionMode, TransactionOptions, TransactionTrait as _,
};

use crate::{Error, Result};

/// The database: SQLite (embedded, default) or PostgreSQL.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    changes: crate::policies::Changes,
}

/// Which database engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Engine {
    /// The engine named by a database URL's scheme.
    pub fn of_url(url: &str) -> Result<Self> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Engine::Sqlite),
            "postgres" | "postgresql" => Ok(Engine::Postgres),
            _ => Err(Error::invalid(
                "database.url",
                "must start with sqlite:// or postgres://",
            )),
        }
    }
}

impl Store {
    /// Connects to `url`. For SQLite, creates the directory of the database file (0700) and
    /// the file (0600, with `mode=rwc`).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        Self::connect_with(url, max_connections, Duration::from_secs(10)).await
    }

    /// [`Store::connect`] with a bound on the wait for a pooled connection: while the
    /// database is down, a request fails (503) after `acquire_timeout` instead of waiting.
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> Result<Self> {
        if Engine::of_url(url)? == Engine::Sqlite {
            prepare_sqlite(url).await?;
        }
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections)
            .connect_timeout(acquire_timeout)
            .acquire_timeout(acquire_timeout)
            // Idle connections go back to the server after a minute: a quiet node (or a
            // finished test server) does not hold PostgreSQL's connection slots.
            .idle_timeout(Duration::from_secs(60))
            .sqlx_logging(false)
            // WAL lets readers run beside the one writer; NORMAL syncs at checkpoints, not at
            // every commit (a power cut can lose the last commits, never corrupt the file).
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        let mut db = Database::connect(options).await?;
        if crate::telemetry::enabled() {
            let engine = match db.get_database_backend() {
                sea_orm::DatabaseBackend::Postgres => "postgresql",
                sea_orm::DatabaseBackend::Sqlite => "sqlite",
                _ => "other",
            };
            // One span per statement, made after it ran (sea-orm reports the time it took).
            db.set_metric_callback(move |info| {
                crate::telemetry::statement(
                    engine,
                    &info.statement.sql,
                    info.statement.values.is_some(),
                    info.elapsed,
                    info.failed,
                );
            });
        }
        Ok(Self {
            db,
            changes: crate::policies::Changes::default(),
        })
    }

    /// Applies every pending migration. On PostgreSQL the migrations run under an advisory
    /// lock, so nodes starting together take turns: the first applies them, the others find
    /// nothing left to do. SQLite needs no lock: one file has one writer at a time and is
    /// served by one node (several nodes need PostgreSQL).
    pub async fn migrate(&self) -> Result<()> {
        self.exclusively(Exclusive::Migrations, async {
            Migrator::up(&self.db, None).await?;
            Ok(())
        })
        .await
    }

    /// Runs `work` alone among the nodes sharing this PostgreSQL database: under the
    /// session advisory lock named by `what`, taken (waiting for any other holder) on one
    /// dedicated connection, since such a lock belongs to the connection that took it and the
    /// pool could hand each statement to another one. The lock is released when `work` ends,
    /// also on error; a node that dies holding it loses the connection and with it the lock.
    /// On SQLite `work` just runs (one node per file).
    pub async fn exclusively<T, E>(
        &self,
        what: Exclusive,
        work: impl std::future::Future<Output = std::result::Result<T, E>>,
    ) -> std::result::Result<T, E>
    where
        E: From<Error>,
    {
        if self.db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return work.await;
        }
        let options = self.db.get_postgres_connection_pool().connect_options();
        let pool = sea_orm::sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_with((*options).clone())
            .await
            .map_err(|e| Error::Database(sea_orm::DbErr::Custom(format!("connect: {e}"))))?;
        let conn = sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
        let key = what.key();
        if let Err(e) = conn
            .execute_unprepared(&format!("SELECT pg_advisory_lock({key})"))
            .await
        {
            let _ = conn.close().await;
            return Err(Error::from(e).into());
        }
        let result = work.await;
        let unlocked = conn
            .execute_unprepared(&format!("SELECT pg_advisory_unlock({key})"))
            .await;
        // Closing ends the session, which releases the lock even if unlocking failed.
        let closed = conn.close().await;
        let value = result?;
        unlocked.map_err(Error::from)?;
        closed.map_err(Error::from)?;
        Ok(value)
    }

    /// The migrations this binary has that the database has not applied, by name, oldest
    /// first. Reads only: an empty database gets no migrations table (every one is pending).
    pub async fn pending_migrations(&self) -> Result<Vec<String>> {
        Ok(Migrator::get_pending_migrations_read_only(&self.db)
            .await?
            .iter()
            .map(|m| m.name().to_owned())
            .collect())
    }

    /// Connections the pool holds, and how many of them are idle (for metrics).
    pub fn pool_usage(&self) -> (u32, usize) {
        match self.db.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            sea_orm::DatabaseBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn engine_name(&self) -> &'static str {
        match self.db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => "postgres",
            _ => "sqlite",
        }
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.db.execute_unprepared("SELECT 1").await.is_ok()
    }

    /// The sea-orm connection, for the domain services.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The generation of roles, groups, ACL entries and account states, shared by the
    /// services built on this store (decisions remember what they read until it moves).
    pub fn changes(&self) -> &crate::policies::Changes {
        &self.changes
    }

    /// The same database seen as another node would: its own generation of changes.
    #[cfg(test)]
    pub(crate) fn detached(&self) -> Self {
        Self {
            db: self.db.clone(),
            changes: crate::policies::Changes::default(),
        }
    }

    /// Closes every pooled connection.
    pub async fn close(self) -> Result<()> {
        self.db.close().await?;
        Ok(())
    }
}

/// Work that only one node at a time may do ([`Store::exclusively`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusive {
    /// Applying migrations.
    Migrations,
    /// A server's first-start set-up: missing signing keys, the first administrator.
    StartUp,
    /// Creating, storing or rewrapping the master key wrapped by a key service.
    MasterKey,
}

impl Exclusive {
    /// The PostgreSQL advisory lock key: fixed numbers starting with "gatehou" in ASCII,
    /// unlikely to meet another application's keys on a shared server.
    fn key(self) -> i64 {
        match self {
            Exclusive::Migrations => 0x6761_7465_686f_7501,
            Exclusive::StartUp => 0x6761_7465_686f_7502,
            Exclusive::MasterKey => 0x6761_7465_686f_7503,
        }
    }
}

/// The file of an SQLite URL (`sqlite://data/gatehouse.db?mode=rwc` → `data/gatehouse.db`);
/// `None` for PostgreSQL and in-memory databases.
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    if Engine::of_url(url).ok()? != Engine::Sqlite {
        return None;
    }
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

/// Creates the database's directory (0700) and, when the URL allows creating the database
/// (`mode=rwc`), an empty database file (0600) before SQLite does: SQLite would create it
/// world-readable, and gives its `-wal` and `-shm` files the database file's mode.
async fn prepare_sqlite(url: &str) -> Result<()> {
    let Some(path) = sqlite_path(url) else {
        return Ok(());
    };
    let create = url
        .split_once('?')
        .is_some_and(|(_, query)| query.split('&').any(|p| p == "mode=rwc"));
    tokio::task::spawn_blocking(move || {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        if create {
            create_private_file(&path)?;
        }
        Ok::<(), std::io::Error>(())
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))??;
    Ok(())
}

/// Creates `dir` and its missing parents, readable by the owner only (blocking).
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates an empty file readable by the owner only, unless it exists (blocking).
fn create_private_file(path: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`IMMEDIATE`): a transaction that reads before it writes then waits for another writer
/// (`busy_timeout`) instead of failing with "database is locked" when it comes to write after
/// that writer committed. Other databases ignore the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, sea_orm::DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

#[cfg(test)]
mod tests {
    use migration::{Migrator, MigratorTrait as _};
    use sea_orm_migration::SchemaManager;

    use super::*;
    use crate::backend_tests;

    const TABLES: &[&str] = &[
        "users",
        "credentials",
        "roles",
        "permissions",
        "groups",
        "role_permissions",
        "user_roles",
        "user_groups",
        "group_roles",
        "clients",
        "signing_keys",
        "browser_sessions",
        "authorization_requests",
        "authorization_codes",
        "refresh_token_families",
        "refresh_tokens",
        "access_tokens",
        "consents",
        "audit_events",
        "upstreams",
        "upstream_links",
        "upstream_flows",
    ];

    async fn tables_present(store: &Store) -> Vec<&'static str> {
        let manager = SchemaManager::new(store.db());
        let mut present = Vec::new();
        for t in TABLES {
            if manager.has_table(*t).await.unwrap() {
                present.push(*t);
            }
        }
        present
    }

    backend_tests! {
        async fn migrations_create_every_table_and_are_reversible(store: Store) {
            assert_eq!(tables_present(&store).await, TABLES, "after up");
            store.migrate().await.unwrap();
            Migrator::down(store.db(), None).await.unwrap();
            assert!(tables_present(&store).await.is_empty(), "after down");
            store.migrate().await.unwrap();
            assert_eq!(tables_present(&store).await, TABLES, "after up again");
            assert!(store.ping().await);
        }
    }

    #[tokio::test]
    async fn pending_migrations_are_read_without_creating_anything() {
        let db = crate::testing::TestDatabase::create(crate::testing::Backend::Sqlite)
            .await
            .unwrap();
        let store = Store::connect(&db.url, 2).await.unwrap();
        let all = store.pending_migrations().await.unwrap();
        assert_eq!(all.len(), Migrator::migrations().len(), "an empty database");
        let manager = SchemaManager::new(store.db());
        assert!(
            !manager.has_table("seaql_migrations").await.unwrap(),
            "asking created the migrations table"
        );
        store.migrate().await.unwrap();
        assert!(store.pending_migrations().await.unwrap().is_empty());
    }

    /// Two nodes starting together on one fresh PostgreSQL database: both migrations
    /// succeed (the advisory lock makes the second wait, then find nothing to do).
    #[tokio::test]
    async fn concurrent_migrations_on_postgres_both_succeed_and_apply_each_once() {
        let Some(db) =
            crate::testing::TestDatabase::create(crate::testing::Backend::Postgres).await
        else {
            crate::testing::skip_or_fail(crate::testing::POSTGRES_ENV);
            return;
        };
        for _ in 0..3 {
            let nodes = [
                Store::connect(&db.url, 3).await.unwrap(),
                Store::connect(&db.url, 3).await.unwrap(),
            ];
            let (a, b) = tokio::join!(nodes[0].migrate(), nodes[1].migrate());
            a.unwrap();
            b.unwrap();
            let rows = nodes[0]
                .db()
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    "SELECT COUNT(*) AS n, COUNT(DISTINCT version) AS d FROM seaql_migrations",
                ))
                .await
                .unwrap()
                .unwrap();
            let n: i64 = rows.try_get("", "n").unwrap();
            let d: i64 = rows.try_get("", "d").unwrap();
            assert_eq!((n, d), (Migrator::migrations().len() as i64, n));
            // Start again from nothing, for the next round.
            Migrator::down(nodes[0].db(), None).await.unwrap();
            for node in nodes {
                node.close().await.unwrap();
            }
        }
    }

    #[test]
    fn engines_are_named_by_url_scheme() {
        assert_eq!(Engine::of_url("sqlite://x.db").unwrap(), Engine::Sqlite);
        assert_eq!(
            Engine::of_url("postgres://u@h/d").unwrap(),
            Engine::Postgres
        );
        assert_eq!(
            Engine::of_url("postgresql://u@h/d").unwrap(),
            Engine::Postgres
        );
        assert!(Engine::of_url("nope").is_err());
        assert!(Engine::of_url("mysql://x").is_err());
    }
}
