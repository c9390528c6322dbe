//! The account console: one page per section with the navigation to every other, errors
//! shown all at once with what was typed kept, profile values checked against real lists
//! (IANA time zones, BCP 47), dates in the reader's language and zone, connected apps in the
//! consent page's words, recovery codes as a download with an "I have saved them" step.

use harness::TestServer;
use harness::rp::{Browser, Landing, hidden, unescape};
use harness::totp::{now, totp_at};
use sea_orm::{ActiveModelTrait as _, IntoActiveModel as _, Set};

const PASSWORD: &str = "correct horse battery staple";

/// Every section: its URL's last segment and its heading.
const SECTIONS: &[(&str, &str)] = &[
    ("profile", "Profile"),
    ("email", "Email address"),
    ("password", "Password"),
    ("two-step", "Two-step verification"),
    ("passkeys", "Passkeys"),
    ("linked", "Linked sign-ins"),
    ("apps", "Connected apps"),
    ("sessions", "Sessions"),
    ("data", "Your data"),
    ("delete", "Delete account"),
];

/// A user and a browser signed in to the account console; returns the user's id too.
async fn signed_in(server: &TestServer, email: &str) -> (Browser, String) {
    let user_id = server.user(email, PASSWORD).await;
    let browser = Browser::new(server);
    let login = browser.open(&server.url("/account")).await;
    let landed = browser.sign_in(&login, email, PASSWORD).await;
    let (status, url, body) = landed.page();
    assert_eq!(status, 200, "{body}");
    assert!(url.ends_with("/account"), "{url}");
    (browser, user_id)
}

/// Posts a form of the page in `landing` to `action`, with its CSRF token.
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

/// The `value` attribute of the input with `id` in a page.
fn value_of(body: &str, id: &str) -> Option<String> {
    let start = body.find(&format!("<input id=\"{id}\""))?;
    let tag = &body[start..start + body[start..].find('>')?];
    let v = tag.split(" value=\"").nth(1)?;
    Some(unescape(&v[..v.find('"')?]))
}

/// The opening tag of the input with `id`.
fn input_tag<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!("<input id=\"{id}\""))
        .unwrap_or_else(|| panic!("no input {id}"));
    &body[start..start + body[start..].find('>').unwrap_or(0)]
}

