//! The device authorization grant (RFC 8628): `/device_authorization`, the `/device` page
//! where a signed-in person types the user code and allows or denies, and the device's
//! polling at `/token` (`authorization_pending`, `slow_down`, `access_denied`,
//! `expired_token`, single redemption). Plus openid-client 6 doing the device side with its
//! own code.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::clients::DEVICE_CODE;
use harness::rp::{Browser, Landing, hidden, unescape};
use harness::{NewClient, TestServer};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";

/// A device client: `adjust` on top of the device grant and refresh tokens; returns its id
/// and secret (none when public).
async fn device_client(
    server: &TestServer,
    adjust: impl FnOnce(&mut NewClient),
) -> (String, Option<String>) {
    server
        .client(|c| {
            c.name = "Living Room TV".into();
            c.grant_types = vec![DEVICE_CODE.into(), "refresh_token".into()];
            c.redirect_uris = vec![];
            adjust(c);
        })
        .await
}

/// A POST of `form` to `path`, authenticated as `client` (Basic with a secret, else the
/// `client_id` in the form); returns the status and the JSON body.
async fn post(
    server: &TestServer,
    path: &str,
    client: &(String, Option<String>),
    form: &[(&str, &str)],
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut fields = form.to_vec();
    let mut req = reqwest::Client::new().post(server.url(path));
    match &client.1 {
        Some(secret) => req = req.basic_auth(&client.0, Some(secret)),
        None => fields.push(("client_id", &client.0)),
    }
    let res = req.form(&fields).send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body, headers)
}

