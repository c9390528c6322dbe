//! Request objects (RFC 9101, OIDC Core 6): the authorization request as a JWT by value
//! (`request`) or by reference (`request_uri`), signed with the client's keys or unsigned
//! when the client registered so; only the parameters inside count. Also pushed to `/par`.
//! The OIDC conformance modules `oidcc_…` and the FAPI 2.0 refusals `fapi2_…`.

use domain::clients::ClientMetadata;
use harness::client_keys::{ClientKey, unsigned};
use harness::rp::{Browser, Landing};
use harness::served::Served;
use harness::{REDIRECT_URI, TestServer};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";
const TYP: &str = "oauth-authz-req+jwt";
/// A second registered redirect URI.
const OTHER_REDIRECT_URI: &str = "http://127.0.0.1:9/other-cb";

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A confidential first-party client (secret basic) with two redirect URIs, `metadata`
/// for its request objects: `(client_id, secret)`.
async fn client(server: &TestServer, metadata: ClientMetadata) -> (String, String) {
    let (id, secret) = server
        .client(|c| {
            c.first_party = true;
            c.redirect_uris = vec![REDIRECT_URI.into(), OTHER_REDIRECT_URI.into()];
            c.metadata = metadata;
        })
        .await;
    (id, secret.unwrap())
}

/// A client that signs its request objects with `key` (by value).
async fn signing_client(server: &TestServer, key: &ClientKey) -> (String, String) {
    client(
        server,
        ClientMetadata {
            jwks: Some(ClientKey::set(&[key])),
            ..Default::default()
        },
    )
    .await
}

/// A client registered for unsigned request objects.
async fn unsigned_client(server: &TestServer) -> (String, String) {
    client(
        server,
        ClientMetadata {
            request_object_signing_alg: Some("none".into()),
            ..Default::default()
        },
    )
    .await
}

/// The claims of a good request object of `client_id`: code flow to REDIRECT_URI.
fn object(server: &TestServer, client_id: &str, changes: Value) -> Value {
    let mut claims = json!({
        "iss": client_id,
        "aud": server.base,
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid email",
        "state": "state-inside",
        "nonce": "nonce-inside",
        "iat": now(),
        "nbf": now(),
        "exp": now() + 300,
    });
    let map = claims.as_object_mut().unwrap();
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            map.remove(k);
        } else {
            map.insert(k.clone(), v.clone());
        }
    }
    claims
}

/// `/authorize` with `client_id` and `extra` in the query.
fn authorize_url(server: &TestServer, client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .extend_pairs(extra.iter().copied());
    url.to_string()
}

/// Signs a new user in through `url`; returns where the client was answered.
async fn sign_in(server: &TestServer, url: &str, tag: &str) -> Landing {
    let email = format!("{tag}@request-objects.example");
    server.user(&email, PASSWORD).await;
    Browser::new(server).authorize(url, &email, PASSWORD).await
}

