//! The admin API (`/admin/api/v1`): who may call which route (API keys of holders of each
//! `gatehouse:*` role, a user's token narrowed by its scopes and needing a second factor),
//! editing a client without changing its id, lost updates refused, secret rotation with a
//! grace period, user administration audited with the actor, problem details, paging, and
//! the OpenAPI document covering every route.

use std::time::Duration;

use domain::apikeys::{NewApiKey, Owner};
use harness::rp::Browser;
use harness::{REDIRECT_URI, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";
const API: &str = "/admin/api/v1";

/// A user holding `roles` (created if missing) and an API key of theirs; returns the key.
pub(crate) async fn key_holding(server: &TestServer, email: &str, roles: &[&str]) -> String {
    let id = server.user(email, PASSWORD).await;
    let services = server.running().services.clone();
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
    server
        .on_server(async move {
            for role in &roles {
                services.roles.ensure(role).await.unwrap();
                services.roles.grant(role, &id).await.unwrap();
            }
            let (_, key) = services
                .api_keys
                .create(NewApiKey {
                    name: "admin-api test".into(),
                    owner: Owner::User(id),
                    permissions: Vec::new(),
                    expires_in: Duration::from_secs(86_400),
                    rate_limit_per_minute: None,
                })
                .await
                .unwrap();
            key
        })
        .await
}

/// Calls the API; returns status, headers and JSON body (`Null` when empty).
async fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    if_match: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut req = reqwest::Client::new().request(method, server.url(&format!("{API}{path}")));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(tag) = if_match {
        req = req.header("if-match", tag);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json") && !t.contains("jsonl"));
    let json = if text.is_empty() {
        Value::Null
    } else if is_json {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: not JSON: {text}"))
    } else {
        Value::String(text)
    };
    (status, headers, json)
}

fn etag(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get("etag")
        .expect("an ETag")
        .to_str()
        .unwrap()
        .to_owned()
}

/// A client allowed the administrative scopes, and a user's code-flow token for `scope`.
async fn user_token(server: &TestServer, browser: &Browser, email: &str, scope: &str) -> String {
    let (client_id, secret) = server
        .client(|c| {
            c.first_party = true;
            c.scopes = [
                "openid",
                "gatehouse:admin",
                "gatehouse:users",
                "gatehouse:clients",
                "gatehouse:audit",
            ]
            .map(String::from)
            .to_vec();
        })
        .await;
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", scope)
        .append_pair("state", "s");
    let landing = browser.authorize(url.as_str(), email, PASSWORD).await;
    redeem(server, &client_id, secret.as_deref().unwrap(), &landing).await
}

async fn redeem(
    server: &TestServer,
    client_id: &str,
    secret: &str,
    landing: &harness::rp::Landing,
) -> String {
    let code = landing
        .params()
        .get("code")
        .unwrap_or_else(|| panic!("no code: {:?}", landing.page()))
        .clone();
    let tokens: Value = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{tokens}"))
        .to_owned()
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn every_route_answers_each_kind_of_caller_as_its_roles_allow(server) {
        let admin = key_holding(server, "aa-admin@example.com", &["gatehouse:admin"]).await;
        let users = key_holding(server, "aa-users@example.com", &["gatehouse:users"]).await;
        let clients = key_holding(server, "aa-clients@example.com", &["gatehouse:clients"]).await;
        let audit = key_holding(server, "aa-audit@example.com", &["gatehouse:audit"]).await;
        let plain_key = key_holding(server, "aa-plain@example.com", &["staff"]).await;
        // A user's token asking for the admin scope without holding the role.
        server.user("aa-token@example.com", PASSWORD).await;
        let browser = Browser::new(server);
        let token = user_token(server, &browser, "aa-token@example.com", "openid gatehouse:admin").await;

        // (method, path, body, area): ids that do not exist, so allowed callers get 404 (or
        // 400 for bad bodies) and nothing is changed by this test.
        let routes: Vec<(Method, &str, Option<Value>, &str)> = vec![
            (Method::GET, "/users", None, "users"),
            (Method::POST, "/users", Some(json!({"email": "not an address"})), "users"),
            (Method::GET, "/users/nobody-here", None, "users"),
            (Method::PATCH, "/users/nobody-here", Some(json!({"name": "x"})), "users"),
            (Method::DELETE, "/users/nobody-here", None, "users"),
            (Method::PUT, "/users/nobody-here/password", Some(json!({"password": "x"})), "users"),
            (Method::POST, "/users/nobody-here/state", Some(json!({"action": "unlock"})), "users"),
            (Method::GET, "/users/nobody-here/sessions", None, "users"),
            (Method::DELETE, "/users/nobody-here/sessions", None, "users"),
            (Method::DELETE, "/users/nobody-here/sessions/s1", None, "users"),
            (Method::DELETE, "/users/nobody-here/factors/f1", None, "users"),
            (Method::POST, "/users/nobody-here/reset-mfa", None, "users"),
            (Method::POST, "/users/nobody-here/password-reset", None, "users"),
            (Method::GET, "/clients", None, "clients"),
            (Method::POST, "/clients", Some(json!({"name": ""})), "clients"),
            (Method::GET, "/clients/no-such-client", None, "clients"),
            (Method::PATCH, "/clients/no-such-client", Some(json!({"name": "x"})), "clients"),
            (Method::DELETE, "/clients/no-such-client", None, "clients"),
            (Method::POST, "/clients/no-such-client/rotate-secret", Some(json!({})), "clients"),
            (Method::POST, "/clients/no-such-client/enable", None, "clients"),
            (Method::POST, "/clients/no-such-client/disable", None, "clients"),
            (Method::GET, "/audit?limit=1", None, "audit"),
            (Method::GET, "/audit/export?format=csv&kind=nothing.here", None, "audit"),
            (Method::GET, "/audit/verify", None, "audit"),
            (Method::GET, "/keys", None, "system"),
            (Method::POST, "/keys/rotate", Some(json!({"algorithms": ["XX999"]})), "system"),
            (Method::DELETE, "/keys/no-such-kid", None, "system"),
            (Method::GET, "/roles", None, "system"),
            (Method::POST, "/roles", Some(json!({"name": "Not A Name"})), "system"),
            (Method::GET, "/roles/no-such-role", None, "system"),
            (Method::DELETE, "/roles/no-such-role", None, "system"),
            (Method::PUT, "/roles/no-such-role/permissions/docs:read", None, "system"),
            (Method::DELETE, "/roles/no-such-role/permissions/docs:read", None, "system"),
            (Method::POST, "/roles/no-such-role/grants", Some(json!({"user": "x@example.com"})), "system"),
            (Method::DELETE, "/roles/no-such-role/grants?user=x@example.com", None, "system"),
            (Method::GET, "/groups", None, "system"),
            (Method::POST, "/groups", Some(json!({"name": "Not A Name"})), "system"),
            (Method::GET, "/groups/no-such-group", None, "system"),
            (Method::DELETE, "/groups/no-such-group", None, "system"),
            (Method::PUT, "/groups/no-such-group/members/x@example.com", None, "system"),
            (Method::DELETE, "/groups/no-such-group/members/x@example.com", None, "system"),
            (Method::GET, "/service-accounts", None, "system"),
            (Method::POST, "/service-accounts", Some(json!({"name": "Not A Name"})), "system"),
            (Method::DELETE, "/service-accounts/no-such-account", None, "system"),
            (Method::GET, "/api-keys", None, "system"),
            (Method::POST, "/api-keys", Some(json!({"name": "k"})), "system"),
            (Method::DELETE, "/api-keys/no-such-key", None, "system"),
            (Method::GET, "/webhooks", None, "system"),
            (Method::POST, "/webhooks", Some(json!({"url": "http://127.0.0.1/hook", "event_types": ["*"]})), "system"),
            (Method::GET, "/webhooks/no-such-hook", None, "system"),
            (Method::DELETE, "/webhooks/no-such-hook", None, "system"),
            (Method::POST, "/webhooks/no-such-hook/enable", None, "system"),
            (Method::POST, "/webhooks/no-such-hook/disable", None, "system"),
            (Method::POST, "/webhooks/no-such-hook/rotate-secret", Some(json!({})), "system"),
            (Method::GET, "/webhooks/no-such-hook/deliveries", None, "system"),
            (Method::PUT, "/roles/no-such-role/includes/other-role", None, "system"),
            (Method::DELETE, "/roles/no-such-role/includes/other-role", None, "system"),
            (Method::PUT, "/groups/no-such-group/subgroups/other-group", None, "system"),
            (Method::DELETE, "/groups/no-such-group/subgroups/other-group", None, "system"),
            (Method::GET, "/initial-tokens", None, "clients"),
            (Method::POST, "/initial-tokens", Some(json!({"expires_in_secs": 0})), "clients"),
            (Method::DELETE, "/initial-tokens/no-such-token", None, "clients"),
            (Method::GET, "/idps", None, "system"),
            (Method::POST, "/idps", Some(json!({"name": "Not A Name", "issuer": "https://idp.example", "client_id": "x"})), "system"),
            (Method::GET, "/idps/no-such-idp", None, "system"),
            (Method::PATCH, "/idps/no-such-idp", Some(json!({"enabled": true})), "system"),
            (Method::DELETE, "/idps/no-such-idp", None, "system"),
            (Method::GET, "/idps/no-such-idp/mappings", None, "system"),
            (Method::POST, "/idps/no-such-idp/mappings", Some(json!({"claim": "groups", "value": "x", "role": "r"})), "system"),
            (Method::DELETE, "/idps/no-such-idp/mappings/m1", None, "system"),
            (Method::GET, "/policies/no-such-client", None, "system"),
            (Method::PUT, "/policies/no-such-client", Some(json!({"schema": "", "policies": ""})), "system"),
            (Method::DELETE, "/policies/no-such-client", None, "system"),
            (Method::GET, "/relations?resource_server=no-such-client", None, "system"),
            (Method::POST, "/relations", Some(json!({"resource_server": "no-such-client", "user": "x@example.com", "relation": "owner", "resource": "Document:1"})), "system"),
            (Method::DELETE, "/relations?resource_server=no-such-client&user=x@example.com&relation=owner&resource=Document:1", None, "system"),
        ];
        // The table is complete: every operation of the document is in it.
        let doc: Value = reqwest::get(server.url("/admin/api/openapi.json")).await.unwrap().json().await.unwrap();
        let matches = |template: &str, path: &str| {
            let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('?').next().unwrap().split('/').collect());
            t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t.starts_with('{') || t == p)
        };
        for (template, item) in doc["paths"].as_object().unwrap() {
            let template = template.strip_prefix(API).unwrap();
            for method in item.as_object().unwrap().keys() {
                assert!(
                    routes.iter().any(|(m, path, _, _)| m.as_str().eq_ignore_ascii_case(method) && matches(template, path)),
                    "{method} {template} is missing from this table"
                );
            }
        }
        let callers: [(&str, Option<&str>); 7] = [
            ("none", None),
            ("user token without the role", Some(&token)),
            ("key of a non-admin", Some(&plain_key)),
            ("gatehouse:audit", Some(&audit)),
            ("gatehouse:users", Some(&users)),
            ("gatehouse:clients", Some(&clients)),
            ("gatehouse:admin", Some(&admin)),
        ];
        for (method, path, body, area) in &routes {
            for (who, credential) in callers {
                let (status, headers, problem) =
                    call(server, method.clone(), path, credential, body.clone(), None).await;
                let allowed = matches!((who, *area), ("gatehouse:admin", _) | ("gatehouse:users", "users") | ("gatehouse:clients", "clients") | ("gatehouse:audit", "audit"));
                // (the `system` area is gatehouse:admin's alone)
                let expected: &[u16] = match (who, allowed) {
                    ("none", _) => &[401],
                    (_, false) => &[403],
                    (_, true) => &[200, 400, 404],
                };
                assert!(
                    expected.contains(&status.as_u16()),
                    "{method} {path} as {who}: {status} {problem}"
                );
                if status.as_u16() >= 400 {
                    assert_eq!(headers["content-type"], "application/problem+json", "{method} {path}");
                    assert_eq!(problem["status"], status.as_u16(), "{problem}");
                    assert!(problem["type"].as_str().unwrap().starts_with("https://"), "{problem}");
                }
                if status == StatusCode::UNAUTHORIZED {
                    assert_eq!(headers["www-authenticate"], "Bearer");
                }
            }
        }
        // A wrong key and a token that is not one are 401 alike.
        let (status, _, _) = call(server, Method::GET, "/users", Some("gh_nonsense"), None, None).await;
        assert_eq!(status, 401);
        let (status, _, _) = call(server, Method::GET, "/users", Some("not-a-token"), None, None).await;
        assert_eq!(status, 401);
    }

    async fn a_users_token_needs_the_role_the_scope_and_a_second_factor(server) {
        let email = "aa-person@example.com";
        let id = server.user(email, PASSWORD).await;
        let browser = Browser::new(server);
        let single = user_token(server, &browser, email, "openid gatehouse:users").await;
        let (status, _, p) = call(server, Method::GET, "/users", Some(&single), None, None).await;
        assert_eq!(status, 403, "no role yet: {p}");
        let services = server.running().services.clone();
        server
            .on_server(async move {
                services.roles.ensure("gatehouse:users").await.unwrap();
                services.roles.grant("gatehouse:users", &id).await.unwrap();
            })
            .await;
        let (status, _, p) = call(server, Method::GET, "/users", Some(&single), None, None).await;
        assert_eq!(status, 403, "{p}");
        assert!(p["detail"].as_str().unwrap().contains("second factor"), "{p}");

        // Signing in again now asks to set up a second factor (the role requires it).
        let (client_id, secret) = server
            .client(|c| {
                c.first_party = true;
                c.scopes = ["openid", "gatehouse:users"].map(String::from).to_vec();
            })
            .await;
        let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("response_type", "code")
            .append_pair("scope", "openid gatehouse:users")
            .append_pair("state", "s");
        let landed =
            crate::mfa::policy::sign_in_setting_up(&browser, server, url.as_str(), email).await;
        let strong = redeem(server, &client_id, secret.as_deref().unwrap(), &landed).await;
        let (status, _, page) = call(server, Method::GET, "/users?limit=1", Some(&strong), None, None).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        // The role reaches users only.
        let (status, _, _) = call(server, Method::GET, "/clients", Some(&strong), None, None).await;
        assert_eq!(status, 403);
    }

    async fn a_client_is_edited_in_place_and_lost_updates_are_refused(server) {
        let admin = key_holding(server, "ab-admin@example.com", &["gatehouse:clients"]).await;
        let (status, headers, created) = call(
            server,
            Method::POST,
            "/clients",
            Some(&admin),
            Some(json!({"name": "Editable", "redirect_uris": ["https://app.example/cb"]})),
            None,
        )
        .await;
        assert_eq!(status, 201, "{created}");
        let id = created["client_id"].as_str().unwrap().to_owned();
        let secret = created["client_secret"].as_str().unwrap().to_owned();
        let first = etag(&headers);

        let (status, headers, updated) = call(
            server,
            Method::PATCH,
            &format!("/clients/{id}"),
            Some(&admin),
            Some(json!({"redirect_uris": ["https://app.example/cb", "https://app.example/cb2"], "require_mfa": true, "dpop_bound_access_tokens": true})),
            Some(&first),
        )
        .await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!((created["dpop_bound_access_tokens"].as_bool(), updated["dpop_bound_access_tokens"].as_bool()), (Some(false), Some(true)));
        assert_eq!(updated["client_id"], id.as_str());
        assert_eq!(updated["redirect_uris"][1], "https://app.example/cb2");
        assert_eq!(updated["require_mfa"], true);
        assert_eq!(updated["name"], "Editable", "fields left out stay");
        let second = etag(&headers);
        assert_ne!(first, second);

        // Another administrator still holding the first version loses nothing of ours.
        let (status, _, p) = call(
            server,
            Method::PATCH,
            &format!("/clients/{id}"),
            Some(&admin),
            Some(json!({"name": "Overwritten"})),
            Some(&first),
        )
        .await;
        assert_eq!(status, 412, "{p}");
        let (_, _, now) = call(server, Method::GET, &format!("/clients/{id}"), Some(&admin), None, None).await;
        assert_eq!(now["name"], "Editable");
        // Invalid changes are refused whole.
        let (status, _, p) = call(
            server,
            Method::PATCH,
            &format!("/clients/{id}"),
            Some(&admin),
            Some(json!({"redirect_uris": ["https://app.example/cb#frag"], "name": "Half"})),
            Some(&second),
        )
        .await;
        assert_eq!(status, 400, "{p}");
        assert_eq!(p["field"], "redirect_uri", "{p}");
        let (status, _, p) = call(server, Method::PATCH, &format!("/clients/{id}"), Some(&admin), Some(json!({"public": true})), None).await;
        assert_eq!(status, 400, "{p}");
        let (status, _, p) = call(server, Method::PATCH, &format!("/clients/{id}"), Some(&admin), Some(json!({"nmae": "typo"})), None).await;
        assert_eq!(status, 400, "unknown fields are refused: {p}");

        // The secret still works with the same client_id.
        let client_credentials = |secret: String| {
            let id = id.clone();
            async move {
                reqwest::Client::new()
                    .post(server.url("/token"))
                    .basic_auth(&id, Some(secret))
                    .form(&[("grant_type", "client_credentials")])
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        // client_credentials is not among its grant types: 400 unauthorized_client proves
        // the client authenticated (a wrong secret would be 401).
        assert_eq!(client_credentials(secret.clone()).await, 400);
        assert_eq!(client_credentials("wrong".into()).await, 401);

        // Disabled: refused as unknown; enabled again: back.
        let (status, _, c) = call(server, Method::POST, &format!("/clients/{id}/disable"), Some(&admin), None, None).await;
        assert_eq!((status.as_u16(), c["enabled"].clone()), (200, json!(false)));
        assert_eq!(client_credentials(secret.clone()).await, 401);
        call(server, Method::POST, &format!("/clients/{id}/enable"), Some(&admin), None, None).await;
        assert_eq!(client_credentials(secret.clone()).await, 400);

        // The audit log names the acting administrator and the fields.
        let db = server.running().services.store.db().clone();
        let cid = id.clone();
        let rows = server
            .on_server(async move {
                use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
                domain::entities::audit_event::Entity::find()
                    .filter(domain::entities::audit_event::Column::Kind.eq("client.updated"))
                    .filter(domain::entities::audit_event::Column::ClientId.eq(cid))
                    .all(&db)
                    .await
                    .unwrap()
            })
            .await;
        assert_eq!(rows.len(), 1, "one successful update");
        let data = rows[0].data.clone().unwrap();
        assert_eq!(data["via"], "api");
        assert!(data["api_key"].is_string());
        assert_eq!(data["fields"], json!(["redirect_uris", "require_mfa", "dpop_bound_access_tokens"]));
        assert!(rows[0].actor_user_id.is_some());
    }

    async fn the_secret_rotates_with_a_grace_period_or_at_once(server) {
        let admin = key_holding(server, "ac-admin@example.com", &["gatehouse:admin"]).await;
        let (_, headers, created) = call(server, Method::POST, "/clients", Some(&admin),
            Some(json!({"name": "Rotating", "grant_types": ["client_credentials"], "scopes": ["api:read"]})), None).await;
        let id = created["client_id"].as_str().unwrap().to_owned();
        let old = created["client_secret"].as_str().unwrap().to_owned();
        let works = |secret: String| {
            let id = id.clone();
            async move {
                reqwest::Client::new()
                    .post(server.url("/token"))
                    .basic_auth(&id, Some(secret))
                    .form(&[("grant_type", "client_credentials")])
                    .send()
                    .await
                    .unwrap()
                    .status()
                    == 200
            }
        };
        assert!(works(old.clone()).await);
        let (status, headers, rotated) = call(server, Method::POST, &format!("/clients/{id}/rotate-secret"),
            Some(&admin), Some(json!({"grace_secs": 3600})), Some(&etag(&headers))).await;
        assert_eq!(status, 200, "{rotated}");
        let new = rotated["client_secret"].as_str().unwrap().to_owned();
        assert_ne!(new, old);
        assert!(rotated["previous_secret_expires_at"].is_string());
        assert!(works(new.clone()).await && works(old.clone()).await, "both during the grace period");
        // Rotating again without grace: only the newest works.
        let (_, _, again) = call(server, Method::POST, &format!("/clients/{id}/rotate-secret"),
            Some(&admin), Some(json!({"grace_secs": 0})), Some(&etag(&headers))).await;
        let newest = again["client_secret"].as_str().unwrap().to_owned();
        assert!(works(newest).await);
        assert!(!works(new).await && !works(old).await);
        let (status, _, p) = call(server, Method::POST, &format!("/clients/{id}/rotate-secret"),
            Some(&admin), Some(json!({"grace_secs": 99_999_999})), None).await;
        assert_eq!(status, 400, "{p}");
        // A public client has no secret to rotate.
        let (_, _, public) = call(server, Method::POST, "/clients", Some(&admin),
            Some(json!({"name": "SPA", "public": true, "redirect_uris": ["https://spa.example/cb"]})), None).await;
        assert!(public["client_secret"].is_null(), "{public}");
        let pid = public["client_id"].as_str().unwrap();
        let (status, _, _) = call(server, Method::POST, &format!("/clients/{pid}/rotate-secret"), Some(&admin), Some(json!({})), None).await;
        assert_eq!(status, 409);
    }

    async fn users_are_administered_and_every_step_is_audited_with_the_actor(server) {
        let admin = key_holding(server, "ad-admin@example.com", &["gatehouse:users"]).await;
        let (status, headers, created) = call(server, Method::POST, "/users", Some(&admin),
            Some(json!({"email": "ad-person@example.com", "password": PASSWORD, "name": "Ada"})), None).await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().unwrap().to_owned();
        let (status, _, p) = call(server, Method::POST, "/users", Some(&admin),
            Some(json!({"email": "ad-person@example.com", "password": PASSWORD})), None).await;
        assert_eq!(status, 409, "{p}");
        let (status, _, p) = call(server, Method::POST, "/users", Some(&admin),
            Some(json!({"email": "ad-weak@example.com", "password": "password"})), None).await;
        assert_eq!((status.as_u16(), p["field"].as_str()), (400, Some("password")), "{p}");
        // Roles are system administration: a user administrator cannot grant them.
        let (status, _, _) = call(server, Method::POST, "/users", Some(&admin),
            Some(json!({"email": "ad-role@example.com", "roles": ["gatehouse:admin"]})), None).await;
        assert_eq!(status, 403);

        let (status, _, updated) = call(server, Method::PATCH, &format!("/users/{id}"), Some(&admin),
            Some(json!({"given_name": "Ada", "family_name": "Lovelace"})), Some(&etag(&headers))).await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!(updated["family_name"], "Lovelace");
        let (status, _, _) = call(server, Method::PATCH, &format!("/users/{id}"), Some(&admin),
            Some(json!({"name": "Stale"})), Some(&etag(&headers))).await;
        assert_eq!(status, 412);

        // The person signs in; the administrator sees and ends the session.
        let browser = Browser::new(server);
        let token = {
            let (client_id, secret) = server.client(|c| c.first_party = true).await;
            let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
            url.query_pairs_mut().append_pair("client_id", &client_id).append_pair("redirect_uri", REDIRECT_URI)
                .append_pair("response_type", "code").append_pair("scope", "openid").append_pair("state", "s");
            let landing = browser.authorize(url.as_str(), "ad-person@example.com", PASSWORD).await;
            redeem(server, &client_id, secret.as_deref().unwrap(), &landing).await
        };
        let userinfo = |token: String| async move {
            reqwest::Client::new().get(server.url("/userinfo")).bearer_auth(token).send().await.unwrap().status()
        };
        assert_eq!(userinfo(token.clone()).await, 200);
        let (_, _, sessions) = call(server, Method::GET, &format!("/users/{id}/sessions"), Some(&admin), None, None).await;
        assert_eq!(sessions.as_array().unwrap().len(), 1, "{sessions}");
        let (_, _, detail) = call(server, Method::GET, "/users/ad-person@example.com", Some(&admin), None, None).await;
        assert_eq!(detail["has_password"], true);
        assert_eq!(detail["sessions"].as_array().unwrap().len(), 1);
        let (status, _, ended) = call(server, Method::DELETE, &format!("/users/{id}/sessions"), Some(&admin), None, None).await;
        assert_eq!((status.as_u16(), ended["ended"].as_u64()), (200, Some(1)));
        assert_eq!(userinfo(token).await, 401, "the session's tokens end with it");

        // A password set by an administrator works; the policy applies.
        let (status, _, _) = call(server, Method::PUT, &format!("/users/{id}/password"), Some(&admin),
            Some(json!({"password": "another long passphrase here"})), None).await;
        assert_eq!(status, 204);
        let users = server.running().services.users.clone();
        let ok = server.on_server(async move { users.verify_password("ad-person@example.com", "another long passphrase here").await.unwrap().is_some() }).await;
        assert!(ok);

        // State changes.
        let (_, _, s) = call(server, Method::POST, &format!("/users/{id}/state"), Some(&admin), Some(json!({"action": "suspend", "reason": "review"})), None).await;
        assert_eq!(s["status"], "suspended", "{s}");
        let (status, _, p) = call(server, Method::POST, &format!("/users/{id}/state"), Some(&admin), Some(json!({"action": "unlock"})), None).await;
        assert_eq!(status, 409, "{p}");
        let (_, _, s) = call(server, Method::POST, &format!("/users/{id}/state"), Some(&admin), Some(json!({"action": "reactivate"})), None).await;
        assert_eq!(s["status"], "active");
        let (status, _, _) = call(server, Method::POST, &format!("/users/{id}/state"), Some(&admin), Some(json!({"action": "explode"})), None).await;
        assert_eq!(status, 400);

        // MFA reset removes every second factor.
        let services = server.running().services.clone();
        let uid = id.clone();
        server.on_server(async move {
            let mfa = domain::credentials::Mfa::new(&services.store, services.secrets.clone(), domain::cache::Cache::memory(), "t");
            mfa.new_recovery_codes(&uid).await.unwrap();
            mfa.enable_sms(&uid).await.ok();
        }).await;
        let (_, _, detail) = call(server, Method::GET, &format!("/users/{id}"), Some(&admin), None, None).await;
        assert_eq!(detail["recovery_codes_left"], 10, "{detail}");
        let (status, _, removed) = call(server, Method::POST, &format!("/users/{id}/reset-mfa"), Some(&admin), None, None).await;
        assert_eq!(status, 200);
        assert!(removed["removed"].as_u64().unwrap() >= 10, "{removed}");
        let (_, _, detail) = call(server, Method::GET, &format!("/users/{id}"), Some(&admin), None, None).await;
        assert_eq!(detail["recovery_codes_left"], 0);
        assert_eq!(detail["factors"], json!([]));

        // A reset link mailed by an administrator works like "forgot password".
        let (status, _, _) = call(server, Method::POST, &format!("/users/{id}/password-reset"), Some(&admin), None, None).await;
        assert_eq!(status, 202);
        let mail = harness::mailbox::mail_to(server, "ad-person@example.com", "/reset-password?token=").await;
        let link = harness::mailbox::link(server, &mail, "/reset-password?token=");
        let page = reqwest::get(&link).await.unwrap();
        assert_eq!(page.status(), 200, "the link opens the reset page");

        // Nobody shuts themselves out.
        let (status, _, p) = call(server, Method::DELETE, "/users/ad-admin@example.com", Some(&admin), None, None).await;
        assert_eq!(status, 409, "{p}");
        let (status, _, _) = call(server, Method::POST, "/users/ad-admin@example.com/state", Some(&admin), Some(json!({"action": "disable"})), None).await;
        assert_eq!(status, 409);

        // Deleted: gone, and the audit log keeps a pseudonym with the actor.
        let (status, _, _) = call(server, Method::DELETE, &format!("/users/{id}"), Some(&admin), None, None).await;
        assert_eq!(status, 204);
        let (status, _, _) = call(server, Method::GET, &format!("/users/{id}"), Some(&admin), None, None).await;
        assert_eq!(status, 404);
        let db = server.running().services.store.db().clone();
        let kinds = server.on_server(async move {
            use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};
            use domain::entities::audit_event::{Column, Entity};
            Entity::find().filter(Column::Kind.is_in(["user.created", "user.updated", "session.ended_by_admin", "user.password_set", "user.suspended", "user.reactivated", "mfa.reset_by_admin", "user.deleted"]))
                .filter(Column::SubjectUserId.like("erased:%"))
                .order_by_asc(Column::OccurredAt)
                .all(&db).await.unwrap()
                .into_iter().map(|r| (r.kind, r.actor_user_id.is_some(), r.data.map(|d| d["via"].clone())))
                .collect::<Vec<_>>()
        }).await;
        let names: Vec<&str> = kinds.iter().map(|k| k.0.as_str()).collect();
        assert_eq!(names, ["user.created", "user.updated", "session.ended_by_admin", "user.password_set", "user.suspended", "user.reactivated", "mfa.reset_by_admin", "user.deleted"]);
        // Erasure keeps who acted but drops the details of the person's events, except the
        // deletion's own.
        assert!(kinds.iter().all(|k| k.1), "{kinds:?}");
        assert_eq!(kinds.last().unwrap().2, Some(json!("api")));
    }

    async fn the_audit_log_is_searched_exported_and_verified_by_its_readers(server) {
        let admin = key_holding(server, "af-admin@example.com", &["gatehouse:clients"]).await;
        let reader = key_holding(server, "af-reader@example.com", &["gatehouse:audit"]).await;
        let (_, _, created) = call(server, Method::POST, "/clients", Some(&admin),
            Some(json!({"name": "Audited", "redirect_uris": ["https://audited.example/cb"]})), None).await;
        let id = created["client_id"].as_str().unwrap().to_owned();
        call(server, Method::POST, &format!("/clients/{id}/disable"), Some(&admin), None, None).await;

        let (status, _, page) = call(server, Method::GET, &format!("/audit?client={id}&kind=client.*"), Some(&reader), None, None).await;
        assert_eq!(status, 200, "{page}");
        let kinds: Vec<&str> = page["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["client.disabled", "client.created"], "newest first");
        let actor = page["items"][0]["actor"].as_str().unwrap().to_owned();
        let (_, _, by_actor) = call(server, Method::GET, &format!("/audit?actor={actor}&outcome=success&limit=1"), Some(&reader), None, None).await;
        assert_eq!(by_actor["items"].as_array().unwrap().len(), 1);
        assert!(by_actor["next_cursor"].is_string(), "{by_actor}");
        let (status, _, p) = call(server, Method::GET, "/audit?outcome=maybe", Some(&reader), None, None).await;
        assert_eq!((status.as_u16(), p["field"].as_str()), (400, Some("outcome")));

        // The export streams every match; CSV with a header.
        let res = reqwest::Client::new()
            .get(server.url(&format!("{API}/audit/export?format=csv&client={id}")))
            .bearer_auth(&reader)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = res.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].starts_with("id,"), "{csv}");
        assert_eq!(lines.len(), 3, "a header and two events: {csv}");
        let res = reqwest::Client::new()
            .get(server.url(&format!("{API}/audit/export?client={id}")))
            .bearer_auth(&reader)
            .send()
            .await
            .unwrap();
        let jsonl = res.text().await.unwrap();
        let events: Vec<Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1]["kind"], "client.created");

        // The chain holds; exports are themselves audited with the reader as actor.
        let (status, _, report) = call(server, Method::GET, "/audit/verify", Some(&reader), None, None).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["intact"], true, "{report}");
        assert!(report["head"]["hash"].as_str().unwrap().len() == 64);
        let (_, _, exports) = call(server, Method::GET, "/audit?kind=audit.exported", Some(&reader), None, None).await;
        assert!(exports["items"].as_array().unwrap().iter().any(|e| e["data"]["via"] == "api"), "{exports}");
        // A reader reads, nothing else.
        let (status, _, _) = call(server, Method::POST, &format!("/clients/{id}/enable"), Some(&reader), None, None).await;
        assert_eq!(status, 403);
    }

    async fn roles_groups_service_accounts_and_keys_are_administered_through_the_api(server) {
        let admin = key_holding(server, "ah-admin@example.com", &["gatehouse:admin"]).await;
        server.user("ah-member@example.com", PASSWORD).await;
        let (status, _, role) = call(server, Method::POST, "/roles", Some(&admin),
            Some(json!({"name": "ah-editor", "permissions": ["docs:write"]})), None).await;
        assert_eq!(status, 201, "{role}");
        assert_eq!(role["permissions"], json!(["docs:write"]));
        let (status, _, role) = call(server, Method::PUT, "/roles/ah-editor/permissions/docs:read", Some(&admin), None, None).await;
        assert_eq!((status.as_u16(), role["permissions"].clone()), (200, json!(["docs:read", "docs:write"])));
        let (_, _, role) = call(server, Method::DELETE, "/roles/ah-editor/permissions/docs:write", Some(&admin), None, None).await;
        assert_eq!(role["permissions"], json!(["docs:read"]));
        let (status, _, _) = call(server, Method::PUT, "/roles/ah-editor/permissions/not-a-permission", Some(&admin), None, None).await;
        assert_eq!(status, 400);
        let (status, _, group) = call(server, Method::POST, "/groups", Some(&admin), Some(json!({"name": "ah-team"})), None).await;
        assert_eq!(status, 201, "{group}");
        let (status, _, _) = call(server, Method::PUT, "/groups/ah-team/members/ah-member@example.com", Some(&admin), None, None).await;
        assert_eq!(status, 204);
        let (status, _, _) = call(server, Method::POST, "/roles/ah-editor/grants", Some(&admin), Some(json!({"group": "ah-team"})), None).await;
        assert_eq!(status, 204);
        let roles = server.running().services.roles.clone();
        let users = server.running().services.users.clone();
        let effective = server.on_server(async move {
            let id = users.get_by_email("ah-member@example.com").await.unwrap().id;
            roles.effective(&id).await.unwrap()
        }).await;
        assert_eq!(effective.roles, ["ah-editor"]);
        assert_eq!(effective.groups, ["/ah-team"]);
        let (_, _, shown) = call(server, Method::GET, "/groups/ah-team", Some(&admin), None, None).await;
        assert_eq!(shown["members"], json!(["ah-member@example.com"]));
        let (status, _, _) = call(server, Method::DELETE, "/roles/ah-editor/grants?group=ah-team", Some(&admin), None, None).await;
        assert_eq!(status, 204);
        // Nobody takes their own gatehouse:admin.
        let (status, _, _) = call(server, Method::DELETE, "/roles/gatehouse:admin/grants?user=ah-admin@example.com", Some(&admin), None, None).await;
        assert_eq!(status, 409);

        // A service account for provisioning, with a key made through the API; the key works
        // for user administration only, until revoked.
        let (status, _, sa) = call(server, Method::POST, "/service-accounts", Some(&admin),
            Some(json!({"name": "ah-provisioner", "owner": "ah-admin@example.com", "roles": ["gatehouse:users"]})), None).await;
        assert_eq!(status, 201, "{sa}");
        let (status, _, made) = call(server, Method::POST, "/api-keys", Some(&admin),
            Some(json!({"name": "scim", "service_account": "ah-provisioner", "expires_in_secs": 3600})), None).await;
        assert_eq!(status, 201, "{made}");
        let key = made["api_key"].as_str().unwrap().to_owned();
        let (status, _, _) = call(server, Method::GET, "/users?limit=1", Some(&key), None, None).await;
        assert_eq!(status, 200);
        let (status, _, _) = call(server, Method::GET, "/clients", Some(&key), None, None).await;
        assert_eq!(status, 403);
        let (_, _, listed) = call(server, Method::GET, "/api-keys", Some(&admin), None, None).await;
        assert!(listed.as_array().unwrap().iter().any(|k| k["id"] == made["id"]));
        assert!(!listed.to_string().contains(&key), "never the key itself");
        let (status, _, _) = call(server, Method::DELETE, &format!("/api-keys/{}", made["id"].as_str().unwrap()), Some(&admin), None, None).await;
        assert_eq!(status, 200);
        let (status, _, _) = call(server, Method::GET, "/users?limit=1", Some(&key), None, None).await;
        assert_eq!(status, 401);
        let (status, _, _) = call(server, Method::DELETE, "/service-accounts/ah-provisioner", Some(&admin), None, None).await;
        assert_eq!(status, 204);

        // Keys are listed, never with a private part.
        let (status, _, keys) = call(server, Method::GET, "/keys", Some(&admin), None, None).await;
        assert_eq!(status, 200);
        assert!(keys.as_array().unwrap().iter().any(|k| k["state"] == "active"));
        assert!(!keys.to_string().contains("\"d\""));
    }

    async fn the_explorer_renders_in_chromium_under_its_csp_with_every_operation(server) {
        use harness::webdriver::{self, Chrome};
        if !webdriver::available() {
            harness::skip_or_fail("Debian chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)");
            return;
        }
        let chrome = Chrome::start().await;
        chrome.goto(&server.url("/admin/api/explorer")).await;
        // Swagger UI draws one block per operation once its scripts ran and fetched the
        // document: nothing of it appears if the page's policy blocked them.
        chrome.wait_for_text("opblock-summary-path").await;
        let count = chrome
            .execute("return document.querySelectorAll('.opblock').length")
            .await;
        assert_eq!(count, 76, "every operation drawn");
        assert!(chrome.url().await.ends_with("/admin/api/explorer/"));
        chrome.quit().await;
    }

    async fn paging_returns_every_user_once_while_others_are_added(server) {
        let admin = key_holding(server, "ae-admin@example.com", &["gatehouse:admin"]).await;
        for i in 0..5 {
            server.user(&format!("ae-page-{i}@example.com"), PASSWORD).await;
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut added = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("/users?q=ae-page&limit=2&cursor={c}"),
                None => "/users?q=ae-page&limit=2".to_owned(),
            };
            let (status, _, page) = call(server, Method::GET, &path, Some(&admin), None, None).await;
            assert_eq!(status, 200, "{page}");
            for u in page["items"].as_array().unwrap() {
                seen.push(u["email"].as_str().unwrap().to_owned());
            }
            if added < 2 {
                server.user(&format!("ae-page-late-{added}@example.com"), PASSWORD).await;
                added += 1;
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "no repeats: {seen:?}");
        assert_eq!(seen.len(), 7, "the five, and those added behind the cursor: {seen:?}");
        let (status, _, p) = call(server, Method::GET, "/users?cursor=%%%", Some(&admin), None, None).await;
        assert_eq!(status, 400, "{p}");
        let (status, _, p) = call(server, Method::GET, "/users?limit=0", Some(&admin), None, None).await;
        assert_eq!((status.as_u16(), p["field"].as_str()), (400, Some("limit")));
        let (status, _, _) = call(server, Method::GET, "/users?sort=evil", Some(&admin), None, None).await;
        assert_eq!(status, 400);
        let (status, _, p) = call(server, Method::GET, "/nowhere", Some(&admin), None, None).await;
        assert_eq!(status, 404, "{p}");
    }

    async fn the_openapi_document_describes_every_route_and_the_explorer_is_served(server) {
        let doc: Value = reqwest::get(server.url("/admin/api/openapi.json")).await.unwrap().json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
        let paths = doc["paths"].as_object().unwrap();
        let mut operations = 0;
        for (path, item) in paths {
            assert!(path.starts_with(API), "{path}");
            for method in item.as_object().unwrap().keys() {
                operations += 1;
                // Each documented operation is served: unauthenticated calls are 401, not 404.
                let concrete = ["{id}", "{sid}", "{factor}", "{kid}", "{name}", "{user}", "{permission}", "{other}", "{child}", "{resource_server}"]
                    .iter()
                    .fold(path.clone(), |p, param| p.replace(param, "x"));
                let res = reqwest::Client::new()
                    .request(method.to_uppercase().parse().unwrap(), server.url(&concrete))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 401, "{method} {path}");
            }
        }
        assert_eq!(operations, 76);
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
        let explorer = reqwest::get(server.url("/admin/api/explorer/")).await.unwrap();
        assert_eq!(explorer.status(), 200);
        let html = explorer.text().await.unwrap();
        assert!(html.contains("swagger"), "{html}");
        assert!(!html.contains("https://"), "no asset from a CDN");
    }
}

