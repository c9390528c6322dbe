//! Test harness: starts Gatehouse in-process on a free loopback port against a fresh
//! database (SQLite always; PostgreSQL + Redis when `GATEHOUSE_TEST_POSTGRES_URL` and
//! `GATEHOUSE_TEST_REDIS_URL` are set), with HTTP clients that keep cookies like a browser.

#![allow(clippy::expect_used, clippy::unwrap_used)] // test scaffolding

pub mod rp;

use std::net::TcpListener;

pub use domain::clients::NewClient;
pub use domain::testing::{Backend, skip_or_fail};
use domain::testing::{REDIS_ENV, TestDatabase};
use domain::users::{NewUser, Profile, UserStatus};
use gatehouse::server::{StartOptions, start_on};
use gatehouse::{Config, RunningServer};

/// The redirect URI test clients register (nothing listens there: tests read the redirect).
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/cb";
/// The post-logout redirect URI test clients register.
pub const POST_LOGOUT_URI: &str = "http://127.0.0.1:9/logged-out";

/// The password the harness gives the bootstrap administrator.
pub const ADMIN_PASSWORD: &str = "bootstrap admin passphrase";

/// A Gatehouse instance for one test (or one module).
#[derive(Debug)]
pub struct TestServer {
    /// `http://127.0.0.1:PORT`, also the issuer.
    pub base: String,
    /// The configuration it runs with.
    pub config: Config,
    running: Option<RunningServer>,
    db: TestDatabase,
    data_dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server on `backend`, or `None` when that backend is not configured here.
    pub async fn start(backend: Backend) -> Option<Self> {
        Self::start_with(backend, |_| {}).await
    }

    /// Like [`TestServer::start`], letting the test adjust the configuration first.
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<Self> {
        let redis = match backend {
            Backend::Sqlite => String::new(),
            Backend::Postgres => std::env::var(REDIS_ENV).ok()?,
        };
        let db = TestDatabase::create(backend).await?;
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            data_dir: data_dir.path().to_path_buf(),
            ..Config::default()
        };
        config.database.url = db.url.clone();
        config.database.max_connections = 5;
        config.cache.redis_url = redis;
        config.cache.key_prefix = format!("gatehouse-test-{}:", uuid_like());
        config.server.workers = 2;
        config.server.shutdown_timeout_secs = 5;
        config.log.level = "warn".into();
        // Cheap argon2 keeps the suite fast; the production cost is tested in domain.
        config.password.memory_kib = 1024;
        config.password.iterations = 1;
        config.secrets.master_key = domain::secrets::MasterKey::generate().to_base64();
        config.bootstrap.admin_email = "admin@example.com".into();
        adjust(&mut config);
        let mut server = Self {
            base: String::new(),
            config,
            running: None,
            db,
            data_dir,
        };
        server.boot().await;
        Some(server)
    }

    async fn boot(&mut self) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = listener.local_addr().expect("local addr").port();
        self.base = format!("http://127.0.0.1:{port}");
        self.config.issuer = self.base.clone();
        self.config.server.bind = format!("127.0.0.1:{port}");
        gatehouse::logging::init(&self.config.log);
        let running = start_on(
            listener,
            self.config.clone().validated().expect("valid test config"),
            StartOptions {
                handle_signals: false,
                bootstrap_password: Some(ADMIN_PASSWORD.into()),
            },
        )
        .await
        .expect("server starts");
        self.running = Some(running);
    }

    /// Stops the server and starts it again on the same database and data directory.
    pub async fn restart(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop(true).await.expect("clean stop");
        }
        self.boot().await;
    }

    /// The running server (its services give tests a look inside).
    pub fn running(&self) -> &RunningServer {
        self.running.as_ref().expect("server is running")
    }

    /// An absolute URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A fresh browser: keeps cookies, does not follow redirects (tests inspect them).
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client")
    }

    /// Registers a client (defaults: confidential, code + refresh, standard scopes) with
    /// `redirect_uri`; returns `(client_id, secret)`.
    pub async fn client(&self, adjust: impl FnOnce(&mut NewClient)) -> (String, Option<String>) {
        let mut new = NewClient {
            name: "Test App".into(),
            redirect_uris: vec![REDIRECT_URI.into()],
            post_logout_redirect_uris: vec![POST_LOGOUT_URI.into()],
            ..Default::default()
        };
        adjust(&mut new);
        let (client, secret) = self
            .running()
            .services
            .clients
            .create(new)
            .await
            .expect("client created");
        (client.client_id, secret)
    }

    /// Creates an active, verified user with a full profile; returns its internal id.
    pub async fn user(&self, email: &str, password: &str) -> String {
        let services = &self.running().services;
        let user = services
            .users
            .create(NewUser {
                email: email.into(),
                password: Some(password.into()),
                email_verified: true,
                display_name: Some("Alice Example".into()),
                status: UserStatus::Active,
            })
            .await
            .expect("user created");
        services
            .users
            .update_profile(
                &user.id,
                Profile {
                    given_name: Some("Alice".into()),
                    family_name: Some("Example".into()),
                    nickname: Some("ali".into()),
                    preferred_username: Some("alice".into()),
                    locale: Some("en-GB".into()),
                    zoneinfo: Some("Europe/London".into()),
                    phone_number: Some("+44 20 7946 0000".into()),
                    phone_number_verified: Some(true),
                    address: Some(serde_json::json!({
                        "street_address": "1 Example Street",
                        "locality": "London",
                        "postal_code": "N1 1AA",
                        "country": "GB"
                    })),
                    ..Default::default()
                },
            )
            .await
            .expect("profile set");
        user.id
    }

    /// The directory holding this server's data (master key).
    pub fn data_dir(&self) -> &std::path::Path {
        self.data_dir.path()
    }

    /// The database URL.
    pub fn database_url(&self) -> &str {
        &self.db.url
    }

    /// Stops the server gracefully.
    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop(true).await.expect("clean stop");
        }
    }
}

fn uuid_like() -> String {
    domain::random::token::<9>()
}

/// Generates `mod NAME { async fn sqlite(); async fn postgres(); }` for each test body,
/// given a `TestServer`. The PostgreSQL variant runs with Redis when both are configured.
#[macro_export]
macro_rules! server_tests {
    ($(async fn $name:ident($server:ident : $ty:ty) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run(mut $server: $ty) {
                    $body
                    $server.stop().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let server = $crate::TestServer::start($crate::Backend::Sqlite).await.expect("sqlite");
                    run(server).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres_redis() {
                    let Some(server) = $crate::TestServer::start($crate::Backend::Postgres).await else {
                        $crate::skip_or_fail("GATEHOUSE_TEST_POSTGRES_URL and GATEHOUSE_TEST_REDIS_URL");
                        return;
                    };
                    run(server).await;
                }
            }
        )*
    };
}