/// Redeems a code for the client (secret basic): the token response.
async fn redeem(
    server: &TestServer,
    client: &(String, String),
    code: &str,
    redirect_uri: &str,
) -> Value {
    let res = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(&client.0, Some(&client.1))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The claims of an ID token (not verified: the other modules do).
fn id_token_claims(tokens: &Value) -> Value {
    use base64::Engine as _;
    let token = tokens["id_token"].as_str().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// Asserts a refusal answered at REDIRECT_URI with `error`, a description that says
/// `says`, and the state sent outside.
fn assert_refused_to_client(landing: &Landing, error: &str, says: &str, why: &str) {
    let Landing::Client { url, params } = landing else {
        panic!("{why}: expected a redirect to the client, got {landing:?}");
    };
    assert_eq!(url, REDIRECT_URI, "{why}");
    assert_eq!(
        params.get("error").map(String::as_str),
        Some(error),
        "{why}: {params:?}"
    );
    assert_eq!(
        params.get("state").map(String::as_str),
        Some("state-outside"),
        "{why}: {params:?}"
    );
    assert!(!params.contains_key("code"), "{why}");
    let description = params
        .get("error_description")
        .map(String::as_str)
        .unwrap_or_default();
    assert!(
        description.contains(says),
        "{why}: {description:?} does not say {says:?}"
    );
}

/// The parameters sent outside the object when a refusal should reach the client.
fn outside<'a>(request: (&'a str, &'a str)) -> [(&'a str, &'a str); 5] {
    [
        request,
        ("response_type", "code"),
        ("scope", "openid"),
        ("redirect_uri", REDIRECT_URI),
        ("state", "state-outside"),
    ]
}

/// Opens `/authorize` with `client_id` and the outside parameters of `request`.
async fn refused(server: &TestServer, client_id: &str, request: (&str, &str)) -> Landing {
    Browser::new(server)
        .open(&authorize_url(server, client_id, &outside(request)))
        .await
}

harness::shared_server_tests! {
    setup = |c| {
        // The request_uri documents are listeners of the test on 127.0.0.1.
        c.oauth.allow_private_client_urls = true;
    };

    async fn oidcc_request_uri_unsigned(server) {
        let client = unsigned_client(server).await;
        let published = Served::start("/request.jwt", "application/oauth-authz-req+jwt", &unsigned(TYP, &object(server, &client.0, json!({})))).await;
        let url = authorize_url(server, &client.0, &[("request_uri", &published.url), ("response_type", "code"), ("scope", "openid")]);
        let landing = sign_in(server, &url, "uri-unsigned").await;
        let Landing::Client { url: to, params } = &landing else { panic!("{landing:?}") };
        assert_eq!(to, REDIRECT_URI);
        assert_eq!(params["state"], "state-inside");
        let tokens = redeem(server, &client, &params["code"], REDIRECT_URI).await;
        assert_eq!(tokens["scope"], "openid email", "the scope inside");
        assert_eq!(published.hits(), 1);
        let discovery: Value = reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
        assert_eq!(discovery["request_uri_parameter_supported"], true);
        assert_eq!(discovery["request_parameter_supported"], true);
        assert_eq!(discovery["require_request_uri_registration"], false);
    }

    async fn oidcc_request_uri_signed_rs256(server) {
        let key = ClientKey::rsa("ro-1");
        let client = signing_client(server, &key).await;
        let jwt = key.sign("RS256", TYP, &object(server, &client.0, json!({})));
        let published = Served::start("/objects/1", "application/oauth-authz-req+jwt", &jwt).await;
        let url = authorize_url(server, &client.0, &[("request_uri", &published.url), ("response_type", "code"), ("scope", "openid")]);
        let landing = sign_in(server, &url, "uri-rs256").await;
        let code = &landing.params()["code"];
        let tokens = redeem(server, &client, code, REDIRECT_URI).await;
        assert_eq!(id_token_claims(&tokens)["nonce"], "nonce-inside");
        let discovery: Value = reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
        let algs = discovery["request_object_signing_alg_values_supported"].as_array().unwrap();
        for alg in ["RS256", "PS256", "ES256", "none"] {
            assert!(algs.contains(&json!(alg)), "{discovery}");
        }
    }

    async fn oidcc_ensure_request_object_with_redirect_uri(server) {
        let key = ClientKey::ec("ro-ec");
        let client = signing_client(server, &key).await;
        // The redirect URI only inside the object: the second registered one.
        let jwt = key.sign("ES256", TYP, &object(server, &client.0, json!({"redirect_uri": OTHER_REDIRECT_URI})));
        let url = authorize_url(server, &client.0, &[("request", &jwt), ("response_type", "code"), ("scope", "openid")]);
        let landing = sign_in(server, &url, "object-redirect").await;
        let Landing::Client { url: to, params } = &landing else { panic!("{landing:?}") };
        assert_eq!(to, OTHER_REDIRECT_URI, "the redirect_uri inside");
        redeem(server, &client, &params["code"], OTHER_REDIRECT_URI).await;
    }

    async fn oidcc_unsigned_request_object_supported_correctly_or_rejected_as_unsupported(server) {
        let discovery: Value = reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
        assert!(discovery["request_object_signing_alg_values_supported"].as_array().unwrap().contains(&json!("none")));
        // Supported for a client registered with request_object_signing_alg none …
        let client = unsigned_client(server).await;
        let jwt = unsigned(TYP, &object(server, &client.0, json!({})));
        let landing = sign_in(server, &authorize_url(server, &client.0, &[("request", &jwt)]), "unsigned").await;
        assert_eq!(landing.params()["state"], "state-inside", "{landing:?}");
        redeem(server, &client, &landing.params()["code"], REDIRECT_URI).await;
        // … rejected for the others, at the registered redirect_uri outside.
        let key = ClientKey::rsa("k");
        let signer = signing_client(server, &key).await;
        let jwt = unsigned(TYP, &object(server, &signer.0, json!({})));
        assert_refused_to_client(&refused(server, &signer.0, ("request", &jwt)).await, "invalid_request_object", "unsigned request objects are accepted only", "unsigned, not registered");
        // Without a redirect_uri outside: an error page.
        let landing = Browser::new(server).open(&authorize_url(server, &signer.0, &[("request", &jwt)])).await;
        let (status, _, body) = landing.page();
        assert_eq!(status, 400);
        assert!(body.contains("invalid_request_object"), "{body}");
    }

    async fn fapi2_ensure_request_object_state_and_nonce_inside_win(server) {
        let key = ClientKey::rsa("ro-ps");
        let client = signing_client(server, &key).await;
        let jwt = key.sign("PS256", TYP, &object(server, &client.0, json!({})));
        let url = authorize_url(server, &client.0, &[
            ("request", &jwt), ("response_type", "code"), ("scope", "openid profile"),
            ("state", "state-outside"), ("nonce", "nonce-outside"), ("redirect_uri", OTHER_REDIRECT_URI),
        ]);
        let landing = sign_in(server, &url, "inside-wins").await;
        let Landing::Client { url: to, params } = &landing else { panic!("{landing:?}") };
        assert_eq!(to, REDIRECT_URI, "the redirect_uri inside");
        assert_eq!(params["state"], "state-inside");
        let tokens = redeem(server, &client, &params["code"], REDIRECT_URI).await;
        assert_eq!(id_token_claims(&tokens)["nonce"], "nonce-inside");
        assert_eq!(tokens["scope"], "openid email", "the scope inside");
        // response_type and client_id outside must be the ones inside.
        let other = key.sign("PS256", TYP, &object(server, &client.0, json!({"response_type": "code id_token"})));
        assert_refused_to_client(&refused(server, &client.0, ("request", &other)).await, "invalid_request_object", "response_type outside", "response_type differs");
        let (stranger, _) = signing_client(server, &key).await;
        let theirs = key.sign("PS256", TYP, &object(server, &stranger, json!({})));
        assert_refused_to_client(&refused(server, &client.0, ("request", &theirs)).await, "invalid_request_object", "iss must be the client_id", "another client's object");
    }

    async fn a_request_object_encrypted_to_the_servers_key_is_read(server) {
        let key = ClientKey::rsa("ro-jwe");
        let client = signing_client(server, &key).await;
        let signed = key.sign("PS256", TYP, &object(server, &client.0, json!({})));
        let jwks: Value = reqwest::get(server.url("/jwks")).await.unwrap().json().await.unwrap();
        let enc = jwks["keys"].as_array().unwrap().iter().find(|k| k["use"] == "enc").expect("an encryption key in the JWKS");
        assert_eq!((enc["kty"].as_str(), enc["crv"].as_str()), (Some("OKP"), Some("X25519")), "{enc}");
        let d: Value = reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
        assert!(d["request_object_encryption_alg_values_supported"].as_array().unwrap().contains(&json!("ECDH-ES+A128KW")), "{d}");
        let encrypt = |jwk: &Value| {
            let jwk = josekit::jwk::Jwk::from_map(jwk.as_object().unwrap().clone()).unwrap();
            let mut header = josekit::jwe::JweHeader::new();
            header.set_content_encryption("A256GCM");
            header.set_content_type("JWT");
            if let Some(kid) = jwk.key_id() {
                header.set_key_id(kid);
            }
            let encrypter = josekit::jwe::ECDH_ES_A128KW.encrypter_from_jwk(&jwk).unwrap();
            josekit::jwe::serialize_compact(signed.as_bytes(), &header, &encrypter).unwrap()
        };
        let jwe = encrypt(enc);
        assert_eq!(jwe.split('.').count(), 5);
        let url = authorize_url(server, &client.0, &[("request", &jwe), ("response_type", "code"), ("scope", "openid")]);
        let landing = sign_in(server, &url, "encrypted-object").await;
        let tokens = redeem(server, &client, &landing.params()["code"], REDIRECT_URI).await;
        assert_eq!(id_token_claims(&tokens)["nonce"], "nonce-inside", "the object inside the JWE was read");
        // Encrypted to some other key: refused, not guessed at.
        let stranger = josekit::jwk::Jwk::generate_ecx_key(josekit::jwk::alg::ecx::EcxCurve::X25519).unwrap();
        let mut public: serde_json::Map<String, Value> = stranger.to_public_key().unwrap().as_ref().clone();
        public.insert("kid".into(), "not-ours".into());
        let wrong = encrypt(&Value::Object(public));
        assert_refused_to_client(&refused(server, &client.0, ("request", &wrong)).await, "invalid_request_object", "another key", "encrypted to a stranger's key");
    }

    async fn fapi2_ensure_request_object_without_redirect_uri_fails(server) {
        let key = ClientKey::rsa("ro-nr");
        let client = signing_client(server, &key).await;
        let jwt = key.sign("PS256", TYP, &object(server, &client.0, json!({"redirect_uri": null})));
        // The redirect_uri outside does not count: only the object is read.
        let landing = refused(server, &client.0, ("request", &jwt)).await;
        let (status, _, body) = landing.page();
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("redirect_uri"), "{body}");
    }

    async fn fapi2_ensure_oversized_request_object_fails(server) {
        let key = ClientKey::rsa("ro-big");
        let client = signing_client(server, &key).await;
        let jwt = key.sign("PS256", TYP, &object(server, &client.0, json!({"padding": "x".repeat(40 * 1024)})));
        let mut form: Vec<(&str, &str)> = outside(("request", &jwt)).to_vec();
        form.push(("client_id", &client.0));
        let landing = Browser::new(server).post(&server.url("/authorize"), &form).await;
        assert_refused_to_client(&landing, "invalid_request_object", "larger than 32 KiB", "40 KiB by value");
        let big = Served::start("/big.jwt", "application/oauth-authz-req+jwt", &key.sign("PS256", TYP, &object(server, &client.0, json!({"padding": "x".repeat(70 * 1024)})))).await;
        assert_refused_to_client(&refused(server, &client.0, ("request_uri", &big.url)).await, "invalid_request_uri", "larger than 64 KiB", "70 KiB by reference");
    }

    async fn fapi2_ensure_request_object_with_bad_signature_fails(server) {
        let key = ClientKey::rsa("ro-sig");
        let client = signing_client(server, &key).await;
        let impostor = ClientKey::rsa("ro-sig");
        let jwt = impostor.sign("PS256", TYP, &object(server, &client.0, json!({})));
        assert_refused_to_client(&refused(server, &client.0, ("request", &jwt)).await, "invalid_request_object", "signature", "other key");
        // A good signature over other claims.
        let good = key.sign("PS256", TYP, &object(server, &client.0, json!({})));
        let parts: Vec<&str> = good.split('.').collect();
        use base64::Engine as _;
        let swapped = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(object(server, &client.0, json!({"scope": "openid profile"})).to_string());
        let forged = format!("{}.{swapped}.{}", parts[0], parts[2]);
        assert_refused_to_client(&refused(server, &client.0, ("request", &forged)).await, "invalid_request_object", "signature", "claims swapped");
        // The wrong type.
        let typed = key.sign("PS256", "JWT", &object(server, &client.0, json!({})));
        assert_refused_to_client(&refused(server, &client.0, ("request", &typed)).await, "invalid_request_object", "typ", "typ JWT");
        // Control: the good one works.
        let landing = sign_in(server, &authorize_url(server, &client.0, &[("request", &good)]), "sig-control").await;
        assert!(landing.params().contains_key("code"), "{landing:?}");
    }

    async fn fapi2_ensure_request_object_with_wrong_iss_fails(server) {
        let key = ClientKey::rsa("ro-iss");
        let client = signing_client(server, &key).await;
        let jwt = key.sign("PS256", TYP, &object(server, &client.0, json!({"iss": "https://attacker.example"})));
        assert_refused_to_client(&refused(server, &client.0, ("request", &jwt)).await, "invalid_request_object", "iss must be", "wrong iss");
        let jwt = key.sign("PS256", TYP, &object(server, &client.0, json!({"aud": "https://other-op.example"})));
        assert_refused_to_client(&refused(server, &client.0, ("request", &jwt)).await, "invalid_request_object", "aud must be", "wrong aud");
    }

    async fn fapi2_ensure_expired_request_object_fails(server) {
        let key = ClientKey::rsa("ro-exp");
        let client = signing_client(server, &key).await;
        let jwt = key.sign("PS256", TYP, &object(server, &client.0, json!({"exp": now() - 60, "iat": now() - 400, "nbf": now() - 400})));
        assert_refused_to_client(&refused(server, &client.0, ("request", &jwt)).await, "invalid_request_object", "expired", "expired");
        let jwt = key.sign("PS256", TYP, &object(server, &client.0, json!({"nbf": now() + 600, "exp": now() + 900})));
        assert_refused_to_client(&refused(server, &client.0, ("request", &jwt)).await, "invalid_request_object", "nbf", "not yet valid");
    }

    async fn fapi2_par_accepts_a_request_object_and_refuses_a_request_uri(server) {
        let key = ClientKey::rsa("ro-par");
        let client = signing_client(server, &key).await;
        let jwt = key.sign("PS256", TYP, &object(server, &client.0, json!({})));
        let push = |form: Vec<(&'static str, String)>| {
            let client = client.clone();
            async move {
                let res = reqwest::Client::new().post(server.url("/par")).basic_auth(&client.0, Some(&client.1)).form(&form).send().await.unwrap();
                (res.status().as_u16(), res.json::<Value>().await.unwrap())
            }
        };
        let (status, body) = push(vec![("request", jwt.clone()), ("state", "state-outside".into())]).await;
        assert_eq!(status, 201, "{body}");
        let request_uri = body["request_uri"].as_str().unwrap().to_owned();
        let landing = sign_in(server, &authorize_url(server, &client.0, &[("request_uri", &request_uri)]), "par-object").await;
        assert_eq!(landing.params()["state"], "state-inside", "{landing:?}");
        // A bad object is refused as JSON; request_uri cannot be pushed.
        let bad = key.sign("PS256", TYP, &object(server, &client.0, json!({"exp": now() - 60})));
        let (status, body) = push(vec![("request", bad)]).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request_object")), "{body}");
        let published = Served::start("/pushed.jwt", "application/oauth-authz-req+jwt", &jwt).await;
        let (status, body) = push(vec![("request_uri", published.url.clone())]).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
        assert_eq!(published.hits(), 0);
    }
}

