//! The account life cycle through the hosted pages: password reset (with cooldowns and the
//! old sessions ending), the account page (profile, password, email, connected apps,
//! sessions, export, deletion), and invitations. Mail is read from the file transport.

use harness::mailbox::{all_to, link, mail_to};
use harness::rp::{Browser, Landing, hidden};
use harness::{REDIRECT_URI, TestServer};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use crate::account_states::{Kit, PASSWORD};

const NEW_PASSWORD: &str = "lantern orchard velvet 1987";

/// Submits a form of the page in `landing` to `action`, with its CSRF token added.
async fn submit(
    browser: &Browser,
    server: &TestServer,
    landing: &Landing,
    action: &str,
    fields: &[(&str, &str)],
) -> Landing {
    let (_, _, page) = landing.page();
    let csrf = hidden(page, "csrf").expect("csrf field");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    browser.post(&server.url(action), &form).await
}

/// A browser signed in to the account page (standalone sign-in, no client).
async fn account_browser(server: &TestServer, email: &str, password: &str) -> (Browser, Landing) {
    let browser = Browser::new(server);
    let login = browser.open(&server.url("/account")).await;
    assert!(
        login.page().2.contains("action=\"/login\""),
        "/account asks to sign in"
    );
    let page = browser.sign_in(&login, email, password).await;
    let (status, url, body) = page.page();
    assert_eq!(status, 200, "{body}");
    assert!(url.ends_with("/account"), "{url}");
    (browser, page)
}

/// Whether the browser still reaches the account page (rather than the sign-in form).
async fn signed_in(browser: &Browser, server: &TestServer) -> bool {
    let landing = browser.open(&server.url("/account")).await;
    !landing.page().2.contains("action=\"/login\"")
}

async fn forgot(browser: &Browser, server: &TestServer, email: &str) -> Landing {
    let page = browser.open(&server.url("/forgot-password")).await;
    submit(
        browser,
        server,
        &page,
        "/forgot-password",
        &[("email", email)],
    )
    .await
}

fn without_csrf(landing: &Landing) -> String {
    let (_, _, body) = landing.page();
    match hidden(body, "csrf") {
        Some(t) => body.replace(&t, ""),
        None => body.to_owned(),
    }
}

