//! OpenID Connect Back-Channel Logout 1.0 and Front-Channel Logout 1.0 (see shared
//! CONFORMANCE.md): the modules of both plans, named after them, and back-channel logout
//! delivered after each way a session ends. Logout tokens are verified here against the
//! published JWKS with josekit, independently of the server's signer.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use harness::rp::{hidden, unescape};
use harness::{POST_LOGOUT_URI, TestServer};
use openidconnect::CsrfToken;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::admin_api::key_holding;
use super::conformance_logout::{
    PASSWORD, SignedIn, assert_session_ended, logout_request, post_logout, signed_in_to,
};

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
const API: &str = "/admin/api/v1";

/// A relying party's logout endpoint on a loopback port of its own (another origin than
/// the server's).
pub(crate) struct Receiver {
    listener: tokio::net::TcpListener,
    pub(crate) url: String,
}

/// One request the receiver got.
pub(crate) struct Received {
    /// Lower-cased header names.
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `logout_token` of the form body.
    pub(crate) fn logout_token(&self) -> String {
        url::form_urlencoded::parse(self.body.as_bytes())
            .find(|(k, _)| k == "logout_token")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("no logout_token in {:?}", self.body))
    }
}

impl Receiver {
    pub(crate) async fn new(path: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}{path}", listener.local_addr().unwrap());
        Self { listener, url }
    }

    /// The origin of its URL, as a CSP source.
    fn origin(&self) -> String {
        url::Url::parse(&self.url)
            .unwrap()
            .origin()
            .ascii_serialization()
    }

    /// Waits (30 s at most) for one request, answers `status`, and returns it.
    pub(crate) async fn next(&self, status: u16) -> Received {
        tokio::time::timeout(Duration::from_secs(30), self.accept(status))
            .await
            .expect("a request within 30 s")
    }

    async fn accept(&self, status: u16) -> Received {
        let (mut socket, _) = self.listener.accept().await.unwrap();
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        let (head_end, length) = loop {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed early");
            raw.extend_from_slice(&buf[..n]);
            if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw[..i]).to_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse::<usize>().unwrap())
                    .unwrap_or(0);
                break (i + 4, length);
            }
        };
        while raw.len() < head_end + length {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed early");
            raw.extend_from_slice(&buf[..n]);
        }
        let answer = format!(
            "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
        );
        socket.write_all(answer.as_bytes()).await.unwrap();
        let head = String::from_utf8_lossy(&raw[..head_end]).to_string();
        let mut lines = head.lines();
        assert!(
            lines.next().unwrap().starts_with("POST "),
            "logout tokens are POSTed: {head}"
        );
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
            .collect();
        Received {
            headers,
            body: String::from_utf8_lossy(&raw[head_end..]).to_string(),
        }
    }
}

/// A user signed in to a client whose back-channel logout endpoint is `receiver`.
async fn signed_in_with_backchannel(
    server: &TestServer,
    email: &str,
    receiver: &Receiver,
) -> SignedIn {
    let uri = receiver.url.clone();
    signed_in_to(server, email, move |c| {
        c.backchannel_logout_uri = Some(uri);
        c.backchannel_logout_session_required = true;
    })
    .await
}

