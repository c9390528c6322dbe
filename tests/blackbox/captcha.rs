//! The CAPTCHA on registration, password reset, the registration API and repeated failed
//! sign-ins: the built-in proof of work (solved here as the page's script does), and a
//! third-party service verified server-side (a local stand-in for hCaptcha's siteverify).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::sync::{Mutex, OnceLock};

use gatehouse::config::{CaptchaProvider, RegistrationMode};
use harness::TestServer;
use harness::rp::{Browser, Landing, hidden};

const PASSWORD: &str = "violet staircase humming 42";

async fn user_exists(server: &TestServer, email: &str) -> bool {
    let users = server.running().services.users.clone();
    let email = email.to_owned();
    server
        .on_server(async move { users.find_by_email(&email).await })
        .await
        .unwrap()
        .is_some()
}

/// Posts the form of `page` to `action` with `fields`, the CSRF token, and (when `solve`) the
/// page's proof-of-work challenge with its solution.
async fn post_form(
    browser: &Browser,
    server: &TestServer,
    page: &Landing,
    action: &str,
    fields: &[(&str, &str)],
    solve: bool,
) -> Landing {
    let body = page.page().2;
    let csrf = hidden(body, "csrf").unwrap();
    let challenge = hidden(body, "pow_challenge").unwrap_or_default();
    let solution = domain::captcha::solve(&challenge);
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    if solve {
        form.push(("pow_challenge", &challenge));
        form.push(("pow_solution", &solution));
    }
    browser.post(&server.url(action), &form).await
}

fn csp(server: &TestServer, path: &str) -> String {
    let url = server.url(path);
    let res = std::thread::spawn(move || {
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(async move {
                reqwest::get(url).await.unwrap().headers()["content-security-policy"]
                    .to_str()
                    .unwrap()
                    .to_owned()
            })
    });
    res.join().unwrap()
}

