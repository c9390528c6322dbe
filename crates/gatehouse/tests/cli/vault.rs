//! The master key in Vault / OpenBao (`secrets.provider = "vault"`), against a real server:
//! `GATEHOUSE_TEST_VAULT_ADDR` and `GATEHOUSE_TEST_VAULT_TOKEN` (a root token; .ci/run starts
//! `bao server -dev` with transit enabled). Each test uses its own transit key.

use std::io::{BufRead as _, BufReader, Read as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Child, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Sandbox, block_on, free_port, ready, terminate};

const ADDR_ENV: &str = "GATEHOUSE_TEST_VAULT_ADDR";
const TOKEN_ENV: &str = "GATEHOUSE_TEST_VAULT_TOKEN";

/// The test server and its root token, or `None` (skip) when not configured.
fn server() -> Option<(String, String)> {
    match (std::env::var(ADDR_ENV), std::env::var(TOKEN_ENV)) {
        (Ok(addr), Ok(token)) => Some((addr.trim_end_matches('/').to_owned(), token)),
        _ => {
            domain::testing::skip_or_fail(ADDR_ENV);
            None
        }
    }
}

/// One Vault-backed test: its sandbox, server and transit key.
struct VaultCase {
    sandbox: Sandbox,
    addr: String,
    root: String,
    key: String,
}

impl VaultCase {
    fn new() -> Option<Self> {
        let (addr, root) = server()?;
        let key = format!("gh-test-{}", uuid_like());
        let case = Self {
            sandbox: Sandbox::new(),
            addr,
            root,
            key,
        };
        case.admin("POST", &format!("transit/keys/{}", case.key), json!({}));
        Some(case)
    }

    /// A Vault API call with the root token; panics on a refusal.
    fn admin(&self, method: &str, path: &str, body: Value) -> Value {
        let (status, value) = self.admin_status(method, path, body);
        assert!(
            (200..300).contains(&status),
            "{method} {path}: HTTP {status} {value}"
        );
        value
    }

    fn admin_status(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let url = format!("{}/v1/{path}", self.addr);
        block_on(async {
            let client = reqwest::Client::new();
            let request = client
                .request(method.parse().unwrap(), url)
                .header("X-Vault-Token", &self.root);
            let request = if method == "GET" {
                request
            } else {
                request.json(&body)
            };
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        })
    }

    /// The environment of a node using this case's key with a token.
    fn vault_env(&self, token: &str) -> Vec<(String, String)> {
        vec![
            ("GATEHOUSE__SECRETS__PROVIDER".into(), "vault".into()),
            (
                "GATEHOUSE__SECRETS__VAULT__ADDRESS".into(),
                self.addr.clone(),
            ),
            ("GATEHOUSE__SECRETS__VAULT__TOKEN".into(), token.into()),
            (
                "GATEHOUSE__SECRETS__VAULT__TRANSIT_KEY".into(),
                self.key.clone(),
            ),
            ("GATEHOUSE__SECRETS__VAULT__TIMEOUT_SECS".into(), "5".into()),
        ]
    }

    fn root_env(&self) -> Vec<(String, String)> {
        self.vault_env(&self.root)
    }

    /// Runs a command to its end (at most a minute) with `env`.
    fn run(&self, env: &[(String, String)], args: &[&str]) -> Output {
        let child = self
            .sandbox
            .command()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        finish(child, Duration::from_secs(60))
    }

