//! The admin console (`/admin`): who gets in (an administrative role and a second factor),
//! which sections each role opens, CSRF and confirmations on its forms, and the users,
//! clients, audit and overview pages acting through `domain::admin`. One Chromium run signs
//! in with an authenticator code and does what an administrator does most.

use harness::TestServer;
use harness::rp::{Browser, Landing, hidden, unescape};
use harness::totp::{now, totp_at};

const PASSWORD: &str = "correct horse battery staple";

/// Grants `roles` (created when missing) to the account `id`.
async fn grant(server: &TestServer, id: &str, roles: &[&str]) {
    let services = server.running().services.clone();
    let id = id.to_owned();
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
    server
        .on_server(async move {
            for role in roles {
                services.roles.ensure(&role).await.unwrap();
                services.roles.grant(&role, &id).await.unwrap();
            }
        })
        .await;
}

/// An account with an authenticator app set up, then given `roles`: its id and key.
async fn administrator(server: &TestServer, email: &str, roles: &[&str]) -> (String, String) {
    let id = server.user(email, PASSWORD).await;
    let browser = Browser::new(server);
    let login = browser.open(&server.url("/account")).await;
    browser.sign_in(&login, email, PASSWORD).await;
    let (secret, _) = crate::mfa::enroll(&browser, server).await;
    grant(server, &id, roles).await;
    (id, secret)
}

/// Posts a form of the page in `landing` to `action`, with the page's CSRF token.
async fn submit(
    browser: &Browser,
    server: &TestServer,
    landing: &Landing,
    action: &str,
    fields: &[(&str, &str)],
) -> Landing {
    let csrf = hidden(landing.page().2, "csrf").expect("csrf field");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    browser.post(&server.url(action), &form).await
}