harness::shared_server_tests! {
    setup = |c| {
        c.registration.mode = gatehouse::config::RegistrationMode::Open;
        c.rate_limit.mail_per_ip = 0;
    };

    async fn reset_end_to_end_ends_sessions_revokes_tokens_and_mails_a_notice(server) {
        let kit = Kit::new(server, "reset").await;
        let email = kit.email.clone();
        let (_, tokens) = kit.sign_in().await;
        let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
        let (old_browser, _) = account_browser(server, &email, PASSWORD).await;

        let stranger = Browser::new(server);
        let known = forgot(&stranger, server, &email).await;
        let unknown = forgot(&stranger, server, "nobody-here@example.com").await;
        assert_eq!(known.page().0, 200);
        assert_eq!(without_csrf(&known), without_csrf(&unknown), "no enumeration");
        let mail = mail_to(server, &email, "Reset your password").await;
        assert!(mail.contains("expires in 30 minutes"), "{mail}");
        let reset_link = link(server, &mail, "/reset-password?token=");

        // Opening the link uses nothing; a weak password costs no new link.
        let form = stranger.open(&reset_link).await;
        assert!(form.page().2.contains(&email));
        let token = hidden(form.page().2, "token").unwrap();
        let weak = submit(&stranger, server, &form, "/reset-password", &[("token", &token), ("password", "password1")]).await;
        assert_eq!(weak.page().0, 422);
        assert!(weak.page().2.contains("most common"));
        let done = submit(&stranger, server, &weak, "/reset-password", &[("token", &token), ("password", NEW_PASSWORD)]).await;
        assert!(done.page().2.contains("Password changed"), "{}", done.page().2);

        // Every earlier session and grant ended.
        assert!(!signed_in(&old_browser, server).await, "the old session ended");
        assert_eq!(kit.refresh(&refresh).await["error"], "invalid_grant");
        assert!(!kit.active(tokens["access_token"].as_str().unwrap()).await);
        // The link works once; the new password signs in, the old does not.
        let fresh = stranger.open(&server.url("/forgot-password")).await;
        let again = submit(&stranger, server, &fresh, "/reset-password", &[("token", &token), ("password", NEW_PASSWORD)]).await;
        assert_eq!(again.page().0, 400);
        assert_eq!(kit.try_password(&Browser::new(server), PASSWORD).await.page().0, 401);
        account_browser(server, &email, NEW_PASSWORD).await;
        assert!(mail_to(server, &email, "Your password was changed").await.contains("was reset"));
    }

    async fn reset_mails_wait_for_the_account_cooldown(server) {
        let email = "cooldown@example.com";
        server.user(email, PASSWORD).await;
        let browser = Browser::new(server);
        for _ in 0..3 {
            assert_eq!(forgot(&browser, server, email).await.page().0, 200);
        }
        // The mail is written after the answer: wait for it, then count.
        mail_to(server, email, "Reset your password").await;
        assert_eq!(all_to(server, email, "Reset your password").await.len(), 1, "one mail per cooldown");
    }

    async fn account_page_edits_profile_and_escapes_markup(server) {
        let email = "profile@example.com";
        server.user(email, PASSWORD).await;
        let (browser, page) = account_browser(server, email, PASSWORD).await;
        assert!(page.page().2.contains("Two-step verification"), "a place for MFA settings");
        let saved = submit(&browser, server, &page, "/account/profile", &[
            ("name", "<script>alert(1)</script>"),
            ("given_name", "Zoë"),
            ("family_name", "O'Brien"),
            ("picture", "https://img.example/me.png"),
            ("locale", "fr-CA"),
            ("zoneinfo", "America/Montreal"),
            ("phone_number", "+1 514 555 0100"),
        ]).await;
        let (status, _, body) = saved.page();
        assert_eq!(status, 200);
        // The saved language (fr-CA) applies at once, to this answer too.
        assert!(body.contains("Votre profil est enregistré"), "{body}");
        assert!(!body.contains("<script>alert(1)</script>") && body.contains("&#60;script&#62;"), "escaped: {body}");
        let users = server.running().services.users.clone();
        let u = server.on_server(async move { users.get_by_email(email).await }).await.unwrap();
        assert_eq!(u.given_name.as_deref(), Some("Zoë"));
        assert_eq!(u.zoneinfo.as_deref(), Some("America/Montreal"));
        for (field, value, message) in [
            // The saved language is now French: the messages are too.
            ("picture", "javascript:alert(1)", "URL de la photo"),
            ("locale", "not a locale!", "Langue :"),
            ("phone_number", "call me", "Téléphone :"),
            ("name", &"x".repeat(201), "au plus 200"),
        ] {
            let bad = submit(&browser, server, &saved, "/account/profile", &[(field, value)]).await;
            assert_eq!(bad.page().0, 422, "{field}");
            assert!(bad.page().2.contains(message), "{field}: {}", bad.page().2);
        }
        // Nothing of the refused forms was stored.
        let users = server.running().services.users.clone();
        let after = server.on_server(async move { users.get_by_email(email).await }).await.unwrap();
        assert_eq!(after.picture.as_deref(), Some("https://img.example/me.png"));
        // Without the CSRF token nothing changes.
        let forged = browser.post(&server.url("/account/profile"), &[("name", "Forged")]).await;
        assert_eq!(forged.page().0, 403);
    }

    async fn finding_p_forgot_password_answers_alike_and_mails_afterwards(server) {
        let email = "p-timing@example.com";
        server.user(email, PASSWORD).await;
        let known = forgot(&Browser::new(server), server, email).await;
        let unknown = forgot(&Browser::new(server), server, "p-nobody@example.com").await;
        assert_eq!(known.page().0, 200);
        assert_eq!(known.page(), (unknown.page().0, known.page().1, unknown.page().2));
        // The per-account work is done apart from the answer: the mail comes afterwards.
        mail_to(server, email, "Reset your password").await;
        assert!(all_to(server, "p-nobody@example.com", "Reset your password").await.is_empty());
    }

    async fn change_password_needs_the_current_one_and_ends_other_sessions(server) {
        let email = "changer@example.com";
        server.user(email, PASSWORD).await;
        let (other, _) = account_browser(server, email, PASSWORD).await;
        let (browser, page) = account_browser(server, email, PASSWORD).await;
        let wrong = submit(&browser, server, &page, "/account/password", &[
            ("current_password", "not it"), ("new_password", NEW_PASSWORD),
        ]).await;
        assert_eq!(wrong.page().0, 422);
        assert!(wrong.page().2.contains("current password is not correct"));
        let ok = submit(&browser, server, &wrong, "/account/password", &[
            ("current_password", PASSWORD), ("new_password", NEW_PASSWORD),
        ]).await;
        assert!(ok.page().2.contains("Your password is changed"), "{}", ok.page().2);
        assert!(signed_in(&browser, server).await, "this session stays");
        assert!(!signed_in(&other, server).await, "the other session ended");
        assert!(mail_to(server, email, "Your password was changed").await.contains("was changed"));
    }

    async fn change_email_confirms_the_new_address_and_tells_the_old(server) {
        let (old, new) = ("mover@example.com", "moved@example.com");
        server.user(old, PASSWORD).await;
        let (browser, page) = account_browser(server, old, PASSWORD).await;
        let asked = submit(&browser, server, &page, "/account/email", &[("new_email", new), ("password", PASSWORD)]).await;
        assert!(asked.page().2.contains("We sent a confirmation link"));
        let users = server.running().services.users.clone();
        assert!(server.on_server(async move { users.find_by_email(old).await }).await.unwrap().is_some(), "not before the link");
        let mail = mail_to(server, new, "Confirm your new email address").await;
        let confirm = browser.open(&link(server, &mail, "/account/email/confirm?token=")).await;
        let token = hidden(confirm.page().2, "token").unwrap();
        let done = submit(&browser, server, &confirm, "/account/email/confirm", &[("token", &token)]).await;
        assert!(done.page().2.contains("Email address changed"), "{}", done.page().2);
        // Signed in: the next action is the account's email section, showing the new address.
        assert!(done.page().2.contains("<a class=\"button\" href=\"/account/email\" id=\"next-action\">Go to your account</a>"), "{}", done.page().2);
        let notice = mail_to(server, old, "Your email address was changed").await;
        assert!(notice.contains(new));
        account_browser(server, new, PASSWORD).await;
        let again = submit(&browser, server, &confirm, "/account/email/confirm", &[("token", &token)]).await;
        assert_eq!(again.page().0, 400, "the link works once");
        assert!(again.page().2.contains("href=\"/account\" id=\"next-action\""), "{}", again.page().2);
    }

    async fn connected_apps_and_sessions_can_be_ended(server) {
        let email = "apps@example.com";
        server.user(email, PASSWORD).await;
        let (client_id, secret) = server.client(|c| c.name = "Photo Printer".into()).await;
        let secret = secret.unwrap();
        let (browser, _) = account_browser(server, email, PASSWORD).await;
        let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("response_type", "code")
            .append_pair("scope", "openid offline_access");
        let code = browser.authorize(url.as_str(), email, PASSWORD).await.params()["code"].clone();
        let token = |form: Vec<(&'static str, String)>| {
            let (id, secret) = (client_id.clone(), secret.clone());
            async move {
                reqwest::Client::new()
                    .post(server.url("/token"))
                    .basic_auth(id, Some(secret))
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
                    .json::<serde_json::Value>()
                    .await
                    .unwrap()
            }
        };
        let tokens = token(vec![
            ("grant_type", "authorization_code".into()),
            ("code", code),
            ("redirect_uri", REDIRECT_URI.into()),
        ]).await;
        let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
        let page = browser.open(&server.url("/account/apps")).await;
        assert!(page.page().2.contains("Photo Printer"), "the app is listed");
        let done = submit(&browser, server, &page, "/account/apps/disconnect", &[("client_id", &client_id)]).await;
        assert!(done.page().2.contains("The app is disconnected"));
        assert!(!done.page().2.contains("Photo Printer"));
        let refused = token(vec![("grant_type", "refresh_token".into()), ("refresh_token", refresh)]).await;
        assert_eq!(refused["error"], "invalid_grant", "{refused}");

        // Sessions: another browser's session is listed and can be ended from here.
        let (other, _) = account_browser(server, email, PASSWORD).await;
        let page = browser.open(&server.url("/account/sessions")).await;
        let session_id = hidden(page.page().2, "session_id").expect("the other session has a button");
        let ended = submit(&browser, server, &page, "/account/sessions/end", &[("session_id", &session_id)]).await;
        assert!(ended.page().2.contains("The session is signed out"));
        assert!(!signed_in(&other, server).await);
        assert!(signed_in(&browser, server).await);
        // Someone else's session id does nothing.
        let victim_id = server.user("victim@example.com", PASSWORD).await;
        let (victim, _) = account_browser(server, "victim@example.com", PASSWORD).await;
        let sessions = server.running().services.sessions.clone();
        let theirs = server
            .on_server(async move { sessions.live_of_user(&victim_id).await })
            .await
            .unwrap()[0]
            .id
            .clone();
        let page = browser.open(&server.url("/account/sessions")).await;
        submit(&browser, server, &page, "/account/sessions/end", &[("session_id", &theirs)]).await;
        assert!(signed_in(&victim, server).await, "another user's session is untouched");
    }

    async fn export_holds_the_data_without_secrets_and_deletion_leaves_no_personal_data(server) {
        let kit = Kit::new(server, "leaver").await;
        let email = kit.email.as_str();
        let (_, tokens) = kit.sign_in().await;
        let users = server.running().services.users.clone();
        let mail = email.to_owned();
        let user_id = server.on_server(async move { users.get_by_email(&mail).await }).await.unwrap().id;
        let (browser, page) = account_browser(server, email, PASSWORD).await;
        let res = browser.http.get(server.url("/account/export")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let export: serde_json::Value = res.json().await.unwrap();
        assert_eq!(export["account"]["email"], email);
        assert_eq!(export["profile"]["name"], "Alice Example");
        assert!(export["sessions"].as_array().is_some_and(|s| !s.is_empty()));
        assert!(export["audit_events"].as_array().unwrap().iter().any(|e| e["kind"] == "login.succeeded"));
        let db = server.running().services.store.db().clone();
        let uid = user_id.clone();
        let hash = server
            .on_server(async move {
                domain::entities::credential::Entity::find()
                    .filter(domain::entities::credential::Column::UserId.eq(uid))
                    .one(&db)
                    .await
            })
            .await
            .unwrap()
            .unwrap()
            .secret;
        let text = export.to_string();
        assert!(!text.contains(&hash) && !text.contains("$argon2"), "no password hash");

        let wrong = submit(&browser, server, &page, "/account/delete", &[("password", "not it")]).await;
        assert_eq!(wrong.page().0, 422);
        let gone = submit(&browser, server, &wrong, "/account/delete", &[("password", PASSWORD)]).await;
        assert!(gone.page().2.contains("Your account is deleted"), "{}", gone.page().2);
        // Signed out and without an account: the one way on is the sign-in page.
        assert!(gone.page().2.contains("<a class=\"button\" href=\"/login\" id=\"next-action\">Sign in</a>"), "{}", gone.page().2);
        assert!(mail_to(server, email, "Your account was deleted").await.contains(email));
        harness::mailbox::drain(server).await;
        assert_no_personal_data(server, &user_id, email).await;
        assert!(!signed_in(&browser, server).await);
        let login = Browser::new(server);
        let form = login.open(&server.url("/account")).await;
        assert_eq!(login.sign_in(&form, email, PASSWORD).await.page().0, 401, "no sign-in any more");
        // The deleted account's grants are gone: refresh fails, introspection says inactive.
        let refresh = tokens["refresh_token"].as_str().unwrap();
        assert_eq!(kit.refresh(refresh).await["error"], "invalid_grant");
        assert!(!kit.active(tokens["access_token"].as_str().unwrap()).await);
        assert!(!kit.active(refresh).await);
    }

    async fn invitation_sets_a_password_and_lands_signed_in_with_roles(server) {
        let email = "invitee@example.com";
        let services = server.running().services.clone();
        server
            .on_server(async move {
                services.roles.create("editors", &[]).await.unwrap();
                gatehouse::cli::user::invite(&services, email, vec!["editors".into()]).await
            })
            .await
            .expect("invited");
        let mail = mail_to(server, email, "You are invited").await;
        assert!(mail.contains("expires in 7 days"));
        let browser = Browser::new(server);
        let form = browser.open(&link(server, &mail, "/invitation?token=")).await;
        assert!(form.page().2.contains(email));
        let token = hidden(form.page().2, "token").unwrap();
        let weak = submit(&browser, server, &form, "/invitation", &[("token", &token), ("password", "short")]).await;
        assert_eq!(weak.page().0, 422);
        let landed = submit(&browser, server, &weak, "/invitation", &[("token", &token), ("name", "Ivy"), ("password", NEW_PASSWORD)]).await;
        let (status, url, body) = landed.page();
        assert_eq!(status, 200, "{body}");
        assert!(url.ends_with("/account") && body.contains(email), "signed in on the account page");
        let services = server.running().services.clone();
        let roles = server
            .on_server(async move {
                let u = services.users.get_by_email(email).await.unwrap();
                services.roles.roles_of(&u.id).await.unwrap()
            })
            .await;
        assert_eq!(roles, vec!["editors".to_owned()]);
        let again = submit(&browser, server, &weak, "/invitation", &[("token", &token), ("password", NEW_PASSWORD)]).await;
        assert_eq!(again.page().0, 400, "an invitation works once");

        // A revoked invitation does not work.
        let other = "revoked-invitee@example.com";
        let services = server.running().services.clone();
        server.on_server(async move { gatehouse::cli::user::invite(&services, other, vec![]).await }).await.unwrap();
        let mail = mail_to(server, other, "You are invited").await;
        let tokens = server.running().services.tokens.clone();
        let revoked = server
            .on_server(async move { tokens.revoke_for_email(domain::users::Purpose::Invitation, other).await })
            .await
            .unwrap();
        assert_eq!(revoked, 1);
        assert_eq!(Browser::new(server).open(&link(server, &mail, "/invitation?token=")).await.page().0, 400);
    }
}

/// Registers through the page; returns the browser.
async fn register(server: &TestServer, email: &str) -> Browser {
    let browser = Browser::new(server);
    let page = browser.open(&server.url("/register")).await;
    let done = submit(
        &browser,
        server,
        &page,
        "/register",
        &[("email", email), ("password", NEW_PASSWORD)],
    )
    .await;
    assert!(done.page().2.contains("Check your inbox"));
    browser
}

async fn resend(browser: &Browser, server: &TestServer, email: &str) {
    let page = browser.open(&server.url("/verify-email/resend")).await;
    let done = submit(
        browser,
        server,
        &page,
        "/verify-email/resend",
        &[("email", email)],
    )
    .await;
    assert!(done.page().2.contains("Check your inbox"));
}

/// Moves every unused token mailed to `email` into the past.
async fn expire_tokens(server: &TestServer, email: &str) {
    use domain::entities::user_token;
    use sea_orm::sea_query::Expr;
    let db = server.running().services.store.db().clone();
    let email = email.to_owned();
    let past = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
    server
        .on_server(async move {
            user_token::Entity::update_many()
                .col_expr(user_token::Column::ExpiresAt, Expr::value(past))
                .filter(user_token::Column::Email.eq(email))
                .exec(&db)
                .await
        })
        .await
        .unwrap();
}

/// Verification resends and expired links.
mod verification {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| {
            c.registration.mode = gatehouse::config::RegistrationMode::Open;
            c.rate_limit.mail_per_ip = 0;
        };

        async fn a_resend_within_the_cooldown_sends_nothing(server) {
            let email = "patient@example.com";
            let browser = register(server, email).await;
            resend(&browser, server, email).await;
            resend(&browser, server, email).await;
            assert_eq!(all_to(server, email, "Confirm your email address").await.len(), 1);
        }

        async fn expired_links_do_nothing(server) {
            let email = "late@example.com";
            let browser = register(server, email).await;
            let verify = link(server, &mail_to(server, email, "Confirm your email address").await, "/verify-email?token=");
            server.user("late-reset@example.com", PASSWORD).await;
            forgot(&browser, server, "late-reset@example.com").await;
            let reset = link(server, &mail_to(server, "late-reset@example.com", "Reset your password").await, "/reset-password?token=");
            expire_tokens(server, email).await;
            expire_tokens(server, "late-reset@example.com").await;
            let page = browser.open(&verify).await;
            let token = hidden(page.page().2, "token").unwrap();
            let refused = submit(&browser, server, &page, "/verify-email", &[("token", &token)]).await;
            assert_eq!(refused.page().0, 400);
            assert!(refused.page().2.contains("does not work"));
            let users = server.running().services.users.clone();
            let u = server.on_server(async move { users.get_by_email("late@example.com").await }).await.unwrap();
            assert_eq!((u.status.as_str(), u.email_verified), ("pending", false), "nothing changed");
            assert_eq!(browser.open(&reset).await.page().0, 400, "an expired reset link shows no form");
        }
    }
}

