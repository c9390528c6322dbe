//! Roles, permissions, groups and client roles in tokens (issue 12): a relying party using
//! the `openidconnect` crate reads them, through its additional-claims type, from the ID
//! token and userinfo, and from the JWT access token; exactly as configured, absent without
//! the `roles`/`groups` scopes, and only in the token kinds the client takes them in.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use harness::rp::{self, Browser, discover, http_client};
use harness::{REDIRECT_URI, TestServer, shared_server_tests};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreGenderClaim, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm, CoreTokenResponse,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, CsrfToken, IdToken, Nonce, OAuth2TokenResponse as _,
    PkceCodeChallenge, Scope, TokenResponse as _, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use domain::roles::{RoleGrantee, RoleName};

const PASSWORD: &str = "correct horse battery staple";

/// The role and group claims as a relying party declares them to `openidconnect`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
struct Rbac {
    roles: Option<Vec<String>>,
    permissions: Option<Vec<String>>,
    groups: Option<Vec<String>>,
    resource_access: Option<Value>,
}

impl AdditionalClaims for Rbac {}

type RbacIdToken =
    IdToken<Rbac, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

/// What each token kind carried.
#[derive(Debug)]
struct Seen {
    id_token: Rbac,
    access_token: Rbac,
    userinfo: Rbac,
    access_jwt: String,
}

async fn sign_in(
    server: &TestServer,
    client: &rp::Client,
    email: &str,
    scopes: &[&str],
) -> (CoreTokenResponse, Nonce) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for s in scopes {
        request = request.add_scope(Scope::new((*s).to_owned()));
    }
    let (url, _, nonce) = request.set_pkce_challenge(challenge).url();
    let landing = Browser::new(server)
        .authorize(url.as_str(), email, PASSWORD)
        .await;
    let code = landing.params()["code"].clone();
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http_client)
        .await
        .expect("token response");
    (tokens, nonce)
}

fn jwt_payload(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Signs in with `scopes` and reads every token kind through the relying party.
async fn seen(server: &TestServer, client: &rp::Client, email: &str, scopes: &[&str]) -> Seen {
    let (tokens, nonce) = sign_in(server, client, email, scopes).await;
    let raw = tokens.id_token().expect("ID token").to_string();
    let id_token: RbacIdToken = raw.parse().expect("ID token parses");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("ID token verifies");
    let access_jwt = tokens.access_token().secret().clone();
    let info: UserInfoClaims<Rbac, CoreGenderClaim> = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http_client)
        .await
        .expect("userinfo");
    Seen {
        id_token: claims.additional_claims().clone(),
        access_token: serde_json::from_value(jwt_payload(&access_jwt)).unwrap(),
        userinfo: info.additional_claims().clone(),
        access_jwt,
    }
}

/// A user with: a direct composite role, a role through the enclosing group of their
/// group, a client role of `client_id` and one of `other_client`.
async fn configure(server: &TestServer, tag: &str, email: &str, client_id: &str, other: &str) {
    let roles = server.running().services.roles.clone();
    let groups = server.running().services.groups.clone();
    let (tag, email, client_id, other) = (
        tag.to_owned(),
        email.to_owned(),
        client_id.to_owned(),
        other.to_owned(),
    );
    server
        .on_server(async move {
            let reader = format!("{tag}-reader");
            let writer = format!("{tag}-writer");
            let staff = format!("{tag}-staff");
            let (eng, backend) = (format!("{tag}-eng"), format!("{tag}-backend"));
            roles.create(&reader, &["docs:read".into()]).await.unwrap();
            roles.create(&writer, &["docs:write".into()]).await.unwrap();
            roles.create(&staff, &["wiki:read".into()]).await.unwrap();
            let name = |n: &str| RoleName {
                client_id: None,
                name: n.to_owned(),
            };
            roles.include(&name(&writer), &name(&reader)).await.unwrap();
            roles.grant(&writer, &email).await.unwrap();
            groups.create(&eng, None).await.unwrap();
            groups.create(&backend, Some(&eng)).await.unwrap();
            groups.add_member(&backend, &email).await.unwrap();
            roles
                .grant_to(None, &staff, &RoleGrantee::Group(eng.clone()))
                .await
                .unwrap();
            roles
                .create_in(Some(&client_id), "editor", &["app-docs:edit".into()])
                .await
                .unwrap();
            roles
                .grant_to(
                    Some(&client_id),
                    "editor",
                    &RoleGrantee::User(email.clone()),
                )
                .await
                .unwrap();
            roles.create_in(Some(&other), "viewer", &[]).await.unwrap();
            roles
                .grant_to(Some(&other), "viewer", &RoleGrantee::Group(backend))
                .await
                .unwrap();
        })
        .await;
}

fn expected(tag: &str, client_id: &str, other: &str) -> Rbac {
    let mut roles = vec![
        format!("{tag}-reader"),
        format!("{tag}-staff"),
        format!("{tag}-writer"),
    ];
    roles.sort();
    Rbac {
        roles: Some(roles),
        permissions: Some(
            ["app-docs:edit", "docs:read", "docs:write", "wiki:read"]
                .map(String::from)
                .to_vec(),
        ),
        groups: Some(vec![format!("/{tag}-eng/{tag}-backend")]),
        resource_access: Some(json!({
            client_id: { "roles": ["editor"] },
            other: { "roles": ["viewer"] },
        })),
    }
}

