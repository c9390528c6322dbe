//! OpenID Connect RP-Initiated Logout conformance (see shared CONFORMANCE.md): one test per
//! module, named after it. The relying party is the `openidconnect` crate's `LogoutRequest`.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use harness::rp::{Browser, Landing, discover, hidden, http_client};
use harness::{POST_LOGOUT_URI, REDIRECT_URI, TestServer};
use openidconnect::core::{CoreAuthPrompt, CoreAuthenticationFlow, CoreIdToken};
use openidconnect::{
    AuthorizationCode, ClientId, CsrfToken, IssuerUrl, LogoutRequest, Nonce,
    OAuth2TokenResponse as _, PkceCodeChallenge, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    Scope, TokenResponse as _,
};
use reqwest::cookie::{CookieStore as _, Jar};
use serde_json::Value;

pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// A user signed in through a browser, with the tokens its client got under that session.
pub(crate) struct SignedIn {
    pub(crate) browser: Browser,
    /// The browser's cookies, as a `Cookie` header, taken right after sign-in.
    pub(crate) cookies: String,
    pub(crate) client_id: String,
    pub(crate) secret: String,
    pub(crate) client: harness::rp::Client,
    pub(crate) id_token: CoreIdToken,
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
}

/// Creates a user and a client, signs in with a browser and redeems the code.
async fn signed_in(server: &TestServer, email: &str) -> SignedIn {
    signed_in_to(server, email, |_| {}).await
}

/// [`signed_in`], with the client registered as `adjust` says.
pub(crate) async fn signed_in_to(
    server: &TestServer,
    email: &str,
    adjust: impl FnOnce(&mut domain::clients::NewClient),
) -> SignedIn {
    server.user(email, PASSWORD).await;
    let (client_id, secret) = server.client(adjust).await;
    let secret = secret.expect("confidential client");
    let (_, client) = discover(server, &client_id, Some(&secret), REDIRECT_URI).await;
    let jar = Arc::new(Jar::default());
    let mut browser = Browser::new(server);
    browser.http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();
    let landing = browser.authorize(url.as_str(), email, PASSWORD).await;
    let code = landing.params()["code"].clone();
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http_client)
        .await
        .expect("token response");
    let id_token = tokens.id_token().expect("id token").clone();
    id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("valid ID token");
    let cookies = jar
        .cookies(&url::Url::parse(&server.base).unwrap())
        .expect("session cookie set")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookies.contains(domain::sessions::COOKIE_NAME), "{cookies}");
    SignedIn {
        browser,
        cookies,
        client_id,
        secret,
        client,
        id_token,
        access_token: tokens.access_token().secret().clone(),
        refresh_token: tokens
            .refresh_token()
            .expect("refresh token")
            .secret()
            .clone(),
    }
}

/// The end_session_endpoint, read through the openidconnect crate's logout metadata.
async fn end_session_endpoint(server: &TestServer) -> openidconnect::EndSessionUrl {
    let metadata = ProviderMetadataWithLogout::discover_async(
        IssuerUrl::new(server.base.clone()).unwrap(),
        &http_client,
    )
    .await
    .expect("discovery");
    metadata
        .additional_metadata()
        .end_session_endpoint
        .clone()
        .expect("end_session_endpoint advertised")
}

pub(crate) async fn logout_request(server: &TestServer) -> LogoutRequest {
    LogoutRequest::from(end_session_endpoint(server).await)
}

pub(crate) fn post_logout(uri: &str) -> PostLogoutRedirectUrl {
    PostLogoutRedirectUrl::new(uri.to_owned()).unwrap()
}

/// A prompt=none authorization request of the signed-in client.
fn silent_url(s: &SignedIn) -> String {
    let (url, _, _) = s
        .client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_prompt(CoreAuthPrompt::None)
        .url();
    url.to_string()
}

