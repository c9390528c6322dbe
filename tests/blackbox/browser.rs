//! A real browser on the real pages: headless Chromium registers through `/register`, its
//! proof-of-work script solving the CAPTCHA, then confirms the address from the mail.

use gatehouse::config::{CaptchaProvider, RegistrationMode};
use harness::mailbox::{link, mail_to};
use harness::webdriver::{self, Chrome};

harness::shared_server_tests! {
    setup = |c| {
        c.registration.mode = RegistrationMode::Open;
        c.captcha.provider = CaptchaProvider::Pow;
        c.captcha.pow_difficulty = 12;
    };

    async fn chromium_registers_through_the_page_with_the_proof_of_work(server) {
        if !webdriver::available() {
            harness::skip_or_fail("Debian chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)");
            return;
        }
        let email = "chromium@example.com";
        let chrome = Chrome::start().await;
        chrome.goto(&server.url("/register")).await;
        chrome.type_into("#email", email).await;
        chrome.type_into("#name", "Chromium Tester").await;
        chrome.type_into("#password", "violet staircase humming 42").await;
        // Sent at once: the script holds the form until the work is done, then sends it.
        chrome.click("button[type=submit]").await;
        chrome.wait_for_text("Check your inbox").await;
        let users = server.running().services.users.clone();
        let user = server
            .on_server(async move { users.find_by_email(email).await })
            .await
            .unwrap()
            .expect("registered");
        assert_eq!((user.status.as_str(), user.display_name.as_deref()), ("pending", Some("Chromium Tester")));

        let mail = mail_to(server, email, "Confirm your email address").await;
        chrome.goto(&link(server, &mail, "/verify-email?token=")).await;
        chrome.click("button[type=submit]").await;
        chrome.wait_for_text("Email address confirmed").await;
        let users = server.running().services.users.clone();
        let user = server.on_server(async move { users.get_by_email(email).await }).await.unwrap();
        assert_eq!(user.status, "active");
        chrome.quit().await;
    }
}

/// Passkeys in a real browser with a virtual authenticator: added on the account page, then
/// used to sign in without a username, and as the second step after a password.
mod passkeys {
    use super::*;

    const PASSWORD: &str = "correct horse battery staple";

    harness::shared_server_tests! {
        setup = |c| c.issuer = "http://localhost".into();

        async fn chromium_adds_a_passkey_then_signs_in_with_it(server) {
            if !webdriver::available() {
                harness::skip_or_fail("Debian chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)");
                return;
            }
            assert!(server.base.starts_with("http://localhost:"), "{}", server.base);
            let email = "passkey@example.com";
            let user_id = server.user(email, PASSWORD).await;
            let chrome = Chrome::start().await;
            chrome.add_virtual_authenticator().await;
            chrome.goto(&server.url("/account/passkeys")).await;
            chrome.type_into("#email", email).await;
            chrome.type_into("#password", PASSWORD).await;
            chrome.click("form[action='/login'] button[type=submit]").await;
            chrome.wait_for_text("Signed in as").await;
            chrome.type_into("#passkey_name", "Virtual key").await;
            chrome.click("#add-passkey").await;
            chrome.wait_for_text("The passkey is added").await;
            assert!(chrome.source().await.contains("Virtual key"));

            // Usernameless: no email typed at all.
            chrome.delete_cookies().await;
            chrome.goto(&server.url("/login?next=/account")).await;
            chrome.click("#passkey-sign-in").await;
            chrome.wait_for_text("Signed in as").await;
            let sessions = server.running().services.sessions.clone();
            let uid = user_id.clone();
            let live = server.on_server(async move { sessions.live_of_user(&uid).await }).await.unwrap();
            let amr: Vec<String> = serde_json::from_value(live[0].amr.clone()).unwrap();
            assert!(amr.contains(&"mfa".to_owned()) && amr.contains(&"user".to_owned()), "{amr:?}");
            assert_eq!(live[0].acr.as_deref(), Some("urn:gatehouse:loa:2"));

            // As the second step after the password.
            chrome.delete_cookies().await;
            chrome.goto(&server.url("/login?next=/account")).await;
            chrome.type_into("#email", email).await;
            chrome.type_into("#password", PASSWORD).await;
            chrome.click("form[action='/login'] button[type=submit]").await;
            chrome.wait_for_text("Use your passkey").await;
            chrome.click("#use-passkey").await;
            chrome.wait_for_text("Signed in as").await;
            chrome.quit().await;
        }
    }
}
