//! The `gatehouse` binary as an operator runs it: a real process, its exit codes, its output.
//! (HTTP behaviour is tested in-process by the black-box suite in `tests/`.)

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sea_orm::EntityTrait as _;
use serde_json::Value;

#[path = "cli/faults.rs"]
mod faults;
#[path = "cli/telemetry.rs"]
mod telemetry;
#[path = "cli/vault.rs"]
mod vault;

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gatehouse"));
        cmd.current_dir(self.dir.path())
            .env_remove("GATEHOUSE_CONFIG")
            .env_remove("RUST_LOG")
            .env("GATEHOUSE__PASSWORD__MEMORY_KIB", "1024")
            .env("GATEHOUSE__PASSWORD__ITERATIONS", "1")
            .env("GATEHOUSE__KEYS__ALGORITHMS", "RS256,ES256");
        cmd
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// The services over the sandbox's data, as the binary opens them.
async fn open(sandbox: &Sandbox) -> gatehouse::services::Services {
    let dir = sandbox.dir.path();
    let env = [
        (
            "GATEHOUSE__DATA_DIR",
            dir.join("data").display().to_string(),
        ),
        (
            "GATEHOUSE__DATABASE__URL",
            format!(
                "sqlite://{}?mode=rwc",
                dir.join("data/gatehouse.db").display()
            ),
        ),
        ("GATEHOUSE__PASSWORD__MEMORY_KIB", "1024".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let config = gatehouse::Config::load(None, env).unwrap();
    gatehouse::services::Services::open(config).await.unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `serve` and reads its stdout until the banner (and admin lines) have printed.
fn serve(sandbox: &Sandbox, port: u16) -> (Child, String) {
    serve_with(sandbox, port, &[])
}

/// [`serve`] with extra environment variables.
fn serve_with(sandbox: &Sandbox, port: u16, env: &[(&str, &str)]) -> (Child, String) {
    let mut child = sandbox
        .command()
        .arg("serve")
        .envs(env.iter().copied())
        .env("GATEHOUSE__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("GATEHOUSE__SERVER__SHUTDOWN_TIMEOUT_SECS", "5")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        banner.push_str(&line);
        if line.contains("discovery:") {
            // The admin block, when printed, follows the banner at once.
            let first_start = !sandbox.dir.path().join("seen").exists();
            if first_start {
                for _ in 0..4 {
                    line.clear();
                    reader.read_line(&mut line).unwrap();
                    banner.push_str(&line);
                }
                std::fs::write(sandbox.dir.path().join("seen"), "").unwrap();
            }
            break;
        }
    }
    (child, banner)
}

fn get(port: u16, path: &str) -> u16 {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response[9..12].parse().unwrap()
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kids(sandbox: &Sandbox) -> Vec<(String, String)> {
    let keys: Value = serde_json::from_str(&sandbox.ok(&["keys", "list", "--json"], None)).unwrap();
    keys.as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["kid"].as_str().unwrap().to_owned(),
                k["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn serve_first_start_prints_admin_once_then_reuses_database_and_keys() {
    let sandbox = Sandbox::new();
    let port = free_port();
    let (mut first, banner) = serve(&sandbox, port);
    assert!(
        banner.contains("issuer:    http://localhost:8080"),
        "{banner}"
    );
    assert!(
        banner.contains("/.well-known/openid-configuration"),
        "{banner}"
    );
    assert!(banner.contains("email:    admin@localhost"), "{banner}");
    let password = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .expect("generated password printed")
        .to_owned();
    assert_eq!(password.len(), 20);
    assert_eq!(get(port, "/healthz"), 200);
    assert_eq!(get(port, "/readyz"), 200);
    assert!(
        terminate(&mut first).success(),
        "graceful exit 0 on SIGTERM"
    );

    let master_key = sandbox.dir.path().join("data/master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&master_key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let keys_before = kids(&sandbox);
    assert_eq!(keys_before.len(), 4, "active + next for RS256 and ES256");

    let (mut second, banner) = serve(&sandbox, port);
    assert!(
        !banner.contains("password"),
        "credentials printed again: {banner}"
    );
    assert_eq!(get(port, "/readyz"), 200);
    assert!(terminate(&mut second).success());
    assert_eq!(kids(&sandbox), keys_before);

    // The printed password is the admin's: checked through a throw-away in-process login.
    let users = sandbox.ok(&["user", "show", "admin@localhost", "--json"], None);
    let admin: Value = serde_json::from_str(&users).unwrap();
    assert_eq!(admin["roles"], serde_json::json!(["gatehouse:admin"]));
    assert_eq!(admin["status"], "active");
}

#[test]
fn client_create_json_prints_a_usable_client() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let out = sandbox.ok(
        &[
            "client",
            "create",
            "--name",
            "demo",
            "--redirect-uri",
            "http://127.0.0.1:9999/cb",
            "--json",
        ],
        None,
    );
    let created: Value = serde_json::from_str(&out).unwrap();
    let id = created["client_id"].as_str().unwrap();
    let secret = created["client_secret"].as_str().unwrap();
    assert!(secret.len() >= 43);
    assert_eq!(
        created["redirect_uris"],
        serde_json::json!(["http://127.0.0.1:9999/cb"])
    );

    let shown: Value =
        serde_json::from_str(&sandbox.ok(&["client", "show", id, "--json"], None)).unwrap();
    assert_eq!(shown["client_id"], id);
    assert!(shown.get("client_secret").is_none(), "secret shown again");
    assert!(sandbox.ok(&["client", "list"], None).contains(id));

    let refused = sandbox.run(&["client", "create", "--name", "x", "--json"], None);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8(refused.stderr).unwrap();
    assert!(err.contains("redirect_uri"), "{err}");

    // Usable: the printed secret authenticates the client.
    let authenticated = block_on(async {
        open(&sandbox)
            .await
            .clients
            .authenticate(id, secret)
            .await
            .unwrap()
            .is_some()
    });
    assert!(authenticated);

    sandbox.ok(&["client", "delete", id], None);
    assert_eq!(
        sandbox.run(&["client", "show", id], None).status.code(),
        Some(1)
    );
}

#[test]
fn client_initial_token_create_list_revoke() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let out = sandbox.ok(
        &[
            "client",
            "initial-token",
            "create",
            "--expires-in",
            "1d",
            "--max-uses",
            "3",
            "--json",
        ],
        None,
    );
    let created: Value = serde_json::from_str(&out).unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 43, "{created}");
    assert_eq!(created["max_uses"], 3);
    assert_eq!(created["active"], true);
    let expires = time::OffsetDateTime::parse(
        created["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let left = expires - time::OffsetDateTime::now_utc();
    assert!(
        left > time::Duration::hours(23) && left <= time::Duration::days(1),
        "{left}"
    );

    let listed: Value =
        serde_json::from_str(&sandbox.ok(&["client", "initial-token", "list", "--json"], None))
            .unwrap();
    assert_eq!(listed[0]["id"], id.as_str());
    assert!(!listed.to_string().contains(&token), "the token is listed");
    assert!(
        sandbox
            .ok(&["client", "initial-token", "list"], None)
            .contains(&id)
    );

    let revoked: Value = serde_json::from_str(
        &sandbox.ok(&["client", "initial-token", "revoke", &id, "--json"], None),
    )
    .unwrap();
    assert_eq!(revoked["active"], false);
    assert!(revoked["revoked_at"].is_string());

    let bad = sandbox.run(
        &["client", "initial-token", "create", "--expires-in", "400d"],
        None,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8(bad.stderr)
            .unwrap()
            .contains("expires_in")
    );
    let unknown = sandbox.run(&["client", "initial-token", "revoke", "nope"], None);
    assert_eq!(unknown.status.code(), Some(1));
}

#[test]
fn client_create_takes_allowed_origins_and_shows_them() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let out = sandbox.ok(
        &[
            "client",
            "create",
            "--name",
            "spa",
            "--public",
            "--redirect-uri",
            "https://spa.example/cb",
            "--allowed-origin",
            "https://spa.example",
            "--allowed-origin",
            "http://localhost:3000",
            "--json",
        ],
        None,
    );
    let created: Value = serde_json::from_str(&out).unwrap();
    let id = created["client_id"].as_str().unwrap();
    let origins = serde_json::json!(["https://spa.example", "http://localhost:3000"]);
    assert_eq!(created["allowed_origins"], origins);
    let shown: Value =
        serde_json::from_str(&sandbox.ok(&["client", "show", id, "--json"], None)).unwrap();
    assert_eq!(shown["allowed_origins"], origins);
    let text = sandbox.ok(&["client", "show", id], None);
    assert!(
        text.lines()
            .any(|l| l.starts_with("allowed_origins") && l.contains("https://spa.example")),
        "{text}"
    );

    // A public client without the flag: its redirect URIs' origins.
    let out = sandbox.ok(
        &[
            "client",
            "create",
            "--name",
            "spa2",
            "--public",
            "--redirect-uri",
            "https://spa2.example/app/cb",
            "--json",
        ],
        None,
    );
    let created: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        created["allowed_origins"],
        serde_json::json!(["https://spa2.example"])
    );

    let refused = sandbox.run(
        &[
            "client",
            "create",
            "--name",
            "x",
            "--redirect-uri",
            "https://x.example/cb",
            "--allowed-origin",
            "https://x.example/app",
        ],
        None,
    );
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8(refused.stderr).unwrap();
    assert!(err.contains("allowed_origin"), "{err}");
}

#[test]
fn user_create_reads_the_password_from_stdin_and_never_from_argv() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    sandbox.ok(
        &["role", "create", "editor", "--permission", "posts:write"],
        None,
    );
    sandbox.ok(
        &[
            "user",
            "create",
            "--email",
            "A@Example.com",
            "--password-stdin",
            "--role",
            "editor",
            "--verified",
        ],
        Some("correct horse battery staple\n"),
    );
    let shown: Value =
        serde_json::from_str(&sandbox.ok(&["user", "show", "a@example.com", "--json"], None))
            .unwrap();
    assert_eq!(shown["email"], "a@example.com");
    assert_eq!(shown["roles"], serde_json::json!(["editor"]));
    assert_eq!(shown["email_verified"], true);

    // The stored hash is argon2id and verifies the password that went through stdin.
    let verified = block_on(async {
        let services = open(&sandbox).await;
        let hash = domain::entities::credential::Entity::find()
            .one(services.store.db())
            .await
            .unwrap()
            .unwrap()
            .secret;
        assert!(
            hash.starts_with("$argon2id$") && !hash.contains("correct horse"),
            "{hash}"
        );
        services
            .users
            .verify_password("a@example.com", "correct horse battery staple")
            .await
            .unwrap()
            .is_some()
    });
    assert!(verified);

    let argv = sandbox.run(
        &[
            "user",
            "create",
            "--email",
            "b@example.com",
            "--password",
            "x",
        ],
        None,
    );
    assert_eq!(
        argv.status.code(),
        Some(2),
        "clap refuses a password option"
    );
    let no_tty = sandbox.run(&["user", "create", "--email", "b@example.com"], None);
    assert_eq!(no_tty.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_tty.stderr).contains("--password-stdin"));

    sandbox.ok(
        &["role", "grant", "editor", "--user", "a@example.com"],
        None,
    );
    sandbox.ok(&["user", "disable", "a@example.com"], None);
    let listed = sandbox.ok(&["user", "list"], None);
    assert!(listed.contains("disabled"), "{listed}");
    sandbox.ok(&["user", "delete", "a@example.com"], None);
    assert_eq!(
        sandbox
            .run(&["user", "show", "a@example.com"], None)
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn a_bad_config_value_exits_1_naming_the_key_without_a_backtrace() {
    let sandbox = Sandbox::new();
    for (var, value, key) in [
        ("GATEHOUSE__DATABASE__URL", "nope", "database.url"),
        ("GATEHOUSE__ISSUER", "http://id.example.com", "issuer"),
    ] {
        let out = sandbox
            .command()
            .arg("serve")
            .env(var, value)
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.contains(key), "{err}");
        assert!(
            !err.contains("backtrace") && !err.contains("panicked"),
            "{err}"
        );
    }
    assert!(
        !sandbox.dir.path().join("data").exists(),
        "nothing written on a refused start"
    );
}

#[test]
fn keys_rotate_activates_the_published_next_key() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let out = sandbox.ok(&["keys", "rotate", "--alg", "ES256"], None);
    assert!(out.contains("ES256:"), "{out}");
    let before = kids(&sandbox);
    let next = before.iter().find(|(_, s)| s == "next").unwrap().0.clone();
    sandbox.ok(&["keys", "rotate", "--alg", "ES256"], None);
    let after = kids(&sandbox);
    assert!(after.contains(&(next, "active".to_owned())), "{after:?}");
    assert_eq!(after.iter().filter(|(_, s)| s == "retired").count(), 2);
    let bad = sandbox.run(&["keys", "rotate", "--alg", "HS256"], None);
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn purge_deletes_ended_rows_and_says_how_many() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    // A parked authorization request that has expired, and one that has not.
    let (expired, live) = block_on(async {
        use domain::entities::authorization_request as request;
        use sea_orm::{ColumnTrait as _, QueryFilter as _, sea_query::Expr};
        let services = open(&sandbox).await;
        let (client, _) = services
            .clients
            .create(domain::clients::NewClient {
                name: "app".into(),
                redirect_uris: vec!["https://app.example/cb".into()],
                ..Default::default()
            })
            .await
            .unwrap();
        let parked = domain::testing::pending_request(&client.client_id);
        let expired = services.requests.save(&parked).await.unwrap();
        let live = services.requests.save(&parked).await.unwrap();
        request::Entity::update_many()
            .col_expr(
                request::Column::ExpiresAt,
                Expr::value(domain::now() - Duration::from_secs(60)),
            )
            .filter(request::Column::Id.eq(expired.clone()))
            .exec(services.store.db())
            .await
            .unwrap();
        services.store.close().await.unwrap();
        (expired, live)
    });
    let purged: Value = serde_json::from_str(&sandbox.ok(&["purge", "--json"], None)).unwrap();
    assert_eq!(purged["authorization_requests"], 1, "{purged}");
    assert_eq!(purged["grants"], 0, "{purged}");
    let left = block_on(async {
        let services = open(&sandbox).await;
        let left = (
            services.requests.get(&expired).await.unwrap().is_some(),
            services.requests.get(&live).await.unwrap().is_some(),
            domain::entities::authorization_request::Entity::find()
                .all(services.store.db())
                .await
                .unwrap()
                .len(),
        );
        services.store.close().await.unwrap();
        left
    });
    assert_eq!(
        left,
        (false, true, 1),
        "the expired row is gone, the live one stays"
    );
    let text = sandbox.ok(&["purge"], None);
    assert!(
        text.contains("authorization requests") && text.contains("deleted"),
        "{text}"
    );
    // A retention too short for reuse detection is refused, naming the key.
    let out = sandbox
        .command()
        .args(["purge"])
        .env("GATEHOUSE__MAINTENANCE__RETAIN_ENDED_SECS", "60")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("maintenance.retain_ended_secs"));
}

