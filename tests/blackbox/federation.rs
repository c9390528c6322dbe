//! Signing in through an upstream OpenID Connect provider (issue 13): a mock upstream in the
//! harness (`harness::upstream`) approves at once and signs its ID tokens ES256; the
//! downstream relying party is the `openidconnect` crate. Each test adds its own upstream
//! (and mock) to the shared server.

use domain::entities::{audit_event, upstream_link};
use domain::federation::{Endpoints, FirstLogin, NewUpstream};
use harness::rp::{self, Browser, Landing, discover, hidden, http_client};
use harness::upstream::{CLIENT_ID, CLIENT_SECRET, MockUpstream, walk};
use harness::{REDIRECT_URI, TestServer, shared_server_tests};
use openidconnect::core::{CoreAuthenticationFlow, CoreIdTokenClaims};
use openidconnect::{AuthorizationCode, CsrfToken, Nonce, TokenResponse as _};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";

/// Adds the upstream `name` (the mock at `mock`) to the server.
async fn add_upstream(
    server: &TestServer,
    mock: &MockUpstream,
    name: &str,
    first_login: FirstLogin,
    trusted_for_email: bool,
) {
    add_upstream_at(server, &mock.issuer, name, first_login, trusted_for_email).await;
}

async fn add_upstream_at(
    server: &TestServer,
    issuer: &str,
    name: &str,
    first_login: FirstLogin,
    trusted_for_email: bool,
) {
    let fed = server.running().services.federation.clone();
    let new = NewUpstream {
        name: name.into(),
        display_name: Some(format!("Mock {name}")),
        issuer: issuer.into(),
        preset: None,
        endpoints: Endpoints::default(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(CLIENT_SECRET.into()),
        scopes: vec![],
        first_login,
        trusted_for_email,
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

/// A relying party of the server: its client, an authorization URL (with `extra`
/// parameters) and the nonce it sent.
struct App {
    client: rp::Client,
    url: String,
    nonce: Nonce,
}

async fn app(server: &TestServer, extra: &[(&str, &str)]) -> App {
    let (client_id, secret) = server.client(|_| {}).await;
    app_of(server, &client_id, secret.as_deref(), extra).await
}

async fn app_of(
    server: &TestServer,
    client_id: &str,
    secret: Option<&str>,
    extra: &[(&str, &str)],
) -> App {
    let (_, client) = discover(server, client_id, secret, REDIRECT_URI).await;
    let mut req = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for (k, v) in extra {
        req = req.add_extra_param(*k, *v);
    }
    let (url, _, nonce) = req.url();
    App {
        url: url.to_string(),
        client,
        nonce,
    }
}

fn at_app(url: &str) -> bool {
    url.starts_with(REDIRECT_URI)
}

/// The href of the sign-in page's button for the upstream `name`.
fn button(page: &str, name: &str) -> Option<String> {
    let marker = format!("href=\"/login/upstream/{name}?");
    let start = page.find(&marker)? + "href=\"".len();
    let end = page[start..].find('"')? + start;
    Some(rp::unescape(&page[start..end]))
}

/// Opens the application's authorization URL, presses the button of `name`, and follows
/// the way through the upstream back to Gatehouse: a page (consent, an error, the link
/// proof) or the application.
async fn via_upstream(server: &TestServer, browser: &Browser, app: &App, name: &str) -> Landing {
    let login = walk(&browser.http, &app.url, at_app).await;
    let (_, _, page) = login.page();
    let href = button(page, name).unwrap_or_else(|| panic!("no button for {name}: {page}"));
    walk(&browser.http, &server.url(&href), at_app).await
}

/// Allows consent when asked, and returns where the browser ends.
async fn through_consent(browser: &Browser, landing: Landing) -> Landing {
    match &landing {
        Landing::Page { body, .. } if body.contains("action=\"/consent\"") => {
            browser.consent(&landing, true).await
        }
        _ => landing,
    }
}

/// Redeems the code at the application and verifies Gatehouse's ID token.
async fn id_token(app: &App, landing: &Landing) -> CoreIdTokenClaims {
    let code = landing.params()["code"].clone();
    let tokens = app
        .client
        .exchange_code(AuthorizationCode::new(code))
        .expect("token endpoint")
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

fn amr(claims: &CoreIdTokenClaims) -> Vec<String> {
    claims
        .auth_method_refs()
        .map(|v| v.iter().map(|a| a.as_str().to_owned()).collect())
        .unwrap_or_default()
}

/// The audit events of `kind` about the upstream `name`.
async fn events(server: &TestServer, kind: &str, name: &str) -> Vec<audit_event::Model> {
    let db = server.running().services.store.db().clone();
    let (kind, name) = (kind.to_owned(), name.to_owned());
    server
        .on_server(async move {
            audit_event::Entity::find()
                .filter(audit_event::Column::Kind.eq(kind))
                .all(&db)
                .await
                .expect("audit query")
                .into_iter()
                .filter(|e| e.data.as_ref().and_then(|d| d.get("upstream")) == Some(&json!(name)))
                .collect()
        })
        .await
}

async fn links_of_issuer(server: &TestServer, issuer: &str) -> Vec<upstream_link::Model> {
    let db = server.running().services.store.db().clone();
    let issuer = issuer.to_owned();
    server
        .on_server(async move {
            upstream_link::Entity::find()
                .filter(upstream_link::Column::Issuer.eq(issuer))
                .all(&db)
                .await
                .expect("links")
        })
        .await
}

async fn user_by_email(server: &TestServer, email: &str) -> Option<domain::entities::user::Model> {
    let users = server.running().services.users.clone();
    let email = email.to_owned();
    server
        .on_server(async move { users.find_by_email(&email).await.expect("user query") })
        .await
}

/// Whether the browser has a session (the account page shows instead of a redirect).
async fn signed_in(server: &TestServer, browser: &Browser) -> bool {
    let res = browser
        .http
        .get(server.url("/account"))
        .send()
        .await
        .expect("GET /account");
    res.status() == 200
}

/// Follows the browser up to the upstream's answer and returns the callback URL, unused.
async fn callback_url(server: &TestServer, browser: &Browser, app: &App, name: &str) -> String {
    let login = walk(&browser.http, &app.url, at_app).await;
    let href = button(login.page().2, name).expect("button");
    let callback = server.url(domain::federation::CALLBACK_PATH);
    let landing = walk(&browser.http, &server.url(&href), |u| {
        u.starts_with(&callback)
    })
    .await;
    match landing {
        Landing::Client { url, params } => {
            let mut u = url::Url::parse(&url).unwrap();
            u.query_pairs_mut().extend_pairs(params.iter());
            u.to_string()
        }
        other => panic!("expected the upstream's answer, got {other:?}"),
    }
}

shared_server_tests! {
    setup = |_| {};

    async fn first_sign_in_creates_an_account_and_the_second_finds_it(server) {
        let mock = MockUpstream::start();
        add_upstream(server, &mock, "create-a", FirstLogin::Create, true).await;
        mock.sign_in_as(json!({
            "sub": "upstream-user-1", "email": "Fed.Created@example.com", "email_verified": true,
            "name": "Fed Created", "given_name": "Fed", "family_name": "Created",
        }));
        let app = app(server, &[]).await;
        let browser = Browser::new(server);
        let landing = via_upstream(server, &browser, &app, "create-a").await;
        let landing = through_consent(&browser, landing).await;
        let claims = id_token(&app, &landing).await;

        let user = user_by_email(server, "fed.created@example.com").await.expect("account created");
        assert_eq!(claims.subject().as_str(), user.subject, "Gatehouse's sub, not the upstream's");
        assert_ne!(claims.subject().as_str(), "upstream-user-1");
        assert!(amr(&claims).contains(&"fed".to_owned()), "{:?}", amr(&claims));
        assert!(user.email_verified, "trusted upstream, verified address");
        assert_eq!(user.display_name.as_deref(), Some("Fed Created"));
        let links = links_of_issuer(server, &mock.issuer).await;
        assert_eq!(links.len(), 1);
        assert_eq!((links[0].user_id.as_str(), links[0].subject.as_str()), (user.id.as_str(), "upstream-user-1"));

        // The protocol the upstream saw: PKCE S256, state, nonce; the code sent back with
        // client_secret_basic and the verifier.
        let asked = &mock.authorize_queries()[0];
        assert_eq!(asked.get("code_challenge_method").map(String::as_str), Some("S256"));
        assert!(asked.get("state").is_some_and(|s| s.len() >= 43));
        assert!(asked.get("nonce").is_some_and(|s| s.len() >= 43));
        assert_eq!(asked["redirect_uri"], server.url("/login/upstream/callback"));
        assert!(asked["scope"].split(' ').any(|s| s == "openid"));
        let token = &mock.token_requests()[0];
        assert!(token.authorization.as_deref().is_some_and(|a| a.starts_with("Basic ")));
        assert!(token.form.contains_key("code_verifier"));
        assert!(!token.form.contains_key("client_secret"));

        // Again, in a new browser and with another address at the upstream: the same account.
        mock.sign_in_as(json!({ "sub": "upstream-user-1", "email": "renamed@example.com", "email_verified": true }));
        // (The same authorization URL, parked afresh: the same nonce comes back.)
        let browser = Browser::new(server);
        let landing = through_consent(&browser, via_upstream(server, &browser, &app, "create-a").await).await;
        let claims = id_token(&app, &landing).await;
        assert_eq!(claims.subject().as_str(), user.subject, "sub is stable");
        assert!(user_by_email(server, "renamed@example.com").await.is_none(), "no second account");

        assert_eq!(events(server, "user.created", "create-a").await.len(), 1);
        let linked = events(server, "upstream.linked", "create-a").await;
        assert_eq!(linked.len(), 1);
        assert_eq!(linked[0].data.as_ref().unwrap()["how"], "created");
        assert!(signed_in(server, &browser).await);
        // The account page lists the link; the data export has it.
        let page = browser.http.get(server.url("/account/linked")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("<strong>Mock create-a</strong> · renamed@example.com"), "{page}");
        // The link is in the account's data export.
        let export: serde_json::Value = browser.http.get(server.url("/account/export")).send().await.unwrap().json().await.unwrap();
        let linked = &export["linked_accounts"][0];
        assert_eq!((linked["provider"].as_str(), linked["subject"].as_str()), (Some("Mock create-a"), Some("upstream-user-1")));
        assert_eq!(linked["issuer"], mock.issuer.as_str());
    }

    async fn a_cross_site_form_post_answer_without_cookies_signs_in(server) {
        let mock = MockUpstream::start();
        add_upstream(server, &mock, "form-post", FirstLogin::Create, false).await;
        mock.sign_in_as(json!({ "sub": "fp-1", "email": "form.post@example.com", "email_verified": true }));
        let app = app(server, &[]).await;
        let started = Browser::new(server);
        let answer = url::Url::parse(&callback_url(server, &started, &app, "form-post").await).unwrap();
        let params: Vec<(String, String)> = answer.query_pairs().into_owned().collect();
        // The answer arrives as a POST from another site: no cookie of ours comes with it.
        let fresh = Browser::new(server);
        let res = fresh.http.post(server.url("/login/upstream/callback")).form(&params).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let session = res.headers().get_all("set-cookie").iter()
            .filter_map(|v| v.to_str().ok()).any(|c| c.starts_with("gatehouse_session="));
        assert!(session, "the session starts in the browser that posted");
        let body = res.text().await.unwrap();
        let next = harness::upstream::meta_refresh(&body).expect("continue page");
        assert!(body.contains(&format!("href=\"{}\"", next.replace('&', "&amp;"))), "a link too, for browsers without refresh");
        let landing = walk(&fresh.http, &server.url(&next), at_app).await;
        let landing = through_consent(&fresh, landing).await;
        let claims = id_token(&app, &landing).await;
        assert!(amr(&claims).contains(&"fed".to_owned()));
        let user = user_by_email(server, "form.post@example.com").await.unwrap();
        assert!(!user.email_verified, "the upstream is not trusted for email");
    }

    async fn link_is_refused_when_the_upstream_says_the_address_is_unverified(server) {
        let mock = MockUpstream::start();
        add_upstream(server, &mock, "link-unverified", FirstLogin::Link, true).await;
        server.user("victim.unverified@example.com", PASSWORD).await;
        mock.sign_in_as(json!({ "sub": "attacker", "email": "victim.unverified@example.com", "email_verified": false }));
        let app = app(server, &[]).await;
        let browser = Browser::new(server);
        let landing = via_upstream(server, &browser, &app, "link-unverified").await;
        let (status, _, page) = landing.page();
        assert_eq!(status, 200);
        assert!(page.contains("action=\"/login/upstream/link\""), "the password is asked: {page}");
        assert!(page.contains("has not confirmed that this address belongs to you"), "{page}");
        assert!(links_of_issuer(server, &mock.issuer).await.is_empty(), "nothing linked");
        assert!(!signed_in(server, &browser).await);
        let refused = events(server, "upstream.link_required", "link-unverified").await;
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].reason.as_deref(), Some("upstream email unverified"));
        // Without the password, the proof goes nowhere.
        let res = browser.http.post(server.url("/login/upstream/link")).form(&[
            ("csrf", hidden(page, "csrf").unwrap().as_str()),
            ("proof", hidden(page, "proof").unwrap().as_str()),
            ("password", "a guess"),
        ]).send().await.unwrap();
        assert_eq!(res.status(), 401);
        assert!(links_of_issuer(server, &mock.issuer).await.is_empty());
        assert_eq!(events(server, "upstream.proof_failed", "link-unverified").await.len(), 1);
    }

    async fn an_untrusted_upstream_needs_the_password_and_a_proof_links_only_its_identity(server) {
        let mock = MockUpstream::start();
        add_upstream(server, &mock, "link-untrusted", FirstLogin::Link, false).await;
        let alice = server.user("alice.untrusted@example.com", PASSWORD).await;
        let app = app(server, &[]).await;

        // Two upstream identities claim Alice's (verified) address.
        mock.sign_in_as(json!({ "sub": "identity-a", "email": "alice.untrusted@example.com", "email_verified": true }));
        let a = Browser::new(server);
        let page_a = via_upstream(server, &a, &app, "link-untrusted").await;
        let body_a = page_a.page().2.to_owned();
        assert!(body_a.contains("not accepted as proof on its own"), "{body_a}");
        mock.sign_in_as(json!({ "sub": "identity-b", "email": "alice.untrusted@example.com", "email_verified": true }));
        let b = Browser::new(server);
        let page_b = via_upstream(server, &b, &app, "link-untrusted").await;
        let body_b = page_b.page().2.to_owned();
        assert_ne!(hidden(&body_a, "proof"), hidden(&body_b, "proof"));

        // Alice proves the account for identity A: A is linked, and only A.
        let proof_a = [
            ("csrf", hidden(&body_a, "csrf").unwrap()),
            ("proof", hidden(&body_a, "proof").unwrap()),
            ("password", PASSWORD.to_owned()),
        ];
        let res = a.http.post(server.url("/login/upstream/link")).form(&proof_a).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let landing = through_consent(&a, walk(&a.http, &server.url(&location), at_app).await).await;
        let claims = id_token(&app, &landing).await;
        let methods = amr(&claims);
        assert!(methods.contains(&"fed".to_owned()) && methods.contains(&"pwd".to_owned()), "{methods:?}");
        let links = links_of_issuer(server, &mock.issuer).await;
        assert_eq!(links.len(), 1);
        assert_eq!((links[0].subject.as_str(), links[0].user_id.as_str()), ("identity-a", alice.as_str()));
        let linked = events(server, "upstream.linked", "link-untrusted").await;
        assert_eq!(linked[0].data.as_ref().unwrap()["how"], "password");

        // The proof is spent: sent again (even from the browser it was made for), it links
        // nothing, and identity B is still not Alice's.
        let again = a.http.post(server.url("/login/upstream/link")).form(&proof_a).send().await.unwrap();
        assert_eq!(again.status(), 400);
        assert_eq!(links_of_issuer(server, &mock.issuer).await.len(), 1, "B was not linked by A's proof");
        // Identity B needs its own proof.
        let proof_b = [
            ("csrf", hidden(&body_b, "csrf").unwrap()),
            ("proof", hidden(&body_b, "proof").unwrap()),
            ("password", PASSWORD.to_owned()),
        ];
        let res = b.http.post(server.url("/login/upstream/link")).form(&proof_b).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let subjects: Vec<String> = links_of_issuer(server, &mock.issuer).await.into_iter().map(|l| l.subject).collect();
        assert_eq!(subjects.len(), 2, "{subjects:?}");
        // Linked A now signs in without any proof.
        mock.sign_in_as(json!({ "sub": "identity-a", "email": "alice.untrusted@example.com", "email_verified": true }));
        let c = Browser::new(server);
        let landing = through_consent(&c, via_upstream(server, &c, &app, "link-untrusted").await).await;
        assert!(landing.params().contains_key("code"));
    }

    async fn a_trusted_verified_upstream_links_a_verified_account_automatically(server) {
        let mock = MockUpstream::start();
        add_upstream(server, &mock, "link-auto", FirstLogin::Link, true).await;
        let bob = server.user("bob.auto@example.com", PASSWORD).await;
        mock.sign_in_as(json!({ "sub": "bob-upstream", "email": "bob.auto@example.com", "email_verified": true }));
        let app = app(server, &[]).await;
        let browser = Browser::new(server);
        let landing = through_consent(&browser, via_upstream(server, &browser, &app, "link-auto").await).await;
        let claims = id_token(&app, &landing).await;
        let user = user_by_email(server, "bob.auto@example.com").await.unwrap();
        assert_eq!(user.id, bob);
        assert_eq!(claims.subject().as_str(), user.subject);
        let linked = events(server, "upstream.linked", "link-auto").await;
        assert_eq!(linked[0].data.as_ref().unwrap()["how"], "auto_linked");
        // The policy `link` never creates an account.
        mock.sign_in_as(json!({ "sub": "stranger", "email": "stranger.auto@example.com", "email_verified": true }));
        let other = Browser::new(server);
        let landing = via_upstream(server, &other, &app, "link-auto").await;
        let (status, _, page) = landing.page();
        assert_eq!(status, 403);
        assert!(page.contains("There is no account here"), "{page}");
        assert!(user_by_email(server, "stranger.auto@example.com").await.is_none());
    }

    async fn deny_refuses_an_identity_without_a_link(server) {
        let mock = MockUpstream::start();
        add_upstream(server, &mock, "deny-all", FirstLogin::Deny, true).await;
        server.user("carol.deny@example.com", PASSWORD).await;
        for (sub, email) in [("deny-1", "carol.deny@example.com"), ("deny-2", "new.deny@example.com")] {
            mock.sign_in_as(json!({ "sub": sub, "email": email, "email_verified": true }));
            let app = app(server, &[]).await;
            let browser = Browser::new(server);
            let landing = via_upstream(server, &browser, &app, "deny-all").await;
            let (status, _, page) = landing.page();
            assert_eq!(status, 403);
            assert!(page.contains("cannot sign in with Mock deny-all"), "{page}");
            assert!(page.contains("href=\"/login?request="), "a way back: {page}");
            assert!(!signed_in(server, &browser).await);
        }
        assert!(user_by_email(server, "new.deny@example.com").await.is_none());
        assert!(links_of_issuer(server, &mock.issuer).await.is_empty());
        let refused = events(server, "upstream.refused", "deny-all").await;
        assert_eq!(refused.len(), 2);
        assert!(refused.iter().all(|e| e.reason.as_deref() == Some("first sign-in denied")));
    }

    async fn replayed_wrong_state_other_browser_and_wrong_nonce_answers_create_nothing(server) {
        let mock = MockUpstream::start();
        add_upstream(server, &mock, "replay", FirstLogin::Create, true).await;

        // A wrong nonce: refused, no account.
        mock.set(|b| {
            b.identity = json!({ "sub": "nonce-1", "email": "nonce@example.com", "email_verified": true });
            b.wrong_nonce = true;
        });
        let app = app(server, &[]).await;
        let browser = Browser::new(server);
        let landing = via_upstream(server, &browser, &app, "replay").await;
        let (status, _, page) = landing.page();
        assert_eq!(status, 400);
        assert!(page.contains("belongs to another sign-in"), "{page}");
        assert!(user_by_email(server, "nonce@example.com").await.is_none());
        mock.set(|b| b.wrong_nonce = false);

        // A replayed answer: the first signs in, the second is refused.
        mock.sign_in_as(json!({ "sub": "replay-1", "email": "replay@example.com", "email_verified": true }));
        let browser = Browser::new(server);
        let answer = callback_url(server, &browser, &app, "replay").await;
        let first = walk(&browser.http, &answer, at_app).await;
        assert!(matches!(&first, Landing::Page { body, .. } if body.contains("action=\"/consent\"")) || matches!(first, Landing::Client { .. }));
        let replayed = walk(&browser.http, &answer, at_app).await;
        let (status, _, page) = replayed.page();
        assert_eq!(status, 400);
        assert!(page.contains("already used"), "{page}");
        let again = walk(&Browser::new(server).http, &answer, at_app).await;
        assert_eq!(again.page().0, 400, "replayed from another browser too");

        // A state nobody issued.
        let bogus = format!("{}?state=forged-state-value&code=x", server.url("/login/upstream/callback"));
        let landing = walk(&browser.http, &bogus, at_app).await;
        let (status, _, page) = landing.page();
        assert_eq!(status, 400);
        assert!(page.contains("does not belong to a sign-in started in this browser"), "{page}");

        // An answer carried to another browser that has a sign-in of its own going.
        mock.sign_in_as(json!({ "sub": "moved-1", "email": "moved@example.com", "email_verified": true }));
        let victim = Browser::new(server);
        let started = Browser::new(server);
        let moved = callback_url(server, &started, &app, "replay").await;
        let _ = callback_url(server, &victim, &app, "replay").await;
        let landing = walk(&victim.http, &moved, at_app).await;
        assert_eq!(landing.page().0, 400);
        assert!(!signed_in(server, &victim).await);
        assert!(user_by_email(server, "moved@example.com").await.is_none());

        let reasons: Vec<String> = events(server, "upstream.failed", "replay").await
            .into_iter().filter_map(|e| e.reason).collect();
        for expected in ["nonce mismatch", "state of another browser"] {
            assert!(reasons.iter().any(|r| r == expected), "{expected}: {reasons:?}");
        }
        let db = server.running().services.store.db().clone();
        let generic: Vec<String> = server.on_server(async move {
            audit_event::Entity::find()
                .filter(audit_event::Column::Kind.eq("upstream.failed"))
                .all(&db).await.unwrap().into_iter().filter_map(|e| e.reason).collect::<Vec<_>>()
        }).await;
        assert!(generic.iter().any(|r| r == "replayed callback"), "{generic:?}");
        assert!(generic.iter().any(|r| r == "unknown state"), "{generic:?}");
        assert_eq!(links_of_issuer(server, &mock.issuer).await.len(), 1, "only the first answer");
    }

    async fn an_upstream_that_refuses_or_fails_gets_a_page_and_an_audit_event(server) {
        let mock = MockUpstream::start();
        add_upstream(server, &mock, "failing", FirstLogin::Create, true).await;
        mock.set(|b| {
            b.identity = json!({ "sub": "fail-1", "email": "fail@example.com", "email_verified": true });
            b.authorize_error = Some("access_denied".into());
        });
        let app = app(server, &[]).await;
        let landing = via_upstream(server, &Browser::new(server), &app, "failing").await;
        let (status, _, page) = landing.page();
        assert_eq!(status, 400);
        assert!(page.contains("Mock failing did not sign you in") && page.contains("access_denied"), "{page}");

        mock.set(|b| {
            b.authorize_error = None;
            b.token_down = true;
        });
        let landing = via_upstream(server, &Browser::new(server), &app, "failing").await;
        let (status, _, page) = landing.page();
        assert_eq!(status, 502);
        assert!(page.contains("could not be reached or did not answer properly"), "{page}");
        assert!(user_by_email(server, "fail@example.com").await.is_none());

        // An upstream that is down before anything starts.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let dead = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        add_upstream_at(server, &dead, "down", FirstLogin::Create, true).await;
        let landing = via_upstream(server, &Browser::new(server), &app, "down").await;
        let (status, _, page) = landing.page();
        assert_eq!(status, 502);
        assert!(page.contains("Mock down could not be reached"), "{page}");
        assert!(page.contains("Back to sign in"), "{page}");

        let reasons: Vec<String> = events(server, "upstream.failed", "failing").await
            .into_iter().filter_map(|e| e.reason).collect();
        assert!(reasons.contains(&"upstream error response: access_denied".to_owned()), "{reasons:?}");
        assert!(reasons.contains(&"upstream unavailable".to_owned()), "{reasons:?}");
        assert_eq!(events(server, "upstream.failed", "down").await.len(), 1);
    }

    async fn idp_hint_goes_straight_to_the_upstream_once(server) {
        let mock = MockUpstream::start();
        add_upstream(server, &mock, "hinted", FirstLogin::Create, true).await;
        mock.sign_in_as(json!({ "sub": "hint-1", "email": "hinted@example.com", "email_verified": true }));
        let app = app(server, &[("idp_hint", "hinted")]).await;
        let browser = Browser::new(server);
        // No sign-in page on the way: the first stop is consent.
        let landing = walk(&browser.http, &app.url, at_app).await;
        let (_, _, page) = landing.page();
        assert!(page.contains("action=\"/consent\""), "{page}");
        let landing = browser.consent(&landing, true).await;
        let claims = id_token(&app, &landing).await;
        assert!(amr(&claims).contains(&"fed".to_owned()));
        assert_eq!(mock.authorize_queries().len(), 1);

        // A hint naming no upstream shows the sign-in page.
        let unhinted = self::app(server, &[("idp_hint", "nope")]).await;
        let landing = walk(&Browser::new(server).http, &unhinted.url, at_app).await;
        assert!(landing.page().2.contains("action=\"/login\""));
    }

    async fn rotated_upstream_keys_are_fetched_again(server) {
        let mock = MockUpstream::start();
        add_upstream(server, &mock, "rotating", FirstLogin::Create, true).await;
        mock.sign_in_as(json!({ "sub": "rot-1", "email": "rotating@example.com", "email_verified": true }));
        let app = app(server, &[]).await;
        let browser = Browser::new(server);
        let landing = through_consent(&browser, via_upstream(server, &browser, &app, "rotating").await).await;
        assert!(landing.params().contains_key("code"));
        // The upstream signs with a key Gatehouse has not seen (its cached set is older).
        mock.set(|b| b.rotate_key = true);
        let browser = Browser::new(server);
        let landing = through_consent(&browser, via_upstream(server, &browser, &app, "rotating").await).await;
        assert!(landing.params().contains_key("code"), "verified with the fetched key");
    }

    async fn buttons_follow_the_allow_list_and_show_without_javascript(server) {
        let mock = MockUpstream::start();
        let (allowed, secret) = server.client(|_| {}).await;
        let (other, other_secret) = server.client(|_| {}).await;
        let fed = server.running().services.federation.clone();
        let new = NewUpstream {
            name: "only-one-app".into(), display_name: Some("Only One App".into()),
            issuer: mock.issuer.clone(), preset: None, endpoints: Endpoints::default(), client_id: CLIENT_ID.into(),
            client_secret: Some(CLIENT_SECRET.into()), scopes: vec![], first_login: FirstLogin::Create,
            trusted_for_email: false, trusted_for_acr: false, trusted_for_mfa: false, enabled: true, allowed_clients: vec![allowed.clone()],
        };
        server.on_server(async move { fed.upstreams.create(new, "test").await }).await.unwrap();
        let page_for = |client: String, secret: Option<String>| async move {
            let app = app_of(server, &client, secret.as_deref(), &[]).await;
            walk(&Browser::new(server).http, &app.url, at_app).await.page().2.to_owned()
        };
        let shown = page_for(allowed.clone(), secret.clone()).await;
        assert!(button(&shown, "only-one-app").is_some(), "{shown}");
        assert!(shown.contains("Sign in with Only One App"));
        assert!(!shown[shown.find("only-one-app").unwrap()..].starts_with("<script"));
        let hidden_page = page_for(other, other_secret).await;
        assert!(button(&hidden_page, "only-one-app").is_none());
        // Gatehouse's own sign-in page (no application) does not offer it either.
        let own = walk(&Browser::new(server).http, &server.url("/login"), at_app).await;
        assert!(button(own.page().2, "only-one-app").is_none());
    }
}

/// Headless Chromium, with every page's Content-Security-Policy enforced: Gatehouse is
/// `http://localhost:PORT`, the upstream and the application are on other origins
/// (`http://127.0.0.1:…`), so the upstream's answer arrives by a cross-site navigation.
mod browser {
    use std::path::{Path, PathBuf};
    use std::process::Stdio;

    use base64::Engine as _;
    use harness::rp_server::RpServer;
    use harness::totp::{now, totp_at};
    use harness::webdriver::{self, Chrome};
    use serde_json::Value;
    use tokio::io::{AsyncBufReadExt as _, BufReader};
    use tokio::process::{Child, Command};

    use super::*;

    /// RFC 7636 appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn op_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("interop/op")
    }

    /// Whether the pinned oidc-provider is installed (`npm ci --prefix tests/interop/op`).
    fn op_ready() -> bool {
        op_dir()
            .join("node_modules/oidc-provider/package.json")
            .exists()
            && std::process::Command::new("node")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
    }

    /// Starts oidc-provider with Gatehouse as its client; returns the process and its issuer.
    async fn oidc_provider(server: &TestServer) -> (Child, String) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut child = Command::new("node")
            .arg("op.mjs")
            .current_dir(op_dir())
            .env("OP_PORT", port.to_string())
            .env("OP_CLIENT_ID", CLIENT_ID)
            .env("OP_CLIENT_SECRET", CLIENT_SECRET)
            .env(
                "OP_REDIRECT_URI",
                server.url(domain::federation::CALLBACK_PATH),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts oidc-provider");
        let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), out.next_line())
            .await
            .expect("oidc-provider starts within 30 s")
            .expect("read its output")
            .expect("a line with its issuer");
        let started: Value = serde_json::from_str(&line).expect("JSON");
        // Keep reading: it prints notices later, and a closed pipe would end it.
        tokio::spawn(async move { while let Ok(Some(_)) = out.next_line().await {} });
        (
            child,
            started["issuer"].as_str().expect("issuer").to_owned(),
        )
    }

    /// The relying party every test of this module shares.
    fn rp() -> &'static RpServer {
        static RP: std::sync::OnceLock<RpServer> = std::sync::OnceLock::new();
        RP.get_or_init(RpServer::start)
    }

    /// Registers an application of the relying party; returns its id and secret.
    async fn rp_client(server: &TestServer, require_mfa: bool) -> (String, String) {
        let (id, secret) = server
            .client(|c| {
                c.redirect_uris = vec![rp().url("/cb")];
                c.require_mfa = require_mfa;
            })
            .await;
        (id, secret.expect("confidential"))
    }

    /// Opens the application, which sends the browser to Gatehouse's `/authorize` (with
    /// `extra` parameters).
    async fn start_at_app(
        chrome: &Chrome,
        server: &TestServer,
        (client_id, state): (&str, &str),
        extra: &[(&str, &str)],
    ) {
        let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
        url.query_pairs_mut().extend_pairs(extra);
        url.query_pairs_mut()
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", &rp().url("/cb"))
            .append_pair("response_type", "code")
            .append_pair("scope", "openid email profile")
            .append_pair("state", state)
            .append_pair("nonce", &format!("nonce-{state}"))
            .append_pair("code_challenge", CHALLENGE)
            .append_pair("code_challenge_method", "S256");
        chrome.goto(&rp().start_url(url.as_str())).await;
    }

    /// Consents on Gatehouse's page, waits for the application's callback and redeems the
    /// code as the application does; returns the ID token's claims.
    async fn consent_and_land(
        chrome: &Chrome,
        server: &TestServer,
        (client_id, secret): &(String, String),
        state: &str,
    ) -> Value {
        chrome
            .wait_for_text("name=\"decision\" value=\"allow\"")
            .await;
        chrome.click("button[name=decision][value=allow]").await;
        let callback = rp().wait_for("/cb", state).await;
        let res = reqwest::Client::new()
            .post(server.url("/token"))
            .basic_auth(client_id, Some(secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", callback.get("code").expect("code")),
                ("redirect_uri", &rp().url("/cb")),
                ("code_verifier", VERIFIER),
            ])
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        let jwt = body["id_token"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"));
        let payload = jwt.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap()
    }

    fn ready(what: &str, also: bool) -> bool {
        if webdriver::available() && also {
            return true;
        }
        harness::skip_or_fail(what);
        false
    }

    harness::shared_server_tests! {
        setup = |c| {
            c.issuer = "http://localhost".into();
            c.registration.mode = gatehouse::config::RegistrationMode::Open;
        };

        async fn chromium_a_guest_signs_in_on_another_origin_and_registers_keeping_its_sub(server) {
            if !ready("Debian chromium and chromium-driver", true) {
                return;
            }
            let (id, secret) = server
                .client(|c| {
                    c.redirect_uris = vec![rp().url("/cb")];
                    c.allow_guests = true;
                })
                .await;
            let app = (id, secret.expect("confidential"));
            let state = format!("guest-{}", app.0);
            let chrome = Chrome::start().await;
            // No sign-in page: Gatehouse's consent, then the application on its own origin.
            start_at_app(&chrome, server, (&app.0, &state), &[("guest", "true")]).await;
            let claims = consent_and_land(&chrome, server, &app, &state).await;
            assert_eq!(claims["amr"], json!(["guest"]), "{claims}");
            assert_eq!(claims["acr"], "urn:gatehouse:loa:0", "{claims}");
            let sub = claims["sub"].as_str().expect("sub").to_owned();
            // The guest keeps it: the registration form, in the same browser.
            chrome.goto(&server.url("/register")).await;
            chrome.wait_for_text("name=\"password\"").await;
            let email = format!("guest-{}@example.com", app.0[..8].to_lowercase());
            chrome.type_into("input[name=email]", &email).await;
            chrome.type_into("input[name=name]", "Gus Guest").await;
            chrome.type_into("input[name=password]", "violet staircase humming 42").await;
            chrome.click("button[type=submit]").await;
            chrome.wait_for_text("Check your inbox").await;
            let user = user_by_email(server, &email).await.expect("the registered account");
            assert_eq!(user.subject, sub, "the guest's sub, kept");
            assert!(!user.guest);
            chrome.quit().await;
        }

        async fn chromium_signs_in_through_oidc_provider_to_an_application_on_another_origin(server) {
            if !ready("Chromium, node and `npm ci --prefix tests/interop/op`", op_ready()) {
                return;
            }
            let (mut op, issuer) = oidc_provider(server).await;
            add_upstream_at(server, &issuer, "oidc-provider", FirstLogin::Create, true).await;
            let app = rp_client(server, false).await;
            let state = format!("op-{}", app.0);
            let login = format!("op-user-{}", &app.0[..8].to_lowercase());
            let chrome = Chrome::start().await;
            start_at_app(&chrome, server, (&app.0, &state), &[]).await;
            chrome.wait_for_text("Sign in with Mock oidc-provider").await;
            chrome.click("a[href^='/login/upstream/oidc-provider?']").await;
            // oidc-provider's own pages: any login, then its consent.
            chrome.wait_for_text("name=\"login\"").await;
            chrome.type_into("input[name=login]", &login).await;
            chrome.type_into("input[name=password]", "any password").await;
            chrome.click("button[type=submit]").await;
            chrome.wait_for_text("name=\"prompt\" value=\"consent\"").await;
            chrome.click("button[type=submit]").await;
            // Back at Gatehouse: its consent, then the application.
            let claims = consent_and_land(&chrome, server, &app, &state).await;
            let user = user_by_email(server, &format!("{login}@op.example")).await
                .expect("an account from the upstream's userinfo address");
            assert_eq!(claims["sub"], user.subject, "Gatehouse's sub: {claims}");
            assert!(claims["amr"].as_array().is_some_and(|a| a.contains(&"fed".into())), "{claims}");
            assert_eq!(user.display_name.as_deref(), Some(format!("OP {login}").as_str()));
            let links = links_of_issuer(server, &issuer).await;
            assert_eq!(links.len(), 1);
            assert_eq!(links[0].subject, login);
            chrome.quit().await;
            let _ = op.kill().await;
        }

        async fn chromium_sets_up_a_required_second_factor_after_an_upstream_answer(server) {
            if !ready("Debian chromium and chromium-driver", true) {
                return;
            }
            let mock = MockUpstream::start();
            add_upstream(server, &mock, "mock-mfa", FirstLogin::Create, true).await;
            mock.set(|b| {
                b.identity = json!({ "sub": "mfa-1", "email": "mfa.fed@example.com", "email_verified": true });
                b.answer_by_form_post = true;
            });
            // The application requires a second factor: the upstream's answer leads to setting
            // one up, which runs on a SameSite=Strict cookie set with the answer. The answer is
            // a form the person submits on the upstream's page: a cross-site POST, which
            // carries none of Gatehouse's SameSite cookies, and in whose redirects browsers
            // would send no SameSite=Strict cookie.
            let app = rp_client(server, true).await;
            let state = format!("mfa-{}", app.0);
            let chrome = Chrome::start().await;
            start_at_app(&chrome, server, (&app.0, &state), &[]).await;
            chrome.wait_for_text("Sign in with Mock mock-mfa").await;
            chrome.click("a[href^='/login/upstream/mock-mfa?']").await;
            chrome.wait_for_text("id=\"approve\"").await;
            chrome.click("#approve").await;
            let page = chrome.wait_for_text("id=\"totp-secret\"").await;
            let secret = page
                .split("id=\"totp-secret\" class=\"totp-key\">")
                .nth(1)
                .and_then(|s| s.split('<').next())
                .unwrap()
                .replace(' ', "");
            chrome.type_into("#code", &totp_at(&secret, now())).await;
            chrome.click("form[action='/login/mfa/setup'] button[type=submit]").await;
            chrome.wait_for_text("action=\"/login/mfa/continue\"").await;
            chrome.click("input[name=saved]").await;
            chrome.click("form[action='/login/mfa/continue'] button[type=submit]").await;
            let claims = consent_and_land(&chrome, server, &app, &state).await;
            let amr: Vec<String> = serde_json::from_value(claims["amr"].clone()).unwrap();
            assert!(amr.contains(&"fed".to_owned()) && amr.contains(&"otp".to_owned()), "{amr:?}");
            chrome.quit().await;
        }
    }
}
