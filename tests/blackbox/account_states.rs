//! Account states at sign-in, at refresh and at introspection: active, pending, locked
//! (by failed passwords or by an administrator), suspended and disabled.

use domain::users::UserStatus;
use harness::rp::{Browser, Landing};
use harness::{REDIRECT_URI, TestServer};
use serde_json::Value;

pub(crate) const PASSWORD: &str = "correct horse battery staple";
const LOCKED: &str = "locked after too many failed sign-ins";
const CANNOT: &str = "cannot sign in at the moment";

/// A user, a confidential client and a browser of one test.
pub(crate) struct Kit {
    server: &'static TestServer,
    pub(crate) email: String,
    client_id: String,
    secret: String,
}

impl Kit {
    pub(crate) async fn new(server: &'static TestServer, tag: &str) -> Self {
        let email = format!("state-{tag}@example.com");
        server.user(&email, PASSWORD).await;
        let (client_id, secret) = server.client(|c| c.first_party = true).await;
        Self {
            server,
            email,
            client_id,
            secret: secret.expect("confidential"),
        }
    }

    /// The parked request id in a sign-in page (differs per attempt).
    pub(crate) fn hidden_request(&self, page: &str) -> String {
        harness::rp::hidden(page, "request").unwrap_or_default()
    }

    pub(crate) fn auth_url(&self, extra: &[(&str, &str)]) -> String {
        let mut url = url::Url::parse(&self.server.url("/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("response_type", "code")
            .append_pair("scope", "openid offline_access")
            .append_pair("state", "s")
            .extend_pairs(extra.iter().copied());
        url.to_string()
    }

    /// Submits the sign-in form once with `password`; returns where it landed.
    pub(crate) async fn try_password(&self, browser: &Browser, password: &str) -> Landing {
        let landing = browser.open(&self.auth_url(&[])).await;
        browser.sign_in(&landing, &self.email, password).await
    }

    /// Signs in with a fresh browser and redeems the code: `(browser, token response)`.
    pub(crate) async fn sign_in(&self) -> (Browser, Value) {
        let browser = Browser::new(self.server);
        let landing = self.try_password(&browser, PASSWORD).await;
        let code = landing.params()["code"].clone();
        let tokens = self
            .token(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
            ])
            .await;
        assert!(tokens["refresh_token"].is_string(), "{tokens}");
        (browser, tokens)
    }

    pub(crate) async fn token(&self, form: &[(&str, &str)]) -> Value {
        reqwest::Client::new()
            .post(self.server.url("/token"))
            .basic_auth(&self.client_id, Some(&self.secret))
            .form(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub(crate) async fn refresh(&self, refresh_token: &str) -> Value {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    pub(crate) async fn active(&self, token: &str) -> bool {
        let v: Value = reqwest::Client::new()
            .post(self.server.url("/introspect"))
            .basic_auth(&self.client_id, Some(&self.secret))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["active"] == true
    }

    pub(crate) async fn userinfo_status(&self, token: &str) -> u16 {
        reqwest::Client::new()
            .get(self.server.url("/userinfo"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    pub(crate) async fn set_status(&self, status: UserStatus) {
        let users = self.server.running().services.users.clone();
        let email = self.email.clone();
        self.server
            .on_server(async move { users.set_status(&email, status, Some("test".into())).await })
            .await
            .expect("status set");
    }

    pub(crate) async fn stored_status(&self) -> String {
        let users = self.server.running().services.users.clone();
        let email = self.email.clone();
        self.server
            .on_server(async move { users.get_by_email(&email).await })
            .await
            .expect("user")
            .status
    }
}

/// The page's status and whether its text contains `needle`.
fn page_says(landing: &Landing, status: u16, needle: &str) {
    let (got, _, body) = landing.page();
    assert_eq!(got, status, "{body}");
    assert!(body.contains(needle), "expected {needle:?} in {body}");
}

harness::shared_server_tests! {
    setup = |c| {
        c.accounts.lockout_threshold = 3;
        c.accounts.lockout_secs = 3600;
    };

    async fn failed_passwords_lock_sign_in_but_not_existing_tokens(server) {
        let kit = Kit::new(server, "lockout").await;
        let (_, tokens) = kit.sign_in().await;
        let browser = Browser::new(server);
        for attempt in 1..=3 {
            let landing = kit.try_password(&browser, "wrong password").await;
            page_says(&landing, 401, "Incorrect email or password");
            assert!(!landing.page().2.contains(LOCKED), "attempt {attempt} reveals nothing");
        }
        assert_eq!(kit.stored_status().await, "locked");
        // While locked, the right password gets the same answer as a wrong one.
        page_says(&kit.try_password(&browser, PASSWORD).await, 401, "Incorrect email or password");
        page_says(&kit.try_password(&browser, "wrong again").await, 401, "Incorrect email or password");
        // The lock stops password sign-in only: the earlier grant still refreshes.
        let refreshed = kit.refresh(tokens["refresh_token"].as_str().unwrap()).await;
        assert!(refreshed["access_token"].is_string(), "{refreshed}");
        assert!(kit.active(refreshed["access_token"].as_str().unwrap()).await);
        // An administrator unlocks it.
        let users = server.running().services.users.clone();
        let email = kit.email.clone();
        server.on_server(async move { users.unlock(&email).await }).await.expect("unlock");
        assert!(kit.try_password(&browser, PASSWORD).await.params().contains_key("code"));
    }

    async fn finding_m_a_locked_account_answers_the_right_password_like_a_wrong_one(server) {
        let kit = Kit::new(server, "lock-oracle").await;
        let browser = Browser::new(server);
        for _ in 0..3 {
            kit.try_password(&browser, "wrong password").await;
        }
        assert_eq!(kit.stored_status().await, "locked");
        let failed = || async {
            let users = server.running().services.users.clone();
            let email = kit.email.clone();
            server.on_server(async move { users.get_by_email(&email).await }).await.expect("user").failed_logins
        };
        let before = failed().await;
        let wrong = kit.try_password(&browser, "still wrong").await;
        let right = kit.try_password(&browser, PASSWORD).await;
        let (wrong_status, _, wrong_page) = wrong.page();
        let (right_status, _, right_page) = right.page();
        assert_eq!((wrong_status, right_status), (401, 401));
        let csrf = |page: &str| harness::rp::hidden(page, "csrf").unwrap_or_default();
        assert_eq!(
            wrong_page.replace(&csrf(wrong_page), "CSRF").replace(&kit.hidden_request(wrong_page), "REQ"),
            right_page.replace(&csrf(right_page), "CSRF").replace(&kit.hidden_request(right_page), "REQ"),
            "the same page for the right and a wrong password while locked"
        );
        assert!(!right_page.contains(LOCKED));
        // Both guesses made during the lock were counted.
        assert_eq!(failed().await, before + 2);
        assert_eq!(kit.stored_status().await, "locked");
    }

    async fn a_good_password_resets_the_failure_count(server) {
        let kit = Kit::new(server, "reset-count").await;
        let browser = Browser::new(server);
        for _ in 0..2 {
            kit.try_password(&browser, "wrong password").await;
        }
        assert!(kit.try_password(&Browser::new(server), PASSWORD).await.params().contains_key("code"));
        for _ in 0..2 {
            kit.try_password(&browser, "wrong password").await;
        }
        assert_eq!(kit.stored_status().await, "active");
        assert!(kit.try_password(&Browser::new(server), PASSWORD).await.params().contains_key("code"));
    }

    async fn suspended_or_disabled_accounts_lose_everything_at_once(server) {
        for status in [UserStatus::Suspended, UserStatus::Disabled] {
            let kit = Kit::new(server, status.as_str()).await;
            let (browser, tokens) = kit.sign_in().await;
            let access = tokens["access_token"].as_str().unwrap();
            let refresh = tokens["refresh_token"].as_str().unwrap();
            assert!(kit.active(access).await && kit.active(refresh).await);
            kit.set_status(status).await;
            // Introspection, userinfo and refresh fail at once...
            assert!(!kit.active(access).await, "{status}: access token inactive");
            assert!(!kit.active(refresh).await, "{status}: refresh token inactive");
            assert_eq!(kit.userinfo_status(access).await, 401);
            assert_eq!(kit.refresh(refresh).await["error"], "invalid_grant");
            // ...the browser session is over...
            let silent = browser.open(&kit.auth_url(&[("prompt", "none")])).await;
            assert_eq!(silent.params()["error"], "login_required");
            // ...and the right password does not sign in.
            page_says(&kit.try_password(&browser, PASSWORD).await, 403, CANNOT);
            // Reactivated, the account signs in again; the old grant stays dead.
            kit.set_status(UserStatus::Active).await;
            let (_, fresh) = kit.sign_in().await;
            assert!(kit.active(fresh["access_token"].as_str().unwrap()).await);
            assert_eq!(kit.refresh(refresh).await["error"], "invalid_grant");
        }
    }

    async fn pending_account_signs_in_only_when_configured(server) {
        let kit = Kit::new(server, "pending").await;
        kit.set_status(UserStatus::Pending).await;
        let browser = Browser::new(server);
        page_says(&kit.try_password(&browser, PASSWORD).await, 403, "Confirm your email address");
        // A wrong password gets the generic answer, and does not count towards a lock.
        page_says(&kit.try_password(&browser, "nope").await, 401, "Incorrect email or password");
        assert_eq!(kit.stored_status().await, "pending");
    }

    async fn unknown_email_locks_nothing(server) {
        let kit = Kit::new(server, "unknown").await;
        let browser = Browser::new(server);
        let landing = browser.open(&kit.auth_url(&[])).await;
        let mut landing = browser.sign_in(&landing, "nobody-here@example.com", "x").await;
        for _ in 0..4 {
            landing = browser.sign_in(&landing, "nobody-here@example.com", "x").await;
        }
        page_says(&landing, 401, "Incorrect email or password");
        assert!(kit.try_password(&browser, PASSWORD).await.params().contains_key("code"));
    }
}

/// A lock that runs out by itself; pending accounts allowed to sign in.
mod lenient {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| {
            c.accounts.lockout_threshold = 2;
            c.accounts.lockout_secs = 1;
            c.accounts.pending_may_sign_in = true;
        };

        async fn lock_runs_out(server) {
            let kit = Kit::new(server, "expiring-lock").await;
            let browser = Browser::new(server);
            for _ in 0..2 {
                kit.try_password(&browser, "wrong password").await;
            }
            assert_eq!(kit.stored_status().await, "locked");
            // The lock's end is the condition: poll until the right password works.
            let mut signed_in = false;
            for _ in 0..50 {
                if let Landing::Client { params, .. } = kit.try_password(&browser, PASSWORD).await {
                    signed_in = params.contains_key("code");
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert!(signed_in, "the lock ended by itself");
            assert_eq!(kit.stored_status().await, "active");
        }

        async fn pending_account_may_sign_in(server) {
            let kit = Kit::new(server, "pending-ok").await;
            kit.set_status(UserStatus::Pending).await;
            let (_, tokens) = kit.sign_in().await;
            assert!(kit.active(tokens["access_token"].as_str().unwrap()).await);
        }
    }
}
