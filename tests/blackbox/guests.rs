//! Guest accounts (issue 13): an application allowed to sends `guest=true` and gets a guest
//! without any sign-in page; the guest refreshes, then registers in the same browser and
//! keeps its `sub`. The relying party is the `openidconnect` crate with its defaults.

use domain::federation::{Endpoints, FirstLogin, NewUpstream};
use harness::mailbox::mail_to;
use harness::rp::{Browser, Client, Landing, discover, hidden, http_client, unescape};
use harness::upstream::{CLIENT_ID, CLIENT_SECRET, MockUpstream, walk};
use harness::{REDIRECT_URI, TestServer};
use openidconnect::core::{CoreAuthenticationFlow, CoreIdTokenClaims, CoreTokenResponse};
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse as _, Scope, TokenResponse as _,
};

const PASSWORD: &str = "violet staircase humming 42";

/// The application's authorization URL with `extra` parameters, and its nonce.
fn authorization(client: &Client, extra: &[(&str, &str)]) -> (String, Nonce) {
    let mut req = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("offline_access".into()));
    for (k, v) in extra {
        req = req.add_extra_param(*k, *v);
    }
    let (url, _, nonce) = req.url();
    (url.to_string(), nonce)
}

async fn redeem(client: &Client, landing: &Landing) -> CoreTokenResponse {
    let code = landing.params()["code"].clone();
    client
        .exchange_code(AuthorizationCode::new(code))
        .expect("token endpoint")
        .request_async(&http_client)
        .await
        .expect("token response")
}

fn claims(client: &Client, tokens: &CoreTokenResponse, nonce: &Nonce) -> CoreIdTokenClaims {
    tokens
        .id_token()
        .expect("id_token")
        .claims(&client.id_token_verifier(), nonce)
        .expect("valid ID token")
        .clone()
}

fn amr(claims: &CoreIdTokenClaims) -> Vec<String> {
    claims
        .auth_method_refs()
        .map(|v| v.iter().map(|a| a.as_str().to_owned()).collect())
        .unwrap_or_default()
}

async fn user_by_sub(server: &TestServer, sub: &str) -> Option<domain::entities::user::Model> {
    let users = server.running().services.users.clone();
    let sub = sub.to_owned();
    server
        .on_server(async move { users.find_by_subject(&sub).await })
        .await
        .expect("query")
}

/// Refreshes (the token rotates: the new response replaces `tokens`) and returns the new
/// ID token's `sub`.
async fn refreshed_sub(client: &Client, tokens: &mut CoreTokenResponse) -> String {
    let refresh = tokens
        .refresh_token()
        .expect("a refresh token for the guest");
    let refreshed = client
        .exchange_refresh_token(refresh)
        .expect("token endpoint")
        .request_async(&http_client)
        .await
        .expect("refresh");
    let sub = refreshed
        .id_token()
        .expect("a new ID token")
        .claims(&client.id_token_verifier(), |_: Option<&Nonce>| {
            Ok::<(), String>(())
        })
        .expect("valid refreshed ID token")
        .subject()
        .to_string();
    *tokens = refreshed;
    sub
}