/// Verification resends when no cooldown applies.
mod resend_without_cooldown {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| {
            c.registration.mode = gatehouse::config::RegistrationMode::Open;
            c.recovery.cooldown_secs = 0;
        };

        async fn a_resent_link_replaces_the_old_one(server) {
            let email = "resend@example.com";
            let browser = register(server, email).await;
            let first = link(server, &mail_to(server, email, "Confirm your email address").await, "/verify-email?token=");
            resend(&browser, server, email).await;
            let mails = all_to(server, email, "Confirm your email address").await;
            assert_eq!(mails.len(), 2);
            let second = mails
                .iter()
                .map(|m| link(server, m, "/verify-email?token="))
                .find(|l| *l != first)
                .expect("a new link");
            let page = browser.open(&first).await;
            let token = hidden(page.page().2, "token").unwrap();
            assert_eq!(submit(&browser, server, &page, "/verify-email", &[("token", &token)]).await.page().0, 400, "the old link stopped working");
            let page = browser.open(&second).await;
            let token = hidden(page.page().2, "token").unwrap();
            let ok = submit(&browser, server, &page, "/verify-email", &[("token", &token)]).await;
            assert!(ok.page().2.contains("Email address confirmed"));
            // A confirmed account gets no more links.
            resend(&browser, server, email).await;
            assert_eq!(all_to(server, email, "Confirm your email address").await.len(), 2);
        }
    }
}