async fn stored_user(server: &TestServer, user_id: &str) -> domain::entities::user::Model {
    let users = server.running().services.users.clone();
    let id = user_id.to_owned();
    server
        .on_server(async move { users.find(&id).await })
        .await
        .unwrap()
        .expect("user exists")
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn every_section_has_its_page_and_reaches_every_other_in_one_click(server) {
        let (browser, _) = signed_in(server, "console-nav@example.com").await;
        for (slug, title) in SECTIONS {
            let page = browser.open(&server.url(&format!("/account/{slug}"))).await;
            let (status, _, body) = page.page();
            assert_eq!(status, 200, "{slug}: {body}");
            assert!(body.contains(&format!("<h1 id=\"section-title\">{title}</h1>")), "{slug}: {body}");
            // The side navigation and the narrow-screen menu each link every section.
            for (other, _) in SECTIONS {
                let link = format!("href=\"/account/{other}\"");
                assert!(body.matches(&link).count() >= 2, "{slug} links to {other} twice: {body}");
            }
            let current = format!("href=\"/account/{slug}\" aria-current=\"page\"");
            assert_eq!(body.matches(&current).count(), 2, "{slug} marked current");
            assert_eq!(body.matches("aria-current=").count(), 2, "{slug}: one current item per nav");
            assert!(body.contains("<details class=\"console-menu\">"), "the menu works without JavaScript");
        }
        // The account's address opens the first section.
        let home = browser.open(&server.url("/account")).await;
        assert!(home.page().2.contains("<h1 id=\"section-title\">Profile</h1>"));
        // Linked sign-ins say plainly that there are none yet.
        let linked = browser.open(&server.url("/account/linked")).await;
        assert!(linked.page().2.contains("None yet"));
        // An unknown section is not found; a signed-out browser is sent to sign in and back.
        let unknown = browser.http.get(server.url("/account/nothing-here")).send().await.unwrap();
        assert_eq!(unknown.status(), 404);
        let res = Browser::new(server).http.get(server.url("/account/sessions")).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/login?next=/account/sessions");
    }

    async fn an_action_answers_on_its_section_with_the_result_on_top(server) {
        let (browser, _) = signed_in(server, "console-done@example.com").await;
        let page = browser.open(&server.url("/account/profile")).await;
        let saved = submit(&browser, server, &page, "/account/profile", &[("name", "Ada")]).await;
        let (_, url, body) = saved.page();
        assert!(url.ends_with("/account/profile?done=profile"), "{url}");
        let notice = body.find("role=\"status\"").expect("a notice");
        let form = body.find("action=\"/account/profile\"").expect("the form");
        assert!(notice < form, "the result comes before the form");
        // The older addresses with `done` still show their message, on the right section.
        let old = browser.open(&server.url("/account?done=sessions")).await;
        let body = old.page().2;
        assert!(body.contains("Every other session is signed out.") && body.contains("<h1 id=\"section-title\">Sessions</h1>"), "{body}");
    }

    async fn an_error_keeps_what_was_typed_and_shows_every_field_error(server) {
        let (browser, user_id) = signed_in(server, "console-errors@example.com").await;
        let page = browser.open(&server.url("/account/profile")).await;
        let typed = [
            ("name", "Ada Lovelace"),
            ("given_name", "Ada"),
            ("family_name", "Lovelace"),
            ("picture", "http://example.com/me.png"),
            ("locale", "klingon"),
            ("zoneinfo", "Europe/Atlantis"),
            ("phone_number", "+33 6 12 34 56 78"),
        ];
        let refused = submit(&browser, server, &page, "/account/profile", &typed).await;
        let (status, _, body) = refused.page();
        assert_eq!(status, 422, "{body}");
        // One alert, focused on arrival, listing the three problems with links to the fields.
        assert_eq!(body.matches("role=\"alert\"").count(), 1, "{body}");
        let alert = &body[body.find("role=\"alert\"").unwrap()..];
        let alert = &alert[..alert.find("</div>").unwrap()];
        assert!(alert.contains("autofocus"), "{alert}");
        for field in ["picture", "locale", "zoneinfo"] {
            assert!(alert.contains(&format!("href=\"#{field}\"")), "{field} in {alert}");
            let tag = input_tag(body, field);
            assert!(tag.contains("aria-invalid=\"true\""), "{tag}");
            assert!(tag.contains(&format!("{field}-error")), "{tag}");
            assert!(body.contains(&format!("<p class=\"field-error\" id=\"{field}-error\">")), "{field}");
        }
        assert!(!input_tag(body, "name").contains("aria-invalid"), "a good field is not marked");
        // Every value comes back as typed, the good and the bad.
        for (field, value) in typed {
            assert_eq!(value_of(body, field).as_deref(), Some(value), "{field}");
        }
        // Nothing was saved.
        let user = stored_user(server, &user_id).await;
        assert_ne!(user.zoneinfo.as_deref(), Some("Europe/Atlantis"));
        assert_ne!(user.display_name.as_deref(), Some("Ada Lovelace"));

        // A wrong password on another section: that section, its field marked, the address kept.
        let page = browser.open(&server.url("/account/email")).await;
        let wrong = submit(&browser, server, &page, "/account/email", &[("new_email", "ada@example.org"), ("password", "not it")]).await;
        let (status, _, body) = wrong.page();
        assert_eq!(status, 422);
        assert!(body.contains("<h1 id=\"section-title\">Email address</h1>"), "{body}");
        assert_eq!(value_of(body, "new_email").as_deref(), Some("ada@example.org"));
        assert!(input_tag(body, "email_password").contains("aria-invalid=\"true\""));
        assert!(body.contains("role=\"alert\""));
    }

    async fn time_zones_and_languages_are_checked_against_the_real_lists(server) {
        let (browser, user_id) = signed_in(server, "console-lists@example.com").await;
        let page = browser.open(&server.url("/account/profile")).await;
        // The form offers the IANA zones.
        assert!(page.page().2.contains("<option value=\"Asia/Kolkata\">"));
        for (locale, zone, bad) in [
            ("en-UK", "Europe/Paris", "locale"),
            ("zz", "Europe/Paris", "locale"),
            ("en-GB", "Europe/Pariss", "zoneinfo"),
            ("en-GB", "+02:00", "zoneinfo"),
        ] {
            let refused = submit(&browser, server, &page, "/account/profile", &[("locale", locale), ("zoneinfo", zone)]).await;
            let (status, _, body) = refused.page();
            assert_eq!(status, 422, "{locale} {zone}");
            assert!(input_tag(body, bad).contains("aria-invalid=\"true\""), "{locale} {zone}");
        }
        // Good values are kept in their canonical spelling.
        let saved = submit(&browser, server, &page, "/account/profile", &[("locale", "sr-latn-rs"), ("zoneinfo", "america/new_york")]).await;
        assert_eq!(saved.page().0, 200, "{}", saved.page().2);
        let user = stored_user(server, &user_id).await;
        assert_eq!(user.locale.as_deref(), Some("sr-Latn-RS"));
        assert_eq!(user.zoneinfo.as_deref(), Some("America/New_York"));
    }

    async fn dates_read_in_the_users_language_and_time_zone(server) {
        let email = "console-dates@example.com";
        let (browser, user_id) = signed_in(server, email).await;
        let page = browser.open(&server.url("/account/profile")).await;
        let saved = submit(&browser, server, &page, "/account/profile", &[("locale", "de-DE"), ("zoneinfo", "Asia/Tokyo")]).await;
        assert_eq!(saved.page().0, 200);
        // Another session, signed in on 15 January at 08:30 UTC and last seen 50 minutes ago
    // (within the idle timeout of an hour).
        let other = Browser::new(server);
        let login = other.open(&server.url("/account")).await;
        other.sign_in(&login, email, PASSWORD).await;
        let sessions = server.running().services.sessions.clone();
        let db = server.running().services.store.db().clone();
        let uid = user_id.clone();
        let current = hidden(browser.open(&server.url("/account/sessions")).await.page().2, "session_id")
            .expect("the other session can be signed out");
        server
            .on_server(async move {
                let live = sessions.live_of_user(&uid).await.unwrap();
                let row = live.into_iter().find(|s| s.id == current).unwrap();
                let mut row = row.into_active_model();
                let now = time::OffsetDateTime::now_utc();
                row.created_at = Set(time::macros::datetime!(2026-01-15 08:30 UTC));
                row.last_seen_at = Set(now - time::Duration::seconds(50 * 60 + 20));
                row.update(&db).await.unwrap();
            })
            .await;
        let page = browser.open(&server.url("/account/sessions")).await;
        let body = page.page().2;
        // 08:30 UTC is 17:30 in Tokyo; the German medium date format.
        assert!(body.contains("15. Jan. 2026, 17:30"), "{body}");
        assert!(body.contains("vor 50 Minuten"), "{body}");
        assert!(body.contains("gerade eben"), "this session: {body}");
        assert!(body.contains("datetime=\"2026-01-15T08:30:00Z\""), "{body}");
        assert!(body.contains("Asia/Tokyo"));
        // English and UTC for someone who set neither.
        let (plain, _) = signed_in(server, "console-dates-en@example.com").await;
        let body = plain.open(&server.url("/account/sessions")).await.page().2.to_owned();
        assert!(body.contains("just now"), "{body}");
    }

    async fn connected_apps_are_described_as_on_the_consent_page(server) {
        let (browser, user_id) = signed_in(server, "console-apps@example.com").await;
        let (client_id, _) = server.client(|c| c.name = "Photo Printer".into()).await;
        let consents = server.running().services.consents.clone();
        let scopes: Vec<String> = ["openid", "email", "offline_access", "photos:read"].map(String::from).to_vec();
        server.on_server(async move { consents.grant(&user_id, &client_id, &scopes).await }).await.unwrap();
        let page = browser.open(&server.url("/account/apps")).await;
        let body = page.page().2;
        assert!(body.contains("Photo Printer"), "{body}");
        for wording in ["Sign you in with your account", "See your email address", "Keep access when you are not using it", "Use the permission \u{201c}photos:read\u{201d}"] {
            assert!(body.contains(wording), "{wording}: {body}");
        }
        assert!(!body.contains("offline_access"), "no raw scope names: {body}");
    }

    async fn recovery_codes_download_as_text_after_setup_with_a_saved_step(server) {
        let (browser, _) = signed_in(server, "console-codes@example.com").await;
        let page = browser.open(&server.url("/account/two-step")).await;
        let setup = submit(&browser, server, &page, "/account/mfa/totp", &[]).await;
        let body = setup.page().2;
        let shown = body.split("id=\"totp-secret\" class=\"totp-key\">").nth(1).unwrap();
        let shown = &shown[..shown.find('<').unwrap()];
        // The key in groups of four, easy to type.
        let groups: Vec<&str> = shown.split(' ').collect();
        assert!(groups.len() > 4 && groups.iter().all(|g| (1..=4).contains(&g.len())), "{shown}");
        assert!(groups[..groups.len() - 1].iter().all(|g| g.len() == 4), "{shown}");
        let secret = shown.replace(' ', "");
        let codes_page = submit(&browser, server, &setup, "/account/mfa/totp/confirm", &[("code", &totp_at(&secret, now())), ("secret", &secret)]).await;
        let body = codes_page.page().2;
        let codes: Vec<String> = body
            .split("<li><code>")
            .skip(1)
            .map(|s| s[..s.find('<').unwrap()].to_owned())
            .collect();
        assert!(codes.len() >= 8, "{body}");
        // The download: a text file holding every code.
        assert!(body.contains("download=\"recovery-codes.txt\""), "{body}");
        let href = body.split("id=\"download-codes\"").next().unwrap();
        let href = href.rsplit("href=\"").next().unwrap();
        let data = href[..href.find('"').unwrap()].to_owned();
        let b64 = data.strip_prefix("data:text/plain;charset=utf-8;base64,").unwrap_or_else(|| panic!("{data}"));
        use base64::Engine as _;
        let text = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap();
        for code in &codes {
            assert!(text.lines().any(|l| l.trim() == code), "{code} in {text}");
        }
        assert!(text.contains("console-codes@example.com"), "{text}");
        // A copy button (shown by the script), and the step that confirms they are saved.
        assert!(body.contains("data-copy=\"recovery-codes\""));
        assert!(body.contains("<script src=\"/static/copy.js\" defer></script>"));
        assert!(body.contains("name=\"saved\" value=\"yes\" required"), "{body}");
        assert!(body.contains("action=\"/account/mfa/recovery-codes/saved\""), "{body}");
        let shown = hidden(body, "codes").expect("the codes travel with the form");
        assert_eq!(shown, codes.join(" "));
        // The server, not only the browser, enforces the box: unticked, the codes again
        // with the console's error conventions (an alert, focused, the field tied to it).
        let refused = submit(&browser, server, &codes_page, "/account/mfa/recovery-codes/saved", &[("codes", &shown)]).await;
        let (status, _, body) = refused.page();
        assert_eq!(status, 422, "{body}");
        assert!(body.contains("<div class=\"error-summary\" role=\"alert\" id=\"form-error\" tabindex=\"-1\" autofocus>"), "{body}");
        assert!(body.contains("<a href=\"#saved\">Tick “I have saved these codes”"), "{body}");
        assert!(body.contains("aria-invalid=\"true\" aria-describedby=\"saved-error\""), "{body}");
        for code in &codes {
            assert!(body.contains(&format!("<li><code>{code}</code></li>")), "{code} shown again");
        }
        assert!(!body.contains("Your recovery codes are saved"));
        // Without the form's token: refused as any form.
        let forged = browser.post(&server.url("/account/mfa/recovery-codes/saved"), &[("saved", "yes")]).await;
        assert_eq!(forged.page().0, 403);
        // Ticked: back to the section, which says so.
        let saved = submit(&browser, server, &refused, "/account/mfa/recovery-codes/saved", &[("codes", &shown), ("saved", "yes")]).await;
        let (_, url, body) = saved.page();
        assert!(url.ends_with("/account/two-step?done=codes_saved"), "{url}");
        assert!(body.contains("Your recovery codes are saved"), "{body}");
        let copy = browser.http.get(server.url("/static/copy.js")).send().await.unwrap();
        assert_eq!(copy.status(), 200);
    }
}

