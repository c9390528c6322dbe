//! Faults under load (issue 16): real `gatehouse serve` processes on real services; a node
//! killed with SIGKILL, PostgreSQL stopped and started again, Redis stopped and started
//! again, SIGTERM while requests are in flight. Every wait is on a condition with a deadline.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Sandbox, block_on, free_port, hidden_field};

const EMAIL: &str = "load@example.com";
const PASSWORD: &str = "correct horse battery staple";
const REDIRECT_URI: &str = "http://127.0.0.1:9/cb";

/// Waits for `done` (polled every 20 ms) or panics with `what` after `secs`.
fn wait_for(secs: u64, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `GET /readyz` on `port`: its status and `status` field, none when nothing answers.
fn readiness(port: u16) -> Option<(u16, String)> {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let request = "GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.get(9..12)?.parse().ok()?;
    let body: Value = serde_json::from_str(response.split("\r\n\r\n").nth(1)?).ok()?;
    Some((status, body["status"].as_str()?.to_owned()))
}

/// Nodes of one deployment: the same database, cache, master key and issuer.
struct Deployment {
    sandbox: Sandbox,
    env: Vec<(String, String)>,
}

impl Deployment {
    fn new(database_url: Option<&str>, extra: &[(&str, &str)]) -> Self {
        let sandbox = Sandbox::new();
        let issuer_port = free_port();
        let mut env = vec![
            (
                "GATEHOUSE__ISSUER".to_owned(),
                format!("http://127.0.0.1:{issuer_port}"),
            ),
            (
                "GATEHOUSE__SECRETS__MASTER_KEY".to_owned(),
                domain::secrets::MasterKey::generate().to_base64(),
            ),
            (
                "GATEHOUSE_BOOTSTRAP_ADMIN_PASSWORD".to_owned(),
                "a bootstrap passphrase".to_owned(),
            ),
            ("GATEHOUSE__LOG__FORMAT".to_owned(), "json".to_owned()),
        ];
        if let Some(url) = database_url {
            env.push(("GATEHOUSE__DATABASE__URL".to_owned(), url.to_owned()));
        }
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        Self { sandbox, env }
    }

    fn command(&self) -> Command {
        let mut cmd = self.sandbox.command();
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// The error lines of a node's log.
    fn errors(&self, port: u16) -> String {
        std::fs::read_to_string(self.log(port))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\"ERROR\"") || l.contains("\"WARN\""))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn log(&self, port: u16) -> PathBuf {
        self.sandbox.dir.path().join(format!("node-{port}.log"))
    }

    /// Starts `serve` on `port` and waits until it is ready.
    fn node(&self, port: u16) -> Child {
        let dir = self.sandbox.dir.path();
        let mut child = self
            .command()
            .arg("serve")
            .env("GATEHOUSE__SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("GATEHOUSE__SERVER__SHUTDOWN_TIMEOUT_SECS", "10")
            .stdout(std::fs::File::create(dir.join(format!("node-{port}.out"))).unwrap())
            .stderr(std::fs::File::create(self.log(port)).unwrap())
            .spawn()
            .unwrap();
        wait_for(120, &format!("node on {port} to be ready"), || {
            assert!(
                child.try_wait().unwrap().is_none(),
                "node on {port} exited: {}",
                std::fs::read_to_string(self.log(port)).unwrap_or_default()
            );
            readiness(port).is_some_and(|(status, _)| status == 200)
        });
        child
    }

    fn cli(&self, args: &[&str], stdin: Option<&str>) -> String {
        use std::io::Write as _;
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
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A user with a password and a confidential client allowed refresh tokens.
    fn user_and_client(&self) -> Rp {
        self.cli(
            &[
                "user",
                "create",
                "--email",
                EMAIL,
                "--password-stdin",
                "--verified",
            ],
            Some(&format!("{PASSWORD}\n")),
        );
        let created: Value = serde_json::from_str(&self.cli(
            &[
                "client",
                "create",
                "--name",
                "load",
                "--redirect-uri",
                REDIRECT_URI,
                "--grant-type",
                "authorization_code",
                "--grant-type",
                "refresh_token",
                "--grant-type",
                "client_credentials",
                "--scope",
                "openid",
                "--scope",
                "offline_access",
                "--json",
            ],
            None,
        ))
        .unwrap();
        Rp {
            id: created["client_id"].as_str().unwrap().to_owned(),
            secret: created["client_secret"].as_str().unwrap().to_owned(),
        }
    }
}

/// Sends SIGKILL, or SIGTERM, to a child and waits for it.
fn signal(child: &mut Child, name: &str) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args([name, &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut status = None;
    wait_for(30, &format!("exit after {name}"), || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    status.unwrap()
}

/// The relying party's registration.
#[derive(Clone)]
struct Rp {
    id: String,
    secret: String,
}

/// Why one request of the load did not succeed.
#[derive(Debug)]
enum Failure {
    /// Nothing answered (refused, reset, timed out).
    Connection(#[allow(dead_code)] String),
    /// An answer, not the expected one.
    Status(u16, String),
}

type Outcome<T> = Result<T, Failure>;

async fn send(req: reqwest::RequestBuilder) -> Outcome<(u16, String, Option<String>)> {
    let res = req
        .send()
        .await
        .map_err(|e| Failure::Connection(e.to_string()))?;
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = res
        .text()
        .await
        .map_err(|e| Failure::Connection(e.to_string()))?;
    Ok((status, body, location))
}

/// A browser with its own cookies (cookies are per host, so every node on 127.0.0.1 sees
/// them, as behind one load balancer).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A whole sign-in on `base`: `/authorize`, the sign-in page, consent; returns the code.
async fn sign_in(http: &reqwest::Client, base: &str, rp: &Rp) -> Outcome<String> {
    let query = [
        ("response_type", "code"),
        ("client_id", rp.id.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid offline_access"),
        ("state", "s"),
        ("nonce", "n"),
        ("prompt", "consent"),
    ];
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    let mut next = send(http.get(format!("{base}/authorize?{query}"))).await?;
    for _ in 0..8 {
        let (status, body, location) = next;
        if let Some(location) = location.filter(|_| (300..400).contains(&status)) {
            if let Some(query) = location.strip_prefix(&format!("{REDIRECT_URI}?")) {
                let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect();
                return params
                    .get("code")
                    .cloned()
                    .ok_or(Failure::Status(status, location));
            }
            // Absolute addresses name the issuer; this browser stays on its node.
            let url = match location.strip_prefix("http://127.0.0.1:") {
                Some(rest) => format!("{base}{}", &rest[rest.find('/').unwrap_or(rest.len())..]),
                None if location.starts_with('/') => format!("{base}{location}"),
                None => location,
            };
            next = send(http.get(url)).await?;
            continue;
        }
        if status != 200 {
            return Err(Failure::Status(status, body));
        }
        let form = |action: &str| body.contains(&format!("action=\"{action}\""));
        next = if form("/login") {
            let mut fields = vec![
                ("csrf", hidden_field(&body, "csrf")),
                ("request", hidden_field(&body, "request")),
                ("email", EMAIL.to_owned()),
                ("password", PASSWORD.to_owned()),
            ];
            if body.contains("name=\"pow_challenge\"") {
                // The browser check, solved as pow.js does.
                let challenge = hidden_field(&body, "pow_challenge");
                fields.push(("pow_solution", solve(&challenge)));
                fields.push(("pow_challenge", challenge));
            }
            send(http.post(format!("{base}/login")).form(&fields)).await?
        } else if form("/consent") {
            let fields = [
                ("csrf", hidden_field(&body, "csrf")),
                ("request", hidden_field(&body, "request")),
                ("decision", "allow".to_owned()),
            ];
            send(http.post(format!("{base}/consent")).form(&fields)).await?
        } else {
            return Err(Failure::Status(status, body));
        };
    }
    Err(Failure::Status(0, "too many steps".into()))
}

/// A solution of a proof-of-work challenge (`v1.BITS.EXPIRES.NONCE.MAC`): digits whose
/// SHA-256 after `challenge:` starts with BITS zero bits.
fn solve(challenge: &str) -> String {
    use sha2::Digest as _;
    let bits: u32 = challenge.split('.').nth(1).unwrap().parse().unwrap();
    (0u64..)
        .map(|n| n.to_string())
        .find(|solution| {
            let digest = sha2::Sha256::new()
                .chain_update(challenge.as_bytes())
                .chain_update(b":")
                .chain_update(solution.as_bytes())
                .finalize();
            let zeros = digest
                .iter()
                .scan(true, |go, b| {
                    let z = if *go { b.leading_zeros() } else { 0 };
                    *go = *go && *b == 0;
                    Some(z)
                })
                .sum::<u32>();
            zeros >= bits
        })
        .unwrap()
}

/// Tokens a `/token` answer gave.
#[derive(Debug, Clone)]
struct Tokens {
    access: String,
    refresh: String,
}

async fn token(base: &str, rp: &Rp, form: &[(&str, &str)]) -> Outcome<Tokens> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let (status, body, _) = send(
        http.post(format!("{base}/token"))
            .basic_auth(&rp.id, Some(&rp.secret))
            .form(form),
    )
    .await?;
    if status != 200 {
        return Err(Failure::Status(status, body));
    }
    let json: Value = serde_json::from_str(&body).unwrap();
    Ok(Tokens {
        access: json["access_token"].as_str().unwrap().to_owned(),
        refresh: json["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    })
}

async fn exchange(base: &str, rp: &Rp, code: &str) -> Outcome<Tokens> {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
    ];
    token(base, rp, &form).await
}

async fn refresh(base: &str, rp: &Rp, refresh_token: &str) -> Outcome<Tokens> {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    token(base, rp, &form).await
}

async fn userinfo(base: &str, access: &str) -> Outcome<()> {
    let (status, body, _) = send(
        reqwest::Client::new()
            .get(format!("{base}/userinfo"))
            .bearer_auth(access),
    )
    .await?;
    if status == 200 {
        Ok(())
    } else {
        Err(Failure::Status(status, body))
    }
}

/// What the load saw, shared by its workers.
#[derive(Default)]
struct Ledger {
    /// Requests answered as expected.
    ok: AtomicUsize,
    /// Unexpected answers and connection failures, with the node's port.
    failures: Mutex<Vec<(u16, &'static str, Failure)>>,
    /// Each refresh token presented and answered 200, with how many times.
    rotated: Mutex<HashMap<String, usize>>,
    /// The latest tokens and browser of each worker, as acknowledged by a 200.
    last: Mutex<HashMap<usize, (Tokens, reqwest::Client)>>,
    /// Slowest answer seen.
    slowest: Mutex<Duration>,
}

impl Ledger {
    fn fail(&self, port: u16, what: &'static str, failure: Failure) {
        self.failures.lock().unwrap().push((port, what, failure));
    }

    fn timed<T>(&self, started: Instant, outcome: Outcome<T>) -> Outcome<T> {
        let took = started.elapsed();
        let mut slowest = self.slowest.lock().unwrap();
        *slowest = (*slowest).max(took);
        outcome
    }
}

/// Load: each worker signs in on one node, exchanges the code on the next, then refreshes
/// (and calls userinfo) across the nodes, again and again until `stop`. A refresh that
/// failed is retried with the same token, which must still work unless the first attempt
/// was answered.
async fn worker(
    id: usize,
    ports: Arc<Mutex<Vec<u16>>>,
    rp: Rp,
    ledger: Arc<Ledger>,
    stop: Arc<AtomicBool>,
) {
    let alive = || ports.lock().unwrap().clone();
    let mut turn = id;
    let mut pick = || {
        let nodes = alive();
        turn += 1;
        nodes[turn % nodes.len()]
    };
    'session: while !stop.load(Ordering::Relaxed) {
        let http = browser();
        let port = pick();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let code = match ledger.timed(started, sign_in(&http, &base, &rp).await) {
            Ok(code) => code,
            Err(e) => {
                ledger.fail(port, "sign-in", e);
                continue;
            }
        };
        ledger.ok.fetch_add(1, Ordering::Relaxed);
        // The code goes to another node than the one that issued it.
        let port = pick();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let mut tokens = match ledger.timed(started, exchange(&base, &rp, &code).await) {
            Ok(t) => t,
            Err(e) => {
                ledger.fail(port, "code", e);
                continue;
            }
        };
        ledger.ok.fetch_add(1, Ordering::Relaxed);
        ledger
            .last
            .lock()
            .unwrap()
            .insert(id, (tokens.clone(), http.clone()));
        for _ in 0..4 {
            if stop.load(Ordering::Relaxed) {
                break 'session;
            }
            // A failed attempt is retried on the next node with the same token until the
            // load stops.
            loop {
                let port = pick();
                let base = format!("http://127.0.0.1:{port}");
                let started = Instant::now();
                match ledger.timed(started, refresh(&base, &rp, &tokens.refresh).await) {
                    Ok(next) => {
                        *ledger
                            .rotated
                            .lock()
                            .unwrap()
                            .entry(tokens.refresh.clone())
                            .or_default() += 1;
                        tokens = next;
                        ledger.ok.fetch_add(1, Ordering::Relaxed);
                        ledger
                            .last
                            .lock()
                            .unwrap()
                            .insert(id, (tokens.clone(), http.clone()));
                        break;
                    }
                    Err(e) => {
                        ledger.fail(port, "refresh", e);
                        if stop.load(Ordering::Relaxed) {
                            break 'session;
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
            let port = pick();
            let started = Instant::now();
            let base = format!("http://127.0.0.1:{port}");
            match ledger.timed(started, userinfo(&base, &tokens.access).await) {
                Ok(()) => {
                    ledger.ok.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => ledger.fail(port, "userinfo", e),
            }
        }
    }
}

const WORKERS: usize = 6;

fn start_load(
    ports: &Arc<Mutex<Vec<u16>>>,
    rp: &Rp,
    ledger: &Arc<Ledger>,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..WORKERS)
        .map(|id| {
            tokio::spawn(worker(
                id,
                ports.clone(),
                rp.clone(),
                ledger.clone(),
                stop.clone(),
            ))
        })
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// After the load: every worker's last acknowledged tokens and browser session still work on
/// `port`, and no refresh token was rotated twice.
async fn nothing_acknowledged_is_lost(ledger: &Ledger, rp: &Rp, port: u16) {
    let base = format!("http://127.0.0.1:{port}");
    let twice: Vec<_> = ledger
        .rotated
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(t, n)| (t[..8].to_owned(), *n))
        .collect();
    assert!(twice.is_empty(), "refresh tokens rotated twice: {twice:?}");
    let last: Vec<_> = ledger.last.lock().unwrap().values().cloned().collect();
    assert_eq!(last.len(), WORKERS, "every worker signed in at least once");
    for (tokens, http) in last {
        userinfo(&base, &tokens.access)
            .await
            .unwrap_or_else(|e| panic!("an acknowledged access token is refused: {e:?}"));
        refresh(&base, rp, &tokens.refresh)
            .await
            .unwrap_or_else(|e| panic!("an acknowledged refresh token is refused: {e:?}"));
        let (status, _, location) = send(http.get(format!("{base}/account"))).await.unwrap();
        assert_eq!(status, 200, "the browser session is gone ({location:?})");
    }
}

fn no_rate_limits() -> [(&'static str, &'static str); 4] {
    // One user signing in from one address many times a second is what these refuse.
    [
        ("GATEHOUSE__RATE_LIMIT__PASSWORD_PER_IP", "0"),
        ("GATEHOUSE__RATE_LIMIT__PASSWORD_PER_ACCOUNT", "0"),
        ("GATEHOUSE__RATE_LIMIT__PASSWORD_PER_IP_ACCOUNT", "0"),
        ("GATEHOUSE__RATE_LIMIT__AUTHORIZE_PER_IP", "0"),
    ]
}

#[test]
fn three_nodes_under_load_one_killed_lose_nothing_acknowledged_and_the_others_serve_on() {
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
    let prefix = format!("gatehouse-faults-{}:", free_port());
    let mut env = no_rate_limits().to_vec();
    env.extend([
        ("GATEHOUSE__CACHE__REDIS_URL", redis.as_str()),
        ("GATEHOUSE__CACHE__KEY_PREFIX", prefix.as_str()),
        // A refresh cut by the kill is retried on a survivor with the same token.
        ("GATEHOUSE__TOKENS__REFRESH_REUSE_GRACE_SECS", "10"),
    ]);
    let deployment = Deployment::new(Some(&db.url), &env);
    let ports = [free_port(), free_port(), free_port()];
    let mut nodes: Vec<Child> = ports.iter().map(|p| deployment.node(*p)).collect();
    let rp = deployment.user_and_client();

    let alive = Arc::new(Mutex::new(ports.to_vec()));
    let ledger = Arc::new(Ledger::default());
    let stop = Arc::new(AtomicBool::new(false));
    let rt = runtime();
    let workers = rt.block_on(async { start_load(&alive, &rp, &ledger, &stop) });

    wait_for(120, "load before the kill", || {
        ledger.ok.load(Ordering::Relaxed) >= 60
    });
    // SIGKILL: no shutdown, requests in flight on that node are cut.
    let victim = ports[1];
    alive.lock().unwrap().retain(|p| *p != victim);
    let status = signal(&mut nodes[1], "-KILL");
    assert!(!status.success());
    let at_kill = ledger.ok.load(Ordering::Relaxed);
    wait_for(120, "load on the survivors", || {
        ledger.ok.load(Ordering::Relaxed) >= at_kill + 60
    });
    stop.store(true, Ordering::Relaxed);
    rt.block_on(async {
        for w in workers {
            w.await.unwrap();
        }
    });

    // Only the killed node may have failed requests, and only by not answering; a retried
    // refresh went through on a survivor with the same token.
    let failures = ledger.failures.lock().unwrap();
    for (port, what, failure) in failures.iter() {
        assert!(
            *port == victim && matches!(failure, Failure::Connection(_)),
            "{what} on {port} failed: {failure:?} (killed: {victim}); errors logged: {}",
            deployment.errors(*port)
        );
    }
    drop(failures);
    rt.block_on(nothing_acknowledged_is_lost(&ledger, &rp, ports[2]));
    for (i, node) in nodes.iter_mut().enumerate() {
        if i != 1 {
            assert!(signal(node, "-TERM").success());
        }
    }
    // Three nodes extended the audit chain at once, one killed in the middle: still one
    // unbroken line.
    let out = deployment
        .command()
        .args(["audit", "verify", "--json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert!(
        out.status.success() && report["intact"] == true,
        "{report} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report["checked"].as_u64().unwrap() > 0, "{report}");
    drop(db);
}

/// A PostgreSQL server of the test's own (its own data directory and port), so that it can
/// be stopped and started without touching the shared one. As root, it runs as `postgres`.
struct PrivatePostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl PrivatePostgres {
    fn start() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|b| b.join("pg_ctl").exists())?;
        let dir = tempfile::tempdir().unwrap();
        let pg = Self {
            dir,
            bin,
            port: free_port(),
        };
        let data = pg.data();
        std::fs::create_dir(&data).unwrap();
        if is_root() {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(pg.dir.path(), std::fs::Permissions::from_mode(0o755))
                .unwrap();
            assert!(
                Command::new("chown")
                    .args(["-R", "postgres:", &pg.dir.path().display().to_string()])
                    .status()
                    .unwrap()
                    .success()
            );
        }
        pg.run(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-A",
                "trust",
                "-U",
                "postgres",
            ],
        );
        pg.ctl(&["start"]);
        Some(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `tool` of the server's binaries, run as `postgres` when the test runs as root.
    fn command(&self, tool: &str) -> Command {
        let program = self.bin.join(tool);
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        cmd.current_dir(self.dir.path());
        cmd
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let mut cmd = self.command(tool);
        let out = cmd.args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `pg_ctl start` or `pg_ctl stop -m fast` (sessions terminated, transactions rolled
    /// back, as in a restart), waiting until done.
    fn ctl(&self, args: &[&str]) {
        let data = self.data().display().to_string();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        let mut all = vec!["-D", &data, "-w", "-l", &log, "-o", &options];
        if args == ["stop"] {
            all.extend(["-m", "fast"]);
        }
        let mut command = args.to_vec();
        command.extend(all);
        self.run("pg_ctl", &command);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.data().display().to_string();
        let _ = self
            .command("pg_ctl")
            .args(["stop", "-D", &data, "-m", "immediate"])
            .output();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

#[test]
fn postgres_restarted_under_load_gives_503_then_service_resumes_by_itself() {
    if std::env::var("GATEHOUSE_TEST_POSTGRES_URL").is_err() {
        domain::testing::skip_or_fail("GATEHOUSE_TEST_POSTGRES_URL");
        return;
    }
    let Some(pg) = PrivatePostgres::start() else {
        panic!(
            "GATEHOUSE_TEST_POSTGRES_URL is set but no PostgreSQL server binaries are installed"
        );
    };
    let mut env = no_rate_limits().to_vec();
    env.push(("GATEHOUSE__DATABASE__ACQUIRE_TIMEOUT_SECS", "2"));
    let deployment = Deployment::new(Some(&pg.url()), &env);
    let port = free_port();
    let mut node = deployment.node(port);
    let rp = deployment.user_and_client();

    let alive = Arc::new(Mutex::new(vec![port]));
    let ledger = Arc::new(Ledger::default());
    let stop = Arc::new(AtomicBool::new(false));
    let rt = runtime();
    let workers = rt.block_on(async { start_load(&alive, &rp, &ledger, &stop) });
    wait_for(120, "load before the restart", || {
        ledger.ok.load(Ordering::Relaxed) >= 30
    });

    pg.ctl(&["stop"]);
    let unavailable = |ledger: &Ledger| {
        ledger
            .failures
            .lock()
            .unwrap()
            .iter()
            .any(|(_, _, f)| matches!(f, Failure::Status(503, _)))
    };
    wait_for(60, "a 503 from the load and from /readyz", || {
        unavailable(&ledger)
            && readiness(port).is_some_and(|(s, st)| s == 503 && st == "unavailable")
    });
    pg.ctl(&["start"]);
    wait_for(60, "/readyz after the restart", || {
        readiness(port).is_some_and(|(s, st)| s == 200 && st == "ready")
    });
    let back = ledger.ok.load(Ordering::Relaxed);
    wait_for(120, "load after the restart", || {
        ledger.ok.load(Ordering::Relaxed) >= back + 30
    });
    stop.store(true, Ordering::Relaxed);
    rt.block_on(async {
        for w in workers {
            w.await.unwrap();
        }
    });

    // Every failure was a 503 (never a 500, never a hang): the answer names the cause and
    // tells when to retry.
    for (_, what, failure) in ledger.failures.lock().unwrap().iter() {
        assert!(
            matches!(failure, Failure::Status(503, body)
                if body.contains("temporarily_unavailable") || body.contains("unavailable")),
            "{what} failed otherwise than with 503: {failure:?}; errors logged: {}",
            deployment.errors(port)
        );
    }
    let slowest = *ledger.slowest.lock().unwrap();
    assert!(
        slowest < Duration::from_secs(20),
        "an answer took {slowest:?} (acquire timeout 2 s)"
    );
    // A refresh answered 503 changed nothing: each worker's token chain went on with the
    // same token after the restart, and the last acknowledged tokens work.
    rt.block_on(nothing_acknowledged_is_lost(&ledger, &rp, port));
    assert!(signal(&mut node, "-TERM").success());
}

/// A Redis server of the test's own, to stop and start again on the same port.
fn redis_server(port: u16) -> Child {
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(30, "redis-server", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    child
}

/// `GET /metrics` on `port`.
fn scrape(port: u16) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// The value of an unlabelled sample in a scrape (0 when absent).
fn sample(scrape: &str, name: &str) -> f64 {
    scrape
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

fn log_has(path: &Path, text: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|log| log.contains(text))
}

#[test]
fn redis_stopped_sessions_hold_rate_limits_fail_open_and_it_recovers_by_itself() {
    if std::env::var("GATEHOUSE_TEST_REDIS_URL").is_err() {
        domain::testing::skip_or_fail("GATEHOUSE_TEST_REDIS_URL");
        return;
    }
    let redis_port = free_port();
    let mut redis = redis_server(redis_port);
    let redis_url = format!("redis://127.0.0.1:{redis_port}");
    // A small budget of failed client authentications makes the limiter visible.
    let deployment = Deployment::new(
        None,
        &[
            ("GATEHOUSE__CACHE__REDIS_URL", redis_url.as_str()),
            (
                "GATEHOUSE__RATE_LIMIT__CLIENT_AUTH_FAILURES_PER_CLIENT",
                "3",
            ),
            // While the cache is down the sign-in form asks for the browser check.
            ("GATEHOUSE__CAPTCHA__POW_DIFFICULTY", "8"),
        ],
    );
    let port = free_port();
    let mut node = deployment.node(port);
    let rp = deployment.user_and_client();
    let base = format!("http://127.0.0.1:{port}");
    let wrong = Rp {
        id: rp.id.clone(),
        secret: "wrong".into(),
    };
    let client_credentials = [("grant_type", "client_credentials")];
    let rt = runtime();
    let http = browser();
    let code = rt.block_on(sign_in(&http, &base, &rp)).unwrap();
    let tokens = rt.block_on(exchange(&base, &rp, &code)).unwrap();

    signal(&mut redis, "-KILL");
    // Degraded, still in the load balancer: the database answers.
    wait_for(30, "/readyz to say degraded", || {
        readiness(port) == Some((200, "degraded".into()))
    });
    rt.block_on(async {
        // Sessions and tokens live in the database.
        let (status, _, _) = send(http.get(format!("{base}/account"))).await.unwrap();
        assert_eq!(status, 200);
        userinfo(&base, &tokens.access).await.unwrap();
        refresh(&base, &rp, &tokens.refresh).await.unwrap();
        // A new sign-in works (with the browser check, whose proof is marked used on this
        // node); the rate limits let requests through while Redis is away.
        let page = send(browser().get(format!("{base}/login")))
            .await
            .unwrap()
            .1;
        assert!(page.contains("pow_challenge"), "the check is asked");
        sign_in(&browser(), &base, &rp).await.unwrap();
        for _ in 0..5 {
            match token(&base, &wrong, &client_credentials).await {
                Err(Failure::Status(401, _)) => {}
                other => panic!("a wrong secret while Redis is down: {other:?}"),
            }
        }
        token(&base, &rp, &client_credentials).await.unwrap();
    });
    assert!(
        log_has(&deployment.log(port), "rate limiter unavailable"),
        "the fail-open is logged"
    );

    // Redis back on the same port: the node reconnects by itself.
    redis = redis_server(redis_port);
    wait_for(60, "/readyz to say ready", || {
        readiness(port) == Some((200, "ready".into()))
    });
    rt.block_on(async {
        let mut refused = Vec::new();
        for _ in 0..5 {
            refused.push(match token(&base, &wrong, &client_credentials).await {
                Err(Failure::Status(status, _)) => status,
                other => panic!("{other:?}"),
            });
        }
        assert_eq!(
            refused,
            [401, 401, 401, 429, 429],
            "the limiter counts again"
        );
        sign_in(&browser(), &base, &rp).await.unwrap();
    });
    assert!(signal(&mut node, "-TERM").success());
    signal(&mut redis, "-KILL");
}

#[test]
fn sigterm_under_load_finishes_the_requests_in_flight_and_exits_0() {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    // Slow password hashing keeps sign-ins in flight when the signal arrives.
    let deployment = Deployment::new(
        None,
        &[
            ("GATEHOUSE__PASSWORD__MEMORY_KIB", "65536"),
            ("GATEHOUSE__PASSWORD__ITERATIONS", "4"),
            ("GATEHOUSE__RATE_LIMIT__PASSWORD_PER_IP", "0"),
            ("GATEHOUSE__RATE_LIMIT__PASSWORD_PER_ACCOUNT", "0"),
            ("GATEHOUSE__RATE_LIMIT__PASSWORD_PER_IP_ACCOUNT", "0"),
        ],
    );
    let port = free_port();
    let mut node = deployment.node(port);
    deployment.user_and_client();

    // Each connection first gets the sign-in page (so it is accepted and kept alive), then
    // sends its sign-in; only then comes SIGTERM.
    const IN_FLIGHT: usize = 8;
    let mut connections = Vec::new();
    for _ in 0..IN_FLIGHT {
        let stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        write!(
            writer,
            "GET /login?next=/account HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        )
        .unwrap();
        let (head, body) = read_response(&mut reader);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let cookies: Vec<String> = head
            .lines()
            .filter_map(|l| l.strip_prefix("set-cookie: "))
            .map(|c| c.split(';').next().unwrap().to_owned())
            .collect();
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf", &hidden_field(&body, "csrf"))
            .append_pair("request", "")
            .append_pair("next", "/account")
            .append_pair("email", EMAIL)
            .append_pair("password", PASSWORD)
            .finish();
        connections.push((reader, writer, cookies.join("; "), form));
    }
    for (_, writer, cookies, form) in &mut connections {
        write!(
            writer,
            "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookies}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        )
        .unwrap();
        writer.flush().unwrap();
    }
    // Every sign-in has reached the node (being answered, or answered) before the signal,
    // and some are still being answered.
    let mut in_flight = 0.0;
    wait_for(60, "the sign-ins to arrive", || {
        let text = scrape(port);
        in_flight = sample(&text, "gatehouse_http_requests_in_flight") - 1.0;
        let answered = text
            .lines()
            .filter(|l| {
                l.starts_with("gatehouse_http_requests_total{")
                    && l.contains("route=\"/login\"")
                    && l.contains("method=\"POST\"")
            })
            .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
            .sum::<f64>();
        in_flight + answered >= IN_FLIGHT as f64
    });
    assert!(in_flight >= 1.0, "nothing was in flight at the signal");
    let pid = node.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    // Every sign-in sent before the signal is answered in full.
    for (reader, ..) in &mut connections {
        let (head, _) = read_response(reader);
        assert!(head.starts_with("HTTP/1.1 303"), "{head}");
        assert!(head.contains("location: /account"), "{head}");
    }
    let mut status = None;
    wait_for(30, "exit after SIGTERM", || {
        status = node.try_wait().unwrap();
        status.is_some()
    });
    assert!(status.unwrap().success(), "exit status {status:?}");
    // And nothing is accepted any more.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());

    /// Reads one HTTP/1.1 response with a Content-Length (or none) from a kept-alive
    /// connection: its head (header names in lower case) and body.
    fn read_response(reader: &mut BufReader<std::net::TcpStream>) -> (String, String) {
        let mut head = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "connection closed"
            );
            if line == "\r\n" {
                break;
            }
            let lower = match line.split_once(':') {
                Some((name, value)) => format!("{}:{value}", name.to_ascii_lowercase()),
                None => line.clone(),
            };
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
            head.push_str(&lower);
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        (head, String::from_utf8_lossy(&body).into_owned())
    }
}