/// A browser signed in to the console with the password and the authenticator's next code
/// (the code that confirmed the setup is spent); the overview it lands on.
async fn console(server: &TestServer, email: &str, secret: &str) -> (Browser, Landing) {
    let browser = Browser::new(server);
    let login = browser.open(&server.url("/admin")).await;
    assert!(
        login.page().1.contains("/login?next=%2Fadmin"),
        "{}",
        login.page().1
    );
    let body = login.page().2;
    let (csrf, next) = (hidden(body, "csrf").unwrap(), hidden(body, "next").unwrap());
    assert_eq!(next, "/admin");
    let second = browser
        .post(
            &server.url("/login"),
            &[
                ("csrf", csrf.as_str()),
                ("request", ""),
                ("next", &next),
                ("email", email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert!(
        second.page().2.contains("Two-step verification"),
        "{}",
        second.page().2
    );
    let code = totp_at(secret, now() + 30);
    let landed = submit(
        &browser,
        server,
        &second,
        "/login/mfa",
        &[("method", "totp"), ("code", &code)],
    )
    .await;
    let (status, url, body) = landed.page();
    assert_eq!(status, 200, "{body}");
    assert!(url.ends_with("/admin"), "{url}");
    assert!(body.contains("id=\"section-title\">Overview<"), "{body}");
    (browser, landed)
}

/// A page of the console.
async fn page(browser: &Browser, server: &TestServer, path: &str) -> Landing {
    browser.open(&server.url(path)).await
}

/// Posts every field of `form` to `path` with the CSRF token `csrf`.
async fn post_all(
    browser: &Browser,
    server: &TestServer,
    path: &str,
    csrf: &str,
    form: Vec<(&'static str, String)>,
) -> Landing {
    let mut all: Vec<(&str, &str)> = vec![("csrf", csrf)];
    all.extend(form.iter().map(|(k, v)| (*k, v.as_str())));
    browser.post(&server.url(path), &all).await
}

/// The text between `start` and the next `end` in `body`.
fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let from = body
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {body}"))
        + start.len();
    &body[from..from + body[from..].find(end).unwrap()]
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn strangers_sign_in_first_others_are_refused_and_admins_need_a_second_factor(server) {
        let raw = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let res = raw.get(server.url("/admin/users?q=x")).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/login?next=%2Fadmin%2Fusers%3Fq%3Dx");

        // Signed in, no administrative role: refused, whatever the page.
        let email = "ac-plain@example.com";
        let id = server.user(email, PASSWORD).await;
        let browser = Browser::new(server);
        let login = browser.open(&server.url("/account")).await;
        browser.sign_in(&login, email, PASSWORD).await;
        for path in ["/admin", "/admin/users", "/admin/clients", "/admin/audit", "/admin/audit/export"] {
            let landed = page(&browser, server, path).await;
            let (status, _, body) = landed.page();
            assert_eq!(status, 403, "{path}");
            assert!(body.contains("Not an administrator"), "{body}");
        }
        let (status, _, _) = browser.post(&server.url("/admin/users"), &[("email", "x@example.com")]).await.page();
        assert_eq!(status, 403, "no token, no role: refused");

        // The role granted to this session, signed in with a password only: a second factor
        // is needed first, and saying so does not reveal anything else.
        grant(server, &id, &["gatehouse:admin"]).await;
        let landed = page(&browser, server, "/admin").await;
        let (status, _, body) = landed.page();
        assert_eq!(status, 403);
        assert!(body.contains("second factor"), "{body}");
    }

    async fn each_role_opens_its_own_sections(server) {
        let (_, users_key) = administrator(server, "ac-users@example.com", &["gatehouse:users"]).await;
        let (browser, overview) = console(server, "ac-users@example.com", &users_key).await;
        let body = overview.page().2;
        assert!(body.contains("href=\"/admin/users\""));
        assert!(!body.contains("href=\"/admin/clients\""), "no link to what the role cannot open");
        assert!(!body.contains("Recent security events"), "the audit log is not theirs");
        assert_eq!(page(&browser, server, "/admin/users").await.page().0, 200);
        for path in ["/admin/clients", "/admin/audit", "/admin/audit/export?format=csv"] {
            let landed = page(&browser, server, path).await;
            let (status, _, body) = landed.page();
            assert_eq!(status, 403, "{path}");
            assert!(body.contains("gatehouse:"), "names the role needed: {body}");
        }

        let (_, audit_key) = administrator(server, "ac-audit@example.com", &["gatehouse:audit"]).await;
        let (browser, overview) = console(server, "ac-audit@example.com", &audit_key).await;
        assert!(overview.page().2.contains("Recent security events"));
        assert_eq!(page(&browser, server, "/admin/audit").await.page().0, 200);
        assert_eq!(page(&browser, server, "/admin/users").await.page().0, 403);
        assert_eq!(page(&browser, server, "/admin/clients").await.page().0, 403);
    }

    async fn forms_need_the_sessions_token_and_what_cannot_be_undone_a_confirmation(server) {
        let (admin_id, key) = administrator(server, "ac-csrf-admin@example.com", &["gatehouse:admin"]).await;
        let (target_id, _) = administrator(server, "ac-csrf-target@example.com", &[]).await;
        let (browser, _) = console(server, "ac-csrf-admin@example.com", &key).await;
        let path = format!("/admin/users/{target_id}");
        let user_page = page(&browser, server, &path).await;
        assert!(user_page.page().2.contains("<td>totp</td>"), "{}", user_page.page().2);

        let reset = format!("{path}/mfa/reset");
        let forged = browser.post(&server.url(&reset), &[("csrf", "not-the-token"), ("confirm", "yes")]).await;
        assert_eq!(forged.page().0, 403, "{}", forged.page().2);
        let unconfirmed = submit(&browser, server, &user_page, &reset, &[]).await;
        assert_eq!(unconfirmed.page().0, 400);
        assert!(unconfirmed.page().2.contains("cannot be undone"));
        assert!(page(&browser, server, &path).await.page().2.contains("<td>totp</td>"), "nothing removed yet");

        let done = submit(&browser, server, &user_page, &reset, &[("confirm", "yes")]).await;
        let (status, url, body) = done.page();
        assert_eq!(status, 200, "{body}");
        assert!(url.ends_with("?done=mfa_reset"), "{url}");
        assert!(body.contains("id=\"no-factors\""), "{body}");

        // Audited with the administrator and the console as the way in.
        let audit = page(&browser, server, &format!("/admin/audit?kind=mfa.reset_by_admin&subject={target_id}")).await;
        let body = audit.page().2;
        let row = between(body, "<tbody>", "</tbody>");
        assert!(row.contains("mfa.reset_by_admin") && row.contains(&admin_id), "{row}");
        assert!(unescape(row).contains("\"via\":\"console\""), "{row}");

        // An administrator cannot lock themselves out from the console either.
        let own = page(&browser, server, &format!("/admin/users/{admin_id}")).await;
        let refused = submit(&browser, server, &own, &format!("/admin/users/{admin_id}/delete"), &[("confirm", "yes")]).await;
        assert_eq!(refused.page().0, 409, "{}", refused.page().2);
        assert!(refused.page().2.contains("their own account"), "{}", refused.page().2);
        assert!(page(&browser, server, &format!("/admin/users/{admin_id}")).await.page().0 == 200, "still there");
    }

    async fn users_are_searched_created_and_administered(server) {
        let (admin_id, key) = administrator(server, "ac-users-admin@example.com", &["gatehouse:users"]).await;
        let (browser, _) = console(server, "ac-users-admin@example.com", &key).await;
        let list = page(&browser, server, "/admin/users").await;
        let created = submit(&browser, server, &list, "/admin/users", &[("email", "ac-new@example.com"), ("name", "Newly Made")]).await;
        let (status, url, body) = created.page();
        assert_eq!(status, 200, "{body}");
        assert!(url.contains("done=user_created"), "{url}");
        let user_path = url.split('?').next().unwrap().trim_start_matches(&server.url("")).to_owned();
        assert!(body.contains("The account was created."));

        let found = page(&browser, server, "/admin/users?q=NEWLY").await;
        assert!(found.page().2.contains("ac-new@example.com"), "search is case-blind on names");
        let none = page(&browser, server, "/admin/users?q=ac-new&status=suspended").await;
        assert!(!none.page().2.contains("ac-new@example.com"));

        // A password the policy refuses: the reason, and nothing set.
        let weak = submit(&browser, server, &created, &format!("{user_path}/password"), &[("password", "short")]).await;
        assert_eq!(weak.page().0, 400);
        assert!(weak.page().2.contains("password"), "{}", weak.page().2);
        let set = submit(&browser, server, &created, &format!("{user_path}/password"), &[("password", "a much longer pass phrase")]).await;
        assert!(set.page().1.contains("done=password_set"), "{}", set.page().2);

        // Suspension needs a reason and the confirmation; reactivation brings it back.
        let state = format!("{user_path}/state");
        let unconfirmed = submit(&browser, server, &set, &state, &[("action", "suspend"), ("reason", "fraud check")]).await;
        assert_eq!(unconfirmed.page().0, 400);
        let suspended = submit(&browser, server, &set, &state, &[("action", "suspend"), ("reason", "fraud check"), ("confirm", "yes")]).await;
        assert!(suspended.page().2.contains("suspended: fraud check"), "{}", suspended.page().2);
        let back = submit(&browser, server, &suspended, &state, &[("action", "reactivate")]).await;
        assert!(between(back.page().2, "id=\"user-state\">", "<").starts_with("active"));

        // A stale profile form is refused (412) and changes nothing.
        let version = hidden(set.page().2, "version").unwrap();
        let stale = submit(&browser, server, &back, &format!("{user_path}/profile"), &[("version", &version), ("name", "Overwritten")]).await;
        assert_eq!(stale.page().0, 412, "{}", stale.page().2);
        let fresh = hidden(back.page().2, "version").unwrap();
        let saved = submit(&browser, server, &back, &format!("{user_path}/profile"), &[("version", &fresh), ("name", "Renamed Person")]).await;
        assert!(saved.page().2.contains("Renamed Person"), "{}", saved.page().2);

        // Everything above is in the audit log, under this administrator; exported alike.
        let (_, audit_key) = administrator(server, "ac-users-auditor@example.com", &["gatehouse:audit"]).await;
        let (auditor, _) = console(server, "ac-users-auditor@example.com", &audit_key).await;
        let filtered = page(&auditor, server, &format!("/admin/audit?kind=user.*&actor={admin_id}")).await;
        let rows = between(filtered.page().2, "<tbody>", "</tbody>");
        for kind in ["user.created", "user.password_set", "user.suspended", "user.reactivated", "user.updated"] {
            assert!(rows.contains(kind), "{kind} in {rows}");
        }
        assert!(!rows.contains("login.succeeded"));
        let csv = auditor.http.get(server.url(&format!("/admin/audit/export?format=csv&kind=user.*&actor={admin_id}"))).send().await.unwrap();
        assert_eq!(csv.status(), 200);
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let text = csv.text().await.unwrap();
        assert!(text.contains("user.suspended") && !text.contains("login.succeeded"), "{text}");
        let bad = page(&auditor, server, "/admin/audit?from=yesterday").await;
        assert_eq!(bad.page().0, 400);
        assert!(bad.page().2.contains("from"), "{}", bad.page().2);
    }

    async fn a_client_is_edited_in_place_and_a_refused_edit_keeps_what_was_typed(server) {
        let (_, key) = administrator(server, "ac-clients@example.com", &["gatehouse:clients"]).await;
        let (browser, _) = console(server, "ac-clients@example.com", &key).await;
        let (client_id, _) = server.client(|c| c.name = "Console App".into()).await;
        let path = format!("/admin/clients/{client_id}");
        let shown = page(&browser, server, &path).await;
        let body = shown.page().2;
        assert!(body.contains("/.well-known/openid-configuration"), "the discovery URL");
        assert!(body.contains(&format!("OIDC_CLIENT_ID={client_id}")), "the snippet");
        let version = hidden(body, "version").unwrap();

        let fields = |redirects: &'static str, version: String| {
            vec![("version", version), ("name", "Console App".to_owned()), ("redirect_uris", redirects.to_owned()),
                 ("scopes", "openid profile email".to_owned()), ("grant_types", "authorization_code refresh_token".to_owned()),
                 ("response_types", "code".to_owned()), ("token_endpoint_auth_method", "client_secret_basic".to_owned()),
                 ("access_token_format", "jwt".to_owned()), ("id_token_signed_response_alg", "RS256".to_owned()),
                 ("access_token_signing_alg", "RS256".to_owned()), ("require_pkce", "yes".to_owned()),
                 ("require_pushed_authorization_requests", "yes".to_owned()),
                 ("dpop_bound_access_tokens", "yes".to_owned())]
        };
        let par_checked = "name=\"require_pushed_authorization_requests\" value=\"yes\" checked";
        assert!(!body.contains(par_checked), "PAR not required by default");
        let csrf = hidden(body, "csrf").unwrap();
        let post = |form: Vec<(&'static str, String)>| post_all(&browser, server, &path, &csrf, form);
        let refused = post(fields("https://app.example/cb\nhttps://app.example/cb#fragment", version.clone())).await;
        let (status, _, body) = refused.page();
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("role=\"alert\""), "{body}");
        assert!(body.contains("https://app.example/cb#fragment"), "what was typed is kept: {body}");

        let saved = post(fields("https://app.example/cb\nhttps://app.example/other", version.clone())).await;
        let (status, url, body) = saved.page();
        assert_eq!(status, 200, "{body}");
        assert!(url.ends_with(&format!("{path}?done=client_updated")), "{url}");
        assert!(between(body, "id=\"client-redirects\">", "<").contains("https://app.example/other"), "{body}");
        assert!(body.contains(par_checked), "the PAR option saved: {body}");
        assert!(body.contains("name=\"dpop_bound_access_tokens\" value=\"yes\" checked"), "the DPoP option saved: {body}");

        // The form read before that save is stale now.
        let stale = post(fields("https://app.example/lost", version)).await;
        assert_eq!(stale.page().0, 412);
        assert!(stale.page().2.contains("https://app.example/lost"), "kept to save again");

        let rotated = submit(&browser, server, &saved, &format!("{path}/rotate-secret"), &[("version", &hidden(saved.page().2, "version").unwrap()), ("grace", "3600")]).await;
        let (status, _, body) = rotated.page();
        assert_eq!(status, 200, "{body}");
        let secret = between(body, "id=\"new-secret\">", "<");
        assert!(secret.len() >= 32, "{secret}");
        assert!(body.contains("Previous secret"), "the grace period is shown");
        assert!(!page(&browser, server, &path).await.page().2.contains(secret), "shown once");

        let disabled = submit(&browser, server, &rotated, &format!("{path}/disable"), &[("confirm", "yes")]).await;
        assert!(between(disabled.page().2, "id=\"client-state\">", "<").contains("disabled"));
    }

    async fn identity_providers_are_added_edited_mapped_and_deleted(server) {
        let (admin_id, key) = administrator(server, "ac-idps@example.com", &["gatehouse:admin"]).await;
        let (browser, _) = console(server, "ac-idps@example.com", &key).await;
        let mock = harness::upstream::MockUpstream::start();
        let list = page(&browser, server, "/admin/idps").await;
        let created = submit(&browser, server, &list, "/admin/idps", &[
            ("name", "ac-corp"), ("preset", ""), ("display_name", "Corp SSO"), ("issuer", &mock.issuer),
            ("client_id", harness::upstream::CLIENT_ID), ("client_secret", harness::upstream::CLIENT_SECRET),
            ("scopes", "openid email profile"), ("first_login", "link"),
        ]).await;
        let (status, url, body) = created.page();
        assert_eq!(status, 200, "{body}");
        assert!(url.ends_with("/admin/idps/ac-corp?done=idp_changed"), "{url}");
        assert!(between(body, "id=\"idp-redirect\">", "<").ends_with("/login/upstream/callback"), "{body}");
        assert!(!body.contains(harness::upstream::CLIENT_SECRET), "the secret is never shown");
        // The sign-in page offers it.
        let login = Browser::new(server).open(&server.url("/login?next=/account")).await;
        assert!(login.page().2.contains("Corp SSO"));

        // Edited in place; a form read before that save is stale.
        let version = hidden(body, "version").unwrap();
        let fields = |name: &'static str, version: String| vec![
            ("version", version), ("display_name", name.to_owned()), ("issuer", mock.issuer.clone()),
            ("client_id", harness::upstream::CLIENT_ID.to_owned()), ("client_secret", String::new()),
            ("scopes", "openid email".to_owned()), ("first_login", "create".to_owned()), ("allowed_clients", String::new()),
        ];
        let csrf = hidden(body, "csrf").unwrap();
        let saved = post_all(&browser, server, "/admin/idps/ac-corp", &csrf, fields("Corp Login", version.clone())).await;
        let (status, _, body) = saved.page();
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("Corp Login") && body.contains("id=\"idp-state\">disabled"), "unticked: not offered: {body}");
        assert!(body.contains("stored (encrypted; never shown)"), "an empty secret keeps the stored one");
        let stale = post_all(&browser, server, "/admin/idps/ac-corp", &csrf, fields("Lost", version)).await;
        assert_eq!(stale.page().0, 412, "{}", stale.page().2);

        // A mapping rule added, then removed with its confirmation.
        let mapped = submit(&browser, server, &saved, "/admin/idps/ac-corp/mappings", &[
            ("claim", "groups"), ("value", "staff"), ("target", "role"), ("target_name", "gatehouse:audit"),
        ]).await;
        let rules = between(mapped.page().2, "id=\"mappings\">", "</table>");
        assert!(rules.contains("<code>groups</code>") && rules.contains("gatehouse:audit"), "{rules}");
        let rule_id = between(rules, "name=\"item\" value=\"", "\"").to_owned();
        let unconfirmed = submit(&browser, server, &mapped, "/admin/idps/ac-corp/mappings/remove", &[("item", &rule_id)]).await;
        assert_eq!(unconfirmed.page().0, 400);
        let removed = submit(&browser, server, &mapped, "/admin/idps/ac-corp/mappings/remove", &[("item", &rule_id), ("confirm", "yes")]).await;
        assert!(removed.page().2.contains("id=\"no-mappings\""), "{}", removed.page().2);

        let deleted = submit(&browser, server, &removed, "/admin/idps/ac-corp/delete", &[("confirm", "yes")]).await;
        let (_, url, body) = deleted.page();
        assert!(url.ends_with("/admin/idps?done=idp_deleted"), "{url}");
        assert!(!body.contains("href=\"/admin/idps/ac-corp\""), "{body}");

        // Each step is audited with this administrator, through the console.
        let audit = page(&browser, server, &format!("/admin/audit?kind=upstream.*&actor={admin_id}")).await;
        let rows = unescape(between(audit.page().2, "<tbody>", "</tbody>"));
        for kind in ["upstream.created", "upstream.updated", "upstream.mapping.added", "upstream.mapping.removed", "upstream.deleted"] {
            assert!(rows.contains(kind), "{kind} in {rows}");
        }
        assert!(rows.contains("\"via\":\"console\""), "{rows}");
    }

    async fn the_overview_draws_the_days_sign_ins_and_failures(server) {
        let (_, key) = administrator(server, "ac-overview@example.com", &["gatehouse:admin"]).await;
        let stranger = Browser::new(server);
        let login = stranger.open(&server.url("/account")).await;
        let failed = stranger.sign_in(&login, "ac-overview@example.com", "not the password").await;
        assert_eq!(failed.page().0, 401);
        let (_, overview) = console(server, "ac-overview@example.com", &key).await;
        let body = overview.page().2;
        assert!(body.contains("<svg viewBox=\"0 0 600 160\" role=\"img\""), "{body}");
        let day = between(body, "id=\"chart-day-title\">", "<");
        let counts: Vec<u64> = day.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
        // "Sign-ins, last 24 hours (per hour, UTC): N succeeded, M failed"
        let (succeeded, failed) = (counts[counts.len() - 2], counts[counts.len() - 1]);
        assert!(succeeded >= 2 && failed >= 1, "{day}");
        assert!(body.contains("class=\"failed\""), "a failure is drawn");
        let live: u64 = between(body, "id=\"live-sessions\">", "<").parse().unwrap();
        assert!(live >= 1);
        assert!(between(body, "Recent security events", "</table>").contains("login.failed"));
    }
}