/// Starts a device authorization for `client` with `scope`; returns the answer.
async fn start(server: &TestServer, client: &(String, Option<String>), scope: &str) -> Value {
    let (status, body, headers) =
        post(server, "/device_authorization", client, &[("scope", scope)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    body
}

/// One poll of the device; returns the status and the body.
async fn poll(
    server: &TestServer,
    client: &(String, Option<String>),
    device_code: &str,
) -> (u16, Value) {
    let (status, body, _) = post(
        server,
        "/token",
        client,
        &[("grant_type", DEVICE_CODE), ("device_code", device_code)],
    )
    .await;
    (status, body)
}

fn error(body: &Value) -> &str {
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error: {body}"))
}

/// The claims of a JWT (read, not verified: the interop test verifies).
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// A person with an account and a browser: opens `url` (a page of `/device`), signs in on
/// the page it is sent to, and lands back where it started. Returns the user's id too.
async fn signed_in_at(server: &TestServer, email: &str, url: &str) -> (Browser, Landing, String) {
    let user_id = server.user(email, PASSWORD).await;
    let browser = Browser::new(server);
    let login = browser.open(url).await;
    let (_, at, body) = login.page();
    assert!(
        body.contains("action=\"/login\""),
        "sent to sign in first: {at}"
    );
    let csrf = hidden(body, "csrf").unwrap();
    let next = hidden(body, "next").unwrap();
    let landed = browser
        .post(
            &server.url("/login"),
            &[
                ("csrf", csrf.as_str()),
                ("request", ""),
                ("next", next.as_str()),
                ("email", email),
                ("password", PASSWORD),
            ],
        )
        .await;
    let (status, at, body) = landed.page();
    assert_eq!(status, 200, "{body}");
    assert!(
        at.starts_with(&server.url("/device")),
        "back on the device page: {at}"
    );
    (browser, landed, user_id)
}

/// Types `typed` into the code form shown in `landing`.
async fn enter_code(
    server: &TestServer,
    browser: &Browser,
    landing: &Landing,
    typed: &str,
) -> Landing {
    let csrf = hidden(landing.page().2, "csrf").expect("csrf field");
    browser
        .post(
            &server.url("/device"),
            &[("csrf", csrf.as_str()), ("user_code", typed)],
        )
        .await
}

/// Answers the confirmation shown in `landing`.
async fn decide(server: &TestServer, browser: &Browser, landing: &Landing, allow: bool) -> Landing {
    let body = landing.page().2;
    assert!(
        body.contains("action=\"/device/confirm\""),
        "not the confirmation: {body}"
    );
    let csrf = hidden(body, "csrf").unwrap();
    let code = hidden(body, "user_code").unwrap();
    let decision = if allow { "allow" } else { "deny" };
    browser
        .post(
            &server.url("/device/confirm"),
            &[
                ("csrf", csrf.as_str()),
                ("user_code", code.as_str()),
                ("decision", decision),
            ],
        )
        .await
}

/// Signs `email` in on `/device` and answers the device's request for `user_code`.
async fn answer(server: &TestServer, email: &str, user_code: &str, allow: bool) -> Landing {
    let (browser, form, _) = signed_in_at(server, email, &server.url("/device")).await;
    let confirm = enter_code(server, &browser, &form, user_code).await;
    decide(server, &browser, &confirm, allow).await
}

/// The `value` of the code field.
fn typed_code(body: &str) -> Option<String> {
    let start = body.find("<input id=\"user_code\"")?;
    let tag = &body[start..start + body[start..].find('>')?];
    let v = tag.split(" value=\"").nth(1)?;
    Some(unescape(&v[..v.find('"')?]))
}

async fn subject_of(server: &TestServer, user_id: String) -> String {
    let users = server.running().services.users.clone();
    server
        .on_server(async move { users.find(&user_id).await })
        .await
        .unwrap()
        .unwrap()
        .subject
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn a_person_approves_on_the_page_and_the_device_gets_tokens_once(server) {
        let discovery: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
            .await.unwrap().json().await.unwrap();
        assert_eq!(discovery["device_authorization_endpoint"], server.url("/device_authorization"));
        assert!(discovery["grant_types_supported"].as_array().unwrap().iter().any(|g| g == DEVICE_CODE));

        let client = device_client(server, |_| {}).await;
        let device = start(server, &client, "openid profile email offline_access").await;
        let user_code = device["user_code"].as_str().unwrap();
        let shape = user_code.len() == 9
            && user_code.chars().enumerate().all(|(i, c)| if i == 4 { c == '-' } else { "BCDFGHJKLMNPQRSTVWXZ".contains(c) });
        assert!(shape, "{user_code}");
        assert_eq!(device["verification_uri"], server.url("/device"));
        let complete = device["verification_uri_complete"].as_str().unwrap();
        assert_eq!(complete, format!("{}?user_code={user_code}", server.url("/device")));
        assert_eq!((device["expires_in"].as_u64(), device["interval"].as_u64()), (Some(600), Some(5)));
        let device_code = device["device_code"].as_str().unwrap();
        let (status, body) = poll(server, &client, device_code).await;
        assert_eq!((status, error(&body)), (400, "authorization_pending"));

        // The link with the code goes through sign-in and back, the code filled in.
        let email = "device-flow@example.com";
        let (browser, form, user_id) = signed_in_at(server, email, complete).await;
        assert_eq!(typed_code(form.page().2).as_deref(), Some(user_code));
        // Typed in lower case, with its dash: the same code.
        let confirm = enter_code(server, &browser, &form, &user_code.to_lowercase()).await;
        let (status, _, body) = confirm.page();
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("Living Room TV"), "{body}");
        assert!(body.contains("See your name and basic profile"), "the consent page's words: {body}");
        assert!(body.contains(user_code), "the code to compare with the device: {body}");
        let done = decide(server, &browser, &confirm, true).await;
        let (status, _, body) = done.page();
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("return to your device"), "{body}");

        let (status, tokens) = poll(server, &client, device_code).await;
        assert_eq!(status, 200, "{tokens}");
        assert!(tokens["refresh_token"].is_string(), "{tokens}");
        assert_eq!(tokens["scope"], "openid profile email offline_access");
        let id = claims(tokens["id_token"].as_str().unwrap());
        assert_eq!(id["sub"], subject_of(server, user_id).await);
        assert_eq!(id["aud"], client.0.as_str());
        assert_eq!(id["amr"], serde_json::json!(["pwd"]));
        let userinfo: Value = reqwest::Client::new().get(server.url("/userinfo"))
            .bearer_auth(tokens["access_token"].as_str().unwrap())
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(userinfo["sub"], id["sub"]);
        assert_eq!(userinfo["email"], email);

        // Redeemed once: the second poll is refused.
        let (status, body) = poll(server, &client, device_code).await;
        assert_eq!((status, error(&body)), (400, "invalid_grant"));

        // Bound to the approving browser session: when it ends, so does the refresh token.
        let sid = id["sid"].as_str().unwrap().to_owned();
        let sessions = server.running().services.sessions.clone();
        server.on_server(async move { sessions.end(&sid).await }).await.unwrap();
        let refresh = tokens["refresh_token"].as_str().unwrap();
        let (status, body, _) = post(server, "/token", &client, &[("grant_type", "refresh_token"), ("refresh_token", refresh)]).await;
        assert_eq!((status, error(&body)), (400, "invalid_grant"));
    }

    async fn polling_too_fast_slows_the_device_down(server) {
        let client = device_client(server, |c| c.public = true).await;
        let device = start(server, &client, "openid").await;
        let device_code = device["device_code"].as_str().unwrap();
        let (status, body) = poll(server, &client, device_code).await;
        assert_eq!((status, error(&body)), (400, "authorization_pending"));
        for _ in 0..2 {
            let (status, body) = poll(server, &client, device_code).await;
            assert_eq!((status, error(&body)), (400, "slow_down"), "polled at once");
        }
        let devices = server.running().services.devices.clone();
        let user_code = device["user_code"].as_str().unwrap().to_owned();
        let row = server.on_server(async move { devices.pending(&user_code).await }).await.unwrap().unwrap();
        assert_eq!(row.interval_secs, 15, "five seconds more for each slow_down");
    }

    async fn a_denied_request_answers_access_denied(server) {
        let client = device_client(server, |_| {}).await;
        let device = start(server, &client, "openid").await;
        let done = answer(server, "device-deny@example.com", device["user_code"].as_str().unwrap(), false).await;
        let (status, _, body) = done.page();
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("was not given access"), "{body}");
        let (status, body) = poll(server, &client, device["device_code"].as_str().unwrap()).await;
        assert_eq!((status, error(&body)), (400, "access_denied"));
    }

    async fn two_concurrent_polls_get_the_tokens_once(server) {
        let client = device_client(server, |_| {}).await;
        let device = start(server, &client, "openid").await;
        answer(server, "device-race@example.com", device["user_code"].as_str().unwrap(), true).await;
        let code = device["device_code"].as_str().unwrap();
        let (a, b) = tokio::join!(poll(server, &client, code), poll(server, &client, code));
        let mut statuses = [a.0, b.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 400], "{a:?} {b:?}");
    }

    async fn another_clients_or_an_unknown_device_code_is_invalid_grant(server) {
        let client = device_client(server, |_| {}).await;
        let other = device_client(server, |_| {}).await;
        let device = start(server, &client, "openid").await;
        answer(server, "device-other@example.com", device["user_code"].as_str().unwrap(), true).await;
        let code = device["device_code"].as_str().unwrap();
        let (status, body) = poll(server, &other, code).await;
        assert_eq!((status, error(&body)), (400, "invalid_grant"));
        let (status, body) = poll(server, &other, "not-a-device-code").await;
        assert_eq!((status, error(&body)), (400, "invalid_grant"));
        // The other client's attempt spent nothing.
        let (status, body) = poll(server, &client, code).await;
        assert_eq!(status, 200, "{body}");
    }

    async fn a_client_not_allowed_the_grant_is_unauthorized_client(server) {
        let client = server.client(|_| {}).await;
        let (status, body, _) = post(server, "/device_authorization", &client, &[("scope", "openid")]).await;
        assert_eq!((status, error(&body)), (400, "unauthorized_client"));
        let (status, body) = poll(server, &client, "whatever").await;
        assert_eq!((status, error(&body)), (400, "unauthorized_client"));
    }

    async fn bad_input_gets_the_rfc_errors(server) {
        let client = device_client(server, |c| c.public = true).await;
        let url = server.url("/device_authorization");
        let http = reqwest::Client::new();
        // No client_id: the client is not authenticated.
        let res = http.post(&url).form(&[("scope", "openid")]).send().await.unwrap();
        assert_eq!(res.status(), 401);
        assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_client");
        // GET instead of POST.
        let res = http.get(format!("{url}?client_id={}&scope=openid", client.0)).send().await.unwrap();
        assert_eq!(res.status(), 405);
        assert!(res.headers()["allow"].to_str().unwrap().contains("POST"));
        assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_request");
        // A JSON body.
        let res = http.post(&url).json(&serde_json::json!({ "client_id": client.0, "scope": "openid" })).send().await.unwrap();
        assert_eq!(res.status(), 400);
        assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_request");
        // A scope the client may not ask for, and none at all.
        let (status, body, _) = post(server, "/device_authorization", &client, &[("scope", "openid admin")]).await;
        assert_eq!((status, error(&body)), (400, "invalid_scope"));
        let (status, body, _) = post(server, "/device_authorization", &client, &[]).await;
        assert_eq!((status, error(&body)), (400, "invalid_scope"));
        // Repeated parameters.
        let res = http.post(&url).header("content-type", "application/x-www-form-urlencoded")
            .body(format!("client_id={0}&client_id={0}&scope=openid", client.0)).send().await.unwrap();
        assert_eq!(res.status(), 400);
        // The token request without its device_code.
        let (status, body, _) = post(server, "/token", &client, &[("grant_type", DEVICE_CODE)]).await;
        assert_eq!((status, error(&body)), (400, "invalid_request"));
        // On the page: a malformed code and an unknown one get the same answer.
        let (browser, form, _) = signed_in_at(server, "device-bad-input@example.com", &server.url("/device")).await;
        let malformed = enter_code(server, &browser, &form, "<b>AEIOU</b>").await;
        let unknown = enter_code(server, &browser, &form, "BCDF-GHJK").await;
        for landing in [&malformed, &unknown] {
            let (status, _, body) = landing.page();
            assert_eq!(status, 400, "{body}");
            assert!(body.contains("This code is not valid or has expired"), "{body}");
            assert!(!body.contains("<b>AEIOU"), "escaped: {body}");
        }
        // A decision without the session's CSRF token is refused.
        let res = browser.http.post(server.url("/device/confirm"))
            .form(&[("csrf", "forged"), ("user_code", "BCDF-GHJK"), ("decision", "allow")])
            .send().await.unwrap();
        assert_eq!(res.status(), 403);
    }
}