harness::shared_server_tests! {
    setup = |c| {
        c.registration.mode = RegistrationMode::Open;
        c.captcha.provider = CaptchaProvider::Pow;
        c.captcha.pow_difficulty = 8;
        c.captcha.login_after_failures = 2;
        c.rate_limit.mail_per_ip = 0;
    };

    async fn registration_needs_a_solved_single_use_challenge(server) {
        let browser = Browser::new(server);
        let page = browser.open(&server.url("/register")).await;
        let body = page.page().2;
        assert!(body.contains("data-pow-challenge") && body.contains("/static/pow.js"));
        assert!(csp(server, "/register").contains("script-src 'self'"));
        let fields = [("email", "pow@example.com"), ("name", "Pow"), ("password", PASSWORD)];
        let refused = post_form(&browser, server, &page, "/register", &fields, false).await;
        assert_eq!(refused.page().0, 422);
        assert!(refused.page().2.contains("browser check did not pass"));
        assert!(!user_exists(server, "pow@example.com").await, "nothing stored");
        // A forged solution fails too.
        let csrf = hidden(refused.page().2, "csrf").unwrap();
        let challenge = hidden(refused.page().2, "pow_challenge").unwrap();
        let forged = browser
            .post(&server.url("/register"), &[
                ("csrf", csrf.as_str()), ("email", "pow@example.com"), ("password", PASSWORD),
                ("pow_challenge", &challenge), ("pow_solution", "0"),
            ])
            .await;
        if domain::captcha::solve(&challenge) != "0" {
            assert_eq!(forged.page().0, 422);
        }
        let page = browser.open(&server.url("/register")).await;
        let done = post_form(&browser, server, &page, "/register", &fields, true).await;
        assert!(done.page().2.contains("Check your inbox"), "{}", done.page().2);
        assert!(user_exists(server, "pow@example.com").await);
        // The same solved challenge does not buy a second request.
        let replay = post_form(&browser, server, &page, "/register", &[("email", "pow2@example.com"), ("password", PASSWORD)], true).await;
        assert_eq!(replay.page().0, 422);
        assert!(!user_exists(server, "pow2@example.com").await);
    }

    async fn password_reset_needs_the_challenge(server) {
        server.user("pow-reset@example.com", PASSWORD).await;
        let browser = Browser::new(server);
        let page = browser.open(&server.url("/forgot-password")).await;
        assert!(page.page().2.contains("data-pow-challenge"));
        let fields = [("email", "pow-reset@example.com")];
        let refused = post_form(&browser, server, &page, "/forgot-password", &fields, false).await;
        assert_eq!(refused.page().0, 422);
        let done = post_form(&browser, server, &refused, "/forgot-password", &fields, true).await;
        assert!(done.page().2.contains("Check your inbox"));
        harness::mailbox::mail_to(server, "pow-reset@example.com", "Reset your password").await;
    }

    async fn sign_in_asks_for_the_challenge_after_repeated_failures(server) {
        // The failure count is per IP address (all tests come from 127.0.0.1), so this test
        // only checks what happens once the threshold is reached.
        let email = "pow-login@example.com";
        server.user(email, PASSWORD).await;
        let browser = Browser::new(server);
        let login = |b: &Browser| {
            let b = b.clone();
            async move { b.open(&server.url("/login?next=/account")).await }
        };
        for _ in 0..2 {
            let page = login(&browser).await;
            let res = post_form(&browser, server, &page, "/login", &[("request", ""), ("email", email), ("password", "wrong guess")], true).await;
            assert!(matches!(res.page().0, 401 | 422));
        }
        let page = login(&browser).await;
        assert!(page.page().2.contains("data-pow-challenge"), "the form now has the challenge");
        // Without it, even the right password is not checked.
        let refused = post_form(&browser, server, &page, "/login", &[("request", ""), ("email", email), ("password", PASSWORD)], false).await;
        assert_eq!(refused.page().0, 422);
        assert!(!refused.page().2.contains("Incorrect email or password"));
        let page = login(&browser).await;
        let ok = post_form(&browser, server, &page, "/login", &[("request", ""), ("email", email), ("password", PASSWORD)], true).await;
        let (status, url, _) = ok.page();
        assert_eq!(status, 200);
        assert!(url.ends_with("/account"));
    }

    async fn the_registration_api_takes_a_challenge_from_api_captcha(server) {
        let http = reqwest::Client::new();
        let c: serde_json::Value = http.get(server.url("/api/captcha")).send().await.unwrap().json().await.unwrap();
        assert_eq!(c["kind"], "pow");
        assert_eq!(c["difficulty"], 8);
        let challenge = c["challenge"].as_str().unwrap();
        let base = serde_json::json!({ "email": "pow-api@example.com", "password": PASSWORD });
        let res = http.post(server.url("/api/register")).json(&base).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let v: serde_json::Value = res.json().await.unwrap();
        assert!(v["fields"]["captcha"].is_string(), "{v}");
        let mut solved = base.clone();
        solved["pow_challenge"] = challenge.into();
        solved["pow_solution"] = domain::captcha::solve(challenge).into();
        let res = http.post(server.url("/api/register")).json(&solved).send().await.unwrap();
        assert_eq!(res.status(), 202);
        assert!(user_exists(server, "pow-api@example.com").await);
    }
}

/// What the stand-in siteverify received: the form bodies.
static RECEIVED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Starts (once) a local siteverify: `{"success": true}` for the response `good-token`,
/// false otherwise, HTTP 500 for `break-it`. Returns its URL.
fn siteverify() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/siteverify", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream);
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let body = String::from_utf8_lossy(&body).into_owned();
                let (status, answer) = if body.contains("response=break-it") {
                    ("500 Internal Server Error", "{}")
                } else if body.contains("response=good-token") {
                    ("200 OK", r#"{"success":true}"#)
                } else {
                    ("200 OK", r#"{"success":false,"error-codes":["invalid-input-response"]}"#)
                };
                RECEIVED.lock().unwrap().push(body);
                let mut stream = reader.into_inner();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        url
    })
    .clone()
}

mod remote {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| {
            c.registration.mode = RegistrationMode::Open;
            c.captcha.provider = CaptchaProvider::Hcaptcha;
            c.captcha.site_key = "site-key-123".into();
            c.captcha.secret_key = "the-secret".into();
            c.captcha.verify_url = siteverify();
        };