    fn ok(&self, env: &[(String, String)], args: &[&str]) -> String {
        let out = self.run(env, args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn status(&self, env: &[(String, String)]) -> Value {
        serde_json::from_str(&self.ok(env, &["secrets", "status", "--json"])).unwrap()
    }

    /// Starts `serve` with `env` and waits until it is ready; its log is gathered.
    fn serve(&self, env: &[(String, String)]) -> Node {
        let port = free_port();
        let (child, banner) = serve_with(&self.sandbox, port, env);
        Node::new(child, port, banner)
    }

    /// A confidential client_credentials client, made with the CLI: (id, secret).
    fn client(&self, env: &[(String, String)]) -> (String, String) {
        let out = self.ok(
            env,
            &[
                "client",
                "create",
                "--name",
                "vault-test",
                "--grant-type",
                "client_credentials",
                "--json",
            ],
        );
        let v: Value = serde_json::from_str(&out).unwrap();
        (
            v["client_id"].as_str().unwrap().to_owned(),
            v["client_secret"].as_str().unwrap().to_owned(),
        )
    }
}

/// A random-enough suffix for key, policy and role names.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}-{nanos:x}", std::process::id())
}

/// Waits for `child` to exit within `limit` (killing it after), with its output.
fn finish(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "no exit within {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `serve` with extra environment variables.
fn serve_with(sandbox: &Sandbox, port: u16, env: &[(String, String)]) -> (Child, String) {
    let mut child = sandbox
        .command()
        .arg("serve")
        .envs(env.iter().map(|(k, v)| (k, v)))
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
            break;
        }
    }
    // Later stdout (the first start's admin lines) is drained so the node never blocks.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
    });
    (child, banner)
}

/// A running node and its log.
struct Node {
    child: Child,
    port: u16,
    log: Arc<Mutex<String>>,
}

