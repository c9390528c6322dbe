//! The decision API (AuthZEN 1.0) over HTTP: a resource server stores a Cedar policy set and
//! asks about users; ABAC on user and resource attributes, ACL ownership and roles, batches
//! with their semantics, client authentication by secret or client_credentials token.

use domain::apikeys::{NewApiKey, Owner};
use harness::rp::Browser;
use harness::{REDIRECT_URI, TestServer};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

const SCHEMA: &str = r#"namespace Docs {
  entity Document = { owner_domain: String, public: Bool };
  entity Folder;
  action read, write appliesTo {
    principal: [Gatehouse::User],
    resource: [Document, Folder],
    context: { gatehouse: Gatehouse::Request },
  };
}
"#;

const POLICIES: &str = r#"@id("verified-read-public")
permit(principal, action == Docs::Action::"read", resource is Docs::Document)
when { principal.email_verified && resource.public };

@id("owners")
permit(principal in Gatehouse::Relation::"owner", action, resource);

@id("admins-read-folders")
permit(principal in Gatehouse::Role::"docs-admin", action == Docs::Action::"read", resource is Docs::Folder);

@id("password-signed-in-reads-folders")
permit(principal, action == Docs::Action::"read", resource is Docs::Folder)
when { principal has amr && principal.amr.contains("pwd") };

@id("no-writes-from-example-net")
forbid(principal, action == Docs::Action::"write", resource)
when { principal.email_domain == "example.net" };
"#;

/// A resource server with the policy set above; returns its id and secret.
async fn resource_server(server: &TestServer) -> (String, String) {
    resource_server_with(server, |_| {}).await
}

/// [`resource_server`], adjusted.
async fn resource_server_with(
    server: &TestServer,
    adjust: impl FnOnce(&mut domain::clients::NewClient),
) -> (String, String) {
    let (id, secret) = server
        .client(|c| {
            c.name = "Docs API".into();
            c.grant_types = vec!["client_credentials".into()];
            c.scopes = vec!["docs".into()];
            adjust(c);
        })
        .await;
    let policies = server.running().services.policies.clone();
    let rs = id.clone();
    server
        .on_server(async move { policies.set(&rs, SCHEMA, POLICIES).await })
        .await
        .expect("policy set stored");
    (id, secret.unwrap())
}

/// `POST path` with Basic credentials; returns status, WWW-Authenticate and the JSON body.
async fn ask(
    server: &TestServer,
    path: &str,
    (id, secret): (&str, &str),
    body: &Value,
) -> (u16, Option<String>, Value) {
    let res = reqwest::Client::new()
        .post(server.url(path))
        .basic_auth(id, Some(secret))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, challenge, res.json().await.unwrap_or(Value::Null))
}

fn question(subject: &str, action: &str, resource: Value) -> Value {
    json!({
        "subject": { "type": "user", "id": subject },
        "action": { "name": action },
        "resource": resource,
        "options": { "include_reasons": true },
    })
}

