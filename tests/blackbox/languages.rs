//! The pages' and mails' languages: the application's `ui_locales` first, then the user's
//! saved language, then `Accept-Language`, then `ui.default_language`; no page in any
//! shipped language shows a raw message key; discovery lists the shipped languages; mails
//! follow the recipient's saved language, else the page that caused them.

use std::collections::BTreeSet;
use std::path::Path;

use domain::users::Profile;
use harness::mailbox::mail_to;
use harness::rp::{Browser, Landing, hidden};
use harness::{TestServer, shared_server_tests};

const PASSWORD: &str = "correct horse battery staple";
const LANGS: [&str; 4] = ["en", "de", "fr", "es"];

/// Every message key of the shipped English files (the other languages have the same keys:
/// a unit test of the pages crate checks that).
fn keys() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/locales/en");
    let mut keys = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            if line.starts_with(|c: char| c.is_ascii_lowercase())
                && let Some((key, _)) = line.split_once(" =")
            {
                keys.insert(key.trim().to_owned());
            }
        }
    }
    assert!(keys.len() > 100, "the keys were found: {keys:?}");
    keys
}

/// What a person reads on a page: the text between tags (scripts left out) and the
/// attributes that are read out or shown (`alt`, `aria-label`, `title`, `placeholder`).
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open..open + close];
        for attr in ["alt=\"", "aria-label=\"", "title=\"", "placeholder=\""] {
            if let Some(i) = tag.find(attr) {
                let value = &tag[i + attr.len()..];
                out.push_str(value.split('"').next().unwrap_or_default());
                out.push(' ');
            }
        }
        rest = &rest[open + close + 1..];
        if tag.starts_with("<script") {
            rest = rest.split_once("</script>").map_or("", |(_, after)| after);
        }
    }
    out.push_str(rest);
    out
}

/// Asserts that `html` is a page in `lang` that shows no message key.
fn assert_translated(html: &str, lang: &str, what: &str) {
    assert!(
        html.contains(&format!("<html lang=\"{lang}\">")),
        "{what} is not in {lang}: {html}"
    );
    let text = visible(html);
    for key in keys() {
        assert!(
            !text.contains(&key),
            "{what} in {lang} shows the key {key}: {text}"
        );
    }
}

/// A browser that asks for `lang` (`Accept-Language`).
fn browser(server: &TestServer, accept_language: &str) -> Browser {
    Browser::with_headers(server, &[("accept-language", accept_language)])
}

/// An authorization request of `client_id` with `extra` parameters.
fn authorize(server: &TestServer, client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", harness::REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile email")
        .append_pair("state", "s")
        .append_pair("nonce", "n")
        .extend_pairs(extra.iter().copied());
    url.to_string()
}

/// Sets the saved language of `user_id` (empty: none).
async fn save_language(server: &TestServer, user_id: &str, locale: &str) {
    let users = server.running().services.users.clone();
    let (id, locale) = (user_id.to_owned(), locale.to_owned());
    server
        .on_server(async move {
            users
                .update_profile(
                    &id,
                    Profile {
                        locale: Some(locale),
                        ..Default::default()
                    },
                )
                .await
        })
        .await
        .unwrap();
}

/// The `<h1>` of a page.
fn heading(html: &str) -> &str {
    html.split("<h1>")
        .nth(1)
        .and_then(|s| s.split("</h1>").next())
        .unwrap_or_else(|| panic!("no heading in {html}"))
}

