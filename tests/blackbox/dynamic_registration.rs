//! Dynamic client registration (RFC 7591) and management (RFC 7592) at `/connect/register`,
//! with the OpenID Connect Dynamic OP conformance modules (see shared CONFORMANCE.md) named
//! after them, on SQLite and on PostgreSQL + Redis. The shared server requires an initial
//! access token (the default policy) and may fetch a `sector_identifier_uri` from loopback;
//! the `open` and `off` modules run the other policies.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::time::Duration;

use harness::rp::{Browser, Landing, discover, http_client};
use harness::{REDIRECT_URI, TestServer};
use openidconnect::core::{CoreAuthenticationFlow, CoreUserInfoClaims};
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse as _, Scope, TokenResponse as _,
};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

/// The shared server's setup: the default `token` policy, sector documents on loopback.
fn setup(c: &mut gatehouse::Config) {
    c.oauth.allow_private_client_urls = true;
}

/// An initial access token admitting `max_uses` registrations (none: any number).
async fn initial_token(server: &TestServer, max_uses: Option<u32>) -> (String, String) {
    let reg = server.running().services.registrations.clone();
    let (view, token) = server
        .on_server(async move {
            reg.create_initial_token(Duration::from_secs(3600), max_uses, None)
                .await
        })
        .await
        .expect("initial token");
    (view.id, token)
}

/// Metadata of a native application on the loopback redirect URI, with `extra` merged in.
fn app(extra: Value) -> Value {
    let mut body = json!({
        "application_type": "native",
        "client_name": "Dynamic App",
        "redirect_uris": [REDIRECT_URI],
    });
    for (k, v) in extra.as_object().expect("object").clone() {
        body[k] = v;
    }
    body
}

