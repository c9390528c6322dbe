//! Issue 13, stage 2: linking and unlinking upstream identities on the account page,
//! claim-to-role mapping at every upstream sign-in, and the upstream's trust for `acr` and
//! MFA. The mock upstream (`harness::upstream`) puts whatever claims a test sets into its
//! ID token (nested `realm_access.roles`, `amr`, `acr`, ...).

use domain::entities::{audit_event, upstream_link};
use domain::federation::{Endpoints, FirstLogin, MappingTarget, NewMapping, NewUpstream};
use harness::rp::{self, Browser, Landing, discover, hidden, http_client};
use harness::upstream::{CLIENT_ID, CLIENT_SECRET, MockUpstream, walk};
use harness::{REDIRECT_URI, TestServer, shared_server_tests};
use openidconnect::core::{CoreAuthenticationFlow, CoreIdTokenClaims};
use openidconnect::{AuthorizationCode, CsrfToken, Nonce, TokenResponse as _};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";
const LOA2: &str = "urn:gatehouse:loa:2";
const LOA1: &str = "urn:gatehouse:loa:1";

/// The trust of an upstream in a test.
#[derive(Clone, Copy, Default)]
struct Trust {
    email: bool,
    acr: bool,
    mfa: bool,
}

async fn add_upstream(
    server: &TestServer,
    mock: &MockUpstream,
    name: &str,
    first_login: FirstLogin,
    trust: Trust,
) {
    let fed = server.running().services.federation.clone();
    let new = NewUpstream {
        name: name.into(),
        display_name: Some(format!("Mock {name}")),
        issuer: mock.issuer.clone(),
        preset: None,
        endpoints: Endpoints::default(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(CLIENT_SECRET.into()),
        scopes: vec![],
        first_login,
        trusted_for_email: trust.email,
        trusted_for_acr: trust.acr,
        trusted_for_mfa: trust.mfa,
        enabled: true,
        allowed_clients: vec![],
    };
    server
        .on_server(async move { fed.upstreams.create(new, "test").await })
        .await
        .expect("upstream created");
}

fn at_app(url: &str) -> bool {
    url.starts_with(REDIRECT_URI)
}

/// Signs in with a password on Gatehouse's own pages, for `next`.
async fn sign_in_locally(server: &TestServer, browser: &Browser, email: &str, next: &str) {
    let page = browser
        .http
        .get(server.url(&format!("/login?next={next}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&page, "csrf").expect("csrf");
    let res = browser
        .http
        .post(server.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("request", ""),
            ("next", next),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "signed in");
}

/// Signs in through the upstream `name` on Gatehouse's own pages; where the browser ends.
async fn sign_in_via(server: &TestServer, browser: &Browser, name: &str, next: &str) -> Landing {
    walk(
        &browser.http,
        &server.url(&format!("/login/upstream/{name}?next={next}")),
        |_| false,
    )
    .await
}

async fn linked_page(server: &TestServer, browser: &Browser) -> String {
    let res = browser
        .http
        .get(server.url("/account/linked"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

/// Presses the "Link" button of `name` on the account page and follows the way through the
/// upstream back; stops at the upstream's answer when `stop_at_answer`.
async fn press_link(
    server: &TestServer,
    browser: &Browser,
    name: &str,
    stop_at_answer: bool,
) -> Landing {
    let page = linked_page(server, browser).await;
    let action = format!("action=\"/login/upstream/{name}/link\"");
    assert!(page.contains(&action), "no Link button for {name}: {page}");
    let csrf = hidden(&page, "csrf").expect("csrf");
    let res = browser
        .http
        .post(server.url(&format!("/login/upstream/{name}/link")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "sent to the upstream");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let callback = server.url(domain::federation::CALLBACK_PATH);
    walk(&browser.http, &location, |u| {
        stop_at_answer && u.starts_with(&callback)
    })
    .await
}

fn answer_url(landing: &Landing) -> String {
    match landing {
        Landing::Client { url, params } => {
            let mut u = url::Url::parse(url).unwrap();
            u.query_pairs_mut().extend_pairs(params.iter());
            u.to_string()
        }
        other => panic!("expected the upstream's answer, got {other:?}"),
    }
}

async fn links_of(server: &TestServer, user_id: &str) -> Vec<upstream_link::Model> {
    let db = server.running().services.store.db().clone();
    let user_id = user_id.to_owned();
    server
        .on_server(async move {
            upstream_link::Entity::find()
                .filter(upstream_link::Column::UserId.eq(user_id))
                .all(&db)
                .await
                .unwrap()
        })
        .await
}

async fn events_of(server: &TestServer, kind: &str, user_id: &str) -> Vec<audit_event::Model> {
    let db = server.running().services.store.db().clone();
    let (kind, user_id) = (kind.to_owned(), user_id.to_owned());
    server
        .on_server(async move {
            audit_event::Entity::find()
                .filter(audit_event::Column::Kind.eq(kind))
                .filter(audit_event::Column::SubjectUserId.eq(user_id))
                .all(&db)
                .await
                .unwrap()
        })
        .await
}

async fn user_id_of(server: &TestServer, email: &str) -> String {
    let users = server.running().services.users.clone();
    let email = email.to_owned();
    server
        .on_server(async move { users.find_by_email(&email).await.unwrap() })
        .await
        .expect("user")
        .id
}

async fn roles_of(server: &TestServer, user_id: &str) -> Vec<String> {
    let roles = server.running().services.roles.clone();
    let user_id = user_id.to_owned();
    let mut r = server
        .on_server(async move { roles.roles_of(&user_id).await.unwrap() })
        .await;
    r.sort();
    r
}

async fn groups_of(server: &TestServer, user_id: &str) -> usize {
    let db = server.running().services.store.db().clone();
    let user_id = user_id.to_owned();
    server
        .on_server(async move {
            domain::entities::user_group::Entity::find()
                .filter(domain::entities::user_group::Column::UserId.eq(user_id))
                .all(&db)
                .await
                .unwrap()
                .len()
        })
        .await
}

struct App {
    client: rp::Client,
    url: String,
    nonce: Nonce,
}

async fn app(server: &TestServer, require_mfa: bool, extra: &[(&str, &str)]) -> App {
    let (client_id, secret) = server.client(|c| c.require_mfa = require_mfa).await;
    let (_, client) = discover(server, &client_id, secret.as_deref(), REDIRECT_URI).await;
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

/// Signs in to the application through the upstream `name` (consent allowed when asked).
async fn app_via(server: &TestServer, app: &App, name: &str) -> Landing {
    let browser = Browser::new(server);
    let login = walk(&browser.http, &app.url, at_app).await;
    let page = login.page().2;
    let marker = format!("href=\"/login/upstream/{name}?");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no button for {name}"))
        + "href=\"".len();
    let end = page[start..].find('"').unwrap() + start;
    let href = rp::unescape(&page[start..end]);
    let landing = walk(&browser.http, &server.url(&href), at_app).await;
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
        .unwrap();
    tokens
        .id_token()
        .unwrap()
        .claims(&app.client.id_token_verifier(), &app.nonce)
        .unwrap()
        .clone()
}

fn amr(claims: &CoreIdTokenClaims) -> Vec<String> {
    claims
        .auth_method_refs()
        .map(|v| v.iter().map(|a| a.as_str().to_owned()).collect())
        .unwrap_or_default()
}

fn acr(claims: &CoreIdTokenClaims) -> Option<String> {
    claims.auth_context_ref().map(|a| a.as_str().to_owned())
}

shared_server_tests! {
    setup = |_| {};

    async fn the_account_page_links_an_identity_to_the_signed_in_account_only(server) {
        let mock = MockUpstream::start();
        // `deny`: no first sign-in through it; linking from the account page is what lets
        // this identity in.
        add_upstream(server, &mock, "acct-link", FirstLogin::Deny, Trust::default()).await;
        let alice = server.user("alice.acctlink@example.com", PASSWORD).await;
        let a = Browser::new(server);
        sign_in_locally(server, &a, "alice.acctlink@example.com", "/account/linked").await;
        // The address at the upstream is someone else's: linking never looks at it.
        mock.sign_in_as(json!({ "sub": "alice-at-upstream", "email": "other@example.com", "email_verified": false }));
        let landing = press_link(server, &a, "acct-link", false).await;
        let (status, url, page) = landing.page();
        assert_eq!(status, 200, "{page}");
        assert!(url.ends_with("/account/linked?done=linked"), "{url}");
        assert!(page.contains("The account is linked"), "{page}");
        assert!(!page.contains("action=\"/login/upstream/acct-link/link\""), "no second Link button: {page}");
        assert!(page.contains("action=\"/account/linked/unlink\""), "an Unlink button: {page}");
        let links = links_of(server, &alice).await;
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].subject, "alice-at-upstream");
        let linked = events_of(server, "upstream.linked", &alice).await;
        assert_eq!(linked.len(), 1);
        assert_eq!(linked[0].data.as_ref().unwrap()["via"], "account");

        // The identity now signs Alice in, in a browser of its own.
        let fresh = Browser::new(server);
        let landing = sign_in_via(server, &fresh, "acct-link", "/account").await;
        assert_eq!(landing.page().0, 200);
        assert!(landing.page().2.contains("alice.acctlink@example.com"), "signed in as Alice");

        // Bob cannot take Alice's identity: refused with a page, and nothing changes.
        let bob = server.user("bob.acctlink@example.com", PASSWORD).await;
        let b = Browser::new(server);
        sign_in_locally(server, &b, "bob.acctlink@example.com", "/account/linked").await;
        let landing = press_link(server, &b, "acct-link", false).await;
        let (status, _, page) = landing.page();
        assert_eq!(status, 409, "{page}");
        assert!(page.contains("already linked to another account"), "{page}");
        assert!(links_of(server, &bob).await.is_empty());
        assert_eq!(links_of(server, &alice).await.len(), 1);
        assert!(page.contains("<a href=\"/account/linked\">Back to your account</a>"), "{page}");
        let refused = events_of(server, "upstream.link_failed", &bob).await;
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].reason.as_deref(), Some("identity already linked"));
        assert_eq!(events_of(server, "upstream.linked", &bob).await.len(), 0);

        // The answer of Bob's link sign-in, carried to another browser (Carol's session, or
        // none), links nothing: the link sign-in is bound to the session that started it.
        mock.sign_in_as(json!({ "sub": "bob-at-upstream" }));
        let answer = answer_url(&press_link(server, &b, "acct-link", true).await);
        server.user("carol.acctlink@example.com", PASSWORD).await;
        let c = Browser::new(server);
        sign_in_locally(server, &c, "carol.acctlink@example.com", "/account").await;
        let landing = walk(&c.http, &answer, |_| false).await;
        let (status, _, page) = landing.page();
        assert_eq!(status, 403, "{page}");
        assert!(page.contains("does not belong to a link started in this browser session"), "{page}");
        assert!(links_of(server, &bob).await.is_empty());
        let carol = user_id_of(server, "carol.acctlink@example.com").await;
        assert!(links_of(server, &carol).await.is_empty(), "never linked to the session that took the answer");
        // In Bob's own session the same kind of answer links.
        let landing = press_link(server, &b, "acct-link", false).await;
        assert_eq!(landing.page().0, 200, "{}", landing.page().2);
        assert_eq!(links_of(server, &bob).await.len(), 1);

        // Without a session the button only sends to sign in; without the form's token it
        // does nothing.
        let anon = Browser::new(server);
        let res = anon.http.post(server.url("/login/upstream/acct-link/link")).form(&[("csrf", "x")]).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert!(res.headers()["location"].to_str().unwrap().starts_with("/login"));
        let res = b.http.post(server.url("/login/upstream/acct-link/link")).form(&[("csrf", "forged")]).send().await.unwrap();
        assert_ne!(res.status(), 303, "a forged form is refused");
    }

    async fn unlinking_keeps_a_way_to_sign_in(server) {
        let first = MockUpstream::start();
        let second = MockUpstream::start();
        // Not trusted for email: the account it creates has an unverified address and no
        // password, so its link is its only way in.
        add_upstream(server, &first, "unlink-a", FirstLogin::Create, Trust::default()).await;
        add_upstream(server, &second, "unlink-b", FirstLogin::Deny, Trust::default()).await;
        first.sign_in_as(json!({ "sub": "only-way", "email": "only.way@example.com", "email_verified": true }));
        let browser = Browser::new(server);
        let landing = sign_in_via(server, &browser, "unlink-a", "/account/linked").await;
        assert_eq!(landing.page().0, 200);
        let user = user_id_of(server, "only.way@example.com").await;
        let links = links_of(server, &user).await;
        assert_eq!(links.len(), 1);

        let unlink = |id: String| {
            let http = browser.http.clone();
            let url = server.url("/account/linked/unlink");
            let page_url = server.url("/account/linked");
            async move {
                let page = http.get(page_url).send().await.unwrap().text().await.unwrap();
                let csrf = hidden(&page, "csrf").unwrap();
                http.post(url).form(&[("csrf", csrf.as_str()), ("id", id.as_str())]).send().await.unwrap()
            }
        };
        let res = unlink(links[0].id.clone()).await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("it is your only way to sign in"));
        assert_eq!(links_of(server, &user).await.len(), 1, "still linked");
        assert_eq!(events_of(server, "upstream.unlink_refused", &user).await.len(), 1);

        // A second link makes the first removable.
        second.sign_in_as(json!({ "sub": "second-way" }));
        let landing = press_link(server, &browser, "unlink-b", false).await;
        assert_eq!(landing.page().0, 200, "{}", landing.page().2);
        assert_eq!(links_of(server, &user).await.len(), 2);
        let res = unlink(links[0].id.clone()).await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/account/linked?done=unlinked");
        let left = links_of(server, &user).await;
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].subject, "second-way");
        let unlinked = events_of(server, "upstream.unlinked", &user).await;
        assert_eq!(unlinked.len(), 1);
        assert_eq!(unlinked[0].data.as_ref().unwrap()["upstream"], "unlink-a");
        // ... and now the second is the last.
        let res = unlink(left[0].id.clone()).await;
        assert_eq!(res.status(), 422);
        // A forged form removes nothing.
        let res = browser.http.post(server.url("/account/linked/unlink")).form(&[("csrf", "forged"), ("id", left[0].id.as_str())]).send().await.unwrap();
        assert_ne!(res.status(), 303);
        assert_eq!(links_of(server, &user).await.len(), 1);
    }

    async fn claim_mapping_is_applied_again_at_every_upstream_sign_in(server) {
        let mock = MockUpstream::start();
        add_upstream(server, &mock, "mapped", FirstLogin::Create, Trust { email: true, ..Trust::default() }).await;
        let services = &server.running().services;
        let (roles, groups, fed) = (services.roles.clone(), services.groups.clone(), services.federation.clone());
        server.on_server(async move {
            for r in ["map-admin", "map-staff", "map-kept"] {
                roles.create(r, &[]).await.unwrap();
            }
            groups.create("map-ops", None).await.unwrap();
            let up = fed.upstreams.get("mapped").await.unwrap();
            let rules = [
                ("realm_access.roles", "admin", MappingTarget::Role("map-admin".into())),
                ("hd", "example.com", MappingTarget::Role("map-staff".into())),
                ("groups", "ops", MappingTarget::Group("map-ops".into())),
                ("groups", "kept", MappingTarget::Role("map-kept".into())),
            ];
            for (claim, value, target) in rules {
                fed.mappings.add(&up, NewMapping { claim: claim.into(), value: value.into(), target }, "test").await.unwrap();
            }
        }).await;

        mock.sign_in_as(json!({
            "sub": "mapped-1", "email": "mapped@example.com", "email_verified": true,
            "hd": "example.com", "groups": ["ops"], "realm_access": { "roles": ["admin", "other"] },
        }));
        let b = Browser::new(server);
        assert_eq!(sign_in_via(server, &b, "mapped", "/account").await.page().0, 200);
        let user = user_id_of(server, "mapped@example.com").await;
        assert_eq!(roles_of(server, &user).await, ["map-admin", "map-staff"]);
        assert_eq!(groups_of(server, &user).await, 1);
        assert_eq!(events_of(server, "upstream.mapping.granted", &user).await.len(), 3);
        // An administrator grants map-kept by hand.
        let roles = services.roles.clone();
        server.on_server(async move { roles.grant("map-kept", "mapped@example.com").await.unwrap() }).await;

        // Next sign-in: no longer admin nor in ops, now in `kept` (the manual grant stays
        // manual); then out of `kept` again: the manual grant stays.
        mock.sign_in_as(json!({
            "sub": "mapped-1", "email": "mapped@example.com", "email_verified": true,
            "hd": "example.com", "groups": ["kept"], "realm_access": { "roles": ["other"] },
        }));
        let b = Browser::new(server);
        assert_eq!(sign_in_via(server, &b, "mapped", "/account").await.page().0, 200);
        assert_eq!(roles_of(server, &user).await, ["map-kept", "map-staff"]);
        assert_eq!(groups_of(server, &user).await, 0);
        assert_eq!(events_of(server, "upstream.mapping.revoked", &user).await.len(), 2);
        mock.sign_in_as(json!({ "sub": "mapped-1", "email": "mapped@example.com", "email_verified": true }));
        let b = Browser::new(server);
        assert_eq!(sign_in_via(server, &b, "mapped", "/account").await.page().0, 200);
        assert_eq!(roles_of(server, &user).await, ["map-kept"], "the manual grant is untouched");
    }

    async fn a_client_requiring_mfa_asks_the_local_factor_unless_the_upstream_is_trusted_for_it(server) {
        let untrusted = MockUpstream::start();
        let trusted = MockUpstream::start();
        add_upstream(server, &untrusted, "mfa-untrusted", FirstLogin::Create, Trust { email: true, ..Trust::default() }).await;
        add_upstream(server, &trusted, "mfa-trusted", FirstLogin::Create, Trust { email: true, mfa: true, ..Trust::default() }).await;
        let app = app(server, true, &[]).await;

        // Not trusted for MFA: the upstream's `mfa` does not count; the local factor is set
        // up first.
        untrusted.sign_in_as(json!({ "sub": "m1", "email": "mfa.untrusted@example.com", "email_verified": true, "amr": ["pwd", "otp", "mfa"] }));
        let landing = app_via(server, &app, "mfa-untrusted").await;
        let (_, url, _) = landing.page();
        assert!(url.contains("/login/mfa/setup"), "{url}");

        // Trusted for MFA, but its amr shows one factor: asked too.
        trusted.sign_in_as(json!({ "sub": "m2", "email": "mfa.one@example.com", "email_verified": true, "amr": ["otp"] }));
        let landing = app_via(server, &app, "mfa-trusted").await;
        assert!(landing.page().1.contains("/login/mfa/setup"), "{}", landing.page().1);

        // Trusted, with two factors: straight to the application, multi-factor.
        trusted.sign_in_as(json!({ "sub": "m3", "email": "mfa.two@example.com", "email_verified": true, "amr": ["pwd", "otp"] }));
        let landing = app_via(server, &app, "mfa-trusted").await;
        let claims = id_token(&app, &landing).await;
        assert_eq!(amr(&claims), ["fed", "pwd", "otp", "mfa"]);
        assert_eq!(acr(&claims).as_deref(), Some(LOA2));
    }

    async fn the_upstream_acr_counts_for_step_up_only_when_trusted(server) {
        let untrusted = MockUpstream::start();
        let trusted = MockUpstream::start();
        add_upstream(server, &untrusted, "acr-untrusted", FirstLogin::Create, Trust { email: true, ..Trust::default() }).await;
        add_upstream(server, &trusted, "acr-trusted", FirstLogin::Create, Trust { email: true, acr: true, ..Trust::default() }).await;
        let app = app(server, false, &[("acr_values", LOA2)]).await;

        untrusted.sign_in_as(json!({ "sub": "a1", "email": "acr.untrusted@example.com", "email_verified": true, "acr": LOA2, "amr": ["mfa"] }));
        let claims = id_token(&app, &app_via(server, &app, "acr-untrusted").await).await;
        assert_eq!(acr(&claims).as_deref(), Some(LOA1), "not honoured");
        assert_eq!(amr(&claims), ["fed"], "an untrusted upstream's methods are not repeated");

        trusted.sign_in_as(json!({ "sub": "a2", "email": "acr.trusted@example.com", "email_verified": true, "acr": LOA2 }));
        let claims = id_token(&app, &app_via(server, &app, "acr-trusted").await).await;
        assert_eq!(acr(&claims).as_deref(), Some(LOA2));
        assert_eq!(amr(&claims), ["fed"]);
        // An acr it cannot place counts for nothing more than one factor.
        trusted.sign_in_as(json!({ "sub": "a3", "email": "acr.unknown@example.com", "email_verified": true, "acr": "urn:elsewhere:gold" }));
        let claims = id_token(&app, &app_via(server, &app, "acr-trusted").await).await;
        assert_eq!(acr(&claims).as_deref(), Some(LOA1));
    }
}

/// `[federation]` keys reach the server: a short sign-in lifetime expires an answer that
/// comes later, and a short timeout gives up on an upstream that never answers.
mod configured {
    use super::*;

    shared_server_tests! {
        setup = |c| {
            c.federation.flow_ttl_secs = 1;
            c.federation.timeout_secs = 1;
        };

        async fn a_short_flow_lifetime_expires_a_late_answer(server) {
            assert_eq!(server.running().services.federation.flows.ttl(), std::time::Duration::from_secs(1));
            let mock = MockUpstream::start();
            add_upstream(server, &mock, "short-ttl", FirstLogin::Create, Trust::default()).await;
            mock.sign_in_as(json!({ "sub": "late", "email": "late@example.com" }));
            let browser = Browser::new(server);
            let callback = server.url(domain::federation::CALLBACK_PATH);
            let answer = walk(&browser.http, &server.url("/login/upstream/short-ttl?next=/account"), |u| u.starts_with(&callback)).await;
            let answer = answer_url(&answer);
            // Wait out the lifetime the configuration gave (and only that).
            let db = server.running().services.store.db().clone();
            let expires = server.on_server(async move {
                domain::entities::upstream_flow::Entity::find().all(&db).await.unwrap()
                    .into_iter().map(|f| f.expires_at).max().unwrap()
            }).await;
            let left = expires - time::OffsetDateTime::now_utc();
            assert!(left <= time::Duration::seconds(1), "the configured lifetime, not the default: {left}");
            if left.is_positive() {
                tokio::time::sleep(left.unsigned_abs() + std::time::Duration::from_millis(20)).await;
            }
            let landing = walk(&browser.http, &answer, |_| false).await;
            let (status, _, page) = landing.page();
            assert_eq!(status, 400, "{page}");
            assert!(page.contains("took too long and expired"), "{page}");
            assert!(user_id_of_opt(server, "late@example.com").await.is_none(), "no account");
        }

        async fn a_short_timeout_gives_up_on_a_silent_upstream(server) {
            // Accepts connections and never answers.
            let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let issuer = format!("http://{}", silent.local_addr().unwrap());
            std::thread::spawn(move || {
                let mut held = Vec::new();
                for s in silent.incoming().flatten() {
                    held.push(s);
                }
            });
            let fed = server.running().services.federation.clone();
            let new = NewUpstream {
                name: "silent".into(), display_name: None, issuer, preset: None, endpoints: Endpoints::default(),
                client_id: CLIENT_ID.into(), client_secret: None, scopes: vec![], first_login: FirstLogin::Create,
                trusted_for_email: false, trusted_for_acr: false, trusted_for_mfa: false, enabled: true, allowed_clients: vec![],
            };
            server.on_server(async move { fed.upstreams.create(new, "test").await }).await.unwrap();
            let browser = Browser::new(server);
            // The page comes within the configured 1 s (and its one retry of the keys at most),
            // long before the default 10 s would give up.
            let landing = tokio::time::timeout(
                std::time::Duration::from_secs(8),
                walk(&browser.http, &server.url("/login/upstream/silent?next=/account"), |_| false),
            )
            .await
            .expect("the configured timeout, not the default");
            let (status, _, page) = landing.page();
            assert_eq!(status, 502, "{page}");
            assert!(page.contains("could not be reached"), "{page}");
        }
    }
}

async fn user_id_of_opt(server: &TestServer, email: &str) -> Option<String> {
    let users = server.running().services.users.clone();
    let email = email.to_owned();
    server
        .on_server(async move { users.find_by_email(&email).await.unwrap() })
        .await
        .map(|u| u.id)
}
