//! Pushed authorization requests (RFC 9126): `POST /par`, then `/authorize` with the
//! `request_uri`; the per-client and global requirement; discovery.

use harness::rp::{Browser, Landing};
use harness::{REDIRECT_URI, TestServer};
use openidconnect::PkceCodeChallenge;
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";
const PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// A confidential first-party client (no consent page): `(client_id, secret)`.
async fn confidential(
    server: &TestServer,
    adjust: impl FnOnce(&mut harness::NewClient),
) -> (String, String) {
    let (id, secret) = server
        .client(|c| {
            c.first_party = true;
            adjust(c);
        })
        .await;
    (id, secret.unwrap())
}

/// `POST /par` with a form and optional HTTP Basic: status, `Cache-Control`, JSON body.
async fn push(
    server: &TestServer,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (u16, String, Value) {
    let mut req = reqwest::Client::new().post(server.url("/par")).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let cache = res
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = res.text().await.unwrap();
    let json = serde_json::from_str(&body).unwrap_or_else(|_| panic!("JSON body: {body}"));
    (status, cache, json)
}

/// A valid code request with PKCE; returns its form and the verifier.
fn request(state: &str) -> (Vec<(&'static str, String)>, String) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let form = vec![
        ("response_type", "code".to_owned()),
        ("redirect_uri", REDIRECT_URI.to_owned()),
        ("scope", "openid email".to_owned()),
        ("state", state.to_owned()),
        ("nonce", format!("nonce-{state}")),
        ("code_challenge", challenge.as_str().to_owned()),
        ("code_challenge_method", "S256".to_owned()),
    ];
    (form, verifier.secret().to_owned())
}

fn borrowed<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Pushes a valid request for a confidential client; returns the `request_uri` and verifier.
async fn pushed(server: &TestServer, client: &(String, String), state: &str) -> (String, String) {
    let (form, verifier) = request(state);
    let (status, cache, body) = push(server, Some((&client.0, &client.1)), &borrowed(&form)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(cache, "no-store");
    assert_eq!(body["expires_in"], 60, "{body}");
    let uri = body["request_uri"].as_str().unwrap().to_owned();
    assert!(uri.starts_with(PREFIX), "{uri}");
    // At least 128 random bits after the prefix (base64url: 6 bits a character).
    assert!(uri.len() - PREFIX.len() >= 22, "{uri}");
    (uri, verifier)
}

/// `/authorize` with the pushed request (and any other parameters, which are ignored).
fn authorize_url(
    server: &TestServer,
    client_id: &str,
    request_uri: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("request_uri", request_uri)
        .extend_pairs(extra);
    url.to_string()
}

async fn redeem(
    server: &TestServer,
    client: &(String, String),
    code: &str,
    verifier: Option<&str>,
) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    let res = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(&client.0, Some(&client.1))
        .form(&form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

/// Asserts the error page `/authorize` shows for an unusable `request_uri`: no redirect.
fn assert_request_uri_refused(landing: &Landing, why: &str) {
    let Landing::Page { status, body, .. } = landing else {
        panic!("{why}: expected an error page, got {landing:?}");
    };
    assert_eq!(*status, 400, "{why}: {body}");
    assert!(body.contains("invalid_request_uri"), "{why}: {body}");
}

async fn user(server: &TestServer, name: &str) -> String {
    let email = format!("{name}@par.example");
    server.user(&email, PASSWORD).await;
    email
}

/// Moves every pushed request of `client_id` into the past.
async fn expire(server: &TestServer, client_id: &str) {
    use domain::entities::pushed_authorization_request as par;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
    let db = server.running().services.store.db().clone();
    let client_id = client_id.to_owned();
    let past = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
    let moved = server
        .on_server(async move {
            par::Entity::update_many()
                .col_expr(par::Column::ExpiresAt, Expr::value(past))
                .filter(par::Column::ClientId.eq(client_id))
                .exec(&db)
                .await
        })
        .await
        .unwrap();
    assert_eq!(moved.rows_affected, 1);
}

fn plain_authorize_url(server: &TestServer, client_id: &str) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("state", "plain");
    url.to_string()
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn par_then_authorize_signs_in_and_the_code_redeems_with_pkce(server) {
        let email = user(server, "flow").await;
        let client = confidential(server, |_| {}).await;
        let (uri, verifier) = pushed(server, &client, "pushed-state").await;
        // Parameters sent along with request_uri are ignored (RFC 9126 4).
        let url = authorize_url(server, &client.0, &uri, &[("state", "outside"), ("scope", "nonsense"), ("redirect_uri", "https://evil.example/cb")]);
        let landing = Browser::new(server).authorize(&url, &email, PASSWORD).await;
        let Landing::Client { url: to, params } = &landing else { panic!("{landing:?}") };
        assert_eq!(to, REDIRECT_URI);
        assert_eq!(params["state"], "pushed-state", "the pushed state, not the one outside");
        assert_eq!(params["iss"], server.base);
        let code = &params["code"];
        // PKCE is checked at the token endpoint as for any code.
        let (status, body) = redeem(server, &client, code, None).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
        assert!(body["error_description"].as_str().unwrap().contains("code_verifier"), "{body}");
        let (status, tokens) = redeem(server, &client, code, Some(&verifier)).await;
        assert_eq!(status, 200, "{tokens}");
        assert!(tokens["id_token"].is_string());
        assert_eq!(tokens["scope"], "openid email");
    }

    async fn a_wrong_verifier_is_refused_at_the_token_endpoint(server) {
        let email = user(server, "verifier").await;
        let client = confidential(server, |_| {}).await;
        let (uri, _) = pushed(server, &client, "v").await;
        let landing = Browser::new(server).authorize(&authorize_url(server, &client.0, &uri, &[]), &email, PASSWORD).await;
        let code = landing.params()["code"].clone();
        let (_, other) = request("other");
        let (status, body) = redeem(server, &client, &code, Some(&other)).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    }

    async fn the_request_uri_is_reusable_until_a_code_is_issued_then_refused(server) {
        let email = user(server, "reuse").await;
        let client = confidential(server, |_| {}).await;
        let (uri, verifier) = pushed(server, &client, "reuse").await;
        let url = authorize_url(server, &client.0, &uri, &[]);
        // Two browsers start with it (e.g. the user reloads elsewhere): both get sign-in.
        let first = Browser::new(server);
        let first_page = first.open(&url).await;
        assert!(first_page.page().2.contains("action=\"/login\""));
        let second = Browser::new(server);
        let second_page = second.open(&url).await;
        assert!(second_page.page().2.contains("action=\"/login\""), "reusable before completion");
        let done = second.complete(second_page, &email, PASSWORD).await;
        let code = done.params()["code"].clone();
        // The first one finishing later gets no second code.
        let late = first.complete(first_page, &email, PASSWORD).await;
        assert_request_uri_refused(&late, "used up by the other browser");
        // Nor does anyone starting again, even the browser that completed it.
        assert_request_uri_refused(&second.open(&url).await, "after completion");
        assert_request_uri_refused(&Browser::new(server).open(&url).await, "after completion, new browser");
        let (status, tokens) = redeem(server, &client, &code, Some(&verifier)).await;
        assert_eq!(status, 200, "{tokens}");
    }

    async fn an_expired_request_uri_is_refused(server) {
        let client = confidential(server, |_| {}).await;
        let (uri, _) = pushed(server, &client, "late").await;
        let url = authorize_url(server, &client.0, &uri, &[]);
        assert!(Browser::new(server).open(&url).await.page().2.contains("action=\"/login\""), "live before");
        expire(server, &client.0).await;
        assert_request_uri_refused(&Browser::new(server).open(&url).await, "expired");
    }

    async fn another_clients_request_uri_is_refused(server) {
        let owner = confidential(server, |_| {}).await;
        let other = confidential(server, |_| {}).await;
        let (uri, _) = pushed(server, &owner, "mine").await;
        let browser = Browser::new(server);
        assert_request_uri_refused(&browser.open(&authorize_url(server, &other.0, &uri, &[])).await, "other client");
        // Unknown values of our form are refused the same way; without client_id, no page
        // can trust anything.
        let unknown = format!("{PREFIX}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assert_request_uri_refused(&browser.open(&authorize_url(server, &owner.0, &unknown, &[])).await, "unknown");
        let no_client = server.url(&format!("/authorize?request_uri={}", url::form_urlencoded::byte_serialize(uri.as_bytes()).collect::<String>()));
        let landing = browser.open(&no_client).await;
        let (status, _, body) = landing.page();
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("client_id"), "{body}");
        // Its owner still can.
        assert!(browser.open(&authorize_url(server, &owner.0, &uri, &[])).await.page().2.contains("action=\"/login\""));
    }

    async fn request_uris_not_from_par_are_fetched_only_over_https(server) {
        let client = confidential(server, |_| {}).await;
        let mut url = url::Url::parse(&plain_authorize_url(server, &client.0)).unwrap();
        url.query_pairs_mut().append_pair("request_uri", "http://rp.example/request.jwt");
        let landing = Browser::new(server).open(url.as_str()).await;
        assert_eq!(landing.params()["error"], "invalid_request_uri");
    }

    async fn par_refuses_request_uri_get_bad_credentials_and_bad_parameters(server) {
        let client = confidential(server, |_| {}).await;
        let basic = Some((client.0.as_str(), client.1.as_str()));
        let (form, _) = request("bad");
        let form = borrowed(&form);
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut f = form.clone();
            for (k, v) in extra {
                f.retain(|(n, _)| n != k);
                f.push((k, v));
            }
            f
        };
        let (status, cache, body) = push(server, basic, &with(&[("request_uri", "urn:ietf:params:oauth:request_uri:x")])).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
        assert_eq!(cache, "no-store");
        let res = reqwest::Client::new().get(server.url("/par")).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 405);
        assert_eq!(res.headers()["allow"], "POST");
        // Unauthenticated, or with a wrong secret.
        let mut anonymous = form.clone();
        anonymous.push(("client_id", client.0.as_str()));
        let (status, _, body) = push(server, None, &anonymous).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{body}");
        let (status, _, body) = push(server, Some((&client.0, "wrong secret")), &form).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{body}");
        // client_id in the body must be the authenticated client.
        let other = confidential(server, |_| {}).await;
        let mut mismatched = form.clone();
        mismatched.push(("client_id", other.0.as_str()));
        let (status, _, body) = push(server, basic, &mismatched).await;
        assert_eq!(status, 400, "{body}");
        // Validated as /authorize validates, answered as JSON.
        for (extra, error) in [
            (&[("redirect_uri", "https://evil.example/cb")][..], "invalid_request"),
            (&[("response_type", "token")][..], "unsupported_response_type"),
            (&[("code_challenge_method", "plain")][..], "invalid_request"),
            (&[("scope", "openid admin:everything")][..], "invalid_scope"),
        ] {
            let (status, _, body) = push(server, basic, &with(extra)).await;
            assert_eq!((status, body["error"].as_str()), (400, Some(error)), "{extra:?}: {body}");
            assert!(body["error_description"].is_string(), "{body}");
        }
        let mut no_redirect = form.clone();
        no_redirect.retain(|(k, _)| *k != "redirect_uri");
        let (status, _, body) = push(server, basic, &no_redirect).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
        // Repeated parameters.
        let mut repeated = form.clone();
        repeated.push(("scope", "openid"));
        let (status, _, body) = push(server, basic, &repeated).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
    }

    async fn a_public_client_pushes_with_its_client_id_and_pkce(server) {
        let email = user(server, "public").await;
        let (client_id, _) = server.client(|c| { c.public = true; c.first_party = true; }).await;
        let (form, verifier) = request("spa");
        let mut with_id = borrowed(&form);
        with_id.push(("client_id", client_id.as_str()));
        let (status, _, body) = push(server, None, &with_id).await;
        assert_eq!(status, 201, "{body}");
        let uri = body["request_uri"].as_str().unwrap();
        // PKCE is required of public clients at PAR as at /authorize.
        let no_pkce: Vec<_> = with_id.iter().copied().filter(|(k, _)| !k.starts_with("code_challenge")).collect();
        let (status, _, body) = push(server, None, &no_pkce).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
        let landing = Browser::new(server).authorize(&authorize_url(server, &client_id, uri, &[]), &email, PASSWORD).await;
        let code = landing.params()["code"].clone();
        let res: Value = reqwest::Client::new()
            .post(server.url("/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT_URI),
                ("client_id", client_id.as_str()),
                ("code_verifier", verifier.as_str()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(res["access_token"].is_string(), "{res}");
    }

    async fn a_client_requiring_par_is_refused_without_it(server) {
        let email = user(server, "required").await;
        let strict = confidential(server, |c| c.require_pushed_authorization_requests = true).await;
        let landing = Browser::new(server).open(&plain_authorize_url(server, &strict.0)).await;
        let params = landing.params();
        assert_eq!(params["error"], "invalid_request", "{params:?}");
        assert_eq!(params["state"], "plain");
        assert!(params["error_description"].contains("pushed"), "{params:?}");
        // With PAR it signs in.
        let (uri, verifier) = pushed(server, &strict, "strict").await;
        let landing = Browser::new(server).authorize(&authorize_url(server, &strict.0, &uri, &[]), &email, PASSWORD).await;
        let (status, tokens) = redeem(server, &strict, &landing.params()["code"], Some(&verifier)).await;
        assert_eq!(status, 200, "{tokens}");
        // Other clients are not affected.
        let relaxed = confidential(server, |_| {}).await;
        let page = Browser::new(server).open(&plain_authorize_url(server, &relaxed.0)).await;
        assert!(page.page().2.contains("action=\"/login\""));
    }

    async fn discovery_names_the_endpoint_and_says_par_is_optional(server) {
        for path in ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"] {
            let doc: Value = reqwest::get(server.url(path)).await.unwrap().json().await.unwrap();
            assert_eq!(doc["pushed_authorization_request_endpoint"], server.url("/par"), "{path}");
            assert_eq!(doc["require_pushed_authorization_requests"], false, "{path}");
        }
    }
}

/// `[oauth] require_pushed_authorization_requests = true`.
mod required_globally {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| c.oauth.require_pushed_authorization_requests = true;

        async fn every_client_must_push_and_discovery_says_so(server) {
            let email = user(server, "global").await;
            let client = confidential(server, |_| {}).await;
            let landing = Browser::new(server).open(&plain_authorize_url(server, &client.0)).await;
            assert_eq!(landing.params()["error"], "invalid_request");
            let (uri, verifier) = pushed(server, &client, "global").await;
            let landing = Browser::new(server).authorize(&authorize_url(server, &client.0, &uri, &[]), &email, PASSWORD).await;
            let (status, tokens) = redeem(server, &client, &landing.params()["code"], Some(&verifier)).await;
            assert_eq!(status, 200, "{tokens}");
            let doc: Value = reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
            assert_eq!(doc["require_pushed_authorization_requests"], true);
        }

        // Every request must be pushed here, so the sign-in succeeding shows the library
        // used its own PAR code path (`buildAuthorizationUrlWithPAR`).
        async fn openid_client_6_signs_in_with_par(server) {
            use crate::interop::{assert_interop, interop_dir, node_ready, run_library_with};
            if !harness::webdriver::available() || !node_ready() {
                harness::skip_or_fail("Chromium, node and `npm ci --prefix tests/interop/node`");
                return;
            }
            let script = interop_dir("node").join("rp.mjs");
            let (result, chrome, email, logged_out) =
                run_library_with(server, "node-par", "node", &script, &[("USE_PAR", "1")]).await;
            assert_interop(server, "openid-client (PAR)", &result, chrome, &email, &logged_out).await;
        }
    }
}
