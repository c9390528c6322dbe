//! Accessibility checked in a real browser: axe-core (npm, pinned in `tests/a11y`) runs in
//! headless Chromium over every hosted page, at 375 and 1280 CSS pixels, in the light and
//! the dark colour scheme, for each browser language: no violation of impact "serious" or
//! "critical" may remain. A keyboard-only sign-in with the second step checks the tab
//! order and that focus is visible.
//!
//! With `GATEHOUSE_SCREENSHOTS=DIR` set, the same run saves a PNG of every page at both
//! widths (and in dark mode at 1280) into DIR: `docs/development.md` has the command.

use harness::totp::{now, totp_at};
use harness::webdriver::{self, Chrome, ENTER, SHIFT, TAB};
use harness::{REDIRECT_URI, TestServer};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";

/// axe-core as `npm ci --prefix tests/a11y` installs it.
fn axe_source() -> Option<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/a11y/node_modules/axe-core/axe.min.js"
    );
    std::fs::read_to_string(path).ok()
}

/// Runs axe on the page; resolves to its serious and critical violations.
const RUN_AXE: &str = "return axe.run(document, { resultTypes: ['violations'] }).then(r => \
     r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => \
     ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => \
     n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\\s+/g, ' ')) })));";

/// One browser language's sweep over the pages, collecting every violation.
struct Sweep {
    chrome: Chrome,
    axe: String,
    lang: &'static str,
    shots: Option<std::path::PathBuf>,
    found: Vec<String>,
    pages: usize,
}

impl Sweep {
    /// Checks the page the browser shows now, named `page`, at both widths and schemes.
    async fn check(&mut self, page: &str) {
        self.chrome
            .execute(&format!("{}\nreturn true;", self.axe))
            .await;
        for width in [375, 1280] {
            for dark in [false, true] {
                self.chrome.emulate(width, dark).await;
                let scheme = if dark { "dark" } else { "light" };
                if let Some(dir) = &self.shots
                    && (!dark || width == 1280)
                {
                    let name = format!(
                        "{page}-{}-{width}{}.png",
                        self.lang,
                        if dark { "-dark" } else { "" }
                    );
                    std::fs::write(dir.join(name), self.chrome.screenshot().await).unwrap();
                }
                let violations = self.chrome.execute(RUN_AXE).await;
                for v in violations.as_array().into_iter().flatten() {
                    self.found.push(format!(
                        "{page} ({}, {width}px, {scheme}): {} [{}] {}\n    {}",
                        self.lang,
                        v["id"].as_str().unwrap_or_default(),
                        v["impact"].as_str().unwrap_or_default(),
                        v["help"].as_str().unwrap_or_default(),
                        v["nodes"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join("\n    "),
                    ));
                }
            }
        }
        self.pages += 1;
    }

    async fn open(&mut self, server: &TestServer, page: &str, path: &str) {
        self.chrome.goto(&server.url(path)).await;
        self.check(page).await;
    }
}

/// The sections of the account console, each a page of its own.
const ACCOUNT_SECTIONS: &[&str] = &[
    "profile", "email", "password", "two-step", "passkeys", "linked", "apps", "sessions", "data",
    "delete",
];

/// The authorization request of `client_id`: the sign-in page names the application.
fn authorize(server: &TestServer, client_id: &str, state: &str) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile email")
        .append_pair("state", state)
        .append_pair("nonce", state)
        .append_pair(
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        )
        .append_pair("code_challenge_method", "S256");
    url.to_string()
}

/// Sets up an authenticator app for the signed-in user on the account page; returns its key.
async fn set_up_totp(sweep: &mut Sweep) -> String {
    let chrome = &sweep.chrome;
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
    sweep.check("authenticator-setup").await;
    let chrome = &sweep.chrome;
    chrome.type_into("#code", &totp_at(&secret, now())).await;
    chrome
        .click("form[action='/account/mfa/totp/confirm'] button[type=submit]")
        .await;
    chrome.wait_for_text("class=\"codes\"").await;
    sweep.check("recovery-codes").await;
    // "I have saved them" sent unticked: the server's refusal, focused.
    let chrome = &sweep.chrome;
    chrome
        .click("form[action='/account/mfa/recovery-codes/saved'] button[type=submit]")
        .await;
    chrome.wait_for_text("id=\"saved-error\"").await;
    sweep.check("recovery-codes-refused").await;
    secret
}