#[test]
fn user_lock_unlock_suspend_reactivate_change_the_account_state() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    sandbox.ok(
        &[
            "user",
            "create",
            "--email",
            "s@example.com",
            "--password-stdin",
        ],
        Some("a long enough passphrase\n"),
    );
    let status = |s: &Sandbox| -> Value {
        serde_json::from_str(&s.ok(&["user", "show", "s@example.com", "--json"], None)).unwrap()
    };
    assert!(
        sandbox
            .ok(&["user", "lock", "s@example.com", "--minutes", "5"], None)
            .contains("locked s@example.com until")
    );
    assert_eq!(status(&sandbox)["status"], "locked");
    // Locking twice, or suspending without a reason, is refused with one clear line.
    let again = sandbox.run(&["user", "lock", "s@example.com"], None);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("only an active account can be locked")
    );
    sandbox.ok(&["user", "unlock", "s@example.com"], None);
    assert_eq!(status(&sandbox)["status"], "active");
    let no_reason = sandbox.run(&["user", "suspend", "s@example.com", "--reason", " "], None);
    assert_eq!(no_reason.status.code(), Some(1));
    sandbox.ok(
        &["user", "suspend", "s@example.com", "--reason", "chargeback"],
        None,
    );
    let shown = status(&sandbox);
    assert_eq!(shown["status"], "suspended");
    assert_eq!(shown["status_reason"], "chargeback");
    sandbox.ok(&["user", "reactivate", "s@example.com"], None);
    assert_eq!(status(&sandbox)["status"], "active");
    let active = sandbox.run(&["user", "reactivate", "s@example.com"], None);
    assert_eq!(active.status.code(), Some(1));
    let unknown = sandbox.run(
        &["user", "suspend", "nobody@example.com", "--reason", "x"],
        None,
    );
    assert_eq!(unknown.status.code(), Some(1));
}

#[test]
fn user_invite_lists_revokes_and_export_delete_erase_the_account() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    sandbox.ok(&["role", "create", "staff"], None);
    let unknown_role = sandbox.run(
        &["user", "invite", "new@example.com", "--role", "nope"],
        None,
    );
    assert_eq!(unknown_role.status.code(), Some(1));
    let out = sandbox.ok(
        &["user", "invite", "New@Example.com", "--role", "staff"],
        None,
    );
    assert!(out.contains("invited new@example.com"), "{out}");
    let listed: Value =
        serde_json::from_str(&sandbox.ok(&["user", "invitations", "--json"], None)).unwrap();
    assert_eq!(listed[0]["email"], "new@example.com");
    assert_eq!(listed[0]["roles"], serde_json::json!(["staff"]));
    // The mail waits in the outbox for a server to send it.
    let queued = block_on(async {
        let services = open(&sandbox).await;
        services.outbox.pending_count().await.unwrap()
    });
    assert_eq!(queued, 1);
    sandbox.ok(&["user", "revoke-invitation", "new@example.com"], None);
    assert!(
        sandbox
            .ok(&["user", "invitations"], None)
            .contains("no open invitations")
    );
    let again = sandbox.run(&["user", "revoke-invitation", "new@example.com"], None);
    assert_eq!(again.status.code(), Some(1));

    sandbox.ok(
        &[
            "user",
            "create",
            "--email",
            "gone@example.com",
            "--password-stdin",
        ],
        Some("a long enough passphrase\n"),
    );
    let export: Value =
        serde_json::from_str(&sandbox.ok(&["user", "export", "gone@example.com"], None)).unwrap();
    assert_eq!(export["account"]["email"], "gone@example.com");
    assert!(!export.to_string().contains("argon2"), "no password hash");
    let out = sandbox.ok(&["user", "delete", "gone@example.com"], None);
    assert!(
        out.contains("the audit log refers to it as erased:"),
        "{out}"
    );
    let left = block_on(async {
        let services = open(&sandbox).await;
        services
            .users
            .find_by_email("gone@example.com")
            .await
            .unwrap()
    });
    assert!(left.is_none());
}

/// Whether `/readyz` on `port` answers 200.
fn ready(port: u16) -> bool {
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let request = "GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let mut response = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut response).is_ok()
        && response.starts_with("HTTP/1.1 200")
}

/// The hidden `name` field of a page.
fn hidden_field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    page[start..end].to_owned()
}