/// The console in Chromium: the menu on a phone-sized window, the side navigation on a wide
/// one, and a refused form arriving with the focus on its list of problems.
mod in_a_browser {
    use harness::webdriver::{self, Chrome};

    use super::PASSWORD;

    harness::shared_server_tests! {
        setup = |_| {};

        async fn chromium_navigates_the_sections_and_lands_on_the_errors(server) {
            if !webdriver::available() {
                harness::skip_or_fail("Debian chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)");
                return;
            }
            let email = "console-chromium@example.com";
            server.user(email, PASSWORD).await;
            let chrome = Chrome::start().await;
            chrome.set_window_size(375, 812).await;
            chrome.goto(&server.url("/account/profile")).await;
            chrome.type_into("#email", email).await;
            chrome.type_into("#password", PASSWORD).await;
            chrome.click("form[action='/login'] button[type=submit]").await;
            chrome.wait_for_text("id=\"section-title\">Profile<").await;
            let shown = |selector: &str| {
                format!("getComputedStyle(document.querySelector({selector:?})).display !== 'none'")
            };
            // A phone: the menu, closed, and no side navigation; one click opens it, one more
            // reaches a section.
            let narrow = chrome
                .execute(&format!("return [{}, {}, document.querySelector('.console-menu').open]", shown(".console-menu"), shown(".console-nav")))
                .await;
            assert_eq!(narrow, serde_json::json!([true, false, false]), "narrow layout");
            chrome.click(".console-menu summary").await;
            chrome.click(".console-menu a[href='/account/sessions']").await;
            chrome.wait_for_text("id=\"section-title\">Sessions<").await;
            assert!(chrome.url().await.ends_with("/account/sessions"));
            // A wide screen: the side navigation, no menu.
            chrome.set_window_size(1280, 900).await;
            let wide = chrome.execute(&format!("return [{}, {}]", shown(".console-menu"), shown(".console-nav"))).await;
            assert_eq!(wide, serde_json::json!([false, true]), "wide layout");
            chrome.click(".console-nav a[href='/account/profile']").await;
            chrome.wait_for_text("id=\"section-title\">Profile<").await;
            // A refused form: the problems listed, focused, within the first screen; what was
            // typed is still there.
            chrome.execute("document.getElementById('zoneinfo').value = ''; document.getElementById('locale').value = '';").await;
            chrome.type_into("#zoneinfo", "Europe/Atlantis").await;
            chrome.type_into("#locale", "klingon").await;
            chrome.click("form[action='/account/profile'] button[type=submit]").await;
            chrome.wait_for_text("role=\"alert\"").await;
            let state = chrome
                .execute(
                    "var a = document.getElementById('form-error'); \
                     return [document.activeElement && document.activeElement.id, \
                             a.getBoundingClientRect().bottom <= window.innerHeight, \
                             a.querySelectorAll('li').length, \
                             document.getElementById('zoneinfo').value, \
                             document.getElementById('locale').value]",
                )
                .await;
            assert_eq!(
                state,
                serde_json::json!(["form-error", true, 2, "Europe/Atlantis", "klingon"]),
                "focus, visibility, problems and values after the refused form"
            );
            // A successful action on a phone: its result at the top of the section, in view.
            chrome.set_window_size(375, 812).await;
            chrome.goto(&server.url("/account/profile")).await;
            chrome.wait_for_text("id=\"section-title\">Profile<").await;
            chrome.type_into("#name", "Ada").await;
            chrome.click("form[action='/account/profile'] button[type=submit]").await;
            chrome.wait_for_text("Your profile is saved.").await;
            let visible = chrome
                .execute("return document.getElementById('form-notice').getBoundingClientRect().bottom <= window.innerHeight")
                .await;
            assert_eq!(visible, serde_json::json!(true), "the result is in view");
            chrome.quit().await;
        }
    }
}

/// The authenticator apps' label is the operator's product name, not the host.
mod product_name {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| c.branding.product_name = "Acme ID".into();

        async fn the_authenticator_label_is_the_product_name(server) {
            let (browser, _) = signed_in(server, "console-brand@example.com").await;
            let page = browser.open(&server.url("/account/two-step")).await;
            let setup = submit(&browser, server, &page, "/account/mfa/totp", &[]).await;
            let body = setup.page().2;
            assert!(body.contains("The app lists it as <strong>Acme ID</strong>"), "{body}");
            assert!(!body.contains("lists it as <strong>127.0.0.1"), "{body}");
            // A wrong code shows the page again under the same label.
            let shown = body.split("id=\"totp-secret\" class=\"totp-key\">").nth(1).unwrap();
            let secret = shown[..shown.find('<').unwrap()].replace(' ', "");
            let wrong = submit(&browser, server, &setup, "/account/mfa/totp/confirm", &[("code", "000000x"), ("secret", &secret)]).await;
            assert_eq!(wrong.page().0, 422);
            assert!(wrong.page().2.contains("The app lists it as <strong>Acme ID</strong>"));
        }
    }
}
