//! The FAPI 2.0 Security Profile (final) for clients registered with `profile: fapi2`: the
//! happy flow the conformance suite runs (PAR with private_key_jwt and DPoP, PKCE S256,
//! the code at the client with `iss`, tokens bound to the DPoP key, userinfo, refresh) and
//! what the profile refuses, one test per conformance module group, named `fapi2_…` after
//! it (see shared CONFORMANCE.md). The DPoP and client-authentication negative suites are in
//! `dpop.rs` and `client_assertions.rs`; the `request_uri` lifecycle ones in `par.rs`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use harness::rp::{Browser, Landing};
use harness::{REDIRECT_URI, TestServer};
use josekit::jwk::Jwk;
use josekit::jws::{self, JwsHeader};
use josekit::jwt::JwtPayload;
use openidconnect::PkceCodeChallenge;
use serde_json::{Value, json};

use super::dpop::Key as DpopKey;

const PASSWORD: &str = "correct horse battery staple";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A FAPI 2.0 client: its id and its RSA signing key (the public half registered as `jwks`).
struct FapiClient {
    id: String,
    key: Jwk,
}

impl FapiClient {
    /// A client assertion (RFC 7523) signed with `alg`, for `aud`.
    fn assertion_for(&self, alg: &str, aud: Value) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = json!({
            "iss": self.id, "sub": self.id, "aud": aud,
            "jti": domain::random::token::<16>(), "iat": now, "exp": now + 60,
        });
        let mut header = JwsHeader::new();
        header.set_token_type("JWT");
        header.set_key_id("fapi-key");
        let payload = JwtPayload::from_map(claims.as_object().unwrap().clone()).unwrap();
        let signer: Box<dyn jws::JwsSigner> = match alg {
            "PS256" => Box::new(jws::PS256.signer_from_jwk(&self.key).unwrap()),
            "RS256" => Box::new(jws::RS256.signer_from_jwk(&self.key).unwrap()),
            other => panic!("{other}"),
        };
        josekit::jwt::encode_with_signer(&payload, &header, &*signer).unwrap()
    }

    /// A PS256 assertion for the issuer, the only audience FAPI 2.0 allows.
    fn assertion(&self, server: &TestServer) -> String {
        self.assertion_for("PS256", json!(server.base))
    }
}

async fn fapi_client(server: &TestServer) -> FapiClient {
    let key = Jwk::generate_rsa_key(2048).unwrap();
    let mut public: serde_json::Map<String, Value> = key.to_public_key().unwrap().as_ref().clone();
    public.insert("kid".into(), "fapi-key".into());
    public.insert("use".into(), "sig".into());
    let (id, secret) = server
        .client(|c| {
            c.token_endpoint_auth_method = Some("private_key_jwt".into());
            c.metadata.profile = Some("fapi2".into());
            c.metadata.jwks = Some(json!({ "keys": [public] }));
        })
        .await;
    assert!(secret.is_none(), "a private_key_jwt client has no secret");
    FapiClient { id, key }
}

struct Answer {
    status: u16,
    body: Value,
}

/// POSTs `form` plus the client's assertion (for the issuer) and an optional DPoP proof.
async fn post(
    server: &TestServer,
    path: &str,
    client: &FapiClient,
    assertion: Option<String>,
    form: &[(&str, &str)],
    proof: Option<String>,
) -> Answer {
    let assertion = assertion.unwrap_or_else(|| client.assertion(server));
    let mut form: Vec<(&str, &str)> = form.to_vec();
    form.extend([
        ("client_id", client.id.as_str()),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion.as_str()),
    ]);
    let mut req = reqwest::Client::new().post(server.url(path)).form(&form);
    if let Some(p) = proof {
        req = req.header("DPoP", p);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

/// The parameters of a FAPI authorization request (PKCE S256); returns them and the
/// verifier.
fn request_params(state: Option<&str>) -> (Vec<(&'static str, String)>, String) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut form = vec![
        ("response_type", "code".to_owned()),
        ("redirect_uri", REDIRECT_URI.to_owned()),
        ("scope", "openid email offline_access".to_owned()),
        ("code_challenge", challenge.as_str().to_owned()),
        ("code_challenge_method", "S256".to_owned()),
    ];
    if let Some(s) = state {
        form.push(("state", s.to_owned()));
        form.push(("nonce", format!("nonce-{s}")));
    }
    (form, verifier.secret().to_owned())
}

fn borrowed<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Pushes a request (with a DPoP proof, binding the code to `dpop`); returns the
/// `request_uri` and the PKCE verifier.
async fn push(
    server: &TestServer,
    client: &FapiClient,
    dpop: &DpopKey,
    state: Option<&str>,
) -> (String, String) {
    let (form, verifier) = request_params(state);
    let proof = dpop.proof("POST", &server.url("/par"), None, None);
    let a = post(server, "/par", client, None, &borrowed(&form), Some(proof)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    (a.body["request_uri"].as_str().unwrap().to_owned(), verifier)
}

fn authorize_url(server: &TestServer, client: &FapiClient, request_uri: &str) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &client.id)
        .append_pair("request_uri", request_uri);
    url.to_string()
}