/// openid-client 6 as the device (its own `initiateDeviceAuthorization` and
/// `pollDeviceAuthorizationGrant`), with a public client, while the test approves on the page.
mod interop {
    use std::process::Stdio;

    use tokio::io::{AsyncBufReadExt as _, BufReader};
    use tokio::process::Command;

    use super::*;

    harness::shared_server_tests! {
        setup = |_| {};

        async fn openid_client_6_does_the_device_flow(server) {
            if !crate::interop::node_ready() {
                harness::skip_or_fail("node and `npm ci --prefix tests/interop/node`");
                return;
            }
            let (client_id, _) = device_client(server, |c| c.public = true).await;
            let script = crate::interop::interop_dir("node").join("device.mjs");
            let mut child = Command::new("node")
                .arg(&script)
                .current_dir(script.parent().unwrap())
                .env("GATEHOUSE_ISSUER", &server.base)
                .env("CLIENT_ID", &client_id)
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .expect("node starts");
            let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
            let mut line = async || -> Value {
                let text = out.next_line().await.unwrap().expect("a line from the library");
                serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON line: {text}"))
            };
            let first = line().await;
            let device = &first["device"];
            assert_eq!(device["endpoint"], server.url("/device_authorization"), "{first}");
            let user_code = device["user_code"].as_str().unwrap_or_else(|| panic!("{first}"));
            assert_eq!(device["verification_uri"], server.url("/device"));

            let email = "device-interop@example.com";
            answer(server, email, user_code, true).await;
            let last = line().await;
            assert!(child.wait().await.unwrap().success(), "{last}");
            let result = &last["result"];
            assert_eq!(result["tokens"]["token_type"].as_str().map(str::to_ascii_lowercase).as_deref(), Some("bearer"), "{last}");
            assert_eq!(result["tokens"]["has_refresh_token"], true, "{last}");
            assert_eq!(result["id_token"]["iss"], server.base.as_str(), "{last}");
            assert_eq!(result["id_token"]["signature_verified"], true, "{last}");
            assert_eq!(result["userinfo"]["email"], email, "{last}");
            assert_eq!(result["userinfo"]["sub"], result["id_token"]["sub"], "{last}");
            assert_eq!(result["refresh"]["rotated"], true, "{last}");
        }
    }
}