/// `POST /connect/register` with `body` and the bearer `token`; the status and JSON.
async fn register(server: &TestServer, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(server.url("/connect/register"))
        .json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("registration request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Registers `body` with a fresh single-use initial token; panics unless 201.
async fn registered(server: &TestServer, body: Value) -> Value {
    let (_, token) = initial_token(server, Some(1)).await;
    let (status, info) = register(server, Some(&token), &body).await;
    assert_eq!(status, 201, "{info}");
    info
}

/// The error code and description of a refused registration.
async fn refused(server: &TestServer, body: Value) -> (u16, String, String) {
    let (_, token) = initial_token(server, None).await;
    let (status, err) = register(server, Some(&token), &body).await;
    (
        status,
        err["error"].as_str().unwrap_or_default().to_owned(),
        err["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// `method` on the client configuration endpoint with `token`.
async fn manage(
    method: reqwest::Method,
    uri: &str,
    token: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, uri)
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.expect("management request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Serves `body` as JSON at every path of a loopback port; returns `http://127.0.0.1:PORT`.
fn serve_json(body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

/// The start of an authorization request of `client_id` (no redirect_uri when `None`).
fn authorize_url(server: &TestServer, client_id: &str, redirect_uri: Option<&str>) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("scope", "openid")
        .append_pair("state", "st")
        .append_pair("nonce", "no");
    if let Some(r) = redirect_uri {
        url.query_pairs_mut().append_pair("redirect_uri", r);
    }
    url.to_string()
}

/// The sign-in page a fresh browser lands on for a registered client.
async fn login_page(server: &TestServer, info: &Value) -> String {
    let id = info["client_id"].as_str().unwrap();
    let landing = Browser::new(server)
        .open(&authorize_url(server, id, Some(REDIRECT_URI)))
        .await;
    let (status, _, body) = landing.page();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("action=\"/login\""), "{body}");
    body.to_owned()
}

/// Asserts that the browser got an error page, not a redirect to the client.
async fn error_page(server: &TestServer, url: &str) {
    match Browser::new(server).open(url).await {
        Landing::Page { status, body, .. } => {
            assert!(
                status >= 400,
                "expected an error page, got {status}: {body}"
            );
        }
        other => panic!("redirected to the client: {other:?}"),
    }
}

/// A code flow with a registered client through `openidconnect`: sign-in, consent, token
/// exchange; returns the client, the tokens, and the nonce.
async fn code_flow(
    server: &TestServer,
    info: &Value,
    tag: &str,
) -> (
    harness::rp::Client,
    openidconnect::core::CoreTokenResponse,
    Nonce,
) {
    let email = format!("{tag}@example.com");
    server.user(&email, PASSWORD).await;
    let (_, client) = discover(
        server,
        info["client_id"].as_str().unwrap(),
        info["client_secret"].as_str(),
        REDIRECT_URI,
    )
    .await;
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .url();
    let landing = Browser::new(server)
        .authorize(url.as_str(), &email, PASSWORD)
        .await;
    let params = landing.params();
    assert_eq!(params.get("state"), Some(state.secret()));
    let code = AuthorizationCode::new(params.get("code").expect("code").clone());
    let tokens = client
        .exchange_code(code)
        .unwrap()
        .request_async(&http_client)
        .await
        .expect("token response");
    (client, tokens, nonce)
}

fn jose_alg(jwt: &str) -> String {
    use base64::Engine as _;
    let head = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(jwt.split('.').next().unwrap())
        .unwrap();
    let head: Value = serde_json::from_slice(&head).unwrap();
    head["alg"].as_str().unwrap().to_owned()
}

harness::shared_server_tests! {
    setup = setup;

    async fn oidcc_server(server) {
        let info = registered(server, app(json!({}))).await;
        assert!(info["client_secret"].is_string(), "{info}");
        assert_eq!(info["client_secret_expires_at"], 0);
        assert_eq!(info["token_endpoint_auth_method"], "client_secret_basic");
        assert!(info["client_id_issued_at"].as_i64().unwrap() > 0);
        let (client, tokens, nonce) = code_flow(server, &info, "dyn-server").await;
        let claims = tokens
            .id_token()
            .expect("ID token")
            .claims(&client.id_token_verifier(), &nonce)
            .expect("valid ID token");
        assert_eq!(claims.audiences()[0].as_str(), info["client_id"].as_str().unwrap());
        let res = reqwest::Client::new()
            .get(server.url("/userinfo"))
            .bearer_auth(tokens.access_token().secret())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let userinfo: Value = res.json().await.unwrap();
        assert_eq!(userinfo["sub"].as_str(), Some(claims.subject().as_str()));
    }

    async fn oidcc_idtoken_rs256(server) {
        let info = registered(server, app(json!({"id_token_signed_response_alg": "RS256"}))).await;
        assert_eq!(info["id_token_signed_response_alg"], "RS256");
        let (client, tokens, nonce) = code_flow(server, &info, "dyn-rs256").await;
        let id_token = tokens.id_token().expect("ID token");
        assert_eq!(jose_alg(&id_token.to_string()), "RS256");
        id_token
            .claims(&client.id_token_verifier(), &nonce)
            .expect("RS256 ID token verifies against the JWKS");
    }

    async fn oidcc_userinfo_rs256(server) {
        let info = registered(server, app(json!({"userinfo_signed_response_alg": "RS256"}))).await;
        assert_eq!(info["userinfo_signed_response_alg"], "RS256");
        let (client, tokens, nonce) = code_flow(server, &info, "dyn-userinfo-rs256").await;
        let subject = tokens
            .id_token()
            .unwrap()
            .claims(&client.id_token_verifier(), &nonce)
            .unwrap()
            .subject()
            .clone();
        let res = reqwest::Client::new()
            .get(server.url("/userinfo"))
            .bearer_auth(tokens.access_token().secret())
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-type"], "application/jwt");
        assert_eq!(jose_alg(res.text().await.unwrap().trim()), "RS256");
        let claims: CoreUserInfoClaims = client
            .user_info(tokens.access_token().clone(), Some(subject.clone()))
            .unwrap()
            .require_signed_response(true)
            .request_async(&http_client)
            .await
            .expect("signed userinfo verifies");
        assert_eq!(claims.subject(), &subject);
    }

    async fn oidcc_idtoken_unsigned(server) {
        let (status, error, description) =
            refused(server, app(json!({"id_token_signed_response_alg": "none"}))).await;
        assert_eq!((status, error.as_str()), (400, "invalid_client_metadata"));
        assert!(description.contains("id_token_signed_response_alg"), "{description}");
    }

    async fn oidcc_redirect_uri_regfrag(server) {
        let (status, error, description) = refused(
            server,
            app(json!({"redirect_uris": ["http://127.0.0.1:9/cb#fragment"]})),
        )
        .await;
        assert_eq!((status, error.as_str()), (400, "invalid_redirect_uri"));
        assert!(description.contains("fragment"), "{description}");
    }

    async fn oidcc_registration_logo_uri(server) {
        let info = registered(server, app(json!({"logo_uri": "https://rp.example/logo.png"}))).await;
        assert_eq!(info["logo_uri"], "https://rp.example/logo.png");
        let page = login_page(server, &info).await;
        assert!(page.contains("<img class=\"logo\" src=\"https://rp.example/logo.png\""), "{page}");
    }

    async fn oidcc_registration_policy_uri(server) {
        let info = registered(server, app(json!({"policy_uri": "https://rp.example/privacy"}))).await;
        assert_eq!(info["policy_uri"], "https://rp.example/privacy");
        let page = login_page(server, &info).await;
        assert!(page.contains("href=\"https://rp.example/privacy\""), "{page}");
        assert!(page.contains("Privacy policy of Dynamic App"), "named after the client: {page}");
    }

    async fn oidcc_registration_tos_uri(server) {
        let info = registered(server, app(json!({"tos_uri": "https://rp.example/terms"}))).await;
        assert_eq!(info["tos_uri"], "https://rp.example/terms");
        let page = login_page(server, &info).await;
        assert!(page.contains("href=\"https://rp.example/terms\""), "{page}");
        assert!(page.contains("Terms of service of Dynamic App"), "named after the client: {page}");
    }

    async fn oidcc_registration_jwks_uri(server) {
        let info = registered(
            server,
            app(json!({
                "token_endpoint_auth_method": "private_key_jwt",
                "jwks_uri": "https://rp.example/jwks.json",
            })),
        )
        .await;
        assert_eq!(info["jwks_uri"], "https://rp.example/jwks.json");
        assert!(info.get("client_secret").is_none(), "a key-authenticated client gets no secret: {info}");
        let (status, read) = manage(
            reqwest::Method::GET,
            info["registration_client_uri"].as_str().unwrap(),
            info["registration_access_token"].as_str().unwrap(),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(read["jwks_uri"], "https://rp.example/jwks.json");
        assert_eq!(read["token_endpoint_auth_method"], "private_key_jwt");
        // Keys by value and by reference at once are refused.
        let (status, error, _) = refused(
            server,
            app(json!({
                "token_endpoint_auth_method": "private_key_jwt",
                "jwks_uri": "https://rp.example/jwks.json",
                "jwks": {"keys": [{"kty": "RSA", "n": "xx", "e": "AQAB"}]},
            })),
        )
        .await;
        assert_eq!((status, error.as_str()), (400, "invalid_client_metadata"));
    }

    async fn oidcc_registration_sector_uri(server) {
        let other = "http://127.0.0.1:9/other";
        let sector = serve_json(json!([REDIRECT_URI, other]).to_string());
        let info = registered(
            server,
            app(json!({
                "redirect_uris": [REDIRECT_URI, other],
                "subject_type": "pairwise",
                "sector_identifier_uri": format!("{sector}/sector.json"),
            })),
        )
        .await;
        assert_eq!(info["subject_type"], "pairwise");
        assert_eq!(info["sector_identifier_uri"], format!("{sector}/sector.json"));
    }

    async fn oidcc_registration_sector_bad(server) {
        // The document does not list every redirect URI.
        let sector = serve_json(json!(["http://127.0.0.1:9/elsewhere"]).to_string());
        let (status, error, description) = refused(
            server,
            app(json!({
                "subject_type": "pairwise",
                "sector_identifier_uri": format!("{sector}/sector.json"),
            })),
        )
        .await;
        assert_eq!((status, error.as_str()), (400, "invalid_client_metadata"));
        assert!(description.contains("sector_identifier_uri"), "{description}");
        assert!(description.contains(REDIRECT_URI), "{description}");
        // Not a JSON array.
        let sector = serve_json("{\"redirect_uris\": []}".into());
        let (status, error, _) = refused(
            server,
            app(json!({"sector_identifier_uri": format!("{sector}/sector.json")})),
        )
        .await;
        assert_eq!((status, error.as_str()), (400, "invalid_client_metadata"));
        // Nothing listening.
        let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let (status, error, _) = refused(
            server,
            app(json!({"sector_identifier_uri": format!("http://{closed}/sector.json")})),
        )
        .await;
        assert_eq!((status, error.as_str()), (400, "invalid_client_metadata"));
    }

    async fn oidcc_ensure_redirect_uri_in_authorization_request(server) {
        let info = registered(
            server,
            app(json!({"redirect_uris": [REDIRECT_URI, "http://127.0.0.1:9/second"]})),
        )
        .await;
        let id = info["client_id"].as_str().unwrap();
        error_page(server, &authorize_url(server, id, None)).await;
    }

    async fn oidcc_redirect_uri_query_ok(server) {
        let with_query = "http://127.0.0.1:9/cb?foo=bar";
        let info = registered(server, app(json!({"redirect_uris": [with_query]}))).await;
        let id = info["client_id"].as_str().unwrap();
        let email = "dyn-query-ok@example.com";
        server.user(email, PASSWORD).await;
        let landing = Browser::new(server)
            .authorize(&authorize_url(server, id, Some(with_query)), email, PASSWORD)
            .await;
        let params = landing.params();
        assert!(params.contains_key("code"), "{params:?}");
        assert_eq!(params.get("foo").map(String::as_str), Some("bar"), "the query is kept");
    }

    async fn oidcc_redirect_uri_query_mismatch(server) {
        let info = registered(server, app(json!({"redirect_uris": ["http://127.0.0.1:9/cb?foo=bar"]}))).await;
        let id = info["client_id"].as_str().unwrap();
        error_page(server, &authorize_url(server, id, Some("http://127.0.0.1:9/cb?foo=baz"))).await;
    }

    async fn oidcc_redirect_uri_query_added(server) {
        let info = registered(server, app(json!({}))).await;
        let id = info["client_id"].as_str().unwrap();
        error_page(server, &authorize_url(server, id, Some("http://127.0.0.1:9/cb?foo=bar"))).await;
    }

    async fn registration_needs_a_valid_initial_token(server) {
        let body = app(json!({}));
        let res = reqwest::Client::new()
            .post(server.url("/connect/register"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        let challenge = res.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(challenge.starts_with("Bearer ") && challenge.contains("invalid_token"), "{challenge}");
        let (status, err) = register(server, Some("not-a-token"), &body).await;
        assert_eq!((status, err["error"].as_str()), (401, Some("invalid_token")));

        // Used up: a single-use token admits one registration.
        let (_, once) = initial_token(server, Some(1)).await;
        assert_eq!(register(server, Some(&once), &body).await.0, 201);
        assert_eq!(register(server, Some(&once), &body).await.0, 401);

        // A refused registration does not spend a use.
        let (_, once) = initial_token(server, Some(1)).await;
        let bad = app(json!({"redirect_uris": ["http://127.0.0.1:9/cb#x"]}));
        assert_eq!(register(server, Some(&once), &bad).await.0, 400);
        assert_eq!(register(server, Some(&once), &body).await.0, 201);

        // Revoked.
        let (id, revoked) = initial_token(server, None).await;
        let reg = server.running().services.registrations.clone();
        server.on_server(async move { reg.revoke_initial_token(&id).await }).await.unwrap();
        assert_eq!(register(server, Some(&revoked), &body).await.0, 401);

        // Expired.
        let (id, expired) = initial_token(server, None).await;
        let db = server.running().services.store.db().clone();
        server
            .on_server(async move {
                use domain::entities::initial_access_token as t;
                use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, sea_query::Expr};
                t::Entity::update_many()
                    .col_expr(t::Column::ExpiresAt, Expr::value(domain::now() - time::Duration::seconds(1)))
                    .filter(t::Column::Id.eq(id))
                    .exec(&db)
                    .await
            })
            .await
            .unwrap();
        assert_eq!(register(server, Some(&expired), &body).await.0, 401);
    }

    async fn dynamically_registered_clients_are_third_party_and_audited(server) {
        let info = registered(server, app(json!({}))).await;
        let id = info["client_id"].as_str().unwrap().to_owned();
        let clients = server.running().services.clients.clone();
        let lookup = id.clone();
        let client = server.on_server(async move { clients.get(&lookup).await }).await.unwrap();
        assert!(!client.first_party);
        // Consent is asked for.
        let email = "dyn-consent@example.com";
        server.user(email, PASSWORD).await;
        let browser = Browser::new(server);
        let landing = browser.open(&authorize_url(server, &id, Some(REDIRECT_URI))).await;
        let landing = browser.sign_in(&landing, email, PASSWORD).await;
        let (_, _, body) = landing.page();
        assert!(body.contains("action=\"/consent\""), "{body}");
        let db = server.running().services.store.db().clone();
        let events = server
            .on_server(async move {
                use domain::entities::audit_event as a;
                use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
                a::Entity::find()
                    .filter(a::Column::ClientId.eq(id))
                    .filter(a::Column::Kind.eq("client.created"))
                    .all(&db)
                    .await
            })
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].data.as_ref().unwrap()["via"], "dynamic_registration");
    }

    async fn rfc7592_read_update_delete(server) {
        let info = registered(
            server,
            app(json!({"logo_uri": "https://rp.example/logo.png", "contacts": ["ops@rp.example"]})),
        )
        .await;
        let uri = info["registration_client_uri"].as_str().unwrap().to_owned();
        let id = info["client_id"].as_str().unwrap().to_owned();
        assert_eq!(uri, server.url(&format!("/connect/register/{id}")));
        let token = info["registration_access_token"].as_str().unwrap().to_owned();
        let secret = info["client_secret"].as_str().unwrap().to_owned();

        // Read: the same metadata, no secret.
        let (status, read) = manage(reqwest::Method::GET, &uri, &token, None).await;
        assert_eq!(status, 200, "{read}");
        assert!(read.get("client_secret").is_none(), "{read}");
        for field in ["client_id", "client_name", "redirect_uris", "logo_uri", "contacts", "grant_types"] {
            assert_eq!(read[field], info[field], "{field}");
        }
        // Wrong, missing and other clients' tokens.
        assert_eq!(manage(reqwest::Method::GET, &uri, "wrong", None).await.0, 401);
        let other = registered(server, app(json!({}))).await;
        let other_token = other["registration_access_token"].as_str().unwrap();
        assert_eq!(manage(reqwest::Method::GET, &uri, other_token, None).await.0, 401);
        let res = reqwest::Client::new().get(&uri).send().await.unwrap();
        assert_eq!(res.status(), 401);
        // A client registered by an administrator has no configuration endpoint.
        let (admin_made, _) = server.client(|_| {}).await;
        let admin_uri = server.url(&format!("/connect/register/{admin_made}"));
        assert_eq!(manage(reqwest::Method::GET, &admin_uri, &token, None).await.0, 401);

        // Update: replaces, fields left out return to their defaults.
        let mut put = app(json!({"client_name": "Renamed", "client_id": id}));
        let (status, updated) = manage(reqwest::Method::PUT, &uri, &token, Some(&put)).await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!(updated["client_name"], "Renamed");
        assert!(updated.get("logo_uri").is_none(), "{updated}");
        assert!(updated.get("contacts").is_none(), "{updated}");
        // client_id must be the client's own; a client_secret sent must be the current one.
        put["client_id"] = json!("someone-else");
        let (status, err) = manage(reqwest::Method::PUT, &uri, &token, Some(&put)).await;
        assert_eq!((status, err["error"].as_str()), (400, Some("invalid_client_metadata")));
        put["client_id"] = json!(id);
        put["client_secret"] = json!("chosen-by-the-client");
        let (status, err) = manage(reqwest::Method::PUT, &uri, &token, Some(&put)).await;
        assert_eq!((status, err["error"].as_str()), (400, Some("invalid_client_metadata")), "{err}");
        put["client_secret"] = json!(secret);
        put["redirect_uris"] = json!(["http://127.0.0.1:9/cb#frag"]);
        let (status, err) = manage(reqwest::Method::PUT, &uri, &token, Some(&put)).await;
        assert_eq!((status, err["error"].as_str()), (400, Some("invalid_redirect_uri")));
        assert_eq!(manage(reqwest::Method::PUT, &uri, "wrong", Some(&put)).await.0, 401);

        // Delete: 204, then the token and the client are gone.
        assert_eq!(manage(reqwest::Method::DELETE, &uri, "wrong", None).await.0, 401);
        assert_eq!(manage(reqwest::Method::DELETE, &uri, &token, None).await.0, 204);
        assert_eq!(manage(reqwest::Method::GET, &uri, &token, None).await.0, 401);
        let res = reqwest::Client::new()
            .post(server.url("/token"))
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "the deleted client no longer authenticates");
    }

    async fn bad_documents_get_clear_errors(server) {
        let (_, token) = initial_token(server, None).await;
        let post = |body: reqwest::Body, content_type: &'static str| {
            let token = token.clone();
            async move {
                let res = reqwest::Client::new()
                    .post(server.url("/connect/register"))
                    .bearer_auth(token)
                    .header("content-type", content_type)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                (status, res.json::<Value>().await.unwrap_or(Value::Null))
            }
        };
        let (status, err) = post("{not json".into(), "application/json").await;
        assert_eq!((status, err["error"].as_str()), (400, Some("invalid_client_metadata")), "{err}");
        let (status, err) = post("[]".into(), "application/json").await;
        assert_eq!((status, err["error"].as_str()), (400, Some("invalid_client_metadata")), "{err}");
        let (status, err) = post("redirect_uris=x".into(), "application/x-www-form-urlencoded").await;
        assert_eq!((status, err["error"].as_str()), (400, Some("invalid_request")), "{err}");
        let big = format!("{{\"client_name\": \"{}\"}}", "x".repeat(70 * 1024));
        let (status, err) = post(big.into(), "application/json").await;
        assert_eq!((status, err["error"].as_str()), (413, Some("invalid_request")), "{err}");
        for (body, field) in [
            (json!({"redirect_uris": REDIRECT_URI}), "redirect_uris"),
            (json!({"client_name": 5}), "client_name"),
            (json!({"grant_types": ["password"]}), "grant_type"),
            (json!({"grant_types": ["client_credentials"], "response_types": ["code"]}), "response_type"),
            (json!({"token_endpoint_auth_method": "tls_client_auth"}), "token_endpoint_auth_method"),
            // Encryption needs the client's keys; encrypted JARM responses are not offered.
            (json!({"id_token_encrypted_response_alg": "RSA-OAEP"}), "id_token_encrypted_response_alg"),
            (json!({"authorization_encrypted_response_alg": "RSA-OAEP"}), "authorization_encrypted_response_alg"),
            (json!({"application_type": "desktop"}), "application_type"),
            (json!({"subject_type": "secret"}), "subject_type"),
        ] {
            let (status, error, description) = refused(server, app(body.clone())).await;
            assert_eq!((status, error.as_str()), (400, "invalid_client_metadata"), "{body}: {description}");
            assert!(description.contains(field), "{body}: {description}");
        }
        let (status, error, _) = refused(server, app(json!({"software_statement": "eyJ.x.y"}))).await;
        assert_eq!((status, error.as_str()), (400, "invalid_software_statement"));
        // Unknown metadata is ignored.
        let info = registered(server, app(json!({"made_up": {"x": 1}, "default_max_age": 60}))).await;
        assert!(info.get("made_up").is_none());
    }

    async fn application_types_govern_redirect_uris(server) {
        // A web application: https only.
        let web = |uri: &str| json!({"application_type": "web", "redirect_uris": [uri]});
        let (status, error, _) = refused(server, web(REDIRECT_URI)).await;
        assert_eq!((status, error.as_str()), (400, "invalid_redirect_uri"));
        let (status, error, _) = refused(server, web("com.example.app:/cb")).await;
        assert_eq!((status, error.as_str()), (400, "invalid_redirect_uri"));
        let (status, error, _) = refused(server, web("http://rp.example/cb")).await;
        assert_eq!((status, error.as_str()), (400, "invalid_redirect_uri"));
        let info = registered(server, web("https://rp.example/cb")).await;
        assert_eq!(info["application_type"], "web");
        // The default is web.
        let (status, error, _) =
            refused(server, json!({"redirect_uris": [REDIRECT_URI]})).await;
        assert_eq!((status, error.as_str()), (400, "invalid_redirect_uri"));
        // A native application: loopback and its own scheme, and a public client.
        let info = registered(
            server,
            app(json!({
                "redirect_uris": ["com.example.app:/cb", "http://[::1]:8000/cb"],
                "token_endpoint_auth_method": "none",
            })),
        )
        .await;
        assert!(info.get("client_secret").is_none());
        assert_eq!(info["token_endpoint_auth_method"], "none");
        let (status, error, _) = refused(server, app(json!({"redirect_uris": ["http://rp.example/cb"]}))).await;
        assert_eq!((status, error.as_str()), (400, "invalid_redirect_uri"));
    }

    async fn discovery_advertises_the_registration_endpoint(server) {
        let doc: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(doc["registration_endpoint"], server.url("/connect/register"));
    }
}

/// openid-client 6 registers itself with an initial access token through its own
/// `dynamicClientRegistration`, then runs a code flow with the registered client.
mod interop {
    use std::process::Stdio;

    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
    use tokio::process::Command;

    use super::*;

    harness::shared_server_tests! {
        setup = super::setup;

        async fn openid_client_6_registers_and_signs_in(server) {
            if !crate::interop::node_ready() {
                harness::skip_or_fail("node and `npm ci --prefix tests/interop/node`");
                return;
            }
            let (_, token) = initial_token(server, Some(1)).await;
            let callback = "http://127.0.0.1:9/openid-client/cb";
            let script = crate::interop::interop_dir("node").join("register.mjs");
            let mut child = Command::new("node")
                .arg(&script)
                .current_dir(script.parent().unwrap())
                .env("GATEHOUSE_ISSUER", &server.base)
                .env("INITIAL_ACCESS_TOKEN", &token)
                .env("REDIRECT_URI", callback)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .expect("node starts");
            let mut stdin = child.stdin.take().unwrap();
            let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
            let mut line = async || -> Value {
                let text = out.next_line().await.unwrap().expect("a line from the library");
                serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON line: {text}"))
            };
            let first = line().await;
            let registered = &first["registered"];
            assert_eq!(registered["registration_endpoint"], server.url("/connect/register"), "{first}");
            assert_eq!(registered["has_secret"], true, "{first}");
            assert_eq!(registered["has_registration_access_token"], true, "{first}");
            let client_id = registered["client_id"].as_str().unwrap_or_else(|| panic!("{first}")).to_owned();
            assert_eq!(
                registered["registration_client_uri"],
                server.url(&format!("/connect/register/{client_id}")),
            );

            let email = "dyn-openid-client@example.com";
            server.user(email, PASSWORD).await;
            let url = first["authorization_url"].as_str().unwrap();
            let landing = Browser::new(server).authorize(url, email, PASSWORD).await;
            let Landing::Client { url: reached, params } = landing else {
                panic!("no answer to the client: {landing:?}");
            };
            assert_eq!(reached, callback);
            let mut back = url::Url::parse(&reached).unwrap();
            back.query_pairs_mut().extend_pairs(params.iter());
            stdin.write_all(format!("{back}\n").as_bytes()).await.unwrap();
            stdin.flush().await.unwrap();

            let last = line().await;
            assert!(child.wait().await.unwrap().success(), "{last}");
            let result = &last["result"];
            assert_eq!(result["id_token"]["aud"], client_id.as_str(), "{last}");
            assert_eq!(result["id_token"]["signature_verified"], true, "{last}");
            assert_eq!(result["userinfo"]["email"], email, "{last}");
            assert_eq!(result["tokens"]["has_refresh_token"], true, "{last}");
            assert_eq!(result["refresh"]["rotated"], true, "{last}");
        }
    }
}

/// `oauth.dynamic_registration = "open"`, with a small per-IP limit.
mod open {
    use super::*;

    fn setup(c: &mut gatehouse::Config) {
        c.oauth.dynamic_registration = gatehouse::config::DynamicRegistration::Open;
        c.rate_limit.registrations_per_ip = 3;
    }

    harness::shared_server_tests! {
        setup = setup;

        async fn policy_open_registers_without_a_token(server) {
            let (status, info) = register(server, None, &app(json!({}))).await;
            assert_eq!(status, 201, "{info}");
            let doc: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
                .await.unwrap().json().await.unwrap();
            assert_eq!(doc["registration_endpoint"], server.url("/connect/register"));
        }

        async fn registrations_are_rate_limited_per_ip(server) {
            // An address of its own, so that the other test's request does not count.
            let http = reqwest::Client::builder()
                .local_address("127.0.0.57".parse::<std::net::IpAddr>().unwrap())
                .build()
                .unwrap();
            let mut statuses = Vec::new();
            for _ in 0..4 {
                let res = http
                    .post(server.url("/connect/register"))
                    .json(&app(json!({})))
                    .send()
                    .await
                    .unwrap();
                statuses.push(res.status().as_u16());
                if res.status() == 429 {
                    assert!(res.headers().contains_key("retry-after"));
                }
            }
            assert_eq!(statuses, [201, 201, 201, 429]);
        }
    }
}

/// `oauth.dynamic_registration = "off"`.
mod off {
    use super::*;

    fn setup(c: &mut gatehouse::Config) {
        c.oauth.dynamic_registration = gatehouse::config::DynamicRegistration::Off;
    }

    harness::shared_server_tests! {
        setup = setup;

        async fn policy_off_refuses_and_hides_the_endpoint(server) {
            let (status, err) = register(server, None, &app(json!({}))).await;
            assert_eq!((status, err["error"].as_str()), (404, Some("invalid_request")));
            let doc: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
                .await.unwrap().json().await.unwrap();
            assert!(doc.get("registration_endpoint").is_none());
        }
    }
}