/// The claims of a JWT, unverified (the ID token's, to compare with).
fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Verifies the logout token's signature against the server's JWKS (josekit, not the
/// server's code) and its claims against OIDC Back-Channel Logout 1.0 §2.4 and the ID token
/// the client got for the session; returns the claims.
async fn verify_logout_token(server: &TestServer, token: &str, s: &SignedIn) -> Value {
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["typ"], "logout+jwt", "{header}");
    let kid = header["kid"].as_str().expect("kid");
    let jwks: Value = reqwest::get(server.url("/jwks"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("{kid} is published: {jwks}"));
    let jwk = josekit::jwk::Jwk::from_map(jwk.as_object().unwrap().clone()).unwrap();
    // The client registered the default ID token algorithm.
    assert_eq!(header["alg"], "RS256");
    let verifier = josekit::jws::RS256.verifier_from_jwk(&jwk).unwrap();
    let (payload, _) =
        josekit::jwt::decode_with_verifier(token, &verifier).expect("signed by a published key");
    let claims = Value::Object(payload.claims_set().clone());
    let id_token = claims_of(&s.id_token.to_string());
    assert_eq!(claims["iss"], id_token["iss"], "{claims}");
    assert_eq!(claims["aud"], json!(s.client_id), "{claims}");
    assert_eq!(
        claims["sub"], id_token["sub"],
        "the sub of the client's ID tokens"
    );
    assert_eq!(
        claims["sid"], id_token["sid"],
        "the sid of the client's ID tokens"
    );
    assert!(id_token["sid"].is_string(), "{id_token}");
    assert_eq!(claims["events"], json!({ EVENT: {} }));
    assert!(claims.get("nonce").is_none(), "no nonce: {claims}");
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let iat = claims["iat"].as_i64().unwrap();
    let exp = claims["exp"].as_i64().unwrap();
    assert!((now - 60..=now + 5).contains(&iat), "recent iat: {claims}");
    assert!(exp > now && exp - iat <= 300, "short-lived: {claims}");
    claims
}

/// Waits for the logout token, answers 200, verifies it.
async fn expect_logout(server: &TestServer, receiver: &Receiver, s: &SignedIn) -> Value {
    let got = receiver.next(200).await;
    assert_eq!(
        got.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    verify_logout_token(server, &got.logout_token(), s).await
}

/// The user id behind the signed-in session's ID token.
async fn user_id_of(server: &TestServer, email: &str) -> String {
    let users = server.running().services.users.clone();
    let email = email.to_owned();
    server
        .on_server(async move { users.get_by_email(&email).await })
        .await
        .unwrap()
        .id
}

/// Calls the admin API with `key`; returns the status.
async fn admin(
    server: &TestServer,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> u16 {
    let mut req = reqwest::Client::new()
        .request(method, server.url(&format!("{API}{path}")))
        .bearer_auth(key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    assert!(
        (200..300).contains(&status),
        "{path}: {status} {}",
        res.text().await.unwrap()
    );
    status
}

/// The account page of the signed-in browser, for its CSRF token.
async fn account_csrf(s: &SignedIn, server: &TestServer) -> String {
    let page = s.browser.open(&server.url("/account")).await;
    hidden(page.page().2, "csrf").expect("the account page's csrf field")
}

/// The outbox rows of the client's back-channel logouts.
async fn logout_rows(
    server: &TestServer,
    client_id: &str,
) -> Vec<domain::entities::event_outbox::Model> {
    use domain::entities::event_outbox;
    let db = server.running().services.store.db().clone();
    let destination = format!("backchannel:{client_id}");
    server
        .on_server(async move {
            event_outbox::Entity::find()
                .filter(event_outbox::Column::Destination.eq(destination))
                .all(&db)
                .await
        })
        .await
        .unwrap()
}

/// Waits until `done` holds of the client's logout rows (polling the database: the worker
/// records its attempts there).
async fn wait_for_rows(
    server: &TestServer,
    client_id: &str,
    done: impl Fn(&[domain::entities::event_outbox::Model]) -> bool,
) -> Vec<domain::entities::event_outbox::Model> {
    for _ in 0..300 {
        let rows = logout_rows(server, client_id).await;
        if done(&rows) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("outbox rows never reached the expected state");
}

async fn discovery(server: &TestServer) -> Value {
    reqwest::get(server.url("/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

harness::shared_server_tests! {
    setup = |c| {
        // The receivers are plain-http loopback endpoints: allowed by the webhooks' switch.
        c.webhooks.allow_private_addresses = true;
        c.webhooks.poll_interval_ms = 100;
    };

    async fn oidcc_backchannel_logout_discovery_endpoint_verification(server) {
        let d = discovery(server).await;
        assert_eq!(d["backchannel_logout_supported"], true, "{d}");
        assert_eq!(d["backchannel_logout_session_supported"], true, "{d}");
        assert!(d["end_session_endpoint"].is_string());
    }

    async fn oidcc_frontchannel_logout_discovery_endpoint_verification(server) {
        let d = discovery(server).await;
        assert_eq!(d["frontchannel_logout_supported"], true, "{d}");
        assert_eq!(d["frontchannel_logout_session_supported"], true, "{d}");
    }

    async fn oidcc_backchannel_rp_initiated_logout(server) {
        let receiver = Receiver::new("/backchannel?tenant=1").await;
        let s = signed_in_with_backchannel(server, "bcl-rp@example.com", &receiver).await;
        let url = logout_request(server)
            .await
            .set_id_token_hint(&s.id_token)
            .set_post_logout_redirect_uri(post_logout(POST_LOGOUT_URI))
            .set_state(CsrfToken::new("bcl".into()))
            .http_get_url();
        let res = s.browser.http.get(url.as_str()).send().await.unwrap();
        assert_eq!(res.status(), 303, "no front-channel client: straight back to the RP");
        assert!(res.headers()["location"].to_str().unwrap().starts_with(POST_LOGOUT_URI));
        let got = receiver.next(200).await;
        assert_eq!(got.header("content-type"), Some("application/x-www-form-urlencoded"));
        let claims = verify_logout_token(server, &got.logout_token(), &s).await;
        assert_session_ended(server, &s).await;
        let rows = wait_for_rows(server, &s.client_id, |r| r.iter().all(|r| r.state == "delivered")).await;
        assert_eq!(rows.len(), 1, "one token for one session and client");
        assert_eq!(claims["jti"], json!(rows[0].event_id));
    }

    async fn backchannel_logout_after_the_user_signs_out_everywhere_on_the_account_page(server) {
        let receiver = Receiver::new("/bcl").await;
        let s = signed_in_with_backchannel(server, "bcl-account@example.com", &receiver).await;
        let csrf = account_csrf(&s, server).await;
        let done = s.browser.post(&server.url("/account/sessions/end-all"), &[("csrf", csrf.as_str())]).await;
        assert_eq!(done.page().0, 200);
        expect_logout(server, &receiver, &s).await;
    }

    async fn backchannel_logout_after_an_admin_ends_one_session(server) {
        let receiver = Receiver::new("/bcl").await;
        let email = "bcl-admin-one@example.com";
        let s = signed_in_with_backchannel(server, email, &receiver).await;
        let key = key_holding(server, "bcl-admin-one-key@example.com", &["gatehouse:admin"]).await;
        let id = user_id_of(server, email).await;
        let sid = claims_of(&s.id_token.to_string())["sid"].as_str().unwrap().to_owned();
        admin(server, &key, reqwest::Method::DELETE, &format!("/users/{id}/sessions/{sid}"), None).await;
        expect_logout(server, &receiver, &s).await;
    }

    async fn backchannel_logout_after_an_admin_ends_all_sessions(server) {
        let receiver = Receiver::new("/bcl").await;
        let email = "bcl-admin-all@example.com";
        let s = signed_in_with_backchannel(server, email, &receiver).await;
        let key = key_holding(server, "bcl-admin-all-key@example.com", &["gatehouse:admin"]).await;
        let id = user_id_of(server, email).await;
        admin(server, &key, reqwest::Method::DELETE, &format!("/users/{id}/sessions"), None).await;
        expect_logout(server, &receiver, &s).await;
    }

    async fn backchannel_logout_after_an_admin_suspends_the_account(server) {
        let receiver = Receiver::new("/bcl").await;
        let email = "bcl-suspend@example.com";
        let s = signed_in_with_backchannel(server, email, &receiver).await;
        let key = key_holding(server, "bcl-suspend-key@example.com", &["gatehouse:admin"]).await;
        let id = user_id_of(server, email).await;
        admin(server, &key, reqwest::Method::POST, &format!("/users/{id}/state"),
            Some(json!({"action": "suspend", "reason": "back-channel test"}))).await;
        expect_logout(server, &receiver, &s).await;
    }

    async fn backchannel_logout_after_an_admin_sets_the_password(server) {
        let receiver = Receiver::new("/bcl").await;
        let email = "bcl-password@example.com";
        let s = signed_in_with_backchannel(server, email, &receiver).await;
        let key = key_holding(server, "bcl-password-key@example.com", &["gatehouse:admin"]).await;
        let id = user_id_of(server, email).await;
        admin(server, &key, reqwest::Method::PUT, &format!("/users/{id}/password"),
            Some(json!({"password": "a brand new long passphrase 42"}))).await;
        expect_logout(server, &receiver, &s).await;
    }

    async fn backchannel_logout_after_the_account_is_deleted(server) {
        let receiver = Receiver::new("/bcl").await;
        let s = signed_in_with_backchannel(server, "bcl-delete@example.com", &receiver).await;
        let csrf = account_csrf(&s, server).await;
        let gone = s.browser
            .post(&server.url("/account/delete"), &[("csrf", csrf.as_str()), ("password", PASSWORD)])
            .await;
        assert!(gone.page().2.contains("Your account is deleted"), "{}", gone.page().2);
        // The user row is gone; the token still names the subject the client knew.
        expect_logout(server, &receiver, &s).await;
    }

    async fn backchannel_logout_is_retried_after_a_receiver_error(server) {
        let receiver = Receiver::new("/bcl").await;
        let s = signed_in_with_backchannel(server, "bcl-retry@example.com", &receiver).await;
        let url = logout_request(server).await.set_id_token_hint(&s.id_token).http_get_url();
        let _ = s.browser.http.get(url.as_str()).send().await.unwrap();
        let first = receiver.next(500).await;
        let first_claims = verify_logout_token(server, &first.logout_token(), &s).await;
        let rows = wait_for_rows(server, &s.client_id, |r| r.len() == 1 && r[0].attempts == 1).await;
        assert_eq!(rows[0].state, "pending", "retried later");
        assert_eq!(rows[0].last_status, Some(500));
        assert!(rows[0].next_attempt_at > time::OffsetDateTime::now_utc(), "after a back-off");
        // Fast-forward the back-off (30 s) rather than wait for it.
        let db = server.running().services.store.db().clone();
        let id = rows[0].id.clone();
        server
            .on_server(async move {
                use domain::entities::event_outbox;
                event_outbox::Entity::update_many()
                    .col_expr(event_outbox::Column::NextAttemptAt, Expr::value(time::OffsetDateTime::now_utc()))
                    .filter(event_outbox::Column::Id.eq(id))
                    .exec(&db)
                    .await
            })
            .await
            .unwrap();
        let second = receiver.next(200).await;
        let second_claims = verify_logout_token(server, &second.logout_token(), &s).await;
        assert_eq!(first_claims["jti"], second_claims["jti"], "the same token id on a retry");
        let rows = wait_for_rows(server, &s.client_id, |r| r[0].state == "delivered").await;
        assert_eq!(rows[0].attempts, 2);
    }

    async fn oidcc_frontchannel_rp_initiated_logout(server) {
        // The RP's front-channel page: another origin than the server's.
        let frame = Receiver::new("/frontchannel").await;
        let uri = frame.url.clone();
        let s = signed_in_to(server, "fcl-rp@example.com", move |c| {
            c.frontchannel_logout_uri = Some(uri);
            c.frontchannel_logout_session_required = true;
        })
        .await;
        let url = logout_request(server)
            .await
            .set_id_token_hint(&s.id_token)
            .set_post_logout_redirect_uri(post_logout(POST_LOGOUT_URI))
            .set_state(CsrfToken::new("fcl".into()))
            .http_get_url();
        let res = s.browser.http.get(url.as_str()).send().await.unwrap();
        assert_eq!(res.status(), 200, "the page with the frames, not a redirect");
        let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
        let body = res.text().await.unwrap();
        let id_token = claims_of(&s.id_token.to_string());
        let mut expected = url::Url::parse(&frame.url).unwrap();
        expected
            .query_pairs_mut()
            .append_pair("iss", id_token["iss"].as_str().unwrap())
            .append_pair("sid", id_token["sid"].as_str().unwrap());
        let iframe = format!("<iframe src=\"{expected}\"");
        assert!(unescape(&body).contains(&iframe), "{iframe} in {body}");
        assert!(
            csp.contains(&format!("frame-src {};", frame.origin())),
            "exactly the RP's origin may be framed: {csp}"
        );
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(body.contains("<script src=\"/static/frontchannel.js\" defer></script>"), "{body}");
        // Without script, a link continues to the RP with its state.
        let continue_to = format!("{POST_LOGOUT_URI}?state=fcl");
        assert!(
            body.contains(&format!("href=\"{continue_to}\" id=\"next-action\"")),
            "{body}"
        );
        assert_session_ended(server, &s).await;
    }

    async fn frontchannel_logout_without_session_required_has_no_parameters(server) {
        let uri = "https://fcl.example/logout?tenant=7";
        let s = signed_in_to(server, "fcl-plain@example.com", |c| {
            c.frontchannel_logout_uri = Some(uri.into());
        })
        .await;
        let url = logout_request(server).await.set_id_token_hint(&s.id_token).http_get_url();
        let res = s.browser.http.get(url.as_str()).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
        let body = res.text().await.unwrap();
        assert!(body.contains("<iframe src=\"https://fcl.example/logout?tenant=7\""), "{body}");
        assert!(csp.contains("frame-src https://fcl.example;"), "{csp}");
        // No post-logout redirect: nowhere to continue to by itself.
        assert!(!body.contains("frontchannel.js"), "{body}");
    }
}