impl Node {
    fn new(mut child: Child, port: u16, banner: String) -> Self {
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ready(port) {
            assert!(
                Instant::now() < deadline,
                "not ready: {banner} {}",
                log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port, log }
    }

    /// Waits (at most `limit`) until the log holds `text`.
    fn wait_for_log(&self, text: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let log = self.log.lock().unwrap().clone();
            if log.contains(text) {
                return log;
            }
            assert!(Instant::now() < deadline, "no {text:?} in the log: {log}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A client_credentials token request with HTTP Basic: the status.
    fn client_credentials(&self, id: &str, secret: &str) -> u16 {
        let url = format!("http://127.0.0.1:{}/token", self.port);
        block_on(async {
            reqwest::Client::new()
                .post(url)
                .basic_auth(id, Some(secret))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    }

    fn stop(mut self) -> String {
        assert!(terminate(&mut self.child).success());
        self.log.lock().unwrap().clone()
    }
}

/// Asserts a failed start: exit 1, one `error:` line naming `needles`, no panic.
fn assert_clean_failure(out: &Output, needles: &[&str]) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    let line = err
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| panic!("no error line: {err}"));
    for needle in needles {
        assert!(line.contains(needle), "{needle:?} not in {line}");
    }
    line.to_owned()
}

#[test]
fn vault_first_serve_stores_a_wrapped_key_and_the_same_key_comes_back_after_a_restart() {
    let Some(case) = VaultCase::new() else { return };
    let env = case.root_env();
    let node = case.serve(&env);
    node.stop();
    let status = case.status(&env);
    assert_eq!(status["provider"], "vault");
    assert_eq!(status["wrapped"], true);
    assert_eq!(status["key_name"], case.key.as_str());
    assert_eq!(status["mount"], "transit");
    assert_eq!(status["key_version"], 1);
    assert!(
        !status.to_string().contains("master_key"),
        "status shows key material: {status}"
    );
    // No key file: the key exists only wrapped in the database and unwrapped in memory.
    assert!(!case.sandbox.dir.path().join("data/master.key").exists());

    // Sealed data made now opens after a restart: the same master key came back.
    let (id, secret) = case.client(&env);
    let node = case.serve(&env);
    assert_eq!(node.client_credentials(&id, &secret), 200);
    assert_eq!(node.client_credentials(&id, "wrong"), 401);
    node.stop();
    assert_eq!(case.status(&env)["key_version"], 1, "a restart rewrapped");
}

#[test]
fn vault_unreachable_or_refusing_at_start_exits_1_with_one_clear_line() {
    let Some(case) = VaultCase::new() else { return };
    let port = free_port();
    let closed = format!("http://127.0.0.1:{}", free_port());
    let mut env = case.root_env();
    env.push(("GATEHOUSE__SECRETS__VAULT__ADDRESS".into(), closed.clone()));
    env.push((
        "GATEHOUSE__SERVER__BIND".into(),
        format!("127.0.0.1:{port}"),
    ));
    let out = case.run(&env, &["serve"]);
    assert_clean_failure(&out, &[&closed, "secrets.vault.address"]);
    assert!(!ready(port));

    let mut env = case.vault_env("not-a-token");
    env.push((
        "GATEHOUSE__SERVER__BIND".into(),
        format!("127.0.0.1:{port}"),
    ));
    let out = case.run(&env, &["serve"]);
    assert_clean_failure(&out, &[&case.addr, "refused", "secrets.vault.token"]);

    // The transit key that wraps the stored master key is gone from Vault.
    case.serve(&case.root_env()).stop();
    let key = format!("transit/keys/{}", case.key);
    case.admin(
        "POST",
        &format!("{key}/config"),
        json!({ "deletion_allowed": true }),
    );
    case.admin("DELETE", &key, json!({}));
    let mut env = case.root_env();
    env.push((
        "GATEHOUSE__SERVER__BIND".into(),
        format!("127.0.0.1:{port}"),
    ));
    let out = case.run(&env, &["serve"]);
    assert_clean_failure(
        &out,
        &[&case.addr, "not found", "secrets.vault.transit_key"],
    );
}

#[test]
fn vault_rewrap_after_rotation_moves_the_stored_key_to_the_new_version() {
    let Some(case) = VaultCase::new() else { return };
    let env = case.root_env();
    case.serve(&env).stop();
    let (id, secret) = case.client(&env);
    // Rewrapping an up-to-date key changes nothing.
    let same: Value =
        serde_json::from_str(&case.ok(&env, &["secrets", "rewrap", "--json"])).unwrap();
    assert_eq!(same["change"], "unchanged");
    assert_eq!(same["key_version"], 1);

    case.admin(
        "POST",
        &format!("transit/keys/{}/rotate", case.key),
        json!({}),
    );
    let rewrapped: Value =
        serde_json::from_str(&case.ok(&env, &["secrets", "rewrap", "--json"])).unwrap();
    assert_eq!(rewrapped["change"], "rewrapped", "{rewrapped}");
    assert_eq!(rewrapped["previous_key_version"], 1);
    assert_eq!(rewrapped["key_version"], 2);
    assert_eq!(case.status(&env)["key_version"], 2);

    // Version 1 may now go: the stored key no longer needs it.
    case.admin(
        "POST",
        &format!("transit/keys/{}/config", case.key),
        json!({ "min_decryption_version": 2 }),
    );
    let node = case.serve(&env);
    assert_eq!(node.client_credentials(&id, &secret), 200);
    node.stop();
}

/// A policy allowing only what Gatehouse needs on one transit key.
fn minimal_policy(case: &VaultCase, name: &str) {
    let k = &case.key;
    let policy = format!(
        "path \"transit/encrypt/{k}\" {{ capabilities = [\"update\"] }}\n\
         path \"transit/decrypt/{k}\" {{ capabilities = [\"update\"] }}\n\
         path \"transit/rewrap/{k}\" {{ capabilities = [\"update\"] }}\n"
    );
    case.admin(
        "PUT",
        &format!("sys/policies/acl/{name}"),
        json!({ "policy": policy }),
    );
}

#[test]
fn vault_approle_with_a_policy_limited_to_the_transit_key_works() {
    let Some(case) = VaultCase::new() else { return };
    let (status, mounts) = case.admin_status("GET", "sys/auth", json!({}));
    assert_eq!(status, 200, "{mounts}");
    if mounts.get("approle/").is_none() && mounts.pointer("/data/approle~1").is_none() {
        let (status, body) =
            case.admin_status("POST", "sys/auth/approle", json!({"type": "approle"}));
        // Another test process may have enabled it meanwhile.
        assert!(
            status == 204 || status == 200 || body.to_string().contains("already in use"),
            "enable approle: {status} {body}"
        );
    }
    let name = format!("gh-{}", case.key);
    minimal_policy(&case, &name);
    case.admin(
        "POST",
        &format!("auth/approle/role/{name}"),
        json!({ "token_policies": [name], "token_ttl": "1h", "secret_id_ttl": "1h" }),
    );
    let role_id = case.admin(
        "GET",
        &format!("auth/approle/role/{name}/role-id"),
        json!({}),
    )["data"]["role_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret_id = case.admin(
        "POST",
        &format!("auth/approle/role/{name}/secret-id"),
        json!({}),
    )["data"]["secret_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret_file = case.sandbox.dir.path().join("secret-id");
    std::fs::write(&secret_file, format!("{secret_id}\n")).unwrap();
    let env: Vec<(String, String)> = vec![
        ("GATEHOUSE__SECRETS__PROVIDER".into(), "vault".into()),
        (
            "GATEHOUSE__SECRETS__VAULT__ADDRESS".into(),
            case.addr.clone(),
        ),
        (
            "GATEHOUSE__SECRETS__VAULT__TRANSIT_KEY".into(),
            case.key.clone(),
        ),
        ("GATEHOUSE__SECRETS__VAULT__ROLE_ID".into(), role_id),
        (
            "GATEHOUSE__SECRETS__VAULT__SECRET_ID_FILE".into(),
            secret_file.display().to_string(),
        ),
    ];
    let node = case.serve(&env);
    node.stop();
    let (id, secret) = case.client(&env);
    let node = case.serve(&env);
    assert_eq!(node.client_credentials(&id, &secret), 200);
    node.stop();
    case.admin(
        "POST",
        &format!("transit/keys/{}/rotate", case.key),
        json!({}),
    );
    let rewrapped: Value =
        serde_json::from_str(&case.ok(&env, &["secrets", "rewrap", "--json"])).unwrap();
    assert_eq!(rewrapped["key_version"], 2);

    // The policy is the limit: another key is refused, and the message says where to look.
    let mut other = env.clone();
    other.push((
        "GATEHOUSE__SECRETS__VAULT__TRANSIT_KEY".into(),
        format!("{}-other", case.key),
    ));
    let out = case.run(&other, &["secrets", "rewrap"]);
    assert_clean_failure(&out, &["transit_key"]);
    let fresh = VaultCase {
        sandbox: Sandbox::new(),
        addr: case.addr.clone(),
        root: case.root.clone(),
        key: case.key.clone(),
    };
    let out = fresh.run(&other, &["migrate"]);
    assert_clean_failure(&out, &["refused", "permission denied"]);
}

#[test]
fn secrets_wrap_moves_an_existing_file_key_into_vault_without_changing_it() {
    let Some(case) = VaultCase::new() else { return };
    // A node on a file key, with sealed data.
    let file_env: Vec<(String, String)> = Vec::new();
    case.serve(&file_env).stop();
    let (id, secret) = case.client(&file_env);
    let key_file = case.sandbox.dir.path().join("data/master.key");
    let file_key = std::fs::read_to_string(&key_file).unwrap();

    // Switching the provider before wrapping is refused: a new key would lock the data out.
    let vault_env = case.root_env();
    let port = free_port();
    let mut env = vault_env.clone();
    env.push((
        "GATEHOUSE__SERVER__BIND".into(),
        format!("127.0.0.1:{port}"),
    ));
    assert_clean_failure(&case.run(&env, &["serve"]), &["secrets wrap"]);
    assert_eq!(case.status(&vault_env)["wrapped"], false);

    // `wrap` with [secrets.vault] filled in and the provider still the file.
    let mut wrap_env = vault_env.clone();
    wrap_env.push(("GATEHOUSE__SECRETS__PROVIDER".into(), "file".into()));
    let wrapped: Value =
        serde_json::from_str(&case.ok(&wrap_env, &["secrets", "wrap", "--json"])).unwrap();
    assert_eq!(wrapped["change"], "stored", "{wrapped}");
    assert_eq!(wrapped["provider"], "file");
    assert_eq!(wrapped["key_name"], case.key.as_str());
    assert!(
        !wrapped.to_string().contains(file_key.trim()),
        "key printed"
    );
    let again: Value =
        serde_json::from_str(&case.ok(&wrap_env, &["secrets", "wrap", "--json"])).unwrap();
    assert_eq!(again["change"], "unchanged");

    // The operator switches to Vault and removes the file: the same key opens the data.
    std::fs::rename(&key_file, case.sandbox.dir.path().join("master.key.bak")).unwrap();
    let node = case.serve(&vault_env);
    assert_eq!(node.client_credentials(&id, &secret), 200);
    node.stop();
    assert!(!key_file.exists(), "a key file was made again");

    // A different file key is not wrapped over the stored one.
    std::fs::write(&key_file, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").unwrap();
    let out = case.run(&wrap_env, &["secrets", "wrap"]);
    assert_eq!(out.status.code(), Some(1));
}

/// A TCP relay to Vault that can be cut: closes its listener and every open connection.
struct Relay {
    port: u16,
    stop: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn to(addr: &str) -> Self {
        let target = addr
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let open = Arc::new(Mutex::new(Vec::<TcpStream>::new()));
        let (flag, streams) = (stop.clone(), open.clone());
        std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                let Ok((inbound, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                inbound.set_nonblocking(false).unwrap();
                let Ok(outbound) = TcpStream::connect(&target) else {
                    continue;
                };
                let mut list = streams.lock().unwrap();
                list.push(inbound.try_clone().unwrap());
                list.push(outbound.try_clone().unwrap());
                for (mut from, mut to) in [
                    (inbound.try_clone().unwrap(), outbound.try_clone().unwrap()),
                    (outbound, inbound),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
            // Dropping the listener here refuses new connections.
        });
        Self { port, stop, open }
    }

    fn cut(&self) {
        self.stop.store(true, Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
        // The accept loop stops within its poll interval and drops the listener.
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "relay still accepts");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn a_running_node_keeps_serving_when_vault_goes_away_and_logs_a_warning() {
    let Some(case) = VaultCase::new() else { return };
    let env = case.root_env();
    case.serve(&env).stop();
    let (id, secret) = case.client(&env);

    // A renewable token that lives a few seconds, so the node renews it soon after start.
    let name = format!("gh-{}", case.key);
    minimal_policy(&case, &name);
    let token = case.admin(
        "POST",
        "auth/token/create",
        json!({ "policies": [name], "ttl": "6s", "renewable": true }),
    )["auth"]["client_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let relay = Relay::to(&case.addr);
    let mut env = case.vault_env(&token);
    env.push((
        "GATEHOUSE__SECRETS__VAULT__ADDRESS".into(),
        format!("http://127.0.0.1:{}", relay.port),
    ));
    env.push(("GATEHOUSE__LOG__LEVEL".into(), "info".into()));
    let node = case.serve(&env);
    relay.cut();
    let log = node.wait_for_log("cannot renew the Vault token", Duration::from_secs(30));
    assert!(log.contains("WARN"), "{log}");
    assert!(!log.contains(&token), "the token was logged");
    // Still serving, with the master key it unwrapped at start.
    assert!(ready(node.port));
    assert_eq!(node.client_credentials(&id, &secret), 200);
    let log = node.stop();
    assert!(!log.contains(&token), "the token was logged");
}

#[test]
fn vault_nodes_starting_together_on_a_fresh_postgres_database_agree_on_one_key() {
    let Some(case) = VaultCase::new() else { return };
    for _ in 0..3 {
        let Some(db) = block_on(domain::testing::TestDatabase::create(
            domain::testing::Backend::Postgres,
        )) else {
            domain::testing::skip_or_fail("GATEHOUSE_TEST_POSTGRES_URL");
            return;
        };
        let mut env = case.root_env();
        env.push(("GATEHOUSE__DATABASE__URL".into(), db.url.clone()));
        // Three nodes set up the new database at once: each would make a key if alone;
        // under the lock the first makes it, the others unwrap it, none fails.
        let nodes: Vec<Child> = (0..3)
            .map(|_| {
                case.sandbox
                    .command()
                    .envs(env.iter().map(|(k, v)| (k, v)))
                    .arg("migrate")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for node in nodes {
            let out = finish(node, Duration::from_secs(60));
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let status = case.status(&env);
        assert_eq!(status["wrapped"], true);
        // The one stored key opens what any node seals.
        let (id, secret) = case.client(&env);
        let node = case.serve(&env);
        assert_eq!(node.client_credentials(&id, &secret), 200);
        node.stop();
    }
}