/// Fails if any table still holds the user's id, email, or network details about them.
async fn assert_no_personal_data(server: &TestServer, user_id: &str, email: &str) {
    use domain::entities::*;
    let db = server.running().services.store.db().clone();
    let (uid, mail) = (user_id.to_owned(), email.to_owned());
    let leftovers = server
        .on_server(async move {
            let mut found = Vec::new();
            if user::Entity::find_by_id(uid.clone())
                .one(&db)
                .await
                .unwrap()
                .is_some()
                || user::Entity::find()
                    .filter(user::Column::Email.eq(mail.clone()))
                    .one(&db)
                    .await
                    .unwrap()
                    .is_some()
            {
                found.push("users");
            }
            if !credential::Entity::find()
                .filter(credential::Column::UserId.eq(uid.clone()))
                .all(&db)
                .await
                .unwrap()
                .is_empty()
            {
                found.push("credentials");
            }
            if !browser_session::Entity::find()
                .filter(browser_session::Column::UserId.eq(uid.clone()))
                .all(&db)
                .await
                .unwrap()
                .is_empty()
            {
                found.push("browser_sessions");
            }
            if !refresh_token_family::Entity::find()
                .filter(refresh_token_family::Column::UserId.eq(uid.clone()))
                .all(&db)
                .await
                .unwrap()
                .is_empty()
            {
                found.push("refresh_token_families");
            }
            if !access_token::Entity::find()
                .filter(access_token::Column::UserId.eq(uid.clone()))
                .all(&db)
                .await
                .unwrap()
                .is_empty()
            {
                found.push("access_tokens");
            }
            if !consent::Entity::find()
                .filter(consent::Column::UserId.eq(uid.clone()))
                .all(&db)
                .await
                .unwrap()
                .is_empty()
            {
                found.push("consents");
            }
            if !user_token::Entity::find()
                .filter(user_token::Column::Email.eq(mail.clone()))
                .all(&db)
                .await
                .unwrap()
                .is_empty()
            {
                found.push("user_tokens");
            }
            if !mail_outbox::Entity::find()
                .filter(mail_outbox::Column::ToAddress.eq(mail.clone()))
                .all(&db)
                .await
                .unwrap()
                .is_empty()
            {
                found.push("mail_outbox");
            }
            let events = audit_event::Entity::find().all(&db).await.unwrap();
            for e in &events {
                let about = e.subject_user_id.as_deref() == Some(&uid)
                    || e.actor_user_id.as_deref() == Some(&uid);
                let text = format!("{:?} {:?} {:?}", e.data, e.reason, e.subject_user_id);
                if about || text.contains(&mail) {
                    found.push("audit_events");
                    break;
                }
            }
            // The pseudonymised events keep no network details.
            if events.iter().any(|e| {
                e.subject_user_id
                    .as_deref()
                    .is_some_and(|s| s.starts_with("erased:"))
                    && (e.ip.is_some() || e.user_agent.is_some())
            }) {
                found.push("audit_events (ip or user agent)");
            }
            assert!(
                events.iter().any(|e| e.kind == "user.deleted"),
                "the deletion is audited"
            );
            found
        })
        .await;
    assert!(leftovers.is_empty(), "personal data left in {leftovers:?}");
}

