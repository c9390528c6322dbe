//! Rate limits (`[rate_limit]`, small here): each bucket refuses with 429 and `Retry-After`
//! after its budget; a client hammered with wrong secrets does not stop another client;
//! unknown accounts are limited exactly like real ones; on Redis the limits are shared by
//! the nodes. Each test sends from its own loopback address (127.0.0.x), so that the per-IP
//! budgets of tests running side by side do not mix.

use std::net::IpAddr;

use harness::TestServer;
use harness::rp::{Browser, Landing, hidden};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";

fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

fn http_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip(last))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A client_credentials request: `(status, Retry-After, body)`.
async fn client_credentials(
    http: &reqwest::Client,
    server: &TestServer,
    id: &str,
    secret: &str,
) -> (u16, Option<u64>, Value) {
    let res = http
        .post(server.url("/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    answer(res).await
}

async fn answer(res: reqwest::Response) -> (u16, Option<u64>, Value) {
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
    (status, retry, res.json().await.unwrap_or(Value::Null))
}

async fn service_client(server: &TestServer) -> (String, String) {
    let (id, secret) = server
        .client(|c| {
            c.grant_types = vec!["client_credentials".into()];
            c.redirect_uris = vec![];
            c.post_logout_redirect_uris = vec![];
        })
        .await;
    (id, secret.unwrap())
}

/// Asserts a `429` with `Retry-After` and the OAuth error JSON.
fn assert_limited((status, retry, body): &(u16, Option<u64>, Value)) {
    assert_eq!(*status, 429, "{body}");
    assert!(retry.is_some_and(|s| s >= 1), "Retry-After: {retry:?}");
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("too many requests")
    );
}

/// Submits the sign-in form of `page` with `email` and `password` (not following on).
async fn password(
    browser: &Browser,
    server: &TestServer,
    email: &str,
    password: &str,
) -> (u16, Option<u64>, String) {
    let page = browser.open(&server.url("/login")).await;
    let csrf = hidden(page.page().2, "csrf").unwrap();
    let form = [
        ("csrf", csrf.as_str()),
        ("request", ""),
        ("next", ""),
        ("email", email),
        ("password", password),
    ];
    let res = browser
        .http
        .post(server.url("/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (status, retry, res.text().await.unwrap())
}

/// Asks for a password reset mail for `email`: the status and `Retry-After`.
async fn forgot(browser: &Browser, server: &TestServer, email: &str) -> (u16, Option<u64>) {
    let page: Landing = browser.open(&server.url("/forgot-password")).await;
    let csrf = hidden(page.page().2, "csrf").unwrap();
    let res = browser
        .http
        .post(server.url("/forgot-password"))
        .form(&[("csrf", csrf.as_str()), ("email", email)])
        .send()
        .await
        .unwrap();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (res.status().as_u16(), retry)
}

harness::shared_server_tests! {
    setup = |c| {
        c.registration.mode = gatehouse::config::RegistrationMode::Open;
        c.rate_limit = gatehouse::config::RateLimitConfig {
            client_auth_failures_per_client: 3,
            client_auth_failures_per_ip: 6,
            password_per_ip: 8,
            password_per_account: 4,
            password_per_ip_account: 3,
            password_max_delay_ms: 0,
            mail_per_ip: 3,
            mail_per_address: 2,
            code_guesses_per_account: 3,
            authorize_per_ip: 5,
            code_failures_lock_after: 100,
            ..Default::default()
        };
    };

    async fn wrong_client_secrets_are_limited_per_client_while_another_client_works(server) {
        let (a, a_secret) = service_client(server).await;
        let (b, b_secret) = service_client(server).await;
        let attacker = http_from(11);
        for _ in 0..3 {
            let (status, _, body) = client_credentials(&attacker, server, &a, "wrong").await;
            assert_eq!(status, 401, "{body}");
        }
        for _ in 0..5 {
            assert_limited(&client_credentials(&attacker, server, &a, "wrong").await);
        }
        // The budget is the client's, at every endpoint that authenticates it, whoever asks.
        let elsewhere = http_from(12);
        assert_limited(&client_credentials(&elsewhere, server, &a, &a_secret).await);
        let res = elsewhere
            .post(server.url("/introspect"))
            .basic_auth(&a, Some("wrong"))
            .form(&[("token", "x")])
            .send()
            .await
            .unwrap();
        assert_limited(&answer(res).await);
        let res = elsewhere
            .post(server.url("/revoke"))
            .form(&[("token", "x"), ("client_id", a.as_str()), ("client_secret", "wrong")])
            .send()
            .await
            .unwrap();
        assert_limited(&answer(res).await);
        // Another client's correct requests still succeed, from the attacker's address too.
        for http in [&attacker, &elsewhere] {
            let (status, _, body) = client_credentials(http, server, &b, &b_secret).await;
            assert_eq!(status, 200, "{body}");
            assert!(body["access_token"].is_string());
        }
    }

    async fn wrong_client_secrets_are_limited_per_ip(server) {
        let (good, good_secret) = service_client(server).await;
        let attacker = http_from(13);
        for n in 0..6 {
            // A different (unknown) client each time: only the IP budget applies.
            let (status, _, _) = client_credentials(&attacker, server, &format!("nobody-{n}"), "x").await;
            assert_eq!(status, 401);
        }
        assert_limited(&client_credentials(&attacker, server, "nobody-else", "x").await);
        assert_limited(&client_credentials(&attacker, server, &good, &good_secret).await);
        let (status, _, _) = client_credentials(&http_from(14), server, &good, &good_secret).await;
        assert_eq!(status, 200, "other addresses are not limited");
    }

    async fn password_sign_in_is_limited_per_ip_and_account(server) {
        let email = "rl-pair@example.com";
        server.user(email, PASSWORD).await;
        let browser = Browser::from_ip(server, ip(21));
        for _ in 0..3 {
            assert_eq!(password(&browser, server, email, "wrong").await.0, 401);
        }
        let (status, retry, body) = password(&browser, server, email, PASSWORD).await;
        assert_eq!(status, 429, "even the right password waits");
        assert!(retry.is_some_and(|s| s >= 1));
        assert!(body.contains("Too many sign-in attempts. Try again in"), "{body}");
        assert!(body.contains("action=\"/login\""), "the sign-in page, with a message");
    }

    async fn password_sign_in_is_limited_per_account_and_unknown_accounts_alike(server) {
        let known = "rl-account@example.com";
        server.user(known, PASSWORD).await;
        let unknown = "rl-nobody@example.com";
        for (email, first) in [(known, 31u8), (unknown, 35u8)] {
            // Two addresses, two attempts each: under the (IP, account) budget of 3.
            for n in 0..4u8 {
                let browser = Browser::from_ip(server, ip(first + n / 2));
                assert_eq!(password(&browser, server, email, "wrong").await.0, 401, "{email}");
            }
            let browser = Browser::from_ip(server, ip(first + 2));
            let (status, retry, _) = password(&browser, server, email, "wrong").await;
            assert_eq!(status, 429, "{email}: the account's budget is spent");
            assert!(retry.is_some());
            // The address is normalised: case does not buy a fresh budget.
            let upper = email.to_uppercase();
            assert_eq!(password(&browser, server, &upper, "wrong").await.0, 429);
        }
    }

    async fn password_sign_in_is_limited_per_ip(server) {
        let browser = Browser::from_ip(server, ip(41));
        for n in 0..8 {
            let email = format!("rl-ip-{n}@example.com");
            assert_eq!(password(&browser, server, &email, "wrong").await.0, 401);
        }
        let (status, retry, _) = password(&browser, server, "rl-ip-new@example.com", "wrong").await;
        assert_eq!((status, retry.is_some()), (429, true));
        let other = Browser::from_ip(server, ip(42));
        assert_eq!(password(&other, server, "rl-ip-new@example.com", "wrong").await.0, 401);
    }

    async fn reset_mails_are_limited_per_address_and_per_ip(server) {
        let email = "rl-reset@example.com";
        server.user(email, PASSWORD).await;
        for last in [51, 52] {
            let browser = Browser::from_ip(server, ip(last));
            assert_eq!(forgot(&browser, server, email).await, (200, None));
        }
        let browser = Browser::from_ip(server, ip(53));
        let (status, retry) = forgot(&browser, server, email).await;
        assert_eq!((status, retry.is_some()), (429, true), "per address");
        // Unknown addresses count the same.
        for last in [54, 55] {
            let browser = Browser::from_ip(server, ip(last));
            assert_eq!(forgot(&browser, server, "rl-reset-nobody@example.com").await.0, 200);
        }
        assert_eq!(forgot(&Browser::from_ip(server, ip(56)), server, "rl-reset-nobody@example.com").await.0, 429);
        // Per IP: three addresses, then the fourth is refused.
        let browser = Browser::from_ip(server, ip(57));
        for n in 0..3 {
            assert_eq!(forgot(&browser, server, &format!("rl-reset-{n}@example.com")).await.0, 200);
        }
        let (status, retry) = forgot(&browser, server, "rl-reset-9@example.com").await;
        assert_eq!((status, retry.is_some()), (429, true), "per IP");
    }

    async fn registrations_are_limited_per_ip(server) {
        let browser = Browser::from_ip(server, ip(61));
        let mut last = 0;
        for n in 0..4 {
            let page = browser.open(&server.url("/register")).await;
            let csrf = hidden(page.page().2, "csrf").unwrap();
            let email = format!("rl-register-{n}@example.com");
            let form = [("csrf", csrf.as_str()), ("email", email.as_str()), ("name", "R"), ("password", PASSWORD)];
            let res = browser.http.post(server.url("/register")).form(&form).send().await.unwrap();
            last = res.status().as_u16();
            if n < 3 {
                assert_eq!(last, 200);
            } else {
                assert!(res.headers().contains_key("retry-after"));
            }
        }
        assert_eq!(last, 429);
    }

    async fn email_code_guesses_are_limited_per_account_and_unknown_accounts_alike(server) {
        let known = "rl-code@example.com";
        server.user(known, PASSWORD).await;
        for email in [known, "rl-code-nobody@example.com"] {
            let browser = Browser::from_ip(server, ip(71));
            let page = browser.open(&server.url("/login/email")).await;
            let csrf = hidden(page.page().2, "csrf").unwrap();
            let mut statuses = Vec::new();
            for _ in 0..4 {
                let form = [("csrf", csrf.as_str()), ("email", email), ("code", "000000"), ("request", ""), ("next", "")];
                let res = browser.http.post(server.url("/login/email/code")).form(&form).send().await.unwrap();
                statuses.push((res.status().as_u16(), res.headers().contains_key("retry-after")));
            }
            assert_eq!(statuses, [(401, false), (401, false), (401, false), (429, true)], "{email}");
        }
    }

    async fn authorize_is_limited_per_ip(server) {
        let (client_id, _) = server.client(|_| {}).await;
        let url = format!(
            "{}?client_id={client_id}&redirect_uri={}&response_type=code&scope=openid",
            server.url("/authorize"),
            harness::REDIRECT_URI
        );
        let http = http_from(81);
        for _ in 0..5 {
            assert_eq!(http.get(&url).send().await.unwrap().status(), 303);
        }
        let res = http.get(&url).send().await.unwrap();
        assert_eq!(res.status(), 429);
        assert!(res.headers().contains_key("retry-after"));
        assert!(res.text().await.unwrap().contains("Too many sign-in requests"));
        assert_eq!(http_from(82).get(&url).send().await.unwrap().status(), 303);
    }

    async fn upstream_sign_ins_are_started_within_the_authorize_budget(server) {
        let mock = harness::upstream::MockUpstream::start();
        let fed = server.running().services.federation.clone();
        let new = domain::federation::NewUpstream {
            name: "rl-upstream".into(), display_name: None, issuer: mock.issuer.clone(), preset: None,
            endpoints: Default::default(), client_id: harness::upstream::CLIENT_ID.into(),
            client_secret: Some(harness::upstream::CLIENT_SECRET.into()), scopes: vec![],
            first_login: domain::federation::FirstLogin::Create, trusted_for_email: false, trusted_for_acr: false, trusted_for_mfa: false,
            enabled: true, allowed_clients: vec![],
        };
        server.on_server(async move { fed.upstreams.create(new, "test").await }).await.unwrap();
        let start = server.url("/login/upstream/rl-upstream?next=/account");
        let http = http_from(91);
        for _ in 0..5 {
            let res = http.get(&start).send().await.unwrap();
            assert_eq!(res.status(), 303);
            assert!(res.headers()["location"].to_str().unwrap().starts_with(&mock.issuer));
        }
        let res = http.get(&start).send().await.unwrap();
        assert_eq!(res.status(), 429);
        assert!(res.headers().contains_key("retry-after"));
        assert_eq!(mock.authorize_queries().len(), 0, "nothing reached the upstream yet");
        assert_eq!(http_from(92).get(&start).send().await.unwrap().status(), 303);
    }

    async fn on_redis_a_limit_is_shared_by_the_nodes(server) {
        if server.config.cache.redis_url.is_empty() {
            // In-process limits are per node by design; this deployment has one node.
            return;
        }
        let (a, _) = service_client(server).await;
        let (b_base, _node_b) = server.another_node().await;
        let http = http_from(91);
        for _ in 0..2 {
            assert_eq!(client_credentials(&http, server, &a, "wrong").await.0, 401);
        }
        let on_b = |secret: &'static str| {
            let (http, b_base, a) = (http.clone(), b_base.clone(), a.clone());
            async move {
                let res = http
                    .post(format!("{b_base}/token"))
                    .basic_auth(&a, Some(secret))
                    .form(&[("grant_type", "client_credentials")])
                    .send()
                    .await
                    .unwrap();
                answer(res).await
            }
        };
        assert_eq!(on_b("wrong").await.0, 401, "the third failure, on node B");
        assert_limited(&on_b("wrong").await);
        assert_limited(&client_credentials(&http, server, &a, "wrong").await);
    }
}
