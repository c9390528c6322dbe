//! No dead ends: every end page (email confirmed, password reset, signed out, a link already
//! used or expired, a closed registration, "check your inbox") shows its next action as one
//! link: back to the application when one is known (its parked request while it waits, else
//! its registered `client_uri`), otherwise to the account page (signed in) or to sign in.

use harness::mailbox::{link, mail_to};
use harness::rp::{Browser, Landing, hidden, unescape};
use harness::{REDIRECT_URI, TestServer};

const PASSWORD: &str = "correct horse battery staple";
const HOME: &str = "https://home-app.example/start";

/// The end page's next action: `(href, label)` of `<a … id="next-action">`.
fn next_action(body: &str) -> (String, String) {
    let start = body
        .find("<a class=\"button\" href=\"")
        .filter(|i| body[*i..].contains("id=\"next-action\""))
        .unwrap_or_else(|| panic!("no next action in {body}"));
    let tag = &body[start..];
    let href = tag["<a class=\"button\" href=\"".len()..]
        .split('"')
        .next()
        .unwrap();
    let label = tag.split('>').nth(1).unwrap().split('<').next().unwrap();
    (unescape(href), unescape(label))
}

/// A client named "Home App" with its home page `HOME` (or none).
async fn app(server: &TestServer, home: bool) -> String {
    server
        .client(|c| {
            c.name = "Home App".into();
            c.first_party = true;
            c.client_uri = home.then(|| HOME.to_owned());
        })
        .await
        .0
}

/// The application's sign-in page (an authorization request of `client_id`) and its
/// parked request id.
async fn app_sign_in(browser: &Browser, server: &TestServer, client_id: &str) -> (Landing, String) {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("state", "end-pages");
    let login = browser.open(url.as_str()).await;
    let request = hidden(login.page().2, "request").expect("a parked request");
    assert!(!request.is_empty());
    (login, request)
}

/// Forgets the parked request `id`, as answering it does.
async fn answered(server: &TestServer, id: &str) {
    let requests = server.running().services.requests.clone();
    let id = id.to_owned();
    server
        .on_server(async move { requests.delete(&id).await })
        .await
        .unwrap();
}

/// Posts `fields` with the page's CSRF token to `action`.
async fn submit(
    browser: &Browser,
    server: &TestServer,
    page: &Landing,
    action: &str,
    fields: &[(&str, &str)],
) -> Landing {
    let csrf = hidden(page.page().2, "csrf").expect("csrf field");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    browser.post(&server.url(action), &form).await
}

/// Opens a mailed confirmation link (`/verify-email?token=…`) and presses its button.
async fn confirm(browser: &Browser, server: &TestServer, url: &str) -> Landing {
    let page = browser.open(url).await;
    let token = hidden(page.page().2, "token").expect("token field");
    submit(
        browser,
        server,
        &page,
        "/verify-email",
        &[("token", &token)],
    )
    .await
}

/// Asks for a reset link for `email` from the forgot-password page of `request` (empty:
/// none); returns the "check your inbox" page.
async fn forgot(browser: &Browser, server: &TestServer, email: &str, request: &str) -> Landing {
    let path = if request.is_empty() {
        "/forgot-password".to_owned()
    } else {
        format!("/forgot-password?request={request}")
    };
    let page = browser.open(&server.url(&path)).await;
    let request = hidden(page.page().2, "request").unwrap_or_default();
    submit(
        browser,
        server,
        &page,
        "/forgot-password",
        &[("email", email), ("request", &request)],
    )
    .await
}

/// Sets a new password through the reset link `url`.
async fn reset(browser: &Browser, server: &TestServer, url: &str) -> Landing {
    let page = browser.open(url).await;
    let token = hidden(page.page().2, "token").expect("token field");
    submit(
        browser,
        server,
        &page,
        "/reset-password",
        &[
            ("token", &token),
            ("password", "a brand new passphrase here"),
        ],
    )
    .await
}