/// Per-IP budget on reset requests.
mod ip_budget {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| c.rate_limit.mail_per_ip = 2;

        async fn an_ip_gets_a_few_reset_mails_an_hour(server) {
            let browser = Browser::new(server);
            for n in 0..3 {
                let email = format!("budget{n}@example.com");
                server.user(&email, PASSWORD).await;
                let expected = if n < 2 { 200 } else { 429 };
                assert_eq!(forgot(&browser, server, &email).await.page().0, expected);
            }
            // The mails are written after the answers: wait for them, then count.
            mail_to(server, "budget0@example.com", "Reset your password").await;
            mail_to(server, "budget1@example.com", "Reset your password").await;
            assert_eq!(all_to(server, "budget0@example.com", "Reset your password").await.len(), 1);
            assert_eq!(all_to(server, "budget1@example.com", "Reset your password").await.len(), 1);
            assert!(all_to(server, "budget2@example.com", "Reset your password").await.is_empty(), "over budget");
        }
    }
}

/// Passwords re-entered on the account pages: limited per session, counted towards the lock.
mod reentry {
    use super::*;

    async fn failed_logins(server: &TestServer, email: &'static str) -> i32 {
        let users = server.running().services.users.clone();
        server
            .on_server(async move { users.get_by_email(email).await })
            .await
            .unwrap()
            .failed_logins
    }