shared_server_tests! {
    setup = |_| {};

    async fn every_page_in_every_language_shows_no_raw_key(server) {
        let (client_id, _) = server.client(|c| c.name = "Language App".into()).await;
        let (with_home, _) = server
            .client(|c| {
                c.name = "Home Language App".into();
                c.client_uri = Some("https://home.example/".into());
            })
            .await;
        let mut headings = BTreeSet::new();
        let mut back_labels = BTreeSet::new();
        for lang in LANGS {
            let b = browser(server, lang);
            for path in [
                "/login",
                "/login?next=/account",
                "/register",
                "/forgot-password",
                "/verify-email/resend",
                "/login/email",
                // An error page: the parked request does not exist.
                "/consent?request=nothing-parked-here",
                // An end page: a link that does not work, with its next action.
                "/reset-password?token=unknown",
            ] {
                let res = b.http.get(server.url(path)).send().await.unwrap();
                assert_eq!(
                    res.headers().get("content-language").and_then(|v| v.to_str().ok()),
                    Some(lang),
                    "{path}"
                );
                let html = res.text().await.unwrap();
                assert_translated(&html, lang, path);
                headings.insert(heading(&html).to_owned());
            }
            // The signed-out page, leading back to the application that asked.
            let out = b.open(&server.url(&format!("/end_session?client_id={with_home}"))).await;
            let (_, _, html) = out.page();
            assert_translated(html, lang, "the signed-out page");
            assert!(html.contains("href=\"https://home.example/\" id=\"next-action\""), "{html}");
            back_labels.insert(html.split("id=\"next-action\">").nth(1).unwrap().split('<').next().unwrap().to_owned());
            // The sign-in page of an application, the consent page, the second form of the
            // email sign-in, and the signed-out page.
            let email = format!("pages-{lang}@example.com");
            let user_id = server.user(&email, PASSWORD).await;
            save_language(server, &user_id, lang).await;
            let landing = b.open(&authorize(server, &client_id, &[])).await;
            let (_, _, html) = landing.page();
            assert_translated(html, lang, "the application's sign-in page");
            assert!(html.contains("Language App"), "{html}");
            let landing = b.sign_in(&landing, &email, PASSWORD).await;
            let (_, _, html) = landing.page();
            assert!(html.contains("action=\"/consent\""), "{html}");
            assert_translated(html, lang, "the consent page");
            headings.insert(heading(html).to_owned());

            let page = b.open(&server.url("/login/email")).await;
            let (_, _, html) = page.page();
            let csrf = hidden(html, "csrf").unwrap();
            let code_page = b
                .post(
                    &server.url("/login/email"),
                    &[("csrf", &csrf), ("request", ""), ("next", ""), ("email", "nobody@example.com")],
                )
                .await;
            let (_, _, html) = code_page.page();
            assert!(html.contains("action=\"/login/email/code\""), "{html}");
            assert_translated(html, lang, "the email code page");

            let confirm = b.open(&server.url("/end_session")).await;
            let (_, _, html) = confirm.page();
            assert_translated(html, lang, "the sign-out confirmation");
        }
        // Seven pages (two of the eight are the sign-in page) and the consent page, each
        // with a heading of its own in each language; the way back to the application in
        // each language.
        assert_eq!(headings.len(), 4 * 7 + 4, "{headings:?}");
        assert_eq!(back_labels.len(), 4, "{back_labels:?}");
    }

    async fn ui_locales_comes_before_the_saved_language_before_accept_language(server) {
        let (client_id, _) = server.client(|_| {}).await;
        let english = Browser::new(server)
            .open(&server.url("/login"))
            .await;
        let english_heading = heading(english.page().2).to_owned();
        // Accept-Language alone, by quality; unknown languages are passed over.
        let b = browser(server, "nl, es;q=0.5, de;q=0.8");
        let page = b.open(&authorize(server, &client_id, &[])).await;
        assert!(page.page().2.contains("<html lang=\"de\">"), "{}", page.page().2);
        // The application's ui_locales win over the browser (first shipped one).
        let page = b
            .open(&authorize(server, &client_id, &[("ui_locales", "nl fr-CA es")]))
            .await;
        let (_, _, html) = page.page();
        assert!(html.contains("<html lang=\"fr\">"), "{html}");
        assert_ne!(heading(html), english_heading);
        // ...and still after the form was sent (the parked request is read again).
        let wrong = b.sign_in(&page, "nobody@example.com", "wrong password").await;
        let (status, _, html) = wrong.page();
        assert_eq!(status, 401);
        assert!(html.contains("<html lang=\"fr\">"), "{html}");

        // A signed-in user's saved language wins over the browser, not over ui_locales.
        let email = "order-saved@example.com";
        let user_id = server.user(email, PASSWORD).await;
        save_language(server, &user_id, "es-MX").await;
        let sign_in = b.open(&authorize(server, &client_id, &[])).await;
        let consent = b.sign_in(&sign_in, email, PASSWORD).await;
        // Signed in through a German sign-in page, the consent page is Spanish.
        let (_, _, html) = consent.page();
        assert!(html.contains("action=\"/consent\""), "{html}");
        assert!(html.contains("<html lang=\"es\">"), "{html}");
        let consent = b
            .open(&authorize(server, &client_id, &[("ui_locales", "fr")]))
            .await;
        assert!(consent.page().2.contains("<html lang=\"fr\">"), "{}", consent.page().2);
        // A saved language that is not shipped is passed over.
        save_language(server, &user_id, "pt-BR").await;
        let consent = b.open(&authorize(server, &client_id, &[])).await;
        assert!(consent.page().2.contains("<html lang=\"de\">"), "{}", consent.page().2);
        // Nothing asked for: the default.
        let plain = Browser::new(server).open(&server.url("/login")).await;
        assert!(plain.page().2.contains("<html lang=\"en\">"));
    }

    async fn discovery_lists_the_shipped_languages(server) {
        let doc: serde_json::Value = reqwest::get(server.url("/.well-known/openid-configuration"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let expected = serde_json::json!(["en", "de", "fr", "es"]);
        assert_eq!(doc["ui_locales_supported"], expected);
        assert_eq!(doc["claims_locales_supported"], expected);
    }

    async fn mails_follow_the_saved_language_else_the_page(server) {
        // No saved language: the reset mail is in the language of the page that asked.
        let email = "mail-page-language@example.com";
        let user_id = server.user(email, PASSWORD).await;
        save_language(server, &user_id, "").await;
        request_reset(server, "de", email).await;
        let mail = quoted_printable(&mail_to(server, email, "").await);
        assert!(mail.contains("Guten Tag Alice Example,"), "{mail}");
        assert!(mail.contains("lang=\"de\""), "{mail}");

        // A saved language wins over the page's.
        let email = "mail-saved-language@example.com";
        let user_id = server.user(email, PASSWORD).await;
        save_language(server, &user_id, "fr-FR").await;
        request_reset(server, "de", email).await;
        let mail = quoted_printable(&mail_to(server, email, "").await);
        assert!(mail.contains("Bonjour Alice Example,"), "{mail}");
    }
}

/// Asks for a password reset of `email` from the page in `lang`.
async fn request_reset(server: &TestServer, lang: &str, email: &str) {
    let b = browser(server, lang);
    let page = b.open(&server.url("/forgot-password")).await;
    let Landing::Page { body, .. } = &page else {
        panic!("no reset page");
    };
    assert!(body.contains(&format!("<html lang=\"{lang}\">")), "{body}");
    let csrf = hidden(body, "csrf").unwrap();
    let done = b
        .post(
            &server.url("/forgot-password"),
            &[("csrf", &csrf), ("request", ""), ("email", email)],
        )
        .await;
    assert_eq!(done.page().0, 200, "{}", done.page().2);
}

/// A mail with its quoted-printable soft line breaks and escapes of ASCII undone (enough
/// to find ASCII phrases in it).
fn quoted_printable(mail: &str) -> String {
    let joined = mail.replace("=\r\n", "").replace("=\n", "");
    let mut out = String::new();
    let mut rest = joined.as_str();
    while let Some(i) = rest.find('=') {
        out.push_str(&rest[..i]);
        let hex = rest.get(i + 1..i + 3).unwrap_or_default();
        match u8::from_str_radix(hex, 16) {
            Ok(b) if b.is_ascii() && hex.len() == 2 => {
                out.push(char::from(b));
                rest = &rest[i + 3..];
            }
            _ => {
                out.push('=');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `ui.default_language`: the language when nothing else names a shipped one.
mod default_language {
    use super::*;

    shared_server_tests! {
        setup = |c| c.ui.default_language = "fr".into();

        async fn the_configured_default_serves_whoever_asks_for_nothing_shipped(server) {
            let plain = Browser::new(server).open(&server.url("/login")).await;
            assert_translated(plain.page().2, "fr", "/login without a language");
            let dutch = browser(server, "nl").open(&server.url("/login")).await;
            assert!(dutch.page().2.contains("<html lang=\"fr\">"));
            // The browser still wins over the default.
            let german = browser(server, "de").open(&server.url("/login")).await;
            assert!(german.page().2.contains("<html lang=\"de\">"));
        }
    }
}
