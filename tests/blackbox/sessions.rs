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
        let page = laptop.open(&server.url("/account")).await;
        assert!(page.page().2.contains("Chrome on Android"));

        // Sign out everywhere from the laptop: every browser is signed out.
        let csrf = hidden(page.page().2, "csrf").unwrap();
        let done = laptop.post(&server.url("/account/sessions/end-all"), &[("csrf", csrf.as_str())]).await;
        assert_eq!(done.page().0, 200);
        assert!(sessions_json(&laptop, server).await.is_none());
        assert!(sessions_json(&phone, server).await.is_none());
    }
}
