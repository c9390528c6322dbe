//! CORS for browser applications: per-client allowed origins at `/token`, `/userinfo` and
//! `/revoke` (headers checked over HTTP), and a page on another origin calling them with
//! `fetch` in headless Chromium (the browser enforces what the headers say).

use harness::TestServer;
use harness::rp::Browser;
use harness::webdriver::{self, Chrome};
use openidconnect::PkceCodeChallenge;
use reqwest::header::HeaderMap;
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";
const SPA: &str = "http://127.0.0.1:9";
const OTHER: &str = "https://evil.example";

/// Signs `email` in to a public client (code + PKCE) through the hosted pages; returns the
/// code and its verifier.
async fn code_for(
    server: &TestServer,
    client_id: &str,
    redirect_uri: &str,
    email: &str,
) -> (String, String) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", "openid email")
        .append_pair("state", "s")
        .append_pair("code_challenge", challenge.as_str())
        .append_pair("code_challenge_method", "S256");
    let landing = Browser::new(server)
        .authorize(url.as_str(), email, PASSWORD)
        .await;
    (
        landing.params()["code"].clone(),
        verifier.secret().to_owned(),
    )
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The CORS headers of an answer allowed for `origin`.
fn assert_allowed(headers: &HeaderMap, origin: &str) {
    assert_eq!(
        header(headers, "access-control-allow-origin"),
        Some(origin),
        "{headers:?}"
    );
    assert!(
        header(headers, "vary").is_some_and(|v| v.contains("Origin")),
        "{headers:?}"
    );
    assert!(
        headers.get("access-control-allow-credentials").is_none(),
        "never credentials"
    );
}

fn assert_not_allowed(headers: &HeaderMap) {
    assert!(
        headers.get("access-control-allow-origin").is_none(),
        "{headers:?}"
    );
    assert!(headers.get("access-control-allow-credentials").is_none());
}

