//! The admin console's system pages driven over HTTP like a browser without JavaScript: an
//! administrator signs in with a password, sets up an authenticator app on the way (admin
//! access needs a second factor), then manages roles and groups, service accounts and API
//! keys (a key shown once, working, then revoked), identity providers (settings without
//! secrets), signing keys (rotated, then a retired one unpublished) and webhooks (secret
//! shown once, the delivery log). A `gatehouse:users` administrator gets 403 on all of it.

use domain::federation::{Endpoints, FirstLogin, MappingTarget, NewMapping, NewUpstream};
use harness::TestServer;
use harness::rp::{Browser, Landing, hidden, unescape};
use harness::totp::{now, totp_at};

const PASSWORD: &str = "correct horse battery staple";

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let i = text
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in {text}"))
        + start.len();
    let j = text[i..].find(end).unwrap() + i;
    &text[i..j]
}

/// A signed-in administrator's browser at the console.
struct Admin {
    server: &'static TestServer,
    http: reqwest::Client,
}

impl Admin {
    /// Creates `email` holding `roles`, signs in at `/admin` with the password and sets up the
    /// authenticator app the sign-in asks for.
    async fn new(server: &'static TestServer, email: &str, roles: &[&str]) -> Self {
        let id = server.user(email, PASSWORD).await;
        let services = server.running().services.clone();
        let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
        server
            .on_server(async move {
                for role in &roles {
                    services.roles.ensure(role).await.unwrap();
                    services.roles.grant(role, &id).await.unwrap();
                }
            })
            .await;
        let browser = Browser::new(server);
        let login = browser.open(&server.url("/admin")).await;
        let body = login.page().2;
        assert!(body.contains("action=\"/login\""), "{body}");
        let csrf = hidden(body, "csrf").expect("csrf");
        let next = hidden(body, "next").expect("next");
        assert_eq!(next, "/admin");
        let mut step = browser
            .post(
                &server.url("/login"),
                &[
                    ("csrf", csrf.as_str()),
                    ("request", ""),
                    ("next", next.as_str()),
                    ("email", email),
                    ("password", PASSWORD),
                ],
            )
            .await;
        let body = step.page().2.to_owned();
        // Holders of administrative roles set up a second factor at sign-in.
        assert!(
            body.contains("This sign-in needs two-step verification"),
            "{body}"
        );
        {
            let secret = between(
                &body,
                "<code id=\"totp-secret\" class=\"totp-key\">",
                "</code>",
            )
            .replace(' ', "");
            let code = totp_at(&secret, now());
            step = submit(
                &browser,
                server,
                &step,
                "/login/mfa/setup",
                &[("code", &code), ("secret", &secret)],
            )
            .await;
            let codes = hidden(step.page().2, "codes").expect("recovery codes");
            step = submit(
                &browser,
                server,
                &step,
                "/login/mfa/continue",
                &[("codes", &codes), ("saved", "yes")],
            )
            .await;
        }
        let (status, url, body) = step.page();
        assert_eq!(status, 200, "{url}: {body}");
        assert!(url.ends_with("/admin"), "back at the console: {url}");
        Self {
            server,
            http: browser.http,
        }
    }

    /// GETs a console page: status and body.
    async fn get(&self, path: &str) -> (u16, String) {
        let res = self.http.get(self.server.url(path)).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }

    /// A page that must answer 200.
    async fn page(&self, path: &str) -> String {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    /// POSTs a console form with the session's CSRF token (read from `from`): the status and
    /// the `Location` of a redirect, or the body of a page.
    async fn post(&self, from: &str, action: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let page = self.page(from).await;
        let csrf = hidden(&page, "csrf").expect("csrf field");
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let res = self
            .http
            .post(self.server.url(action))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        match location {
            Some(l) if status == 303 => (status, l),
            _ => (status, res.text().await.unwrap()),
        }
    }

    /// A form that must redirect to `to` (with its `done`).
    async fn done(&self, from: &str, action: &str, fields: &[(&str, &str)], to: &str) {
        let (status, location) = self.post(from, action, fields).await;
        assert_eq!((status, location.as_str()), (303, to), "{action}");
    }
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

/// The table row of a page that holds `needle`.
fn row<'a>(page: &'a str, needle: &str) -> Option<&'a str> {
    page.split("<tr>").skip(1).find(|r| r.contains(needle))
}

