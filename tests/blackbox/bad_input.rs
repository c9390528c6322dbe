//! Bad input: malformed, oversized and duplicated parameters, unknown client, wrong secret,
//! expired code, wrong PKCE verifier, tampered JWT. Each gets the RFC error; none panics
//! (no 5xx, the server keeps answering); none writes a partial record (checked in the
//! database after each failed token request).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::entities::{access_token, audit_event, refresh_token_family};
use harness::rp::Browser;
use harness::{REDIRECT_URI, TestServer};
use reqwest::header::HeaderMap;
use sea_orm::{ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const PASSWORD: &str = "correct horse battery staple";
/// A valid PKCE pair (RFC 7636 appendix B).
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A user and a confidential client of one test.
struct Kit {
    email: String,
    client_id: String,
    secret: String,
}

async fn kit(server: &TestServer, tag: &str) -> Kit {
    let email = format!("bad-input-{tag}@example.com");
    server.user(&email, PASSWORD).await;
    let (client_id, secret) = server.client(|_| {}).await;
    Kit {
        email,
        client_id,
        secret: secret.expect("confidential client"),
    }
}

/// The standard parameters of an authorization request of `kit`'s client, plus `extra`.
fn authorize_url(server: &TestServer, kit: &Kit, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &kit.client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("state", "bad-input-state")
        .extend_pairs(extra.iter().copied());
    url.to_string()
}

/// Signs in and consents; returns a fresh code (PKCE S256 with [`CHALLENGE`]).
async fn code(server: &TestServer, kit: &Kit) -> String {
    let url = authorize_url(
        server,
        kit,
        &[
            ("scope", "openid offline_access"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    );
    let landing = Browser::new(server)
        .authorize(&url, &kit.email, PASSWORD)
        .await;
    landing.params()["code"].clone()
}

/// A GET without cookies that must not redirect: returns status, `Location`, body.
async fn get(server: &TestServer, url: &str) -> (u16, Option<String>, String) {
    let res = server.browser().get(url).send().await.unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (res.status().as_u16(), location, res.text().await.unwrap())
}

/// The authorization request was refused with the error page: no redirect at all.
async fn assert_error_page(server: &TestServer, url: &str, why: &str) {
    let (status, location, body) = get(server, url).await;
    assert_eq!(status, 400, "{why}: {body}");
    assert_eq!(location, None, "{why}: must not redirect");
    assert!(
        body.contains("<code>invalid_request</code>"),
        "{why}: {body}"
    );
    assert!(!body.contains("bad-input-state"), "{why}: state not echoed");
}

/// The authorization request was refused at the client's redirect URI with `error`.
async fn assert_redirect_error(server: &TestServer, url: &str, error: &str, why: &str) {
    let (status, location, body) = get(server, url).await;
    assert_eq!(status, 302, "{why}: {body}");
    let location = url::Url::parse(&location.unwrap()).unwrap();
    assert!(
        location.as_str().starts_with(&format!("{REDIRECT_URI}?")),
        "{why}: {location}"
    );
    let params: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    assert_eq!(
        params.get("error").map(String::as_str),
        Some(error),
        "{why}: {params:?}"
    );
    assert_eq!(
        params.get("state").map(String::as_str),
        Some("bad-input-state"),
        "{why}"
    );
    assert_eq!(params.get("iss"), Some(&server.base), "{why}");
    assert!(!params.contains_key("code"), "{why}");
}

/// A token endpoint call: form body, optional HTTP Basic; returns status, headers, JSON.
async fn token(
    server: &TestServer,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (u16, HeaderMap, Value) {
    let mut req = reqwest::Client::new().post(server.url("/token")).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.text().await.unwrap();
    let json = serde_json::from_str(&body).unwrap_or_else(|_| panic!("JSON error body: {body}"));
    (status, headers, json)
}

fn redeem_form<'a>(code: &'a str, verifier: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", verifier),
    ]
}

/// Asserts an OAuth error response: exact status and code, no caching.
fn assert_oauth_error(answer: &(u16, HeaderMap, Value), status: u16, error: &str, why: &str) {
    let (got, headers, body) = answer;
    assert_eq!(*got, status, "{why}: {body}");
    assert_eq!(body["error"], error, "{why}: {body}");
    assert!(body.get("access_token").is_none(), "{why}");
    assert_eq!(headers["cache-control"], "no-store", "{why}");
    if error == "invalid_client" {
        let challenge = headers
            .get("www-authenticate")
            .unwrap_or_else(|| panic!("{why}: 401 invalid_client carries WWW-Authenticate"))
            .to_str()
            .unwrap();
        assert!(challenge.starts_with("Basic "), "{why}: {challenge}");
    }
}

/// What the database holds for `client_id`: access-token records, grants (refresh-token
/// families), and successful `token.issued` audit events.
async fn records(server: &TestServer, client_id: &str) -> (u64, u64, u64) {
    let db = server.running().services.store.db().clone();
    let client_id = client_id.to_owned();
    server
        .on_server(async move {
            let tokens = access_token::Entity::find()
                .filter(access_token::Column::ClientId.eq(client_id.clone()))
                .count(&db)
                .await
                .unwrap();
            let grants = refresh_token_family::Entity::find()
                .filter(refresh_token_family::Column::ClientId.eq(client_id.clone()))
                .count(&db)
                .await
                .unwrap();
            let issued = audit_event::Entity::find()
                .filter(audit_event::Column::ClientId.eq(client_id))
                .filter(audit_event::Column::Kind.eq("token.issued"))
                .count(&db)
                .await
                .unwrap();
            (tokens, grants, issued)
        })
        .await
}

async fn assert_nothing_issued(server: &TestServer, client_id: &str, why: &str) {
    assert_eq!(
        records(server, client_id).await,
        (0, 0, 0),
        "{why}: partial record written"
    );
}

/// The server still answers, and a normal code exchange still works.
async fn assert_still_serving(server: &TestServer, kit: &Kit) {
    let res = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), 200);
    let code = code(server, kit).await;
    let (status, _, body) = token(
        server,
        Some((&kit.client_id, &kit.secret)),
        &redeem_form(&code, VERIFIER),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].is_string());
}

