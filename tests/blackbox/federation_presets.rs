//! Signing in through the presets (issue 13): each provider's quirk against the preset mock
//! of the harness (`harness::upstream_presets`), which the presets reach through their
//! endpoint (or issuer) overrides: Apple's form_post answer with the name only on the first
//! sign-in, its signed client secret and its string `email_verified`; Microsoft Entra's
//! multi-tenant issuer; GitHub's address list with its `verified` flag; Facebook's Graph
//! profile; X without an address.

use domain::entities::{audit_event, upstream_link};
use domain::federation::{
    Endpoints, FirstLogin, NewUpstream, Preset, PresetSettings, PresetSetup, UpstreamChanges,
};
use harness::rp::{self, Browser, Landing, discover, http_client};
use harness::upstream::{meta_refresh, walk};
use harness::upstream_presets::{AppleCheck, CLIENT_ID, CLIENT_SECRET, PresetMock, form_post};
use harness::{REDIRECT_URI, TestServer, shared_server_tests};
use josekit::jws::ES256;
use openidconnect::core::{CoreAuthenticationFlow, CoreIdTokenClaims};
use openidconnect::{AuthorizationCode, CsrfToken, Nonce, TokenResponse as _};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";
const TEAM_ID: &str = "TEAM123456";
const KEY_ID: &str = "KEY987654";

/// What a test's upstream is.
struct Setup {
    name: &'static str,
    preset: PresetSetup,
    issuer: String,
    endpoints: Endpoints,
    client_secret: Option<String>,
    first_login: FirstLogin,
    trusted_for_email: bool,
}

async fn add(server: &TestServer, s: Setup) {
    let fed = server.running().services.federation.clone();
    let new = NewUpstream {
        name: s.name.into(),
        display_name: None,
        issuer: s.issuer,
        preset: Some(s.preset),
        endpoints: s.endpoints,
        client_id: CLIENT_ID.into(),
        client_secret: s.client_secret,
        scopes: vec![],
        first_login: s.first_login,
        trusted_for_email: s.trusted_for_email,
        trusted_for_acr: false,
        trusted_for_mfa: false,
        enabled: true,
        allowed_clients: vec![],
    };
    server
        .on_server(async move { fed.upstreams.create(new, "test").await })
        .await
        .expect("upstream created");
}

/// An OAuth 2.0 preset pointed at the mock by its endpoint overrides (its issuer stays the
/// preset's).
async fn add_oauth(
    server: &TestServer,
    mock: &PresetMock,
    name: &'static str,
    preset: Preset,
    profile: &str,
) {
    add(
        server,
        Setup {
            name,
            preset: PresetSetup::plain(preset),
            issuer: String::new(),
            endpoints: Endpoints {
                authorization: Some(mock.url("/authorize")),
                token: Some(mock.url("/token")),
                userinfo: Some(mock.url(profile)),
                emails: Some(mock.url("/user/emails")),
                ..Endpoints::default()
            },
            client_secret: Some(CLIENT_SECRET.into()),
            first_login: FirstLogin::Create,
            trusted_for_email: true,
        },
    )
    .await;
}

struct App {
    client: rp::Client,
    url: String,
    nonce: Nonce,
}