async fn token_request(
    server: &TestServer,
    origin: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    reqwest::Client::new()
        .post(server.url("/token"))
        .header("origin", origin)
        .form(form)
        .send()
        .await
        .unwrap()
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn preflight_answers_the_browser_endpoints_only(server) {
        for (path, methods) in [("/token", "POST"), ("/revoke", "POST"), ("/userinfo", "GET, POST")] {
            let res = reqwest::Client::new()
                .request(reqwest::Method::OPTIONS, server.url(path))
                .header("origin", SPA)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "authorization, content-type, dpop")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 204, "{path}");
            let h = res.headers();
            assert_allowed(h, SPA);
            assert_eq!(header(h, "access-control-allow-methods"), Some(methods), "{path}");
            let allowed = header(h, "access-control-allow-headers").unwrap().to_ascii_lowercase();
            for name in ["authorization", "content-type", "dpop"] {
                assert!(allowed.contains(name), "{path}: {allowed}");
            }
            assert!(header(h, "access-control-max-age").is_some(), "{path}");
        }
        // Introspection is for servers: no CORS at all.
        let res = reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, server.url("/introspect"))
            .header("origin", SPA)
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert_ne!(res.status(), 204);
        assert_not_allowed(res.headers());
        // Discovery and JWKS: any origin.
        for path in ["/.well-known/openid-configuration", "/jwks"] {
            let res = reqwest::Client::new().get(server.url(path)).header("origin", OTHER).send().await.unwrap();
            assert_eq!(header(res.headers(), "access-control-allow-origin"), Some("*"), "{path}");
        }
    }

    async fn a_public_clients_redirect_origin_may_call_token_userinfo_and_revoke(server) {
        let email = "cors-spa@example.com";
        server.user(email, PASSWORD).await;
        let redirect = format!("{SPA}/cb");
        let (client_id, _) = server.client(|c| {
            c.public = true;
            c.redirect_uris = vec![redirect.clone()];
        }).await;
        let (code, verifier) = code_for(server, &client_id, &redirect, email).await;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect.as_str()),
            ("client_id", client_id.as_str()),
            ("code_verifier", verifier.as_str()),
        ];
        // Another origin's answer carries no CORS headers (the browser withholds it)...
        let res = token_request(server, OTHER, &[("grant_type", "authorization_code"), ("code", "nope"), ("client_id", &client_id)]).await;
        assert_eq!(res.status(), 400);
        assert_not_allowed(res.headers());
        // ...the client's origin gets the tokens, and its errors, readable.
        let res = token_request(server, SPA, &form).await;
        assert_eq!(res.status(), 200);
        assert_allowed(res.headers(), SPA);
        let tokens: Value = res.json().await.unwrap();
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        let refresh = tokens["refresh_token"].as_str().map(str::to_owned);

        for origin in [SPA, OTHER] {
            let res = reqwest::Client::new()
                .get(server.url("/userinfo"))
                .header("origin", origin)
                .bearer_auth(&access)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            if origin == SPA {
                assert_allowed(res.headers(), SPA);
                assert_eq!(header(res.headers(), "access-control-expose-headers"), Some("WWW-Authenticate, DPoP-Nonce"));
            } else {
                assert_not_allowed(res.headers());
            }
        }

        let token = refresh.unwrap_or(access);
        for origin in [OTHER, SPA] {
            let res = reqwest::Client::new()
                .post(server.url("/revoke"))
                .header("origin", origin)
                .form(&[("token", token.as_str()), ("client_id", client_id.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            if origin == SPA {
                assert_allowed(res.headers(), SPA);
            } else {
                assert_not_allowed(res.headers());
            }
        }
        // Errors are readable too.
        let res = token_request(server, SPA, &form).await;
        assert_eq!(res.status(), 400, "code reuse");
        assert_allowed(res.headers(), SPA);
    }

    async fn confidential_clients_get_only_the_origins_registered_for_them(server) {
        let (plain, plain_secret) = server.client(|_| {}).await;
        let (listed, listed_secret) = server.client(|c| c.allowed_origins = vec!["https://app.example".into()]).await;
        for (client_id, secret, origin, allowed) in [
            (&plain, &plain_secret, SPA, false),
            (&listed, &listed_secret, "https://app.example", true),
            (&listed, &listed_secret, "https://app.example:8443", false),
        ] {
            let res = reqwest::Client::new()
                .post(server.url("/token"))
                .header("origin", origin)
                .basic_auth(client_id, secret.as_deref())
                .form(&[("grant_type", "refresh_token"), ("refresh_token", "unknown")])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 400);
            if allowed {
                assert_allowed(res.headers(), origin);
            } else {
                assert_not_allowed(res.headers());
            }
        }
        // Introspection never answers with CORS headers.
        let res = reqwest::Client::new()
            .post(server.url("/introspect"))
            .header("origin", "https://app.example")
            .basic_auth(&listed, listed_secret.as_deref())
            .form(&[("token", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_not_allowed(res.headers());
    }
}

/// A tiny web server for the application's pages: answers every request with an empty page.
async fn page_server() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let body = "<!doctype html><title>app</title><p>app</p>";
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (origin, task)
}

/// Runs `fetch(url, init)` in the page; returns `{ok, status, body}` or `{ok: false,
/// failure}` when the browser rejects it (not `error`: that key means a WebDriver error).
async fn fetch(chrome: &Chrome, url: &str, init: Value) -> Value {
    let script = format!(
        "window.__answer = null;
         fetch({url}, {init})
           .then(r => r.text().then(body => {{ window.__answer = {{ok: true, status: r.status, body}}; }}))
           .catch(e => {{ window.__answer = {{ok: false, failure: String(e)}}; }});
         return true;",
        url = Value::from(url),
    );
    chrome.execute(&script).await;
    for _ in 0..600 {
        let answer = chrome.execute("return window.__answer;").await;
        if !answer.is_null() {
            return answer;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fetch {url} never settled");
}

/// Headless Chromium on the application's origin (`127.0.0.1`) calls the issuer
/// (`localhost`): the allowed origin reads the answers, another origin is blocked.
mod chromium {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| c.issuer = "http://localhost".into();

        async fn a_page_on_the_allowed_origin_fetches_tokens_and_userinfo_another_is_blocked(server) {
            if !webdriver::available() {
                harness::skip_or_fail("Debian chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)");
                return;
            }
            assert!(server.base.starts_with("http://localhost:"), "{}", server.base);
            let (app, app_server) = page_server().await;
            let (other, other_server) = page_server().await;
            let email = "cors-chromium@example.com";
            server.user(email, PASSWORD).await;
            let redirect = format!("{app}/cb");
            let (client_id, _) = server.client(|c| {
                c.public = true;
                c.redirect_uris = vec![redirect.clone()];
            }).await;
            let (code, verifier) = code_for(server, &client_id, &redirect, email).await;
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "authorization_code")
                .append_pair("code", &code)
                .append_pair("redirect_uri", &redirect)
                .append_pair("client_id", &client_id)
                .append_pair("code_verifier", &verifier)
                .finish();
            let token_init = |body: &str| serde_json::json!({
                "method": "POST",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                "body": body,
            });

            let chrome = Chrome::start().await;
            // Another origin first: the browser sends the request but withholds the answer.
            chrome.goto(&format!("{other}/")).await;
            let answer = fetch(&chrome, &server.url("/token"), token_init("grant_type=authorization_code&code=nope&client_id=x")).await;
            assert_eq!(answer["ok"], false, "{answer}");

            chrome.goto(&format!("{app}/")).await;
            let answer = fetch(&chrome, &server.url("/token"), token_init(&body)).await;
            assert_eq!(answer["ok"], true, "{answer}");
            assert_eq!(answer["status"], 200, "{answer}");
            let tokens: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
            let access = tokens["access_token"].as_str().unwrap().to_owned();
            // Authorization makes it a preflighted request.
            let userinfo_init = serde_json::json!({"headers": {"Authorization": format!("Bearer {access}")}});
            let answer = fetch(&chrome, &server.url("/userinfo"), userinfo_init.clone()).await;
            assert_eq!(answer["status"], 200, "{answer}");
            let claims: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
            assert_eq!(claims["email"], email);

            // The same token from another origin: blocked by the browser.
            chrome.goto(&format!("{other}/")).await;
            let answer = fetch(&chrome, &server.url("/userinfo"), userinfo_init).await;
            assert_eq!(answer["ok"], false, "{answer}");
            assert!(answer["failure"].as_str().unwrap().contains("TypeError"), "{answer}");

            chrome.quit().await;
            app_server.abort();
            other_server.abort();
        }
    }
}
