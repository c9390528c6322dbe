//! API keys end to end on a running server (keys made through the domain service, as the
//! CLI does): introspection, revocation, rotation grace, expiry, the permission subset,
//! exchange for a JWT, and the per-role budget at introspection.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::apikeys::{ApiKey, NewApiKey, Owner};
use domain::clients::TOKEN_EXCHANGE;
use harness::TestServer;
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";
const API_KEY_TYPE: &str = "urn:gatehouse:params:oauth:token-type:api_key";
const DAY: Duration = Duration::from_secs(86_400);

/// A resource server: a confidential client that may exchange tokens (impersonation
/// allowed: a key is traded without an actor token).
async fn resource_server(server: &TestServer) -> (String, String) {
    let (id, secret) = server
        .client(|c| {
            c.grant_types = vec!["client_credentials".into(), TOKEN_EXCHANGE.into()];
            c.allow_impersonation = true;
        })
        .await;
    (id, secret.unwrap())
}

/// A user holding role `role` with `permissions`; returns the user's `sub`.
async fn holder(
    server: &TestServer,
    email: &str,
    role: &str,
    permissions: &[&str],
) -> (String, String) {
    let id = server.user(email, PASSWORD).await;
    let services = server.running().services.clone();
    let (email, role) = (email.to_owned(), role.to_owned());
    let permissions: Vec<String> = permissions.iter().map(|p| (*p).to_owned()).collect();
    let uid = id.clone();
    // Tests of this module share roles: the first creates one, the others find it.
    let sub = server
        .on_server(async move {
            match services.roles.create(&role, &permissions).await {
                Ok(_) | Err(domain::Error::Conflict("role")) => {}
                Err(e) => panic!("role setup: {e}"),
            }
            services
                .roles
                .grant(&role, &email)
                .await
                .expect("role granted");
            services.users.find(&uid).await.unwrap().unwrap().subject
        })
        .await;
    (id, sub)
}

async fn create(
    server: &TestServer,
    owner: Owner,
    permissions: &[&str],
) -> domain::Result<(ApiKey, String)> {
    let keys = server.running().services.api_keys.clone();
    let permissions: Vec<String> = permissions.iter().map(|p| (*p).to_owned()).collect();
    server
        .on_server(async move {
            keys.create(NewApiKey {
                name: "ci".into(),
                owner,
                permissions,
                expires_in: 30 * DAY,
                rate_limit_per_minute: None,
            })
            .await
        })
        .await
}

async fn introspect_raw(
    server: &TestServer,
    rs: &(String, String),
    token: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(server.url("/introspect"))
        .basic_auth(&rs.0, Some(&rs.1))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
}

