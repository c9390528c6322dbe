//! Test harness: starts Gatehouse in-process on a free loopback port against a fresh
//! database (SQLite always; PostgreSQL + Redis when `GATEHOUSE_TEST_POSTGRES_URL` and
//! `GATEHOUSE_TEST_REDIS_URL` are set), with HTTP clients that keep cookies like a browser.

#![allow(clippy::expect_used, clippy::unwrap_used)] // test scaffolding

pub mod client_keys;
pub mod jwks;
pub mod mailbox;
pub mod mmdb;
pub mod rp;
pub mod rp_server;
pub mod served;
pub mod smtp;
pub mod totp;
pub mod upstream;
pub mod upstream_presets;
pub mod webdriver;

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
    /// The runtime a shared server lives on; service calls go there (see [`shared_server`]).
    runtime: Option<tokio::runtime::Handle>,
    db: TestDatabase,
    data_dir: tempfile::TempDir,
    /// `localhost` when the test asked for it (WebAuthn needs a domain name), else 127.0.0.1.
    host: &'static str,
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
        // Dozens of servers share one PostgreSQL (max_connections 100 by default): three
        // connections each keep the whole suite under that.
        config.database.max_connections = 3;
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
        // Tests about the CAPTCHA switch it on; the others fill in forms without it.
        config.captcha.provider = gatehouse::config::CaptchaProvider::None;
        // Every test comes from 127.0.0.1, many to one shared server: the rate limits would
        // trip across tests. The `rate_limits` module sets small ones; the lock after wrong
        // second-factor codes stays on.
        config.rate_limit = gatehouse::config::RateLimitConfig {
            code_failures_lock_after: config.rate_limit.code_failures_lock_after,
            password_max_delay_ms: 0,
            ..no_rate_limits()
        };
        adjust(&mut config);
        // A test sets the issuer to "http://localhost" to be served under that name.
        let host = if config.issuer == "http://localhost" {
            "localhost"
        } else {
            "127.0.0.1"
        };
        let mut server = Self {
            host,
            base: String::new(),
            config,
            running: None,
            runtime: None,
            db,
            data_dir,
        };
        server.boot().await;
        Some(server)
    }

    async fn boot(&mut self) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = listener.local_addr().expect("local addr").port();
        self.base = format!("http://{}:{port}", self.host);
        self.config.issuer = self.base.clone();
        self.config.server.bind = format!("127.0.0.1:{port}");
        gatehouse::logging::init(&self.config.log);
        // Boxed: the start-up future is large, and tests run on threads with small stacks.
        let running = Box::pin(start_on(
            listener,
            self.config.clone().validated().expect("valid test config"),
            StartOptions {
                handle_signals: false,
                bootstrap_password: Some(ADMIN_PASSWORD.into()),
            },
        ))
        .await
        .expect("server starts");
        self.running = Some(running);
    }

    /// Another node of the same deployment: same database, cache, master key and issuer (as
    /// behind a load balancer), on its own port. Returns its base URL and the server.
    pub async fn another_node(&self) -> (String, RunningServer) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = listener.local_addr().expect("local addr").port();
        let mut config = self.config.clone();
        config.server.bind = format!("127.0.0.1:{port}");
        let running = Box::pin(start_on(
            listener,
            config.validated().expect("valid test config"),
            StartOptions {
                handle_signals: false,
                bootstrap_password: Some(ADMIN_PASSWORD.into()),
            },
        ))
        .await
        .expect("second node starts");
        (format!("http://127.0.0.1:{port}"), running)
    }

    /// Stops the server and starts it again on the same database and data directory.
    pub async fn restart(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop(true).await.expect("clean stop");
        }
        Box::pin(self.boot()).await;
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
        let clients = self.running().services.clients.clone();
        let (client, secret) = self
            .on_server(async move { clients.create(new).await })
            .await
            .expect("client created");
        (client.client_id, secret)
    }

    /// Creates an active, verified user with a full profile; returns its internal id.
    pub async fn user(&self, email: &str, password: &str) -> String {
        let users = self.running().services.users.clone();
        let (email, password) = (email.to_owned(), password.to_owned());
        self.on_server(async move { create_user(&users, email, password).await })
            .await
    }

    /// Runs `work` on the server's runtime: the database pools belong to it, and a shared
    /// server outlives each test's runtime.
    pub async fn on_server<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = T> + Send + 'static,
    ) -> T {
        match &self.runtime {
            Some(handle) => handle.spawn(work).await.expect("server-side task"),
            None => work.await,
        }
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

/// An active, verified user with a full profile (every standard claim has a value).
async fn create_user(users: &domain::users::Users, email: String, password: String) -> String {
    let user = users
        .create(NewUser {
            email,
            password: Some(password),
            email_verified: true,
            display_name: Some("Alice Example".into()),
            status: UserStatus::Active,
        })
        .await
        .expect("user created");
    users
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

/// Where a module keeps its shared server for one backend (`None`: backend not configured).
pub type SharedSlot = std::sync::OnceLock<Option<&'static TestServer>>;

/// The server shared by the tests of one module on `backend`, started on first use with
/// `adjust` applied to its configuration. It runs on a runtime of its own, so it outlives
/// each test's runtime, and lives until the test process exits. Tests sharing it must not
/// depend on each other: each creates its own users and clients.
pub fn shared_server(
    slot: &'static SharedSlot,
    backend: Backend,
    adjust: fn(&mut Config),
) -> Option<&'static TestServer> {
    *slot.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("shared-gatehouse".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("server runtime");
                let server = runtime.block_on(TestServer::start_with(backend, adjust));
                let server: Option<&'static TestServer> = server.map(|mut server| {
                    server.runtime = Some(runtime.handle().clone());
                    &*Box::leak(Box::new(server))
                });
                tx.send(server).expect("test thread waits");
                runtime.block_on(std::future::pending::<()>());
            })
            .expect("server thread");
        rx.recv().expect("shared server started")
    })
}

