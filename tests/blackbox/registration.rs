//! Self-registration and email verification through the hosted pages, reading the mail the
//! file transport writes.

use harness::mailbox::mail_to;
use harness::rp::{Browser, Landing, hidden};
use harness::{REDIRECT_URI, TestServer};

const PASSWORD: &str = "violet staircase humming 42";

/// The first `https?://.../verify-email?token=...` link of a mail.
fn verify_link(mail: &str) -> String {
    let start = mail.find("http://").expect("a link");
    mail[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap()
        .to_owned()
}

/// Submits the registration form of a fresh page.
async fn register(
    browser: &Browser,
    server: &TestServer,
    email: &str,
    name: &str,
    password: &str,
) -> Landing {
    let landing = browser.open(&server.url("/register")).await;
    let (status, _, page) = landing.page();
    assert_eq!(status, 200, "{page}");
    browser
        .post(
            &server.url("/register"),
            &[
                ("csrf", hidden(page, "csrf").unwrap().as_str()),
                ("email", email),
                ("name", name),
                ("password", password),
            ],
        )
        .await
}

async fn user_status(server: &TestServer, email: &str) -> Option<(String, bool)> {
    let users = server.running().services.users.clone();
    let email = email.to_owned();
    server
        .on_server(async move { users.find_by_email(&email).await })
        .await
        .expect("query")
        .map(|u| (u.status, u.email_verified))
}

/// Tries to sign in through an authorization request; returns the landing after the form.
async fn try_sign_in(server: &TestServer, email: &str) -> Landing {
    let (client_id, _) = server.client(|c| c.first_party = true).await;
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid");
    let browser = Browser::new(server);
    let landing = browser.open(url.as_str()).await;
    browser.sign_in(&landing, email, PASSWORD).await
}

fn page_without_csrf(landing: &Landing) -> String {
    let (_, _, body) = landing.page();
    match hidden(body, "csrf") {
        Some(t) => body.replace(&t, ""),
        None => body.to_owned(),
    }
}

harness::shared_server_tests! {
    setup = |c| c.registration.mode = gatehouse::config::RegistrationMode::Open;

    async fn register_verify_then_sign_in(server) {
        let email = "newcomer@example.com";
        let browser = Browser::new(server);
        let done = register(&browser, server, "  NewComer@Example.com ", "Nia Newcomer", PASSWORD).await;
        let (status, _, page) = done.page();
        assert_eq!(status, 200);
        assert!(page.contains("Check your inbox"), "{page}");
        assert_eq!(user_status(server, email).await, Some(("pending".into(), false)));
        // Not before the address is confirmed.
        let refused = try_sign_in(server, email).await;
        assert!(refused.page().2.contains("Confirm your email address first"));

        let mail = mail_to(server, email, "Confirm your email address").await;
        // The address is not proven yet: the mail does not quote the name typed in.
        assert!(mail.contains("multipart/alternative") && !mail.contains("Nia Newcomer"));
        let link = verify_link(&mail);
        assert!(link.starts_with(&server.url("/verify-email?token=")), "{link}");
        // Opening the link (as a mail scanner would) changes nothing.
        let confirm = browser.open(&link).await;
        assert_eq!(user_status(server, email).await, Some(("pending".into(), false)));
        let (_, _, page) = confirm.page();
        let form = [("csrf", hidden(page, "csrf").unwrap()), ("token", hidden(page, "token").unwrap())];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let confirmed = browser.post(&server.url("/verify-email"), &form).await;
        assert!(confirmed.page().2.contains("Email address confirmed"));
        assert_eq!(user_status(server, email).await, Some(("active".into(), true)));
        // The link works once.
        let again = browser.post(&server.url("/verify-email"), &form).await;
        assert_eq!(again.page().0, 400);
        // And the account signs in.
        assert!(try_sign_in(server, email).await.params().contains_key("code"));
    }

    async fn existing_email_answers_like_success_and_mails_the_owner(server) {
        let owner = "owner@example.com";
        server.user(owner, "the owner's own passphrase").await;
        let browser = Browser::new(server);
        let existing = register(&browser, server, owner, "Mallory", PASSWORD).await;
        let fresh = register(&browser, server, "fresh@example.com", "Mallory", PASSWORD).await;
        assert_eq!(existing.page().0, fresh.page().0);
        assert_eq!(page_without_csrf(&existing), page_without_csrf(&fresh), "no enumeration");
        let mail = mail_to(server, owner, "Someone tried to create an account").await;
        assert!(mail.contains("already has one"));
        // The owner's account is untouched.
        assert_eq!(user_status(server, owner).await, Some(("active".into(), true)));
        let users = server.running().services.users.clone();
        let ok = server
            .on_server(async move { users.verify_password(owner, "the owner's own passphrase").await })
            .await
            .unwrap();
        assert!(ok.is_some());
    }

    async fn finding_w_no_chosen_name_in_mail_to_an_unverified_address(server) {
        let email = "w-target@example.com";
        let lure = "Security team: your mailbox will be closed";
        register(&Browser::new(server), server, email, lure, PASSWORD).await;
        let mail = mail_to(server, email, "Confirm your email address").await;
        assert!(!mail.contains("Security team") && !mail.contains("mailbox will be closed"), "{mail}");
        assert_eq!(user_status(server, email).await, Some(("pending".into(), false)));
    }

    async fn finding_w_one_already_registered_mail_per_cooldown(server) {
        let owner = "w-owner@example.com";
        server.user(owner, "the owner's own passphrase").await;
        for _ in 0..3 {
            register(&Browser::new(server), server, owner, "", PASSWORD).await;
        }
        let mails = harness::mailbox::all_to(server, owner, "Someone tried to create an account").await;
        assert_eq!(mails.len(), 1, "one mail per address per cooldown");
    }

    async fn bad_input_gets_per_field_messages_and_stores_nothing(server) {
        let browser = Browser::new(server);
        for (email, name, password, expect) in [
            ("not-an-email", "A", PASSWORD, "Enter an email address"),
            ("bad1@example.com", "A", "short", "Use at least 8 characters"),
            ("bad2@example.com", "A", "password123", "one of the most common"),
            ("bad3@example.com", "A", "aaaaaaaaaaaa", "too easy to guess"),
            ("bad4@example.com", &"n".repeat(201), PASSWORD, "at most 200 characters"),
            ("bad5@example.com", "tab\there", PASSWORD, "Use letters, digits"),
            ("bad6@example.com", "<script>alert(1)</script>", "short", "Use at least 8"),
        ] {
            let landing = register(&browser, server, email, name, password).await;
            let (status, _, page) = landing.page();
            assert_eq!(status, 422, "{email}: {page}");
            assert!(page.contains(expect), "{email}: expected {expect:?}");
            assert!(!page.contains("<script>alert(1)</script>"), "markup is escaped");
            if email.contains('@') {
                assert_eq!(user_status(server, email).await, None, "{email}: nothing stored");
            }
        }
        // Without the CSRF token: refused, nothing stored.
        let res = browser
            .post(&server.url("/register"), &[("email", "nocsrf@example.com"), ("password", PASSWORD)])
            .await;
        assert_eq!(res.page().0, 403);
        assert_eq!(user_status(server, "nocsrf@example.com").await, None);
        // A forged verification token does nothing.
        let confirm = browser.open(&server.url("/verify-email?token=forged")).await;
        let (_, _, page) = confirm.page();
        let csrf = hidden(page, "csrf").unwrap();
        let res = browser.post(&server.url("/verify-email"), &[("csrf", &csrf), ("token", "forged")]).await;
        assert_eq!(res.page().0, 400);
    }
}

/// Registration through the JSON endpoint, and unreadable bodies.
mod api {
    use super::*;

    async fn post_json(server: &TestServer, body: &str) -> (u16, serde_json::Value) {
        let res = reqwest::Client::new()
            .post(server.url("/api/register"))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or_default())
    }

    harness::shared_server_tests! {
        setup = |c| c.registration.mode = gatehouse::config::RegistrationMode::Open;

        async fn json_registration_follows_the_page_rules(server) {
            let body = serde_json::json!({ "email": "api@example.com", "name": "Api", "password": PASSWORD });
            let (status, v) = post_json(server, &body.to_string()).await;
            assert_eq!((status, v["status"].as_str()), (202, Some("verification_sent")), "{v}");
            assert_eq!(user_status(server, "api@example.com").await, Some(("pending".into(), false)));
            assert!(mail_to(server, "api@example.com", "Confirm your email address").await.contains("/verify-email?token="));
            // A taken address answers the same.
            let (again, v2) = post_json(server, &body.to_string()).await;
            assert_eq!((again, &v2), (202, &v));
            // Per-field errors, nothing stored.
            let bad = serde_json::json!({ "email": "nope", "password": "short" });
            let (status, v) = post_json(server, &bad.to_string()).await;
            assert_eq!(status, 422);
            assert_eq!(v["error"], "invalid_request");
            assert!(v["fields"]["email"].is_string() && v["fields"]["password"].is_string(), "{v}");
            // Malformed JSON and a wrong content type: a JSON error.
            let (status, v) = post_json(server, "{not json").await;
            assert_eq!((status, v["error"].as_str()), (400, Some("invalid_request")));
            let res = reqwest::Client::new()
                .post(server.url("/api/register"))
                .form(&[("email", "form@example.com"), ("password", PASSWORD)])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 400);
            assert_eq!(user_status(server, "form@example.com").await, None);
        }

        async fn unreadable_forms_get_an_error_page_and_store_nothing(server) {
            let browser = Browser::new(server);
            let page = browser.open(&server.url("/register")).await;
            let csrf = hidden(page.page().2, "csrf").unwrap();
            // Invalid UTF-8 (lone 0xFF 0xFE bytes, percent-encoded) in the name: refused
            // with a message, not stored with replacement characters.
            let body = format!("csrf={csrf}&email=utf8%40example.com&name=%FF%FE&password=violet+staircase+humming+42");
            let res = browser
                .http
                .post(server.url("/register"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 422);
            assert!(res.text().await.unwrap().contains("could not be read"));
            assert_eq!(user_status(server, "utf8@example.com").await, None);
            // A body that is not a form at all gets the error page.
            let res = browser
                .http
                .post(server.url("/register"))
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 400);
            assert!(res.text().await.unwrap().contains("could not be read"));
            // An oversized body (beyond 64 KiB) too.
            let huge = format!("csrf={csrf}&email=big%40example.com&password={}", "a".repeat(70 * 1024));
            let res = browser
                .http
                .post(server.url("/register"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(huge)
                .send()
                .await
                .unwrap();
            assert!(res.status().is_client_error(), "{}", res.status());
            assert_eq!(user_status(server, "big@example.com").await, None);
            // Oversized fields within the limit: per-field messages.
            let long_email = format!("{}@example.com", "e".repeat(400));
            let landing = register(&browser, server, &long_email, "x", PASSWORD).await;
            assert_eq!(landing.page().0, 422);
        }
    }
}

/// Registration closed (the default) and restricted to some domains.
mod closed {
    use super::*;

    harness::shared_server_tests! {
        setup = |_| {};

        async fn registration_is_closed_by_default(server) {
            let browser = Browser::new(server);
            assert_eq!(browser.open(&server.url("/register")).await.page().0, 404);
            let res = browser
                .post(&server.url("/register"), &[("email", "x@example.com"), ("password", PASSWORD)])
                .await;
            assert_eq!(res.page().0, 404);
            assert_eq!(user_status(server, "x@example.com").await, None);
        }
    }
}

mod domains {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| {
            c.registration.mode = gatehouse::config::RegistrationMode::Open;
            c.registration.allowed_email_domains = vec!["Example.ORG".into()];
        };

        async fn only_allowed_domains_register(server) {
            let browser = Browser::new(server);
            let refused = register(&browser, server, "someone@example.com", "", PASSWORD).await;
            assert_eq!(refused.page().0, 422);
            assert!(refused.page().2.contains("only be created with an address at example.org"));
            let accepted = register(&browser, server, "someone@example.org", "", PASSWORD).await;
            assert!(accepted.page().2.contains("Check your inbox"));
            assert_eq!(user_status(server, "someone@example.org").await, Some(("pending".into(), false)));
        }
    }
}