fn doc(id: &str, domain: &str, public: bool) -> Value {
    json!({ "type": "Document", "id": id, "properties": { "owner_domain": domain, "public": public } })
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn single_decisions_follow_attributes_acl_and_roles(server) {
        let (rs, secret) = resource_server(server).await;
        let creds = (rs.as_str(), secret.as_str());
        let alice = "alice-decisions@example.com";
        let mallory = "mallory-decisions@example.net";
        server.user(alice, PASSWORD).await;
        server.user(mallory, PASSWORD).await;

        let (status, _, body) = ask(server, "/access/v1/evaluation", creds, &question(alice, "read", doc("1", "x.example", true))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, json!({ "decision": true, "context": { "reasons": ["verified-read-public"] } }));
        let (_, _, body) = ask(server, "/access/v1/evaluation", creds, &question(alice, "write", doc("42", "x.example", false))).await;
        assert_eq!(body["decision"], false, "no one owns document 42 yet");

        // ACL: alice and mallory own document 42; mallory's domain is forbidden to write.
        let services = &server.running().services;
        for who in [alice, mallory] {
            let policies = services.policies.clone();
            let (rs, who) = (rs.clone(), who.to_owned());
            server.on_server(async move {
                let (ty, id) = policies.resource(&rs, "Document:42").await?;
                policies.acl().add(&rs, &domain::policies::AclSubject::User(who), "owner", &ty, &id).await
            }).await.unwrap();
        }
        let (_, _, body) = ask(server, "/access/v1/evaluation", creds, &question(alice, "write", doc("42", "x.example", false))).await;
        assert_eq!(body, json!({ "decision": true, "context": { "reasons": ["owners"] } }));
        let (_, _, body) = ask(server, "/access/v1/evaluation", creds, &question(mallory, "write", doc("42", "x.example", false))).await;
        assert_eq!(body, json!({ "decision": false, "context": { "reasons": ["no-writes-from-example-net"] } }));
        let (_, _, body) = ask(server, "/access/v1/evaluation", creds, &question(alice, "write", doc("43", "x.example", false))).await;
        assert_eq!(body["decision"], false, "owner of 42, not of 43");

        // A role: docs-admin may read folders; granted, the next decision sees it.
        let folder = question(alice, "read", json!({ "type": "Docs::Folder", "id": "7" }));
        assert_eq!(ask(server, "/access/v1/evaluation", creds, &folder).await.2["decision"], false);
        let roles = services.roles.clone();
        server.on_server(async move {
            roles.create("docs-admin", &[]).await?;
            roles.grant("docs-admin", "alice-decisions@example.com").await
        }).await.unwrap();
        assert_eq!(ask(server, "/access/v1/evaluation", creds, &folder).await.2["decision"], true);

        // Unknown users are denied; without include_reasons the answer is the bare decision.
        let (_, _, body) = ask(server, "/access/v1/evaluation", creds, &json!({
            "subject": { "type": "user", "id": "nobody@example.com" },
            "action": { "name": "read" },
            "resource": doc("1", "x.example", true),
        })).await;
        assert_eq!(body, json!({ "decision": false }));

        // Decisions are counted (one registry for the whole test process: at least ours).
        let scrape = reqwest::get(server.url("/metrics")).await.unwrap().text().await.unwrap();
        for outcome in ["allow", "deny"] {
            let line = format!("gatehouse_decisions_total{{decision=\"{outcome}\"}} ");
            let count: f64 = scrape.lines().find_map(|l| l.strip_prefix(&line)).unwrap_or("0").parse().unwrap();
            assert!(count >= 3.0, "{outcome}: {count}");
        }
    }

    async fn bad_requests_credentials_and_missing_sets_are_refused(server) {
        let (rs, secret) = resource_server(server).await;
        let creds = (rs.as_str(), secret.as_str());
        let alice = "alice-refusals@example.com";
        server.user(alice, PASSWORD).await;
        for (body, needle) in [
            (question(alice, "delete", doc("1", "x", true)), "no action"),
            (question(alice, "read", json!({ "type": "Spreadsheet", "id": "1" })), "no entity type"),
            (question(alice, "read", json!({ "type": "Document", "id": "1", "properties": { "public": "yes" } })), "resource.properties"),
            (json!({ "subject": { "type": "robot", "id": "r2" }, "action": { "name": "read" }, "resource": doc("1", "x", true) }), "subject.type"),
            (json!({ "action": { "name": "read" } }), "subject is required"),
            (json!("not an object"), "AuthZEN"),
        ] {
            let (status, _, answer) = ask(server, "/access/v1/evaluation", creds, &body).await;
            assert_eq!(status, 400, "{body}: {answer}");
            assert_eq!(answer["error"], "invalid_request");
            assert!(answer["error_description"].as_str().unwrap().contains(needle), "{needle}: {answer}");
        }
        let q = question(alice, "read", doc("1", "x", true));
        let (status, challenge, answer) = ask(server, "/access/v1/evaluation", (&rs, "wrong secret"), &q).await;
        assert_eq!((status, answer["error"].as_str()), (401, Some("invalid_client")));
        assert!(challenge.unwrap().starts_with("Basic"));
        let (status, _, _) = ask(server, "/access/v1/evaluation", ("", ""), &q).await;
        assert_eq!(status, 401);
        // A client without a policy set.
        let (other, other_secret) = server.client(|c| c.grant_types = vec!["client_credentials".into()]).await;
        let (status, _, answer) = ask(server, "/access/v1/evaluation", (&other, &other_secret.unwrap()), &q).await;
        assert_eq!((status, answer["error"].as_str()), (403, Some("access_denied")));
    }

    async fn batches_apply_defaults_semantics_and_per_entry_errors(server) {
        let (rs, secret) = resource_server(server).await;
        let creds = (rs.as_str(), secret.as_str());
        let alice = "alice-batch@example.com";
        server.user(alice, PASSWORD).await;
        let batch = |semantic: &str| json!({
            "subject": { "type": "user", "id": alice },
            "action": { "name": "read" },
            "evaluations": [
                { "resource": doc("1", "x", true) },
                { "resource": doc("2", "x", false) },
                { "resource": { "type": "Nope", "id": "3" } },
                { "action": { "name": "write" }, "resource": doc("4", "x", true) },
            ],
            "options": { "evaluations_semantic": semantic },
        });
        let (status, _, body) = ask(server, "/access/v1/evaluations", creds, &batch("execute_all")).await;
        assert_eq!(status, 200, "{body}");
        let answers = body["evaluations"].as_array().unwrap();
        assert_eq!(answers.len(), 4);
        assert_eq!(answers[0], json!({ "decision": true }));
        assert_eq!(answers[1], json!({ "decision": false }));
        assert_eq!(answers[2]["decision"], false);
        assert_eq!(answers[2]["context"]["error"]["status"], 400);
        assert_eq!(answers[3], json!({ "decision": false }));
        let (_, _, body) = ask(server, "/access/v1/evaluations", creds, &batch("deny_on_first_deny")).await;
        assert_eq!(body["evaluations"].as_array().unwrap().len(), 2, "stops at the first denial");
        let (_, _, body) = ask(server, "/access/v1/evaluations", creds, &batch("permit_on_first_permit")).await;
        assert_eq!(body["evaluations"].as_array().unwrap().len(), 1, "stops at the first permit");
        // Without `evaluations` the request is a single one.
        let (_, _, body) = ask(server, "/access/v1/evaluations", creds, &json!({
            "subject": { "type": "user", "id": alice }, "action": { "name": "read" }, "resource": doc("1", "x", true),
        })).await;
        assert_eq!(body, json!({ "decision": true }));
    }

    async fn a_client_credentials_token_speaks_for_the_resource_server(server) {
        let (rs, secret) = resource_server(server).await;
        let alice = "alice-bearer@example.com";
        server.user(alice, PASSWORD).await;
        let token: Value = reqwest::Client::new()
            .post(server.url("/token"))
            .basic_auth(&rs, Some(&secret))
            .form(&[("grant_type", "client_credentials"), ("scope", "docs")])
            .send().await.unwrap().json().await.unwrap();
        let access = token["access_token"].as_str().unwrap();
        let q = question(alice, "read", doc("1", "x", true));
        let res = reqwest::Client::new()
            .post(server.url("/access/v1/evaluation"))
            .bearer_auth(access)
            .json(&q)
            .send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap()["decision"], true);
        let res = reqwest::Client::new()
            .post(server.url("/access/v1/evaluation"))
            .bearer_auth("not-a-token")
            .json(&q)
            .send().await.unwrap();
        assert_eq!(res.status(), 401);
        assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_token");

        let meta: Value = reqwest::get(server.url("/.well-known/authzen-configuration")).await.unwrap().json().await.unwrap();
        assert_eq!(meta["policy_decision_point"], server.base.as_str());
        assert_eq!(meta["access_evaluation_endpoint"], server.url("/access/v1/evaluation"));
        assert_eq!(meta["access_evaluations_endpoint"], server.url("/access/v1/evaluations"));
    }

    async fn an_api_key_with_the_permission_asks_for_a_named_resource_server(server) {
        let (rs, _) = resource_server(server).await;
        let alice = "alice-decisions-key@example.com";
        let owner = server.user("owner-decisions-key@example.com", PASSWORD).await;
        server.user(alice, PASSWORD).await;
        let services = server.running().services.clone();
        let (deciding, other) = server
            .on_server(async move {
                let _: domain::Result<()> = Ok(());
                services.roles.create("decision-callers", &["policies:decide".into(), "docs:read".into()]).await?;
                services.roles.grant("decision-callers", "owner-decisions-key@example.com").await?;
                let key = |permissions: Vec<String>| NewApiKey {
                    name: "pdp".into(),
                    owner: Owner::User(owner.clone()),
                    permissions,
                    expires_in: std::time::Duration::from_secs(86_400),
                    rate_limit_per_minute: None,
                };
                let deciding = services.api_keys.create(key(vec!["policies:decide".into()])).await?;
                let other = services.api_keys.create(key(vec!["docs:read".into()])).await?;
                Ok::<_, domain::Error>((deciding, other))
            })
            .await
            .unwrap();
        let q = question(alice, "read", doc("1", "x", true));
        let post = |key: String, query: String| {
            let url = server.url(&format!("/access/v1/evaluation{query}"));
            let q = q.clone();
            async move {
                let res = reqwest::Client::new().post(url).bearer_auth(key).json(&q).send().await.unwrap();
                (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
            }
        };
        let named = format!("?resource_server={rs}");
        let (status, body) = post(deciding.1.clone(), named.clone()).await;
        assert_eq!((status, &body["decision"]), (200, &json!(true)), "{body}");
        let (status, body) = post(deciding.1.clone(), String::new()).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "the resource server must be named");
        let (status, _) = post(deciding.1.clone(), "?resource_server=no-such-client".into()).await;
        assert_eq!(status, 400);
        let (status, body) = post(other.1.clone(), named.clone()).await;
        assert_eq!((status, body["error"].as_str()), (403, Some("access_denied")), "a key without policies:decide");
        let services = server.running().services.clone();
        let id = deciding.0.id.clone();
        server.on_server(async move { services.api_keys.revoke(&id).await }).await.unwrap();
        let (status, body) = post(deciding.1.clone(), named).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_token")), "a revoked key");
    }

    async fn the_subjects_token_tells_how_they_signed_in(server) {
        // The resource server also signs users in (its own tokens), and another application.
        let (rs, secret) = resource_server_with(server, |c| {
            c.grant_types = vec!["client_credentials".into(), "authorization_code".into()];
            c.scopes = vec!["openid".into(), "docs".into()];
            c.first_party = true;
        }).await;
        let (app, app_secret) = server.client(|c| c.first_party = true).await;
        let alice = "alice-decisions-amr@example.com";
        server.user(alice, PASSWORD).await;
        let tokens = |client: String, secret: String| async move {
            let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
            url.query_pairs_mut()
                .append_pair("response_type", "code")
                .append_pair("client_id", &client)
                .append_pair("redirect_uri", REDIRECT_URI)
                .append_pair("scope", "openid");
            let landed = Browser::new(server).authorize(url.as_str(), alice, PASSWORD).await;
            let code = landed.params()["code"].clone();
            let body: Value = reqwest::Client::new()
                .post(server.url("/token"))
                .basic_auth(&client, Some(&secret))
                .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT_URI)])
                .send().await.unwrap().json().await.unwrap();
            body["access_token"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
        };
        let own = tokens(rs.clone(), secret.clone()).await;
        let foreign = tokens(app, app_secret.unwrap()).await;
        let creds = (rs.as_str(), secret.as_str());
        let folder = json!({ "type": "Folder", "id": "3" });
        let with_token = |token: &str| json!({
            "subject": { "type": "user", "id": alice, "properties": { "token": token } },
            "action": { "name": "read" },
            "resource": folder,
            "options": { "include_reasons": true },
        });

        let (_, _, body) = ask(server, "/access/v1/evaluation", creds, &question(alice, "read", folder.clone())).await;
        assert_eq!(body["decision"], false, "how alice signed in is not known without her token");
        let (status, _, body) = ask(server, "/access/v1/evaluation", creds, &with_token(&own)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, json!({ "decision": true, "context": { "reasons": ["password-signed-in-reads-folders"] } }));
        let (status, _, body) = ask(server, "/access/v1/evaluation", creds, &with_token(&foreign)).await;
        assert_eq!(status, 400, "a token of another application is not shown to this one: {body}");
        let (status, _, _) = ask(server, "/access/v1/evaluation", creds, &with_token("not-a-token")).await;
        assert_eq!(status, 400);
        let bob = "bob-decisions-amr@example.com";
        server.user(bob, PASSWORD).await;
        let mut for_bob = with_token(&own);
        for_bob["subject"]["id"] = json!(bob);
        let (status, _, body) = ask(server, "/access/v1/evaluation", creds, &for_bob).await;
        assert_eq!(status, 400, "alice's token does not speak for bob: {body}");

        // An opaque token: how alice signed in comes from its browser session.
        let (opaque_rs, opaque_secret) = resource_server_with(server, |c| {
            c.grant_types = vec!["client_credentials".into(), "authorization_code".into()];
            c.scopes = vec!["openid".into(), "docs".into()];
            c.first_party = true;
            c.access_token_format = Some("opaque".into());
        }).await;
        let opaque = tokens(opaque_rs.clone(), opaque_secret.clone()).await;
        assert_eq!(opaque.split('.').count(), 1, "an opaque token");
        let (status, _, body) = ask(server, "/access/v1/evaluation", (&opaque_rs, &opaque_secret), &with_token(&opaque)).await;
        assert_eq!((status, &body["decision"]), (200, &json!(true)), "{body}");
    }
}
