//! Text messages: phone verification and the SMS second factor, with the file sender (read
//! here) and the HTTP API sender (a local stand-in receives the request).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::sync::{Mutex, OnceLock};

use harness::TestServer;
use harness::rp::{Browser, Landing, hidden};

use crate::account_states::{Kit, PASSWORD};

async fn submit(
    browser: &Browser,
    server: &TestServer,
    landing: &Landing,
    action: &str,
    fields: &[(&str, &str)],
) -> Landing {
    let csrf = hidden(landing.page().2, "csrf").expect("csrf field");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    browser.post(&server.url(action), &form).await
}

/// The newest texted code to `phone` in the file sender's directory (waits for the file).
async fn texted_code(server: &TestServer, phone: &str, skip: usize) -> String {
    let dir = server.data_dir().join("sms");
    for _ in 0..400 {
        let mut texts: Vec<(std::path::PathBuf, String)> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
            .filter(|(_, t)| t.starts_with(&format!("To: {phone}\n")))
            .collect();
        texts.sort();
        if texts.len() > skip {
            let text = &texts[skip].1;
            return text.split("\n\n").nth(1).unwrap()[..6].to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no text message to {phone}");
}

/// Sets the profile phone and verifies it with the texted code.
async fn verify_phone(browser: &Browser, server: &TestServer, typed: &str, e164: &str) {
    let account = browser.open(&server.url("/account")).await;
    let saved = submit(
        browser,
        server,
        &account,
        "/account/profile",
        &[("name", "Sam"), ("phone_number", typed)],
    )
    .await;
    assert!(
        saved.page().2.contains("(not verified)"),
        "{}",
        saved.page().2
    );
    let page = submit(browser, server, &saved, "/account/phone/verify", &[]).await;
    assert!(page.page().2.contains(e164));
    let wrong = submit(
        browser,
        server,
        &page,
        "/account/phone/confirm",
        &[("code", "abcdef")],
    )
    .await;
    assert_eq!(wrong.page().0, 422);
    assert!(
        wrong
            .page()
            .2
            .contains("That code is not right, or it expired."),
        "{}",
        wrong.page().2
    );
    let code = texted_code(server, e164, 0).await;
    let done = submit(
        browser,
        server,
        &wrong,
        "/account/phone/confirm",
        &[("code", &code)],
    )
    .await;
    assert!(
        done.page().2.contains("Your phone number is verified"),
        "{}",
        done.page().2
    );
}

harness::shared_server_tests! {
    setup = |c| c.sms.transport = gatehouse::config::SmsTransport::File;

    async fn a_verified_phone_becomes_a_second_factor(server) {
        let kit = Kit::new(server, "sms").await;
        let browser = Browser::new(server);
        let login = browser.open(&server.url("/account")).await;
        browser.sign_in(&login, &kit.email, PASSWORD).await;
        verify_phone(&browser, server, "+33 6 12 34 56 78", "+33612345678").await;
        // Texts are counted once handed to the transport (one registry per test process:
        // at least this one).
        let mut sent = 0.0;
        for _ in 0..400 {
            let scrape = reqwest::get(server.url("/metrics")).await.unwrap().text().await.unwrap();
            sent = scrape.lines().find_map(|l| l.strip_prefix("gatehouse_sms_total{outcome=\"sent\"} ")).map_or(0.0, |v| v.parse().unwrap());
            if sent >= 1.0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert!(sent >= 1.0, "gatehouse_sms_total{{outcome=\"sent\"}} is {sent}");
        let account = browser.open(&server.url("/account")).await;
        let on = submit(&browser, server, &account, "/account/mfa/sms", &[]).await;
        assert!(on.page().2.contains("Signing in now asks for a code sent by text message"));

        // Sign in: the second step offers a texted code.
        let other = Browser::new(server);
        let login = other.open(&kit.auth_url(&[])).await;
        let second = other.sign_in(&login, &kit.email, PASSWORD).await;
        assert!(second.page().2.contains("Text me a code"), "{}", second.page().2);
        let sent = submit(&other, server, &second, "/login/mfa/sms", &[]).await;
        assert!(sent.page().2.contains("We texted a code"));
        let code = texted_code(server, "+33612345678", 1).await;
        let wrong = if code == "000000" { "000001" } else { "000000" };
        let refused = submit(&other, server, &sent, "/login/mfa", &[("method", "sms"), ("code", wrong)]).await;
        assert_eq!(refused.page().0, 401);
        let landed = submit(&other, server, &refused, "/login/mfa", &[("method", "sms"), ("code", &code)]).await;
        let code = landed.params()["code"].clone();
        let tokens = kit.token(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", harness::REDIRECT_URI)]).await;
        let payload = tokens["id_token"].as_str().unwrap().split('.').nth(1).unwrap().to_owned();
        use base64::Engine as _;
        let claims: serde_json::Value = serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(claims["amr"], serde_json::json!(["pwd", "sms", "mfa"]));
        assert_eq!(claims["acr"], "urn:gatehouse:loa:2");
    }
}

/// The bodies the stand-in SMS API received.
static RECEIVED: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn sms_api() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/Messages.json", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream);
                let (mut length, mut auth) = (0, String::new());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if lower.starts_with("authorization:") {
                        auth = line.trim().to_owned();
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                RECEIVED
                    .lock()
                    .unwrap()
                    .push(format!("{auth}\n{}", String::from_utf8_lossy(&body)));
                let mut stream = reader.into_inner();
                let _ = write!(
                    stream,
                    "HTTP/1.1 201 Created\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}"
                );
            }
        });
        url
    })
    .clone()
}

mod http_api {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| {
            c.sms.transport = gatehouse::config::SmsTransport::Http;
            c.sms.http_url = sms_api();
            c.sms.http_username = "AC123".into();
            c.sms.http_password = "token".into();
            c.sms.from = "+15550001".into();
        };

        async fn the_http_sender_posts_the_template(server) {
            let email = "sms-http@example.com";
            server.user(email, PASSWORD).await;
            let browser = Browser::new(server);
            let login = browser.open(&server.url("/account")).await;
            browser.sign_in(&login, email, PASSWORD).await;
            let account = browser.open(&server.url("/account")).await;
            let saved = submit(&browser, server, &account, "/account/profile", &[("phone_number", "+44 7700 900123")]).await;
            submit(&browser, server, &saved, "/account/phone/verify", &[]).await;
            let mut body = None;
            for _ in 0..400 {
                body = RECEIVED.lock().unwrap().iter().find(|b| b.contains("To=%2B447700900123")).cloned();
                if body.is_some() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            let body = body.expect("the API got the message");
            assert!(body.starts_with("authorization: Basic ") || body.starts_with("Authorization: Basic "), "{body}");
            assert!(body.contains("From=%2B15550001") && body.contains("Body=") && body.contains("+code."), "{body}");
        }
    }
}