#[test]
fn two_processes_on_postgres_and_redis_share_sessions_and_their_end() {
    let Ok(redis) = std::env::var("GATEHOUSE_TEST_REDIS_URL") else {
        domain::testing::skip_or_fail("GATEHOUSE_TEST_REDIS_URL");
        return;
    };
    let Some(db) = block_on(domain::testing::TestDatabase::create(
        domain::testing::Backend::Postgres,
    )) else {
        domain::testing::skip_or_fail("GATEHOUSE_TEST_POSTGRES_URL");
        return;
    };
    let sandbox = Sandbox::new();
    let (port_a, port_b) = (free_port(), free_port());
    let key = domain::secrets::MasterKey::generate().to_base64();
    let prefix = format!("gatehouse-cli-{port_a}:");
    let issuer = format!("http://127.0.0.1:{port_a}");
    let node = |port: u16| {
        let mut child = sandbox
            .command()
            .arg("serve")
            .env("GATEHOUSE__SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("GATEHOUSE__ISSUER", &issuer)
            .env("GATEHOUSE__DATABASE__URL", &db.url)
            .env("GATEHOUSE__CACHE__REDIS_URL", &redis)
            .env("GATEHOUSE__CACHE__KEY_PREFIX", &prefix)
            .env("GATEHOUSE__SECRETS__MASTER_KEY", &key)
            // The test is about sessions across nodes: the administrator signs in with a
            // password only.
            .env("GATEHOUSE__ADMIN__REQUIRE_MFA", "false")
            .env(
                "GATEHOUSE_BOOTSTRAP_ADMIN_PASSWORD",
                "a bootstrap passphrase",
            )
            .stdout(
                std::fs::File::create(sandbox.dir.path().join(format!("node-{port}.out"))).unwrap(),
            )
            .stderr(
                std::fs::File::create(sandbox.dir.path().join(format!("node-{port}.log"))).unwrap(),
            )
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        // The port is bound before migrations run: wait for /readyz, not the port.
        while !ready(port) {
            assert!(child.try_wait().unwrap().is_none(), "node on {port} exited");
            assert!(Instant::now() < deadline, "node on {port} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        child
    };
    let mut a = node(port_a);
    let mut b = node(port_b);
    let (base_a, base_b) = (issuer.clone(), format!("http://127.0.0.1:{port_b}"));
    block_on(async {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        // The bootstrap administrator signs in on node A.
        let page = http
            .get(format!("{base_a}/login?next=/account"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let res = http
            .post(format!("{base_a}/login"))
            .form(&[
                ("csrf", hidden_field(&page, "csrf")),
                ("request", String::new()),
                ("next", "/account".into()),
                ("email", "admin@localhost".into()),
                ("password", "a bootstrap passphrase".into()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        // Node B (another process) knows the session and lists it as this one.
        let res = http
            .get(format!("{base_b}/account/sessions.json"))
            .send()
            .await;
        let log = sandbox.dir.path().join(format!("node-{port_b}.log"));
        let log = std::fs::read_to_string(log).unwrap_or_default();
        let sessions: Value = res
            .unwrap_or_else(|e| panic!("{e}: {log}"))
            .json()
            .await
            .unwrap();
        let list = sessions["sessions"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{sessions}");
        assert_eq!(list[0]["current"], true);
        // Ending it on B is seen on A at once.
        let page = http
            .get(format!("{base_b}/account"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let res = http
            .post(format!("{base_b}/account/sign-out"))
            .form(&[("csrf", hidden_field(&page, "csrf"))])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let res = http.get(format!("{base_a}/account")).send().await.unwrap();
        assert_eq!(
            res.status(),
            303,
            "node A sends the ended session to sign in"
        );
    });
    assert!(terminate(&mut a).success());
    assert!(terminate(&mut b).success());
    drop(db);
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn finding_i_read_only_commands_refuse_a_directory_without_data() {
    let sandbox = Sandbox::new();
    for args in [
        &["client", "list"][..],
        &["user", "list"],
        &["keys", "list"],
        &["role", "list"],
        &["purge"],
    ] {
        let out = sandbox.run(args, None);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("error: no database at data/gatehouse.db"),
            "{args:?}: {err}"
        );
    }
    assert!(
        !sandbox.dir.path().join("data").exists(),
        "nothing was created"
    );
    // A database without its master key is refused too (a new key could not read it).
    sandbox.ok(&["migrate"], None);
    std::fs::remove_file(sandbox.dir.path().join("data/master.key")).unwrap();
    let out = sandbox.run(&["client", "list"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no master key at"));
    assert!(!sandbox.dir.path().join("data/master.key").exists());
}

#[cfg(unix)]
#[test]
fn finding_j_data_directory_database_wal_and_shm_are_private() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let data = sandbox.dir.path().join("data");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("gatehouse.db")), 0o600);
    assert_eq!(mode(&data.join("master.key")), 0o600);
    // The WAL and shared-memory files exist while the server runs.
    let port = free_port();
    let (mut child, _) = serve(&sandbox, port);
    assert_eq!(get(port, "/readyz"), 200);
    for file in ["gatehouse.db-wal", "gatehouse.db-shm"] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    assert_eq!(mode(&data.join("mail")), 0o700, "mails hold sign-in links");
    assert!(terminate(&mut child).success());
}

#[test]
fn finding_h_user_create_applies_the_password_policy() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    for (weak, why) in [
        ("a", "at least 8"),
        ("password", "most common"),
        ("weak@example.com", "easy to guess"),
    ] {
        let out = sandbox.run(
            &[
                "user",
                "create",
                "--email",
                "weak@example.com",
                "--password-stdin",
            ],
            Some(&format!("{weak}\n")),
        );
        assert_eq!(out.status.code(), Some(1), "{weak:?} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("password refused") && err.contains(why),
            "{weak:?}: {err}"
        );
    }
    let listed = sandbox.ok(&["user", "list"], None);
    assert!(!listed.contains("weak@example.com"), "{listed}");
    sandbox.ok(
        &[
            "user",
            "create",
            "--email",
            "weak@example.com",
            "--password-stdin",
        ],
        Some("violet staircase humming 42\n"),
    );
}

#[test]
fn finding_e_a_client_cannot_choose_an_algorithm_without_a_key() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let create = |alg_option: &str| {
        sandbox
            .command()
            .env("GATEHOUSE__KEYS__ALGORITHMS", "RS256")
            .args([
                "client",
                "create",
                "--name",
                "es",
                "--redirect-uri",
                "http://127.0.0.1:9999/cb",
                alg_option,
                "ES256",
            ])
            .output()
            .unwrap()
    };
    for option in [
        "--id-token-signed-response-alg",
        "--access-token-signing-alg",
        "--userinfo-signed-response-alg",
    ] {
        let out = create(option);
        assert_eq!(out.status.code(), Some(1), "{option}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no ES256 signing key"), "{option}: {err}");
    }
    let listed: Value =
        serde_json::from_str(&sandbox.ok(&["client", "list", "--json"], None)).unwrap();
    assert_eq!(listed, serde_json::json!([]), "nothing registered");

    // A client registered earlier (here: behind the CLI's back) is named at start-up.
    let client_id = block_on(async {
        let services = open(&sandbox).await;
        let new = domain::clients::NewClient {
            name: "es".into(),
            redirect_uris: vec!["http://127.0.0.1:9999/cb".into()],
            id_token_signed_response_alg: Some("ES256".into()),
            ..Default::default()
        };
        services.clients.create(new).await.unwrap().0.client_id
    });
    let port = free_port();
    let mut child = sandbox
        .command()
        .arg("serve")
        .env("GATEHOUSE__KEYS__ALGORITHMS", "RS256")
        .env("GATEHOUSE__SERVER__BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = String::new();
    // Kept open until the process ends: it logs its shutdown there.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "exited: {log}");
        log.push_str(&line);
        if line.contains("gatehouse listening") {
            break;
        }
    }
    assert_eq!(get(port, "/readyz"), 200);
    assert!(terminate(&mut child).success());
    let warning = log
        .lines()
        .find(|l| l.contains(&client_id))
        .unwrap_or_else(|| panic!("{client_id} not named: {log}"));
    assert!(
        warning.contains("WARN") && warning.contains("ES256"),
        "{warning}"
    );
}

#[test]
fn role_and_group_commands_build_effective_roles_and_print_json() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let json = |args: &[&str]| -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&sandbox.ok(&all, None)).unwrap()
    };
    sandbox.ok(
        &[
            "user",
            "create",
            "--email",
            "dev@example.com",
            "--password-stdin",
            "--verified",
        ],
        Some("correct horse battery staple\n"),
    );
    let client: Value = json(&[
        "client",
        "create",
        "--name",
        "app",
        "--redirect-uri",
        "http://127.0.0.1:9999/cb",
        "--role-claims-in",
        "access_token",
    ]);
    let client_id = client["client_id"].as_str().unwrap().to_owned();
    assert_eq!(client["role_claims"], serde_json::json!(["access_token"]));

    let created = json(&["role", "create", "reader", "--permission", "docs:read"]);
    assert_eq!(created["permissions"], serde_json::json!(["docs:read"]));
    json(&["role", "create", "writer"]);
    json(&["role", "add-permission", "writer", "docs:write"]);
    let writer = json(&["role", "include", "writer", "reader"]);
    assert_eq!(
        writer["includes"],
        serde_json::json!([{ "client_id": null, "name": "reader" }])
    );
    let cycle = sandbox.run(&["role", "include", "reader", "writer"], None);
    assert_eq!(cycle.status.code(), Some(1), "a cycle was accepted");
    assert!(String::from_utf8_lossy(&cycle.stderr).contains("cycle"));
    let bad = sandbox.run(&["role", "add-permission", "writer", "nocolon"], None);
    assert_eq!(bad.status.code(), Some(1));

    json(&["role", "create", "admin", "--client", &client_id]);
    json(&[
        "role",
        "grant",
        "admin",
        "--client",
        &client_id,
        "--user",
        "dev@example.com",
    ]);

    json(&["group", "create", "eng"]);
    let backend = json(&["group", "create", "backend", "--parent", "eng"]);
    assert_eq!(backend["path"], "/eng/backend");
    let backend = json(&[
        "group",
        "add-member",
        "backend",
        "--user",
        "dev@example.com",
    ]);
    assert_eq!(backend["members"], serde_json::json!(["dev@example.com"]));
    let granted = json(&["role", "grant", "writer", "--group", "eng"]);
    assert_eq!(granted["groups"], serde_json::json!(["eng"]));
    let loop_ = sandbox.run(&["group", "add-subgroup", "backend", "eng"], None);
    assert_eq!(
        loop_.status.code(),
        Some(1),
        "a group went inside its own subgroup"
    );

    let listed = json(&["role", "list"]);
    // The two made here, the client role, and the four administrative roles every
    // database has.
    assert_eq!(listed.as_array().unwrap().len(), 7, "{listed}");
    assert!(listed.to_string().contains("gatehouse:users"), "{listed}");
    let groups = json(&["group", "list"]);
    assert_eq!(groups[1]["path"], "/eng/backend", "{groups}");

    let effective = block_on(async {
        let services = open(&sandbox).await;
        let user = services
            .users
            .get_by_email("dev@example.com")
            .await
            .unwrap();
        services.roles.effective(&user.id).await.unwrap()
    });
    assert_eq!(effective.roles, ["reader", "writer"]);
    assert_eq!(effective.permissions, ["docs:read", "docs:write"]);
    assert_eq!(effective.groups, ["/eng/backend"]);
    assert_eq!(effective.client_roles[&client_id], ["admin"]);

    json(&[
        "group",
        "remove-member",
        "backend",
        "--user",
        "dev@example.com",
    ]);
    json(&[
        "role",
        "revoke",
        "admin",
        "--client",
        &client_id,
        "--user",
        "dev@example.com",
    ]);
    let updated = json(&["client", "update", &client_id, "--role-claims-in", "none"]);
    assert_eq!(updated["role_claims"], serde_json::json!([]));
    let deleted = json(&["role", "delete", "admin", "--client", &client_id]);
    assert_eq!(deleted["deleted"]["name"], "admin");
    let refused = sandbox.run(&["group", "delete", "eng"], None);
    assert_eq!(
        refused.status.code(),
        Some(1),
        "a group with subgroups was deleted"
    );
    json(&["group", "delete", "backend"]);
    json(&["group", "delete", "eng"]);
    let effective = block_on(async {
        let services = open(&sandbox).await;
        let user = services
            .users
            .get_by_email("dev@example.com")
            .await
            .unwrap();
        services.roles.effective(&user.id).await.unwrap()
    });
    assert_eq!(effective, domain::roles::Effective::default());
}

#[test]
fn policy_and_acl_commands_store_check_and_test_a_policy_set() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let json = |args: &[&str]| -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&sandbox.ok(&all, None)).unwrap()
    };
    sandbox.ok(
        &[
            "user",
            "create",
            "--email",
            "owner@example.com",
            "--password-stdin",
            "--verified",
        ],
        Some("correct horse battery staple\n"),
    );
    let client = json(&[
        "client",
        "create",
        "--name",
        "docs",
        "--redirect-uri",
        "http://127.0.0.1:9999/cb",
    ]);
    let rs = client["client_id"].as_str().unwrap().to_owned();
    let dir = sandbox.dir.path();
    std::fs::write(
        dir.join("docs.cedarschema"),
        "namespace Docs {\n  entity Document;\n  action read, write appliesTo {\n    principal: [Gatehouse::User],\n    resource: [Document],\n  };\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("docs.cedar"),
        "@id(\"owners\")\npermit(principal in Gatehouse::Relation::\"owner\", action, resource);\n\n@id(\"strong-writes\")\nforbid(principal, action == Docs::Action::\"write\", resource)\nunless { principal has amr && principal.amr.contains(\"otp\") };\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("broken.cedar"),
        "permit(principal, action, resource)\nwhen { resource.colour == \"red\" };\n",
    )
    .unwrap();

    let set = json(&[
        "policy",
        "set",
        "--resource-server",
        &rs,
        "--schema",
        "docs.cedarschema",
        "--policies",
        "docs.cedar",
    ]);
    assert_eq!(set["version"], 1);
    assert_eq!(
        set["policy_ids"],
        serde_json::json!(["owners", "strong-writes"])
    );
    let refused = sandbox.run(
        &[
            "policy",
            "set",
            "--resource-server",
            &rs,
            "--schema",
            "docs.cedarschema",
            "--policies",
            "broken.cedar",
        ],
        None,
    );
    assert_eq!(
        refused.status.code(),
        Some(1),
        "a schema-breaking set was stored"
    );
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("line 2, column"), "{why}");
    assert_eq!(
        json(&["policy", "show", "--resource-server", &rs])["version"],
        1,
        "the stored set is kept"
    );

    let entry = json(&[
        "acl",
        "add",
        "--resource-server",
        &rs,
        "--user",
        "owner@example.com",
        "--relation",
        "owner",
        "--resource",
        "Document:42",
    ]);
    assert_eq!(entry["relation"], "owner");
    let listed = json(&["acl", "list", "--resource-server", &rs]);
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let test = |extra: &[&str]| -> Value {
        let mut args = vec![
            "policy",
            "test",
            "--resource-server",
            &rs,
            "--principal",
            "owner@example.com",
        ];
        args.extend_from_slice(extra);
        json(&args)
    };
    let read = test(&["--action", "read", "--resource", "Document:42"]);
    assert_eq!(
        (read["decision"].as_bool(), &read["reasons"]),
        (Some(true), &serde_json::json!(["owners"]))
    );
    assert_eq!(
        test(&["--action", "read", "--resource", "Document:43"])["decision"],
        false
    );
    let weak = test(&[
        "--action",
        "write",
        "--resource",
        "Document:42",
        "--amr",
        "pwd",
    ]);
    assert_eq!(
        (weak["decision"].as_bool(), &weak["reasons"]),
        (Some(false), &serde_json::json!(["strong-writes"]))
    );
    let strong = test(&[
        "--action",
        "write",
        "--resource",
        "Document:42",
        "--amr",
        "pwd",
        "--amr",
        "otp",
    ]);
    assert_eq!(strong["decision"], true);
    let plain = sandbox.ok(
        &[
            "policy",
            "test",
            "--resource-server",
            &rs,
            "--principal",
            "owner@example.com",
            "--action",
            "read",
            "--resource",
            "Document:42",
        ],
        None,
    );
    assert!(plain.starts_with("ALLOW"), "{plain}");
}