harness::shared_server_tests! {
    setup = |c| c.registration.mode = gatehouse::config::RegistrationMode::Open;

    async fn a_guest_signs_in_refreshes_and_registers_keeping_its_sub(server) {
        let (client_id, secret) = server.client(|c| {
            c.allow_guests = true;
            c.first_party = true;
        }).await;
        let (_, client) = discover(server, &client_id, secret.as_deref(), REDIRECT_URI).await;

        // No sign-in page: straight back to the application with a code.
        let browser = Browser::new(server);
        let (url, nonce) = authorization(&client, &[("guest", "true")]);
        let landing = browser.open(&url).await;
        let mut tokens = redeem(&client, &landing).await;
        let id = claims(&client, &tokens, &nonce);
        assert_eq!(amr(&id), ["guest"]);
        assert_eq!(id.auth_context_ref().map(|a| a.as_str()), Some("urn:gatehouse:loa:0"));
        assert!(id.email().is_none(), "a guest has no address");
        let sub = id.subject().to_string();
        let guest = user_by_sub(server, &sub).await.expect("the guest account");
        assert!(guest.guest && guest.email.is_none());
        // The guest's browser session is short (two hours by default), unlike others (a day).
        let sessions = server.running().services.sessions.clone();
        let guest_id = guest.id.clone();
        let live = server.on_server(async move { sessions.live_of_user(&guest_id).await }).await.unwrap();
        assert_eq!(live.len(), 1);
        let lasts = live[0].expires_at - live[0].created_at;
        assert!(lasts <= time::Duration::hours(2) && lasts > time::Duration::minutes(100), "{lasts}");

        // Another application run: a second guest, another sub.
        let (url, _) = authorization(&client, &[("guest", "true")]);
        let other = redeem(&client, &Browser::new(server).open(&url).await).await;
        let other = other.id_token().unwrap().claims(&client.id_token_verifier(), |_: Option<&Nonce>| Ok::<(), String>(())).unwrap().subject().to_string();
        assert_ne!(other, sub);

        // The application refreshes: same guest.
        assert_eq!(refreshed_sub(&client, &mut tokens).await, sub);

        // The guest registers in the same browser and keeps the sub.
        let page = browser.open(&server.url("/register")).await;
        let (status, _, body) = page.page();
        assert_eq!(status, 200, "{body}");
        let done = browser.post(&server.url("/register"), &[
            ("csrf", hidden(body, "csrf").unwrap().as_str()),
            ("email", "gail@example.com"),
            ("name", "Gail"),
            ("password", PASSWORD),
        ]).await;
        assert!(done.page().2.contains("Check your inbox"), "{}", done.page().2);
        let registered = user_by_sub(server, &sub).await.expect("still there");
        assert_eq!(registered.id, guest.id);
        assert!(!registered.guest);
        assert_eq!(registered.email.as_deref(), Some("gail@example.com"));
        let mail = mail_to(server, "gail@example.com", "Confirm your email address").await;
        let start = mail.find("http://").expect("a link");
        let link: String = mail[start..].split(|c: char| c.is_whitespace() || c == '"' || c == '<').next().unwrap().into();
        let confirm = browser.open(&link).await;
        let (_, _, body) = confirm.page();
        let confirmed = browser.post(&server.url("/verify-email"), &[
            ("csrf", hidden(body, "csrf").unwrap().as_str()),
            ("token", hidden(body, "token").unwrap().as_str()),
        ]).await;
        assert!(confirmed.page().2.contains("Email address confirmed"));

        // The application's refresh token still works, for the same sub.
        assert_eq!(refreshed_sub(&client, &mut tokens).await, sub);
        // And a sign-in with the new password, in a new browser, is the same person.
        let (url, nonce) = authorization(&client, &[]);
        let landing = Browser::new(server).authorize(&url, "gail@example.com", PASSWORD).await;
        let id = claims(&client, &redeem(&client, &landing).await, &nonce);
        assert_eq!(id.subject().as_str(), sub);
        assert_eq!(amr(&id), ["pwd"]);
    }

    async fn a_guest_registers_through_an_upstream_keeping_its_sub(server) {
        let mock = MockUpstream::start();
        let fed = server.running().services.federation.clone();
        let issuer = mock.issuer.clone();
        server.on_server(async move {
            fed.upstreams.create(NewUpstream {
                name: "guest-up".into(), display_name: None, issuer, preset: None, endpoints: Endpoints::default(),
                client_id: CLIENT_ID.into(), client_secret: Some(CLIENT_SECRET.into()), scopes: vec![],
                first_login: FirstLogin::Create, trusted_for_email: true, trusted_for_acr: false, trusted_for_mfa: false, enabled: true, allowed_clients: vec![],
            }, "test").await
        }).await.expect("upstream");
        mock.sign_in_as(serde_json::json!({
            "sub": "guest-upstream-1", "email": "gus@example.com", "email_verified": true, "name": "Gus",
        }));
        let (client_id, secret) = server.client(|c| {
            c.allow_guests = true;
            c.first_party = true;
        }).await;
        let (_, client) = discover(server, &client_id, secret.as_deref(), REDIRECT_URI).await;
        let browser = Browser::new(server);
        let (url, nonce) = authorization(&client, &[("guest", "true")]);
        let id = claims(&client, &redeem(&client, &browser.open(&url).await).await, &nonce);
        let sub = id.subject().to_string();

        // The application asks for a real sign-in; the person picks the upstream.
        let (url, nonce) = authorization(&client, &[("prompt", "login")]);
        let login = browser.open(&url).await;
        let (_, _, page) = login.page();
        let marker = "href=\"/login/upstream/guest-up?";
        let start = page.find(marker).expect("the upstream's button") + "href=\"".len();
        let href = unescape(&page[start..start + page[start..].find('"').unwrap()]);
        let landing = walk(&browser.http, &server.url(&href), |u| u.starts_with(REDIRECT_URI)).await;
        let id = claims(&client, &redeem(&client, &landing).await, &nonce);
        assert_eq!(id.subject().as_str(), sub, "the guest's sub");
        assert!(amr(&id).contains(&"fed".to_owned()), "{:?}", amr(&id));
        let user = user_by_sub(server, &sub).await.unwrap();
        assert!(!user.guest);
        assert_eq!((user.email.as_deref(), user.email_verified), (Some("gus@example.com"), true));
    }

    async fn only_clients_allowed_to_get_guests_and_the_value_is_checked(server) {
        let (client_id, secret) = server.client(|c| c.first_party = true).await;
        let (_, client) = discover(server, &client_id, secret.as_deref(), REDIRECT_URI).await;
        let (url, _) = authorization(&client, &[("guest", "true")]);
        let refused = Browser::new(server).open(&url).await;
        assert_eq!(refused.params().get("error").map(String::as_str), Some("unauthorized_client"));

        let (client_id, secret) = server.client(|c| c.allow_guests = true).await;
        let (_, client) = discover(server, &client_id, secret.as_deref(), REDIRECT_URI).await;
        let (url, _) = authorization(&client, &[("guest", "yes")]);
        let refused = Browser::new(server).open(&url).await;
        assert_eq!(refused.params().get("error").map(String::as_str), Some("invalid_request"));
        // `guest=false` is an ordinary request: the sign-in page.
        let (url, _) = authorization(&client, &[("guest", "false")]);
        let page = Browser::new(server).open(&url).await;
        assert!(page.page().2.contains("action=\"/login\""));
    }

    async fn a_guest_asked_for_more_than_a_guest_is_shown_the_sign_in_page(server) {
        // The application requires a second factor: the guest made for the request does not
        // have one, and the sign-in page shows instead of another guest (no loop).
        let (client_id, secret) = server.client(|c| {
            c.allow_guests = true;
            c.first_party = true;
            c.require_mfa = true;
        }).await;
        let (_, client) = discover(server, &client_id, secret.as_deref(), REDIRECT_URI).await;
        let (url, _) = authorization(&client, &[("guest", "true")]);
        let landing = Browser::new(server).open(&url).await;
        assert!(landing.page().2.contains("action=\"/login\""), "{}", landing.page().2);
    }
}