        async fn hcaptcha_is_verified_server_side_and_fails_closed(server) {
            let browser = Browser::new(server);
            let page = browser.open(&server.url("/register")).await;
            let body = page.page().2;
            assert!(body.contains("class=\"h-captcha\"") && body.contains("data-sitekey=\"site-key-123\""));
            assert!(body.contains("https://js.hcaptcha.com/1/api.js"));
            assert!(csp(server, "/register").contains("frame-src https://hcaptcha.com"));
            let register = |email: &'static str, token: &'static str| {
                let browser = browser.clone();
                async move {
                    let page = browser.open(&server.url("/register")).await;
                    let csrf = hidden(page.page().2, "csrf").unwrap();
                    browser
                        .post(&server.url("/register"), &[
                            ("csrf", csrf.as_str()), ("email", email), ("password", PASSWORD),
                            ("h-captcha-response", token),
                        ])
                        .await
                }
            };
            assert_eq!(register("h-bad@example.com", "bad-token").await.page().0, 422);
            assert!(!user_exists(server, "h-bad@example.com").await);
            assert_eq!(register("h-down@example.com", "break-it").await.page().0, 422, "fails closed");
            assert!(!user_exists(server, "h-down@example.com").await);
            assert!(register("h-good@example.com", "good-token").await.page().2.contains("Check your inbox"));
            assert!(user_exists(server, "h-good@example.com").await);
            let sent = RECEIVED.lock().unwrap().clone();
            let good = sent.iter().find(|b| b.contains("response=good-token")).expect("verified");
            assert!(good.contains("secret=the-secret") && good.contains("remoteip=127.0.0.1"), "{good}");
        }
    }
}

/// Fails to sign in `times` times with `browser`, then tells whether the sign-in form now
/// asks for the CAPTCHA.
async fn challenged_after_failures(
    server: &TestServer,
    browser: &Browser,
    email: &str,
    times: usize,
) -> bool {
    for _ in 0..times {
        let page = browser.open(&server.url("/login?next=/account")).await;
        let res = post_form(
            browser,
            server,
            &page,
            "/login",
            &[
                ("request", ""),
                ("email", email),
                ("password", "wrong guess"),
            ],
            true,
        )
        .await;
        assert!(matches!(res.page().0, 401 | 422));
    }
    let page = browser.open(&server.url("/login?next=/account")).await;
    page.page().2.contains("data-pow-challenge")
}

/// Behind a trusted reverse proxy (the tests connect from 127.0.0.1), each client is
/// counted by the address the proxy names.
mod behind_a_trusted_proxy {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| {
            c.captcha.provider = CaptchaProvider::Pow;
            c.captcha.pow_difficulty = 8;
            c.captcha.login_after_failures = 2;
            c.server.trusted_proxies = vec!["127.0.0.0/8".into()];
        };

        async fn finding_c_clients_behind_a_trusted_proxy_do_not_share_the_failure_count(server) {
            let email = "proxied@example.com";
            server.user(email, PASSWORD).await;
            // The leftmost entry is what the client wrote itself: only the hop the proxy
            // appended counts.
            let a = Browser::with_headers(server, &[("x-forwarded-for", "203.0.113.50, 198.51.100.7")]);
            assert!(challenged_after_failures(server, &a, email, 2).await, "A failed twice");
            let b = Browser::with_headers(server, &[("x-forwarded-for", "203.0.113.50, 198.51.100.8")]);
            assert!(!challenged_after_failures(server, &b, email, 0).await, "B is not A");
            // The audit trail names the client, not the proxy.
            use domain::entities::audit_event;
            use sea_orm::EntityTrait as _;
            let db = server.running().services.store.db().clone();
            let events = server
                .on_server(async move { audit_event::Entity::find().all(&db).await })
                .await
                .unwrap();
            assert!(events.iter().any(|e| e.ip.as_deref() == Some("198.51.100.7")));
            assert!(events.iter().all(|e| e.ip.as_deref() != Some("203.0.113.50")));
        }
    }
}

/// Forwarding headers from a peer that is not a trusted proxy are ignored.
mod behind_an_untrusted_peer {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| {
            c.captcha.provider = CaptchaProvider::Pow;
            c.captcha.pow_difficulty = 8;
            c.captcha.login_after_failures = 2;
            c.server.trusted_proxies = vec!["10.0.0.0/8".into()];
        };

        async fn finding_c_forwarding_headers_from_an_untrusted_peer_are_ignored(server) {
            let email = "unproxied@example.com";
            server.user(email, PASSWORD).await;
            let a = Browser::with_headers(server, &[("x-forwarded-for", "198.51.100.7"), ("forwarded", "for=198.51.100.7")]);
            assert!(challenged_after_failures(server, &a, email, 2).await);
            let b = Browser::with_headers(server, &[("x-forwarded-for", "198.51.100.8"), ("forwarded", "for=198.51.100.8")]);
            assert!(challenged_after_failures(server, &b, email, 0).await, "one peer, one count");
        }
    }
}