/// Like [`server_tests!`], but all tests of the invoking module share one server per
/// backend, configured by `setup: fn(&mut Config)`. Each body gets `&'static TestServer`.
#[macro_export]
macro_rules! shared_server_tests {
    (setup = $setup:expr; $(async fn $name:ident($server:ident) $body:block)*) => {
        static SHARED_SQLITE: $crate::SharedSlot = std::sync::OnceLock::new();
        static SHARED_POSTGRES: $crate::SharedSlot = std::sync::OnceLock::new();
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($server: &'static $crate::TestServer) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let server = $crate::shared_server(&super::SHARED_SQLITE, $crate::Backend::Sqlite, $setup)
                        .expect("sqlite");
                    run(server).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres_redis() {
                    let Some(server) = $crate::shared_server(&super::SHARED_POSTGRES, $crate::Backend::Postgres, $setup) else {
                        $crate::skip_or_fail("GATEHOUSE_TEST_POSTGRES_URL and GATEHOUSE_TEST_REDIS_URL");
                        return;
                    };
                    run(server).await;
                }
            }
        )*
    };
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

/// Every rate limit off (0), windows at their defaults.
pub fn no_rate_limits() -> gatehouse::config::RateLimitConfig {
    gatehouse::config::RateLimitConfig {
        client_auth_failures_per_client: 0,
        client_auth_failures_per_ip: 0,
        password_per_ip: 0,
        password_per_account: 0,
        password_per_ip_account: 0,
        mail_per_ip: 0,
        mail_per_address: 0,
        code_guesses_per_account: 0,
        code_failures_lock_after: 0,
        authorize_per_ip: 0,
        device_codes_per_ip: 0,
        device_codes_per_session: 0,
        registrations_per_ip: 0,
        ..Default::default()
    }
}
