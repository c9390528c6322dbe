//! DPoP (RFC 9449) through HTTP as a client would use it: proofs at `/token`, `/par` and
//! `/userinfo`, bound codes, access and refresh tokens, introspection, server nonces, and
//! the FAPI 2.0 negative checks (tests named `fapi2_...` after the conformance module's).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use harness::rp::{Browser, Landing};
use harness::{REDIRECT_URI, TestServer};
use josekit::jwk::{Jwk, KeyPair as _};
use josekit::jws::{self, JwsHeader};
use josekit::jwt::JwtPayload;
use openidconnect::PkceCodeChallenge;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

const PASSWORD: &str = "correct horse battery staple";

/// A client's DPoP key (ES256).
pub(crate) struct Key {
    private: Jwk,
    public: Value,
}

impl Key {
    pub(crate) fn new() -> Self {
        let pair = jws::ES256.generate_key_pair().unwrap();
        Self {
            private: pair.to_jwk_private_key(),
            public: Value::Object(pair.to_jwk_public_key().into()),
        }
    }

    /// The RFC 7638 thumbprint, computed here independently of the server.
    pub(crate) fn jkt(&self) -> String {
        let p = &self.public;
        let canonical = format!(
            r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
            p["crv"].as_str().unwrap(),
            p["x"].as_str().unwrap(),
            p["y"].as_str().unwrap()
        );
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }

    /// A proof for `htm` `htu`, with `ath` of `token` and `nonce` when given.
    pub(crate) fn proof(
        &self,
        htm: &str,
        htu: &str,
        token: Option<&str>,
        nonce: Option<&str>,
    ) -> String {
        let mut claims = json!({
            "jti": domain::random::token::<16>(),
            "htm": htm,
            "htu": htu,
            "iat": now(),
        });
        if let Some(t) = token {
            claims["ath"] = URL_SAFE_NO_PAD.encode(Sha256::digest(t.as_bytes())).into();
        }
        if let Some(n) = nonce {
            claims["nonce"] = n.into();
        }
        self.sign(&[], &claims)
    }

    /// A proof with `header` members set over the defaults (`Null` removes one).
    fn sign(&self, header: &[(&str, Value)], claims: &Value) -> String {
        let mut h = JwsHeader::new();
        h.set_token_type("dpop+jwt");
        h.set_claim("jwk", Some(self.public.clone())).unwrap();
        for (name, value) in header {
            h.set_claim(name, (!value.is_null()).then(|| value.clone()))
                .unwrap();
        }
        let payload = JwtPayload::from_map(claims.as_object().unwrap().clone()).unwrap();
        let signer = jws::ES256.signer_from_jwk(&self.private).unwrap();
        josekit::jwt::encode_with_signer(&payload, &h, &signer).unwrap()
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The claims of a JWT, unverified (the tests read what the server put in).
fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// A registered client: id, secret (none when public).
struct App {
    id: String,
    secret: Option<String>,
}

async fn app(server: &TestServer, adjust: impl FnOnce(&mut harness::NewClient)) -> App {
    let (id, secret) = server
        .client(|c| {
            c.first_party = true;
            adjust(c);
        })
        .await;
    App { id, secret }
}

/// A confidential client allowed client credentials only.
async fn service(server: &TestServer, adjust: impl FnOnce(&mut harness::NewClient)) -> App {
    app(server, |c| {
        c.grant_types = vec!["client_credentials".into()];
        adjust(c);
    })
    .await
}

/// An answer: status, headers, JSON body (`Null` when none).
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    fn error(&self) -> (u16, Option<&str>) {
        (self.status, self.body["error"].as_str())
    }
}

async fn answer(res: reqwest::Response) -> Answer {
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

/// `POST path` with `form`, the client's credentials (basic, or `client_id` when public)
/// and a `DPoP` header when given.
async fn post(
    server: &TestServer,
    path: &str,
    app: &App,
    form: &[(&str, &str)],
    proof: Option<&str>,
) -> Answer {
    let mut form: Vec<(&str, &str)> = form.to_vec();
    let mut req = reqwest::Client::new().post(server.url(path));
    match &app.secret {
        Some(secret) => req = req.basic_auth(&app.id, Some(secret)),
        None => form.push(("client_id", &app.id)),
    }
    if let Some(p) = proof {
        req = req.header("DPoP", p);
    }
    answer(req.form(&form).send().await.unwrap()).await
}

/// `GET /userinfo` with `Authorization: <authorization>` and a `DPoP` header when given.
async fn userinfo(server: &TestServer, authorization: &str, proof: Option<&str>) -> Answer {
    let mut req = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .header("authorization", authorization);
    if let Some(p) = proof {
        req = req.header("DPoP", p);
    }
    answer(req.send().await.unwrap()).await
}

fn borrowed<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn user(server: &TestServer, name: &str) -> String {
    let email = format!("{name}@dpop.example");
    server.user(&email, PASSWORD).await;
    email
}

/// Signs `email` in through `/authorize` with PKCE and `extra` parameters; returns the
/// code and the verifier.
async fn authorize_code(
    server: &TestServer,
    app: &App,
    email: &str,
    extra: &[(&str, &str)],
) -> (String, String) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &app.id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid email offline_access")
        .append_pair("state", "s")
        .append_pair("code_challenge", challenge.as_str())
        .append_pair("code_challenge_method", "S256")
        .extend_pairs(extra);
    let landing = Browser::new(server)
        .authorize(url.as_str(), email, PASSWORD)
        .await;
    let Landing::Client { params, .. } = &landing else {
        panic!("{landing:?}")
    };
    (params["code"].clone(), verifier.secret().to_owned())
}

/// Redeems `code` with an optional proof.
async fn redeem(
    server: &TestServer,
    app: &App,
    code: &str,
    verifier: &str,
    proof: Option<&str>,
) -> Answer {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", verifier),
    ];
    post(server, "/token", app, &form, proof).await
}