/// The console in Chromium, nothing bypassed: an administrator signs in with an
/// authenticator code, edits a client's redirect URIs, rotates its secret, resets a user's
/// two-step verification and filters the audit log.
mod in_a_browser {
    use harness::totp::{now, totp_at};
    use harness::webdriver::{self, Chrome};

    use super::{PASSWORD, administrator};

    harness::shared_server_tests! {
        setup = |_| {};

        async fn an_administrator_does_the_days_work_in_chromium(server) {
            if !webdriver::available() {
                harness::skip_or_fail("Debian chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)");
                return;
            }
            let email = "ac-chromium@example.com";
            let (_, secret) = administrator(server, email, &["gatehouse:admin"]).await;
            let (target, _) = administrator(server, "ac-chromium-target@example.com", &[]).await;
            let (client_id, _) = server.client(|c| c.name = "Chromium App".into()).await;

            let chrome = Chrome::start().await;
            chrome.set_window_size(1280, 900).await;
            chrome.goto(&server.url("/admin")).await;
            chrome.type_into("#email", email).await;
            chrome.type_into("#password", PASSWORD).await;
            chrome.click("form[action='/login'] button[type=submit]").await;
            chrome.wait_for_text("action=\"/login/mfa\"").await;
            chrome.type_into("#code", &totp_at(&secret, now() + 30)).await;
            chrome.click("form[action='/login/mfa'] button[type=submit]").await;
            chrome.wait_for_text("Sign-ins, last 24 hours").await;
            assert!(chrome.url().await.ends_with("/admin"));

            // Edit the redirect URIs.
            chrome.click(".console-nav a[href='/admin/clients']").await;
            chrome.wait_for_text("Register a client").await;
            chrome.click(&format!("a[href='/admin/clients/{client_id}']")).await;
            chrome.wait_for_text("OIDC_CLIENT_ID=").await;
            chrome.execute("document.getElementById('c-redirects').value = ''").await;
            chrome.type_into("#c-redirects", "https://chromium.example/callback").await;
            chrome.click(&format!("form[action='/admin/clients/{client_id}'] button[type=submit]")).await;
            chrome.wait_for_text("The client was saved.").await;
            let redirects = chrome.execute("return document.getElementById('client-redirects').textContent").await;
            assert_eq!(redirects, "https://chromium.example/callback");

            // Rotate its secret: shown once, with the copy button the script reveals.
            chrome.click("form[action$='/rotate-secret'] button[type=submit]").await;
            chrome.wait_for_text("id=\"new-secret\"").await;
            let shown = chrome.execute("return [document.getElementById('new-secret').textContent.length, document.querySelector('button[data-copy=new-secret]').hidden]").await;
            assert!(shown[0].as_u64().unwrap() >= 32 && shown[1] == false, "{shown}");

            // Reset a user's two-step verification, confirming first.
            chrome.goto(&server.url(&format!("/admin/users/{target}"))).await;
            chrome.wait_for_text("<td>totp</td>").await;
            chrome.click("details:has(form[action$='/mfa/reset']) > summary").await;
            chrome.click("form[action$='/mfa/reset'] input[name=confirm]").await;
            chrome.click("form[action$='/mfa/reset'] button[type=submit]").await;
            chrome.wait_for_text("id=\"no-factors\"").await;

            // Filter the audit log down to that reset.
            chrome.click(".console-nav a[href='/admin/audit']").await;
            chrome.wait_for_text("id=\"audit-events\"").await;
            chrome.type_into("#f-kind", "mfa.*").await;
            chrome.type_into("#f-subject", &target).await;
            chrome.click("form[action='/admin/audit'] button[type=submit]").await;
            chrome.wait_for_text("mfa.reset_by_admin").await;
            let kinds = chrome.execute("return Array.from(document.querySelectorAll('#audit-events tbody tr td:nth-child(2)')).map(td => td.textContent)").await;
            let kinds: Vec<String> = serde_json::from_value(kinds).unwrap();
            assert!(kinds.contains(&"mfa.reset_by_admin".to_owned()), "{kinds:?}");
            assert!(kinds.iter().all(|k| k.starts_with("mfa.")), "{kinds:?}");
            chrome.quit().await;
        }
    }
}