/// Codes that expire at once (one second): the device hears `expired_token`.
mod expiry {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| c.tokens.device_code_ttl_secs = 1;

        async fn an_expired_device_code_answers_expired_token(server) {
            let client = device_client(server, |_| {}).await;
            let device = start(server, &client, "openid").await;
            assert_eq!(device["expires_in"], 1);
            let code = device["device_code"].as_str().unwrap();
            // Waits on the condition (bounded): pending or slow_down until it expires.
            let mut last = Value::Null;
            for _ in 0..40 {
                let (_, body) = poll(server, &client, code).await;
                if error(&body) == "expired_token" {
                    // The person can no longer approve it either.
                    let (browser, form, _) = signed_in_at(server, "device-expired@example.com", &server.url("/device")).await;
                    let landed = enter_code(server, &browser, &form, device["user_code"].as_str().unwrap()).await;
                    let (status, _, body) = landed.page();
                    assert_eq!(status, 400, "{body}");
                    assert!(body.contains("This code is not valid or has expired"), "{body}");
                    return;
                }
                assert!(["authorization_pending", "slow_down"].contains(&error(&body)), "{body}");
                last = body;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("never expired: {last}");
        }
    }
}

/// The page's brute-force limits: three codes per session, six per IP address.
mod guessing {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| {
            c.rate_limit.device_codes_per_session = 3;
            c.rate_limit.device_codes_per_ip = 6;
        };

