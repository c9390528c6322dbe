//! `[branding]`: the operator's product name, logo, colour and stylesheet on every page and
//! mail, served by Gatehouse under its own Content-Security-Policy.

use harness::mailbox;
use harness::rp::Browser;
use harness::{TestServer, server_tests, shared_server_tests};

const LOGO: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>";
const EXTRA_CSS: &str = ".card { border-width: 3px; }";

fn branded(c: &mut gatehouse::config::Config) {
    let dir = c.data_dir.join("brand");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("logo.svg"), LOGO).unwrap();
    std::fs::write(dir.join("extra.css"), EXTRA_CSS).unwrap();
    c.branding = gatehouse::config::BrandingConfig {
        product_name: "Acme & Co".into(),
        logo: "brand/logo.svg".into(),
        primary_color: "#FFD700".into(),
        stylesheet: "brand/extra.css".into(),
    };
    c.rate_limit.mail_per_ip = 0;
}

/// GETs `path`: status, content type, CSP and body.
async fn get(server: &TestServer, path: &str) -> (u16, String, String, String) {
    let res = server.browser().get(server.url(path)).send().await.unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (ct, csp) = (header("content-type"), header("content-security-policy"));
    (res.status().as_u16(), ct, csp, res.text().await.unwrap())
}

shared_server_tests! {
    setup = branded;

    async fn every_page_carries_the_product_name_logo_and_theme(server) {
        for path in ["/login", "/forgot-password", "/verify-email/resend", "/reset-password?token=x"] {
            let (status, _, csp, body) = get(server, path).await;
            assert!(status < 500, "{path}: {status}");
            assert!(body.contains("<img src=\"/branding/logo\" alt=\"Acme &#38; Co\">"), "{path}: {body}");
            assert!(body.contains(" – Acme &#38; Co</title>"), "{path}: {body}");
            assert!(body.contains("<link rel=\"stylesheet\" href=\"/branding/style.css?v="), "{path}: {body}");
            // Both are ours: the page's policy allows them without anything more.
            assert!(csp.contains("style-src 'self'") && csp.contains("img-src 'self'"), "{csp}");
        }
    }

    async fn the_logo_and_stylesheet_are_served_from_the_data_directory(server) {
        let (status, ct, csp, body) = get(server, "/branding/logo").await;
        assert_eq!((status, ct.as_str(), body.as_str()), (200, "image/svg+xml", LOGO));
        // Opened on its own, the SVG may run nothing.
        assert!(csp.starts_with("default-src 'none'") && csp.contains("sandbox"), "{csp}");
        let (status, ct, _, css) = get(server, "/branding/style.css").await;
        assert_eq!((status, ct.as_str()), (200, "text/css; charset=utf-8"));
        // The colour as given, with black text (more contrast than white on gold), then the
        // operator's rules.
        assert_eq!(css, format!(":root {{ --accent: #ffd700; --on-accent: #000000; }}\n{EXTRA_CSS}"));
    }

    async fn mails_are_signed_with_the_product_name(server) {
        let email = "branded-mail@example.com";
        server.user(email, "correct horse battery staple").await;
        let browser = Browser::new(server);
        let page = browser.open(&server.url("/forgot-password")).await;
        let csrf = harness::rp::hidden(page.page().2, "csrf").unwrap();
        browser
            .post(&server.url("/forgot-password"), &[("csrf", &csrf), ("email", email)])
            .await;
        let mail = mailbox::mail_to(server, email, "Reset your password").await;
        // The plain-text part ends with the signature line.
        assert!(mail.lines().any(|l| l.trim_end() == "Acme & Co"), "{mail}");
        assert!(mail.contains("<p style=\"color:#555\">Acme &amp; Co</p>"), "{mail}");
    }

    async fn html_mails_show_the_logo_product_name_and_primary_colour(server) {
        let email = "branded-html@example.com";
        server.user(email, "correct horse battery staple").await;
        let browser = Browser::new(server);
        let page = browser.open(&server.url("/forgot-password")).await;
        let csrf = harness::rp::hidden(page.page().2, "csrf").unwrap();
        browser
            .post(&server.url("/forgot-password"), &[("csrf", &csrf), ("email", email)])
            .await;
        let mail = mailbox::mail_to(server, email, "Reset your password").await;
        let html = &mail[mail.find("<!doctype html>").unwrap_or_else(|| panic!("an HTML part: {mail}"))..];
        // Headed by the logo, by absolute URL on the issuer, named after the product.
        let logo = format!("<img src=\"{}\" alt=\"Acme &amp; Co\"", server.url("/branding/logo"));
        assert!(html.contains(&logo), "{html}");
        // The primary colour: the bar over the header and the action button (with the text
        // colour that reads on it).
        assert!(html.contains("border-top:6px solid #ffd700"), "{html}");
        assert!(html.contains("background:#ffd700;color:#000000"), "{html}");
        let reset = mailbox::link(server, html, "/reset-password?token=");
        assert!(html.contains(&format!("color:#000000;font-weight:bold;text-decoration:none\" href=\"{reset}\"")), "{html}");
        // The logo the mail names is served.
        assert_eq!(get(server, "/branding/logo").await.0, 200);
        // The plain-text part keeps the product name.
        let text = &mail[..mail.find("<!doctype html>").unwrap()];
        assert!(text.lines().any(|l| l.trim_end() == "Acme & Co"), "{text}");
    }
}

server_tests! {
    async fn without_branding_pages_name_gatehouse_and_serve_no_files(server: TestServer) {
        let (_, _, _, body) = get(&server, "/login").await;
        assert!(body.contains("<span class=\"brand-name\">Gatehouse</span>"), "{body}");
        assert!(!body.contains("/branding/"), "{body}");
        assert_eq!(get(&server, "/branding/logo").await.0, 404);
        assert_eq!(get(&server, "/branding/style.css").await.0, 404);
    }
}
