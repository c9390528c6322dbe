//! Headless Chromium signs in to an application on ANOTHER origin, every way a user can,
//! with the pages' Content-Security-Policy enforced: the issuer is `http://localhost:PORT`,
//! the relying party (`harness::rp_server`) is `http://127.0.0.1:OTHERPORT`. Each flow starts
//! on the application's origin and ends with the application receiving the answer; the code
//! is then redeemed at `/token` as the application would.
//!
//! One Chromium session runs the cases in sequence (cookies deleted between them); the
//! regression test of finding 1 has a session of its own so that it reads on its own.

use std::sync::OnceLock;

use domain::clients::NewClient;
use gatehouse::config::RegistrationMode;
use harness::TestServer;
use harness::mailbox::{link, mail_to};
use harness::rp_server::{Callback, RpServer};
use harness::totp::{now, totp_at};
use harness::webdriver::{self, Chrome};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";
/// RFC 7636 appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const SCOPES: &str = "openid profile email";

/// The relying party every test of this module shares (its callbacks carry each case's state).
fn rp() -> &'static RpServer {
    static RP: OnceLock<RpServer> = OnceLock::new();
    RP.get_or_init(RpServer::start)
}

/// A client of the relying party, registered with its callback and post-logout page.
struct App {
    client_id: String,
    secret: String,
}

impl App {
    /// The `state` of this app's flow `label`: the relying party serves the tests of every
    /// backend, so states are unique to the client.
    fn state(&self, label: &str) -> String {
        format!("{label}-{}", self.client_id)
    }
}

async fn app(server: &TestServer, adjust: impl FnOnce(&mut NewClient)) -> App {
    let (client_id, secret) = server
        .client(|c| {
            c.name = "Cross-origin App".into();
            c.redirect_uris = vec![rp().url("/cb")];
            c.post_logout_redirect_uris = vec![rp().url("/logged-out")];
            adjust(c);
        })
        .await;
    App {
        client_id,
        secret: secret.expect("confidential client"),
    }
}

/// The authorization request of `app` with `state`, plus `extra` parameters.
fn authorize(server: &TestServer, app: &App, state: &str, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &app.client_id)
        .append_pair("redirect_uri", &rp().url("/cb"))
        .append_pair("response_type", "code")
        .append_pair("scope", SCOPES)
        .append_pair("state", &app.state(state))
        .append_pair("nonce", &format!("nonce-{state}"))
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256")
        .extend_pairs(extra.iter().copied());
    url.to_string()
}

/// Opens the application's page that sends the browser to `authorize`.
async fn start(
    chrome: &Chrome,
    server: &TestServer,
    app: &App,
    state: &str,
    extra: &[(&str, &str)],
) {
    chrome
        .goto(&rp().start_url(&authorize(server, app, state, extra)))
        .await;
}