async fn app(server: &TestServer) -> App {
    let (client_id, secret) = server.client(|_| {}).await;
    let (_, client) = discover(server, &client_id, secret.as_deref(), REDIRECT_URI).await;
    let (url, _, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .url();
    App {
        url: url.to_string(),
        client,
        nonce,
    }
}

fn at_app(url: &str) -> bool {
    url.starts_with(REDIRECT_URI)
}

/// From the application through the sign-in page's button of `name` to where the browser
/// stops (a page of Gatehouse or of the mock, or the application).
async fn via(server: &TestServer, browser: &Browser, app: &App, name: &str) -> Landing {
    let login = walk(&browser.http, &app.url, at_app).await;
    let page = login.page().2;
    let marker = format!("href=\"/login/upstream/{name}?");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no button for {name}: {page}"))
        + "href=\"".len();
    let end = page[start..].find('"').unwrap() + start;
    walk(
        &browser.http,
        &server.url(&rp::unescape(&page[start..end])),
        at_app,
    )
    .await
}

/// Submits the mock's form_post page (a cross-site POST to Gatehouse's callback) and
/// follows the continue page.
async fn submit_form_post(browser: &Browser, landing: &Landing) -> Landing {
    let (_, url, page) = landing.page();
    assert!(
        url.contains("/authorize"),
        "the mock's form_post page: {url}"
    );
    let (action, fields) = form_post(page);
    let res = browser
        .http
        .post(&action)
        .form(&fields)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let here = res.url().to_string();
    let body = res.text().await.unwrap();
    match meta_refresh(&body) {
        Some(next) => {
            let next = url::Url::parse(&here).unwrap().join(&next).unwrap();
            walk(&browser.http, next.as_str(), at_app).await
        }
        None => Landing::Page {
            status,
            url: here,
            body,
        },
    }
}

async fn through_consent(browser: &Browser, landing: Landing) -> Landing {
    match &landing {
        Landing::Page { body, .. } if body.contains("action=\"/consent\"") => {
            browser.consent(&landing, true).await
        }
        _ => landing,
    }
}

async fn id_token(app: &App, landing: &Landing) -> CoreIdTokenClaims {
    let code = landing.params()["code"].clone();
    let tokens = app
        .client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .request_async(&http_client)
        .await
        .expect("token response");
    tokens
        .id_token()
        .expect("id_token")
        .claims(&app.client.id_token_verifier(), &app.nonce)
        .expect("valid ID token")
        .clone()
}

async fn user_by_email(server: &TestServer, email: &str) -> Option<domain::entities::user::Model> {
    let users = server.running().services.users.clone();
    let email = email.to_owned();
    server
        .on_server(async move { users.find_by_email(&email).await.unwrap() })
        .await
}

async fn user_by_id(server: &TestServer, id: &str) -> domain::entities::user::Model {
    let users = server.running().services.users.clone();
    let id = id.to_owned();
    server
        .on_server(async move { users.find(&id).await.unwrap().expect("user") })
        .await
}

async fn link_of(server: &TestServer, subject: &str) -> Option<upstream_link::Model> {
    let db = server.running().services.store.db().clone();
    let subject = subject.to_owned();
    server
        .on_server(async move {
            upstream_link::Entity::find()
                .filter(upstream_link::Column::Subject.eq(subject))
                .one(&db)
                .await
                .unwrap()
        })
        .await
}

/// The reasons of the audit events of `kind` about the upstream `name`.
async fn reasons(server: &TestServer, kind: &str, name: &str) -> Vec<String> {
    let db = server.running().services.store.db().clone();
    let (kind, name) = (kind.to_owned(), name.to_owned());
    server
        .on_server(async move {
            audit_event::Entity::find()
                .filter(audit_event::Column::Kind.eq(kind))
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .filter(|e| e.data.as_ref().and_then(|d| d.get("upstream")) == Some(&json!(name)))
                .map(|e| e.reason.unwrap_or_default())
                .collect()
        })
        .await
}

fn claims_of(jwt: &str) -> serde_json::Value {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

shared_server_tests! {
    setup = |_| {};

    async fn apple_answers_by_form_post_names_the_person_once_and_gets_a_signed_client_secret(server) {
        let mock = PresetMock::start();
        let pair = ES256.generate_key_pair().unwrap();
        let pem = String::from_utf8(pair.to_pem_private_key()).unwrap();
        mock.set(|b| {
            b.apple = Some(AppleCheck { team_id: TEAM_ID.into(), key_id: KEY_ID.into(), public_key: pair.to_jwk_public_key() });
            b.id_claims = json!({
                "sub": "000123.apple.ada", "email": "ada@privaterelay.appleid.com",
                "email_verified": "true", "is_private_email": "true",
            });
            b.apple_user = Some(r#"{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"ada@privaterelay.appleid.com"}"#.into());
        });
        add(server, Setup {
            name: "apple",
            preset: PresetSetup {
                preset: Preset::Apple,
                settings: PresetSettings { apple_team_id: Some(TEAM_ID.into()), apple_key_id: Some(KEY_ID.into()), ..PresetSettings::default() },
                private_key: Some(pem),
            },
            // Apple's discovery, at the mock.
            issuer: mock.base.clone(),
            endpoints: Endpoints::default(),
            client_secret: None,
            first_login: FirstLogin::Create,
            trusted_for_email: true,
        }).await;
        let app = app(server).await;
        let browser = Browser::new(server);
        let page = via(server, &browser, &app, "apple").await;
        // `name email` make Apple answer by form_post.
        let asked = &mock.authorize_queries()[0];
        assert_eq!(asked.get("response_mode").map(String::as_str), Some("form_post"));
        let scopes: Vec<&str> = asked["scope"].split(' ').collect();
        assert!(scopes.contains(&"name") && scopes.contains(&"email") && scopes.contains(&"openid"), "{scopes:?}");
        let landing = through_consent(&browser, submit_form_post(&browser, &page).await).await;
        let claims = id_token(&app, &landing).await;

        // The name came from the `user` field; the string "true" verified the address.
        let user = user_by_email(server, "ada@privaterelay.appleid.com").await.expect("account created");
        assert_eq!(claims.subject().as_str(), user.subject);
        assert_eq!(user.display_name.as_deref(), Some("Ada Lovelace"));
        assert_eq!((user.given_name.as_deref(), user.family_name.as_deref()), (Some("Ada"), Some("Lovelace")));
        assert!(user.email_verified, "\"true\" as a string counts");
        assert_eq!(link_of(server, "000123.apple.ada").await.unwrap().issuer, mock.base);

        // The client secret the mock verified with the public key: ES256, kid, and the claims.
        let token = &mock.token_requests()[0];
        assert!(token.authorization.is_none(), "Apple takes the secret in the form");
        let secret = &token.form["client_secret"];
        let verifier = ES256.verifier_from_jwk(&pair.to_jwk_public_key()).unwrap();
        let (payload, header) = josekit::jwt::decode_with_verifier(secret, &verifier).expect("signed with the key");
        assert_eq!(header.algorithm(), Some("ES256"));
        assert_eq!(header.key_id(), Some(KEY_ID));
        let c = claims_of(secret);
        assert_eq!((c["iss"].as_str(), c["sub"].as_str(), c["aud"].as_str()), (Some(TEAM_ID), Some(CLIENT_ID), Some("https://appleid.apple.com")));
        let lifetime = payload.expires_at().unwrap().duration_since(payload.issued_at().unwrap()).unwrap();
        assert!(lifetime.as_secs() <= 300, "{lifetime:?}");

        // The second sign-in has no name: the same account, its name kept.
        mock.set(|b| b.apple_user = None);
        let browser = Browser::new(server);
        let page = via(server, &browser, &app, "apple").await;
        let landing = through_consent(&browser, submit_form_post(&browser, &page).await).await;
        assert_eq!(id_token(&app, &landing).await.subject().as_str(), user.subject);
        let again = user_by_email(server, "ada@privaterelay.appleid.com").await.unwrap();
        assert_eq!((again.id.as_str(), again.display_name.as_deref()), (user.id.as_str(), Some("Ada Lovelace")));
        let secrets: Vec<String> = mock.token_requests().iter().map(|t| t.form["client_secret"].clone()).collect();
        assert_ne!(secrets[0], secrets[1], "a fresh secret per request");

        // A secret signed with another key than the one Apple knows is refused.
        let other = ES256.generate_key_pair().unwrap();
        mock.set(|b| {
            b.apple.as_mut().unwrap().public_key = other.to_jwk_public_key();
            b.id_claims = json!({ "sub": "000456.apple.bob", "email": "bob@privaterelay.appleid.com", "email_verified": true });
        });
        let browser = Browser::new(server);
        let page = via(server, &browser, &app, "apple").await;
        let (status, _, body) = submit_form_post(&browser, &page).await.page().clone3();
        assert_eq!(status, 400);
        assert!(body.contains("invalid_client"), "{body}");
        assert!(user_by_email(server, "bob@privaterelay.appleid.com").await.is_none());
    }

    async fn entra_accepts_the_issuer_of_the_tokens_tenant_and_refuses_any_other(server) {
        let mock = PresetMock::start();
        add(server, Setup {
            name: "entra",
            preset: PresetSetup::plain(Preset::Microsoft),
            // Microsoft's template, at the mock: discovered at `common`.
            issuer: mock.entra_issuer(),
            endpoints: Endpoints::default(),
            client_secret: Some(CLIENT_SECRET.into()),
            first_login: FirstLogin::Create,
            trusted_for_email: false,
        }).await;
        let (t1, t2) = ("11111111-aaaa-4bbb-8ccc-000000000001", "22222222-aaaa-4bbb-8ccc-000000000002");
        let iss = |t: &str| mock.url(&format!("/{t}/v2.0"));
        let app = app(server).await;
        let (mock_ref, app_ref) = (&mock, &app);
        let sign_in = move |claims: serde_json::Value| {
            mock_ref.set(|b| b.id_claims = claims);
            async move {
                let browser = Browser::new(server);
                through_consent(&browser, via(server, &browser, app_ref, "entra").await).await
            }
        };

        // The token's tenant's issuer: accepted, and the link keyed on it.
        let landing = sign_in(json!({ "sub": "entra-1", "tid": t1, "iss": iss(t1), "email": "entra.one@example.com" })).await;
        assert!(landing.params().contains_key("code"));
        let link = link_of(server, "entra-1").await.expect("linked");
        assert_eq!(link.issuer, iss(t1));
        assert!(user_by_email(server, "entra.one@example.com").await.is_some());

        // Another tenant's issuer for this tenant, or no tenant at all: refused.
        for (sub, claims) in [
            ("entra-2", json!({ "sub": "entra-2", "tid": t1, "iss": iss(t2), "email": "entra.two@example.com" })),
            ("entra-3", json!({ "sub": "entra-3", "iss": iss(t1), "email": "entra.three@example.com" })),
            ("entra-4", json!({ "sub": "entra-4", "tid": t1, "iss": mock.entra_issuer(), "email": "entra.four@example.com" })),
        ] {
            let (status, _, page) = sign_in(claims).await.page().clone3();
            assert_eq!(status, 502, "{sub}");
            assert!(page.contains("could not be verified"), "{sub}: {page}");
            assert!(link_of(server, sub).await.is_none(), "{sub}");
        }
        assert!(user_by_email(server, "entra.two@example.com").await.is_none());

        // With an allow-list, a tenant outside it is refused even with its own issuer.
        let fed = server.running().services.federation.clone();
        server.on_server(async move {
            fed.upstreams.update("entra", UpstreamChanges { allowed_tenants: Some(vec![t1.into()]), ..Default::default() }, "test").await
        }).await.unwrap();
        let (status, _, _) = sign_in(json!({ "sub": "entra-5", "tid": t2, "iss": iss(t2), "email": "entra.five@example.com" })).await.page().clone3();
        assert_eq!(status, 502);
        assert!(link_of(server, "entra-5").await.is_none());
        let landing = sign_in(json!({ "sub": "entra-6", "tid": t1, "iss": iss(t1), "email": "entra.six@example.com" })).await;
        assert!(landing.params().contains_key("code"), "the allowed tenant still signs in");

        let refused = reasons(server, "upstream.failed", "entra").await;
        assert_eq!(refused.iter().filter(|r| *r == "invalid id token").count(), 4, "{refused:?}");
    }

    async fn github_vouches_for_a_verified_primary_address_only(server) {
        let mock = PresetMock::start();
        add_oauth(server, &mock, "github", Preset::Github, "/user").await;
        let app = app(server).await;

        // A verified primary address: a new account with it, verified.
        mock.set(|b| {
            b.profile = json!({ "id": 5_550_001, "login": "octo-new", "name": "Octo New", "email": "public.octo@example.com" });
            b.emails = Some(json!([
                { "email": "octo.secondary@example.com", "primary": false, "verified": true, "visibility": null },
                { "email": "octo.new@example.com", "primary": true, "verified": true, "visibility": "private" },
            ]));
        });
        let browser = Browser::new(server);
        let landing = through_consent(&browser, via(server, &browser, &app, "github").await).await;
        let claims = id_token(&app, &landing).await;
        let user = user_by_email(server, "octo.new@example.com").await.expect("account with the primary address");
        assert_eq!(claims.subject().as_str(), user.subject);
        assert!(user.email_verified);
        assert_eq!(user.display_name.as_deref(), Some("Octo New"));
        let link = link_of(server, "5550001").await.expect("keyed on the numeric id");
        assert_eq!(link.issuer, "https://github.com", "the preset's fixed issuer");
        // OAuth 2.0 with state and PKCE, no OpenID Connect; JSON asked of the token endpoint.
        let asked = &mock.authorize_queries()[0];
        assert!(asked.get("state").is_some_and(|s| s.len() >= 43));
        assert_eq!(asked.get("code_challenge_method").map(String::as_str), Some("S256"));
        assert!(asked.get("nonce").is_none());
        assert_eq!(asked["scope"], "read:user user:email");
        let token = &mock.token_requests()[0];
        assert!(token.accept.as_deref().is_some_and(|a| a.contains("application/json")));
        assert_eq!(token.form.get("client_secret").map(String::as_str), Some(CLIENT_SECRET));
        assert!(token.form.contains_key("code_verifier"));
        let paths: Vec<String> = mock.profile_requests().into_iter().map(|p| p.path).collect();
        assert_eq!(paths, ["/user", "/user/emails"]);

        // An unverified primary address that is someone's here: never linked without the
        // account's password.
        server.user("octo.victim@example.com", PASSWORD).await;
        mock.set(|b| {
            b.profile = json!({ "id": 5_550_002, "login": "octo-attacker", "name": "Not Octo" });
            b.emails = Some(json!([{ "email": "octo.victim@example.com", "primary": true, "verified": false }]));
        });
        let browser = Browser::new(server);
        let landing = via(server, &browser, &app, "github").await;
        let (status, _, page) = landing.page();
        assert_eq!(status, 200);
        assert!(page.contains("action=\"/login/upstream/link\""), "the password is asked: {page}");
        assert!(link_of(server, "5550002").await.is_none());
        assert_eq!(reasons(server, "upstream.link_required", "github").await, ["upstream email unverified"]);

        // Without access to the address list, `/user`'s public address is not taken.
        mock.set(|b| {
            b.profile = json!({ "id": 5_550_003, "login": "octo-private", "email": "octo.public.only@example.com" });
            b.emails = None;
        });
        let browser = Browser::new(server);
        let _ = through_consent(&browser, via(server, &browser, &app, "github").await).await;
        assert!(mock.profile_requests().iter().filter(|p| p.path == "/user/emails").count() >= 3);
        assert!(user_by_email(server, "octo.public.only@example.com").await.is_none(), "not vouched for");
        let link = link_of(server, "5550003").await.expect("an account without an address");
        assert_eq!(user_by_id(server, &link.user_id).await.email, None);
    }

    async fn facebook_signs_in_from_its_graph_profile_with_an_unverified_address(server) {
        let mock = PresetMock::start();
        add_oauth(server, &mock, "facebook", Preset::Facebook, "/me").await;
        mock.set(|b| b.profile = json!({
            "id": "10160000000000001", "name": "Fay Book", "email": "fay.book@example.com",
            "first_name": "Fay", "last_name": "Book",
        }));
        let app = app(server).await;
        let browser = Browser::new(server);
        let landing = through_consent(&browser, via(server, &browser, &app, "facebook").await).await;
        assert!(landing.params().contains_key("code"));
        let user = user_by_email(server, "fay.book@example.com").await.expect("account created");
        assert!(!user.email_verified, "Facebook does not say the address is verified");
        assert_eq!((user.given_name.as_deref(), user.family_name.as_deref()), (Some("Fay"), Some("Book")));
        assert_eq!(link_of(server, "10160000000000001").await.unwrap().issuer, "https://www.facebook.com");
        let profile = &mock.profile_requests()[0];
        assert_eq!(profile.path, "/me");
        assert_eq!(profile.query.get("fields").map(String::as_str), Some("id,name,email,first_name,last_name"));
        assert_eq!(mock.authorize_queries()[0]["scope"], "public_profile email");
    }

    async fn x_signs_in_with_pkce_and_no_address(server) {
        let mock = PresetMock::start();
        add_oauth(server, &mock, "x", Preset::X, "/2/users/me").await;
        mock.set(|b| b.profile = json!({ "data": { "id": "1440000000000000001", "name": "Ex Person", "username": "exper" } }));
        let app = app(server).await;
        let browser = Browser::new(server);
        let landing = through_consent(&browser, via(server, &browser, &app, "x").await).await;
        // The protocol: PKCE S256 (X requires it), the secret by HTTP Basic.
        let asked = &mock.authorize_queries()[0];
        assert_eq!(asked.get("code_challenge_method").map(String::as_str), Some("S256"));
        assert_eq!(asked["scope"], "users.read tweet.read");
        let token = &mock.token_requests()[0];
        assert!(token.authorization.as_deref().is_some_and(|a| a.starts_with("Basic ")));
        assert!(token.form.contains_key("code_verifier") && !token.form.contains_key("client_secret"));
        assert_eq!(mock.profile_requests()[0].path, "/2/users/me");
        // X gives no address: under `create`, an account without one.
        let claims = id_token(&app, &landing).await;
        let link = link_of(server, "1440000000000000001").await.expect("linked");
        assert_eq!(link.issuer, "https://x.com");
        let user = user_by_id(server, &link.user_id).await;
        assert_eq!(claims.subject().as_str(), user.subject);
        assert_eq!(user.email, None);
        assert!(!user.email_verified);
        assert_eq!(user.display_name.as_deref(), Some("Ex Person"));
        // The next sign-in finds it.
        let browser = Browser::new(server);
        let landing = through_consent(&browser, via(server, &browser, &app, "x").await).await;
        assert_eq!(id_token(&app, &landing).await.subject().as_str(), user.subject);
    }
}

/// `Landing::page` with owned parts.
trait Owned {
    fn clone3(&self) -> (u16, String, String);
}

impl Owned for (u16, &str, &str) {
    fn clone3(&self) -> (u16, String, String) {
        (self.0, self.1.to_owned(), self.2.to_owned())
    }
}