/// Sends raw bytes as an HTTP/1.1 request; returns the status code of the answer.
async fn raw_status(server: &TestServer, request_line_target: &[u8]) -> u16 {
    let addr = server.running().addr;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = b"GET ".to_vec();
    request.extend_from_slice(request_line_target);
    request.extend_from_slice(
        format!(" HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    stream.write_all(&request).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .unwrap_or_else(|| panic!("an HTTP answer: {text}"));
    status.parse().unwrap()
}

/// A JWT with its payload replaced (signature kept), or its signature changed.
fn tamper_payload(jwt: &str, edit: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    edit(&mut claims);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

fn tamper_signature(jwt: &str) -> String {
    let (head, sig) = jwt.rsplit_once('.').unwrap();
    let mut sig = sig.as_bytes().to_vec();
    let i = sig.len() / 2;
    sig[i] = if sig[i] == b'A' { b'B' } else { b'A' };
    format!("{head}.{}", String::from_utf8(sig).unwrap())
}

async fn userinfo(server: &TestServer, authorization: &str) -> (u16, Option<String>, String) {
    let res = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .header("authorization", authorization)
        .send()
        .await
        .unwrap();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    (res.status().as_u16(), challenge, res.text().await.unwrap())
}

async fn introspect(
    server: &TestServer,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (u16, HeaderMap, Value) {
    let mut req = reqwest::Client::new()
        .post(server.url("/introspect"))
        .form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.json().await.unwrap())
}

harness::shared_server_tests! {
    setup = |_c| {};

    async fn authorize_unknown_client_or_unregistered_redirect_uri_shows_an_error_page(server) {
        let kit = kit(server, "authz-client").await;
        let scope = [("scope", "openid")];
        let unknown = Kit { client_id: "no-such-client".into(), ..kit };
        assert_error_page(server, &authorize_url(server, &unknown, &scope), "unknown client").await;
        let kit = Kit { client_id: String::new(), ..unknown };
        assert_error_page(server, &authorize_url(server, &kit, &scope), "empty client_id").await;
        let kit = self::kit(server, "authz-redirect").await;
        for uri in [
            "http://127.0.0.1:9/cb/extra",
            "http://127.0.0.1:9/cb?x=1",
            "http://127.0.0.1:9/CB",
            "https://attacker.example/cb",
            "not a url",
        ] {
            let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
            url.query_pairs_mut()
                .append_pair("client_id", &kit.client_id)
                .append_pair("redirect_uri", uri)
                .append_pair("response_type", "code")
                .append_pair("scope", "openid")
                .append_pair("state", "bad-input-state");
            assert_error_page(server, url.as_str(), &format!("redirect_uri {uri}")).await;
        }
        // Repeating the parameters that decide where to redirect: nothing can be trusted.
        let url = authorize_url(server, &kit, &[("scope", "openid"), ("redirect_uri", REDIRECT_URI)]);
        assert_error_page(server, &url, "repeated redirect_uri").await;
        let url = authorize_url(server, &kit, &[("scope", "openid"), ("client_id", &kit.client_id)]);
        assert_error_page(server, &url, "repeated client_id").await;
    }

    async fn authorize_duplicated_parameter_is_invalid_request(server) {
        let kit = kit(server, "authz-dup").await;
        let url = authorize_url(server, &kit, &[("scope", "openid"), ("scope", "openid profile")]);
        assert_redirect_error(server, &url, "invalid_request", "repeated scope").await;
        let url = authorize_url(server, &kit, &[("scope", "openid"), ("response_type", "code")]);
        assert_redirect_error(server, &url, "invalid_request", "repeated response_type").await;
        let url = authorize_url(server, &kit, &[("scope", "openid"), ("nonce", "a"), ("nonce", "b")]);
        assert_redirect_error(server, &url, "invalid_request", "repeated nonce").await;
    }

    async fn authorize_pkce_other_than_s256_is_invalid_request(server) {
        let kit = kit(server, "authz-pkce").await;
        for (why, extra) in [
            ("plain", vec![("code_challenge", VERIFIER), ("code_challenge_method", "plain")]),
            ("plain by default", vec![("code_challenge", CHALLENGE)]),
            ("unknown method", vec![("code_challenge", CHALLENGE), ("code_challenge_method", "S512")]),
            ("method alone", vec![("code_challenge_method", "S256")]),
            ("short challenge", vec![("code_challenge", "abc"), ("code_challenge_method", "S256")]),
        ] {
            let mut params = vec![("scope", "openid")];
            params.extend(extra);
            let url = authorize_url(server, &kit, &params);
            assert_redirect_error(server, &url, "invalid_request", why).await;
        }
        // A public client must use PKCE.
        let (public_id, _) = server.client(|c| c.public = true).await;
        let public = Kit { client_id: public_id, email: String::new(), secret: String::new() };
        let url = authorize_url(server, &public, &[("scope", "openid")]);
        assert_redirect_error(server, &url, "invalid_request", "public client without PKCE").await;
        // So must a confidential client registered with require_pkce...
        let (strict_id, _) = server.client(|c| c.require_pkce = true).await;
        let strict = Kit { client_id: strict_id, email: String::new(), secret: String::new() };
        let url = authorize_url(server, &strict, &[("scope", "openid")]);
        assert_redirect_error(server, &url, "invalid_request", "require_pkce client without PKCE").await;
        // ...while for the others PKCE is optional (honoured when sent).
        let (status, location, _) = get(server, &authorize_url(server, &kit, &[("scope", "openid")])).await;
        assert_eq!(status, 303, "confidential client without PKCE goes on to sign-in");
        assert!(location.unwrap().contains("/login"));
    }

    async fn authorize_garbage_encoding_is_a_400_not_a_500(server) {
        let kit = kit(server, "authz-garbage").await;
        let base = server.url("/authorize");
        // Percent-encoded bytes that are not UTF-8, and broken percent-encoding.
        for query in [
            "client_id=%FF%FE%FD&redirect_uri=%C3%28&response_type=code",
            "client_id=%&redirect_uri=%zz%&response_type=%",
            "%FF%FE=%C3",
            "&&&=&==",
        ] {
            assert_error_page(server, &format!("{base}?{query}"), query).await;
        }
        // The client and redirect URI are fine: the bad values are reported to the client.
        let url = format!(
            "{}&scope=openid%FF&state=bad-input-state",
            authorize_url(server, &kit, &[]).replace("&state=bad-input-state", "")
        );
        assert_redirect_error(server, &url, "invalid_scope", "non-UTF-8 scope").await;
        let url = authorize_url(server, &kit, &[("scope", "openid"), ("prompt", "none\u{0}login")]);
        assert_redirect_error(server, &url, "invalid_request", "control bytes in prompt").await;
        let url = authorize_url(server, &kit, &[("scope", "openid"), ("claims", "{not json")]);
        assert_redirect_error(server, &url, "invalid_request", "claims not JSON").await;
        let url = authorize_url(server, &kit, &[("scope", "openid"), ("max_age", "-1")]);
        assert_redirect_error(server, &url, "invalid_request", "negative max_age").await;
        let long_nonce = "n".repeat(4096);
        let url = authorize_url(server, &kit, &[("scope", "openid"), ("nonce", &long_nonce)]);
        assert_redirect_error(server, &url, "invalid_request", "oversized nonce").await;
        // Too many parameters.
        let many: Vec<String> = (0..100).map(|i| format!("p{i}=x")).collect();
        assert_error_page(server, &format!("{}&{}", authorize_url(server, &kit, &[]), many.join("&")), "100 parameters").await;
        // Raw bytes that are not even valid in a request line: the HTTP layer refuses them.
        let mut target = b"/authorize?client_id=".to_vec();
        target.extend_from_slice(&[0xFF, 0xFE, 0x80]);
        target.extend_from_slice(format!("&redirect_uri={REDIRECT_URI}").as_bytes());
        assert_eq!(raw_status(server, &target).await, 400, "raw non-UTF-8 bytes");
        // A POST that is not a form.
        let res = reqwest::Client::new()
            .post(&base)
            .header("content-type", "application/json")
            .body(format!("{{\"client_id\":\"{}\"}}", kit.client_id))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        assert!(res.headers().get("location").is_none());
        assert_still_serving(server, &kit).await;
    }

    async fn token_wrong_secret_or_unknown_client_is_invalid_client(server) {
        let kit = kit(server, "token-secret").await;
        let code = code(server, &kit).await;
        let form = redeem_form(&code, VERIFIER);
        let wrong = token(server, Some((&kit.client_id, "not-the-secret")), &form).await;
        assert_oauth_error(&wrong, 401, "invalid_client", "wrong secret");
        let unknown = token(server, Some(("no-such-client", &kit.secret)), &form).await;
        assert_oauth_error(&unknown, 401, "invalid_client", "unknown client");
        let empty = token(server, Some(("", "")), &form).await;
        assert_oauth_error(&empty, 401, "invalid_client", "empty credentials");
        // A wrong secret in the body (client_secret_post) is refused the same way.
        let mut posted = form.clone();
        posted.extend([("client_id", kit.client_id.as_str()), ("client_secret", "not-the-secret")]);
        let (status, _, body) = token(server, None, &posted).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{body}");
        // No authentication at all.
        let (status, _, body) = token(server, None, &form).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{body}");
        // A malformed Authorization header.
        let res = reqwest::Client::new()
            .post(server.url("/token"))
            .header("authorization", "Basic !!!not-base64!!!")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_client");
        assert_nothing_issued(server, &kit.client_id, "failed client authentication").await;

        // None of this spent the code: only an authenticated client can redeem (or burn) it.
        let (status, _, body) = token(server, Some((&kit.client_id, &kit.secret)), &form).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(records(server, &kit.client_id).await, (1, 1, 1));

        // client_secret_post with a wrong secret.
        let (post_id, post_secret) = server
            .client(|c| c.token_endpoint_auth_method = Some("client_secret_post".into()))
            .await;
        let post_secret = post_secret.unwrap();
        let answer = token(server, None, &[
            ("grant_type", "client_credentials"),
            ("client_id", &post_id),
            ("client_secret", "wrong"),
        ]).await;
        assert_eq!(answer.0, 401, "{}", answer.2);
        assert_eq!(answer.2["error"], "invalid_client");
        // The same secret, sent both ways at once, is refused as ambiguous.
        let answer = token(server, Some((&post_id, &post_secret)), &[
            ("grant_type", "client_credentials"),
            ("client_secret", post_secret.as_str()),
        ]).await;
        assert_oauth_error(&answer, 400, "invalid_request", "two authentication methods");
    }

    async fn finding_3_a_default_client_authenticates_with_client_secret_basic_or_post(server) {
        // Registered with the defaults, as the README's `client create` does.
        let kit = kit(server, "secret-methods").await;
        let code_basic = code(server, &kit).await;
        let (status, _, body) = token(server, Some((&kit.client_id, &kit.secret)), &redeem_form(&code_basic, VERIFIER)).await;
        assert_eq!(status, 200, "client_secret_basic: {body}");
        let code_post = code(server, &kit).await;
        let mut posted = redeem_form(&code_post, VERIFIER);
        posted.extend([("client_id", kit.client_id.as_str()), ("client_secret", kit.secret.as_str())]);
        let (status, _, body) = token(server, None, &posted).await;
        assert_eq!(status, 200, "client_secret_post: {body}");
        // Both at once is ambiguous, even with the same secret; it spends nothing.
        let code_both = code(server, &kit).await;
        let mut both = redeem_form(&code_both, VERIFIER);
        both.push(("client_secret", kit.secret.as_str()));
        let answer = token(server, Some((&kit.client_id, &kit.secret)), &both).await;
        assert_oauth_error(&answer, 400, "invalid_request", "basic and post at once");
        // A confidential client sending no secret, and a public client sending one, fail.
        let mut bare = redeem_form(&code_both, VERIFIER);
        bare.push(("client_id", kit.client_id.as_str()));
        assert_oauth_error(&token(server, None, &bare).await, 401, "invalid_client", "no secret");
        let (public_id, _) = server.client(|c| c.public = true).await;
        for (why, basic, form) in [
            ("public client, basic", Some((public_id.as_str(), "a-secret")), vec![("grant_type", "refresh_token"), ("refresh_token", "x")]),
            ("public client, post", None, vec![("grant_type", "refresh_token"), ("refresh_token", "x"), ("client_id", public_id.as_str()), ("client_secret", "a-secret")]),
        ] {
            assert_oauth_error(&token(server, basic, &form).await, 401, "invalid_client", why);
        }
        let (status, _, body) = token(server, Some((&kit.client_id, &kit.secret)), &redeem_form(&code_both, VERIFIER)).await;
        assert_eq!(status, 200, "the code survived the refused requests: {body}");
    }

    async fn token_duplicated_or_malformed_parameters_are_invalid_request(server) {
        let kit = kit(server, "token-dup").await;
        let code = code(server, &kit).await;
        let basic = Some((kit.client_id.as_str(), kit.secret.as_str()));
        let mut twice = redeem_form(&code, VERIFIER);
        twice.push(("code", code.as_str()));
        assert_oauth_error(&token(server, basic, &twice).await, 400, "invalid_request", "repeated code");
        let mut twice = redeem_form(&code, VERIFIER);
        twice.push(("grant_type", "authorization_code"));
        assert_oauth_error(&token(server, basic, &twice).await, 400, "invalid_request", "repeated grant_type");
        let form = redeem_form(&code, VERIFIER);
        let without = |name: &str| -> Vec<(&str, &str)> { form.iter().copied().filter(|(k, _)| *k != name).collect() };
        assert_oauth_error(&token(server, basic, &without("grant_type")).await, 400, "invalid_request", "no grant_type");
        assert_oauth_error(&token(server, basic, &without("code")).await, 400, "invalid_request", "no code");
        // Not a form.
        let res = reqwest::Client::new()
            .post(server.url("/token"))
            .basic_auth(&kit.client_id, Some(&kit.secret))
            .json(&serde_json::json!({"grant_type": "authorization_code", "code": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_request");
        assert_nothing_issued(server, &kit.client_id, "malformed token requests").await;
        // Malformed requests did not touch the code.
        let (status, _, body) = token(server, basic, &form).await;
        assert_eq!(status, 200, "{body}");
    }

    async fn token_oversized_body_is_refused_and_the_server_keeps_working(server) {
        let kit = kit(server, "token-big").await;
        let code = code(server, &kit).await;
        let padding = "x".repeat(70 * 1024);
        let mut form = redeem_form(&code, VERIFIER);
        form.push(("padding", padding.as_str()));
        let res = reqwest::Client::new()
            .post(server.url("/token"))
            .basic_auth(&kit.client_id, Some(&kit.secret))
            .form(&form)
            .send()
            .await
            .expect("an answer, not a dropped connection");
        let status = res.status().as_u16();
        assert!(status == 413 || status == 400, "oversized body: {status}");
        assert_nothing_issued(server, &kit.client_id, "oversized body").await;
        // The code was never read, and the server keeps serving.
        let (status, _, body) = token(server, Some((&kit.client_id, &kit.secret)), &redeem_form(&code, VERIFIER)).await;
        assert_eq!(status, 200, "{body}");
        assert_still_serving(server, &kit).await;
    }

    async fn token_unsupported_grant_type(server) {
        let kit = kit(server, "token-grant").await;
        let basic = Some((kit.client_id.as_str(), kit.secret.as_str()));
        for grant in ["password", "implicit", "AUTHORIZATION_CODE", "urn:ietf:params:oauth:grant-type:saml2-bearer"] {
            let answer = token(server, basic, &[("grant_type", grant), ("username", "a"), ("password", "b")]).await;
            assert_oauth_error(&answer, 400, "unsupported_grant_type", grant);
        }
        // Supported, but not registered for this client.
        for grant in ["client_credentials", "urn:ietf:params:oauth:grant-type:device_code"] {
            let answer = token(server, basic, &[("grant_type", grant), ("device_code", "x")]).await;
            assert_oauth_error(&answer, 400, "unauthorized_client", grant);
        }
        assert_nothing_issued(server, &kit.client_id, "refused grants").await;
    }

    async fn finding_f_wrong_pkce_verifier_or_redirect_uri_does_not_spend_the_code(server) {
        let kit = kit(server, "token-pkce").await;
        let basic = Some((kit.client_id.as_str(), kit.secret.as_str()));
        let wrong_verifier = URL_SAFE_NO_PAD.encode(Sha256::digest(b"another verifier"));
        assert_eq!(wrong_verifier.len(), 43);
        let code_a = code(server, &kit).await;
        let answer = token(server, basic, &redeem_form(&code_a, &wrong_verifier)).await;
        assert_oauth_error(&answer, 400, "invalid_grant", "wrong verifier");
        // Missing verifier, malformed verifier, verifier equal to the challenge (plain), and a
        // redirect_uri different from the request's: each refused, none spends the code.
        for (why, verifier) in [("no verifier", ""), ("short verifier", "abc"), ("challenge as verifier", CHALLENGE)] {
            let answer = token(server, basic, &redeem_form(&code_a, verifier)).await;
            assert_oauth_error(&answer, 400, "invalid_grant", why);
        }
        let mut form = redeem_form(&code_a, VERIFIER);
        form[2] = ("redirect_uri", "http://127.0.0.1:9/other");
        assert_oauth_error(&token(server, basic, &form).await, 400, "invalid_grant", "redirect_uri mismatch");
        // Another client presenting it does not spend it either.
        let other = self::kit(server, "token-pkce-other").await;
        let answer = token(server, Some((&other.client_id, &other.secret)), &redeem_form(&code_a, VERIFIER)).await;
        assert_oauth_error(&answer, 400, "invalid_grant", "another client's code");
        // Garbage codes.
        let huge = "c".repeat(10_000);
        for garbage in ["nonsense", "\u{FFFD}\u{0}", huge.as_str()] {
            let answer = token(server, basic, &redeem_form(garbage, VERIFIER)).await;
            assert_oauth_error(&answer, 400, "invalid_grant", "garbage code");
        }
        assert_nothing_issued(server, &kit.client_id, "every failed redemption").await;
        assert_nothing_issued(server, &other.client_id, "another client's code").await;
        let reused = || {
            let db = server.running().services.store.db().clone();
            let client_id = kit.client_id.clone();
            server.on_server(async move {
                audit_event::Entity::find()
                    .filter(audit_event::Column::ClientId.eq(client_id))
                    .filter(audit_event::Column::Kind.eq("token.code_reused"))
                    .filter(audit_event::Column::Outcome.eq("failure"))
                    .count(&db)
                    .await
                    .unwrap()
            })
        };
        assert_eq!(reused().await, 0, "no failed attempt counts as a reuse");

        // The legitimate request still redeems the code.
        let (status, _, body) = token(server, basic, &redeem_form(&code_a, VERIFIER)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(records(server, &kit.client_id).await, (1, 1, 1));
        assert_eq!(reused().await, 0, "the first redemption is not a reuse");
        // RFC 6749 4.1.2: a code that was really redeemed is refused afterwards, with a wrong
        // verifier or the right one, and the reuse revokes what it issued.
        let answer = token(server, basic, &redeem_form(&code_a, &wrong_verifier)).await;
        assert_oauth_error(&answer, 400, "invalid_grant", "redeemed code, wrong verifier");
        let answer = token(server, basic, &redeem_form(&code_a, VERIFIER)).await;
        assert_oauth_error(&answer, 400, "invalid_grant", "redeemed code, right verifier");
        assert_eq!(reused().await, 2);
        let access = body["access_token"].as_str().unwrap();
        let (_, _, state) = introspect(server, basic, &[("token", access)]).await;
        assert_eq!(state["active"], false, "tokens from a reused code are revoked");
    }

    async fn userinfo_tampered_token_or_basic_scheme_is_refused(server) {
        let kit = kit(server, "userinfo").await;
        let code = code(server, &kit).await;
        let (status, _, tokens) = token(server, Some((&kit.client_id, &kit.secret)), &redeem_form(&code, VERIFIER)).await;
        assert_eq!(status, 200);
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        let (status, _, body) = userinfo(server, &format!("Bearer {access}")).await;
        assert_eq!(status, 200, "{body}");

        let forged = [
            ("modified signature", tamper_signature(&access)),
            ("modified payload", tamper_payload(&access, |c| c["scope"] = "openid profile email admin".into())),
            ("extended expiry", tamper_payload(&access, |c| c["exp"] = (c["exp"].as_i64().unwrap() + 3600).into())),
            ("ID token as access token", tokens["id_token"].as_str().unwrap().to_owned()),
            ("garbage", "not.a.jwt".to_owned()),
            ("opaque garbage", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned()),
        ];
        for (why, token) in &forged {
            let (status, challenge, body) = userinfo(server, &format!("Bearer {token}")).await;
            assert_eq!(status, 401, "{why}: {body}");
            let challenge = challenge.unwrap_or_else(|| panic!("{why}: WWW-Authenticate"));
            assert!(challenge.starts_with("Bearer "), "{why}: {challenge}");
            assert!(challenge.contains("error=\"invalid_token\""), "{why}: {challenge}");
            assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"], "invalid_token", "{why}");
        }
        // RFC 6750 3.1: an unsupported scheme is a request without authentication: 401 and
        // a Bearer challenge with no error code.
        for authorization in [format!("Basic {}", URL_SAFE_NO_PAD.encode(format!("{}:{}", kit.client_id, kit.secret))), "Bearer".to_owned()] {
            let (status, challenge, _) = userinfo(server, &authorization).await;
            assert_eq!(status, 401, "{authorization}");
            let challenge = challenge.expect("WWW-Authenticate");
            assert!(challenge.starts_with("Bearer"), "{challenge}");
            assert!(!challenge.contains("error="), "{authorization}: no error code: {challenge}");
        }
        // A token in the header and in the body at once: invalid_request (400).
        let res = reqwest::Client::new()
            .post(server.url("/userinfo"))
            .bearer_auth(&access)
            .form(&[("access_token", access.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_request");
    }

    async fn refresh_asking_for_more_scope_is_refused_and_leaves_the_token_usable(server) {
        let kit = kit(server, "widen").await;
        let code = code(server, &kit).await;
        let basic = Some((kit.client_id.as_str(), kit.secret.as_str()));
        let (_, _, tokens) = token(server, basic, &redeem_form(&code, VERIFIER)).await;
        let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
        let refresh_with = |scope: &'static str| {
            let refresh = refresh.clone();
            async move {
                let form = [("grant_type", "refresh_token"), ("refresh_token", refresh.as_str()), ("scope", scope)];
                token(server, basic, &form).await
            }
        };
        let answer = refresh_with("openid offline_access email").await;
        assert_oauth_error(&answer, 400, "invalid_scope", "a scope that was not granted");
        // The refusal changed nothing: the same token still works, and may narrow the scope.
        let (status, _, narrowed) = refresh_with("openid").await;
        assert_eq!(status, 200, "{narrowed}");
        assert_eq!(narrowed["scope"], "openid");
        assert!(narrowed["refresh_token"].as_str().is_some_and(|r| r != refresh));
    }

    async fn finding_t_a_client_cannot_introspect_another_clients_tokens(server) {
        let kit = kit(server, "introspect-owner").await;
        let code = code(server, &kit).await;
        let (_, _, tokens) = token(server, Some((&kit.client_id, &kit.secret)), &redeem_form(&code, VERIFIER)).await;
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
        let (opaque_id, opaque_secret) = server
            .client(|c| {
                c.access_token_format = Some("opaque".into());
                c.grant_types = vec!["client_credentials".into()];
                c.scopes = vec!["api:read".into()];
            })
            .await;
        let opaque_secret = opaque_secret.unwrap();
        let (_, _, client_token) = token(server, Some((&opaque_id, &opaque_secret)), &[("grant_type", "client_credentials"), ("scope", "api:read")]).await;
        let opaque = client_token["access_token"].as_str().unwrap().to_owned();
        let (stranger_id, stranger_secret) = server.client(|_| {}).await;
        let stranger_secret = stranger_secret.unwrap();
        for (why, owner, token) in [
            ("JWT access token", (kit.client_id.as_str(), kit.secret.as_str()), access.as_str()),
            ("refresh token", (kit.client_id.as_str(), kit.secret.as_str()), refresh.as_str()),
            ("opaque client_credentials token", (opaque_id.as_str(), opaque_secret.as_str()), opaque.as_str()),
        ] {
            for hint in ["access_token", "refresh_token"] {
                let form = [("token", token), ("token_type_hint", hint)];
                let (status, _, body) = introspect(server, Some((&stranger_id, &stranger_secret)), &form).await;
                assert_eq!(status, 200, "{why}");
                assert_eq!(body, serde_json::json!({"active": false}), "{why}, hint {hint}: another client learns nothing");
                let (status, _, body) = introspect(server, Some(owner), &form).await;
                assert_eq!((status, &body["active"]), (200, &Value::Bool(true)), "{why}, hint {hint}: the owner sees it: {body}");
            }
        }
    }

    async fn introspection_requires_client_auth_and_reports_tampered_tokens_inactive(server) {
        let kit = kit(server, "introspect").await;
        let code = code(server, &kit).await;
        let (_, _, tokens) = token(server, Some((&kit.client_id, &kit.secret)), &redeem_form(&code, VERIFIER)).await;
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
        let basic = Some((kit.client_id.as_str(), kit.secret.as_str()));

        for (why, auth, form) in [
            ("no client authentication", None, vec![("token", access.as_str())]),
            ("client_id only", None, vec![("token", access.as_str()), ("client_id", kit.client_id.as_str())]),
            ("wrong secret", Some((kit.client_id.as_str(), "wrong")), vec![("token", access.as_str())]),
            ("unknown client", Some(("no-such-client", "x")), vec![("token", access.as_str())]),
        ] {
            let answer = introspect(server, auth, &form).await;
            assert_oauth_error(&answer, 401, "invalid_client", why);
        }
        // A public client may not introspect.
        let (public_id, _) = server.client(|c| c.public = true).await;
        let answer = introspect(server, None, &[("token", access.as_str()), ("client_id", public_id.as_str())]).await;
        assert_eq!((answer.0, answer.2["error"].as_str()), (401, Some("invalid_client")));

        let (status, _, body) = introspect(server, basic, &[("token", access.as_str())]).await;
        assert_eq!((status, &body["active"]), (200, &Value::Bool(true)));
        let inactive = serde_json::json!({"active": false});
        let mut refresh_bad = refresh.clone().into_bytes();
        refresh_bad[0] = if refresh_bad[0] == b'A' { b'B' } else { b'A' };
        for (why, token) in [
            ("modified signature", tamper_signature(&access)),
            ("modified payload", tamper_payload(&access, |c| c["sub"] = "someone-else".into())),
            ("alg none", {
                let parts: Vec<&str> = access.split('.').collect();
                format!("{}.{}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"at+jwt"}"#), parts[1])
            }),
            ("modified refresh token", String::from_utf8(refresh_bad).unwrap()),
            ("garbage", "garbage".to_owned()),
            ("huge", "x".repeat(40_000)),
        ] {
            let (status, _, body) = introspect(server, basic, &[("token", token.as_str())]).await;
            assert_eq!(status, 200, "{why}");
            assert_eq!(body, inactive, "{why}");
        }
        let answer = introspect(server, basic, &[]).await;
        assert_oauth_error(&answer, 400, "invalid_request", "no token");
        let answer = introspect(server, basic, &[("token", access.as_str()), ("token", access.as_str())]).await;
        assert_oauth_error(&answer, 400, "invalid_request", "repeated token");
    }
}

/// Expired codes need a provider whose codes live one second.
mod expired_code {
    use super::*;

    /// When the stored code of `client_id` expires, by the server's clock (same machine).
    async fn code_expiry(server: &TestServer, client_id: &str) -> std::time::SystemTime {
        use domain::entities::authorization_code;
        let db = server.running().services.store.db().clone();
        let client_id = client_id.to_owned();
        let row = server
            .on_server(async move {
                authorization_code::Entity::find()
                    .filter(authorization_code::Column::ClientId.eq(client_id))
                    .one(&db)
                    .await
                    .unwrap()
                    .expect("the code is stored")
            })
            .await;
        let nanos = u64::try_from(row.expires_at.unix_timestamp_nanos()).unwrap();
        std::time::UNIX_EPOCH + std::time::Duration::from_nanos(nanos)
    }

    harness::shared_server_tests! {
        setup = |c| c.tokens.code_ttl_secs = 1;

        async fn token_expired_code_is_invalid_grant(server) {
            let kit = kit(server, "expired").await;
            let code = code(server, &kit).await;
            let expiry = code_expiry(server, &kit.client_id).await;
            // Wait for the server's clock to pass the expiry (at most the 1 s lifetime).
            while std::time::SystemTime::now() <= expiry {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            let answer = token(server, Some((&kit.client_id, &kit.secret)), &redeem_form(&code, VERIFIER)).await;
            assert_oauth_error(&answer, 400, "invalid_grant", "expired code");
            assert_nothing_issued(server, &kit.client_id, "expired code").await;
            // Expired stays expired.
            let answer = token(server, Some((&kit.client_id, &kit.secret)), &redeem_form(&code, VERIFIER)).await;
            assert_oauth_error(&answer, 400, "invalid_grant", "expired code again");
            assert_nothing_issued(server, &kit.client_id, "expired code again").await;
        }
    }
}

/// Parked authorization requests are bounded: each kept parameter has a size cap, and live
/// requests are capped per IP and in all (the test server trusts 127.0.0.1 as a proxy, so
/// `X-Forwarded-For` plays several clients).
mod parked_requests {
    use super::*;
    use domain::entities::authorization_request;

    const PER_IP: u64 = 5;
    const TOTAL: u64 = 12;

    async fn post_authorize(
        server: &TestServer,
        client_id: &str,
        ip: &str,
        extra: &[(&str, String)],
    ) -> reqwest::Response {
        let mut form: Vec<(&str, String)> = vec![
            ("response_type", "code".into()),
            ("client_id", client_id.into()),
            ("redirect_uri", REDIRECT_URI.into()),
            ("scope", "openid".into()),
        ];
        form.extend(extra.iter().cloned());
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(server.url("/authorize"))
            .header("x-forwarded-for", ip)
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    async fn stored(server: &TestServer) -> Vec<authorization_request::Model> {
        let db = server.running().services.store.db().clone();
        server
            .on_server(async move { authorization_request::Entity::find().all(&db).await })
            .await
            .unwrap()
    }

    fn error_of(res: &reqwest::Response) -> Option<String> {
        let location = res.headers().get("location")?.to_str().ok()?;
        let url = url::Url::parse(location).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == "error_description")
            .map(|(_, v)| v.into_owned())
    }

    harness::shared_server_tests! {
        setup = |c| {
            c.server.trusted_proxies = vec!["127.0.0.0/8".into()];
            c.tokens.authorization_requests_per_ip = PER_IP;
            c.tokens.authorization_requests_max = TOTAL;
        };

        async fn finding_q_oversized_parameters_are_refused_and_a_flood_is_bounded(server) {
            let (client_id, _) = server.client(|_| {}).await;
            // Each kept parameter has a cap: a clear invalid_request at the redirect URI.
            for (name, value, what) in [
                ("state", "s".repeat(1025), "state is longer than 1024 bytes"),
                ("nonce", "n".repeat(513), "nonce is longer than 512 bytes"),
                ("acr_values", "a".repeat(1025), "acr_values is longer than 1024 bytes"),
                ("acr_values", "a b c d e f g h i".to_owned(), "acr_values has more than 8 values"),
                ("ui_locales", "en ".repeat(11), "ui_locales has more than 10 values"),
                ("claims", format!("{{\"userinfo\":{{\"x\":\"{}\"}}}}", "c".repeat(4096)), "claims is longer than 4096 bytes"),
                ("login_hint", "h".repeat(321), "login_hint is longer than 320 bytes"),
            ] {
                let res = post_authorize(server, &client_id, "192.0.2.1", &[(name, value)]).await;
                assert_eq!(res.status(), 302, "{name}");
                assert_eq!(error_of(&res).as_deref(), Some(what), "{name}");
            }
            assert!(stored(server).await.is_empty(), "refused requests are not parked");

            // The largest request that passes is parked in a few kilobytes.
            let largest = [
                ("state", "s".repeat(1024)),
                ("nonce", "n".repeat(512)),
                ("login_hint", "h".repeat(320)),
                ("acr_values", vec!["a".repeat(120); 8].join(" ")),
                ("ui_locales", vec!["en-GB".to_owned(); 10].join(" ")),
                ("claims", format!("{{\"userinfo\":{{\"x\":\"{}\"}}}}", "c".repeat(4000))),
            ];
            let res = post_authorize(server, &client_id, "192.0.2.2", &largest).await;
            assert_eq!(res.status(), 303, "{:?}", error_of(&res));
            let rows = stored(server).await;
            assert_eq!(rows.len(), 1);
            let size = rows[0].parameters.to_string().len();
            assert!(size < 9 * 1024, "{size} bytes parked");

            // One IP floods: refused after the cap, with a clear page.
            let flood = "198.51.100.7";
            for _ in 0..PER_IP {
                let res = post_authorize(server, &client_id, flood, &[]).await;
                assert_eq!(res.status(), 303);
            }
            let res = post_authorize(server, &client_id, flood, &[]).await;
            assert_eq!(res.status(), 429);
            assert!(res.headers().get("retry-after").is_some());
            let page = res.text().await.unwrap();
            assert!(page.contains("Too many sign-ins are waiting"), "{page}");
            let from_flood = stored(server).await.iter().filter(|r| r.client_ip.as_deref() == Some(flood)).count();
            assert_eq!(from_flood as u64, PER_IP);
            // Another client of the same network is not another IP: refused too; another IP is served.
            assert_eq!(post_authorize(server, &client_id, flood, &[]).await.status(), 429);
            assert_eq!(post_authorize(server, &client_id, "198.51.100.8", &[]).await.status(), 303);

            // Many IPs: the total cap holds.
            for i in 0..TOTAL {
                let _ = post_authorize(server, &client_id, &format!("203.0.113.{i}"), &[]).await;
            }
            let res = post_authorize(server, &client_id, "203.0.113.200", &[]).await;
            assert_eq!(res.status(), 429);
            assert_eq!(stored(server).await.len() as u64, TOTAL, "storage stays bounded");
        }
    }
}