harness::shared_server_tests! {
    setup = |c| c.registration.mode = gatehouse::config::RegistrationMode::Open;

    async fn email_confirmed_and_a_used_link_lead_back_to_the_application(server) {
        let email = "end-verify@example.com";
        let client_id = app(server, true).await;
        let browser = Browser::new(server);
        let (_, request) = app_sign_in(&browser, server, &client_id).await;

        // "Create an account" from the application's sign-in page; "check your inbox" leads
        // back to that sign-in.
        let page = browser.open(&server.url(&format!("/register?request={request}"))).await;
        let sent = submit(&browser, server, &page, "/register", &[
            ("email", email), ("name", "End Pages"), ("password", PASSWORD), ("request", &request),
        ]).await;
        assert!(sent.page().2.contains("Check your inbox"), "{}", sent.page().2);
        assert_eq!(next_action(sent.page().2), (format!("/login?request={request}"), "Back to sign-in".into()));
        let url = link(server, &mail_to(server, email, "Confirm your email address").await, "/verify-email?token=");

        // The request waits: confirming goes straight back to its sign-in.
        let done = confirm(&browser, server, &url).await;
        assert!(done.page().1.ends_with(&format!("/login?request={request}")), "{}", done.page().1);
        // The link again, while the request waits: it says so, and leads to the application's
        // sign-in.
        let again = confirm(&browser, server, &url).await;
        let (status, _, body) = again.page();
        assert_eq!(status, 400);
        assert!(body.contains("This link does not work"), "{body}");
        assert_eq!(next_action(body), (format!("/login?request={request}"), "Sign in to Home App".into()));

        // Once the request is answered, the used link leads to the application's home page.
        answered(server, &request).await;
        let again = confirm(&browser, server, &url).await;
        assert_eq!(next_action(again.page().2), (HOME.to_owned(), "Back to Home App".into()));
    }

    async fn a_confirmation_after_the_request_ended_leads_to_the_application_home_page(server) {
        let email = "end-verify-late@example.com";
        let client_id = app(server, true).await;
        let browser = Browser::new(server);
        let (_, request) = app_sign_in(&browser, server, &client_id).await;
        let page = browser.open(&server.url(&format!("/register?request={request}"))).await;
        submit(&browser, server, &page, "/register", &[
            ("email", email), ("name", "Late"), ("password", PASSWORD), ("request", &request),
        ]).await;
        let url = link(server, &mail_to(server, email, "Confirm your email address").await, "/verify-email?token=");
        answered(server, &request).await;
        let done = confirm(&browser, server, &url).await;
        let (status, _, body) = done.page();
        assert_eq!(status, 200);
        assert!(body.contains("Email address confirmed"), "{body}");
        assert_eq!(next_action(body), (HOME.to_owned(), "Back to Home App".into()));
    }

    async fn password_reset_and_a_used_reset_link_lead_back_to_the_application(server) {
        let email = "end-reset@example.com";
        server.user(email, PASSWORD).await;
        let client_id = app(server, true).await;
        let browser = Browser::new(server);
        let (_, request) = app_sign_in(&browser, server, &client_id).await;
        let sent = forgot(&browser, server, email, &request).await;
        assert_eq!(next_action(sent.page().2).0, format!("/login?request={request}"));
        let url = link(server, &mail_to(server, email, "Reset your password").await, "/reset-password?token=");

        // The request ended before the new password was set: the done page leads to the
        // application's home page.
        answered(server, &request).await;
        let done = reset(&browser, server, &url).await;
        let (status, _, body) = done.page();
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("Password changed"), "{body}");
        assert_eq!(next_action(body), (HOME.to_owned(), "Back to Home App".into()));
        // The used link, opened again: the same way on.
        let used = browser.open(&url).await;
        let (status, _, body) = used.page();
        assert_eq!(status, 400);
        assert!(body.contains("This link does not work"), "{body}");
        assert_eq!(next_action(body), (HOME.to_owned(), "Back to Home App".into()));
    }

    async fn without_an_application_end_pages_lead_to_sign_in_or_the_account(server) {
        // An application without a home page leads to sign-in too.
        let email = "end-plain@example.com";
        server.user(email, PASSWORD).await;
        let client_id = app(server, false).await;
        let browser = Browser::new(server);
        let (_, request) = app_sign_in(&browser, server, &client_id).await;
        forgot(&browser, server, email, &request).await;
        let url = link(server, &mail_to(server, email, "Reset your password").await, "/reset-password?token=");
        answered(server, &request).await;
        let done = reset(&browser, server, &url).await;
        assert_eq!(next_action(done.page().2), ("/login".into(), "Sign in".into()));

        // No application at all: the reset's pages lead to sign-in (the reset signed every
        // session out).
        let email = "end-plain-2@example.com";
        server.user(email, PASSWORD).await;
        let sent = forgot(&browser, server, email, "").await;
        assert_eq!(next_action(sent.page().2), ("/login".into(), "Back to sign-in".into()));
        let url = link(server, &mail_to(server, email, "Reset your password").await, "/reset-password?token=");
        let done = reset(&browser, server, &url).await;
        assert_eq!(next_action(done.page().2), ("/login".into(), "Sign in".into()));
        let used = browser.open(&url).await;
        assert_eq!(next_action(used.page().2), ("/login".into(), "Sign in".into()));
        // A forged link too.
        let forged = browser.open(&server.url("/reset-password?token=forged")).await;
        assert_eq!(next_action(forged.page().2).0, "/login");

        // Signed in, a dead link leads to the account page.
        let email = "end-signed-in@example.com";
        server.user(email, PASSWORD).await;
        let signed_in = Browser::new(server);
        let login = signed_in.open(&server.url("/account")).await;
        signed_in.sign_in(&login, email, PASSWORD).await;
        let dead = signed_in.open(&server.url("/reset-password?token=forged")).await;
        assert_eq!(next_action(dead.page().2), ("/account".into(), "Go to your account".into()));
        let dead = signed_in.open(&server.url("/account/email/confirm?token=forged")).await;
        assert_eq!(next_action(dead.page().2).0, "/account");
    }

    async fn a_used_sign_in_link_leads_back_to_the_application(server) {
        let email = "end-email-link@example.com";
        server.user(email, PASSWORD).await;
        let client_id = app(server, true).await;
        let browser = Browser::new(server);
        let (login, request) = app_sign_in(&browser, server, &client_id).await;
        let href = login.page().2.split("href=\"/login/email?").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
        let page = browser.open(&server.url(&format!("/login/email?{href}"))).await;
        submit(&browser, server, &page, "/login/email", &[("email", email), ("request", &request), ("next", "")]).await;
        let url = link(server, &mail_to(server, email, "Your sign-in code").await, "/login/email/verify?token=");
        let open = |b: Browser| {
            let url = url.clone();
            async move {
                let page = b.open(&url).await;
                let token = hidden(page.page().2, "token").expect("token field");
                submit(&b, server, &page, "/login/email/verify", &[("token", &token)]).await
            }
        };
        // The link signs in to the application (which answers the request).
        let landed = open(browser.clone()).await;
        assert!(landed.params().contains_key("code"), "{:?}", landed.params());
        // Again, in another browser: it does not work, and leads to the application.
        let again = open(Browser::new(server)).await;
        let (status, _, body) = again.page();
        assert_eq!(status, 400);
        assert_eq!(next_action(body), (HOME.to_owned(), "Back to Home App".into()));
    }

    async fn the_signed_out_page_leads_back_to_the_application_that_asked(server) {
        let with_home = app(server, true).await;
        let without = app(server, false).await;
        let browser = Browser::new(server);
        let out = browser.open(&server.url(&format!("/end_session?client_id={with_home}"))).await;
        let (status, _, body) = out.page();
        assert_eq!(status, 200);
        assert!(body.contains("You are signed out"), "{body}");
        assert_eq!(next_action(body), (HOME.to_owned(), "Back to Home App".into()));
        for path in [format!("/end_session?client_id={without}"), "/end_session".to_owned()] {
            let out = browser.open(&server.url(&path)).await;
            assert_eq!(next_action(out.page().2), ("/login?next=/account".into(), "Sign in again".into()), "{path}");
        }
        // In the browser's language.
        let german = Browser::with_headers(server, &[("accept-language", "de")]);
        let out = german.open(&server.url(&format!("/end_session?client_id={with_home}"))).await;
        assert_eq!(next_action(out.page().2), (HOME.to_owned(), "Zurück zu Home App".into()));
    }

    async fn dead_invitation_and_verification_links_lead_to_sign_in(server) {
        // The invitation that does not work, and a verification link that never existed.
        let browser = Browser::new(server);
        let dead = browser.open(&server.url("/invitation?token=forged")).await;
        assert_eq!(dead.page().0, 400);
        assert_eq!(next_action(dead.page().2), ("/login".into(), "Sign in".into()));
        let forged = confirm(&browser, server, &server.url("/verify-email?token=forged")).await;
        assert_eq!(next_action(forged.page().2), ("/login".into(), "Sign in".into()));
    }
}
