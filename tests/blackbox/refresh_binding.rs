//! Refresh-token binding: a grant remembers the device (user agent and client hints) that
//! obtained it; a refresh from another device follows `tokens.refresh_binding`.

use harness::rp::Browser;
use harness::{REDIRECT_URI, TestServer};
use serde_json::Value;

use crate::account_states::{Kit, PASSWORD};

const PHONE: &str = "Mozilla/5.0 (Linux; Android 15) Mobile Safari/537.36";
const LAPTOP: &str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/150.0";

struct Device<'a> {
    kit: &'a Kit,
    secret: String,
    client_id: String,
}

impl Device<'_> {
    async fn token(&self, ua: &str, form: &[(&str, &str)]) -> Value {
        reqwest::Client::builder()
            .user_agent(ua)
            .build()
            .unwrap()
            .post(self.kit_url("/token"))
            .basic_auth(&self.client_id, Some(&self.secret))
            .form(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    fn kit_url(&self, path: &str) -> String {
        let auth = url::Url::parse(&self.kit.auth_url(&[])).unwrap();
        format!("{}{path}", auth.origin().ascii_serialization())
    }
}

/// Signs in and redeems the code from the phone: `(browser, tokens)`.
async fn obtain<'a>(
    server: &TestServer,
    kit: &'a Kit,
    client: (String, String),
) -> (Device<'a>, Browser, Value) {
    let device = Device {
        kit,
        client_id: client.0,
        secret: client.1,
    };
    let browser = Browser::new(server);
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &device.client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid offline_access");
    let landed = browser.authorize(url.as_str(), &kit.email, PASSWORD).await;
    let code = landed.params()["code"].clone();
    let tokens = device
        .token(
            PHONE,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
            ],
        )
        .await;
    assert!(tokens["refresh_token"].is_string(), "{tokens}");
    (device, browser, tokens)
}

async fn client(server: &TestServer) -> (String, String) {
    let (id, secret) = server.client(|c| c.first_party = true).await;
    (id, secret.unwrap())
}

fn refresh_of(tokens: &Value) -> String {
    tokens["refresh_token"].as_str().unwrap().to_owned()
}

async fn signed_in(browser: &Browser, server: &TestServer) -> bool {
    !browser
        .open(&server.url("/account"))
        .await
        .page()
        .2
        .contains("action=\"/login\"")
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn allow_lets_another_device_refresh_and_the_same_device_always_can(server) {
        let kit = Kit::new(server, "bind-allow").await;
        let (device, _, tokens) = obtain(server, &kit, client(server).await).await;
        let same = device.token(PHONE, &[("grant_type", "refresh_token"), ("refresh_token", &refresh_of(&tokens))]).await;
        assert!(same["access_token"].is_string(), "{same}");
        let other = device.token(LAPTOP, &[("grant_type", "refresh_token"), ("refresh_token", &refresh_of(&same))]).await;
        assert!(other["access_token"].is_string(), "allowed: {other}");
        let db = server.running().services.store.db().clone();
        let events = server
            .on_server(async move {
                use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
                domain::entities::audit_event::Entity::find()
                    .filter(domain::entities::audit_event::Column::Kind.eq("token.refresh_device_changed"))
                    .all(&db)
                    .await
            })
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "audited once");
    }
}

mod reauthenticate {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| c.tokens.refresh_binding = gatehouse::config::RefreshBindingPolicy::Reauthenticate;

        async fn another_device_ends_the_grant_but_not_the_session(server) {
            let kit = Kit::new(server, "bind-reauth").await;
            let (device, browser, tokens) = obtain(server, &kit, client(server).await).await;
            let other = device.token(LAPTOP, &[("grant_type", "refresh_token"), ("refresh_token", &refresh_of(&tokens))]).await;
            assert_eq!(other["error"], "invalid_grant", "{other}");
            assert!(other["error_description"].as_str().unwrap().contains("sign in again"));
            // The grant is over, even for the phone; the browser session stays.
            let refused = device.token(PHONE, &[("grant_type", "refresh_token"), ("refresh_token", &refresh_of(&tokens))]).await;
            assert_eq!(refused["error"], "invalid_grant");
            assert!(signed_in(&browser, server).await);
        }
    }
}

mod revoke {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| c.tokens.refresh_binding = gatehouse::config::RefreshBindingPolicy::Revoke;

        async fn another_device_ends_the_grant_and_its_session(server) {
            let kit = Kit::new(server, "bind-revoke").await;
            let (device, browser, tokens) = obtain(server, &kit, client(server).await).await;
            let ok = device.token(PHONE, &[("grant_type", "refresh_token"), ("refresh_token", &refresh_of(&tokens))]).await;
            assert!(ok["access_token"].is_string(), "the same device refreshes: {ok}");
            let other = device.token(LAPTOP, &[("grant_type", "refresh_token"), ("refresh_token", &refresh_of(&ok))]).await;
            assert_eq!(other["error"], "invalid_grant");
            assert!(!signed_in(&browser, server).await, "the session that started the grant ended");
            assert!(!kit.active(ok["access_token"].as_str().unwrap()).await);
        }
    }
}