/// The default configuration: client URLs must be https on public addresses.
mod ssrf {
    use super::*;

    harness::shared_server_tests! {
        setup = |_| {};

        async fn fapi2_ensure_request_uri_to_internal_address_fails(server) {
            let client = unsigned_client(server).await;
            let published = Served::start("/request.jwt", "application/oauth-authz-req+jwt", &unsigned(TYP, &object(server, &client.0, json!({})))).await;
            let port = url::Url::parse(&published.url).unwrap().port().unwrap();
            for (uri, says) in [
                (published.url.clone(), "must be https"),
                (format!("https://127.0.0.1:{port}/request.jwt"), "internal"),
                (format!("https://localhost:{port}/request.jwt"), "internal"),
                ("https://169.254.169.254/latest/meta-data/".to_owned(), "internal"),
                ("https://[::1]/request.jwt".to_owned(), "internal"),
            ] {
                assert_refused_to_client(&refused(server, &client.0, ("request_uri", &uri)).await, "invalid_request_uri", says, &uri);
            }
            assert_eq!(published.hits(), 0, "nothing reached the internal listener");
            // Without a registered redirect_uri outside: an error page, never a redirect.
            let landing = Browser::new(server).open(&authorize_url(server, &client.0, &[("request_uri", &published.url)])).await;
            let (status, _, body) = landing.page();
            assert_eq!(status, 400);
            assert!(body.contains("invalid_request_uri"), "{body}");
        }
    }
}