        async fn wrong_codes_are_limited_per_session_and_per_ip_whatever_exists(server) {
            let client = device_client(server, |_| {}).await;
            let device = start(server, &client, "openid").await;
            let real = device["user_code"].as_str().unwrap();
            let (browser, form, _) = signed_in_at(server, "device-guess@example.com", &server.url("/device")).await;
            for guess in ["BCDF-GHJK", "bcdf-ghjl", "ZZZZ-ZZZZ"] {
                let landed = enter_code(server, &browser, &form, guess).await;
                let (status, _, body) = landed.page();
                assert_eq!(status, 400, "{body}");
            }
            // Over the session's budget: refused before any lookup, so the real code gets
            // the same answer as a wrong one.
            for code in ["BCDF-GHJM", real] {
                let landed = enter_code(server, &browser, &form, code).await;
                let (status, _, body) = landed.page();
                assert_eq!(status, 429, "{body}");
                assert!(!body.contains("Living Room TV"), "{body}");
            }
            // Another session from the same address: within the IP budget once, then not.
            let (other, form, _) = signed_in_at(server, "device-guess-2@example.com", &server.url("/device")).await;
            assert_eq!(enter_code(server, &other, &form, "BCDF-GHJN").await.page().0, 400);
            assert_eq!(enter_code(server, &other, &form, real).await.page().0, 429);
            // The device itself is unaffected: still pending.
            let (status, body) = poll(server, &client, device["device_code"].as_str().unwrap()).await;
            assert_eq!((status, error(&body)), (400, "authorization_pending"));
        }
    }
}