/// A throw-away P-256 key in Apple's `.p8` form (PKCS#8 PEM), for the CLI test only.
const APPLE_TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgvDkh5BVRFGev6k8V
xEV3GM7a38wn5KCLaqm6NTfYAc6hRANCAASuo9mIepGf4UVmYdWONUuDVPN1eyY/
C3pBuILUXFXf9B00sCICyKlsCyE0b/XO8b7QQmX4qZW8201ci/woMame
-----END PRIVATE KEY-----
";

#[test]
fn idp_create_json_with_presets_shows_settings_and_never_the_private_key() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let key_file = sandbox.dir.path().join("AuthKey_KEY1234567.p8");
    std::fs::write(&key_file, APPLE_TEST_KEY).unwrap();
    let key_path = key_file.to_str().unwrap();
    let apple: Value = serde_json::from_str(&sandbox.ok(
        &[
            "idp",
            "create",
            "--name",
            "apple",
            "--preset",
            "apple",
            "--client-id",
            "com.example.signin",
            "--apple-team-id",
            "TEAM123456",
            "--apple-key-id",
            "KEY1234567",
            "--apple-private-key-file",
            key_path,
            "--json",
        ],
        None,
    ))
    .unwrap();
    assert!(apple["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(apple["name"], "apple");
    assert_eq!(
        apple["redirect_uri"],
        "http://localhost:8080/login/upstream/callback"
    );
    assert_eq!(apple["preset"], "apple");
    assert_eq!(apple["issuer"], "https://appleid.apple.com");
    assert_eq!(apple["display_name"], "Apple");
    assert_eq!(
        apple["scopes"],
        serde_json::json!(["openid", "name", "email"])
    );
    assert_eq!(
        apple["settings"],
        serde_json::json!({ "apple_team_id": "TEAM123456", "apple_key_id": "KEY1234567" })
    );
    assert_eq!(apple["has_private_key"], true);
    let shown = sandbox.ok(&["idp", "show", "apple"], None);
    let shown_json = sandbox.ok(&["idp", "show", "apple", "--json"], None);
    for out in [&shown, &shown_json, &apple.to_string()] {
        assert!(
            !out.contains("PRIVATE KEY") && !out.contains("MIGHAgEA"),
            "never shown: {out}"
        );
    }
    assert!(shown.contains("apple_team_id=TEAM123456"), "{shown}");
    // Stored sealed, and it opens with the master key.
    let (sealed, opened) = block_on(async {
        let services = open(&sandbox).await;
        let row = domain::entities::upstream::Entity::find()
            .one(services.store.db())
            .await
            .unwrap()
            .unwrap();
        let up = services.federation.upstreams.get("apple").await.unwrap();
        (
            row.private_key.unwrap(),
            services.federation.upstreams.private_key(&up).unwrap(),
        )
    });
    assert!(!sealed.contains("MIGHAgEA"), "encrypted at rest");
    assert_eq!(opened.as_deref(), Some(APPLE_TEST_KEY.trim()));

    // Microsoft: the template issuer, a tenant and an allow-list; GitHub: OAuth 2.0 scopes
    // without openid and endpoint overrides.
    let entra: Value = serde_json::from_str(&sandbox.ok(
        &[
            "idp",
            "create",
            "--name",
            "entra",
            "--preset",
            "microsoft",
            "--client-id",
            "app-id",
            "--client-secret-stdin",
            "--tenant",
            "organizations",
            "--allowed-tenant",
            "11111111-aaaa-4bbb-8ccc-000000000001",
            "--json",
        ],
        Some("entra-secret\n"),
    ))
    .unwrap();
    assert_eq!(
        entra["issuer"],
        "https://login.microsoftonline.com/{tenantid}/v2.0"
    );
    assert_eq!(entra["settings"]["tenant"], "organizations");
    let github: Value = serde_json::from_str(&sandbox.ok(
        &[
            "idp",
            "create",
            "--name",
            "gh",
            "--preset",
            "github",
            "--client-id",
            "Iv1.abc",
            "--client-secret-stdin",
            "--emails-endpoint",
            "https://ghe.example/api/v3/user/emails",
            "--userinfo-endpoint",
            "https://ghe.example/api/v3/user",
            "--json",
        ],
        Some("gh-secret\n"),
    ))
    .unwrap();
    assert_eq!(github["issuer"], "https://github.com");
    assert_eq!(
        github["scopes"],
        serde_json::json!(["read:user", "user:email"])
    );
    assert_eq!(
        github["endpoints"]["emails"],
        "https://ghe.example/api/v3/user/emails"
    );
    let listed = sandbox.ok(&["idp", "list"], None);
    assert!(
        listed.contains("microsoft") && listed.contains("github"),
        "{listed}"
    );

    // Update: the tenant changes, the allow-list clears.
    let updated: Value = serde_json::from_str(&sandbox.ok(
        &[
            "idp",
            "update",
            "entra",
            "--tenant",
            "common",
            "--all-tenants",
            "--json",
        ],
        None,
    ))
    .unwrap();
    assert_eq!(
        updated["settings"],
        serde_json::json!({ "tenant": "common" })
    );

    // Refusals: Apple without its key, a setting of another preset, a secret for Apple.
    let refused = |args: &[&str], stdin: Option<&str>| {
        let out = sandbox.run(args, stdin);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    let err = refused(
        &[
            "idp",
            "create",
            "--name",
            "apple2",
            "--preset",
            "apple",
            "--client-id",
            "c",
            "--apple-team-id",
            "T",
            "--apple-key-id",
            "K",
        ],
        None,
    );
    assert!(err.contains("private key"), "{err}");
    let err = refused(
        &[
            "idp",
            "create",
            "--name",
            "g2",
            "--preset",
            "google",
            "--client-id",
            "c",
            "--tenant",
            "x",
        ],
        None,
    );
    assert!(err.contains("tenant"), "{err}");
    let err = refused(
        &["idp", "update", "apple", "--client-secret-stdin"],
        Some("s\n"),
    );
    assert!(err.contains("client_secret"), "{err}");
    std::fs::write(&key_file, "not a key").unwrap();
    let err = refused(
        &[
            "idp",
            "update",
            "apple",
            "--apple-private-key-file",
            key_path,
        ],
        None,
    );
    assert!(err.contains("private_key"), "{err}");
}

#[test]
fn idp_create_json_prints_the_redirect_uri_and_keeps_the_secret_sealed() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let out = sandbox.ok(
        &[
            "idp",
            "create",
            "--name",
            "corp",
            "--issuer",
            "https://login.corp.example",
            "--client-id",
            "gatehouse-at-corp",
            "--client-secret-stdin",
            "--scope",
            "email",
            "--scope",
            "groups",
            "--display-name",
            "Corp Login",
            "--first-login",
            "link",
            "--trusted-for-email",
            "--json",
        ],
        Some("upstream-secret-from-stdin\n"),
    );
    let created: Value = serde_json::from_str(&out).unwrap();
    assert!(created["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(created["name"], "corp");
    assert_eq!(
        created["redirect_uri"],
        "http://localhost:8080/login/upstream/callback"
    );
    assert_eq!(created["display_name"], "Corp Login");
    assert_eq!(created["first_login"], "link");
    assert_eq!(created["trusted_for_email"], true);
    assert_eq!(
        created["scopes"],
        serde_json::json!(["openid", "email", "groups"])
    );
    assert_eq!(created["has_client_secret"], true);
    assert!(!out.contains("upstream-secret-from-stdin"), "never printed");

    let shown: Value =
        serde_json::from_str(&sandbox.ok(&["idp", "show", "corp", "--json"], None)).unwrap();
    assert_eq!(shown["id"], created["id"]);
    assert!(sandbox.ok(&["idp", "list"], None).contains("Corp Login"));
    let listed: Value =
        serde_json::from_str(&sandbox.ok(&["idp", "list", "--json"], None)).unwrap();
    assert_eq!(listed[0]["name"], "corp");

    // The secret is stored sealed and opens with the master key.
    let (sealed, opened) = block_on(async {
        let services = open(&sandbox).await;
        let row = domain::entities::upstream::Entity::find()
            .one(services.store.db())
            .await
            .unwrap()
            .unwrap();
        let up = services.federation.upstreams.get("corp").await.unwrap();
        (
            row.client_secret.unwrap(),
            services.federation.upstreams.client_secret(&up).unwrap(),
        )
    });
    assert!(!sealed.contains("upstream-secret"), "encrypted at rest");
    assert_eq!(opened.as_deref(), Some("upstream-secret-from-stdin"));

    let updated: Value = serde_json::from_str(&sandbox.ok(
        &[
            "idp",
            "update",
            "corp",
            "--first-login",
            "deny",
            "--enabled",
            "false",
            "--token-endpoint",
            "https://login.corp.example/oauth/token",
            "--json",
        ],
        None,
    ))
    .unwrap();
    assert_eq!(updated["first_login"], "deny");
    assert_eq!(updated["enabled"], false);
    assert_eq!(
        updated["endpoints"]["token"],
        "https://login.corp.example/oauth/token"
    );

    // Refusals name the field; nothing is stored.
    let refused = sandbox.run(
        &[
            "idp",
            "create",
            "--name",
            "plain",
            "--issuer",
            "http://idp.example",
            "--client-id",
            "x",
        ],
        None,
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8(refused.stderr)
            .unwrap()
            .contains("issuer")
    );
    let twice = sandbox.run(
        &[
            "idp",
            "create",
            "--name",
            "corp",
            "--issuer",
            "https://a.example",
            "--client-id",
            "x",
        ],
        None,
    );
    assert_eq!(twice.status.code(), Some(1));

    let deleted: Value =
        serde_json::from_str(&sandbox.ok(&["idp", "delete", "corp", "--json"], None)).unwrap();
    assert_eq!(deleted["deleted"]["name"], "corp");
    assert_eq!(
        sandbox.run(&["idp", "show", "corp"], None).status.code(),
        Some(1)
    );

    let kinds: Vec<String> = block_on(async {
        domain::entities::audit_event::Entity::find()
            .all(open(&sandbox).await.store.db())
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .filter(|k| k.starts_with("upstream."))
            .collect()
    });
    assert_eq!(
        kinds,
        ["upstream.created", "upstream.updated", "upstream.deleted"]
    );
}

#[test]
fn idp_trust_flags_and_mapping_rules_from_the_command_line() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let created: Value = serde_json::from_str(&sandbox.ok(
        &[
            "idp",
            "create",
            "--name",
            "kc",
            "--issuer",
            "https://kc.example/realms/r",
            "--client-id",
            "gh",
            "--trusted-for-mfa",
            "--json",
        ],
        None,
    ))
    .unwrap();
    assert_eq!(created["trusted_for_mfa"], true);
    assert_eq!(created["trusted_for_acr"], false);
    let updated: Value = serde_json::from_str(&sandbox.ok(
        &[
            "idp",
            "update",
            "kc",
            "--trusted-for-acr",
            "true",
            "--trusted-for-mfa",
            "false",
            "--json",
        ],
        None,
    ))
    .unwrap();
    assert_eq!(
        (
            updated["trusted_for_acr"].as_bool(),
            updated["trusted_for_mfa"].as_bool()
        ),
        (Some(true), Some(false))
    );
    let shown = sandbox.ok(&["idp", "show", "kc"], None);
    assert!(
        shown.contains("trusted_for_acr") && shown.contains("trusted_for_mfa"),
        "{shown}"
    );
    assert!(
        sandbox.ok(&["idp", "list"], None).contains("acr"),
        "the list shows the trust"
    );

    sandbox.ok(&["role", "create", "kc-admin"], None);
    sandbox.ok(&["group", "create", "kc-ops"], None);
    let rule: Value = serde_json::from_str(&sandbox.ok(
        &[
            "idp",
            "mapping",
            "add",
            "kc",
            "--claim",
            "realm_access.roles",
            "--value",
            "admin",
            "--role",
            "kc-admin",
            "--json",
        ],
        None,
    ))
    .unwrap();
    assert_eq!(rule["role"], "kc-admin");
    assert_eq!(rule["claim"], "realm_access.roles");
    sandbox.ok(
        &[
            "idp", "mapping", "add", "kc", "--claim", "groups", "--value", "ops", "--group",
            "kc-ops",
        ],
        None,
    );
    // Exactly one of --role and --group; an unknown role is refused.
    assert_eq!(
        sandbox
            .run(
                &[
                    "idp", "mapping", "add", "kc", "--claim", "groups", "--value", "x"
                ],
                None
            )
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        sandbox
            .run(
                &[
                    "idp", "mapping", "add", "kc", "--claim", "groups", "--value", "x", "--role",
                    "nope"
                ],
                None
            )
            .status
            .code(),
        Some(1)
    );
    let listed: Value =
        serde_json::from_str(&sandbox.ok(&["idp", "mapping", "list", "kc", "--json"], None))
            .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[1]["group"], "kc-ops");
    let table = sandbox.ok(&["idp", "mapping", "list", "kc"], None);
    assert!(
        table.contains("role kc-admin") && table.contains("group kc-ops"),
        "{table}"
    );
    let id = rule["id"].as_str().unwrap();
    let removed: Value =
        serde_json::from_str(&sandbox.ok(&["idp", "mapping", "remove", "kc", id, "--json"], None))
            .unwrap();
    assert_eq!(removed["removed"]["id"], id);
    assert_eq!(
        sandbox
            .run(&["idp", "mapping", "remove", "kc", id], None)
            .status
            .code(),
        Some(1)
    );
    let listed: Value =
        serde_json::from_str(&sandbox.ok(&["idp", "mapping", "list", "kc", "--json"], None))
            .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let kinds: Vec<String> = block_on(async {
        domain::entities::audit_event::Entity::find()
            .all(open(&sandbox).await.store.db())
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .filter(|k| k.starts_with("upstream.mapping."))
            .collect()
    });
    assert_eq!(
        kinds,
        [
            "upstream.mapping.added",
            "upstream.mapping.added",
            "upstream.mapping.removed"
        ]
    );
}

/// The migrations the database at `url` has applied: (rows, distinct versions).
async fn applied_migrations(url: &str) -> (i64, i64) {
    use sea_orm::ConnectionTrait as _;
    let db = sea_orm::Database::connect(url).await.unwrap();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n, COUNT(DISTINCT version) AS d FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap();
    let counts = (
        row.try_get::<i64>("", "n").unwrap(),
        row.try_get::<i64>("", "d").unwrap(),
    );
    db.close().await.unwrap();
    counts
}

/// Whether the database at `url` has a migrations table (anything created at all).
async fn has_migrations_table(url: &str) -> bool {
    let db = sea_orm::Database::connect(url).await.unwrap();
    let manager = migration::SchemaManager::new(&db);
    let has = manager.has_table("seaql_migrations").await.unwrap();
    db.close().await.unwrap();
    has
}

fn all_migrations() -> i64 {
    use migration::MigratorTrait as _;
    i64::try_from(migration::Migrator::migrations().len()).unwrap()
}

#[test]
fn two_migrate_processes_on_one_fresh_postgres_database_both_succeed_once() {
    let sandbox = Sandbox::new();
    let key = domain::secrets::MasterKey::generate().to_base64();
    for _ in 0..3 {
        let Some(db) = block_on(domain::testing::TestDatabase::create(
            domain::testing::Backend::Postgres,
        )) else {
            domain::testing::skip_or_fail("GATEHOUSE_TEST_POSTGRES_URL");
            return;
        };
        let command = |args: &[&str]| {
            let mut cmd = sandbox.command();
            cmd.args(args)
                .env("GATEHOUSE__DATABASE__URL", &db.url)
                .env("GATEHOUSE__SECRETS__MASTER_KEY", &key)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            cmd
        };
        // An administrative command on the fresh database refuses and creates nothing.
        let out = command(&["client", "list"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no Gatehouse schema"), "{err}");
        assert!(err.contains("gatehouse migrate"), "{err}");
        assert!(!block_on(has_migrations_table(&db.url)), "nothing created");
        // Two nodes migrate at the same moment: both succeed, each migration applied once.
        let a = command(&["migrate"]).spawn().unwrap();
        let b = command(&["migrate"]).spawn().unwrap();
        for (name, child) in [("a", a), ("b", b)] {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "migrate {name} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stdout).contains("database is up to date"));
        }
        let n = all_migrations();
        assert_eq!(block_on(applied_migrations(&db.url)), (n, n));
        let out = command(&["client", "list"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn admin_commands_refuse_a_schema_with_pending_migrations_and_change_nothing() {
    let sandbox = Sandbox::new();
    let data = sandbox.dir.path().join("data");
    let url = format!("sqlite://{}", data.join("gatehouse.db").display());
    let n = all_migrations();
    // The data of an older binary: its master key, a database without the newest migration.
    domain::store::create_private_dir(&data).unwrap();
    domain::secrets::MasterKey::load_or_create(&data.join("master.key")).unwrap();
    block_on(async {
        use migration::MigratorTrait as _;
        let db = sea_orm::Database::connect(format!("{url}?mode=rwc"))
            .await
            .unwrap();
        let older = u32::try_from(n - 1).unwrap();
        migration::Migrator::up(&db, Some(older)).await.unwrap();
        db.close().await.unwrap();
    });
    assert_eq!(block_on(applied_migrations(&url)), (n - 1, n - 1));
    for args in [
        &["user", "list"][..],
        &["client", "list"],
        &["keys", "rotate", "--alg", "ES256"],
        &["purge"],
    ] {
        let out = sandbox.run(args, None);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(
                "the database schema is older than this binary: run `gatehouse migrate` (or \
                 start `gatehouse serve`)"
            ),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?} printed a result");
    }
    assert_eq!(
        block_on(applied_migrations(&url)),
        (n - 1, n - 1),
        "no command migrated"
    );
    sandbox.ok(&["migrate"], None);
    assert_eq!(block_on(applied_migrations(&url)), (n, n));
    sandbox.ok(&["user", "list"], None);
    // An empty database file (made by hand, or by another tool) is refused the same way.
    let empty = Sandbox::new();
    empty.ok(&["migrate"], None);
    let file = empty.dir.path().join("data/gatehouse.db");
    for stale in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{stale}", file.display()));
    }
    std::fs::write(&file, "").unwrap();
    let out = empty.run(&["user", "list"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "the database has no Gatehouse schema yet: create it with `gatehouse migrate`"
        ),
        "{err}"
    );
    let url = format!("sqlite://{}", file.display());
    assert!(!block_on(has_migrations_table(&url)), "nothing created");
}

#[test]
fn two_servers_starting_together_on_a_fresh_postgres_database_set_it_up_once() {
    let Some(db) = block_on(domain::testing::TestDatabase::create(
        domain::testing::Backend::Postgres,
    )) else {
        domain::testing::skip_or_fail("GATEHOUSE_TEST_POSTGRES_URL");
        return;
    };
    let sandbox = Sandbox::new();
    let key = domain::secrets::MasterKey::generate().to_base64();
    let ports = [free_port(), free_port()];
    let issuer = format!("http://127.0.0.1:{}", ports[0]);
    let log = |port: u16, ext: &str| sandbox.dir.path().join(format!("node-{port}.{ext}"));
    let mut nodes: Vec<Child> = ports
        .iter()
        .map(|&port| {
            sandbox
                .command()
                .arg("serve")
                .env("GATEHOUSE__SERVER__BIND", format!("127.0.0.1:{port}"))
                .env("GATEHOUSE__ISSUER", &issuer)
                .env("GATEHOUSE__DATABASE__URL", &db.url)
                .env("GATEHOUSE__SECRETS__MASTER_KEY", &key)
                .env("GATEHOUSE__SERVER__SHUTDOWN_TIMEOUT_SECS", "5")
                .stdout(std::fs::File::create(log(port, "out")).unwrap())
                .stderr(std::fs::File::create(log(port, "log")).unwrap())
                .spawn()
                .unwrap()
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(90);
    for (node, &port) in nodes.iter_mut().zip(&ports) {
        while !ready(port) {
            if node.try_wait().unwrap().is_some() {
                panic!(
                    "node on {port} exited: {}",
                    std::fs::read_to_string(log(port, "log")).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "node on {port} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let (users, keys) = block_on(async {
        use sea_orm::ConnectionTrait as _;
        let conn = sea_orm::Database::connect(&db.url).await.unwrap();
        let count = |sql: &'static str| {
            let conn = &conn;
            async move {
                let rows = conn
                    .query_all_raw(sea_orm::Statement::from_string(
                        sea_orm::DatabaseBackend::Postgres,
                        sql,
                    ))
                    .await
                    .unwrap();
                rows.iter()
                    .map(|r| {
                        format!(
                            "{}={}",
                            r.try_get::<String>("", "what").unwrap(),
                            r.try_get::<i64>("", "n").unwrap()
                        )
                    })
                    .collect::<Vec<_>>()
            }
        };
        let users = count("SELECT email AS what, COUNT(*) AS n FROM users GROUP BY email").await;
        let keys = count(
            "SELECT alg || ' ' || state AS what, COUNT(*) AS n FROM signing_keys \
             GROUP BY alg, state ORDER BY alg, state",
        )
        .await;
        conn.close().await.unwrap();
        (users, keys)
    });
    assert_eq!(users, ["admin@localhost=1"], "one first administrator");
    assert_eq!(
        keys,
        [
            "ES256 active=1",
            "ES256 next=1",
            "RS256 active=1",
            "RS256 next=1"
        ],
        "one active and one next key per algorithm"
    );
    let banners: Vec<String> = ports
        .iter()
        .map(|&port| std::fs::read_to_string(log(port, "out")).unwrap())
        .collect();
    assert_eq!(
        banners
            .iter()
            .filter(|b| b.contains("admin@localhost"))
            .count(),
        1,
        "one node printed the first administrator: {banners:?}"
    );
    for node in &mut nodes {
        assert!(terminate(node).success());
    }
    drop(db);
}

/// `[rate_limit]` with every limit off, as `cache.memcached_url` requires.
const NO_RATE_LIMITS: [&str; 12] = [
    "GATEHOUSE__RATE_LIMIT__CLIENT_AUTH_FAILURES_PER_CLIENT",
    "GATEHOUSE__RATE_LIMIT__CLIENT_AUTH_FAILURES_PER_IP",
    "GATEHOUSE__RATE_LIMIT__PASSWORD_PER_IP",
    "GATEHOUSE__RATE_LIMIT__PASSWORD_PER_ACCOUNT",
    "GATEHOUSE__RATE_LIMIT__PASSWORD_PER_IP_ACCOUNT",
    "GATEHOUSE__RATE_LIMIT__MAIL_PER_IP",
    "GATEHOUSE__RATE_LIMIT__MAIL_PER_ADDRESS",
    "GATEHOUSE__RATE_LIMIT__CODE_GUESSES_PER_ACCOUNT",
    "GATEHOUSE__RATE_LIMIT__AUTHORIZE_PER_IP",
    "GATEHOUSE__RATE_LIMIT__DEVICE_CODES_PER_IP",
    "GATEHOUSE__RATE_LIMIT__DEVICE_CODES_PER_SESSION",
    "GATEHOUSE__RATE_LIMIT__REGISTRATIONS_PER_IP",
];

#[test]
fn serve_on_memcached_refuses_rate_limits_and_an_absent_server_then_starts() {
    let sandbox = Sandbox::new();
    // The default rate limits need Redis: refused before anything is written.
    let out = sandbox
        .command()
        .arg("serve")
        .env(
            "GATEHOUSE__CACHE__MEMCACHED_URL",
            "memcache://127.0.0.1:11211",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("cache.memcached_url") && err.contains("need Redis"),
        "{err}"
    );
    assert!(!sandbox.dir.path().join("data").exists());

    let serve = |url: &str, port: u16| {
        let mut cmd = sandbox.command();
        cmd.arg("serve")
            .env("GATEHOUSE__CACHE__MEMCACHED_URL", url)
            .env(
                "GATEHOUSE__CACHE__KEY_PREFIX",
                format!("gatehouse-cli-{port}:"),
            )
            .env("GATEHOUSE__SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("GATEHOUSE__ISSUER", format!("http://127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for var in NO_RATE_LIMITS {
            cmd.env(var, "0");
        }
        cmd
    };
    // Limits off, but no Memcached there: a clear refusal, not a node without a cache.
    let out = serve("memcache://127.0.0.1:1", free_port())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("cannot reach Memcached"), "{err}");

    let Ok(url) = std::env::var(domain::testing::MEMCACHED_ENV) else {
        domain::testing::skip_or_fail(domain::testing::MEMCACHED_ENV);
        return;
    };
    let port = free_port();
    let mut child = serve(&url, port).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    // Ready means the database and the cache (a Memcached VERSION) answer.
    while !ready(port) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "serve on Memcached exited"
        );
        assert!(
            Instant::now() < deadline,
            "serve on Memcached did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(terminate(&mut child).success());
}

#[test]
fn client_update_rotate_disable_and_user_admin_commands_act_as_the_api_does() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let json = |args: &[&str]| -> Value { serde_json::from_str(&sandbox.ok(args, None)).unwrap() };
    let created = json(&[
        "client",
        "create",
        "--name",
        "editable",
        "--redirect-uri",
        "https://app.example/cb",
        "--grant-type",
        "authorization_code",
        "--grant-type",
        "client_credentials",
        "--json",
    ]);
    let id = created["client_id"].as_str().unwrap().to_owned();
    let first_secret = created["client_secret"].as_str().unwrap().to_owned();

    // Only what is given changes; the client_id stays.
    let updated = json(&[
        "client",
        "update",
        &id,
        "--redirect-uri",
        "https://app.example/cb",
        "--redirect-uri",
        "https://app.example/cb2",
        "--require-mfa",
        "true",
        "--require-pushed-authorization-requests",
        "true",
        "--dpop-bound-access-tokens",
        "true",
        "--json",
    ]);
    assert_eq!(updated["client_id"], id.as_str());
    assert_eq!(updated["require_pushed_authorization_requests"], true);
    assert_eq!(updated["dpop_bound_access_tokens"], true);
    assert_eq!(created["dpop_bound_access_tokens"], false, "off by default");
    assert_eq!(
        updated["redirect_uris"],
        serde_json::json!(["https://app.example/cb", "https://app.example/cb2"])
    );
    assert_eq!(updated["require_mfa"], true);
    assert_eq!(updated["name"], "editable");
    let bad = sandbox.run(
        &[
            "client",
            "update",
            &id,
            "--redirect-uri",
            "https://app.example/#f",
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("redirect_uri"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let nothing = sandbox.run(&["client", "update", &id], None);
    assert_eq!(nothing.status.code(), Some(1));

    // Rotation with a grace period: both secrets authenticate, then only the new one.
    let rotated = json(&["client", "rotate-secret", &id, "--grace", "1h", "--json"]);
    let second_secret = rotated["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(first_secret, second_secret);
    assert!(rotated["previous_secret_expires_at"].is_string());
    let authenticates = |secrets: [&str; 2]| -> [bool; 2] {
        let (id, a, b) = (id.clone(), secrets[0].to_owned(), secrets[1].to_owned());
        block_on(async {
            // A fresh process each time: a node's client cache answers for 5 s.
            let services = open(&sandbox).await;
            [
                services
                    .clients
                    .authenticate(&id, &a)
                    .await
                    .unwrap()
                    .is_some(),
                services
                    .clients
                    .authenticate(&id, &b)
                    .await
                    .unwrap()
                    .is_some(),
            ]
        })
    };
    assert_eq!(authenticates([&first_secret, &second_secret]), [true, true]);
    json(&["client", "rotate-secret", &id, "--json"]);
    assert_eq!(
        authenticates([&first_secret, &second_secret]),
        [false, false]
    );

    // Disabled: unknown to the protocol, still listed for administrators.
    let disabled = json(&["client", "disable", &id, "--json"]);
    assert_eq!(disabled["enabled"], false);
    let cid = id.clone();
    assert!(block_on(async { open(&sandbox).await.clients.find(&cid).await.unwrap() }).is_none());
    assert_eq!(json(&["client", "enable", &id, "--json"])["enabled"], true);

    // Users: update, password, sessions, MFA reset; by address, id or sub.
    sandbox.ok(
        &[
            "user",
            "create",
            "--email",
            "p@example.com",
            "--password-stdin",
        ],
        Some("a long enough passphrase\n"),
    );
    let shown = json(&["user", "show", "p@example.com", "--json"]);
    let uid = shown["id"].as_str().unwrap().to_owned();
    let updated = json(&[
        "user",
        "update",
        &uid,
        "--family-name",
        "Lovelace",
        "--locale",
        "en-GB",
        "--json",
    ]);
    assert_eq!(updated["family_name"], "Lovelace");
    assert_eq!(updated["locale"], "en-GB");
    let weak = sandbox.run(
        &["user", "set-password", "p@example.com", "--password-stdin"],
        Some("password\n"),
    );
    assert_eq!(weak.status.code(), Some(1));
    let set = json_in(
        &sandbox,
        &[
            "user",
            "set-password",
            "p@example.com",
            "--password-stdin",
            "--json",
        ],
        "another long passphrase\n",
    );
    assert_eq!(set["sessions_ended"], true);
    assert!(block_on(async {
        let services = open(&sandbox).await;
        services
            .users
            .verify_password("p@example.com", "another long passphrase")
            .await
            .unwrap()
            .is_some()
    }));
    assert_eq!(
        json(&["user", "send-reset", "p@example.com", "--json"])["queued"],
        true
    );
    let queued = block_on(async {
        let services = open(&sandbox).await;
        services.outbox.pending_count().await.unwrap()
    });
    assert_eq!(queued, 1, "the reset mail waits for a running server");
    assert_eq!(
        json(&["user", "sessions", "p@example.com", "--json"]),
        serde_json::json!([])
    );
    assert_eq!(
        json(&["user", "end-sessions", "p@example.com", "--json"])["ended"],
        0
    );
    // Search (case-blind, by state, a page at a time), the detail, removing one factor.
    let found = json(&["user", "search", "P@EXAMPLE", "--json"]);
    assert_eq!(found["items"][0]["email"], "p@example.com", "{found}");
    let none = json(&[
        "user",
        "search",
        "p@example",
        "--status",
        "suspended",
        "--json",
    ]);
    assert_eq!(none["items"], serde_json::json!([]));
    let detail = json(&["user", "detail", "p@example.com", "--json"]);
    assert_eq!(detail["factors"], serde_json::json!([]), "{detail}");
    assert!(
        detail["links"].is_array() && detail["consents"].is_array(),
        "{detail}"
    );
    let missing = sandbox
        .command()
        .args([
            "user",
            "remove-factor",
            "p@example.com",
            "no-such-factor",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not found"));
    block_on(async {
        let services = open(&sandbox).await;
        let mfa = domain::credentials::Mfa::new(
            &services.store,
            services.secrets.clone(),
            domain::cache::Cache::memory(),
            "t",
        );
        mfa.new_recovery_codes(&uid).await.unwrap();
    });
    assert_eq!(
        json(&[
            "user",
            "reset-mfa",
            shown["sub"].as_str().unwrap(),
            "--json"
        ])["removed"],
        10
    );
    assert_eq!(
        json(&["user", "reset-mfa", "p@example.com", "--json"])["removed"],
        0
    );

    // Each step is in the audit log, done by the operator through the CLI.
    let kinds: Vec<(String, Value)> = block_on(async {
        use sea_orm::{EntityTrait as _, QueryOrder as _};
        let services = open(&sandbox).await;
        domain::entities::audit_event::Entity::find()
            .order_by_asc(domain::entities::audit_event::Column::OccurredAt)
            .all(services.store.db())
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.kind, r.data.unwrap_or_default()["via"].clone()))
            .collect()
    });
    for kind in [
        "client.updated",
        "client.secret_rotated",
        "client.disabled",
        "client.enabled",
        "user.updated",
        "user.password_set",
        "mfa.reset_by_admin",
    ] {
        assert!(
            kinds.iter().any(|(k, via)| k == kind && via == "cli"),
            "{kind} in {kinds:?}"
        );
    }
}

fn json_in(sandbox: &Sandbox, args: &[&str], stdin: &str) -> Value {
    serde_json::from_str(&sandbox.ok(args, Some(stdin))).unwrap()
}

/// A minimal RFC 4180 reader (quoted fields, doubled quotes, CRLF).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    records
}

#[test]
fn audit_list_export_and_verify_find_a_tampered_row() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    sandbox.ok(
        &[
            "user",
            "create",
            "--email",
            "a@example.com",
            "--password-stdin",
        ],
        Some("correct horse battery staple\n"),
    );
    let user: Value =
        serde_json::from_str(&sandbox.ok(&["user", "show", "a@example.com", "--json"], None))
            .unwrap();
    let user_id = user["id"].as_str().unwrap().to_owned();

    let listed: Value = serde_json::from_str(&sandbox.ok(
        &[
            "audit",
            "list",
            "--kind",
            "user.*",
            "--subject",
            &user_id,
            "--json",
        ],
        None,
    ))
    .unwrap();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{listed}");
    assert_eq!(items[0]["kind"], "user.created");
    assert_eq!(items[0]["outcome"], "success");
    assert!(listed["next_cursor"].is_null());
    let event_id = items[0]["id"].as_str().unwrap().to_owned();
    let seq = items[0]["seq"].as_i64().unwrap();
    let text = sandbox.ok(&["audit", "list"], None);
    assert!(
        text.contains("user.created") && text.contains(&user_id),
        "{text}"
    );
    let none: Value = serde_json::from_str(
        &sandbox.ok(&["audit", "list", "--outcome", "failure", "--json"], None),
    )
    .unwrap();
    assert_eq!(none["items"], serde_json::json!([]));
    assert_eq!(
        sandbox
            .run(&["audit", "list", "--limit", "0"], None)
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        sandbox
            .run(&["audit", "list", "--from", "yesterday"], None)
            .status
            .code(),
        Some(2),
        "clap refuses a time that is not RFC 3339"
    );

    let report: Value =
        serde_json::from_str(&sandbox.ok(&["audit", "verify", "--json"], None)).unwrap();
    assert_eq!(report["intact"], true, "{report}");
    assert!(report["head"]["seq"].as_i64().unwrap() >= seq);
    assert_eq!(report["head"]["hash"].as_str().unwrap().len(), 64);
    assert!(sandbox.ok(&["audit", "verify"], None).contains("intact"));

    let csv = sandbox.ok(
        &[
            "audit",
            "export",
            "--format",
            "csv",
            "--kind",
            "user.created",
        ],
        None,
    );
    let table = parse_csv(&csv);
    assert_eq!(table.len(), 2, "header and the one event: {csv}");
    let column = |name: &str| table[0].iter().position(|c| c == name).unwrap();
    assert_eq!(table[1][column("id")], event_id);
    assert_eq!(table[1][column("subject")], user_id);
    let data: Value = serde_json::from_str(&table[1][column("data")]).unwrap();
    assert_eq!(data["via"], "cli");
    let file = sandbox.dir.path().join("audit.jsonl");
    let said = sandbox.ok(
        &[
            "audit",
            "export",
            "--format",
            "jsonl",
            "--output",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert!(said.contains("events written"), "{said}");
    assert_eq!(mode(&file), 0o600);
    let lines: Vec<Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.iter().any(|l| l["id"] == event_id.as_str()));
    assert!(
        lines.iter().any(|l| l["kind"] == "audit.exported"),
        "the first export is recorded"
    );

    // Someone edits the row in the database file, bypassing Gatehouse.
    block_on(async {
        use domain::entities::audit_event;
        use sea_orm::{ColumnTrait as _, QueryFilter as _, sea_query::Expr};
        let services = open(&sandbox).await;
        audit_event::Entity::update_many()
            .col_expr(audit_event::Column::Reason, Expr::value("nothing happened"))
            .filter(audit_event::Column::Id.eq(event_id.as_str()))
            .exec(services.store.db())
            .await
            .unwrap();
        services.store.close().await.unwrap();
    });
    let out = sandbox.run(&["audit", "verify"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&event_id) && err.contains(&format!("seq {seq}")),
        "{err}"
    );
    let out = sandbox.run(&["audit", "verify", "--json"], None);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["intact"], false);
    assert_eq!(report["broken"]["id"], event_id.as_str());
    assert_eq!(report["broken"]["problem"]["kind"], "hash_mismatch");
}

#[test]
fn webhook_commands_create_rotate_disable_and_show_the_delivery_log() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let made: Value = serde_json::from_str(&sandbox.ok(
        &[
            "webhook",
            "create",
            "--url",
            "https://hooks.example.com/in",
            "--event",
            "user.created",
            "--event",
            "user.locked",
            "--description",
            "crm",
            "--json",
        ],
        None,
    ))
    .unwrap();
    let id = made["id"].as_str().unwrap().to_owned();
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{made}");
    assert_eq!(
        made["event_types"],
        serde_json::json!(["user.created", "user.locked"])
    );
    assert_eq!(made["enabled"], true);
    // Internal addresses and unknown types are refused, naming what is wrong.
    for (args, says) in [
        (
            vec!["--url", "https://169.254.169.254/x", "--event", "*"],
            "url",
        ),
        (
            vec!["--url", "http://hooks.example.com/x", "--event", "*"],
            "https",
        ),
        (
            vec![
                "--url",
                "https://hooks.example.com/x",
                "--event",
                "login.failed",
            ],
            "event_types",
        ),
    ] {
        let out = sandbox.run(&[&["webhook", "create"][..], &args].concat(), None);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let list: Value =
        serde_json::from_str(&sandbox.ok(&["webhook", "list", "--json"], None)).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(
        !list.to_string().contains(&secret[6..]),
        "the secret is never listed"
    );
    let rotated: Value = serde_json::from_str(&sandbox.ok(
        &["webhook", "rotate-secret", &id, "--grace", "1h", "--json"],
        None,
    ))
    .unwrap();
    assert!(rotated["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_ne!(rotated["secret"].as_str().unwrap(), secret);
    assert_eq!(rotated["grace_secs"], 3600);
    // An event queued for it shows in the delivery log.
    block_on(async {
        let services = open(&sandbox).await;
        let row = domain::entities::audit_event::Model {
            id: "audit-1".into(),
            occurred_at: domain::now(),
            kind: "user.created".into(),
            outcome: "success".into(),
            reason: None,
            actor_user_id: None,
            subject_user_id: Some("u-1".into()),
            client_id: None,
            session_id: None,
            ip: None,
            user_agent: None,
            request_id: None,
            data: None,
            seq: None,
            prev_hash: None,
            hash: None,
            personal_digest: None,
        };
        let queued = domain::events::outbox::enqueue_to(services.store.db(), &[row], &[])
            .await
            .unwrap();
        assert_eq!(queued, 1);
        services.store.close().await.unwrap();
    });
    let log: Value =
        serde_json::from_str(&sandbox.ok(&["webhook", "deliveries", &id, "--json"], None)).unwrap();
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
    assert_eq!(
        (log[0]["event_type"].as_str(), log[0]["state"].as_str()),
        (Some("user.created"), Some("pending"))
    );
    assert_eq!(log[0]["attempts"], 0);
    let text = sandbox.ok(&["webhook", "deliveries", &id], None);
    assert!(
        text.contains("EVENT") && text.contains("user.created"),
        "{text}"
    );
    let off: Value =
        serde_json::from_str(&sandbox.ok(&["webhook", "disable", &id, "--json"], None)).unwrap();
    assert_eq!(off["enabled"], false);
    let log: Value =
        serde_json::from_str(&sandbox.ok(&["webhook", "deliveries", &id, "--json"], None)).unwrap();
    assert_eq!(log[0]["state"], "failed", "disabling gives its queue up");
    let on: Value =
        serde_json::from_str(&sandbox.ok(&["webhook", "enable", &id, "--json"], None)).unwrap();
    assert_eq!(on["enabled"], true);
    let shown = sandbox.ok(&["webhook", "show", &id], None);
    assert!(
        shown.contains("https://hooks.example.com/in") && shown.contains("crm"),
        "{shown}"
    );
    sandbox.ok(&["webhook", "delete", &id], None);
    assert_eq!(
        sandbox.run(&["webhook", "show", &id], None).status.code(),
        Some(1)
    );
}

/// HMAC-SHA-256 from its definition (RFC 2104), so that the test checks the signature without
/// any code Gatehouse signs with.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&sha2::Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = sha2::Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    sha2::Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

#[test]
fn serve_delivers_queued_events_to_a_webhook_signed() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    // A receiver that answers 200 and keeps the head and body of each request.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hook_port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel::<(String, String)>();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).unwrap();
            stream
                .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                .unwrap();
            let _ = tx.send((head, String::from_utf8(body).unwrap()));
        }
    });
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let private = [
        ("GATEHOUSE__WEBHOOKS__ALLOW_PRIVATE_ADDRESSES", "true"),
        ("GATEHOUSE__WEBHOOKS__POLL_INTERVAL_MS", "100"),
    ];
    let out = sandbox
        .command()
        .args([
            "webhook",
            "create",
            "--url",
            &format!("http://127.0.0.1:{hook_port}/in"),
            // Only the type queued below: the server's own start (the first administrator)
            // queues a user.created too.
            "--event",
            "client.deleted",
            "--json",
        ])
        .envs(private)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (id, secret) = (
        made["id"].as_str().unwrap().to_owned(),
        made["secret"].as_str().unwrap().to_owned(),
    );
    let port = free_port();
    let (mut child, _) = serve_with(&sandbox, port, &private);
    let event_id = block_on(async {
        let services = open(&sandbox).await;
        let row = domain::entities::audit_event::Model {
            id: "audit-7".into(),
            occurred_at: domain::now(),
            kind: "client.deleted".into(),
            outcome: "success".into(),
            reason: None,
            actor_user_id: None,
            subject_user_id: None,
            client_id: Some("old-app".into()),
            session_id: None,
            ip: None,
            user_agent: None,
            request_id: None,
            data: None,
            seq: None,
            prev_hash: None,
            hash: None,
            personal_digest: None,
        };
        domain::events::outbox::enqueue_to(services.store.db(), &[row], &[])
            .await
            .unwrap();
        let queued = services
            .webhooks
            .deliveries(&id, 1)
            .await
            .unwrap()
            .remove(0)
            .event_id;
        services.store.close().await.unwrap();
        queued
    });
    let (head, body) = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the server delivers the event");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_else(|| panic!("no {name} in {head}"))
    };
    assert!(head.starts_with("POST /in "), "{head}");
    assert_eq!(header("webhook-id"), event_id);
    let key = b64.decode(secret.trim_start_matches("whsec_")).unwrap();
    let signed = format!(
        "{}.{}.{body}",
        header("webhook-id"),
        header("webhook-timestamp")
    );
    let expected = format!("v1,{}", b64.encode(hmac_sha256(&key, signed.as_bytes())));
    assert_eq!(
        header("webhook-signature"),
        expected,
        "one secret, one signature"
    );
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (event["type"].as_str(), event["data"]["client_id"].as_str()),
        (Some("client.deleted"), Some("old-app"))
    );
    // The delivery log says delivered (the server records it right after the answer).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log: Value =
            serde_json::from_str(&sandbox.ok(&["webhook", "deliveries", &id, "--json"], None))
                .unwrap();
        if log[0]["state"] == "delivered" {
            assert_eq!(
                (log[0]["attempts"].as_i64(), log[0]["last_status"].as_i64()),
                (Some(1), Some(204))
            );
            break;
        }
        assert!(Instant::now() < deadline, "not marked delivered: {log}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(terminate(&mut child).success());
}

/// Scripts read `--json`: a command of each family prints exactly one JSON document with it
/// (every command taking the flag at all is checked by the unit test `every_command_takes_json`).
#[test]
fn a_command_of_each_family_prints_one_json_document() {
    let sandbox = Sandbox::new();
    let json = |args: &[&str]| -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = sandbox.ok(&all, None);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("{all:?} did not print one JSON document ({e}): {out}"))
    };
    assert_eq!(json(&["migrate"])["up_to_date"], true);
    let client = json(&[
        "client",
        "create",
        "--name",
        "Json",
        "--redirect-uri",
        "http://127.0.0.1:9999/cb",
    ]);
    let rs = client["client_id"].as_str().unwrap().to_owned();
    let export = sandbox.dir.path().join("audit.jsonl");
    let idp = json(&[
        "idp",
        "create",
        "--name",
        "json-corp",
        "--issuer",
        "https://idp.json.example",
        "--client-id",
        "gatehouse",
    ]);
    assert!(idp["redirect_uri"].is_string(), "{idp}");
    json(&["role", "create", "json-reader"]);
    json(&["role", "create", "json-writer"]);
    let writer = json(&["role", "include", "json-writer", "json-reader"]);
    assert_eq!(writer["includes"][0]["name"], "json-reader");
    json(&["group", "create", "json-eng"]);
    json(&["group", "create", "json-backend", "--parent", "json-eng"]);
    let eng = json(&["group", "remove-subgroup", "json-eng", "json-backend"]);
    assert_eq!(eng["subgroups"], serde_json::json!([]));
    let rotated = json(&["keys", "rotate", "--alg", "ES256"]);
    assert!(
        rotated
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["state"] == "active")
    );
    for args in [
        &["user", "list"][..],
        &["client", "show", rs.as_str()],
        &["role", "list"],
        &["group", "list"],
        &["idp", "list"],
        &["idp", "mapping", "list", "json-corp"],
        &["apikey", "list"],
        &["service-account", "list"],
        &["keys", "list"],
        &["acl", "list", "--resource-server", rs.as_str()],
        &["audit", "list"],
        &["audit", "verify"],
        &[
            "audit",
            "export",
            "--format",
            "jsonl",
            "--output",
            export.to_str().unwrap(),
        ],
        &["webhook", "list"],
        &["secrets", "status"],
        &["purge"],
    ] {
        json(args);
    }
    // Without --output the export itself goes to stdout: --json is refused there.
    let both = sandbox.run(&["audit", "export", "--format", "csv", "--json"], None);
    assert_eq!(both.status.code(), Some(2));
}