async fn refresh(server: &TestServer, app: &App, token: &str, proof: Option<&str>) -> Answer {
    post(
        server,
        "/token",
        app,
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
        proof,
    )
    .await
}

async fn client_credentials(server: &TestServer, app: &App, proof: Option<&str>) -> Answer {
    post(
        server,
        "/token",
        app,
        &[("grant_type", "client_credentials")],
        proof,
    )
    .await
}

async fn introspect(server: &TestServer, app: &App, token: &str) -> Value {
    let a = post(server, "/introspect", app, &[("token", token)], None).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
}

fn assert_dpop_challenge(a: &Answer, error: &str) {
    assert_eq!(a.status, 401, "{}", a.body);
    let challenge = a.header("www-authenticate").unwrap_or_default();
    assert!(challenge.starts_with("DPoP "), "{challenge}");
    assert!(
        challenge.contains(&format!("error=\"{error}\"")),
        "{challenge}"
    );
    assert!(challenge.contains("algs=\""), "{challenge}");
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn dpop_code_flow_binds_the_token_and_userinfo_requires_the_proof(server) {
        let email = user(server, "flow").await;
        let app = app(server, |_| {}).await;
        let key = Key::new();
        let (code, verifier) = authorize_code(server, &app, &email, &[]).await;
        let token_url = server.url("/token");
        let a = redeem(server, &app, &code, &verifier, Some(&key.proof("POST", &token_url, None, None))).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["token_type"], "DPoP");
        assert!(a.header("dpop-nonce").is_none(), "nonces are off here");
        let access = a.body["access_token"].as_str().unwrap().to_owned();
        assert_eq!(claims_of(&access)["cnf"]["jkt"], key.jkt(), "cnf.jkt is the RFC 7638 thumbprint");

        let url = server.url("/userinfo");
        let ok = userinfo(server, &format!("DPoP {access}"), Some(&key.proof("GET", &url, Some(&access), None))).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(ok.body["email"], email);
        // The scheme is case-insensitive.
        let ok = userinfo(server, &format!("dpop {access}"), Some(&key.proof("GET", &url, Some(&access), None))).await;
        assert_eq!(ok.status, 200, "{}", ok.body);

        // Presented as a bearer token: refused, with a DPoP challenge.
        let bearer = userinfo(server, &format!("Bearer {access}"), None).await;
        assert_dpop_challenge(&bearer, "invalid_token");
        let bearer = userinfo(server, &format!("Bearer {access}"), Some(&key.proof("GET", &url, Some(&access), None))).await;
        assert_dpop_challenge(&bearer, "invalid_token");
        // The DPoP scheme without a proof, with another key's, a wrong ath, a replayed proof.
        assert_dpop_challenge(&userinfo(server, &format!("DPoP {access}"), None).await, "invalid_dpop_proof");
        let other = Key::new();
        let a = userinfo(server, &format!("DPoP {access}"), Some(&other.proof("GET", &url, Some(&access), None))).await;
        assert_dpop_challenge(&a, "invalid_dpop_proof");
        let a = userinfo(server, &format!("DPoP {access}"), Some(&key.proof("GET", &url, Some("another token"), None))).await;
        assert_dpop_challenge(&a, "invalid_dpop_proof");
        assert!(a.body["error_description"].as_str().unwrap().contains("ath"), "{}", a.body);
        let once = key.proof("GET", &url, Some(&access), None);
        assert_eq!(userinfo(server, &format!("DPoP {access}"), Some(&once)).await.status, 200);
        let again = userinfo(server, &format!("DPoP {access}"), Some(&once)).await;
        assert_dpop_challenge(&again, "invalid_dpop_proof");
        assert!(again.body["error_description"].as_str().unwrap().contains("jti"), "{}", again.body);
        // A proof for the token endpoint does not open userinfo.
        let a = userinfo(server, &format!("DPoP {access}"), Some(&key.proof("POST", &token_url, Some(&access), None))).await;
        assert_dpop_challenge(&a, "invalid_dpop_proof");
    }

    async fn dpop_introspection_shows_cnf_and_token_type(server) {
        let key = Key::new();
        let token_url = server.url("/token");
        for format in ["jwt", "opaque"] {
            let app = service(server, |c| c.access_token_format = Some(format.into())).await;
            let a = client_credentials(server, &app, Some(&key.proof("POST", &token_url, None, None))).await;
            assert_eq!((a.status, a.body["token_type"].as_str()), (200, Some("DPoP")), "{format}: {}", a.body);
            let seen = introspect(server, &app, a.body["access_token"].as_str().unwrap()).await;
            assert_eq!(seen["active"], true, "{format}: {seen}");
            assert_eq!(seen["token_type"], "DPoP", "{format}: {seen}");
            assert_eq!(seen["cnf"]["jkt"], key.jkt(), "{format}: {seen}");
            // Without a proof: an ordinary bearer token, no cnf.
            let a = client_credentials(server, &app, None).await;
            assert_eq!((a.status, a.body["token_type"].as_str()), (200, Some("Bearer")), "{}", a.body);
            let seen = introspect(server, &app, a.body["access_token"].as_str().unwrap()).await;
            assert_eq!(seen["token_type"], "Bearer", "{seen}");
            assert!(seen.get("cnf").is_none(), "{seen}");
        }
    }

    async fn dpop_opaque_user_tokens_are_bound_at_userinfo(server) {
        let email = user(server, "opaque").await;
        let app = app(server, |c| c.access_token_format = Some("opaque".into())).await;
        let key = Key::new();
        let (code, verifier) = authorize_code(server, &app, &email, &[]).await;
        let a = redeem(server, &app, &code, &verifier, Some(&key.proof("POST", &server.url("/token"), None, None))).await;
        assert_eq!((a.status, a.body["token_type"].as_str()), (200, Some("DPoP")), "{}", a.body);
        let access = a.body["access_token"].as_str().unwrap().to_owned();
        assert_dpop_challenge(&userinfo(server, &format!("Bearer {access}"), None).await, "invalid_token");
        let url = server.url("/userinfo");
        let ok = userinfo(server, &format!("DPoP {access}"), Some(&key.proof("GET", &url, Some(&access), None))).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
    }

    async fn fapi2_negative_proofs_at_the_token_endpoint_are_refused(server) {
        let app = service(server, |_| {}).await;
        let key = Key::new();
        let url = server.url("/token");
        let claims = |iat: i64| json!({ "jti": domain::random::token::<16>(), "htm": "POST", "htu": url, "iat": iat });
        let enc = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
        let unsigned = format!("{}.{}.", enc(&json!({ "typ": "dpop+jwt", "alg": "none", "jwk": key.public })), enc(&claims(now())));
        let hs_key = Jwk::from_bytes(br#"{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0ISE"}"#).unwrap();
        let mut hs_header = JwsHeader::new();
        hs_header.set_token_type("dpop+jwt");
        hs_header.set_claim("jwk", Some(json!({ "kty": "oct" }))).unwrap();
        let hs = josekit::jwt::encode_with_signer(
            &JwtPayload::from_map(claims(now()).as_object().unwrap().clone()).unwrap(),
            &hs_header,
            &jws::HS256.signer_from_jwk(&hs_key).unwrap(),
        ).unwrap();
        let with = |name: &str, value: Value| {
            let mut c = claims(now());
            c[name] = value;
            key.sign(&[], &c)
        };
        let cases: Vec<(&str, String)> = vec![
            ("typ", key.sign(&[("typ", "jwt".into())], &claims(now()))),
            ("alg none", unsigned),
            ("alg HS256", hs),
            ("no jwk", key.sign(&[("jwk", Value::Null)], &claims(now()))),
            ("private jwk", key.sign(&[("jwk", Value::Object(key.private.clone().into()))], &claims(now()))),
            ("another key's jwk", key.sign(&[("jwk", Key::new().public)], &claims(now()))),
            ("htm", with("htm", "GET".into())),
            ("htu", with("htu", server.url("/userinfo").into())),
            ("old iat", key.sign(&[], &claims(now() - 300))),
            ("future iat", key.sign(&[], &claims(now() + 300))),
            ("expired", with("exp", (now() - 300).into())),
            ("not yet valid", with("nbf", (now() + 300).into())),
            ("no jti", { let mut c = claims(now()); c.as_object_mut().unwrap().remove("jti"); key.sign(&[], &c) }),
            ("not a JWT", "garbage".into()),
        ];
        for (why, proof) in cases {
            let a = client_credentials(server, &app, Some(&proof)).await;
            assert_eq!(a.error(), (400, Some("invalid_dpop_proof")), "{why}: {}", a.body);
        }
        // Ten seconds early or late is within the skew; a query on htu is ignored.
        for iat in [now() - 10, now() + 10] {
            let a = client_credentials(server, &app, Some(&key.sign(&[], &claims(iat)))).await;
            assert_eq!((a.status, a.body["token_type"].as_str()), (200, Some("DPoP")), "iat {iat}: {}", a.body);
        }
        let a = client_credentials(server, &app, Some(&with("htu", format!("{url}?x=1").into()))).await;
        assert_eq!(a.status, 200, "{}", a.body);
        // A replayed proof.
        let once = key.proof("POST", &url, None, None);
        assert_eq!(client_credentials(server, &app, Some(&once)).await.status, 200);
        let replayed = client_credentials(server, &app, Some(&once)).await;
        assert_eq!(replayed.error(), (400, Some("invalid_dpop_proof")), "{}", replayed.body);
        // Two DPoP headers.
        let two = reqwest::Client::new()
            .post(&url)
            .basic_auth(&app.id, app.secret.as_deref())
            .header("DPoP", key.proof("POST", &url, None, None))
            .header("DPoP", key.proof("POST", &url, None, None))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(answer(two).await.error(), (400, Some("invalid_dpop_proof")));
    }

    async fn fapi2_a_dpop_bound_client_is_refused_a_bearer_token(server) {
        let app = service(server, |c| c.dpop_bound_access_tokens = true).await;
        let a = client_credentials(server, &app, None).await;
        assert_eq!(a.error(), (400, Some("invalid_dpop_proof")), "{}", a.body);
        let key = Key::new();
        let a = client_credentials(server, &app, Some(&key.proof("POST", &server.url("/token"), None, None))).await;
        assert_eq!((a.status, a.body["token_type"].as_str()), (200, Some("DPoP")), "{}", a.body);
    }

    async fn fapi2_dpop_jkt_at_par_binds_the_code(server) {
        let email = user(server, "par").await;
        let app = app(server, |_| {}).await;
        let (key, other) = (Key::new(), Key::new());
        let par_url = server.url("/par");
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let verifier = verifier.secret().to_owned();
        let form = |extra: Option<(&'static str, String)>| {
            let mut f = vec![
                ("response_type", "code".to_owned()),
                ("redirect_uri", REDIRECT_URI.to_owned()),
                ("scope", "openid".to_owned()),
                ("state", "p".to_owned()),
                ("code_challenge", challenge.as_str().to_owned()),
                ("code_challenge_method", "S256".to_owned()),
            ];
            f.extend(extra);
            f
        };
        // dpop_jkt of one key with a proof of another: refused.
        let mismatched = form(Some(("dpop_jkt", key.jkt())));
        let a = post(server, "/par", &app, &borrowed(&mismatched), Some(&other.proof("POST", &par_url, None, None))).await;
        assert_eq!(a.error(), (400, Some("invalid_dpop_proof")), "{}", a.body);
        // A malformed dpop_jkt: refused.
        let bad = form(Some(("dpop_jkt", "not-a-thumbprint".into())));
        assert_eq!(post(server, "/par", &app, &borrowed(&bad), None).await.error(), (400, Some("invalid_request")));
        // A proof at PAR (with the matching dpop_jkt) binds the code to its key.
        let matching = form(Some(("dpop_jkt", key.jkt())));
        let a = post(server, "/par", &app, &borrowed(&matching), Some(&key.proof("POST", &par_url, None, None))).await;
        assert_eq!(a.status, 201, "{}", a.body);
        let request_uri = a.body["request_uri"].as_str().unwrap();
        let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
        url.query_pairs_mut().append_pair("client_id", &app.id).append_pair("request_uri", request_uri);
        let landing = Browser::new(server).authorize(url.as_str(), &email, PASSWORD).await;
        let code = landing.params()["code"].clone();
        let token_url = server.url("/token");
        let a = redeem(server, &app, &code, &verifier, Some(&other.proof("POST", &token_url, None, None))).await;
        assert_eq!(a.error(), (400, Some("invalid_grant")), "{}", a.body);
        let a = redeem(server, &app, &code, &verifier, None).await;
        assert_eq!(a.error(), (400, Some("invalid_dpop_proof")), "{}", a.body);
        // The refusals left the code to the holder of the key.
        let a = redeem(server, &app, &code, &verifier, Some(&key.proof("POST", &token_url, None, None))).await;
        assert_eq!((a.status, a.body["token_type"].as_str()), (200, Some("DPoP")), "{}", a.body);
        assert_eq!(claims_of(a.body["access_token"].as_str().unwrap())["cnf"]["jkt"], key.jkt());
    }

    async fn fapi2_dpop_jkt_at_authorize_binds_the_code(server) {
        let email = user(server, "authorize").await;
        let app = app(server, |_| {}).await;
        let (key, other) = (Key::new(), Key::new());
        let (code, verifier) = authorize_code(server, &app, &email, &[("dpop_jkt", &key.jkt())]).await;
        let token_url = server.url("/token");
        let a = redeem(server, &app, &code, &verifier, Some(&other.proof("POST", &token_url, None, None))).await;
        assert_eq!(a.error(), (400, Some("invalid_grant")), "{}", a.body);
        let a = redeem(server, &app, &code, &verifier, Some(&key.proof("POST", &token_url, None, None))).await;
        assert_eq!((a.status, a.body["token_type"].as_str()), (200, Some("DPoP")), "{}", a.body);
        // A code not bound at authorization takes the key of the proof at the token endpoint.
        let (code, verifier) = authorize_code(server, &app, &email, &[]).await;
        let a = redeem(server, &app, &code, &verifier, Some(&other.proof("POST", &token_url, None, None))).await;
        assert_eq!(claims_of(a.body["access_token"].as_str().unwrap())["cnf"]["jkt"], other.jkt(), "{}", a.body);
    }

    async fn dpop_refresh_keeps_the_binding_and_another_key_is_refused(server) {
        let email = user(server, "refresh").await;
        let app = app(server, |c| c.public = true).await;
        assert!(app.secret.is_none());
        let (key, other) = (Key::new(), Key::new());
        let token_url = server.url("/token");
        let (code, verifier) = authorize_code(server, &app, &email, &[]).await;
        let a = redeem(server, &app, &code, &verifier, Some(&key.proof("POST", &token_url, None, None))).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let refresh_token = a.body["refresh_token"].as_str().expect("offline_access gives a refresh token").to_owned();
        // Another key, or none: refused, and the refresh token stays usable.
        let r = refresh(server, &app, &refresh_token, Some(&other.proof("POST", &token_url, None, None))).await;
        assert_eq!(r.error(), (400, Some("invalid_grant")), "{}", r.body);
        let r = refresh(server, &app, &refresh_token, None).await;
        assert_eq!(r.error(), (400, Some("invalid_dpop_proof")), "{}", r.body);
        let r = refresh(server, &app, &refresh_token, Some(&key.proof("POST", &token_url, None, None))).await;
        assert_eq!((r.status, r.body["token_type"].as_str()), (200, Some("DPoP")), "{}", r.body);
        let rotated = r.body["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(rotated, refresh_token, "rotated");
        let access = r.body["access_token"].as_str().unwrap().to_owned();
        assert_eq!(claims_of(&access)["cnf"]["jkt"], key.jkt());
        let url = server.url("/userinfo");
        let ok = userinfo(server, &format!("DPoP {access}"), Some(&key.proof("GET", &url, Some(&access), None))).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        // The rotated token is bound to the same key.
        let r = refresh(server, &app, &rotated, Some(&other.proof("POST", &token_url, None, None))).await;
        assert_eq!(r.error(), (400, Some("invalid_grant")), "{}", r.body);
        let r = refresh(server, &app, &rotated, Some(&key.proof("POST", &token_url, None, None))).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    async fn dpop_discovery_lists_the_proof_algorithms(server) {
        let meta: Value = reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
        let algs: Vec<&str> = meta["dpop_signing_alg_values_supported"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        for alg in ["ES256", "PS256", "RS256", "EdDSA"] {
            assert!(algs.contains(&alg), "{algs:?}");
        }
        assert!(!algs.iter().any(|a| a.starts_with("HS") || *a == "none"), "{algs:?}");
    }
}

/// A server that requires DPoP nonces.
mod nonce {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| c.oauth.dpop_nonce = true;

        async fn dpop_nonce_is_asked_for_then_accepted(server) {
            let email = user(server, "nonce").await;
            let app = app(server, |_| {}).await;
            let key = Key::new();
            let token_url = server.url("/token");
            let (code, verifier) = authorize_code(server, &app, &email, &[]).await;
            let a = redeem(server, &app, &code, &verifier, Some(&key.proof("POST", &token_url, None, None))).await;
            assert_eq!(a.error(), (400, Some("use_dpop_nonce")), "{}", a.body);
            let nonce = a.header("dpop-nonce").expect("DPoP-Nonce with use_dpop_nonce").to_owned();
            let stale = redeem(server, &app, &code, &verifier, Some(&key.proof("POST", &token_url, None, Some("stale")))).await;
            assert_eq!(stale.error(), (400, Some("use_dpop_nonce")), "{}", stale.body);
            let a = redeem(server, &app, &code, &verifier, Some(&key.proof("POST", &token_url, None, Some(&nonce)))).await;
            assert_eq!((a.status, a.body["token_type"].as_str()), (200, Some("DPoP")), "{}", a.body);
            assert!(a.header("dpop-nonce").is_some(), "every answer carries the nonce");
            let access = a.body["access_token"].as_str().unwrap().to_owned();

            let url = server.url("/userinfo");
            let first = userinfo(server, &format!("DPoP {access}"), Some(&key.proof("GET", &url, Some(&access), None))).await;
            assert_dpop_challenge(&first, "use_dpop_nonce");
            let nonce = first.header("dpop-nonce").expect("DPoP-Nonce with use_dpop_nonce").to_owned();
            let ok = userinfo(server, &format!("DPoP {access}"), Some(&key.proof("GET", &url, Some(&access), Some(&nonce)))).await;
            assert_eq!(ok.status, 200, "{}", ok.body);

            // PAR asks for it too.
            let par = post(server, "/par", &app, &[("response_type", "code"), ("redirect_uri", REDIRECT_URI), ("scope", "openid")], Some(&key.proof("POST", &server.url("/par"), None, None))).await;
            assert_eq!(par.error(), (400, Some("use_dpop_nonce")), "{}", par.body);
            assert!(par.header("dpop-nonce").is_some());
        }
    }
}