    harness::shared_server_tests! {
        setup = |c| {
            c.accounts.max_password_reentries = 3;
            c.accounts.lockout_threshold = 5;
            c.accounts.lockout_secs = 3600;
        };

        async fn finding_n_wrong_reentered_passwords_end_the_session_and_count_to_the_lock(server) {
            let email = "reenter@example.com";
            server.user(email, PASSWORD).await;
            let (browser, page) = account_browser(server, email, PASSWORD).await;
            // Wrong passwords on different forms count together.
            let wrong = submit(&browser, server, &page, "/account/password", &[
                ("current_password", "guess 1"), ("new_password", NEW_PASSWORD),
            ]).await;
            assert_eq!(wrong.page().0, 422);
            let wrong = submit(&browser, server, &wrong, "/account/email", &[
                ("new_email", "elsewhere@example.com"), ("password", "guess 2"),
            ]).await;
            assert_eq!(wrong.page().0, 422);
            assert_eq!(failed_logins(server, email).await, 2, "counted towards the lock");
            let out = submit(&browser, server, &wrong, "/account/delete", &[("password", "guess 3")]).await;
            assert_eq!(out.page().0, 401, "{}", out.page().2);
            assert!(out.page().2.contains("You are signed out"), "{}", out.page().2);
            assert!(out.page().2.contains("href=\"/login?next=/account\" id=\"next-action\">Sign in again</a>"), "{}", out.page().2);
            assert!(!signed_in(&browser, server).await, "the session ended");
            // The right password no longer helps that session.
            let after = browser.post(&server.url("/account/delete"), &[("password", PASSWORD)]).await;
            assert!(after.page().2.contains("action=\"/login\""), "{}", after.page().2);
            let users = server.running().services.users.clone();
            assert!(server.on_server(async move { users.find_by_email(email).await }).await.unwrap().is_some());
            assert_eq!(failed_logins(server, email).await, 3);
        }

        async fn finding_n_a_locked_account_refuses_the_reentered_password(server) {
            let email = "reenter-locked@example.com";
            server.user(email, PASSWORD).await;
            let (browser, page) = account_browser(server, email, PASSWORD).await;
            let users = server.running().services.users.clone();
            server.on_server(async move { users.lock(email, None, None).await }).await.unwrap();
            // Signed in already, but while locked even the right password is refused.
            let refused = submit(&browser, server, &page, "/account/password", &[
                ("current_password", PASSWORD), ("new_password", NEW_PASSWORD),
            ]).await;
            assert_eq!(refused.page().0, 422);
            assert!(refused.page().2.contains("current password is not correct"));
            let users = server.running().services.users.clone();
            server.on_server(async move { users.unlock(email).await }).await.unwrap();
            // Unlocked, the password is unchanged.
            account_browser(server, email, PASSWORD).await;
        }
    }
}
