//! Client authentication with JWT assertions (RFC 7523, OIDC Core 9): `private_key_jwt`
//! with keys registered by value or published at a `jwks_uri`, `client_secret_jwt`, and
//! the refusals of the FAPI 2.0 client-authentication tests, at the token, introspection,
//! revocation and pushed authorization request endpoints.

use domain::clients::ClientMetadata;
use harness::client_keys::{self, ClientKey};
use harness::rp::Browser;
use harness::served::Served;
use harness::{REDIRECT_URI, TestServer};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The client's key, signing assertions with `typ: JWT`.
struct Key(ClientKey);

impl Key {
    fn rsa(kid: &str) -> Self {
        Self(ClientKey::rsa(kid))
    }

    fn ec(kid: &str) -> Self {
        Self(ClientKey::ec(kid))
    }

    fn public(&self) -> Value {
        self.0.public()
    }

    fn set(keys: &[&Key]) -> Value {
        ClientKey::set(&keys.iter().map(|k| &k.0).collect::<Vec<_>>())
    }

    fn sign(&self, alg: &str, claims: &Value) -> String {
        self.0.sign(alg, "JWT", claims)
    }
}

fn sign_hs256(secret: &str, claims: &Value) -> String {
    client_keys::sign_hs256(secret, "JWT", claims)
}

fn unsigned(claims: &Value) -> String {
    client_keys::unsigned("JWT", claims)
}

/// The claims of a good assertion of `client_id` for `server`: aud the issuer, a fresh
/// jti, valid for a minute.
fn claims(server: &TestServer, client_id: &str) -> Value {
    json!({
        "iss": client_id,
        "sub": client_id,
        "aud": server.base,
        "jti": domain::random::token::<16>(),
        "iat": now(),
        "exp": now() + 60,
    })
}

/// `claims(…)` with `changes` applied (a null value removes the claim).
fn claims_with(server: &TestServer, client_id: &str, changes: Value) -> Value {
    let mut c = claims(server, client_id);
    let map = c.as_object_mut().unwrap();
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            map.remove(k);
        } else {
            map.insert(k.clone(), v.clone());
        }
    }
    c
}

/// A client authenticating with `private_key_jwt`: code, refresh and client credentials,
/// first-party (no consent page), its keys set by `metadata`.
async fn key_client(
    server: &TestServer,
    metadata: ClientMetadata,
    adjust: impl FnOnce(&mut harness::NewClient),
) -> String {
    let (id, secret) = server
        .client(|c| {
            c.first_party = true;
            c.token_endpoint_auth_method = Some("private_key_jwt".into());
            c.grant_types = vec![
                "authorization_code".into(),
                "refresh_token".into(),
                "client_credentials".into(),
            ];
            c.scopes = vec!["openid".into(), "offline_access".into(), "api:read".into()];
            c.metadata = metadata;
            adjust(c);
        })
        .await;
    assert_eq!(secret, None, "a private_key_jwt client gets no secret");
    id
}

/// Keys by value.
fn by_value(keys: &[&Key]) -> ClientMetadata {
    ClientMetadata {
        jwks: Some(Key::set(keys)),
        ..Default::default()
    }
}