/// The `error` (or `code`) a prompt=none request gets with the cookies `cookie`.
async fn silent_with_cookies(s: &SignedIn, cookie: &str) -> Landing {
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(silent_url(s))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302, "prompt=none answers the client");
    let location = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    let mut bare = location.clone();
    bare.set_query(None);
    Landing::Client {
        url: bare.to_string(),
        params: location.query_pairs().into_owned().collect(),
    }
}

async fn introspect(server: &TestServer, s: &SignedIn, token: &str) -> Value {
    let res = reqwest::Client::new()
        .post(server.url("/introspect"))
        .basic_auth(&s.client_id, Some(&s.secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The session is alive: its cookie still signs in silently, its tokens are active.
async fn assert_session_alive(server: &TestServer, s: &SignedIn) {
    let landing = s.browser.open(&silent_url(s)).await;
    assert!(
        landing.params().contains_key("code"),
        "still signed in: {landing:?}"
    );
    let landing = silent_with_cookies(s, &s.cookies).await;
    assert!(landing.params().contains_key("code"), "{landing:?}");
    assert_eq!(introspect(server, s, &s.access_token).await["active"], true);
    assert_eq!(
        introspect(server, s, &s.refresh_token).await["active"],
        true
    );
}

/// The session is over on the server, not just forgotten by the browser: prompt=none with
/// the old cookie gets `login_required`, and the tokens issued under it are inactive.
pub(crate) async fn assert_session_ended(server: &TestServer, s: &SignedIn) {
    let landing = s.browser.open(&silent_url(s)).await;
    assert_eq!(
        landing.params().get("error").map(String::as_str),
        Some("login_required"),
        "{landing:?}"
    );
    let landing = silent_with_cookies(s, &s.cookies).await;
    assert_eq!(
        landing.params().get("error").map(String::as_str),
        Some("login_required"),
        "the old session cookie is dead: {landing:?}"
    );
    assert_eq!(
        introspect(server, s, &s.access_token).await,
        serde_json::json!({"active": false})
    );
    assert_eq!(
        introspect(server, s, &s.refresh_token).await,
        serde_json::json!({"active": false})
    );
    let res = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(&s.client_id, Some(&s.secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", s.refresh_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
}

/// A logout request refused with the error page: 400, no redirect anywhere.
async fn assert_refused(s: &SignedIn, url: &str, why: &str) {
    let res = s.browser.http.get(url).send().await.unwrap();
    assert_eq!(res.status(), 400, "{why}");
    assert!(
        res.headers().get("location").is_none(),
        "{why}: no redirect"
    );
    let body = res.text().await.unwrap();
    assert!(
        body.contains("<code>invalid_request</code>"),
        "{why}: {body}"
    );
    assert!(
        !body.contains(POST_LOGOUT_URI),
        "{why}: no link back either"
    );
}

/// The page asking the user to confirm; returns its form fields.
fn confirmation_fields(landing: &Landing) -> Vec<(String, String)> {
    let (status, _, body) = landing.page();
    assert_eq!(status, 200);
    assert!(body.contains("Sign out?"), "confirmation page: {body}");
    assert!(
        body.contains("<form method=\"post\" action=\"/end_session\">"),
        "{body}"
    );
    [
        "logout_csrf",
        "client_id",
        "post_logout_redirect_uri",
        "state",
    ]
    .iter()
    .filter_map(|name| hidden(body, name).map(|v| ((*name).to_owned(), v)))
    .collect()
}

async fn confirm(server: &TestServer, s: &SignedIn, fields: &[(String, String)]) -> Landing {
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    s.browser.post(&server.url("/end_session"), &form).await
}

fn assert_logged_out_page(landing: &Landing) {
    let (status, url, body) = landing.page();
    assert_eq!(status, 200, "{url}");
    assert!(body.contains("You are signed out"), "{body}");
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn segments(token: &str) -> Vec<String> {
    token.split('.').map(str::to_owned).collect()
}

harness::shared_server_tests! {
    setup = |_c| {};

    async fn oidcc_rp_initiated_logout(server) {
        let s = signed_in(server, "logout-basic@example.com").await;
        assert_session_alive(server, &s).await;
        let endpoint = end_session_endpoint(server).await;
        assert_eq!(endpoint.url().as_str(), server.url("/end_session"));
        let url = LogoutRequest::from(endpoint)
            .set_id_token_hint(&s.id_token)
            .set_post_logout_redirect_uri(post_logout(POST_LOGOUT_URI))
            .set_state(CsrfToken::new("logout state/1".into()))
            .http_get_url();

        let res = s.browser.http.get(url.as_str()).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let cleared = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .any(|c| c.starts_with(&format!("{}=;", domain::sessions::COOKIE_NAME)) && c.contains("Max-Age=0"));
        assert!(cleared, "session cookie cleared: {:?}", res.headers());
        let location = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
        let mut bare = location.clone();
        bare.set_query(None);
        assert_eq!(bare.as_str(), POST_LOGOUT_URI);
        let params: Vec<(String, String)> = location.query_pairs().into_owned().collect();
        assert_eq!(params, [("state".to_owned(), "logout state/1".to_owned())]);

        assert_session_ended(server, &s).await;
    }

    async fn oidcc_rp_initiated_logout_also_accepts_a_post(server) {
        let s = signed_in(server, "logout-post@example.com").await;
        let landing = s
            .browser
            .post(
                &server.url("/end_session"),
                &[
                    ("id_token_hint", &s.id_token.to_string()),
                    ("post_logout_redirect_uri", POST_LOGOUT_URI),
                    ("state", "posted"),
                ],
            )
            .await;
        let Landing::Client { url, params } = &landing else { panic!("{landing:?}") };
        assert_eq!(url, POST_LOGOUT_URI);
        assert_eq!(params.get("state").map(String::as_str), Some("posted"));
        assert_session_ended(server, &s).await;
    }

    async fn oidcc_rp_initiated_logout_bad_post_logout_redirect_uri(server) {
        let s = signed_in(server, "logout-bad-uri@example.com").await;
        let url = logout_request(server)
            .await
            .set_id_token_hint(&s.id_token)
            .set_post_logout_redirect_uri(post_logout("http://127.0.0.1:9/not-registered"))
            .set_state(CsrfToken::new("s".into()))
            .http_get_url();
        assert_refused(&s, url.as_str(), "unregistered post_logout_redirect_uri").await;
        // With client_id instead of the hint: refused just the same.
        let url = logout_request(server)
            .await
            .set_client_id(ClientId::new(s.client_id.clone()))
            .set_post_logout_redirect_uri(post_logout("https://attacker.example/"))
            .http_get_url();
        assert_refused(&s, url.as_str(), "foreign post_logout_redirect_uri").await;
        assert_session_alive(server, &s).await;
    }

    async fn oidcc_rp_initiated_logout_query_added_to_post_logout_redirect_uri(server) {
        let s = signed_in(server, "logout-query@example.com").await;
        let url = logout_request(server)
            .await
            .set_id_token_hint(&s.id_token)
            .set_post_logout_redirect_uri(post_logout(&format!("{POST_LOGOUT_URI}?foo=bar")))
            .set_state(CsrfToken::new("s".into()))
            .http_get_url();
        assert_refused(&s, url.as_str(), "query added to the registered URI").await;
        assert_session_alive(server, &s).await;
    }

    async fn oidcc_rp_initiated_logout_modified_id_token_hint(server) {
        let s = signed_in(server, "logout-modified@example.com").await;
        let endpoint = server.url("/end_session");
        let original = s.id_token.to_string();
        let parts = segments(&original);

        // One character of the signature changed.
        let mut sig: Vec<u8> = parts[2].clone().into_bytes();
        let i = sig.len() / 2;
        sig[i] = if sig[i] == b'A' { b'B' } else { b'A' };
        let bad_signature = format!("{}.{}.{}", parts[0], parts[1], String::from_utf8(sig).unwrap());
        // The payload changed (another subject), the signature kept.
        let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        claims["sub"] = "someone-else".into();
        let bad_payload = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap()),
            parts[2]
        );
        for (what, hint) in [("signature", bad_signature), ("payload", bad_payload)] {
            let mut url = url::Url::parse(&endpoint).unwrap();
            url.query_pairs_mut()
                .append_pair("id_token_hint", &hint)
                .append_pair("post_logout_redirect_uri", POST_LOGOUT_URI)
                .append_pair("state", "s");
            assert_refused(&s, url.as_str(), &format!("modified {what}")).await;
        }
        assert_session_alive(server, &s).await;
    }

    async fn oidcc_rp_initiated_logout_unsigned_id_token_hint(server) {
        let s = signed_in(server, "logout-unsigned@example.com").await;
        let parts = segments(&s.id_token.to_string());
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[0]).unwrap()).unwrap();
        let kid = header["kid"].as_str().expect("kid").to_owned();
        for header in [
            serde_json::json!({"alg": "none"}),
            serde_json::json!({"alg": "none", "typ": "JWT", "kid": kid}),
        ] {
            let unsigned = format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap()),
                parts[1]
            );
            let mut url = url::Url::parse(&server.url("/end_session")).unwrap();
            url.query_pairs_mut()
                .append_pair("id_token_hint", &unsigned)
                .append_pair("post_logout_redirect_uri", POST_LOGOUT_URI)
                .append_pair("state", "s");
            assert_refused(&s, url.as_str(), &format!("unsigned hint {header}")).await;
        }
        assert_session_alive(server, &s).await;
    }

    async fn oidcc_rp_initiated_logout_no_id_token_hint(server) {
        let s = signed_in(server, "logout-no-hint@example.com").await;
        let url = logout_request(server)
            .await
            .set_client_id(ClientId::new(s.client_id.clone()))
            .set_post_logout_redirect_uri(post_logout(POST_LOGOUT_URI))
            .set_state(CsrfToken::new("confirm-me".into()))
            .http_get_url();
        let landing = s.browser.open(url.as_str()).await;
        let fields = confirmation_fields(&landing);
        assert_eq!(field(&fields, "client_id"), Some(s.client_id.as_str()));
        assert_eq!(field(&fields, "post_logout_redirect_uri"), Some(POST_LOGOUT_URI));
        assert_eq!(field(&fields, "state"), Some("confirm-me"));
        // Asking is not logging out.
        assert_session_alive(server, &s).await;

        // A forged confirmation (wrong token) is asked again, not obeyed.
        let forged: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.clone(), if k == "logout_csrf" { "forged".into() } else { v.clone() }))
            .collect();
        let again = confirm(server, &s, &forged).await;
        confirmation_fields(&again);
        assert_session_alive(server, &s).await;

        let landing = confirm(server, &s, &fields).await;
        let Landing::Client { url, params } = &landing else { panic!("{landing:?}") };
        assert_eq!(url, POST_LOGOUT_URI);
        assert_eq!(params.get("state").map(String::as_str), Some("confirm-me"));
        assert_session_ended(server, &s).await;
    }

    async fn oidcc_rp_initiated_logout_no_post_logout_redirect_uri(server) {
        let s = signed_in(server, "logout-no-uri@example.com").await;
        let url = logout_request(server)
            .await
            .set_id_token_hint(&s.id_token)
            .set_state(CsrfToken::new("nowhere".into()))
            .http_get_url();
        let landing = s.browser.open(url.as_str()).await;
        assert_logged_out_page(&landing);
        assert!(!landing.page().2.contains("nowhere"), "state goes nowhere without a URI");
        assert_session_ended(server, &s).await;
    }

    async fn oidcc_rp_initiated_logout_no_params(server) {
        // Without a session there is nothing to confirm.
        let res = server.browser().get(server.url("/end_session")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("You are signed out"));

        let s = signed_in(server, "logout-no-params@example.com").await;
        let landing = s.browser.open(&server.url("/end_session")).await;
        let fields = confirmation_fields(&landing);
        assert_eq!(
            fields.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["logout_csrf"]
        );
        assert_session_alive(server, &s).await;
        let landing = confirm(server, &s, &fields).await;
        assert_logged_out_page(&landing);
        assert_session_ended(server, &s).await;
    }

    async fn oidcc_rp_initiated_logout_only_state(server) {
        let s = signed_in(server, "logout-only-state@example.com").await;
        let landing = s
            .browser
            .open(&format!("{}?state=only-state", server.url("/end_session")))
            .await;
        let fields = confirmation_fields(&landing);
        assert_eq!(field(&fields, "state"), Some("only-state"));
        assert_eq!(field(&fields, "post_logout_redirect_uri"), None);
        let landing = confirm(server, &s, &fields).await;
        assert_logged_out_page(&landing);
        assert_session_ended(server, &s).await;
    }

    async fn discovery_advertises_end_session_endpoint(server) {
        let doc: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(doc["end_session_endpoint"].as_str(), Some(server.url("/end_session").as_str()));
        // What the endpoint is advertised as, it is: GET and POST both answer.
        for res in [
            reqwest::get(server.url("/end_session")).await.unwrap(),
            reqwest::Client::new()
                .post(server.url("/end_session"))
                .form(&[("state", "x")])
                .send()
                .await
                .unwrap(),
        ] {
            assert_eq!(res.status(), 200);
        }
    }

    async fn finding_b_access_token_is_not_an_id_token_hint_at_end_session(server) {
        let s = signed_in(server, "logout-finding-b@example.com").await;
        assert_eq!(s.access_token.split('.').count(), 3, "a JWT access token");
        let mut url = url::Url::parse(&server.url("/end_session")).unwrap();
        url.query_pairs_mut()
            .append_pair("id_token_hint", &s.access_token)
            .append_pair("post_logout_redirect_uri", POST_LOGOUT_URI)
            .append_pair("state", "s");
        assert_refused(&s, url.as_str(), "an access token as id_token_hint").await;
        assert_session_alive(server, &s).await;
    }

    async fn finding_b_access_token_is_not_an_id_token_hint_at_authorize(server) {
        let s = signed_in(server, "authorize-finding-b@example.com").await;
        let with_hint = |hint: &str| {
            let mut url = url::Url::parse(&silent_url(&s)).unwrap();
            url.query_pairs_mut().append_pair("id_token_hint", hint);
            url.to_string()
        };
        let landing = s.browser.open(&with_hint(&s.access_token)).await;
        assert_eq!(
            landing.params().get("error").map(String::as_str),
            Some("invalid_request"),
            "{landing:?}"
        );
        assert!(!landing.params().contains_key("code"));
        // The ID token itself is a good hint.
        let landing = s.browser.open(&with_hint(&s.id_token.to_string())).await;
        assert!(landing.params().contains_key("code"), "{landing:?}");
    }

    async fn confirmation_names_the_application_and_cancel_goes_back_to_it(server) {
        let s = signed_in_to(server, "logout-names-app@example.com", |c| {
            c.name = "Orbit Notes".into();
            c.client_uri = Some("https://notes.example.com/home".into());
        })
        .await;
        let url = logout_request(server)
            .await
            .set_client_id(ClientId::new(s.client_id.clone()))
            .http_get_url();
        let landing = s.browser.open(url.as_str()).await;
        confirmation_fields(&landing);
        let body = landing.page().2;
        assert!(body.contains("Orbit Notes asks to sign you out."), "{body}");
        assert!(
            body.contains(r#"<a href="https://notes.example.com/home">Cancel and go back to Orbit Notes</a>"#),
            "{body}"
        );

        // Without a client_uri, Cancel keeps the name and goes to the account page.
        let t = signed_in_to(server, "logout-names-app-2@example.com", |c| {
            c.name = "Plain App".into();
        })
        .await;
        let url = logout_request(server)
            .await
            .set_client_id(ClientId::new(t.client_id.clone()))
            .http_get_url();
        let landing = t.browser.open(url.as_str()).await;
        let body = landing.page().2;
        assert!(body.contains("Plain App asks to sign you out."), "{body}");
        assert!(body.contains(r#"<a href="/account">Cancel and go back to Plain App</a>"#), "{body}");

        // No application named: the plain question, Cancel to the account page.
        let landing = t.browser.open(&server.url("/end_session")).await;
        let body = landing.page().2;
        assert!(!body.contains("asks to sign you out"), "{body}");
        assert!(body.contains(r#"<a href="/account">Cancel and stay signed in</a>"#), "{body}");
    }

    async fn finding_r_cross_site_post_without_cookie_does_not_claim_a_logout(server) {
        let s = signed_in(server, "logout-finding-r@example.com").await;
        // A cross-site form POST: SameSite=Lax keeps the session cookie out of it.
        let cookieless = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let res = cookieless
            .post(server.url("/end_session"))
            .form(&[
                ("client_id", s.client_id.as_str()),
                ("post_logout_redirect_uri", POST_LOGOUT_URI),
                ("state", "cross-site"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/end_session?"), "bounced to the GET form: {location}");
        assert_session_alive(server, &s).await;
        // The browser follows with its cookie, and is asked.
        let landing = s.browser.open(&server.url(&location)).await;
        let fields = confirmation_fields(&landing);
        assert_eq!(field(&fields, "state"), Some("cross-site"));
        assert_session_alive(server, &s).await;

        // With the ID token as hint, the bounce carries it and the GET ends the session.
        let res = cookieless
            .post(server.url("/end_session"))
            .form(&[
                ("id_token_hint", s.id_token.to_string().as_str()),
                ("post_logout_redirect_uri", POST_LOGOUT_URI),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/end_session?"), "{location}");
        assert_session_alive(server, &s).await;
        let landing = s.browser.open(&server.url(&location)).await;
        let Landing::Client { url, .. } = &landing else { panic!("{landing:?}") };
        assert_eq!(url, POST_LOGOUT_URI);
        assert_session_ended(server, &s).await;
    }
}

mod broken_database {
    use super::*;
    use harness::server_tests;
    use sea_orm::ConnectionTrait as _;

    /// Makes every query of `table` fail, as a lost database would.
    async fn break_table(server: &TestServer, table: &'static str) {
        let db = server.running().services.store.db().clone();
        server
            .on_server(async move {
                db.execute_unprepared(&format!("ALTER TABLE {table} RENAME TO broken_{table}"))
                    .await
            })
            .await
            .unwrap();
    }

    fn assert_no_internals(status: reqwest::StatusCode, body: &str) {
        assert_eq!(status, 500, "{body}");
        assert!(body.contains("Something went wrong on our side"), "{body}");
        for leak in [
            "browser_sessions",
            "authorization_requests",
            "no such table",
            "relation",
            "Query",
            "SELECT",
        ] {
            assert!(!body.contains(leak), "{leak:?} shown: {body}");
        }
    }

    server_tests! {
        async fn finding_g_error_pages_show_no_database_errors(server: TestServer) {
            break_table(&server, "browser_sessions").await;
            break_table(&server, "authorization_requests").await;
            let res = reqwest::Client::new()
                .get(server.url("/end_session?state=x"))
                .header("cookie", format!("{}=some-session", domain::sessions::COOKIE_NAME))
                .send()
                .await
                .unwrap();
            let status = res.status();
            assert_no_internals(status, &res.text().await.unwrap());
            let res = reqwest::Client::new()
                .get(server.url("/authorize/resume?request=some-request"))
                .send()
                .await
                .unwrap();
            let status = res.status();
            assert_no_internals(status, &res.text().await.unwrap());
        }
    }
}