/// Every page a person meets, in the browser language `lang`.
async fn every_page(server: &TestServer, lang: &'static str) {
    if !webdriver::available() {
        harness::skip_or_fail(
            "Debian chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
        );
        return;
    }
    let Some(axe) = axe_source() else {
        harness::skip_or_fail("axe-core (npm ci --prefix tests/a11y)");
        return;
    };
    let shots = std::env::var_os("GATEHOUSE_SCREENSHOTS").map(std::path::PathBuf::from);
    if let Some(dir) = &shots {
        std::fs::create_dir_all(dir).unwrap();
    }
    let email = format!(
        "a11y-{lang}-{}@example.com",
        domain::random::token::<6>().to_lowercase()
    );
    server.user(&email, PASSWORD).await;
    let (client_id, _) = server.client(|c| c.name = "Example App".into()).await;
    let mut sweep = Sweep {
        chrome: Chrome::start_in(lang).await,
        axe,
        lang,
        shots,
        found: Vec::new(),
        pages: 0,
    };

    for (page, path) in [
        ("sign-in", "/login?next=/account"),
        ("email-code", "/login/email"),
        ("register", "/register"),
        ("forgot-password", "/forgot-password"),
        ("reset-password-link-used", "/reset-password?token=unknown"),
        ("resend-verification", "/verify-email/resend"),
        ("verify-email-link-used", "/verify-email?token=unknown"),
        ("not-found", "/no-such-page"),
        ("error", "/authorize?client_id=unknown"),
    ] {
        sweep.open(server, page, path).await;
    }

    // Signing in with another provider: its button on the sign-in page, the page asking for
    // the password before an identity is linked, and an error page of the upstream's answer.
    let mock = harness::upstream::MockUpstream::start();
    let name = format!("a11y-{lang}");
    let fed = server.running().services.federation.clone();
    let new = domain::federation::NewUpstream {
        name: name.clone(),
        display_name: Some("Example Corp".into()),
        issuer: mock.issuer.clone(),
        preset: None,
        endpoints: Default::default(),
        client_id: harness::upstream::CLIENT_ID.into(),
        client_secret: Some(harness::upstream::CLIENT_SECRET.into()),
        scopes: vec![],
        first_login: domain::federation::FirstLogin::Link,
        trusted_for_email: false,
        trusted_for_acr: false,
        trusted_for_mfa: false,
        enabled: true,
        allowed_clients: vec![],
    };
    server
        .on_server(async move { fed.upstreams.create(new, "test").await })
        .await
        .unwrap();
    mock.sign_in_as(serde_json::json!({ "sub": "a11y", "email": email, "email_verified": true }));
    sweep.chrome.goto(&server.url("/login?next=/account")).await;
    sweep.chrome.wait_for_text("Example Corp").await;
    sweep.check("sign-in-with-upstream").await;
    sweep
        .chrome
        .click(&format!("a[href^='/login/upstream/{name}?']"))
        .await;
    sweep
        .chrome
        .wait_for_text("action=\"/login/upstream/link\"")
        .await;
    sweep.check("upstream-link").await;
    sweep
        .open(
            server,
            "upstream-error",
            "/login/upstream/callback?state=unknown&code=x",
        )
        .await;

    // A refused sign-in shows its error (the error colour, light and dark).
    sweep.chrome.goto(&server.url("/login?next=/account")).await;
    sweep.chrome.type_into("#email", &email).await;
    sweep
        .chrome
        .type_into("#password", "not the password")
        .await;
    sweep
        .chrome
        .click("form[action='/login'] button[type=submit]")
        .await;
    sweep.chrome.wait_for_text("role=\"alert\"").await;
    sweep.check("sign-in-refused").await;

    // Signed in: the account page, setting up an authenticator app, the recovery codes.
    sweep.chrome.goto(&server.url("/login?next=/account")).await;
    sweep.chrome.type_into("#email", &email).await;
    sweep.chrome.type_into("#password", PASSWORD).await;
    sweep
        .chrome
        .click("form[action='/login'] button[type=submit]")
        .await;
    sweep.chrome.wait_for_text("class=\"console-head\"").await;
    sweep.check("account").await;
    // Every section of the account console has its own page.
    for section in ACCOUNT_SECTIONS {
        sweep
            .open(
                server,
                &format!("account-{section}"),
                &format!("/account/{section}"),
            )
            .await;
    }
    // Connecting a device: the code form (filled in from the link), then the confirmation.
    let devices = server.running().services.devices.clone();
    let new = domain::grants::NewDeviceAuthorization {
        client_id: client_id.clone(),
        scope: "openid profile".into(),
        resources: vec![],
    };
    let device = server
        .on_server(async move { devices.start(new).await })
        .await
        .unwrap();
    sweep
        .open(
            server,
            "device",
            &format!("/device?user_code={}", device.user_code),
        )
        .await;
    sweep
        .chrome
        .click("form[action='/device'] button[type=submit]")
        .await;
    sweep
        .chrome
        .wait_for_text("action=\"/device/confirm\"")
        .await;
    sweep.check("device-confirm").await;
    sweep.chrome.goto(&server.url("/account/two-step")).await;
    sweep
        .chrome
        .wait_for_text("action=\"/account/mfa/totp\"")
        .await;
    let secret = set_up_totp(&mut sweep).await;

    // An application's sign-in: the page naming it, the second step, consent.
    sweep.chrome.delete_cookies().await;
    sweep
        .chrome
        .goto(&authorize(server, &client_id, "a11y"))
        .await;
    sweep.chrome.wait_for_text("Example App").await;
    sweep.check("sign-in-to-app").await;
    sweep.chrome.type_into("#email", &email).await;
    sweep.chrome.type_into("#password", PASSWORD).await;
    sweep
        .chrome
        .click("form[action='/login'] button[type=submit]")
        .await;
    sweep.chrome.wait_for_text("action=\"/login/mfa\"").await;
    sweep.check("second-step").await;
    sweep
        .chrome
        .type_into("#code", &totp_at(&secret, now() + 30))
        .await;
    sweep
        .chrome
        .click("form[action='/login/mfa'] button[type=submit]")
        .await;
    sweep.chrome.wait_for_text("action=\"/consent\"").await;
    sweep.check("consent").await;

    // Signing out: the confirmation, then the signed-out page.
    sweep.open(server, "sign-out", "/end_session").await;
    sweep
        .chrome
        .click("form[action='/end_session'] button[type=submit]")
        .await;
    // The signed-out page's one way on.
    sweep
        .chrome
        .wait_for_text("href=\"/login?next=/account\"")
        .await;
    sweep.check("signed-out").await;

    let Sweep {
        chrome,
        found,
        pages,
        ..
    } = sweep;
    chrome.quit().await;
    assert_eq!(pages, 24 + ACCOUNT_SECTIONS.len(), "every page was checked");
    assert!(
        found.is_empty(),
        "{} serious or critical violations:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// What has focus: `tag#id` or `tag[name]`, and whether a focus indicator is drawn.
async fn focused(chrome: &Chrome) -> (String, bool) {
    let v = chrome
        .execute(
            "const e = document.activeElement; const s = getComputedStyle(e); \
             const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; \
             const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : e.name ? '[' + e.name + ']' : ''); \
             return [name, ring];",
        )
        .await;
    (v[0].as_str().unwrap_or_default().to_owned(), v[1] == true)
}

/// Presses Tab (or Shift-Tab) and returns what has focus then, asserting it is visible.
async fn tab(chrome: &Chrome, back: bool) -> String {
    if back {
        chrome.keys(&[SHIFT, TAB]).await;
    } else {
        chrome.keys(&[TAB]).await;
    }
    let (name, ring) = focused(chrome).await;
    assert!(ring, "{name} has focus but no visible focus indicator");
    name
}

/// Signs in to an application with the second step using the keyboard only.
async fn keyboard_only(server: &TestServer) {
    if !webdriver::available() {
        harness::skip_or_fail(
            "Debian chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
        );
        return;
    }
    let email = format!(
        "keys-{}@example.com",
        domain::random::token::<6>().to_lowercase()
    );
    server.user(&email, PASSWORD).await;
    let (client_id, _) = server.client(|c| c.name = "Keyboard App".into()).await;
    let browser = Chrome::start().await;
    let chrome = &browser;
    chrome
        .goto(&server.url("/login?next=/account/two-step"))
        .await;
    chrome.type_into("#email", &email).await;
    chrome.type_into("#password", PASSWORD).await;
    chrome
        .click("form[action='/login'] button[type=submit]")
        .await;
    chrome.wait_for_text("action=\"/account/mfa/totp\"").await;
    // Sets up an authenticator app on the account page.
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
    chrome.wait_for_text("class=\"codes\"").await;
    chrome.delete_cookies().await;

    chrome.goto(&authorize(server, &client_id, "keys")).await;
    chrome.wait_for_text("Keyboard App").await;
    // The email field has focus on arrival; then the password, "keep me signed in", the button.
    assert_eq!(focused(chrome).await.0, "input#email");
    chrome.keys(&[&email]).await;
    assert_eq!(tab(chrome, false).await, "input#password");
    chrome.keys(&[PASSWORD]).await;
    assert_eq!(tab(chrome, false).await, "input[remember]");
    let button = tab(chrome, false).await;
    assert_eq!(button, "button");
    // Back and forth: Shift-Tab returns to the checkbox.
    assert_eq!(tab(chrome, true).await, "input[remember]");
    assert_eq!(tab(chrome, false).await, "button");
    chrome.keys(&[ENTER]).await;

    // The second step: the code field has focus; Tab reaches its button.
    chrome.wait_for_text("action=\"/login/mfa\"").await;
    assert_eq!(focused(chrome).await.0, "input#code");
    chrome.keys(&[&totp_at(&secret, now() + 30)]).await;
    let mut order = Vec::new();
    for _ in 0..3 {
        order.push(tab(chrome, false).await);
        if order.last().is_some_and(|n| n == "button") {
            break;
        }
    }
    assert_eq!(
        order.last().map(String::as_str),
        Some("button"),
        "tab order after the code: {order:?}"
    );
    // Back to the code, and Enter sends it.
    for _ in 0..order.len() {
        tab(chrome, true).await;
    }
    assert_eq!(focused(chrome).await.0, "input#code");
    chrome.keys(&[ENTER]).await;
    chrome.wait_for_text("action=\"/consent\"").await;
    // Consent by keyboard too: Tab to "Allow" and press Enter; the app gets its code.
    let mut reached = String::new();
    for _ in 0..10 {
        reached = tab(chrome, false).await;
        if reached == "button[decision]" {
            break;
        }
    }
    assert_eq!(reached, "button[decision]");
    browser.quit().await;
}

harness::shared_server_tests! {
    setup = |c| c.registration.mode = gatehouse::config::RegistrationMode::Open;

    async fn every_page_passes_axe_in_english(server) {
        every_page(server, "en").await;
    }

    async fn every_page_passes_axe_in_german(server) {
        every_page(server, "de").await;
    }

    async fn unknown_paths_get_a_page_for_browsers_and_text_for_others(server) {
        let http = server.browser();
        let page = http.get(server.url("/no-such-page")).header("accept", "text/html,*/*").send().await.unwrap();
        assert_eq!(page.status(), 404);
        assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
        let body = page.text().await.unwrap();
        assert!(body.contains("href=\"/account\"") && body.contains("href=\"/login\""), "{body}");
        let api = http.get(server.url("/no-such-page")).header("accept", "application/json").send().await.unwrap();
        assert_eq!(api.status(), 404);
        assert_eq!(api.text().await.unwrap(), "404 Not Found\n");
        let icon = http.get(server.url("/favicon.svg")).send().await.unwrap();
        assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    }

    async fn the_admin_console_passes_axe(server) {
        admin_console(server).await;
    }

    async fn sign_in_and_second_step_by_keyboard_alone(server) {
        keyboard_only(server).await;
    }
}

/// The pages of the admin console an administrator opens (English: the console is not
/// translated), with a refused edit among them.
const ADMIN_PAGES: &[(&str, &str)] = &[
    ("admin-overview", "/admin"),
    ("admin-users", "/admin/users"),
    ("admin-clients", "/admin/clients"),
    ("admin-audit", "/admin/audit"),
    ("admin-audit-verified", "/admin/audit/verify"),
    ("admin-roles", "/admin/roles"),
    ("admin-service-accounts", "/admin/service-accounts"),
    ("admin-idps", "/admin/idps"),
    ("admin-keys", "/admin/keys"),
    ("admin-webhooks", "/admin/webhooks"),
];

/// axe over the admin console, signed in as an administrator with an authenticator code.
async fn admin_console(server: &TestServer) {
    if !webdriver::available() {
        harness::skip_or_fail(
            "Debian chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
        );
        return;
    }
    let Some(axe) = axe_source() else {
        harness::skip_or_fail("axe-core (npm ci --prefix tests/a11y)");
        return;
    };
    let email = "a11y-admin@example.com";
    let id = server.user(email, PASSWORD).await;
    let (client_id, _) = server.client(|c| c.name = "Example App".into()).await;
    let mut sweep = Sweep {
        chrome: Chrome::start_in("en").await,
        axe,
        lang: "en",
        shots: std::env::var_os("GATEHOUSE_SCREENSHOTS").map(std::path::PathBuf::from),
        found: Vec::new(),
        pages: 0,
    };
    sweep
        .chrome
        .goto(&server.url("/login?next=/account/two-step"))
        .await;
    sweep.chrome.type_into("#email", email).await;
    sweep.chrome.type_into("#password", PASSWORD).await;
    sweep
        .chrome
        .click("form[action='/login'] button[type=submit]")
        .await;
    sweep
        .chrome
        .wait_for_text("action=\"/account/mfa/totp\"")
        .await;
    let secret = set_up_totp(&mut sweep).await;
    let roles = server.running().services.roles.clone();
    let user = id.clone();
    server
        .on_server(async move { roles.grant("gatehouse:admin", &user).await })
        .await
        .unwrap();
    sweep.chrome.delete_cookies().await;
    sweep.chrome.goto(&server.url("/admin")).await;
    sweep.chrome.type_into("#email", email).await;
    sweep.chrome.type_into("#password", PASSWORD).await;
    sweep
        .chrome
        .click("form[action='/login'] button[type=submit]")
        .await;
    sweep.chrome.wait_for_text("action=\"/login/mfa\"").await;
    sweep
        .chrome
        .type_into("#code", &totp_at(&secret, now() + 30))
        .await;
    sweep
        .chrome
        .click("form[action='/login/mfa'] button[type=submit]")
        .await;
    sweep
        .chrome
        .wait_for_text("id=\"section-title\">Overview<")
        .await;
    for (page, path) in ADMIN_PAGES {
        sweep.open(server, page, path).await;
    }
    sweep
        .open(server, "admin-user", &format!("/admin/users/{id}"))
        .await;
    sweep
        .open(
            server,
            "admin-client",
            &format!("/admin/clients/{client_id}"),
        )
        .await;
    // A refused edit: the reason on top, focused.
    sweep
        .chrome
        .execute("document.getElementById('c-redirects').value = 'not a uri'")
        .await;
    sweep
        .chrome
        .click(&format!(
            "form[action='/admin/clients/{client_id}'] button[type=submit]"
        ))
        .await;
    sweep.chrome.wait_for_text("id=\"form-error\"").await;
    sweep.check("admin-client-refused").await;
    let Sweep {
        chrome,
        found,
        pages,
        ..
    } = sweep;
    chrome.quit().await;
    assert_eq!(pages, 3 + ADMIN_PAGES.len() + 3, "every page was checked");
    assert!(
        found.is_empty(),
        "{} serious or critical violations:\n{}",
        found.len(),
        found.join("\n")
    );
}
