//! Two-step verification: an authenticator app set up on the account page (codes computed
//! here from the shown key, RFC 6238, independently of the server's library), replays
//! refused, recovery codes, `amr`/`acr` in the ID token, and step-up through `acr_values`.

use base64::Engine as _;
use harness::TestServer;
use harness::rp::{Browser, Landing, hidden};
use harness::totp::{base32, now, totp_at};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::Value;

use crate::account_states::{Kit, PASSWORD};

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let i = text
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in {text}"))
        + start.len();
    let j = text[i..].find(end).unwrap() + i;
    &text[i..j]
}

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

/// Sets up the authenticator for the browser's account: returns the key and the recovery
/// codes shown once.
pub(crate) async fn enroll(browser: &Browser, server: &TestServer) -> (String, Vec<String>) {
    let account = browser.open(&server.url("/account/two-step")).await;
    assert!(account.page().2.contains("Set up an authenticator app"));
    let setup = submit(browser, server, &account, "/account/mfa/totp", &[]).await;
    let body = setup.page().2;
    assert!(body.contains("<svg"), "a QR code");
    let secret = between(
        body,
        "<code id=\"totp-secret\" class=\"totp-key\">",
        "</code>",
    )
    .replace(' ', "");
    let wrong = submit(
        browser,
        server,
        &setup,
        "/account/mfa/totp/confirm",
        &[("code", "12345x"), ("secret", &secret)],
    )
    .await;
    assert_eq!(wrong.page().0, 422);
    let code = totp_at(&secret, now());
    let done = submit(
        browser,
        server,
        &wrong,
        "/account/mfa/totp/confirm",
        &[("code", &code), ("secret", &secret)],
    )
    .await;
    let body = done.page().2;
    assert!(body.contains("Your recovery codes"), "{body}");
    let codes: Vec<String> = body
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split("</code>").next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

fn id_token_claims(tokens: &Value) -> Value {
    let jwt = tokens["id_token"].as_str().expect("id_token");
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

async fn redeem(kit: &Kit, landing: &Landing) -> Value {
    let code = landing.params()["code"].clone();
    kit.token(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", harness::REDIRECT_URI),
    ])
    .await
}

/// Signs in (password, then the second step with `code` of `method`) through an
/// authorization request with `extra` parameters; returns the landing after the second step.
async fn sign_in_with(
    kit: &Kit,
    server: &TestServer,
    extra: &[(&str, &str)],
    method: &str,
    code: &str,
) -> Landing {
    let browser = Browser::new(server);
    let login = browser.open(&kit.auth_url(extra)).await;
    let second = browser.sign_in(&login, &kit.email, PASSWORD).await;
    let (status, url, body) = second.page();
    assert!(
        body.contains("Two-step verification"),
        "{status} {url}: {body}"
    );
    submit(
        &browser,
        server,
        &second,
        "/login/mfa",
        &[("method", method), ("code", code)],
    )
    .await
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn totp_sign_in_refuses_replays_and_reports_amr_and_acr(server) {
        let kit = Kit::new(server, "totp").await;
        let browser = Browser::new(server);
        let login = browser.open(&server.url("/account")).await;
        browser.sign_in(&login, &kit.email, PASSWORD).await;
        let (secret, _) = enroll(&browser, server).await;

        // The stored credential holds neither the key nor its bytes.
        let db = server.running().services.store.db().clone();
        let row = server
            .on_server(async move {
                domain::entities::credential::Entity::find()
                    .filter(domain::entities::credential::Column::Kind.eq("totp"))
                    .all(&db)
                    .await
            })
            .await
            .unwrap();
        let raw = base32(&secret);
        assert!(row.iter().all(|r| !r.secret.contains(&secret) && !r.secret.as_bytes().windows(raw.len()).any(|w| w == raw.as_slice())));

        // The next step's code (within the ±1 step of skew) signs in; the confirming code's
        // step is used already.
        let next = totp_at(&secret, now() + 30);
        let wrong = sign_in_with(&kit, server, &[], "totp", "000000").await;
        if totp_at(&secret, now()) != "000000" && next != "000000" {
            assert_eq!(wrong.page().0, 401);
            assert!(wrong.page().2.contains("not right"));
        }
        let landed = sign_in_with(&kit, server, &[], "totp", &next).await;
        let claims = id_token_claims(&redeem(&kit, &landed).await);
        let amr: Vec<String> = serde_json::from_value(claims["amr"].clone()).unwrap();
        assert!(amr.contains(&"pwd".into()) && amr.contains(&"otp".into()) && amr.contains(&"mfa".into()), "{amr:?}");
        assert_eq!(claims["acr"], "urn:gatehouse:loa:2");
        // The same code again: refused.
        let replay = sign_in_with(&kit, server, &[], "totp", &next).await;
        assert_eq!(replay.page().0, 401, "replay refused");
    }

    async fn recovery_codes_sign_in_once_and_are_mailed_about(server) {
        let kit = Kit::new(server, "recovery").await;
        let browser = Browser::new(server);
        let login = browser.open(&server.url("/account")).await;
        browser.sign_in(&login, &kit.email, PASSWORD).await;
        let (_, codes) = enroll(&browser, server).await;
        let landed = sign_in_with(&kit, server, &[], "recovery", &codes[3].to_uppercase()).await;
        assert!(landed.params().contains_key("code"));
        let mail = harness::mailbox::mail_to(server, &kit.email, "A recovery code was used").await;
        assert!(mail.contains("You have 9"), "{mail}");
        let again = sign_in_with(&kit, server, &[], "recovery", &codes[3]).await;
        assert_eq!(again.page().0, 401, "each code works once");
        // Five wrong codes end the attempt.
        let browser = Browser::new(server);
        let login = browser.open(&kit.auth_url(&[])).await;
        let mut page = browser.sign_in(&login, &kit.email, PASSWORD).await;
        for _ in 0..5 {
            page = submit(&browser, server, &page, "/login/mfa", &[("method", "recovery"), ("code", "aaaaa-bbbbb")]).await;
        }
        assert!(page.page().2.contains("Too many wrong codes"));
        assert!(hidden(browser.open(&server.url("/login/mfa")).await.page().2, "csrf").is_none(), "the step is gone");
    }

    async fn acr_values_steps_a_single_factor_session_up(server) {
        let kit = Kit::new(server, "stepup").await;
        // A session from before the authenticator existed: single factor.
        let (browser, _) = kit.sign_in().await;
        let account = browser.open(&server.url("/account")).await;
        assert_eq!(account.page().0, 200);
        let (secret, _) = enroll(&browser, server).await;
        // Without acr_values the session is reused as it is.
        let sso = browser.open(&kit.auth_url(&[])).await;
        let claims = id_token_claims(&redeem(&kit, &sso).await);
        assert_eq!(claims["acr"], "urn:gatehouse:loa:1");
        // Asking for loa:2 brings the sign-in back, with the second factor.
        let step_up = browser.open(&kit.auth_url(&[("acr_values", "urn:gatehouse:loa:2")])).await;
        let second = browser.sign_in(&step_up, &kit.email, PASSWORD).await;
        assert!(second.page().2.contains("Two-step verification"));
        let done = submit(&browser, server, &second, "/login/mfa", &[("method", "totp"), ("code", &totp_at(&secret, now() + 30))]).await;
        let claims = id_token_claims(&redeem(&kit, &done).await);
        assert_eq!(claims["acr"], "urn:gatehouse:loa:2");
        // prompt=none cannot step up silently.
        let kit_url = kit.auth_url(&[("acr_values", "urn:gatehouse:loa:2"), ("prompt", "none")]);
        let fresh = Browser::new(server);
        assert_eq!(fresh.open(&kit_url).await.params()["error"], "login_required");

        // Turning it off needs the password; then sign-in is one step again.
        let account = browser.open(&server.url("/account")).await;
        let wrong = submit(&browser, server, &account, "/account/mfa/totp/remove", &[("password", "nope")]).await;
        assert_eq!(wrong.page().0, 422);
        assert!(wrong.page().2.contains("The password is not correct."), "{}", wrong.page().2);
        let off = submit(&browser, server, &wrong, "/account/mfa/totp/remove", &[("password", PASSWORD)]).await;
        assert!(off.page().2.contains("Two-step verification is off"));
        let plain = Browser::new(server);
        let login = plain.open(&kit.auth_url(&[])).await;
        assert!(plain.sign_in(&login, &kit.email, PASSWORD).await.params().contains_key("code"));
    }

    async fn a_trusted_browser_skips_the_code_until_forgotten_but_not_for_step_up(server) {
        let kit = Kit::new(server, "trusted").await;
        let browser = Browser::new(server);
        let login = browser.open(&server.url("/account")).await;
        browser.sign_in(&login, &kit.email, PASSWORD).await;
        let (secret, _) = enroll(&browser, server).await;
        // Sign in with the second factor, trusting this browser.
        let login = browser.open(&kit.auth_url(&[("prompt", "login")])).await;
        let second = browser.sign_in(&login, &kit.email, PASSWORD).await;
        assert!(second.page().2.contains("Don&#39;t ask again") || second.page().2.contains("Don't ask again"));
        let landed = submit(&browser, server, &second, "/login/mfa", &[("method", "totp"), ("code", &totp_at(&secret, now() + 30)), ("trust", "yes")]).await;
        assert!(landed.params().contains_key("code"));
        // Next time on this browser: the password only, and the tokens say so.
        let login = browser.open(&kit.auth_url(&[("prompt", "login")])).await;
        let quick = browser.sign_in(&login, &kit.email, PASSWORD).await;
        let claims = id_token_claims(&redeem(&kit, &quick).await);
        assert_eq!(claims["acr"], "urn:gatehouse:loa:1");
        assert_eq!(claims["amr"], serde_json::json!(["pwd"]));
        // A client asking for two factors still gets the question.
        let login = browser.open(&kit.auth_url(&[("prompt", "login"), ("acr_values", "urn:gatehouse:loa:2")])).await;
        assert!(browser.sign_in(&login, &kit.email, PASSWORD).await.page().2.contains("Two-step verification"));
        // Another browser is not trusted.
        let other = Browser::new(server);
        let login = other.open(&kit.auth_url(&[])).await;
        assert!(other.sign_in(&login, &kit.email, PASSWORD).await.page().2.contains("Two-step verification"));
        // Forgotten from the account page: asked again.
        let account = browser.open(&server.url("/account/two-step")).await;
        assert!(account.page().2.contains("Browsers that skip the code: 1"));
        let forgotten = submit(&browser, server, &account, "/account/mfa/trusted-browsers/forget", &[]).await;
        assert!(forgotten.page().2.contains("Every browser asks for the code again"));
        let login = browser.open(&kit.auth_url(&[("prompt", "login")])).await;
        assert!(browser.sign_in(&login, &kit.email, PASSWORD).await.page().2.contains("Two-step verification"));
    }
}

/// A second factor required by policy: for a role, and by a client.
pub(crate) mod policy {
    use super::*;

    /// Signs in through `url` and, on the setup page, sets up an authenticator; returns the
    /// landing at the client.
    pub(crate) async fn sign_in_setting_up(
        browser: &Browser,
        server: &TestServer,
        url: &str,
        email: &str,
    ) -> Landing {
        let login = browser.open(url).await;
        let setup = browser.sign_in(&login, email, PASSWORD).await;
        let body = setup.page().2;
        assert!(
            body.contains("This sign-in needs two-step verification"),
            "{body}"
        );
        let secret = between(
            body,
            "<code id=\"totp-secret\" class=\"totp-key\">",
            "</code>",
        )
        .replace(' ', "");
        let codes = submit(
            browser,
            server,
            &setup,
            "/login/mfa/setup",
            &[("code", &totp_at(&secret, now())), ("secret", &secret)],
        )
        .await;
        let body = codes.page().2;
        assert!(body.contains("Your recovery codes"));
        let shown = hidden(body, "codes").expect("the codes travel with the form");
        // "I have saved them" unticked: the server refuses to finish the sign-in and shows
        // the same codes again, with the error announced and tied to the box.
        let refused = submit(
            browser,
            server,
            &codes,
            "/login/mfa/continue",
            &[("codes", &shown)],
        )
        .await;
        let (status, _, body) = refused.page();
        assert_eq!(status, 422, "{body}");
        assert!(body.contains("role=\"alert\""), "{body}");
        assert!(body.contains("id=\"saved\" name=\"saved\" value=\"yes\" required aria-invalid=\"true\" aria-describedby=\"saved-error\""), "{body}");
        assert!(
            body.contains(
                "<p class=\"field-error\" id=\"saved-error\">Tick “I have saved these codes”"
            ),
            "{body}"
        );
        for code in shown.split(' ') {
            assert!(
                body.contains(&format!("<li><code>{code}</code></li>")),
                "{code} shown again"
            );
        }
        // Ticked: the sign-in finishes.
        submit(
            browser,
            server,
            &refused,
            "/login/mfa/continue",
            &[("codes", &shown), ("saved", "yes")],
        )
        .await
    }

    harness::shared_server_tests! {
        setup = |c| c.mfa.required_roles = vec!["admin".into()];

        async fn a_role_that_requires_it_sets_it_up_at_sign_in(server) {
            let kit = Kit::new(server, "policy-admin").await;
            let (browser, _) = kit.sign_in().await;
            // Granted the role afterwards: the existing single-factor session no longer does.
            let services = server.running().services.clone();
            let email = kit.email.clone();
            server
                .on_server(async move {
                    services.roles.ensure("admin").await.unwrap();
                    services.roles.grant("admin", &email).await.unwrap();
                })
                .await;
            let landed = sign_in_setting_up(&browser, server, &kit.auth_url(&[]), &kit.email).await;
            let claims = id_token_claims(&redeem(&kit, &landed).await);
            assert_eq!(claims["acr"], "urn:gatehouse:loa:2");
            // Others sign in with a password only.
            let plain = Kit::new(server, "policy-plain").await;
            plain.sign_in().await;
        }

        async fn a_client_that_requires_it_gets_it_from_everyone(server) {
            let email = "policy-client@example.com";
            server.user(email, PASSWORD).await;
            let (client_id, _) = server.client(|c| { c.first_party = true; c.require_mfa = true; }).await;
            let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
            url.query_pairs_mut()
                .append_pair("client_id", &client_id)
                .append_pair("redirect_uri", harness::REDIRECT_URI)
                .append_pair("response_type", "code")
                .append_pair("scope", "openid");
            let browser = Browser::new(server);
            let landed = sign_in_setting_up(&browser, server, url.as_str(), email).await;
            assert!(landed.params().contains_key("code"));
        }
    }
}

/// Finding l: second-factor codes guessed across sign-ins and in parallel.
mod brute_force {
    use super::*;
    use domain::entities::audit_event;

    /// Wrong second-factor codes the server evaluated (audited) for `email`.
    async fn evaluated(server: &TestServer, email: &str) -> usize {
        let services = server.running().services.clone();
        let email = email.to_owned();
        server
            .on_server(async move {
                let user = services.users.find_by_email(&email).await.unwrap().unwrap();
                audit_event::Entity::find()
                    .filter(audit_event::Column::Kind.eq("mfa.failed"))
                    .filter(audit_event::Column::SubjectUserId.eq(user.id))
                    .all(services.store.db())
                    .await
                    .unwrap()
                    .len()
            })
            .await
    }

    /// A fresh browser that signed in with the password and waits at the second step.
    async fn at_second_step(kit: &Kit, server: &TestServer) -> (Browser, Landing) {
        let browser = Browser::new(server);
        let login = browser.open(&kit.auth_url(&[])).await;
        let second = browser.sign_in(&login, &kit.email, PASSWORD).await;
        assert!(
            second.page().2.contains("Two-step verification"),
            "{}",
            second.page().2
        );
        (browser, second)
    }

    harness::shared_server_tests! {
        setup = |c| c.rate_limit.code_failures_lock_after = 10;

        async fn finding_l_wrong_codes_across_fresh_password_sign_ins_lock_the_account(server) {
            let kit = Kit::new(server, "l-across").await;
            let browser = Browser::new(server);
            let login = browser.open(&server.url("/account")).await;
            browser.sign_in(&login, &kit.email, PASSWORD).await;
            enroll(&browser, server).await;

            // Four wrong codes per sign-in (under the step's five), a new password sign-in
            // each time: the count goes on across sign-ins.
            let mut last = None;
            'rounds: for _ in 0..3 {
                let (browser, mut page) = at_second_step(&kit, server).await;
                for _ in 0..4 {
                    page = submit(&browser, server, &page, "/login/mfa", &[("method", "totp"), ("code", "000000")]).await;
                    if page.page().0 != 401 {
                        last = Some(page);
                        break 'rounds;
                    }
                }
            }
            let locked = last.expect("ten wrong codes lock the account");
            let (status, _, body) = locked.page();
            assert_eq!(status, 429, "{body}");
            assert!(body.contains("locked after too many wrong codes"), "{body}");
            assert!(body.contains("minutes"), "the time left is shown: {body}");
            // A way on: the password reset unlocks the account, and leads back to the
            // application: the link carries the sign-in's parked request.
            let request = body
                .split(r#"<a href="/forgot-password?request="#)
                .nth(1)
                .unwrap_or_else(|| panic!("no reset link with the request: {body}"))
                .split('"')
                .next()
                .unwrap()
                .to_owned();
            assert!(body.contains(&format!(r#"?request={request}">Forgot password?</a>"#)), "{body}");
            let forgot = Browser::new(server).open(&server.url(&format!("/forgot-password?request={request}"))).await;
            assert_eq!(hidden(forgot.page().2, "request").as_deref(), Some(request.as_str()), "the request is live and travels on");
            assert_eq!(evaluated(server, &kit.email).await, 10);
            let mail = harness::mailbox::mail_to(server, &kit.email, "Your account is locked after wrong sign-in codes").await;
            assert!(mail.contains("locked for 15 minutes"), "{mail}");

            // The lock is in the database, with its end.
            let email = kit.email.clone();
            let services = server.running().services.clone();
            let user = server.on_server(async move { services.users.find_by_email(&email).await.unwrap().unwrap() }).await;
            assert_eq!(user.status, "locked");
            assert!(user.locked_until.is_some());
        }

        async fn finding_l_parallel_guesses_on_one_step_evaluate_at_most_five(server) {
            let kit = Kit::new(server, "l-parallel").await;
            let browser = Browser::new(server);
            let login = browser.open(&server.url("/account")).await;
            browser.sign_in(&login, &kit.email, PASSWORD).await;
            enroll(&browser, server).await;

            let (browser, page) = at_second_step(&kit, server).await;
            let csrf = hidden(page.page().2, "csrf").unwrap();
            let url = server.url("/login/mfa");
            let guesses: Vec<_> = (0..60)
                .map(|n| {
                    let http = browser.http.clone();
                    let (url, csrf) = (url.clone(), csrf.clone());
                    tokio::spawn(async move {
                        let code = format!("{:06}", 100_000 + n);
                        let form = [("csrf", csrf.as_str()), ("method", "totp"), ("code", code.as_str())];
                        http.post(&url).form(&form).send().await.unwrap().status().as_u16()
                    })
                })
                .collect();
            for g in guesses {
                let status = g.await.unwrap();
                assert!(matches!(status, 401 | 400 | 303), "{status}");
            }
            let n = evaluated(server, &kit.email).await;
            assert!(n <= 5, "{n} guesses evaluated on one step");
        }
    }
}

/// The same two-step sign-in on a node whose cache is Memcached: the pending second step
/// (stored, read, its tries counted) lives there.
mod on_memcached {
    use super::*;

    static SHARED: harness::SharedSlot = std::sync::OnceLock::new();

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn totp_sign_in_and_replay_refusal_on_memcached() {
        let Ok(_) = std::env::var(domain::testing::MEMCACHED_ENV) else {
            harness::skip_or_fail(domain::testing::MEMCACHED_ENV);
            return;
        };
        // The harness switches the rate limits off, as Memcached requires.
        let server = harness::shared_server(&SHARED, harness::Backend::Sqlite, |c| {
            c.cache.memcached_url =
                std::env::var(domain::testing::MEMCACHED_ENV).unwrap_or_default();
        })
        .expect("sqlite with memcached");
        assert!(!server.config.cache.memcached_url.is_empty());
        let kit = Kit::new(server, "memcached").await;
        let browser = Browser::new(server);
        let login = browser.open(&server.url("/account")).await;
        browser.sign_in(&login, &kit.email, PASSWORD).await;
        let (secret, _) = enroll(&browser, server).await;

        let next = totp_at(&secret, now() + 30);
        let landed = sign_in_with(&kit, server, &[], "totp", &next).await;
        let claims = id_token_claims(&redeem(&kit, &landed).await);
        assert_eq!(claims["acr"], "urn:gatehouse:loa:2");
        let replay = sign_in_with(&kit, server, &[], "totp", &next).await;
        assert_eq!(replay.page().0, 401, "replay refused");
    }
}