shared_server_tests! {
    setup = |c| c.bootstrap.admin_roles = vec!["auditor".into()];

    async fn the_bootstrap_administrator_gets_the_configured_roles(server) {
        let users = server.running().services.users.clone();
        let roles = server.running().services.roles.clone();
        let held = server
            .on_server(async move {
                let admin = users.get_by_email("admin@example.com").await.unwrap();
                roles.roles_of(&admin.id).await.unwrap()
            })
            .await;
        assert_eq!(held, ["auditor", "gatehouse:admin"], "gatehouse:admin is always granted, auditor from config");
    }

    async fn discovery_advertises_roles_and_groups(server) {
        let doc: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
            .await.unwrap().json().await.unwrap();
        let scopes = doc["scopes_supported"].as_array().unwrap();
        for s in ["roles", "groups"] {
            assert!(scopes.iter().any(|v| v == s), "{s} not advertised: {doc}");
        }
    }

    async fn every_token_kind_carries_effective_roles_permissions_groups_and_client_roles(server) {
        let email = "rbac-all@example.com";
        server.user(email, PASSWORD).await;
        let (client_id, secret) = server.client(|_| {}).await;
        let (other, _) = server.client(|c| c.name = "Other App".into()).await;
        configure(server, "all", email, &client_id, &other).await;
        let (_, client) = discover(server, &client_id, secret.as_deref(), REDIRECT_URI).await;

        let want = expected("all", &client_id, &other);
        let got = seen(server, &client, email, &["roles", "groups"]).await;
        assert_eq!(got.id_token, want, "ID token");
        assert_eq!(got.access_token, want, "access token");
        assert_eq!(got.userinfo, want, "userinfo");

        // Only `groups`: no roles, permissions or resource_access anywhere.
        let only_groups = Rbac { groups: want.groups.clone(), ..Rbac::default() };
        let got = seen(server, &client, email, &["groups"]).await;
        assert_eq!((&got.id_token, &got.access_token, &got.userinfo), (&only_groups, &only_groups, &only_groups));

        // Neither scope: none of the claims.
        let got = seen(server, &client, email, &["profile"]).await;
        let none = Rbac::default();
        assert_eq!((&got.id_token, &got.access_token, &got.userinfo), (&none, &none, &none));

        // A change applies to the next token; a token already issued keeps what it had.
        let before = seen(server, &client, email, &["roles"]).await;
        let roles = server.running().services.roles.clone();
        server
            .on_server(async move { roles.revoke_from(None, "all-writer", &RoleGrantee::User("rbac-all@example.com".into())).await })
            .await
            .unwrap();
        let after = seen(server, &client, email, &["roles"]).await;
        assert_eq!(after.access_token.roles, Some(vec!["all-staff".to_owned()]));
        assert_eq!(after.access_token.permissions, Some(vec!["app-docs:edit".to_owned(), "wiki:read".to_owned()]));
        assert_eq!(
            jwt_payload(&before.access_jwt)["roles"],
            json!(["all-reader", "all-staff", "all-writer"]),
            "an issued access token is not changed by a revocation"
        );
    }

    async fn the_client_chooses_which_token_kinds_carry_them(server) {
        let email = "rbac-kinds@example.com";
        server.user(email, PASSWORD).await;
        let (client_id, secret) = server
            .client(|c| c.role_claims = Some(vec!["access_token".into()]))
            .await;
        let (other, _) = server.client(|c| c.name = "Other App".into()).await;
        configure(server, "kinds", email, &client_id, &other).await;
        let (_, client) = discover(server, &client_id, secret.as_deref(), REDIRECT_URI).await;
        let want = expected("kinds", &client_id, &other);
        let got = seen(server, &client, email, &["roles", "groups"]).await;
        assert_eq!(got.access_token, want, "access token");
        assert_eq!(got.id_token, Rbac::default(), "ID token kept small");
        assert_eq!(got.userinfo, Rbac::default(), "userinfo");

        // Changed later: ID token and userinfo only.
        let clients = server.running().services.clients.clone();
        let id = client_id.clone();
        server
            .on_server(async move {
                clients.set_role_claims(&id, &["id_token".into(), "userinfo".into()]).await
            })
            .await
            .unwrap();
        let got = seen(server, &client, email, &["roles", "groups"]).await;
        assert_eq!(got.access_token, Rbac::default(), "access token");
        assert_eq!(got.id_token, want, "ID token");
        assert_eq!(got.userinfo, want, "userinfo");
    }

    async fn introspection_of_an_opaque_token_carries_them(server) {
        let email = "rbac-opaque@example.com";
        server.user(email, PASSWORD).await;
        let (client_id, secret) = server
            .client(|c| c.access_token_format = Some("opaque".into()))
            .await;
        let secret = secret.unwrap();
        let (other, _) = server.client(|c| c.name = "Other App".into()).await;
        configure(server, "opaque", email, &client_id, &other).await;
        let (_, client) = discover(server, &client_id, Some(&secret), REDIRECT_URI).await;
        let want = expected("opaque", &client_id, &other);
        let introspect = |token: String| {
            let (id, secret, url) = (client_id.clone(), secret.clone(), server.url("/introspect"));
            async move {
                let res = reqwest::Client::new()
                    .post(url)
                    .basic_auth(id, Some(secret))
                    .form(&[("token", token)])
                    .send()
                    .await
                    .unwrap();
                res.json::<Value>().await.unwrap()
            }
        };
        let (tokens, _) = sign_in(server, &client, email, &["roles", "groups"]).await;
        let answer = introspect(tokens.access_token().secret().clone()).await;
        assert_eq!(answer["active"], true, "{answer}");
        let got: Rbac = serde_json::from_value(answer.clone()).unwrap();
        assert_eq!(got, want, "{answer}");
        let (tokens, _) = sign_in(server, &client, email, &["profile"]).await;
        let answer = introspect(tokens.access_token().secret().clone()).await;
        assert_eq!(serde_json::from_value::<Rbac>(answer.clone()).unwrap(), Rbac::default(), "{answer}");
    }
}