/// The document checked by independent tools: openapi-spec-validator, and schemathesis
/// calling every operation with generated input (each backend gets a server of its own:
/// the run creates and changes users and clients).
mod against_its_document {
    use super::*;

    fn python_has(module: &str) -> bool {
        std::process::Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    harness::server_tests! {
        async fn the_document_is_valid_openapi_and_the_api_keeps_to_it(server: TestServer) {
            if !python_has("openapi_spec_validator") || !python_has("schemathesis") {
                harness::skip_or_fail("python3 -m pip install -r tests/openapi/requirements.txt");
                return;
            }
            let dir = tempfile::tempdir().unwrap();
            let doc = dir.path().join("openapi.json");
            let text = reqwest::get(server.url("/admin/api/openapi.json")).await.unwrap().text().await.unwrap();
            std::fs::write(&doc, text).unwrap();
            let valid = std::process::Command::new("python3")
                .args(["-m", "openapi_spec_validator", "--schema", "3.1"])
                .arg(&doc)
                .output()
                .unwrap();
            assert!(
                valid.status.success(),
                "{}{}",
                String::from_utf8_lossy(&valid.stdout),
                String::from_utf8_lossy(&valid.stderr)
            );

            // An administrator's key: the run may do anything but shut that account out.
            let key = key_holding(&server, "st-admin@example.com", &["gatehouse:admin"]).await;
            let run = tokio::process::Command::new("python3")
                // Its cache and reports go to the temporary directory, not the source tree.
                .current_dir(dir.path())
                .args(["-m", "schemathesis.cli", "run"])
                .arg(&doc)
                .args(["--url", &server.url(""), "--header", &format!("Authorization: Bearer {key}")])
                .args(["--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance"])
                .args(["--phases", "examples,coverage,fuzzing", "--max-examples", "10", "--seed", "20261201"])
                // Bounded in time: the run stops after 30 s of generated calls, failing on any failure.
                .args(["--workers", "1", "--request-timeout", "10", "--max-time", "30"])
                .env("NO_COLOR", "1")
                .output()
                .await
                .unwrap();
            let out = String::from_utf8_lossy(&run.stdout);
            assert!(run.status.success(), "schemathesis found failures:\n{out}{}", String::from_utf8_lossy(&run.stderr));
            assert!(out.contains("Tested: 76"), "every operation was exercised:\n{out}");
        }
    }
}

/// An administrator's change through the API becomes a signed webhook delivery: the event is
/// queued in the audit row's transaction and the server's worker posts it.
mod webhooks {
    use super::*;
    use base64::Engine as _;
    use hmac::{Hmac, Mac as _};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    /// Reads one HTTP request (headers and a Content-Length body) and answers 204.
    async fn receive(listener: &tokio::net::TcpListener) -> (Vec<(String, String)>, String) {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        let (head_end, length) = loop {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed early");
            raw.extend_from_slice(&buf[..n]);
            if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw[..i]).to_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse::<usize>().unwrap())
                    .unwrap_or(0);
                break (i + 4, length);
            }
        };
        while raw.len() < head_end + length {
            let n = socket.read(&mut buf).await.unwrap();
            raw.extend_from_slice(&buf[..n]);
        }
        socket
            .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let head = String::from_utf8_lossy(&raw[..head_end]).to_string();
        let headers = head
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
            .collect();
        (
            headers,
            String::from_utf8_lossy(&raw[head_end..]).to_string(),
        )
    }

    harness::shared_server_tests! {
        setup = |c| {
            c.webhooks.allow_private_addresses = true;
            c.webhooks.poll_interval_ms = 100;
        };

        async fn a_client_created_through_the_api_reaches_a_subscribed_receiver_signed(server) {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/hook", listener.local_addr().unwrap());
            // Subscribed through the API (a plain-http loopback receiver: this server allows
            // internal addresses, for the test).
            let owner = key_holding(server, "ag-owner@example.com", &["gatehouse:admin"]).await;
            let (status, _, hook) = call(server, Method::POST, "/webhooks", Some(&owner),
                Some(json!({"url": url, "event_types": ["client.created"], "description": "test"})), None).await;
            assert_eq!(status, 201, "{hook}");
            let secret = hook["secret"].as_str().unwrap().to_owned();
            let hook_id = hook["id"].as_str().unwrap().to_owned();
            let admin = key_holding(server, "ag-admin@example.com", &["gatehouse:clients"]).await;
            let (_, _, created) = call(server, Method::POST, "/clients", Some(&admin),
                Some(json!({"name": "Announced", "redirect_uris": ["https://announced.example/cb"]})), None).await;
            let (headers, body) = tokio::time::timeout(Duration::from_secs(30), receive(&listener))
                .await
                .expect("the event arrives");
            let header = |name: &str| {
                headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("{name} in {headers:?}"))
            };
            // Standard Webhooks, checked here independently of the server's signing code.
            let key = base64::engine::general_purpose::STANDARD
                .decode(secret.strip_prefix("whsec_").unwrap())
                .unwrap();
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
            mac.update(format!("{}.{}.{}", header("webhook-id"), header("webhook-timestamp"), body).as_bytes());
            let expected = format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()));
            assert!(header("webhook-signature").split(' ').any(|s| s == expected), "{headers:?}");
            let event: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(event["type"], "client.created");
            assert_eq!(event["data"]["client_id"], created["client_id"]);
            assert_eq!(event["id"].as_str().unwrap(), header("webhook-id"));
            // The delivery log says so (the worker marks it after the answer).
            let mut state = Value::Null;
            for _ in 0..200 {
                let (_, _, log) = call(server, Method::GET, &format!("/webhooks/{hook_id}/deliveries"), Some(&owner), None, None).await;
                state = log[0]["state"].clone();
                if state == "delivered" {
                    assert_eq!(log[0]["event_id"].as_str().unwrap(), header("webhook-id"));
                    assert_eq!(log[0]["last_status"], 204);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert_eq!(state, "delivered");
            // An internal address is refused where it is not allowed: see the SSRF tests of
            // domain::events; a bad type is refused here.
            let (status, _, p) = call(server, Method::POST, "/webhooks", Some(&owner),
                Some(json!({"url": "https://hooks.example/x", "event_types": ["no.such.type"]})), None).await;
            assert_eq!(status, 400, "{p}");
        }
    }
}