/// POSTs a form to `path` with a client assertion: status and JSON body.
async fn post(
    server: &TestServer,
    path: &str,
    assertion: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let mut all = vec![
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", assertion),
    ];
    all.extend_from_slice(form);
    let res = reqwest::Client::new()
        .post(server.url(path))
        .form(&all)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

/// A client credentials token request with `assertion`.
async fn client_credentials(server: &TestServer, assertion: &str) -> (u16, Value) {
    post(
        server,
        "/token",
        assertion,
        &[("grant_type", "client_credentials")],
    )
    .await
}

/// Asserts an `invalid_client` answer.
fn assert_invalid_client((status, body): &(u16, Value), why: &str) {
    assert_eq!(
        (*status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{why}: {body}"
    );
}

/// Asserts a token answer.
fn assert_token((status, body): &(u16, Value), why: &str) {
    assert_eq!(*status, 200, "{why}: {body}");
    assert!(body["access_token"].is_string(), "{why}: {body}");
}

/// Signs a new user in for `client_id` (code flow with offline_access); returns the code.
async fn sign_in_for_code(server: &TestServer, client_id: &str, tag: &str) -> String {
    let email = format!("{tag}@assertions.example");
    server.user(&email, PASSWORD).await;
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", "openid offline_access")
        .append_pair("state", tag)
        .append_pair("nonce", &format!("nonce-{tag}"));
    let landing = Browser::new(server)
        .authorize(url.as_str(), &email, PASSWORD)
        .await;
    landing.params()["code"].clone()
}

/// Redeems `code` with `assertion`.
async fn redeem(server: &TestServer, code: &str, assertion: &str) -> (u16, Value) {
    post(
        server,
        "/token",
        assertion,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await
}

/// Refreshes with `assertion`.
async fn refresh(server: &TestServer, refresh_token: &str, assertion: &str) -> (u16, Value) {
    post(
        server,
        "/token",
        assertion,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

/// A client with one PS256-only RSA key, and a control: a good assertion works.
async fn fapi_client(server: &TestServer) -> (String, Key) {
    let key = Key::rsa("fapi");
    let id = key_client(
        server,
        ClientMetadata {
            token_endpoint_auth_signing_alg: Some("PS256".into()),
            ..by_value(&[&key])
        },
        |_| {},
    )
    .await;
    assert_token(
        &client_credentials(server, &key.sign("PS256", &claims(server, &id))).await,
        "control",
    );
    (id, key)
}

harness::shared_server_tests! {
    setup = |c| {
        // The clients' jwks_uri are listeners of the test on 127.0.0.1.
        c.oauth.allow_private_client_urls = true;
    };

    async fn oidcc_ensure_client_assertion_with_iss_aud_succeeds(server) {
        // Keys by value.
        let key = Key::rsa("v1");
        let id = key_client(server, by_value(&[&key]), |_| {}).await;
        let code = sign_in_for_code(server, &id, "by-value").await;
        let tokens = redeem(server, &code, &key.sign("RS256", &claims(server, &id))).await;
        assert_token(&tokens, "keys by value");
        assert!(tokens.1["id_token"].is_string(), "{}", tokens.1);
        // Keys at a jwks_uri, an EC key.
        let key = Key::ec("uri-1");
        let published = Served::json(&Key::set(&[&key])).await;
        let id = key_client(server, ClientMetadata { jwks_uri: Some(published.url.clone()), ..Default::default() }, |_| {}).await;
        let code = sign_in_for_code(server, &id, "by-uri").await;
        let assertion = key.sign("ES256", &claims(server, &id));
        let tokens = redeem(server, &code, &assertion).await;
        assert_token(&tokens, "keys at jwks_uri");
        assert!(tokens.1["id_token"].is_string(), "{}", tokens.1);
        assert_eq!(published.hits(), 1, "fetched once");
        // The client_id parameter may come along when it names the same client; aud may
        // also be the token endpoint, alone or in an array.
        let with_id = key.sign("ES256", &claims_with(server, &id, json!({"aud": [server.url("/token"), "https://other.example"]})));
        let res = post(server, "/token", &with_id, &[("grant_type", "client_credentials"), ("client_id", &id)]).await;
        assert_token(&res, "client_id and an array aud");
        assert_eq!(published.hits(), 1, "the set is kept");
        let discovery: Value = reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
        for field in ["token_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported"] {
            for method in ["private_key_jwt", "client_secret_jwt"] {
                assert!(discovery[field].as_array().unwrap().contains(&json!(method)), "{field}: {discovery}");
            }
        }
        let algs = discovery["token_endpoint_auth_signing_alg_values_supported"].as_array().unwrap();
        for alg in ["RS256", "PS256", "ES256", "EdDSA", "HS256"] {
            assert!(algs.contains(&json!(alg)), "{discovery}");
        }
        assert!(!algs.contains(&json!("none")));
    }

    async fn oidcc_refresh_token_rp_key_rotation(server) {
        let old = Key::rsa("2026-old");
        let published = Served::json(&Key::set(&[&old])).await;
        let id = key_client(server, ClientMetadata { jwks_uri: Some(published.url.clone()), ..Default::default() }, |_| {}).await;
        let code = sign_in_for_code(server, &id, "rotation").await;
        let tokens = redeem(server, &code, &old.sign("RS256", &claims(server, &id))).await;
        assert_token(&tokens, "with the old key");
        let refresh_token = tokens.1["refresh_token"].as_str().unwrap().to_owned();
        assert_eq!(published.hits(), 1);
        // The client rotates: only the new key is published now.
        let new = Key::rsa("2026-new");
        published.set(&Key::set(&[&new]).to_string());
        let refreshed = refresh(server, &refresh_token, &new.sign("RS256", &claims(server, &id))).await;
        assert_token(&refreshed, "with the new key, after the unknown kid made it fetch again");
        assert_eq!(published.hits(), 2, "fetched again for the unknown kid");
        let refresh_token = refreshed.1["refresh_token"].as_str().unwrap().to_owned();
        // The old key is gone from the set: its assertions fail, and an unknown kid does
        // not make it fetch again at once.
        let res = refresh(server, &refresh_token, &old.sign("RS256", &claims(server, &id))).await;
        assert_invalid_client(&res, "the retired key");
        let stranger = Key::rsa("never-published");
        assert_invalid_client(&client_credentials(server, &stranger.sign("RS256", &claims(server, &id))).await, "unknown kid");
        assert_eq!(published.hits(), 2, "at most one fetch per interval for unknown kids");
        assert_token(&refresh(server, &refresh_token, &new.sign("RS256", &claims(server, &id))).await, "new key again");
    }

    async fn client_secret_jwt_authenticates_with_an_hmac_of_the_secret(server) {
        let (id, secret) = server.client(|c| {
            c.first_party = true;
            c.token_endpoint_auth_method = Some("client_secret_jwt".into());
        }).await;
        let secret = secret.expect("a client_secret_jwt client has a secret");
        let code = sign_in_for_code(server, &id, "hs256").await;
        let tokens = redeem(server, &code, &sign_hs256(&secret, &claims(server, &id))).await;
        assert_token(&tokens, "HS256 assertion");
        let refresh_token = tokens.1["refresh_token"].as_str().unwrap();
        assert_token(&refresh(server, refresh_token, &sign_hs256(&secret, &claims(server, &id))).await, "refresh");
        // Keyed with another secret, or sent as a plain secret: refused.
        assert_invalid_client(&client_credentials(server, &sign_hs256("x".repeat(43).as_str(), &claims(server, &id))).await, "wrong secret");
        let res = reqwest::Client::new().post(server.url("/token")).basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).send().await.unwrap();
        assert_eq!(res.status(), 401, "only the registered method");
        // After a rotation the new secret signs; the old one stops at once without grace.
        let clients = server.running().services.clients.clone();
        let rid = id.clone();
        let (_, next) = server.on_server(async move { clients.rotate_secret(&rid, std::time::Duration::ZERO, None).await }).await.unwrap();
        assert_invalid_client(&client_credentials(server, &sign_hs256(&secret, &claims(server, &id))).await, "old secret");
        let res = client_credentials(server, &sign_hs256(&next, &claims(server, &id))).await;
        assert_ne!(res.0, 401, "new secret authenticates: {}", res.1);
    }

    async fn fapi2_ensure_signed_client_assertion_with_rs256_fails(server) {
        let (id, key) = fapi_client(server).await;
        assert_invalid_client(&client_credentials(server, &key.sign("RS256", &claims(server, &id))).await, "RS256 with PS256 registered");
    }

    async fn fapi2_ensure_client_assertion_with_exp_is_5_mins_in_past_fails(server) {
        let (id, key) = fapi_client(server).await;
        let c = claims_with(server, &id, json!({"exp": now() - 300, "iat": now() - 360}));
        assert_invalid_client(&client_credentials(server, &key.sign("PS256", &c)).await, "expired");
        let c = claims_with(server, &id, json!({"exp": null}));
        assert_invalid_client(&client_credentials(server, &key.sign("PS256", &c)).await, "no exp");
    }

    async fn fapi2_ensure_client_assertion_with_wrong_aud_fails(server) {
        let (id, key) = fapi_client(server).await;
        for aud in [json!("https://other.example"), json!([server.url("/userinfo")]), json!(null), json!(format!("{}/", server.base))] {
            let c = claims_with(server, &id, json!({"aud": aud}));
            assert_invalid_client(&client_credentials(server, &key.sign("PS256", &c)).await, &format!("aud {aud}"));
        }
    }

    async fn fapi2_ensure_client_assertion_with_no_sub_fails(server) {
        let (id, key) = fapi_client(server).await;
        let c = claims_with(server, &id, json!({"sub": null}));
        assert_invalid_client(&client_credentials(server, &key.sign("PS256", &c)).await, "no sub");
        let c = claims_with(server, &id, json!({"sub": "someone-else"}));
        assert_invalid_client(&client_credentials(server, &key.sign("PS256", &c)).await, "sub is not iss");
    }

    async fn fapi2_ensure_client_assertion_with_nbf_8_seconds_in_future_is_accepted(server) {
        let (id, key) = fapi_client(server).await;
        let c = claims_with(server, &id, json!({"nbf": now() + 8, "iat": now() + 8}));
        assert_token(&client_credentials(server, &key.sign("PS256", &c)).await, "nbf 8 s ahead");
    }

    async fn fapi2_ensure_client_assertion_with_nbf_over_60_seconds_in_future_fails(server) {
        let (id, key) = fapi_client(server).await;
        let c = claims_with(server, &id, json!({"nbf": now() + 70, "exp": now() + 130}));
        assert_invalid_client(&client_credentials(server, &key.sign("PS256", &c)).await, "nbf 70 s ahead");
        let c = claims_with(server, &id, json!({"iat": now() + 70}));
        assert_invalid_client(&client_credentials(server, &key.sign("PS256", &c)).await, "iat 70 s ahead");
        let c = claims_with(server, &id, json!({"exp": now() + 24 * 3600}));
        assert_invalid_client(&client_credentials(server, &key.sign("PS256", &c)).await, "valid for a day");
    }

    async fn fapi2_ensure_client_assertion_jti_replay_fails(server) {
        let (id, key) = fapi_client(server).await;
        let assertion = key.sign("PS256", &claims(server, &id));
        assert_token(&client_credentials(server, &assertion).await, "first use");
        assert_invalid_client(&client_credentials(server, &assertion).await, "replayed");
        let c = claims_with(server, &id, json!({"jti": null}));
        assert_invalid_client(&client_credentials(server, &key.sign("PS256", &c)).await, "no jti");
    }

    async fn fapi2_ensure_client_assertion_with_bad_signature_fails(server) {
        let (id, key) = fapi_client(server).await;
        // Another key under the registered kid.
        let impostor = Key::rsa("fapi");
        assert_invalid_client(&client_credentials(server, &impostor.sign("PS256", &claims(server, &id))).await, "other key");
        // One character of a good signature changed.
        let mut tampered = key.sign("PS256", &claims(server, &id)).into_bytes();
        let i = tampered.len() - 20;
        tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
        assert_invalid_client(&client_credentials(server, &String::from_utf8(tampered).unwrap()).await, "tampered");
        // Claims changed under a good signature.
        let good = key.sign("PS256", &claims(server, &id));
        let parts: Vec<&str> = good.split('.').collect();
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let other = b64.encode(claims(server, &id).to_string());
        assert_invalid_client(&client_credentials(server, &format!("{}.{other}.{}", parts[0], parts[2])).await, "claims swapped");
    }

    async fn fapi2_ensure_client_assertion_with_alg_none_fails(server) {
        let (id, _) = fapi_client(server).await;
        assert_invalid_client(&client_credentials(server, &unsigned(&claims(server, &id))).await, "alg none");
    }

    async fn fapi2_ensure_hs256_client_assertion_for_private_key_jwt_client_fails(server) {
        let key = Key::rsa("hs");
        let id = key_client(server, by_value(&[&key]), |_| {}).await;
        assert_token(&client_credentials(server, &key.sign("RS256", &claims(server, &id))).await, "control");
        // Keyed with the public modulus (algorithm confusion) or anything else.
        let n = key.public()["n"].as_str().unwrap().to_owned();
        assert_invalid_client(&client_credentials(server, &sign_hs256(&n, &claims(server, &id))).await, "HS256 keyed with the public key");
    }

    async fn fapi2_ensure_client_assertion_with_mismatched_client_id_fails(server) {
        let (id, key) = fapi_client(server).await;
        let (other, _) = fapi_client(server).await;
        let assertion = key.sign("PS256", &claims(server, &id));
        let res = post(server, "/token", &assertion, &[("grant_type", "client_credentials"), ("client_id", &other)]).await;
        assert_invalid_client(&res, "client_id names another client");
        // iss and sub of another client, signed with this client's key.
        assert_invalid_client(&client_credentials(server, &key.sign("PS256", &claims(server, &other))).await, "another client's name");
        // And the assertion together with a secret is one method too many.
        let res = reqwest::Client::new().post(server.url("/token")).basic_auth(&id, Some("secret"))
            .form(&[("grant_type", "client_credentials"), ("client_assertion_type", JWT_BEARER), ("client_assertion", &key.sign("PS256", &claims(server, &id)))])
            .send().await.unwrap();
        assert_eq!(res.status(), 400);
    }

    async fn fapi2_client_assertions_at_introspection_revocation_and_par(server) {
        let (id, key) = fapi_client(server).await;
        let sign = |changes: Value| key.sign("PS256", &claims_with(server, &id, changes));
        let (_, tokens) = client_credentials(server, &sign(json!({}))).await;
        let access_token = tokens["access_token"].as_str().unwrap();
        // Introspection: aud the issuer or the introspection endpoint.
        let (status, body) = post(server, "/introspect", &sign(json!({})), &[("token", access_token)]).await;
        assert_eq!((status, &body["active"]), (200, &json!(true)), "{body}");
        let (status, body) = post(server, "/introspect", &sign(json!({"aud": server.url("/introspect")})), &[("token", access_token)]).await;
        assert_eq!((status, &body["active"]), (200, &json!(true)), "{body}");
        assert_invalid_client(&post(server, "/introspect", &sign(json!({"aud": server.url("/revoke")})), &[("token", access_token)]).await, "introspection, another endpoint's aud");
        // Revocation.
        let replayed = sign(json!({}));
        assert_invalid_client(&post(server, "/revoke", &sign(json!({"exp": now() - 300})), &[("token", access_token)]).await, "revocation, expired");
        let (status, body) = post(server, "/revoke", &replayed, &[("token", access_token)]).await;
        assert_eq!(status, 200, "{body}");
        assert_invalid_client(&post(server, "/revoke", &replayed, &[("token", access_token)]).await, "revocation, replayed");
        let (_, body) = post(server, "/introspect", &sign(json!({})), &[("token", access_token)]).await;
        assert_eq!(body["active"], false, "revoked: {body}");
        // Pushed authorization requests.
        let request = [("response_type", "code"), ("redirect_uri", REDIRECT_URI), ("scope", "openid")];
        let (status, body) = post(server, "/par", &sign(json!({"aud": server.url("/par")})), &request).await;
        assert_eq!(status, 201, "{body}");
        assert!(body["request_uri"].is_string(), "{body}");
        assert_invalid_client(&post(server, "/par", &sign(json!({"sub": null})), &request).await, "par, no sub");
    }
}
