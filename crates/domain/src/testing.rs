//! Throw-away databases for tests: a fresh SQLite file always, and a fresh PostgreSQL
//! database (created, then dropped) when `GATEHOUSE_TEST_POSTGRES_URL` is set.

#![allow(clippy::expect_used)] // test scaffolding: a failure to set up must stop the test
use sea_orm::{ConnectionTrait as _, Database};

use crate::store::Store;

/// The environment variable naming an admin URL of a PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "GATEHOUSE_TEST_POSTGRES_URL";
/// The environment variable naming a Redis server for tests.
pub const REDIS_ENV: &str = "GATEHOUSE_TEST_REDIS_URL";
/// The environment variable naming a Memcached server for tests (`memcache://host:port`).
pub const MEMCACHED_ENV: &str = "GATEHOUSE_TEST_MEMCACHED_URL";

/// Set (to anything) by CI: a test whose backend is not configured fails instead of skipping.
pub const REQUIRE_ENV: &str = "GATEHOUSE_TEST_REQUIRE_SERVICES";

/// Called when a backend's variables are missing: skips, or fails under CI.
pub fn skip_or_fail(what: &str) {
    if std::env::var_os(REQUIRE_ENV).is_some() {
        panic!(
            "{REQUIRE_ENV} is set but {what} is not: the PostgreSQL/Redis/Memcached suites cannot run"
        );
    }
    eprintln!("skipped: {what} not set");
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A new SQLite file in a temporary directory.
    Sqlite,
    /// A new database on the server of `GATEHOUSE_TEST_POSTGRES_URL`.
    Postgres,
}

/// A database that exists for one test and is removed afterwards.
#[derive(Debug)]
pub struct TestDatabase {
    /// The URL to give Gatehouse.
    pub url: String,
    admin_url: Option<String>,
    name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// Creates a fresh, empty database, or `None` when the backend is not configured.
    pub async fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().ok()?;
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                Some(Self {
                    url,
                    admin_url: None,
                    name: None,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let admin_url = std::env::var(POSTGRES_ENV).ok()?;
                let name = format!(
                    "{PREFIX}{}_{}",
                    std::process::id(),
                    uuid::Uuid::new_v4().simple()
                );
                let admin = Database::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but unreachable: {e}"));
                sweep_orphans(&admin).await;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap_or_else(|e| panic!("cannot create test database: {e}"));
                let _ = admin.close().await;
                let url = replace_db_name(&admin_url, &name);
                Some(Self {
                    url,
                    admin_url: Some(admin_url),
                    name: Some(name),
                    _dir: None,
                })
            }
        }
    }

    /// Connects and migrates.
    pub async fn store(&self) -> Store {
        let store = Store::connect(&self.url, 5).await.expect("connect");
        store.migrate().await.expect("migrate");
        store
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (Some(admin_url), Some(name)) = (self.admin_url.take(), self.name.take()) else {
            return;
        };
        // Drop runs inside a Tokio runtime; the cleanup gets its own thread and runtime.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// Test databases are named `PREFIX{pid}_{uuid}`.
const PREFIX: &str = "gatehouse_test_";

/// Drops test databases whose test process is gone: a server shared by a whole test
/// binary lives until the process exits, so its database is never dropped by `Drop`.
async fn sweep_orphans(admin: &sea_orm::DatabaseConnection) {
    let Ok(rows) = admin
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'"),
        ))
        .await
    else {
        return;
    };
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("GATEHOUSE_TEST_POSTGRES_URL is a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

/// Runs one test body against each configured backend: SQLite always, PostgreSQL when set.
/// Generates `mod $name { fn sqlite(); fn postgres(); }` so the log names the backend.
#[macro_export]
macro_rules! backend_tests {
    ($(async fn $name:ident($store:ident : Store) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($store: $crate::store::Store) $body

                #[tokio::test]
                async fn sqlite() {
                    let db = $crate::testing::TestDatabase::create($crate::testing::Backend::Sqlite)
                        .await
                        .expect("sqlite test database");
                    run(db.store().await).await;
                }

                #[tokio::test]
                async fn postgres() {
                    let Some(db) = $crate::testing::TestDatabase::create($crate::testing::Backend::Postgres).await else {
                        $crate::testing::skip_or_fail($crate::testing::POSTGRES_ENV);
                        return;
                    };
                    run(db.store().await).await;
                }
            }
        )*
    };
}

/// A parked authorization request of `client_id` for `openid`, with nothing else asked.
pub fn pending_request(client_id: &str) -> crate::authorization::PendingRequest {
    crate::authorization::PendingRequest {
        client_id: client_id.into(),
        redirect_uri: "https://app.example/cb".into(),
        response_mode: crate::authorization::ResponseMode::Query,
        scopes: vec!["openid".into()],
        state: None,
        nonce: None,
        code_challenge: None,
        code_challenge_method: None,
        prompt: vec![],
        max_age: None,
        login_hint: None,
        id_token_hint_sub: None,
        acr_values: vec![],
        claims: None,
        ui_locales: vec![],
        display: None,
        received_at: 0,
        signed_in_session: None,
        consent_given: false,
        consent_denied: false,
        consent_session: None,
        resources: vec![],
        idp_hint: None,
        guest: false,
        pushed: None,
        dpop_jkt: None,
    }
}
