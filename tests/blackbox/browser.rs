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