/// Signing keys rotated and a retired key unpublished at once, on a server of their own (the
/// other tests' tokens must keep verifying).
mod signing_keys {
    use super::*;

    async fn kids(server: &TestServer) -> Vec<String> {
        let jwks: Value = reqwest::get(server.url("/jwks"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    }

    harness::server_tests! {
        async fn a_rotated_key_can_be_unpublished_at_once(server: TestServer) {
            let admin = key_holding(&server, "ai-admin@example.com", &["gatehouse:admin"]).await;
            let (_, _, before) = call(&server, Method::GET, "/keys", Some(&admin), None, None).await;
            let active: Vec<String> = before.as_array().unwrap().iter().filter(|k| k["state"] == "active").map(|k| k["kid"].as_str().unwrap().to_owned()).collect();
            let (status, _, p) = call(&server, Method::DELETE, &format!("/keys/{}", active[0]), Some(&admin), None, None).await;
            assert_eq!(status, 409, "an active key is rotated first: {p}");
            let (status, _, after) = call(&server, Method::POST, "/keys/rotate", Some(&admin), Some(json!({"algorithms": ["RS256"]})), None).await;
            assert_eq!(status, 200, "{after}");
            let retired = after.as_array().unwrap().iter().find(|k| k["state"] == "retired" && k["alg"] == "RS256").expect("the old RS256 key retired")["kid"].as_str().unwrap().to_owned();
            assert!(kids(&server).await.contains(&retired), "still published until its time");
            let (status, _, gone) = call(&server, Method::DELETE, &format!("/keys/{retired}"), Some(&admin), None, None).await;
            assert_eq!(status, 200, "{gone}");
            server.running().services.keys.load_ring().await.unwrap();
            let (_, _, listed) = call(&server, Method::GET, "/keys", Some(&admin), None, None).await;
            assert!(!listed.as_array().unwrap().iter().any(|k| k["kid"] == retired.as_str()));
            let db = server.running().services.store.db().clone();
            let kinds = server.on_server(async move {
                use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
                domain::entities::audit_event::Entity::find()
                    .filter(domain::entities::audit_event::Column::Kind.is_in(["keys.rotated", "keys.retired"]))
                    .all(&db).await.unwrap().into_iter().map(|r| r.kind).collect::<Vec<_>>()
            }).await;
            assert!(kinds.contains(&"keys.rotated".to_owned()) && kinds.contains(&"keys.retired".to_owned()), "{kinds:?}");
        }
    }
}

/// Upstream identity providers, their mapping rules, policy sets and ACL relations, and
/// composite roles and subgroups, administered over the API as the CLI does.
mod idps_and_policies {
    use super::*;

    /// The audit rows of `kind`, newest first, through the API.
    async fn audited(server: &TestServer, key: &str, kind: &str) -> Vec<Value> {
        let (status, _, page) = call(
            server,
            Method::GET,
            &format!("/audit?kind={kind}&limit=50"),
            Some(key),
            None,
            None,
        )
        .await;
        assert_eq!(status, 200, "{page}");
        page["items"].as_array().unwrap().clone()
    }

    harness::shared_server_tests! {
        setup = |_| {};

        async fn identity_providers_and_their_mapping_rules_are_administered_over_the_api(server) {
            let admin = key_holding(server, "ap-admin@example.com", &["gatehouse:admin"]).await;
            let (_, _, me) = call(server, Method::GET, "/users/ap-admin@example.com", Some(&admin), None, None).await;
            let admin_id = me["id"].as_str().unwrap().to_owned();
            let secret = "ap-upstream-secret-value";
            let (status, headers, made) = call(server, Method::POST, "/idps", Some(&admin), Some(json!({
                "name": "ap-corp", "issuer": "https://idp.ap.example", "client_id": "gatehouse",
                "client_secret": secret, "trusted_for_email": true, "first_login": "link",
            })), None).await;
            assert_eq!(status, 201, "{made}");
            assert_eq!(made["has_client_secret"], true);
            assert_eq!(made["first_login"], "link");
            assert!(made["redirect_uri"].as_str().unwrap().ends_with("/login/upstream/callback"), "{made}");
            assert!(!made.to_string().contains(secret), "the secret never comes back: {made}");
            let first = etag(&headers);

            // A preset takes its issuer; Apple needs its key; a name is taken once.
            let (status, _, gh) = call(server, Method::POST, "/idps", Some(&admin), Some(json!({
                "name": "ap-github", "preset": "github", "client_id": "Iv1.abc", "client_secret": "gh-secret",
            })), None).await;
            assert_eq!(status, 201, "{gh}");
            assert_eq!((gh["preset"].as_str(), gh["issuer"].as_str()), (Some("github"), Some("https://github.com")));
            let (status, _, p) = call(server, Method::POST, "/idps", Some(&admin), Some(json!({
                "name": "ap-apple", "preset": "apple", "client_id": "com.example.web",
            })), None).await;
            assert_eq!((status.as_u16(), p["type"].as_str()), (400, Some("https://gatehouse.dev/problems/invalid")), "{p}");
            let (status, _, p) = call(server, Method::POST, "/idps", Some(&admin), Some(json!({
                "name": "ap-corp", "issuer": "https://other.ap.example", "client_id": "x",
            })), None).await;
            assert_eq!(status, 409, "{p}");
            let (status, _, p) = call(server, Method::POST, "/idps", Some(&admin), Some(json!({
                "name": "ap-plain", "issuer": "https://idp.ap.example", "client_id": "x", "tenant": "common",
            })), None).await;
            assert_eq!((status.as_u16(), p["field"].as_str()), (400, Some("preset")), "{p}");

            let (status, _, list) = call(server, Method::GET, "/idps", Some(&admin), None, None).await;
            assert_eq!(status, 200);
            let names: Vec<&str> = list.as_array().unwrap().iter().filter_map(|u| u["name"].as_str()).collect();
            assert!(names.contains(&"ap-corp") && names.contains(&"ap-github"), "{names:?}");
            assert!(!list.to_string().contains(secret) && !list.to_string().contains("gh-secret"));

            // Edited under If-Match: a stale version is refused and writes nothing.
            let (status, headers, edited) = call(server, Method::PATCH, "/idps/ap-corp", Some(&admin),
                Some(json!({"display_name": "Corp SSO", "enabled": false})), Some(&first)).await;
            assert_eq!(status, 200, "{edited}");
            assert_eq!((edited["display_name"].as_str(), edited["enabled"].as_bool()), (Some("Corp SSO"), Some(false)));
            assert_eq!(edited["trusted_for_email"], true, "fields left out stay");
            assert_ne!(etag(&headers), first);
            let (status, _, p) = call(server, Method::PATCH, "/idps/ap-corp", Some(&admin),
                Some(json!({"display_name": "Overwritten"})), Some(&first)).await;
            assert_eq!(status, 412, "{p}");
            let (status, _, p) = call(server, Method::PATCH, "/idps/ap-corp", Some(&admin),
                Some(json!({"issuer": "ftp://nowhere"})), None).await;
            assert_eq!((status.as_u16(), p["field"].as_str()), (400, Some("issuer")), "{p}");
            let (_, headers, shown) = call(server, Method::GET, "/idps/ap-corp", Some(&admin), None, None).await;
            assert_eq!(shown["display_name"], "Corp SSO");
            assert_eq!(shown["issuer"], "https://idp.ap.example");
            assert!(headers.contains_key("etag"));

            // Mapping rules: one of a role or a group, which must exist.
            let (status, _, _) = call(server, Method::POST, "/roles", Some(&admin), Some(json!({"name": "ap-staff"})), None).await;
            assert_eq!(status, 201);
            let (status, _, rule) = call(server, Method::POST, "/idps/ap-corp/mappings", Some(&admin),
                Some(json!({"claim": "groups", "value": "staff", "role": "ap-staff"})), None).await;
            assert_eq!(status, 201, "{rule}");
            assert_eq!((rule["upstream"].as_str(), rule["role"].as_str()), (Some("ap-corp"), Some("ap-staff")));
            let rule_id = rule["id"].as_str().unwrap().to_owned();
            let (status, _, p) = call(server, Method::POST, "/idps/ap-corp/mappings", Some(&admin),
                Some(json!({"claim": "groups", "value": "x", "role": "ap-staff", "group": "g"})), None).await;
            assert_eq!(status, 400, "{p}");
            let (status, _, p) = call(server, Method::POST, "/idps/ap-corp/mappings", Some(&admin),
                Some(json!({"claim": "groups", "value": "x", "role": "ap-no-such-role"})), None).await;
            assert_eq!(status, 404, "{p}");
            let (_, _, rules) = call(server, Method::GET, "/idps/ap-corp/mappings", Some(&admin), None, None).await;
            assert_eq!(rules.as_array().unwrap().len(), 1, "{rules}");
            let (status, _, p) = call(server, Method::GET, "/idps/ap-github/mappings", Some(&admin), None, None).await;
            assert_eq!((status.as_u16(), p.as_array().map(Vec::len)), (200, Some(0)));
            let (status, _, p) = call(server, Method::DELETE, &format!("/idps/ap-github/mappings/{rule_id}"), Some(&admin), None, None).await;
            assert_eq!(status, 404, "a rule of another provider: {p}");
            let (status, _, gone) = call(server, Method::DELETE, &format!("/idps/ap-corp/mappings/{rule_id}"), Some(&admin), None, None).await;
            assert_eq!((status.as_u16(), gone["id"].as_str()), (200, Some(rule_id.as_str())));
            let (status, _, _) = call(server, Method::DELETE, &format!("/idps/ap-corp/mappings/{rule_id}"), Some(&admin), None, None).await;
            assert_eq!(status, 404);

            // Deleting takes its rules with it.
            let (status, _, _) = call(server, Method::POST, "/idps/ap-github/mappings", Some(&admin),
                Some(json!({"claim": "login", "value": "octocat", "role": "ap-staff"})), None).await;
            assert_eq!(status, 201);
            let (status, _, _) = call(server, Method::DELETE, "/idps/ap-github", Some(&admin), None, None).await;
            assert_eq!(status, 204);
            let (status, _, _) = call(server, Method::GET, "/idps/ap-github", Some(&admin), None, None).await;
            assert_eq!(status, 404);

            // Each change is audited with the administrator who made it, never the secret.
            for kind in ["upstream.created", "upstream.updated", "upstream.deleted", "upstream.mapping.added", "upstream.mapping.removed"] {
                let rows = audited(server, &admin, kind).await;
                let ours: Vec<&Value> = rows.iter().filter(|r| r["actor"] == admin_id.as_str()).collect();
                assert!(!ours.is_empty(), "{kind}: {rows:?}");
                assert_eq!(ours[0]["data"]["via"], "api", "{kind}: {:?}", ours[0]);
                assert!(!ours[0].to_string().contains(secret));
            }
        }

        async fn a_policy_set_and_relations_are_administered_over_the_api(server) {
            let admin = key_holding(server, "aq-admin@example.com", &["gatehouse:admin"]).await;
            server.user("aq-owner@example.com", PASSWORD).await;
            let (rs, _) = server.client(|c| c.name = "aq-docs".into()).await;
            let path = format!("/policies/{rs}");
            let schema = "namespace Docs {\n  entity Document;\n  action read, write appliesTo {\n    principal: [Gatehouse::User],\n    resource: [Document],\n  };\n}\n";
            let policies = "@id(\"owners\")\npermit(principal in Gatehouse::Relation::\"owner\", action, resource);\n";
            let (status, _, p) = call(server, Method::GET, &path, Some(&admin), None, None).await;
            assert_eq!(status, 404, "no set yet: {p}");

            // Cedar's refusal is a problem naming what is wrong; nothing is stored.
            let broken = "permit(principal, action, resource)\nwhen { resource.colour == \"red\" };\n";
            let (status, headers, p) = call(server, Method::PUT, &path, Some(&admin), Some(json!({"schema": schema, "policies": broken})), None).await;
            assert_eq!(status, 400, "{p}");
            assert_eq!(headers["content-type"], "application/problem+json");
            assert_eq!((p["type"].as_str(), p["field"].as_str()), (Some("https://gatehouse.dev/problems/invalid"), Some("policies")), "{p}");
            assert!(p["detail"].as_str().unwrap().contains("colour"), "Cedar's message: {p}");
            let (status, _, _) = call(server, Method::GET, &path, Some(&admin), None, None).await;
            assert_eq!(status, 404);

            let (status, headers, set) = call(server, Method::PUT, &path, Some(&admin), Some(json!({"schema": schema, "policies": policies})), None).await;
            assert_eq!(status, 200, "{set}");
            assert_eq!((set["version"].as_i64(), set["policy_ids"].clone()), (Some(1), json!(["owners"])));
            let first = etag(&headers);
            let (status, headers, set) = call(server, Method::PUT, &path, Some(&admin), Some(json!({"schema": schema, "policies": policies})), Some(&first)).await;
            assert_eq!((status.as_u16(), set["version"].as_i64()), (200, Some(2)), "{set}");
            let second = etag(&headers);
            let (status, _, p) = call(server, Method::PUT, &path, Some(&admin), Some(json!({"schema": schema, "policies": "forbid(principal, action, resource);"})), Some(&first)).await;
            assert_eq!(status, 412, "a stale version writes nothing: {p}");
            let (status, headers, shown) = call(server, Method::GET, &path, Some(&admin), None, None).await;
            assert_eq!((status.as_u16(), shown["version"].as_i64(), shown["policies"].as_str()), (200, Some(2), Some(policies)));
            assert_eq!(etag(&headers), second);

            // Relations, the resource type as the schema names it.
            let relation = json!({"resource_server": rs, "user": "aq-owner@example.com", "relation": "owner", "resource": "Document:42"});
            let (status, _, entry) = call(server, Method::POST, "/relations", Some(&admin), Some(relation.clone()), None).await;
            assert_eq!(status, 201, "{entry}");
            assert_eq!((entry["resource_type"].as_str(), entry["resource_id"].as_str()), (Some("Docs::Document"), Some("42")));
            assert_eq!((entry["subject_kind"].as_str(), entry["subject_name"].as_str()), (Some("user"), Some("aq-owner@example.com")));
            let (status, _, _) = call(server, Method::POST, "/relations", Some(&admin), Some(relation), None).await;
            assert_eq!(status, 201, "adding it again is harmless");
            let (status, _, p) = call(server, Method::POST, "/relations", Some(&admin), Some(json!({"resource_server": rs, "user": "aq-owner@example.com", "group": "g", "relation": "owner", "resource": "Document:42"})), None).await;
            assert_eq!(status, 400, "{p}");
            let (status, _, p) = call(server, Method::POST, "/relations", Some(&admin), Some(json!({"resource_server": rs, "role": "x", "relation": "owner", "resource": "no type"})), None).await;
            assert_eq!(status, 400, "{p}");
            let (_, _, all) = call(server, Method::GET, &format!("/relations?resource_server={rs}"), Some(&admin), None, None).await;
            assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
            let (_, _, one) = call(server, Method::GET, &format!("/relations?resource_server={rs}&resource=Document:7"), Some(&admin), None, None).await;
            assert_eq!(one, json!([]));
            let remove = format!("/relations?resource_server={rs}&user=aq-owner@example.com&relation=owner&resource=Document:42");
            let (status, _, _) = call(server, Method::DELETE, &remove, Some(&admin), None, None).await;
            assert_eq!(status, 204);
            let (status, _, _) = call(server, Method::DELETE, &remove, Some(&admin), None, None).await;
            assert_eq!(status, 404);

            let (status, _, _) = call(server, Method::DELETE, &path, Some(&admin), None, None).await;
            assert_eq!(status, 204);
            let (status, _, _) = call(server, Method::GET, &path, Some(&admin), None, None).await;
            assert_eq!(status, 404);
            for kind in ["policy.set", "policy.deleted", "acl.added", "acl.removed"] {
                let rows = audited(server, &admin, kind).await;
                assert!(rows.iter().any(|r| r["client"] == rs.as_str() && r["data"]["via"] == "api" && r["actor"].is_string()), "{kind}: {rows:?}");
            }
        }

        async fn composite_roles_and_subgroups_are_administered_over_the_api(server) {
            let admin = key_holding(server, "ar-admin@example.com", &["gatehouse:admin"]).await;
            for name in ["ar-reader", "ar-writer"] {
                let (status, _, _) = call(server, Method::POST, "/roles", Some(&admin), Some(json!({"name": name})), None).await;
                assert_eq!(status, 201);
            }
            let (status, _, role) = call(server, Method::PUT, "/roles/ar-writer/includes/ar-reader", Some(&admin), None, None).await;
            assert_eq!(status, 200, "{role}");
            assert_eq!(role["includes"], json!([{"client_id": null, "name": "ar-reader"}]));
            let (status, _, p) = call(server, Method::PUT, "/roles/ar-reader/includes/ar-writer", Some(&admin), None, None).await;
            assert_eq!(status, 400, "a cycle: {p}");
            let (status, _, role) = call(server, Method::DELETE, "/roles/ar-writer/includes/ar-reader", Some(&admin), None, None).await;
            assert_eq!((status.as_u16(), role["includes"].clone()), (200, json!([])));
            let (status, _, _) = call(server, Method::DELETE, "/roles/ar-writer/includes/ar-reader", Some(&admin), None, None).await;
            assert_eq!(status, 404);

            for name in ["ar-eng", "ar-backend", "ar-ops"] {
                let (status, _, _) = call(server, Method::POST, "/groups", Some(&admin), Some(json!({"name": name})), None).await;
                assert_eq!(status, 201);
            }
            let (status, _, _) = call(server, Method::PUT, "/groups/ar-eng/subgroups/ar-backend", Some(&admin), None, None).await;
            assert_eq!(status, 204);
            let (_, _, group) = call(server, Method::GET, "/groups/ar-backend", Some(&admin), None, None).await;
            assert_eq!(group["path"], "/ar-eng/ar-backend");
            let (status, _, p) = call(server, Method::PUT, "/groups/ar-backend/subgroups/ar-eng", Some(&admin), None, None).await;
            assert_eq!(status, 400, "a cycle: {p}");
            let (status, _, _) = call(server, Method::DELETE, "/groups/ar-ops/subgroups/ar-backend", Some(&admin), None, None).await;
            assert_eq!(status, 404, "not inside that group");
            let (status, _, _) = call(server, Method::DELETE, "/groups/ar-eng/subgroups/ar-backend", Some(&admin), None, None).await;
            assert_eq!(status, 204);
            let (_, _, group) = call(server, Method::GET, "/groups/ar-backend", Some(&admin), None, None).await;
            assert_eq!(group["path"], "/ar-backend");
            for kind in ["role.included", "role.include_removed", "group.subgroup_added", "group.subgroup_removed"] {
                let rows = audited(server, &admin, kind).await;
                assert!(rows.iter().any(|r| r["data"]["via"] == "api" && r["actor"].is_string()), "{kind}: {rows:?}");
            }
        }
    }
}