async fn introspect(server: &TestServer, rs: &(String, String), token: &str) -> Value {
    let res = introspect_raw(server, rs, token).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

harness::shared_server_tests! {
    setup = |c| {
        c.rate_limit = harness::no_rate_limits();
        c.rate_limit.by_role.insert("metered".into(), 2);
        c.rate_limit.by_role_window_secs = 3600;
    };

    async fn introspection_answers_for_a_key_and_revocation_ends_it(server) {
        let rs = resource_server(server).await;
        let (id, sub) = holder(server, "ak-intro@example.com", "ak-editor", &["docs:read", "docs:write"]).await;
        let (key, text) = create(server, Owner::User(id.clone()), &["docs:read"]).await.unwrap();
        assert!(text.starts_with(&format!("gk_{}_", key.id)));
        let answer = introspect(server, &rs, &text).await;
        assert_eq!(answer["active"], true, "{answer}");
        assert_eq!(answer["token_type"], "api_key");
        assert_eq!(answer["sub"], sub.as_str());
        assert_eq!(answer["permissions"], serde_json::json!(["docs:read"]));
        assert_eq!(answer["exp"], key.expires_at.unix_timestamp());
        // The database never holds the key.
        let db = server.running().services.store.db().clone();
        let row = server.on_server(async move {
            use sea_orm::EntityTrait as _;
            domain::entities::api_key::Entity::find_by_id(key.id.clone()).one(&db).await
        }).await.unwrap().unwrap();
        assert!(!format!("{row:?}").contains(text.split('_').nth(2).unwrap()));

        let keys = server.running().services.api_keys.clone();
        let kid = row.id.clone();
        server.on_server(async move { keys.revoke(&kid).await }).await.unwrap();
        assert_eq!(introspect(server, &rs, &text).await, serde_json::json!({ "active": false }));
        // A permission the owner lacks is refused at creation.
        assert!(create(server, Owner::User(id), &["docs:delete"]).await.is_err());
    }

    async fn rotation_keeps_the_old_key_for_the_grace_and_expiry_ends_a_key(server) {
        let rs = resource_server(server).await;
        let (id, _) = holder(server, "ak-rot@example.com", "ak-rotor", &["docs:read"]).await;
        let (key, old) = create(server, Owner::User(id), &["docs:read"]).await.unwrap();
        let keys = server.running().services.api_keys.clone();
        let kid = key.id.clone();
        let (new_key, new) = server.on_server(async move { keys.rotate(&kid, Duration::from_secs(3600)).await }).await.unwrap();
        assert_eq!(introspect(server, &rs, &old).await["active"], true, "within the grace");
        assert_eq!(introspect(server, &rs, &new).await["active"], true);
        // Rotated again without grace: the second key stops at once.
        let keys = server.running().services.api_keys.clone();
        let kid = new_key.id.clone();
        let (_, newest) = server.on_server(async move { keys.rotate(&kid, Duration::ZERO).await }).await.unwrap();
        assert_eq!(introspect(server, &rs, &new).await["active"], false);
        assert_eq!(introspect(server, &rs, &newest).await["active"], true);
        // Expiry: the first key's time moved into the past.
        let db = server.running().services.store.db().clone();
        let old_id = key.id.clone();
        server.on_server(async move {
            use sea_orm::{ActiveModelTrait as _, Set};
            domain::entities::api_key::ActiveModel {
                id: Set(old_id),
                expires_at: Set(time::OffsetDateTime::now_utc() - time::Duration::seconds(1)),
                ..Default::default()
            }
            .update(&db)
            .await
        }).await.unwrap();
        assert_eq!(introspect(server, &rs, &old).await["active"], false, "expired");
    }

    async fn a_key_is_exchanged_for_a_short_lived_jwt_with_its_permissions(server) {
        let rs = resource_server(server).await;
        let (owner, _) = holder(server, "ak-sa-owner@example.com", "ak-reporter", &["reports:read", "reports:write"]).await;
        // Service accounts are owned by administrators.
        let services = server.running().services.clone();
        let sa = server.on_server(async move {
            services.roles.ensure(domain::roles::ADMIN_ROLE).await.unwrap();
            services.roles.grant(domain::roles::ADMIN_ROLE, "ak-sa-owner@example.com").await.unwrap();
            services.service_accounts.create("ak-batch", &owner, &["ak-reporter".into()], None).await
        }).await.unwrap();
        let (_, text) = create(server, Owner::ServiceAccount(sa.id.clone()), &["reports:read"]).await.unwrap();
        let answer: Value = reqwest::Client::new()
            .post(server.url("/token"))
            .basic_auth(&rs.0, Some(&rs.1))
            .form(&[
                ("grant_type", TOKEN_EXCHANGE),
                ("subject_token", text.as_str()),
                ("subject_token_type", API_KEY_TYPE),
            ])
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(answer["issued_token_type"], "urn:ietf:params:oauth:token-type:access_token", "{answer}");
        let jwt = answer["access_token"].as_str().unwrap();
        let payload = jwt.split('.').nth(1).unwrap();
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(claims["sub"], format!("sa:{}", sa.id));
        assert_eq!(claims["permissions"], serde_json::json!(["reports:read"]));
        assert!(answer["expires_in"].as_u64().unwrap() <= 3600);
        // The JWT introspects as active, with the key's permissions.
        let intro = introspect(server, &rs, jwt).await;
        assert_eq!(intro["active"], true, "{intro}");
        assert_eq!(intro["permissions"], serde_json::json!(["reports:read"]));
        // A wrong key is refused.
        let bad: Value = reqwest::Client::new()
            .post(server.url("/token"))
            .basic_auth(&rs.0, Some(&rs.1))
            .form(&[
                ("grant_type", TOKEN_EXCHANGE),
                ("subject_token", "gk_nope_nope"),
                ("subject_token_type", API_KEY_TYPE),
            ])
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(bad["error"], "invalid_request", "{bad}");
    }

    async fn the_role_budget_answers_429_with_retry_after(server) {
        let rs = resource_server(server).await;
        let (id, _) = holder(server, "ak-metered@example.com", "metered", &["metrics:read"]).await;
        let (_, text) = create(server, Owner::User(id), &["metrics:read"]).await.unwrap();
        for _ in 0..2 {
            assert_eq!(introspect(server, &rs, &text).await["active"], true);
        }
        let refused = introspect_raw(server, &rs, &text).await;
        assert_eq!(refused.status(), 429);
        let retry: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(retry > 0 && retry <= 3600, "{retry}");
    }
}
