//! OpenID Connect Basic OP conformance modules (see shared CONFORMANCE.md), one test per
//! module, named after it. Each runs with `response_mode=query` and again with `form_post`,
//! on SQLite and on PostgreSQL + Redis, against one shared server per backend.
//!
//! `oidcc_codereuse_30seconds` redeems the code again at once instead of after 30 s: the
//! code is still within its lifetime either way, and the server has no time-dependent path
//! in between.

use std::collections::HashMap;

use base64::Engine as _;
use harness::rp::{Browser, Client, Landing, discover, http_client};
use harness::{REDIRECT_URI, SharedSlot, TestServer};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreIdToken, CoreIdTokenClaims,
    CoreTokenResponse,
};
use openidconnect::{
    AuthType, AuthenticationContextClass, AuthorizationCode, CsrfToken, LanguageTag, LoginHint,
    Nonce, OAuth2TokenResponse as _, PkceCodeChallenge, PkceCodeVerifier, RefreshToken, Scope,
    TokenResponse as _,
};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";

/// How the authorization response travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Query,
    FormPost,
}

static SQLITE: SharedSlot = std::sync::OnceLock::new();
static POSTGRES: SharedSlot = std::sync::OnceLock::new();

/// Generates `mod NAME { mod query { sqlite, postgres_redis } mod form_post { ... } }`.
macro_rules! basic_tests {
    ($(async fn $name:ident($server:ident, $mode:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($server: &'static TestServer, $mode: Mode) $body

                basic_tests!(@mode query, super::Mode::Query);
                basic_tests!(@mode form_post, super::Mode::FormPost);
            }
        )*
    };
    (@mode $variant:ident, $value:expr) => {
        mod $variant {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let server = harness::shared_server(&super::super::SQLITE, harness::Backend::Sqlite, |_| {})
                    .expect("sqlite");
                super::run(server, $value).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_redis() {
                let Some(server) = harness::shared_server(&super::super::POSTGRES, harness::Backend::Postgres, |_| {}) else {
                    harness::skip_or_fail("GATEHOUSE_TEST_POSTGRES_URL and GATEHOUSE_TEST_REDIS_URL");
                    return;
                };
                super::run(server, $value).await;
            }
        }
    };
}

/// One relying party and one browser (and user) of a test.
struct Rp {
    server: &'static TestServer,
    mode: Mode,
    email: String,
    client_id: String,
    secret: String,
    client: Client,
    browser: Browser,
}

/// The `openidconnect` authorization request builder.
type AuthRequest<'a> = openidconnect::AuthorizationRequest<
    'a,
    CoreAuthDisplay,
    CoreAuthPrompt,
    openidconnect::core::CoreResponseType,
>;

/// An authorization request under construction.
struct Request {
    url: url::Url,
    state: CsrfToken,
    nonce: Nonce,
    verifier: Option<PkceCodeVerifier>,
}

impl Rp {
    /// A fresh user, confidential client (client_secret_basic) and browser for test `tag`.
    async fn new(server: &'static TestServer, mode: Mode, tag: &str) -> Self {
        Self::with_client(server, mode, tag, |_| {}).await
    }

    /// Like [`Rp::new`], with the client registration adjusted.
    async fn with_client(
        server: &'static TestServer,
        mode: Mode,
        tag: &str,
        adjust: impl FnOnce(&mut harness::NewClient),
    ) -> Self {
        let email = format!("{tag}-{mode:?}@example.com").to_lowercase();
        server.user(&email, PASSWORD).await;
        let (client_id, secret) = server.client(adjust).await;
        let secret = secret.expect("confidential client");
        let (_, client) = discover(server, &client_id, Some(&secret), REDIRECT_URI).await;
        Self {
            server,
            mode,
            email,
            client_id,
            secret,
            client,
            browser: Browser::new(server),
        }
    }

    /// An authorization request for `scopes` with `extra` parameters, in this test's mode.
    fn request<'a>(
        &'a self,
        scopes: &[&str],
        pkce: bool,
        adjust: impl FnOnce(AuthRequest<'a>) -> AuthRequest<'a>,
    ) -> Request {
        let mut req = self.client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in scopes {
            req = req.add_scope(Scope::new((*scope).into()));
        }
        if self.mode == Mode::FormPost {
            req = req.add_extra_param("response_mode", "form_post");
        }
        let mut verifier = None;
        if pkce {
            let (challenge, v) = PkceCodeChallenge::new_random_sha256();
            req = req.set_pkce_challenge(challenge);
            verifier = Some(v);
        }
        let (url, state, nonce) = adjust(req).url();
        Request {
            url,
            state,
            nonce,
            verifier,
        }
    }

    /// Runs `req` in the browser (signing in and consenting when asked) and checks the
    /// response: right redirect URI, `state` and `iss` echoed, delivered in this mode.
    async fn authorize(&self, req: &Request) -> HashMap<String, String> {
        let landing = self
            .browser
            .authorize(req.url.as_str(), &self.email, PASSWORD)
            .await;
        self.response(&landing, req)
    }

    /// The parameters the provider sent to the client in `landing`, checked.
    fn response(&self, landing: &Landing, req: &Request) -> HashMap<String, String> {
        let Landing::Client { url, params } = landing else {
            panic!("expected a response to the client, got {landing:?}");
        };
        assert_eq!(url, REDIRECT_URI);
        assert_eq!(
            params.get("state").map(String::as_str),
            Some(req.state.secret().as_str())
        );
        assert_eq!(
            params.get("iss").map(String::as_str),
            Some(self.server.base.as_str())
        );
        params.clone()
    }

    /// The code of a successful response.
    fn code(params: &HashMap<String, String>) -> AuthorizationCode {
        assert!(!params.contains_key("error"), "error response: {params:?}");
        AuthorizationCode::new(params.get("code").expect("code").clone())
    }

    /// Redeems a code with the `openidconnect` client.
    async fn redeem(&self, code: AuthorizationCode, req: Request) -> CoreTokenResponse {
        let mut exchange = self.client.exchange_code(code).expect("token endpoint");
        if let Some(v) = req.verifier {
            exchange = exchange.set_pkce_verifier(v);
        }
        exchange
            .request_async(&http_client)
            .await
            .expect("token response")
    }

    /// Sign-in, consent and token exchange in one go; returns the tokens and ID token claims.
    async fn sign_in(&self, scopes: &[&str]) -> (CoreTokenResponse, CoreIdTokenClaims) {
        let req = self.request(scopes, false, |r| r);
        let params = self.authorize(&req).await;
        let nonce = req.nonce.clone();
        let tokens = self.redeem(Self::code(&params), req).await;
        let claims = self.verify(&tokens, &nonce);
        (tokens, claims)
    }

    /// Verifies the ID token of `tokens` through discovery's JWKS and returns its claims.
    fn verify(&self, tokens: &CoreTokenResponse, nonce: &Nonce) -> CoreIdTokenClaims {
        let id_token = tokens.id_token().expect("ID token");
        let claims = id_token
            .claims(&self.client.id_token_verifier(), nonce)
            .expect("valid ID token")
            .clone();
        assert_eq!(claims.issuer().as_str(), self.server.base);
        assert_eq!(claims.audiences().len(), 1);
        assert_eq!(claims.audiences()[0].as_str(), self.client_id);
        claims
    }

    /// The userinfo response as JSON, fetched by GET with a Bearer header.
    async fn userinfo(&self, access_token: &str) -> Value {
        let res = reqwest::Client::new()
            .get(self.server.url("/userinfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .expect("userinfo");
        assert_eq!(res.status(), 200);
        res.json().await.expect("userinfo JSON")
    }

    /// `POST /introspect` for `token`, authenticated as this client.
    async fn introspect(&self, token: &str) -> Value {
        reqwest::Client::new()
            .post(self.server.url("/introspect"))
            .basic_auth(&self.client_id, Some(&self.secret))
            .form(&[("token", token)])
            .send()
            .await
            .expect("introspection")
            .json()
            .await
            .expect("introspection JSON")
    }
}

/// The decoded JOSE header of a JWT.
fn jose_header(jwt: &str) -> Value {
    let part = jwt.split('.').next().expect("header part");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url header");
    serde_json::from_slice(&bytes).expect("JSON header")
}

fn id_token_text(tokens: &CoreTokenResponse) -> String {
    tokens.id_token().expect("ID token").to_string()
}

/// Waits until the wall clock is past `unix + 1`, so a new `auth_time` must be larger and
/// an `auth_time` of `unix` is more than one second old. The clock is the condition here.
async fn wait_past(unix: i64) {
    let target = std::time::UNIX_EPOCH + std::time::Duration::from_secs((unix + 2) as u64);
    if let Ok(left) = target.duration_since(std::time::SystemTime::now()) {
        tokio::time::sleep(left).await;
    }
}

/// The `sub` and the claim names of a userinfo response.
fn claim_names(info: &Value) -> Vec<String> {
    let mut names: Vec<String> = info.as_object().expect("object").keys().cloned().collect();
    names.sort();
    names
}

basic_tests! {
    async fn oidcc_server(server, mode) {
        let rp = Rp::new(server, mode, "server").await;
        // JWKS keys carry a kid.
        let jwks: Value = reqwest::get(server.url("/jwks")).await.unwrap().json().await.unwrap();
        assert!(jwks["keys"].as_array().unwrap().iter().all(|k| k["kid"].is_string()));
        let req = rp.request(&["profile"], false, |r| r);
        let params = rp.authorize(&req).await;
        let code = params["code"].clone();
        assert!(code.len() >= 22, "a code carries at least 128 random bits");
        // The raw token response: 200 JSON, no-store.
        let res = reqwest::Client::new()
            .post(server.url("/token"))
            .basic_auth(&rp.client_id, Some(&rp.secret))
            .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT_URI)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["cache-control"], "no-store");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        let body: Value = res.json().await.unwrap();
        let tokens: CoreTokenResponse = serde_json::from_value(body).expect("a token response");
        let claims = rp.verify(&tokens, &req.nonce);
        assert_eq!(claims.nonce().map(|n| n.secret().as_str()), Some(req.nonce.secret().as_str()));
        assert!(claims.expiration() > claims.issue_time());
        let info = rp.userinfo(tokens.access_token().secret()).await;
        assert_eq!(info["sub"].as_str(), Some(claims.subject().as_str()));
    }

    async fn oidcc_server_client_secret_post(server, mode) {
        let rp = Rp::with_client(server, mode, "secret-post", |c| {
            c.token_endpoint_auth_method = Some("client_secret_post".into());
        })
        .await;
        let req = rp.request(&[], false, |r| r);
        let params = rp.authorize(&req).await;
        let client = rp.client.clone().set_auth_type(AuthType::RequestBody);
        let tokens = client
            .exchange_code(Rp::code(&params))
            .unwrap()
            .request_async(&http_client)
            .await
            .expect("client_secret_post accepted");
        rp.verify(&tokens, &req.nonce);
        // The secret methods are one family: Basic works for this client too.
        let req = rp.request(&[], false, |r| r);
        let params = rp.authorize(&req).await;
        let tokens = rp
            .client
            .exchange_code(Rp::code(&params))
            .unwrap()
            .request_async(&http_client)
            .await
            .expect("client_secret_basic accepted as well");
        rp.verify(&tokens, &req.nonce);
    }

    async fn oidcc_response_type_missing(server, mode) {
        let rp = Rp::new(server, mode, "rt-missing").await;
        let req = rp.request(&[], false, |r| r);
        let mut url = req.url.clone();
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "response_type")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut().clear().extend_pairs(kept);
        let landing = rp.browser.open(url.as_str()).await;
        let params = rp.response(&landing, &req);
        assert_eq!(params["error"], "invalid_request");
        assert!(!params.contains_key("code"));
    }

    async fn oidcc_idtoken_signature(server, mode) {
        let rp = Rp::new(server, mode, "idtoken-sig").await;
        let (tokens, _) = rp.sign_in(&[]).await;
        let header = jose_header(&id_token_text(&tokens));
        assert_eq!(header["alg"], "RS256");
        let kid = header["kid"].as_str().expect("kid");
        let jwks: Value = reqwest::get(server.url("/jwks")).await.unwrap().json().await.unwrap();
        assert!(jwks["keys"].as_array().unwrap().iter().any(|k| k["kid"] == kid && k["alg"] == "RS256"));
    }

    async fn oidcc_idtoken_unsigned(server, mode) {
        let rp = Rp::new(server, mode, "idtoken-unsigned").await;
        let discovery: Value = reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
        let algs = discovery["id_token_signing_alg_values_supported"].as_array().unwrap();
        assert!(!algs.iter().any(|a| a == "none"), "alg none is not advertised");
        // A client cannot register unsigned ID tokens either.
        let refused = server.running().services.clients.clone();
        let result = server
            .on_server(async move {
                refused
                    .create(harness::NewClient {
                        name: "unsigned".into(),
                        redirect_uris: vec![REDIRECT_URI.into()],
                        id_token_signed_response_alg: Some("none".into()),
                        ..Default::default()
                    })
                    .await
                    .is_err()
            })
            .await;
        assert!(result, "registering alg none is refused");
        let (tokens, _) = rp.sign_in(&[]).await;
        assert_ne!(jose_header(&id_token_text(&tokens))["alg"], "none");
    }

    async fn oidcc_userinfo_get(server, mode) {
        let rp = Rp::new(server, mode, "userinfo-get").await;
        let (tokens, claims) = rp.sign_in(&["email"]).await;
        let info: openidconnect::core::CoreUserInfoClaims = rp
            .client
            .user_info(tokens.access_token().clone(), Some(claims.subject().clone()))
            .unwrap()
            .request_async(&http_client)
            .await
            .expect("userinfo by GET");
        assert_eq!(info.email().map(|e| e.as_str()), Some(rp.email.as_str()));
    }

    async fn oidcc_userinfo_post_header(server, mode) {
        let rp = Rp::new(server, mode, "userinfo-post-header").await;
        let (tokens, claims) = rp.sign_in(&[]).await;
        let res = reqwest::Client::new()
            .post(server.url("/userinfo"))
            .bearer_auth(tokens.access_token().secret())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let info: Value = res.json().await.unwrap();
        assert_eq!(info["sub"].as_str(), Some(claims.subject().as_str()));
    }

    async fn oidcc_userinfo_post_body(server, mode) {
        let rp = Rp::new(server, mode, "userinfo-post-body").await;
        let (tokens, claims) = rp.sign_in(&[]).await;
        let res = reqwest::Client::new()
            .post(server.url("/userinfo"))
            .form(&[("access_token", tokens.access_token().secret())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let info: Value = res.json().await.unwrap();
        assert_eq!(info["sub"].as_str(), Some(claims.subject().as_str()));
    }

    async fn oidcc_ensure_request_without_nonce_succeeds_for_code_flow(server, mode) {
        let rp = Rp::new(server, mode, "no-nonce").await;
        let req = rp.request(&[], false, |r| r);
        let mut url = req.url.clone();
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "nonce")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut().clear().extend_pairs(kept);
        let landing = rp.browser.authorize(url.as_str(), &rp.email, PASSWORD).await;
        let params = rp.response(&landing, &req);
        let tokens = rp.redeem(Rp::code(&params), req).await;
        let claims = tokens
            .id_token()
            .unwrap()
            .claims(&rp.client.id_token_verifier(), |n: Option<&Nonce>| match n {
                None => Ok(()),
                Some(_) => Err("no nonce was sent".to_owned()),
            })
            .expect("valid ID token without nonce");
        assert_eq!(claims.issuer().as_str(), server.base);
    }

    async fn oidcc_scope_profile(server, mode) {
        let rp = Rp::new(server, mode, "scope-profile").await;
        let (tokens, _) = rp.sign_in(&["profile"]).await;
        let info = rp.userinfo(tokens.access_token().secret()).await;
        assert_eq!(info["name"], "Alice Example");
        assert_eq!(info["given_name"], "Alice");
        assert_eq!(info["family_name"], "Example");
        assert_eq!(info["preferred_username"], "alice");
        assert_eq!(info["locale"], "en-GB");
        assert_eq!(info["zoneinfo"], "Europe/London");
        assert!(info["updated_at"].is_i64());
        assert!(info.get("email").is_none() && info.get("address").is_none() && info.get("phone_number").is_none());
    }

    async fn oidcc_scope_email(server, mode) {
        let rp = Rp::new(server, mode, "scope-email").await;
        let (tokens, _) = rp.sign_in(&["email"]).await;
        let info = rp.userinfo(tokens.access_token().secret()).await;
        assert_eq!(claim_names(&info), ["email", "email_verified", "sub"]);
        assert_eq!(info["email"].as_str(), Some(rp.email.as_str()));
        assert_eq!(info["email_verified"], true);
    }

    async fn oidcc_scope_address(server, mode) {
        let rp = Rp::new(server, mode, "scope-address").await;
        let (tokens, _) = rp.sign_in(&["address"]).await;
        let info = rp.userinfo(tokens.access_token().secret()).await;
        assert_eq!(claim_names(&info), ["address", "sub"]);
        assert_eq!(info["address"]["locality"], "London");
        assert_eq!(info["address"]["country"], "GB");
    }

    async fn oidcc_scope_phone(server, mode) {
        let rp = Rp::new(server, mode, "scope-phone").await;
        let (tokens, _) = rp.sign_in(&["phone"]).await;
        let info = rp.userinfo(tokens.access_token().secret()).await;
        assert_eq!(claim_names(&info), ["phone_number", "phone_number_verified", "sub"]);
        assert_eq!(info["phone_number"], "+44 20 7946 0000");
        assert_eq!(info["phone_number_verified"], true);
    }

    async fn oidcc_scope_all(server, mode) {
        let rp = Rp::new(server, mode, "scope-all").await;
        let (tokens, _) = rp.sign_in(&["profile", "email", "address", "phone"]).await;
        let info = rp.userinfo(tokens.access_token().secret()).await;
        for claim in ["name", "given_name", "family_name", "email", "email_verified", "address", "phone_number", "phone_number_verified"] {
            assert!(info.get(claim).is_some(), "{claim} missing from {info}");
        }
    }

    async fn oidcc_alternate_happy_flow(server, mode) {
        let rp = Rp::new(server, mode, "alternate").await;
        // Parameters in another order, scopes in another order, written by hand.
        let state = "alternate-state";
        let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("state", state)
            .append_pair("scope", "email profile openid")
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("nonce", "n-0S6_WzA2Mj")
            .append_pair("client_id", &rp.client_id)
            .append_pair("response_type", "code");
        if mode == Mode::FormPost {
            url.query_pairs_mut().append_pair("response_mode", "form_post");
        }
        let landing = rp.browser.authorize(url.as_str(), &rp.email, PASSWORD).await;
        let params = landing.params();
        assert_eq!(params["state"], state);
        let tokens = rp
            .client
            .exchange_code(AuthorizationCode::new(params["code"].clone()))
            .unwrap()
            .request_async(&http_client)
            .await
            .expect("tokens");
        let claims = rp.verify(&tokens, &Nonce::new("n-0S6_WzA2Mj".into()));
        let info = rp.userinfo(tokens.access_token().secret()).await;
        assert_eq!(info["sub"].as_str(), Some(claims.subject().as_str()));
        assert!(info["email"].is_string() && info["name"].is_string());
    }

    async fn oidcc_display_page(server, mode) {
        let rp = Rp::new(server, mode, "display-page").await;
        let req = rp.request(&[], false, |r| r.set_display(CoreAuthDisplay::Page));
        let params = rp.authorize(&req).await;
        rp.redeem(Rp::code(&params), req).await;
    }

    async fn oidcc_display_popup(server, mode) {
        let rp = Rp::new(server, mode, "display-popup").await;
        let req = rp.request(&[], false, |r| r.set_display(CoreAuthDisplay::Popup));
        let params = rp.authorize(&req).await;
        rp.redeem(Rp::code(&params), req).await;
    }

    async fn oidcc_prompt_login(server, mode) {
        let rp = Rp::new(server, mode, "prompt-login").await;
        let (_, first) = rp.sign_in(&[]).await;
        let first_auth = first.auth_time().expect("auth_time").timestamp();
        wait_past(first_auth - 1).await;
        let req = rp.request(&[], false, |r| r.add_prompt(CoreAuthPrompt::Login));
        let landing = rp.browser.open(req.url.as_str()).await;
        let (_, _, page) = landing.page();
        assert!(page.contains("action=\"/login\""), "prompt=login shows the sign-in page");
        let landing = rp.browser.complete(landing, &rp.email, PASSWORD).await;
        let params = rp.response(&landing, &req);
        let nonce = req.nonce.clone();
        let tokens = rp.redeem(Rp::code(&params), req).await;
        let second = rp.verify(&tokens, &nonce);
        assert!(second.auth_time().unwrap().timestamp() > first_auth, "auth_time moves forward");
        assert_eq!(second.subject(), first.subject());
    }

    async fn oidcc_prompt_none_not_logged_in(server, mode) {
        let rp = Rp::new(server, mode, "prompt-none-out").await;
        let req = rp.request(&[], false, |r| r.add_prompt(CoreAuthPrompt::None));
        let landing = rp.browser.open(req.url.as_str()).await;
        let params = rp.response(&landing, &req);
        assert_eq!(params["error"], "login_required");
        assert!(!params.contains_key("code"));
    }

    async fn oidcc_prompt_none_logged_in(server, mode) {
        let rp = Rp::new(server, mode, "prompt-none-in").await;
        let (_, first) = rp.sign_in(&[]).await;
        let req = rp.request(&[], false, |r| r.add_prompt(CoreAuthPrompt::None));
        let landing = rp.browser.open(req.url.as_str()).await;
        let params = rp.response(&landing, &req);
        let nonce = req.nonce.clone();
        let tokens = rp.redeem(Rp::code(&params), req).await;
        let second = rp.verify(&tokens, &nonce);
        assert_eq!(second.subject(), first.subject());
        assert_eq!(second.auth_time(), first.auth_time());
    }

    async fn oidcc_max_age_1(server, mode) {
        let rp = Rp::new(server, mode, "max-age-1").await;
        let (_, first) = rp.sign_in(&[]).await;
        let first_auth = first.auth_time().expect("auth_time").timestamp();
        wait_past(first_auth).await;
        let req = rp.request(&[], false, |r| r.set_max_age(std::time::Duration::from_secs(1)));
        let landing = rp.browser.open(req.url.as_str()).await;
        let (_, _, page) = landing.page();
        assert!(page.contains("action=\"/login\""), "max_age=1 asks for a new sign-in");
        let landing = rp.browser.complete(landing, &rp.email, PASSWORD).await;
        let params = rp.response(&landing, &req);
        let nonce = req.nonce.clone();
        let tokens = rp.redeem(Rp::code(&params), req).await;
        let second = rp.verify(&tokens, &nonce);
        assert!(second.auth_time().expect("auth_time with max_age").timestamp() > first_auth);
    }

    async fn oidcc_max_age_10000(server, mode) {
        let rp = Rp::new(server, mode, "max-age-10000").await;
        let (_, first) = rp.sign_in(&[]).await;
        let req = rp.request(&[], false, |r| r.set_max_age(std::time::Duration::from_secs(10000)));
        let landing = rp.browser.open(req.url.as_str()).await;
        let params = rp.response(&landing, &req);
        let nonce = req.nonce.clone();
        let tokens = rp.redeem(Rp::code(&params), req).await;
        let second = rp.verify(&tokens, &nonce);
        assert_eq!(second.auth_time(), first.auth_time(), "no new sign-in");
        assert!(second.auth_time().is_some());
    }

    async fn oidcc_ensure_request_with_unknown_parameter_succeeds(server, mode) {
        let rp = Rp::new(server, mode, "unknown-param").await;
        let req = rp.request(&[], false, |r| r.add_extra_param("extra", "foobar"));
        let params = rp.authorize(&req).await;
        rp.redeem(Rp::code(&params), req).await;
    }

    async fn oidcc_id_token_hint(server, mode) {
        let rp = Rp::new(server, mode, "id-token-hint").await;
        let (tokens, first) = rp.sign_in(&[]).await;
        let hint: CoreIdToken = tokens.id_token().unwrap().clone();
        let req = rp.request(&[], false, |r| r.add_prompt(CoreAuthPrompt::None).set_id_token_hint(&hint));
        let landing = rp.browser.open(req.url.as_str()).await;
        let params = rp.response(&landing, &req);
        let nonce = req.nonce.clone();
        let tokens = rp.redeem(Rp::code(&params), req).await;
        assert_eq!(rp.verify(&tokens, &nonce).subject(), first.subject());
    }

    async fn oidcc_login_hint(server, mode) {
        let rp = Rp::new(server, mode, "login-hint").await;
        let req = rp.request(&[], false, |r| r.set_login_hint(LoginHint::new(rp.email.clone())));
        let landing = rp.browser.open(req.url.as_str()).await;
        let (_, _, page) = landing.page();
        assert!(page.contains(&format!("value=\"{}\"", rp.email)), "the email field is pre-filled");
        let landing = rp.browser.complete(landing, &rp.email, PASSWORD).await;
        let params = rp.response(&landing, &req);
        rp.redeem(Rp::code(&params), req).await;
    }

    async fn oidcc_ui_locales(server, mode) {
        let rp = Rp::new(server, mode, "ui-locales").await;
        let req = rp.request(&[], false, |r| r.add_ui_locale(LanguageTag::new("se".into())));
        let params = rp.authorize(&req).await;
        rp.redeem(Rp::code(&params), req).await;
    }

    async fn oidcc_claims_locales(server, mode) {
        let rp = Rp::new(server, mode, "claims-locales").await;
        let req = rp.request(&["profile"], false, |r| r.add_extra_param("claims_locales", "se"));
        let params = rp.authorize(&req).await;
        let tokens = rp.redeem(Rp::code(&params), req).await;
        let info = rp.userinfo(tokens.access_token().secret()).await;
        assert_eq!(info["name"], "Alice Example");
    }

    async fn oidcc_ensure_request_with_acr_values_succeeds(server, mode) {
        let rp = Rp::new(server, mode, "acr-values").await;
        let req = rp.request(&[], false, |r| {
            r.add_auth_context_value(AuthenticationContextClass::new("urn:gatehouse:loa:1".into()))
                .add_auth_context_value(AuthenticationContextClass::new("urn:gatehouse:loa:2".into()))
        });
        let params = rp.authorize(&req).await;
        let nonce = req.nonce.clone();
        let tokens = rp.redeem(Rp::code(&params), req).await;
        let claims = rp.verify(&tokens, &nonce);
        let acr = claims.auth_context_ref().expect("acr claim").as_str().to_owned();
        assert!(acr.starts_with("urn:gatehouse:loa:"), "acr {acr}");
    }

    async fn oidcc_codereuse(server, mode) {
        let rp = Rp::new(server, mode, "codereuse").await;
        let req = rp.request(&[], false, |r| r);
        let params = rp.authorize(&req).await;
        let code = params["code"].clone();
        rp.redeem(AuthorizationCode::new(code.clone()), req).await;
        let res = reqwest::Client::new()
            .post(server.url("/token"))
            .basic_auth(&rp.client_id, Some(&rp.secret))
            .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT_URI)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_grant");
    }

    async fn oidcc_codereuse_30seconds(server, mode) {
        let rp = Rp::new(server, mode, "codereuse-30s").await;
        let req = rp.request(&["offline_access"], false, |r| r);
        let params = rp.authorize(&req).await;
        let code = Rp::code(&params);
        let tokens = rp.redeem(code.clone(), req).await;
        let access = tokens.access_token().secret().clone();
        let refresh = tokens.refresh_token().expect("refresh token").secret().clone();
        assert_eq!(rp.introspect(&access).await["active"], true);
        let reuse = rp.client.exchange_code(code).unwrap().request_async(&http_client).await;
        let err = format!("{:?}", reuse.expect_err("second redemption fails"));
        assert!(err.contains("invalid_grant"), "{err}");
        // Everything issued from the first redemption is revoked.
        assert_eq!(rp.introspect(&access).await["active"], false);
        assert_eq!(rp.introspect(&refresh).await["active"], false);
        let res = reqwest::Client::new()
            .get(server.url("/userinfo"))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }

    async fn oidcc_ensure_registered_redirect_uri(server, mode) {
        let rp = Rp::new(server, mode, "registered-redirect").await;
        let (_, other) = discover(server, &rp.client_id, Some(&rp.secret), "http://127.0.0.1:9/elsewhere").await;
        let (url, _, _) = other
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .url();
        let landing = rp.browser.open(url.as_str()).await;
        let (status, _, page) = landing.page();
        assert_eq!(status, 400);
        assert!(page.contains("redirect_uri"), "the error page says why");
    }

    async fn oidcc_ensure_post_request_succeeds(server, mode) {
        let rp = Rp::new(server, mode, "post-request").await;
        let req = rp.request(&[], false, |r| r);
        let form: Vec<(String, String)> = req.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let landing = rp.browser.post(&server.url("/authorize"), &form).await;
        let landing = rp.browser.complete(landing, &rp.email, PASSWORD).await;
        let params = rp.response(&landing, &req);
        rp.redeem(Rp::code(&params), req).await;
    }

    // oidcc_request_uri_unsigned, oidcc_request_uri_signed_rs256,
    // oidcc_unsigned_request_object_supported_correctly_or_rejected_as_unsupported and
    // oidcc_ensure_request_object_with_redirect_uri are in `request_objects`: they need a
    // server that may fetch the test's request_uri listeners on 127.0.0.1.

    async fn oidcc_claims_essential(server, mode) {
        let rp = Rp::new(server, mode, "claims-essential").await;
        let claims = r#"{"userinfo":{"name":{"essential":true}}}"#;
        let req = rp.request(&[], false, |r| r.add_extra_param("claims", claims));
        let params = rp.authorize(&req).await;
        let tokens = rp.redeem(Rp::code(&params), req).await;
        let info = rp.userinfo(tokens.access_token().secret()).await;
        assert_eq!(info["name"], "Alice Example", "the essential claim is returned without the profile scope");
        assert!(info.get("family_name").is_none(), "only what was asked for");
    }

    async fn oidcc_refresh_token(server, mode) {
        let rp = Rp::new(server, mode, "refresh").await;
        let (tokens, first) = rp.sign_in(&["offline_access"]).await;
        let refresh = tokens.refresh_token().expect("refresh token for offline_access").clone();
        let refreshed = rp
            .client
            .exchange_refresh_token(&refresh)
            .unwrap()
            .request_async(&http_client)
            .await
            .expect("refresh");
        let id_token = refreshed.id_token().expect("a new ID token");
        // A refreshed ID token carries no nonce (OIDC Core 12.2).
        let second = id_token
            .claims(&rp.client.id_token_verifier(), |_: Option<&Nonce>| Ok::<(), String>(()))
            .expect("valid refreshed ID token");
        assert_eq!(second.issuer(), first.issuer());
        assert_eq!(second.subject(), first.subject());
        assert_eq!(second.audiences(), first.audiences());
        assert_eq!(second.auth_time(), first.auth_time());
        assert_eq!(second.authorized_party(), first.authorized_party());
        assert!(second.issue_time() >= first.issue_time());
        let new_refresh = refreshed.refresh_token().expect("rotated refresh token");
        assert_ne!(new_refresh.secret(), refresh.secret());
        // Another client cannot use it.
        let other = Rp::new(server, mode, "refresh-other").await;
        let stolen = other
            .client
            .exchange_refresh_token(&RefreshToken::new(new_refresh.secret().clone()))
            .unwrap()
            .request_async(&http_client)
            .await;
        let err = format!("{:?}", stolen.expect_err("another client's refresh token"));
        assert!(err.contains("invalid_grant"), "{err}");
    }

    async fn oidcc_ensure_request_with_valid_pkce_succeeds(server, mode) {
        let rp = Rp::new(server, mode, "pkce").await;
        let req = rp.request(&[], true, |r| r);
        assert!(req.url.query_pairs().any(|(k, v)| k == "code_challenge_method" && v == "S256"));
        let params = rp.authorize(&req).await;
        let code = Rp::code(&params);
        // A wrong verifier fails; the right one was never needed to get that answer.
        let wrong = rp
            .client
            .exchange_code(code.clone())
            .unwrap()
            .set_pkce_verifier(PkceCodeVerifier::new("x".repeat(43)))
            .request_async(&http_client)
            .await;
        assert!(format!("{:?}", wrong.expect_err("wrong verifier")).contains("invalid_grant"));
        let req2 = rp.request(&[], true, |r| r);
        let params = rp.authorize(&req2).await;
        rp.redeem(Rp::code(&params), req2).await;
    }
}
