//! The hosted sign-in and consent pages, the browser SSO session they create, and the audit
//! trail of a whole flow.

use harness::rp::{Browser, Landing, discover, hidden, http_client};
use harness::{REDIRECT_URI, TestServer, shared_server_tests};
use openidconnect::core::{CoreAuthPrompt, CoreAuthenticationFlow};
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse as _, Scope, TokenResponse as _,
};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

const PASSWORD: &str = "correct horse battery staple";

/// An authorization URL for `client_id` with `scopes` (and `prompt`, when given).
async fn auth_url(
    server: &TestServer,
    client_id: &str,
    secret: Option<&str>,
    scopes: &[&str],
    prompt: Option<CoreAuthPrompt>,
) -> String {
    let (_, client) = discover(server, client_id, secret, REDIRECT_URI).await;
    let mut req = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for scope in scopes {
        req = req.add_scope(Scope::new((*scope).into()));
    }
    if let Some(p) = prompt {
        req = req.add_prompt(p);
    }
    req.url().0.to_string()
}

/// The page's HTML without the per-response CSRF token.
fn without_csrf(body: &str) -> String {
    match hidden(body, "csrf") {
        Some(token) => body.replace(&token, "CSRF"),
        None => body.to_owned(),
    }
}

/// The `Set-Cookie` header for `name` in `res`, if any.
fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// POSTs the sign-in form of `page` without following the redirect.
async fn post_login(
    browser: &Browser,
    server: &TestServer,
    page: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    browser
        .http
        .post(server.url("/login"))
        .form(&[
            ("csrf", hidden(page, "csrf").expect("csrf").as_str()),
            (
                "request",
                hidden(page, "request").expect("request").as_str(),
            ),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .expect("login POST")
}

shared_server_tests! {
    setup = |_| {};

    async fn unknown_email_and_wrong_password_answer_alike(server) {
        let email = "alike@example.com";
        server.user(email, PASSWORD).await;
        let (client_id, secret) = server.client(|_| {}).await;
        let url = auth_url(server, &client_id, secret.as_deref(), &[], None).await;
        let browser = Browser::new(server);

        let landing = browser.open(&url).await;
        let wrong = browser.sign_in(&landing, email, "not the password").await;
        let (wrong_status, _, wrong_page) = wrong.page();
        let unknown = browser.sign_in(&wrong, "nobody@example.com", "not the password").await;
        let (unknown_status, _, unknown_page) = unknown.page();
        assert_eq!(wrong_status, 401);
        assert_eq!(unknown_status, 401);
        // Same page, except the email typed in and the fresh CSRF token.
        assert_eq!(
            without_csrf(wrong_page).replace(email, "EMAIL"),
            without_csrf(unknown_page).replace("nobody@example.com", "EMAIL")
        );
        assert!(wrong_page.contains("role=\"alert\"") || wrong_page.contains("class=\"error\""));

        // Both failures are audited, with the reason only in the audit log.
        let db = server.running().services.store.db().clone();
        let client = client_id.clone();
        let reasons: Vec<Option<String>> = server
            .on_server(async move {
                domain::entities::audit_event::Entity::find()
                    .filter(domain::entities::audit_event::Column::ClientId.eq(client))
                    .filter(domain::entities::audit_event::Column::Kind.eq("login.failed"))
                    .all(&db)
                    .await
                    .expect("audit query")
                    .into_iter()
                    .map(|e| e.reason)
                    .collect()
            })
            .await;
        assert!(reasons.contains(&Some("wrong password".into())), "{reasons:?}");
        assert!(reasons.contains(&Some("unknown account".into())), "{reasons:?}");
    }

    async fn login_form_without_csrf_is_refused(server) {
        let email = "nocsrf@example.com";
        server.user(email, PASSWORD).await;
        let (client_id, secret) = server.client(|_| {}).await;
        let url = auth_url(server, &client_id, secret.as_deref(), &[], None).await;
        let browser = Browser::new(server);
        let landing = browser.open(&url).await;
        let (_, _, page) = landing.page();
        let res = browser
            .http
            .post(server.url("/login"))
            .form(&[
                ("request", hidden(page, "request").unwrap().as_str()),
                ("email", email),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        assert!(set_cookie(&res, "gatehouse_session").is_none(), "no session without CSRF");
        // A token from another browser does not pass either.
        let other = Browser::new(server);
        let other_page = other.open(&url).await;
        let (_, _, other_html) = other_page.page();
        let res = browser
            .http
            .post(server.url("/login"))
            .form(&[
                ("csrf", hidden(other_html, "csrf").unwrap().as_str()),
                ("request", hidden(page, "request").unwrap().as_str()),
                ("email", email),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        assert!(set_cookie(&res, "gatehouse_session").is_none());
    }

    async fn session_cookie_is_httponly_lax_and_renewed_at_each_login(server) {
        let email = "cookie@example.com";
        let user_id = server.user(email, PASSWORD).await;
        let (client_id, secret) = server.client(|_| {}).await;
        let browser = Browser::new(server);
        let url = auth_url(server, &client_id, secret.as_deref(), &[], None).await;
        let landing = browser.open(&url).await;
        let res = post_login(&browser, server, landing.page().2, email, PASSWORD).await;
        assert_eq!(res.status(), 303);
        let first = set_cookie(&res, "gatehouse_session").expect("session cookie");
        let lower = first.to_ascii_lowercase();
        assert!(lower.contains("httponly"), "{first}");
        assert!(lower.contains("samesite=lax"), "{first}");
        assert!(lower.contains("path=/"), "{first}");
        assert!(!lower.contains("secure"), "no Secure flag on loopback http: {first}");
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let done = browser.complete(browser.open(&server.url(&location)).await, email, PASSWORD).await;
        assert!(done.params().contains_key("code"));

        // prompt=login: a new sign-in gets a new session id; the old one is dead.
        let url = auth_url(server, &client_id, secret.as_deref(), &[], Some(CoreAuthPrompt::Login)).await;
        let landing = browser.open(&url).await;
        let res = post_login(&browser, server, landing.page().2, email, PASSWORD).await;
        let second = set_cookie(&res, "gatehouse_session").expect("renewed session cookie");
        assert_ne!(first.split(';').next(), second.split(';').next(), "fresh id at every login");
        let stale = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let silent = auth_url(server, &client_id, secret.as_deref(), &[], Some(CoreAuthPrompt::None)).await;
        let res = stale
            .get(&silent)
            .header("cookie", first.split(';').next().unwrap())
            .send()
            .await
            .unwrap();
        let location = res.headers()["location"].to_str().unwrap();
        assert!(location.contains("error=login_required"), "the replaced session is gone: {location}");

        // The session row records who, how and from where.
        let db = server.running().services.store.db().clone();
        let sessions = server
            .on_server(async move {
                domain::entities::browser_session::Entity::find()
                    .filter(domain::entities::browser_session::Column::UserId.eq(user_id))
                    .all(&db)
                    .await
                    .expect("session query")
            })
            .await;
        let live: Vec<_> = sessions.iter().filter(|s| s.revoked_at.is_none()).collect();
        assert_eq!(live.len(), 1, "one live session after re-login: {sessions:?}");
        let s = live[0];
        assert_eq!(s.ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(s.acr.as_deref(), Some("urn:gatehouse:loa:1"));
        assert!(s.expires_at > s.created_at && s.last_seen_at >= s.created_at);
        assert_ne!(s.secret_hash, second.split(';').next().unwrap().trim_start_matches("gatehouse_session="), "stored hashed");
    }

    async fn consent_page_names_client_and_scopes_and_is_remembered(server) {
        let email = "consent@example.com";
        server.user(email, PASSWORD).await;
        let (client_id, secret) = server
            .client(|c| {
                c.name = "Photo <Book>".into();
                c.logo_uri = Some("https://photos.example/logo.png".into());
                c.policy_uri = Some("https://photos.example/privacy".into());
            })
            .await;
        let browser = Browser::new(server);
        let url = auth_url(server, &client_id, secret.as_deref(), &["profile", "email"], None).await;
        let consent = browser.sign_in(&browser.open(&url).await, email, PASSWORD).await;
        let (status, _, page) = consent.page();
        assert_eq!(status, 200);
        assert!(page.contains("Photo &") && !page.contains("Photo <Book>"), "client name, escaped");
        assert!(page.contains("src=\"https://photos.example/logo.png\""));
        assert!(page.contains("https://photos.example/privacy"));
        assert!(page.contains("See your email address"));
        assert!(page.contains("See your name and basic profile"));
        assert!(matches!(browser.consent(&consent, true).await, Landing::Client { .. }));

        // Same client, same scopes: no consent page.
        let again = browser.open(&url).await;
        assert!(again.params().contains_key("code"), "consent remembered");
        // One more scope: asked again.
        let more = auth_url(server, &client_id, secret.as_deref(), &["profile", "email", "phone"], None).await;
        let landing = browser.open(&more).await;
        let (_, _, page) = landing.page();
        assert!(page.contains("action=\"/consent\"") && page.contains("See your phone number"));
        // prompt=consent always asks.
        let forced = auth_url(server, &client_id, secret.as_deref(), &["profile"], Some(CoreAuthPrompt::Consent)).await;
        assert!(browser.open(&forced).await.page().2.contains("action=\"/consent\""));
    }

    async fn consent_denied_is_access_denied(server) {
        let email = "deny@example.com";
        server.user(email, PASSWORD).await;
        let (client_id, secret) = server.client(|_| {}).await;
        let browser = Browser::new(server);
        let url = auth_url(server, &client_id, secret.as_deref(), &["email"], None).await;
        let consent = browser.sign_in(&browser.open(&url).await, email, PASSWORD).await;
        let landing = browser.consent(&consent, false).await;
        assert_eq!(landing.params()["error"], "access_denied");
        assert!(!landing.params().contains_key("code"));
    }

    async fn finding_k_a_consent_holds_only_for_the_browser_that_gave_it(server) {
        let (alice, bob) = ("finding-k-a@example.com", "finding-k-b@example.com");
        server.user(alice, PASSWORD).await;
        server.user(bob, PASSWORD).await;
        let (client_id, secret) = server.client(|_| {}).await;
        let url = auth_url(server, &client_id, secret.as_deref(), &["email"], Some(CoreAuthPrompt::Consent)).await;
        // Bob is signed in in his own browser.
        let bob_browser = Browser::new(server);
        let bob_url = auth_url(server, &client_id, secret.as_deref(), &["profile"], None).await;
        bob_browser.authorize(&bob_url, bob, PASSWORD).await.params();
        // Alice allows, and does not follow the redirect.
        let alice_browser = Browser::new(server);
        let consent = alice_browser.sign_in(&alice_browser.open(&url).await, alice, PASSWORD).await;
        let request = hidden(consent.page().2, "request").unwrap();
        let res = alice_browser
            .http
            .post(server.url("/consent"))
            .form(&[
                ("csrf", hidden(consent.page().2, "csrf").unwrap().as_str()),
                ("request", request.as_str()),
                ("decision", "allow"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        // Bob resumes Alice's request: he is asked, no code is issued on Alice's consent.
        let resume = server.url(&format!("/authorize/resume?request={request}"));
        let landing = bob_browser.open(&resume).await;
        let (_, _, page) = landing.page();
        assert!(page.contains("action=\"/consent\""), "Bob is asked: {page}");
        assert!(page.contains(bob) && !page.contains(alice), "{page}");
        // Alice herself gets her code.
        let landing = alice_browser.open(&resume).await;
        assert!(landing.params().contains_key("code"), "{landing:?}");
    }

    async fn finding_k_a_refusal_holds_only_for_the_browser_that_gave_it(server) {
        let (alice, bob) = ("finding-k-deny-a@example.com", "finding-k-deny-b@example.com");
        server.user(alice, PASSWORD).await;
        server.user(bob, PASSWORD).await;
        let (client_id, secret) = server.client(|_| {}).await;
        let url = auth_url(server, &client_id, secret.as_deref(), &["email"], None).await;
        let bob_browser = Browser::new(server);
        let bob_url = auth_url(server, &client_id, secret.as_deref(), &["profile"], Some(CoreAuthPrompt::Consent)).await;
        bob_browser.authorize(&bob_url, bob, PASSWORD).await.params();
        let alice_browser = Browser::new(server);
        let consent = alice_browser.sign_in(&alice_browser.open(&url).await, alice, PASSWORD).await;
        let request = hidden(consent.page().2, "request").unwrap();
        let res = alice_browser
            .http
            .post(server.url("/consent"))
            .form(&[
                ("csrf", hidden(consent.page().2, "csrf").unwrap().as_str()),
                ("request", request.as_str()),
                ("decision", "deny"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        // Bob's resumption is not Alice's refusal: he is asked.
        let resume = server.url(&format!("/authorize/resume?request={request}"));
        assert!(bob_browser.open(&resume).await.page().2.contains("action=\"/consent\""));
        assert_eq!(alice_browser.open(&resume).await.params()["error"], "access_denied");
    }

    async fn first_party_client_skips_consent(server) {
        let email = "firstparty@example.com";
        server.user(email, PASSWORD).await;
        let (client_id, secret) = server.client(|c| c.first_party = true).await;
        let browser = Browser::new(server);
        let url = auth_url(server, &client_id, secret.as_deref(), &["profile", "email"], None).await;
        let landing = browser.sign_in(&browser.open(&url).await, email, PASSWORD).await;
        assert!(landing.params().contains_key("code"), "no consent page for a first-party client");
    }

    async fn audit_trail_of_a_flow(server) {
        let email = "audit@example.com";
        let user_id = server.user(email, PASSWORD).await;
        let (client_id, secret) = server.client(|_| {}).await;
        let secret = secret.unwrap();
        let (_, client) = discover(server, &client_id, Some(&secret), REDIRECT_URI).await;
        let browser = Browser::new(server);
        let url = auth_url(server, &client_id, Some(&secret), &["offline_access"], None).await;
        let landing = browser.open(&url).await;
        let landing = browser.sign_in(&landing, email, "wrong password").await;
        let landing = browser.complete(landing, email, PASSWORD).await;
        let code = AuthorizationCode::new(landing.params()["code"].clone());
        let tokens = client.exchange_code(code.clone()).unwrap().request_async(&http_client).await.unwrap();
        let _ = client.exchange_code(code).unwrap().request_async(&http_client).await.expect_err("reuse");
        // A second grant for refresh reuse, revocation and logout.
        let landing = browser.open(&url).await;
        let code = AuthorizationCode::new(landing.params()["code"].clone());
        let tokens2 = client.exchange_code(code).unwrap().request_async(&http_client).await.unwrap();
        let refresh = tokens2.refresh_token().unwrap();
        client.exchange_refresh_token(refresh).unwrap().request_async(&http_client).await.unwrap();
        let _ = client.exchange_refresh_token(refresh).unwrap().request_async(&http_client).await.expect_err("refresh reuse");
        let res = reqwest::Client::new()
            .post(server.url("/revoke"))
            .basic_auth(&client_id, Some(&secret))
            .form(&[("token", tokens.access_token().secret().as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let hint = tokens2.id_token().unwrap().to_string();
        let mut logout = url::Url::parse(&server.url("/end_session")).unwrap();
        logout.query_pairs_mut().append_pair("id_token_hint", &hint).append_pair("post_logout_redirect_uri", harness::POST_LOGOUT_URI);
        assert!(matches!(browser.open(logout.as_str()).await, Landing::Client { .. }));

        let db = server.running().services.store.db().clone();
        let events = server
            .on_server(async move {
                domain::entities::audit_event::Entity::find()
                    .filter(domain::entities::audit_event::Column::SubjectUserId.eq(user_id))
                    .all(&db)
                    .await
                    .expect("audit query")
            })
            .await;
        let kinds: Vec<(&str, &str)> = events.iter().map(|e| (e.kind.as_str(), e.outcome.as_str())).collect();
        for expected in [
            ("login.failed", "failure"),
            ("login.succeeded", "success"),
            ("consent.given", "success"),
            ("token.issued", "success"),
            ("token.code_reused", "failure"),
            ("token.refresh_reused", "failure"),
            ("token.revoked", "success"),
            ("session.logout", "success"),
        ] {
            assert!(kinds.contains(&expected), "{expected:?} missing from {kinds:?}");
        }
        let issued = events.iter().find(|e| e.kind == "token.issued").unwrap();
        assert_eq!(issued.client_id.as_deref(), Some(client_id.as_str()));
        // No token or password ends up in the audit data.
        let dump = format!("{events:?}");
        assert!(!dump.contains(tokens.access_token().secret().as_str()) && !dump.contains(PASSWORD));
    }

    async fn finding_s_a_planted_csrf_cookie_does_not_pass_a_signed_in_form(server) {
        let email = "csrf-victim@example.com";
        server.user(email, PASSWORD).await;
        let bare = || reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let value = |res: &reqwest::Response, name: &str| {
            set_cookie(res, name).map(|c| c.split(';').next().unwrap()[name.len() + 1..].to_owned())
        };
        // The attacker fetches a form: a CSRF cookie value and its matching field.
        let res = bare().get(server.url("/login")).send().await.unwrap();
        let planted = value(&res, "gatehouse_csrf").expect("csrf cookie");
        let attacker_field = hidden(&res.text().await.unwrap(), "csrf").unwrap();
        // The victim signs in.
        let victim = bare();
        let res = victim.get(server.url("/login?next=/account")).send().await.unwrap();
        let own_csrf = value(&res, "gatehouse_csrf").unwrap();
        let field = hidden(&res.text().await.unwrap(), "csrf").unwrap();
        let res = victim
            .post(server.url("/login"))
            .header("cookie", format!("gatehouse_csrf={own_csrf}"))
            .form(&[("csrf", field.as_str()), ("request", ""), ("next", "/account"), ("email", email), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        let session = value(&res, "gatehouse_session").expect("signed in");
        // With the planted cookie and the attacker's field, a signed-in form is refused...
        let forged = victim
            .post(server.url("/account/profile"))
            .header("cookie", format!("gatehouse_session={session}; gatehouse_csrf={planted}"))
            .form(&[("csrf", attacker_field.as_str()), ("name", "Forged")])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403);
        // ...while the field of the victim's own page passes.
        let page = victim
            .get(server.url("/account"))
            .header("cookie", format!("gatehouse_session={session}; gatehouse_csrf={planted}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let own = hidden(&page, "csrf").unwrap();
        let saved = victim
            .post(server.url("/account/profile"))
            .header("cookie", format!("gatehouse_session={session}; gatehouse_csrf={planted}"))
            .form(&[("csrf", own.as_str()), ("name", "Victim")])
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 303);
        let users = server.running().services.users.clone();
        let user = server.on_server(async move { users.get_by_email(email).await }).await.unwrap();
        assert_eq!(user.display_name.as_deref(), Some("Victim"));
    }

    async fn finding_a_next_with_tab_is_not_an_open_redirect(server) {
        let email = "next-redirect@example.com";
        server.user(email, PASSWORD).await;
        let origin = url::Url::parse(&server.base).unwrap().origin();
        // Each `next` as the form carries it (already percent-decoded once).
        for (next, expected) in [
            ("/\t/evil.example", None),
            ("/\t/\t/evil.example", None),
            ("/\n/evil.example", None),
            ("/\\evil.example", None),
            ("/\\/evil.example", None),
            ("//evil.example", None),
            ("///evil.example", None),
            ("https://evil.example/", None),
            ("http:evil.example", None),
            ("javascript:alert(1)", None),
            ("/%2F%2Fevil.example", Some("/%2F%2Fevil.example")),
            ("/x", Some("/x")),
            ("/account?tab=apps", Some("/account?tab=apps")),
        ] {
            let browser = Browser::new(server);
            let mut page_url = url::Url::parse(&server.url("/login")).unwrap();
            page_url.query_pairs_mut().append_pair("next", next);
            let page = browser.http.get(page_url).send().await.unwrap().text().await.unwrap();
            let shown = hidden(&page, "next").unwrap_or_default();
            let res = browser
                .http
                .post(server.url("/login"))
                .form(&[
                    ("csrf", hidden(&page, "csrf").expect("csrf").as_str()),
                    ("request", ""),
                    ("next", next),
                    ("email", email),
                    ("password", PASSWORD),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 303, "{next:?}");
            let location = res.headers()["location"].to_str().unwrap().to_owned();
            let resolved = url::Url::parse(&server.base).unwrap().join(&location).unwrap();
            assert_eq!(resolved.origin(), origin, "{next:?} sent the browser to {location:?}");
            assert!(
                location.starts_with('/') && !location.starts_with("//")
                    && !location.contains(|c: char| c == '\\' || c.is_control()),
                "{next:?} -> {location:?}"
            );
            assert!(!shown.contains("evil.example") || shown.contains("%2F"), "{next:?} shown as {shown:?}");
            assert_eq!(location, expected.unwrap_or("/account"), "{next:?}");
        }
    }
}

/// Sessions end after the configured absolute lifetime, however active they are.
mod session_lifetime {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| c.session.absolute_timeout_secs = 1;

        async fn absolute_timeout_ends_the_session(server) {
            let email = "short@example.com";
            server.user(email, PASSWORD).await;
            let (client_id, secret) = server.client(|_| {}).await;
            let browser = Browser::new(server);
            let url = auth_url(server, &client_id, secret.as_deref(), &[], None).await;
            assert!(browser.authorize(&url, email, PASSWORD).await.params().contains_key("code"));
            // The session's expiry is the condition; poll it through prompt=none.
            let silent = auth_url(server, &client_id, secret.as_deref(), &[], Some(CoreAuthPrompt::None)).await;
            let mut outcome = String::new();
            for _ in 0..40 {
                let landing = browser.open(&silent).await;
                outcome = landing.params().get("error").cloned().unwrap_or_default();
                if outcome == "login_required" {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert_eq!(outcome, "login_required");
        }
    }
}