harness::shared_server_tests! {
    setup = |c| {
        c.webhooks.allow_private_addresses = true;
        // Unpublished keys leave the JWKS at the next reload.
        c.keys.reload_interval_secs = 1;
    };

    async fn a_role_is_created_changed_granted_and_deleted(server) {
        let admin = Admin::new(server, "cs-roles@example.com", &["gatehouse:admin"]).await;
        server.user("cs-holder@example.com", PASSWORD).await;
        let list = admin.page("/admin/roles").await;
        assert!(list.contains(">gatehouse:admin</a>"), "{list}");

        admin.done("/admin/roles", "/admin/roles", &[("name", "cs-editors"), ("client", ""), ("permissions", "docs:read")],
            "/admin/roles/cs-editors?done=role_created").await;
        let page = admin.page("/admin/roles/cs-editors?done=role_created").await;
        assert!(page.contains("The role was created."), "{page}");
        assert!(page.contains("<code>docs:read</code>"), "{page}");

        // A permission added and another removed.
        admin.done("/admin/roles/cs-editors", "/admin/roles/cs-editors/permissions", &[("item", "docs:write")],
            "/admin/roles/cs-editors?done=role_changed").await;
        admin.done("/admin/roles/cs-editors", "/admin/roles/cs-editors/permissions/remove", &[("item", "docs:read")],
            "/admin/roles/cs-editors?done=role_changed").await;
        let page = admin.page("/admin/roles/cs-editors").await;
        assert!(page.contains("<code>docs:write</code>") && !page.contains("<code>docs:read</code>"), "{page}");
        // A malformed permission is refused with the reason, nothing changed.
        let (status, body) = admin.post("/admin/roles/cs-editors", "/admin/roles/cs-editors/permissions", &[("item", "no colon")]).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("resource:action"), "{body}");

        // Granted to a user by address, then revoked.
        admin.done("/admin/roles/cs-editors", "/admin/roles/cs-editors/grants", &[("item", "cs-holder@example.com"), ("group", "")],
            "/admin/roles/cs-editors?done=role_changed").await;
        let page = admin.page("/admin/roles/cs-editors").await;
        assert!(row(&page, "cs-holder@example.com").is_some_and(|r| r.contains("<td>user</td>")), "{page}");
        admin.done("/admin/roles/cs-editors", "/admin/roles/cs-editors/grants/revoke", &[("item", "cs-holder@example.com")],
            "/admin/roles/cs-editors?done=role_changed").await;
        let page = admin.page("/admin/roles/cs-editors").await;
        assert!(!page.contains("cs-holder@example.com") && page.contains("id=\"no-grants\""), "{page}");

        // Deleting needs the confirmation box.
        let (status, _) = admin.post("/admin/roles/cs-editors", "/admin/roles/cs-editors/delete", &[]).await;
        assert_eq!(status, 400);
        admin.page("/admin/roles/cs-editors").await;
        admin.done("/admin/roles/cs-editors", "/admin/roles/cs-editors/delete", &[("confirm", "yes")],
            "/admin/roles?done=role_deleted").await;
        assert_eq!(admin.get("/admin/roles/cs-editors").await.0, 404);
        assert!(!admin.page("/admin/roles").await.contains(">cs-editors<"));

        // A client's role is named by its client everywhere.
        let (client_id, _) = server.client(|_| {}).await;
        let q = format!("?client={client_id}");
        admin.done("/admin/roles", "/admin/roles", &[("name", "cs-viewer"), ("client", &client_id), ("permissions", "")],
            &format!("/admin/roles/cs-viewer{q}&done=role_created")).await;
        assert_eq!(admin.get("/admin/roles/cs-viewer").await.0, 404, "not a global role");
        let page = admin.page(&format!("/admin/roles/cs-viewer{q}")).await;
        assert!(page.contains(&format!("action=\"/admin/roles/cs-viewer/permissions{q}\"")), "{page}");
        admin.done(&format!("/admin/roles/cs-viewer{q}"), &format!("/admin/roles/cs-viewer/delete{q}"), &[("confirm", "yes")],
            "/admin/roles?done=role_deleted").await;
    }

    async fn group_membership_and_a_group_grant(server) {
        let admin = Admin::new(server, "cs-groups@example.com", &["gatehouse:admin"]).await;
        server.user("cs-member@example.com", PASSWORD).await;
        admin.done("/admin/roles", "/admin/groups", &[("name", "cs-team"), ("parent", "")],
            "/admin/groups/cs-team?done=group_created").await;
        admin.done("/admin/roles", "/admin/groups", &[("name", "cs-subteam"), ("parent", "cs-team")],
            "/admin/groups/cs-subteam?done=group_created").await;
        let page = admin.page("/admin/groups/cs-subteam").await;
        assert!(page.contains("/cs-team/cs-subteam"), "{page}");

        admin.done("/admin/groups/cs-team", "/admin/groups/cs-team/members", &[("item", "cs-member@example.com")],
            "/admin/groups/cs-team?done=group_changed").await;
        let page = admin.page("/admin/groups/cs-team?done=group_changed").await;
        assert!(page.contains("The group was changed."), "{page}");
        assert!(row(&page, "<td>cs-member@example.com</td>").is_some(), "{page}");
        assert!(page.contains(">cs-subteam</a>"), "{page}");
        // An unknown person is not found (and not added).
        let (status, _) = admin.post("/admin/groups/cs-team", "/admin/groups/cs-team/members", &[("item", "cs-nobody@example.com")]).await;
        assert_eq!(status, 404);

        // A role granted to the group shows on both pages.
        admin.done("/admin/roles", "/admin/roles", &[("name", "cs-team-role"), ("permissions", "")],
            "/admin/roles/cs-team-role?done=role_created").await;
        admin.done("/admin/roles/cs-team-role", "/admin/roles/cs-team-role/grants", &[("item", ""), ("group", "cs-team")],
            "/admin/roles/cs-team-role?done=role_changed").await;
        let role = admin.page("/admin/roles/cs-team-role").await;
        assert!(row(&role, ">cs-team</a>").is_some_and(|r| r.contains("<td>group</td>")), "{role}");
        let group = admin.page("/admin/groups/cs-team").await;
        assert!(between(&group, "<dd id=\"group-roles\">", "</dd>").contains(">cs-team-role</a>"), "{group}");
        // Neither or both grantees: refused.
        let (status, _) = admin.post("/admin/roles/cs-team-role", "/admin/roles/cs-team-role/grants", &[("item", "cs-member@example.com"), ("group", "cs-team")]).await;
        assert_eq!(status, 400);
        admin.done("/admin/roles/cs-team-role", "/admin/roles/cs-team-role/grants/revoke", &[("group", "cs-team")],
            "/admin/roles/cs-team-role?done=role_changed").await;
        assert!(admin.page("/admin/roles/cs-team-role").await.contains("id=\"no-grants\""));

        admin.done("/admin/groups/cs-team", "/admin/groups/cs-team/members/remove", &[("item", "cs-member@example.com")],
            "/admin/groups/cs-team?done=group_changed").await;
        assert!(admin.page("/admin/groups/cs-team").await.contains("id=\"no-members\""));

        // Deleted with the confirmation, once no group is inside it.
        let (status, _) = admin.post("/admin/groups/cs-team", "/admin/groups/cs-team/delete", &[]).await;
        assert_eq!(status, 400);
        let (status, body) = admin.post("/admin/groups/cs-team", "/admin/groups/cs-team/delete", &[("confirm", "yes")]).await;
        assert_eq!(status, 409, "{body}");
        assert!(body.contains("cs-subteam"), "{body}");
        admin.done("/admin/groups/cs-subteam", "/admin/groups/cs-subteam/delete", &[("confirm", "yes")],
            "/admin/roles?done=group_deleted").await;
        admin.done("/admin/groups/cs-team", "/admin/groups/cs-team/delete", &[("confirm", "yes")],
            "/admin/roles?done=group_deleted").await;
        assert_eq!(admin.get("/admin/groups/cs-team").await.0, 404);
        let list = admin.page("/admin/roles?done=group_deleted").await;
        assert!(list.contains("The group was deleted.") && !list.contains(">cs-team</a>"), "{list}");
    }

    async fn an_api_key_is_shown_once_works_and_is_revoked(server) {
        let admin = Admin::new(server, "cs-keys@example.com", &["gatehouse:admin"]).await;
        admin.done("/admin/service-accounts", "/admin/service-accounts",
            &[("name", "cs-robot"), ("description", "reads the audit log"), ("roles", "gatehouse:audit"), ("owner", "")],
            "/admin/service-accounts?done=account_created").await;
        let list = admin.page("/admin/service-accounts?done=account_created").await;
        assert!(list.contains("The service account was created."), "{list}");
        let account = row(&list, "cs-robot").expect("listed");
        assert!(account.contains("gatehouse:audit"), "{account}");

        let (status, body) = admin.post("/admin/service-accounts", "/admin/api-keys",
            &[("name", "cs-robot key"), ("owner_kind", "service_account"), ("owner", "cs-robot"), ("permissions", ""), ("days", "30")]).await;
        assert_eq!(status, 201, "{body}");
        let key = unescape(between(&body, "<p class=\"secret\" id=\"new-key\">", "</p>"));
        assert!(key.starts_with("gk_"), "{key}");
        assert!(body.contains("Copy it now"), "{body}");

        // It works, and it is never shown again.
        let audit = move |key: String| async move {
            reqwest::Client::new().get(server.url("/admin/api/v1/audit")).bearer_auth(key).send().await.unwrap().status().as_u16()
        };
        assert_eq!(audit(key.clone()).await, 200);
        let list = admin.page("/admin/service-accounts").await;
        assert!(!list.contains(&key), "shown once");
        let listed = row(&list, "cs-robot key").expect("key listed");
        assert!(listed.contains("<td class=\"key-state\">active"), "{listed}");
        let id = between(listed, "<td><code>", "</code>").to_owned();
        assert!(key.contains(&id), "{id} is the key's public id");

        // A refusal names the problem: an unknown owner.
        let (status, _) = admin.post("/admin/service-accounts", "/admin/api-keys",
            &[("name", "x"), ("owner_kind", "service_account"), ("owner", "cs-nobody"), ("permissions", ""), ("days", "30")]).await;
        assert_eq!(status, 404);

        // Revoked with the confirmation: refused at once.
        let revoke = format!("/admin/api-keys/{id}/revoke");
        assert_eq!(admin.post("/admin/service-accounts", &revoke, &[]).await.0, 400);
        assert_eq!(audit(key.clone()).await, 200, "not revoked without the confirmation");
        admin.done("/admin/service-accounts", &revoke, &[("confirm", "yes")], "/admin/service-accounts?done=key_revoked").await;
        assert_eq!(audit(key.clone()).await, 401);
        let list = admin.page("/admin/service-accounts").await;
        assert!(row(&list, "cs-robot key").unwrap().contains("<td class=\"key-state\">revoked"), "{list}");

        // The service account deleted with the confirmation.
        let sa = between(account, "<td><code>", "</code>").to_owned();
        admin.done("/admin/service-accounts", &format!("/admin/service-accounts/{sa}/delete"), &[("confirm", "yes")],
            "/admin/service-accounts?done=account_deleted").await;
        assert!(row(&admin.page("/admin/service-accounts").await, "cs-robot").is_none());
    }

    async fn a_signing_key_is_rotated_then_retired(server) {
        let admin = Admin::new(server, "cs-sign@example.com", &["gatehouse:admin"]).await;
        let page = admin.page("/admin/keys").await;
        let active = |page: &str| -> String {
            let r = page.split("<tr>").find(|r| r.contains("<td>EdDSA</td>") && r.contains("class=\"key-state\">active<")).expect("an active EdDSA key");
            between(r, "<td><code>", "</code>").to_owned()
        };
        let old = active(&page);
        admin.done("/admin/keys", "/admin/keys/rotate", &[("alg", "EdDSA")], "/admin/keys?done=keys_rotated").await;
        let page = admin.page("/admin/keys?done=keys_rotated").await;
        assert!(page.contains("New signing keys were made"), "{page}");
        let new = active(&page);
        assert_ne!(new, old);
        assert!(row(&page, &format!("<code>{old}</code>")).unwrap().contains("class=\"key-state\">retired<"), "{page}");
        let jwks = move || async move {
            reqwest::get(server.url("/jwks")).await.unwrap().text().await.unwrap()
        };
        assert!(jwks().await.contains(&old), "a retired key stays published");

        // An active key cannot be retired; the retired one can, with the confirmation.
        let (status, _) = admin.post("/admin/keys", &format!("/admin/keys/{new}/retire"), &[("confirm", "yes")]).await;
        assert_eq!(status, 409);
        assert_eq!(admin.post("/admin/keys", &format!("/admin/keys/{old}/retire"), &[]).await.0, 400);
        admin.done("/admin/keys", &format!("/admin/keys/{old}/retire"), &[("confirm", "yes")], "/admin/keys?done=key_retired").await;
        let page = admin.page("/admin/keys").await;
        assert!(!page.contains(&old), "{page}");
        // The JWKS follows at the next reload of the key ring (every second here).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while jwks().await.contains(&old) {
            assert!(std::time::Instant::now() < deadline, "still published");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    async fn a_webhook_shows_its_secret_once_and_its_delivery_log(server) {
        let admin = Admin::new(server, "cs-hooks@example.com", &["gatehouse:admin"]).await;
        // A refused subscription keeps what was typed.
        let (status, body) = admin.post("/admin/webhooks", "/admin/webhooks",
            &[("url", "http://127.0.0.1:9/cs-hook"), ("event_types", "user.nonsense"), ("description", "")]).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("role=\"alert\"") && body.contains("value=\"http://127.0.0.1:9/cs-hook\""), "{body}");

        let (status, body) = admin.post("/admin/webhooks", "/admin/webhooks",
            &[("url", "http://127.0.0.1:9/cs-hook"), ("event_types", "user.created"), ("description", "console test")]).await;
        assert_eq!(status, 201, "{body}");
        let secret = unescape(between(&body, "<p class=\"secret\" id=\"new-secret\">", "</p>"));
        assert!(secret.starts_with("whsec_"), "{secret}");
        let id = between(&body, "<dt>Id</dt><dd><code>", "</code>").to_owned();
        let href = format!("/admin/webhooks/{id}");
        assert!(body.contains("id=\"no-deliveries\""), "{body}");
        let list = admin.page("/admin/webhooks").await;
        assert!(row(&list, "cs-hook").is_some_and(|r| r.contains("user.created")), "{list}");
        assert!(!admin.page(&href).await.contains(&secret), "shown once");

        // An account created at the console queues a delivery, shown in the log.
        let (status, _) = admin.post("/admin/users", "/admin/users", &[("email", "cs-hooked@example.com"), ("name", ""), ("password", "")]).await;
        assert_eq!(status, 303);
        let page = admin.page(&href).await;
        let log = between(&page, "<table class=\"list\" id=\"delivery-log\">", "</table>");
        assert!(row(log, "<td>user.created</td>").is_some(), "{page}");

        // Disabled and enabled again.
        admin.done(&href, &format!("{href}/disable"), &[], &format!("{href}?done=webhook_changed")).await;
        assert!(between(&admin.page(&href).await, "<dd id=\"webhook-state\">", "</dd>").starts_with("disabled"));
        admin.done(&href, &format!("{href}/enable"), &[], &format!("{href}?done=webhook_changed")).await;
        assert_eq!(between(&admin.page(&href).await, "<dd id=\"webhook-state\">", "</dd>"), "enabled");

        // A new secret, shown once on the answer.
        let (status, body) = admin.post(&href, &format!("{href}/rotate-secret"), &[("grace", "3600")]).await;
        assert_eq!(status, 200, "{body}");
        let rotated = unescape(between(&body, "<p class=\"secret\" id=\"new-secret\">", "</p>"));
        assert!(rotated.starts_with("whsec_") && rotated != secret, "{rotated}");

        // Deleted with the confirmation.
        assert_eq!(admin.post(&href, &format!("{href}/delete"), &[]).await.0, 400);
        admin.done(&href, &format!("{href}/delete"), &[("confirm", "yes")], "/admin/webhooks?done=webhook_deleted").await;
        assert_eq!(admin.get(&href).await.0, 404);
    }

    async fn an_identity_provider_is_shown_without_its_secret(server) {
        let admin = Admin::new(server, "cs-idps@example.com", &["gatehouse:admin"]).await;
        let services = server.running().services.clone();
        server
            .on_server(async move {
                services.roles.ensure("cs-staff").await.unwrap();
                let up = services.federation.upstreams.create(NewUpstream {
                    name: "cs-corp".into(),
                    display_name: Some("Corp SSO".into()),
                    issuer: "https://sso.corp.example".into(),
                    preset: None,
                    endpoints: Endpoints::default(),
                    client_id: "gatehouse-at-corp".into(),
                    client_secret: Some("cs-upstream-secret-value".into()),
                    scopes: vec![],
                    first_login: FirstLogin::Link,
                    trusted_for_email: true,
                    trusted_for_acr: false,
                    trusted_for_mfa: false,
                    enabled: true,
                    allowed_clients: vec![],
                }, "test").await.unwrap();
                services.federation.mappings.add(&up, NewMapping {
                    claim: "groups".into(),
                    value: "staff".into(),
                    target: MappingTarget::Role("cs-staff".into()),
                }, "test").await.unwrap();
            })
            .await;
        let list = admin.page("/admin/idps").await;
        assert!(row(&list, "cs-corp").is_some_and(|r| r.contains("Corp SSO") && r.contains("link")), "{list}");
        let page = admin.page("/admin/idps/cs-corp").await;
        assert!(page.contains("gatehouse-at-corp"), "{page}");
        assert!(between(&page, "<dd id=\"idp-secret\">", "</dd>").starts_with("stored"), "{page}");
        assert!(!page.contains("cs-upstream-secret-value"), "never the secret");
        assert!(row(&page, "<code>groups</code>").is_some_and(|r| r.contains("<code>staff</code>") && r.contains(">cs-staff</a>")), "{page}");
        assert_eq!(admin.get("/admin/idps/cs-nowhere").await.0, 404);
    }

    async fn a_user_administrator_is_refused_every_system_page(server) {
        let users_admin = Admin::new(server, "cs-useradmin@example.com", &["gatehouse:users"]).await;
        let overview = users_admin.page("/admin").await;
        assert!(overview.contains("href=\"/admin/users\"") && !overview.contains("href=\"/admin/keys\""), "{overview}");
        for path in [
            "/admin/roles",
            "/admin/roles/gatehouse:admin",
            "/admin/service-accounts",
            "/admin/idps",
            "/admin/idps/anything",
            "/admin/keys",
            "/admin/webhooks",
        ] {
            let (status, body) = users_admin.get(path).await;
            assert_eq!(status, 403, "{path}: {body}");
        }
        for (action, fields) in [
            ("/admin/roles", vec![("name", "cs-sneaky"), ("permissions", "")]),
            ("/admin/groups", vec![("name", "cs-sneaky"), ("parent", "")]),
            ("/admin/keys/rotate", vec![("alg", "EdDSA")]),
            ("/admin/webhooks", vec![("url", "http://127.0.0.1:9/x"), ("event_types", "*")]),
            ("/admin/api-keys", vec![("name", "x"), ("owner_kind", "user"), ("owner", "cs-useradmin@example.com"), ("days", "30")]),
        ] {
            let (status, body) = users_admin.post("/admin/users", action, &fields).await;
            assert_eq!(status, 403, "{action}: {body}");
        }

        // A full administrator's form without the CSRF token is refused.
        let admin = Admin::new(server, "cs-csrf@example.com", &["gatehouse:admin"]).await;
        let res = admin.http.post(server.url("/admin/roles")).form(&[("name", "cs-forged"), ("permissions", "")]).send().await.unwrap();
        assert!(res.status().is_client_error(), "{}", res.status());
        assert_eq!(admin.get("/admin/roles/cs-forged").await.0, 404);
    }
}