async fn user(server: &TestServer, name: &str) -> String {
    let email = format!("{name}@fapi.example");
    server.user(&email, PASSWORD).await;
    email
}

/// The code flow up to the token response, with `dpop` bound throughout.
async fn tokens(
    server: &TestServer,
    client: &FapiClient,
    dpop: &DpopKey,
    email: &str,
    state: Option<&str>,
) -> Value {
    let (request_uri, verifier) = push(server, client, dpop, state).await;
    let landing = Browser::new(server)
        .authorize(
            &authorize_url(server, client, &request_uri),
            email,
            PASSWORD,
        )
        .await;
    let Landing::Client { url, params } = &landing else {
        panic!("{landing:?}")
    };
    assert_eq!(url, REDIRECT_URI);
    assert_eq!(
        params.get("iss").map(String::as_str),
        Some(server.base.as_str()),
        "iss in the response (RFC 9207)"
    );
    assert_eq!(params.get("state").map(String::as_str), state);
    let proof = dpop.proof("POST", &server.url("/token"), None, None);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", params["code"].as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", verifier.as_str()),
    ];
    let a = post(server, "/token", client, None, &form, Some(proof)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
}

fn part(jwt: &str, i: usize) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(jwt.split('.').nth(i).unwrap())
            .unwrap(),
    )
    .unwrap()
}

