//! Signing in with a mailed code or link: single use, 10 minutes, one mail a minute per
//! account, the same page for unknown addresses, the second factor still asked.

use harness::TestServer;
use harness::mailbox::{all_to, link, mail_to};
use harness::rp::{Browser, Landing, hidden};

use crate::account_states::Kit;

async fn submit(
    browser: &Browser,
    server: &TestServer,
    landing: &Landing,
    action: &str,
    fields: &[(&str, &str)],
) -> Landing {
    let body = landing.page().2;
    let mut form = vec![("csrf".to_owned(), hidden(body, "csrf").expect("csrf"))];
    for name in ["request", "next", "email"] {
        if let Some(v) = hidden(body, name) {
            form.push((name.to_owned(), v));
        }
    }
    for (k, v) in fields {
        form.retain(|(name, _)| name != k);
        form.push(((*k).to_owned(), (*v).to_owned()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser.post(&server.url(action), &form).await
}

/// Asks for a code from the sign-in page of an authorization request; returns the code page.
async fn ask(browser: &Browser, server: &TestServer, kit: &Kit, email: &str) -> Landing {
    let login = browser.open(&kit.auth_url(&[])).await;
    let href = login
        .page()
        .2
        .split("href=\"/login/email?")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let form = browser
        .open(&server.url(&format!("/login/email?{href}")))
        .await;
    submit(browser, server, &form, "/login/email", &[("email", email)]).await
}

/// The 6-digit code in the mail's text (the line after "is").
fn code_of(mail: &str) -> String {
    let text = mail
        .split(" is\r\n")
        .nth(1)
        .or_else(|| mail.split(" is\n").nth(1))
        .expect("code line");
    text.trim_start()[..6].to_owned()
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn a_mailed_code_signs_in_once(server) {
        let kit = Kit::new(server, "email-code").await;
        let browser = Browser::new(server);
        let page = ask(&browser, server, &kit, &kit.email).await;
        let unknown = ask(&Browser::new(server), server, &kit, "nobody-email@example.com").await;
        assert_eq!(page.page().0, unknown.page().0);
        assert!(unknown.page().2.contains("If nobody-email@example.com has an account"));
        let mail = mail_to(server, &kit.email, "Your sign-in code").await;
        let code = code_of(&mail);
        let wrong = if code == "000000" { "000001" } else { "000000" };
        let refused = submit(&browser, server, &page, "/login/email/code", &[("code", wrong)]).await;
        assert_eq!(refused.page().0, 401);
        let landed = submit(&browser, server, &refused, "/login/email/code", &[("code", &code)]).await;
        let tokens = kit
            .token(&[("grant_type", "authorization_code"), ("code", &landed.params()["code"]), ("redirect_uri", harness::REDIRECT_URI)])
            .await;
        assert!(tokens["id_token"].is_string(), "{tokens}");
        // Once only; and no second mail within a minute.
        let again = submit(&browser, server, &refused, "/login/email/code", &[("code", &code)]).await;
        assert_eq!(again.page().0, 401);
        ask(&Browser::new(server), server, &kit, &kit.email).await;
        assert_eq!(all_to(server, &kit.email, "Your sign-in code").await.len(), 1, "one mail a minute");
    }

    async fn finding_o_no_code_in_the_subject_and_nothing_kept_once_sent(server) {
        use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
        use domain::entities::mail_outbox;
        let kit = Kit::new(server, "email-outbox").await;
        ask(&Browser::new(server), server, &kit, &kit.email).await;
        let mail = mail_to(server, &kit.email, "Your sign-in code").await;
        let code = code_of(&mail);
        assert!(code.chars().all(|c| c.is_ascii_digit()), "{code:?}");
        let subject_line = mail.lines().find(|l| l.starts_with("Subject:")).unwrap();
        assert!(!subject_line.contains(&code), "{subject_line}");
        harness::mailbox::drain(server).await;
        let db = server.running().services.store.db().clone();
        let rows = server
            .on_server(async move {
                mail_outbox::Entity::find()
                    .filter(mail_outbox::Column::Kind.eq("email_sign_in"))
                    .all(&db)
                    .await
            })
            .await
            .unwrap();
        assert!(rows.iter().any(|r| r.sent_at.is_some()), "{rows:?}");
        for row in &rows {
            assert!(!row.subject.contains(&code), "code in the stored subject: {row:?}");
            if row.sent_at.is_some() {
                assert_eq!((row.subject.as_str(), row.text_body.as_str(), row.html_body.as_str()), ("", "", ""), "erased once sent");
            }
        }
    }

    async fn finding_p_known_and_unknown_addresses_get_the_same_answer_before_any_mail(server) {
        let kit = Kit::new(server, "email-timing").await;
        let unknown = "nobody-timing@example.com";
        let known = ask(&Browser::new(server), server, &kit, &kit.email).await;
        let other = ask(&Browser::new(server), server, &kit, unknown).await;
        let strip = |page: &str, email: &str| {
            let page = page.replace(&hidden(page, "csrf").unwrap_or_default(), "CSRF");
            let page = page.replace(&hidden(&page, "request").unwrap_or_default(), "REQ");
            page.replace(email, "EMAIL")
        };
        assert_eq!(known.page().0, other.page().0);
        assert_eq!(strip(known.page().2, &kit.email), strip(other.page().2, unknown));
        // The per-account work is done apart from the answer: the mail comes afterwards.
        mail_to(server, &kit.email, "Your sign-in code").await;
        assert!(all_to(server, unknown, "Your sign-in code").await.is_empty());
    }

    async fn a_mailed_link_signs_in_once_after_a_confirmation(server) {
        let kit = Kit::new(server, "email-link").await;
        let browser = Browser::new(server);
        ask(&browser, server, &kit, &kit.email).await;
        let mail = mail_to(server, &kit.email, "Your sign-in code").await;
        let url = link(server, &mail, "/login/email/verify?token=");
        let confirm = Browser::new(server).open(&url).await;
        let token = hidden(confirm.page().2, "token").unwrap();
        let other = Browser::new(server);
        let page = other.open(&url).await;
        let landed = submit(&other, server, &page, "/login/email/verify", &[("token", &token)]).await;
        assert!(landed.params().contains_key("code"), "back to the client");
        let again = submit(&other, server, &page, "/login/email/verify", &[("token", &token)]).await;
        assert_eq!(again.page().0, 400, "the link works once");
    }

    async fn guessing_codes_is_cut_short(server) {
        let kit = Kit::new(server, "email-guess").await;
        let browser = Browser::new(server);
        let mut page = ask(&browser, server, &kit, &kit.email).await;
        let code = code_of(&mail_to(server, &kit.email, "Your sign-in code").await);
        for n in 0..5 {
            let guess = format!("{:06}", (code.parse::<u32>().unwrap() + 1 + n) % 1_000_000);
            page = submit(&browser, server, &page, "/login/email/code", &[("code", &guess)]).await;
        }
        let late = submit(&browser, server, &page, "/login/email/code", &[("code", &code)]).await;
        assert_eq!(late.page().0, 401);
        assert!(late.page().2.contains("Too many wrong codes"));
    }
}
