//! Prometheus metrics at `/metrics` (issue 16): the scrape parses as the text format and the
//! counters move. Every server of the test process counts into one registry, so counters
//! other tests touch are compared as "at least"; a counter labelled with this test's own
//! client moves exactly.

use std::collections::HashMap;

use harness::rp::Browser;
use harness::{TestServer, shared_server_tests};

/// One sample: its labels and value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: HashMap<String, String>,
    value: f64,
}

/// Parses the Prometheus text format (exposition 0.0.4): `# HELP`/`# TYPE` comments and
/// `name{label="value",...} number` lines. Panics on a line that is neither.
fn parse(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("not a number: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series.to_owned(), HashMap::new()),
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("unclosed labels: {line}"));
                let mut labels = HashMap::new();
                let mut rest = body;
                while !rest.is_empty() {
                    let (key, after) = rest
                        .split_once("=\"")
                        .unwrap_or_else(|| panic!("bad label: {line}"));
                    // Values escape `"` and `\` with a backslash.
                    let mut value = String::new();
                    let mut chars = after.char_indices();
                    let mut end = None;
                    while let Some((i, c)) = chars.next() {
                        match c {
                            '\\' => {
                                if let Some((_, n)) = chars.next() {
                                    value.push(if n == 'n' { '\n' } else { n });
                                }
                            }
                            '"' => {
                                end = Some(i);
                                break;
                            }
                            c => value.push(c),
                        }
                    }
                    let end = end.unwrap_or_else(|| panic!("unterminated value: {line}"));
                    labels.insert(key.to_owned(), value);
                    rest = after[end + 1..].trim_start_matches(',');
                }
                (name.to_owned(), labels)
            }
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "metric name {name:?}"
        );
        out.push(Sample {
            name,
            labels,
            value,
        });
    }
    out
}

async fn scrape(server: &TestServer) -> Vec<Sample> {
    let res = reqwest::get(server.url("/metrics"))
        .await
        .expect("GET /metrics");
    assert_eq!(res.status(), 200);
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    parse(&res.text().await.unwrap())
}

/// The sum of the samples named `name` whose labels include all of `labels`.
fn total(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

shared_server_tests! {
    setup = |_| {};

    async fn the_scrape_parses_and_counters_move(server) {
        let (client_id, secret) = server
            .client(|c| c.grant_types = vec!["client_credentials".into()])
            .await;
        let before = scrape(server).await;
        let issued = [("client", client_id.as_str()), ("grant", "client_credentials")];
        assert_eq!(total(&before, "gatehouse_tokens_issued_total", &issued), 0.0);
        let failures = [("method", "pwd"), ("outcome", "failure")];
        let failed_before = total(&before, "gatehouse_sign_ins_total", &failures);

        let http = reqwest::Client::new();
        for _ in 0..2 {
            let res = http
                .post(server.url("/token"))
                .basic_auth(&client_id, secret.as_deref())
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
        }
        // A wrong password at the sign-in page.
        server.user("metrics@example.com", "violet staircase humming 42").await;
        let browser = Browser::new(server);
        let login = browser.open(&server.url("/login?next=/account")).await;
        let (_, _, page) = login.page();
        let csrf = harness::rp::hidden(page, "csrf").unwrap();
        browser.post(&server.url("/login"), &[
            ("csrf", csrf.as_str()), ("next", "/account"),
            ("email", "metrics@example.com"), ("password", "not the password"),
        ]).await;
        // A path no route has: counted, but never by its path.
        let odd = format!("/no-such-page-{}", domain::random::token::<6>());
        assert_eq!(http.get(server.url(&odd)).send().await.unwrap().status(), 404);

        let after = scrape(server).await;
        assert_eq!(total(&after, "gatehouse_tokens_issued_total", &issued), 2.0, "exactly this test's two tokens");
        assert!(total(&after, "gatehouse_sign_ins_total", &failures) >= failed_before + 1.0);
        assert!(total(&after, "gatehouse_audit_events_total", &[("kind", "login.failed"), ("outcome", "failure")]) >= 1.0);
        assert!(total(&after, "gatehouse_http_requests_total", &[("route", "/token"), ("method", "POST"), ("status", "200")]) >= 2.0);
        assert!(total(&after, "gatehouse_http_requests_total", &[("route", "unmatched"), ("status", "404")]) >= 1.0);
        assert!(after.iter().all(|s| s.labels.values().all(|v| !v.contains("no-such-page"))), "no raw path in a label");
        // The latency histogram of the route, with its +Inf bucket counting every request.
        let inf = total(&after, "gatehouse_http_request_duration_seconds_bucket", &[("route", "/token"), ("le", "+Inf")]);
        let count = total(&after, "gatehouse_http_request_duration_seconds_count", &[("route", "/token")]);
        assert!(inf >= 2.0 && (inf - count).abs() < f64::EPSILON, "{inf} {count}");
        assert_eq!(total(&after, "gatehouse_build_info", &[("version", env!("CARGO_PKG_VERSION"))]), 1.0);
    assert!(after.iter().any(|s| s.name == "gatehouse_mail_outbox_pending"), "the outbox's depth");
        let engine = if server.database_url().starts_with("postgres") { "postgres" } else { "sqlite" };
        assert!(after.iter().any(|s| s.name == "gatehouse_db_pool_connections" && s.labels.get("database").map(String::as_str) == Some(engine)));
    }
}

/// With `server.management_bind`, `/metrics` moves to the management listener (with the
/// probes) and the public listener no longer answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_management_listener_takes_the_metrics_off_the_public_one() {
    let server = TestServer::start_with(harness::Backend::Sqlite, |c| {
        c.server.management_bind = "127.0.0.1:0".into();
    })
    .await
    .expect("sqlite server");
    let management = server
        .running()
        .management_addr
        .expect("management listener");
    let at = |path: &str| format!("http://{management}{path}");
    let res = reqwest::get(at("/metrics")).await.unwrap();
    assert_eq!(res.status(), 200);
    let samples = parse(&res.text().await.unwrap());
    assert!(samples.iter().any(|s| s.name == "gatehouse_build_info"));
    for probe in ["/healthz", "/readyz"] {
        assert_eq!(
            reqwest::get(at(probe)).await.unwrap().status(),
            200,
            "{probe}"
        );
    }
    assert_eq!(
        reqwest::get(server.url("/metrics")).await.unwrap().status(),
        404
    );
    assert_eq!(
        reqwest::get(server.url("/healthz")).await.unwrap().status(),
        200
    );
    // Nothing else is reachable there.
    assert_eq!(
        reqwest::get(at("/.well-known/openid-configuration"))
            .await
            .unwrap()
            .status(),
        404
    );
    server.stop().await;
}