/// Redeems the code the application got, as the application does (server side).
async fn redeem(server: &TestServer, app: &App, callback: &Callback) -> Value {
    let code = callback
        .get("code")
        .unwrap_or_else(|| panic!("no code in {callback:?}"));
    let res = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(&app.client_id, Some(&app.secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &rp().url("/cb")),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(
        body["access_token"].is_string() && body["id_token"].is_string(),
        "{body}"
    );
    body
}

/// Waits for the application's callback with `state` and redeems its code.
async fn lands(server: &TestServer, app: &App, state: &str) -> Value {
    let callback = rp().wait_for("/cb", &app.state(state)).await;
    redeem(server, app, &callback).await
}

/// Forgets the issuer's cookies (WebDriver deletes the cookies of the current page's site).
async fn fresh(chrome: &Chrome, server: &TestServer) {
    chrome
        .goto(&server.url("/.well-known/openid-configuration"))
        .await;
    chrome.delete_cookies().await;
}

/// Fills in the sign-in page once it shows.
async fn password(chrome: &Chrome, email: &str) {
    chrome.wait_for_text("action=\"/login\"").await;
    chrome.type_into("#email", email).await;
    chrome.type_into("#password", PASSWORD).await;
    chrome
        .click("form[action='/login'] button[type=submit]")
        .await;
}

/// Presses Allow or Deny once the consent page shows.
async fn consent(chrome: &Chrome, decision: &str) {
    chrome.wait_for_text("name=\"decision\"").await;
    chrome.click(&format!("button[value={decision}]")).await;
}

/// Records the user's consent to the app, so that a flow goes straight back to it.
async fn consented(server: &TestServer, user_id: &str, app: &App) {
    let consents = server.running().services.consents.clone();
    let (user, client) = (user_id.to_owned(), app.client_id.clone());
    let scopes: Vec<String> = SCOPES.split(' ').map(str::to_owned).collect();
    server
        .on_server(async move { consents.grant(&user, &client, &scopes).await })
        .await
        .unwrap();
}

fn chromium_here() -> bool {
    if webdriver::available() {
        return true;
    }
    harness::skip_or_fail(
        "Debian chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
    );
    false
}

/// The 6-digit code in a mail's body.
fn mailed_code(mail: &str) -> String {
    let body = mail
        .split("\r\n\r\n")
        .skip(1)
        .collect::<Vec<_>>()
        .join("\n");
    body.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .unwrap_or_else(|| panic!("no code in {mail}"))
        .to_owned()
}

/// Finding 1: pressing Allow ends in a redirect to the application, which Chromium checks
/// against the consent page's `form-action`; with `'self'` alone it stayed on `/consent`.
async fn consent_then_remembered(chrome: &Chrome, server: &TestServer) {
    let email = "rp-consent@example.com";
    server.user(email, PASSWORD).await;
    let app = app(server, |_| {}).await;
    start(chrome, server, &app, "consent-first", &[]).await;
    password(chrome, email).await;
    consent(chrome, "allow").await;
    let tokens = lands(server, &app, "consent-first").await;
    assert!(tokens["id_token"].is_string());

    // Signed in again in a new browser session: the consent is remembered, so the
    // sign-in form itself is answered by the redirect to the application.
    fresh(chrome, server).await;
    start(chrome, server, &app, "consent-remembered", &[]).await;
    password(chrome, email).await;
    lands(server, &app, "consent-remembered").await;
}

async fn denied_consent(chrome: &Chrome, server: &TestServer) {
    let email = "rp-deny@example.com";
    server.user(email, PASSWORD).await;
    let app = app(server, |_| {}).await;
    start(chrome, server, &app, "deny", &[]).await;
    password(chrome, email).await;
    consent(chrome, "deny").await;
    let callback = rp().wait_for("/cb", &app.state("deny")).await;
    assert_eq!(callback.get("error"), Some("access_denied"), "{callback:?}");
    assert_eq!(callback.get("code"), None);
}

async fn totp_second_step(chrome: &Chrome, server: &TestServer) {
    let email = "rp-totp@example.com";
    let user_id = server.user(email, PASSWORD).await;
    let app = app(server, |_| {}).await;
    consented(server, &user_id, &app).await;
    // The user sets up an authenticator app on the account page.
    chrome
        .goto(&server.url("/login?next=/account/two-step"))
        .await;
    password(chrome, email).await;
    chrome.wait_for_text("Set up an authenticator app").await;
    chrome
        .click("form[action='/account/mfa/totp'] button")
        .await;
    let page = chrome.wait_for_text("id=\"totp-secret\"").await;
    let secret = page
        .split("id=\"totp-secret\" class=\"totp-key\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .replace(' ', "");
    chrome.type_into("#code", &totp_at(&secret, now())).await;
    chrome
        .click("form[action='/account/mfa/totp/confirm'] button[type=submit]")
        .await;
    chrome.wait_for_text("recovery").await;

    fresh(chrome, server).await;
    start(chrome, server, &app, "totp", &[]).await;
    password(chrome, email).await;
    chrome.wait_for_text("action=\"/login/mfa\"").await;
    // The next period's code: the one used to set up is spent.
    chrome
        .type_into("#code", &totp_at(&secret, now() + 30))
        .await;
    chrome
        .click("form[action='/login/mfa'] button[type=submit]")
        .await;
    lands(server, &app, "totp").await;
}

async fn passkey_sign_in(chrome: &Chrome, server: &TestServer) {
    let email = "rp-passkey@example.com";
    let user_id = server.user(email, PASSWORD).await;
    let app = app(server, |_| {}).await;
    consented(server, &user_id, &app).await;
    chrome.add_virtual_authenticator().await;
    chrome
        .goto(&server.url("/login?next=/account/passkeys"))
        .await;
    password(chrome, email).await;
    chrome.wait_for_text("Signed in as").await;
    chrome.type_into("#passkey_name", "Virtual key").await;
    chrome.click("#add-passkey").await;
    chrome.wait_for_text("The passkey is added").await;

    fresh(chrome, server).await;
    start(chrome, server, &app, "passkey", &[]).await;
    chrome.wait_for_text("id=\"passkey-sign-in\"").await;
    chrome.click("#passkey-sign-in").await;
    lands(server, &app, "passkey").await;
}

async fn email_code(chrome: &Chrome, server: &TestServer) {
    let email = "rp-email-code@example.com";
    let user_id = server.user(email, PASSWORD).await;
    let app = app(server, |_| {}).await;
    consented(server, &user_id, &app).await;
    start(chrome, server, &app, "email-code", &[]).await;
    chrome.wait_for_text("action=\"/login\"").await;
    chrome.click("a[href^='/login/email']").await;
    chrome.wait_for_text("action=\"/login/email\"").await;
    chrome.type_into("#email", email).await;
    chrome
        .click("form[action='/login/email'] button[type=submit]")
        .await;
    chrome.wait_for_text("action=\"/login/email/code\"").await;
    let mail = mail_to(server, email, "/login/email/verify?token=").await;
    chrome.type_into("#code", &mailed_code(&mail)).await;
    chrome
        .click("form[action='/login/email/code'] button[type=submit]")
        .await;
    lands(server, &app, "email-code").await;
}

async fn form_post(chrome: &Chrome, server: &TestServer) {
    let email = "rp-form-post@example.com";
    let user_id = server.user(email, PASSWORD).await;
    let app = app(server, |_| {}).await;
    consented(server, &user_id, &app).await;
    start(
        chrome,
        server,
        &app,
        "form-post",
        &[("response_mode", "form_post")],
    )
    .await;
    password(chrome, email).await;
    let callback = rp().wait_for("/cb", &app.state("form-post")).await;
    assert_eq!(callback.method, "POST", "{callback:?}");
    redeem(server, &app, &callback).await;
}

async fn prompt_none(chrome: &Chrome, server: &TestServer) {
    let email = "rp-prompt-none@example.com";
    let user_id = server.user(email, PASSWORD).await;
    let app = app(server, |_| {}).await;
    consented(server, &user_id, &app).await;
    start(
        chrome,
        server,
        &app,
        "none-signed-out",
        &[("prompt", "none")],
    )
    .await;
    let callback = rp().wait_for("/cb", &app.state("none-signed-out")).await;
    assert_eq!(
        callback.get("error"),
        Some("login_required"),
        "{callback:?}"
    );

    start(chrome, server, &app, "none-sign-in", &[]).await;
    password(chrome, email).await;
    lands(server, &app, "none-sign-in").await;
    start(chrome, server, &app, "none-silent", &[("prompt", "none")]).await;
    lands(server, &app, "none-silent").await;
}

async fn logout(chrome: &Chrome, server: &TestServer) {
    let email = "rp-logout@example.com";
    let user_id = server.user(email, PASSWORD).await;
    let app = app(server, |_| {}).await;
    consented(server, &user_id, &app).await;
    start(chrome, server, &app, "logout-sign-in", &[]).await;
    password(chrome, email).await;
    lands(server, &app, "logout-sign-in").await;

    // Without an id_token_hint, Gatehouse asks; the confirmation is answered by the
    // redirect to the application's post-logout page.
    let mut url = url::Url::parse(&server.url("/end_session")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &app.client_id)
        .append_pair("post_logout_redirect_uri", &rp().url("/logged-out"))
        .append_pair("state", &app.state("logout"));
    chrome.goto(&rp().start_url(url.as_str())).await;
    chrome.wait_for_text("action=\"/end_session\"").await;
    chrome
        .click("form[action='/end_session'] button[type=submit]")
        .await;
    rp().wait_for("/logged-out", &app.state("logout")).await;

    // The session is over: a silent request is refused.
    start(chrome, server, &app, "logout-after", &[("prompt", "none")]).await;
    let callback = rp().wait_for("/cb", &app.state("logout-after")).await;
    assert_eq!(
        callback.get("error"),
        Some("login_required"),
        "{callback:?}"
    );
}

/// Front-channel logout (OIDC Front-Channel Logout 1.0) with the application on another
/// origin: the signed-out page frames the application's logout page, under the page's CSP,
/// with `iss` and `sid`, then goes on to the post-logout redirect URI.
async fn frontchannel_logout(chrome: &Chrome, server: &TestServer) {
    let email = "rp-frontchannel@example.com";
    let user_id = server.user(email, PASSWORD).await;
    let app = app(server, |c| {
        c.frontchannel_logout_uri = Some(rp().url("/fcl"));
        c.frontchannel_logout_session_required = true;
    })
    .await;
    consented(server, &user_id, &app).await;
    start(chrome, server, &app, "fcl-sign-in", &[]).await;
    password(chrome, email).await;
    let tokens = lands(server, &app, "fcl-sign-in").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let payload = id_token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .unwrap(),
    )
    .unwrap();
    let sid = claims["sid"].as_str().expect("sid in the ID token");

    let mut url = url::Url::parse(&server.url("/end_session")).unwrap();
    url.query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair("post_logout_redirect_uri", &rp().url("/logged-out"))
        .append_pair("state", &app.state("fcl"));
    chrome.goto(&rp().start_url(url.as_str())).await;
    let frame = rp().wait_for_param("/fcl", "sid", sid).await;
    assert_eq!(frame.get("iss"), Some(server.base.as_str()), "{frame:?}");
    assert_eq!(frame.method, "GET");
    // The page goes on once the frames loaded.
    rp().wait_for("/logged-out", &app.state("fcl")).await;
}

/// "Create an account" on the application's sign-in page: the request travels through
/// registration and the mailed verification, which leads back to signing in to it.
async fn register_from_the_application(chrome: &Chrome, server: &TestServer) {
    let email = "rp-register@example.com";
    let app = app(server, |_| {}).await;
    start(chrome, server, &app, "register", &[]).await;
    chrome.wait_for_text("action=\"/login\"").await;
    chrome.click("a[href^='/register']").await;
    chrome.wait_for_text("action=\"/register\"").await;
    chrome.type_into("#email", email).await;
    chrome.type_into("#name", "Registered Here").await;
    chrome.type_into("#password", PASSWORD).await;
    chrome
        .click("form[action='/register'] button[type=submit]")
        .await;
    chrome.wait_for_text("Check your inbox").await;
    let mail = mail_to(server, email, "/verify-email?token=").await;
    chrome
        .goto(&link(server, &mail, "/verify-email?token="))
        .await;
    chrome.wait_for_text("action=\"/verify-email\"").await;
    chrome
        .click("form[action='/verify-email'] button[type=submit]")
        .await;
    password(chrome, email).await;
    consent(chrome, "allow").await;
    lands(server, &app, "register").await;
}

/// "Forgot password?" on the application's sign-in page: the request travels through the
/// reset mail, and the new password signs in to the application. The reset link opened
/// again afterwards says it was used, and its one link leads back to the application's home
/// page (its `client_uri`, on the application's origin): no dead end.
async fn reset_from_the_application(chrome: &Chrome, server: &TestServer) {
    let email = "rp-forgot@example.com";
    server.user(email, "a forgotten old passphrase").await;
    let home_state = format!("home-{}", domain::random::token::<6>());
    let home = rp().url(&format!("/home?state={home_state}"));
    let app = app(server, |c| c.client_uri = Some(home.clone())).await;
    start(chrome, server, &app, "forgot", &[]).await;
    chrome.wait_for_text("action=\"/login\"").await;
    chrome.click("a[href^='/forgot-password']").await;
    chrome.wait_for_text("action=\"/forgot-password\"").await;
    chrome.type_into("#email", email).await;
    chrome
        .click("form[action='/forgot-password'] button[type=submit]")
        .await;
    chrome.wait_for_text("Check your inbox").await;
    let mail = mail_to(server, email, "/reset-password?token=").await;
    chrome
        .goto(&link(server, &mail, "/reset-password?token="))
        .await;
    chrome.wait_for_text("action=\"/reset-password\"").await;
    chrome.type_into("#password", PASSWORD).await;
    chrome
        .click("form[action='/reset-password'] button[type=submit]")
        .await;
    password(chrome, email).await;
    consent(chrome, "allow").await;
    lands(server, &app, "forgot").await;

    // The used link again: it says so and leads back to the application, whose request was
    // answered: to its home page.
    chrome
        .goto(&link(server, &mail, "/reset-password?token="))
        .await;
    let page = chrome.wait_for_text("id=\"next-action\"").await;
    assert!(page.contains("This link does not work"), "{page}");
    assert!(page.contains("Back to Cross-origin App"), "{page}");
    chrome.click("#next-action").await;
    let visit = rp().wait_for("/home", &home_state).await;
    assert_eq!(visit.method, "GET");
    assert!(
        chrome.url().await.starts_with(&rp().base),
        "the browser is on the application's origin"
    );
}

/// Clears the saved language of `user_id`, so that the browser's language counts.
async fn no_saved_language(server: &TestServer, user_id: &str) {
    let users = server.running().services.users.clone();
    let id = user_id.to_owned();
    server
        .on_server(async move {
            let clear = domain::users::Profile {
                locale: Some(String::new()),
                ..Default::default()
            };
            users.update_profile(&id, clear).await
        })
        .await
        .unwrap();
}

/// Asserts that the page Chromium shows is German and contains `text`.
async fn german_page(chrome: &Chrome, marker: &str, text: &str) {
    let page = chrome.wait_for_text(marker).await;
    assert!(page.contains("<html lang=\"de\""), "not German: {page}");
    assert!(page.contains(text), "no {text:?} in {page}");
}

/// The whole sign-in in German: asked for by the application (`ui_locales=de`) in a browser
/// that prefers English, then by the browser alone (`Accept-Language: de-DE`); sign-in and
/// consent pages in German, back to the application.
async fn german_sign_in(english: &Chrome, german: &Chrome, server: &TestServer) {
    let email = "rp-deutsch@example.com";
    // The harness saves en-GB as the user's language: ui_locales still comes first.
    server.user(email, PASSWORD).await;
    let app = app(server, |_| {}).await;
    start(
        english,
        server,
        &app,
        "ui-locales-de",
        &[("ui_locales", "de")],
    )
    .await;
    german_page(english, "action=\"/login\"", "Passwort vergessen?").await;
    password(english, email).await;
    german_page(english, "name=\"decision\"", "Erlauben").await;
    consent(english, "allow").await;
    lands(server, &app, "ui-locales-de").await;

    let email = "rp-accept-language@example.com";
    let user_id = server.user(email, PASSWORD).await;
    no_saved_language(server, &user_id).await;
    start(german, server, &app, "accept-language-de", &[]).await;
    german_page(german, "action=\"/login\"", "angemeldet bleiben").await;
    password(german, email).await;
    german_page(german, "name=\"decision\"", "Ablehnen").await;
    consent(german, "allow").await;
    lands(server, &app, "accept-language-de").await;
}

harness::shared_server_tests! {
    setup = |c| {
        c.issuer = "http://localhost".into();
        c.registration.mode = RegistrationMode::Open;
    };

    async fn finding_1_consent_returns_to_an_application_on_another_origin(server) {
        if !chromium_here() {
            return;
        }
        assert!(server.base.starts_with("http://localhost:"), "{}", server.base);
        let chrome = Chrome::start().await;
        consent_then_remembered(&chrome, server).await;
        chrome.quit().await;
    }

    async fn chromium_reaches_an_application_on_another_origin_every_way(server) {
        if !chromium_here() {
            return;
        }
        let chrome = Chrome::start().await;
        // One browser session for all: each case starts without the issuer's cookies.
        macro_rules! cases {
            ($($case:ident),*) => {$(
                eprintln!(concat!("rp_browser case: ", stringify!($case)));
                fresh(&chrome, server).await;
                $case(&chrome, server).await;
            )*};
        }
        cases!(denied_consent, totp_second_step, passkey_sign_in, email_code, form_post, prompt_none, logout, frontchannel_logout, register_from_the_application, reset_from_the_application);
        chrome.quit().await;
    }

    async fn chromium_signs_in_in_german_by_ui_locales_and_by_accept_language(server) {
        if !chromium_here() {
            return;
        }
        let english = Chrome::start().await;
        let german = Chrome::start_in("de-DE,de").await;
        german_sign_in(&english, &german, server).await;
        english.quit().await;
        german.quit().await;
    }
}