harness::shared_server_tests! {
    // A configured code lifetime longer than FAPI allows: the profile caps it.
    setup = |c| c.tokens.code_ttl_secs = 600;

    async fn fapi2_discovery_end_point_verification(server) {
        let d: Value = reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
        let has = |field: &str, value: &str| d[field].as_array().is_some_and(|a| a.contains(&json!(value)));
        assert!(d["pushed_authorization_request_endpoint"].is_string(), "{d}");
        assert_eq!(d["response_types_supported"], json!(["code"]));
        assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
        assert!(has("token_endpoint_auth_methods_supported", "private_key_jwt"));
        for alg in ["PS256", "ES256"] {
            assert!(has("dpop_signing_alg_values_supported", alg), "{alg}");
            assert!(has("id_token_signing_alg_values_supported", alg), "{alg}");
        }
        assert_eq!(d["authorization_response_iss_parameter_supported"], true);
    }

    async fn fapi2_happy_flow(server) {
        let email = user(server, "happy").await;
        let client = fapi_client(server).await;
        let dpop = DpopKey::new();
        let t = tokens(server, &client, &dpop, &email, Some("happy")).await;
        assert_eq!(t["token_type"], "DPoP", "{t}");
        let id_header = part(t["id_token"].as_str().unwrap(), 0);
        assert_eq!(id_header["alg"], "PS256", "FAPI forbids RS256: {id_header}");
        assert_eq!(part(t["id_token"].as_str().unwrap(), 1)["nonce"], "nonce-happy");
        let access = t["access_token"].as_str().unwrap();
        assert_eq!(part(access, 1)["cnf"]["jkt"], dpop.jkt().as_str(), "sender-constrained");
        // Userinfo with the proof; the same token as a bearer token is refused.
        let userinfo = server.url("/userinfo");
        let res = reqwest::Client::new().get(&userinfo)
            .header("authorization", format!("DPoP {access}"))
            .header("DPoP", dpop.proof("GET", &userinfo, Some(access), None))
            .send().await.unwrap();
        assert_eq!(res.status(), 200);
        let res = reqwest::Client::new().get(&userinfo).bearer_auth(access).send().await.unwrap();
        assert_eq!(res.status(), 401);
        // Refresh: rotated, and still bound to the key.
        let refresh = t["refresh_token"].as_str().unwrap();
        let proof = dpop.proof("POST", &server.url("/token"), None, None);
        let r = post(server, "/token", &client, None, &[("grant_type", "refresh_token"), ("refresh_token", refresh)], Some(proof)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["token_type"], "DPoP");
        assert_ne!(r.body["refresh_token"], refresh, "rotated");
        assert_eq!(part(r.body["access_token"].as_str().unwrap(), 1)["cnf"]["jkt"], dpop.jkt().as_str());
    }

    async fn fapi2_happy_flow_two_clients_long_nonce_and_state_other_scope_order_claims(server) {
        let email = user(server, "variants").await;
        let (first, second) = (fapi_client(server).await, fapi_client(server).await);
        let dpop = DpopKey::new();
        let long_state = "s".repeat(256);
        for (client, state) in [(&first, "x".repeat(64)), (&second, long_state)] {
            let (mut form, verifier) = request_params(Some(&state));
            // Another scope order, a 64+ character nonce, and the claims parameter asking
            // for an essential acr and the email in the ID token.
            form[2].1 = "email openid".into();
            let nonce = "n".repeat(64);
            form.retain(|(k, _)| *k != "nonce");
            form.push(("nonce", nonce.clone()));
            form.push(("claims", r#"{"id_token":{"acr":{"essential":true},"email":null}}"#.into()));
            let proof = dpop.proof("POST", &server.url("/par"), None, None);
            let a = post(server, "/par", client, None, &borrowed(&form), Some(proof)).await;
            assert_eq!(a.status, 201, "{}", a.body);
            let landing = Browser::new(server)
                .authorize(&authorize_url(server, client, a.body["request_uri"].as_str().unwrap()), &email, PASSWORD)
                .await;
            let Landing::Client { params, .. } = &landing else { panic!("{landing:?}") };
            assert_eq!(params["state"], state);
            let proof = dpop.proof("POST", &server.url("/token"), None, None);
            let form = [
                ("grant_type", "authorization_code"),
                ("code", params["code"].as_str()),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", verifier.as_str()),
            ];
            let t = post(server, "/token", client, None, &form, Some(proof)).await;
            assert_eq!(t.status, 200, "{}", t.body);
            let claims = part(t.body["id_token"].as_str().unwrap(), 1);
            assert_eq!(claims["aud"], client.id.as_str(), "each client gets its own tokens");
            assert_eq!(claims["nonce"], nonce.as_str());
            assert!(claims["acr"].is_string(), "the essential acr: {claims}");
            assert_eq!(claims["email"], email.as_str(), "claims parameter: {claims}");
        }
    }

    async fn fapi2_ensure_request_without_state_and_nonce_succeeds(server) {
        let email = user(server, "nostate").await;
        let client = fapi_client(server).await;
        let t = tokens(server, &client, &DpopKey::new(), &email, None).await;
        assert!(part(t["id_token"].as_str().unwrap(), 1).get("nonce").is_none());
    }

    async fn fapi2_user_rejects_authentication(server) {
        let email = user(server, "rejects").await;
        let client = fapi_client(server).await;
        let (request_uri, _) = push(server, &client, &DpopKey::new(), Some("rejects")).await;
        let browser = Browser::new(server);
        let landing = browser.open(&authorize_url(server, &client, &request_uri)).await;
        let landing = browser.sign_in(&landing, &email, PASSWORD).await;
        let landing = browser.consent(&landing, false).await;
        let Landing::Client { params, .. } = &landing else { panic!("{landing:?}") };
        assert_eq!(params["error"], "access_denied");
        assert_eq!(params["state"], "rejects");
        assert_eq!(params["iss"], server.base.as_str());
    }

    async fn fapi2_ensure_authorization_request_without_par_fails(server) {
        let client = fapi_client(server).await;
        let (form, _) = request_params(Some("plain"));
        let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
        url.query_pairs_mut().append_pair("client_id", &client.id).extend_pairs(borrowed(&form));
        let landing = Browser::new(server).open(url.as_str()).await;
        let Landing::Client { params, .. } = &landing else { panic!("{landing:?}") };
        assert_eq!(params["error"], "invalid_request", "{params:?}");
        assert!(params["error_description"].contains("pushed"), "{params:?}");
    }

    async fn fapi2_ensure_pkce_required_and_plain_pkce_refused_at_par(server) {
        let client = fapi_client(server).await;
        let (mut form, _) = request_params(Some("pkce"));
        form.retain(|(k, _)| !k.starts_with("code_challenge"));
        let a = post(server, "/par", &client, None, &borrowed(&form), None).await;
        assert_eq!((a.status, a.body["error"].as_str()), (400, Some("invalid_request")), "{}", a.body);
        form.push(("code_challenge", "x".repeat(43)));
        form.push(("code_challenge_method", "plain".into()));
        let a = post(server, "/par", &client, None, &borrowed(&form), None).await;
        assert_eq!((a.status, a.body["error"].as_str()), (400, Some("invalid_request")), "{}", a.body);
    }

    async fn fapi2_ensure_response_type_code_id_token_and_token_fail(server) {
        let client = fapi_client(server).await;
        for response_type in ["code id_token", "token"] {
            let (mut form, _) = request_params(Some("rt"));
            form[0].1 = response_type.into();
            let a = post(server, "/par", &client, None, &borrowed(&form), None).await;
            assert_eq!(a.status, 400, "{response_type}: {}", a.body);
            assert_eq!(a.body["error"], "unsupported_response_type", "{}", a.body);
        }
    }

    async fn fapi2_ensure_token_request_without_dpop_fails(server) {
        let email = user(server, "nodpop").await;
        let client = fapi_client(server).await;
        // Pushed without a proof: the code is not bound, yet the profile wants bound tokens.
        let (form, verifier) = request_params(Some("nodpop"));
        let a = post(server, "/par", &client, None, &borrowed(&form), None).await;
        assert_eq!(a.status, 201, "{}", a.body);
        let landing = Browser::new(server)
            .authorize(&authorize_url(server, &client, a.body["request_uri"].as_str().unwrap()), &email, PASSWORD)
            .await;
        let Landing::Client { params, .. } = &landing else { panic!("{landing:?}") };
        let form = [
            ("grant_type", "authorization_code"),
            ("code", params["code"].as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier.as_str()),
        ];
        let a = post(server, "/token", &client, None, &form, None).await;
        assert_eq!((a.status, a.body["error"].as_str()), (400, Some("invalid_dpop_proof")), "{}", a.body);
    }

    async fn fapi2_authorization_codes_live_at_most_60_seconds(server) {
        let email = user(server, "lifetime").await;
        let client = fapi_client(server).await;
        let (request_uri, _) = push(server, &client, &DpopKey::new(), Some("lifetime")).await;
        let landing = Browser::new(server)
            .authorize(&authorize_url(server, &client, &request_uri), &email, PASSWORD)
            .await;
        assert!(matches!(landing, Landing::Client { .. }), "{landing:?}");
        use domain::entities::authorization_code as code;
        use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
        let db = server.running().services.store.db().clone();
        let id = client.id.clone();
        let rows = server
            .on_server(async move { code::Entity::find().filter(code::Column::ClientId.eq(id)).all(&db).await })
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        let life = rows[0].expires_at - rows[0].created_at;
        assert!(life <= time::Duration::seconds(60), "configured 600 s, capped: {life}");
    }

    async fn fapi2_ensure_client_assertion_with_rs256_fails(server) {
        let client = fapi_client(server).await;
        let (form, _) = request_params(Some("rs256"));
        let rs256 = client.assertion_for("RS256", json!(server.base));
        let a = post(server, "/par", &client, Some(rs256), &borrowed(&form), None).await;
        assert_eq!((a.status, a.body["error"].as_str()), (401, Some("invalid_client")), "{}", a.body);
    }

    async fn fapi2_ensure_client_assertion_aud_is_the_issuer_only(server) {
        let client = fapi_client(server).await;
        let (form, _) = request_params(Some("aud"));
        for aud in [
            json!(server.url("/par")),
            json!(server.url("/token")),
            json!([server.base.clone(), server.url("/token")]),
        ] {
            let assertion = client.assertion_for("PS256", aud.clone());
            let a = post(server, "/par", &client, Some(assertion), &borrowed(&form), None).await;
            assert_eq!((a.status, a.body["error"].as_str()), (401, Some("invalid_client")), "aud {aud}: {}", a.body);
        }
    }

    async fn fapi2_ensure_registration_without_private_key_jwt_fails(server) {
        let clients = server.running().services.clients.clone();
        let refused = server
            .on_server(async move {
                clients
                    .create(harness::NewClient {
                        name: "secret".into(),
                        redirect_uris: vec![REDIRECT_URI.into()],
                        metadata: domain::clients::ClientMetadata { profile: Some("fapi2".into()), ..Default::default() },
                        ..Default::default()
                    })
                    .await
            })
            .await;
        assert!(
            matches!(refused, Err(domain::Error::Invalid { field: "token_endpoint_auth_method", .. })),
            "{refused:?}"
        );
    }
}
