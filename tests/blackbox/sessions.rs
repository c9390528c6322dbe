//! The user's sessions: listed (page and JSON) with browser and system read from the user
//! agent, ended one by one, all but this one, or all; a sign-in from a browser not seen
//! before is mailed.

use harness::TestServer;
use harness::mailbox::all_to;
use harness::rp::{Browser, hidden};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:150.0) Gecko/20100101 Firefox/150.0";
const FIREFOX_NEXT: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:151.0) Gecko/20100101 Firefox/151.0";
const PHONE: &str = "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36";
const ALERT: &str = "New sign-in to your account";

async fn signed_in_browser(server: &TestServer, email: &str, ua: &str) -> Browser {
    let browser = Browser::with_user_agent(server, ua);
    let login = browser.open(&server.url("/account")).await;
    let page = browser.sign_in(&login, email, PASSWORD).await;
    assert_eq!(page.page().0, 200, "{}", page.page().2);
    browser
}

async fn sessions_json(browser: &Browser, server: &TestServer) -> Option<Value> {
    let res = browser
        .http
        .get(server.url("/account/sessions.json"))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = res.text().await.unwrap();
    if status != 200 {
        return None;
    }
    Some(serde_json::from_str(&body).unwrap_or_else(|e| panic!("{status} {body:?}: {e}")))
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn sessions_are_listed_with_their_device_and_new_devices_are_mailed(server) {
        let email = "devices@example.com";
        server.user(email, PASSWORD).await;
        let laptop = signed_in_browser(server, email, FIREFOX).await;
        assert!(all_to(server, email, ALERT).await.is_empty(), "the first sign-in is not news");
        let phone = signed_in_browser(server, email, PHONE).await;
        let alerts = all_to(server, email, ALERT).await;
        assert_eq!(alerts.len(), 1);
        assert!(alerts[0].contains("Chrome on Android") && alerts[0].contains("127.0.0.1"), "{}", alerts[0]);
        // The same browser after an update is not new.
        signed_in_browser(server, email, FIREFOX_NEXT).await;
        assert_eq!(all_to(server, email, ALERT).await.len(), 1);

        let listed = sessions_json(&laptop, server).await.expect("signed in");
        let sessions = listed["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 3);
        assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
        let current = sessions.iter().find(|s| s["current"] == true).unwrap();
        assert_eq!((current["browser"].as_str(), current["os"].as_str()), (Some("Firefox"), Some("Linux")));
        assert!(sessions.iter().any(|s| s["browser"] == "Chrome" && s["os"] == "Android" && s["ip"] == "127.0.0.1"));
        assert!(current["created_at"].is_string() && current["last_active_at"].is_string());
        let page = laptop.open(&server.url("/account/sessions")).await;
        assert!(page.page().2.contains("Chrome on Android"));

        // Sign out everywhere from the laptop: every browser is signed out.
        let csrf = hidden(page.page().2, "csrf").unwrap();
        let done = laptop.post(&server.url("/account/sessions/end-all"), &[("csrf", csrf.as_str())]).await;
        assert_eq!(done.page().0, 200);
        assert!(sessions_json(&laptop, server).await.is_none());
        assert!(sessions_json(&phone, server).await.is_none());
    }
}

/// Signs in through an authorization request, with or without "keep me signed in"; returns
/// the session cookie's `Set-Cookie` and the redeemed token response.
async fn sign_in_remembering(server: &TestServer, email: &str, remember: bool) -> (String, Value) {
    let (client_id, secret) = server.client(|c| c.first_party = true).await;
    let browser = Browser::new(server);
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", harness::REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid offline_access");
    let login = browser.open(url.as_str()).await;
    let page = login.page().2;
    let mut form = vec![
        ("csrf", hidden(page, "csrf").unwrap()),
        ("request", hidden(page, "request").unwrap()),
        ("email", email.to_owned()),
        ("password", PASSWORD.to_owned()),
    ];
    if remember {
        form.push(("remember", "yes".to_owned()));
    }
    let res = browser
        .http
        .post(server.url("/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("gatehouse_session="))
        .expect("session cookie");
    let resume = res.headers()["location"].to_str().unwrap().to_owned();
    let code = browser.open(&server.url(&resume)).await.params()["code"].clone();
    let tokens: Value = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(&client_id, secret.as_deref())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", harness::REDIRECT_URI),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (cookie, tokens)
}

/// The user's newest session and grant: their expiries and the session's remember flag.
async fn newest(
    server: &TestServer,
    user_id: &str,
) -> (bool, time::OffsetDateTime, time::OffsetDateTime) {
    use domain::entities::{browser_session, refresh_token_family};
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};
    let db = server.running().services.store.db().clone();
    let uid = user_id.to_owned();
    server
        .on_server(async move {
            let s = browser_session::Entity::find()
                .filter(browser_session::Column::UserId.eq(uid.clone()))
                .order_by_desc(browser_session::Column::CreatedAt)
                .one(&db)
                .await
                .unwrap()
                .unwrap();
            let g = refresh_token_family::Entity::find()
                .filter(refresh_token_family::Column::UserId.eq(uid))
                .order_by_desc(refresh_token_family::Column::CreatedAt)
                .one(&db)
                .await
                .unwrap()
                .unwrap();
            (s.remember, s.expires_at, g.expires_at)
        })
        .await
}

mod remember_me {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| {
            c.session.absolute_timeout_secs = 3600;
            c.session.remember_me_secs = 14 * 24 * 3600;
        };

        async fn keep_me_signed_in_makes_session_cookie_and_refresh_tokens_long(server) {
            let email = "remember@example.com";
            let user_id = server.user(email, PASSWORD).await;
            let now = time::OffsetDateTime::now_utc();

            let (cookie, tokens) = sign_in_remembering(server, email, false).await;
            assert!(tokens["refresh_token"].is_string());
            assert!(!cookie.to_ascii_lowercase().contains("max-age"), "a cookie for this browser run: {cookie}");
            let (remember, session_end, grant_end) = newest(server, &user_id).await;
            assert!(!remember);
            assert!(session_end < now + time::Duration::hours(2), "short session");
            assert!(grant_end <= session_end, "refresh tokens end with the session");

            let (cookie, _) = sign_in_remembering(server, email, true).await;
            assert!(cookie.contains("Max-Age=1209600"), "{cookie}");
            let (remember, session_end, grant_end) = newest(server, &user_id).await;
            assert!(remember);
            assert!(session_end > now + time::Duration::days(13), "long session");
            assert!(grant_end > now + time::Duration::days(13) && grant_end <= session_end, "refresh tokens to match");
        }
    }
}

/// A location database: sessions show where their IP address is.
mod geoip {
    use super::*;

    fn database() -> String {
        static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        PATH.get_or_init(|| {
            let dir = std::env::temp_dir().join(format!("gatehouse-geoip-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("test-city.mmdb");
            harness::mmdb::write(&path, 127, "Testville", "Testland", "ZZ");
            path.display().to_string()
        })
        .clone()
    }

    harness::shared_server_tests! {
        setup = |c| c.session.geoip_database = database();

        async fn sessions_show_an_approximate_location(server) {
            let email = "geoip@example.com";
            server.user(email, PASSWORD).await;
            let browser = signed_in_browser(server, email, FIREFOX).await;
            let listed = sessions_json(&browser, server).await.expect("signed in");
            assert_eq!(listed["sessions"][0]["location"], "Testville, Testland", "{listed}");
            let page = browser.open(&server.url("/account/sessions")).await;
            assert!(page.page().2.contains("near Testville, Testland"));
        }
    }
}
