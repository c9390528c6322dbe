//! Resource indicators (RFC 8707) at `/authorize` and `/token`, and token exchange
//! (RFC 8693): delegation with a nested `act`, impersonation only for clients allowed it,
//! scopes never widened, targets only from the client's allow-list.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::clients::TOKEN_EXCHANGE;
use harness::rp::Browser;
use harness::{REDIRECT_URI, TestServer};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";
const API: &str = "https://api.example/";
const REPORTS: &str = "https://reports.example/";
const OTHER: &str = "https://elsewhere.example/";
const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";

/// A confidential first-party client allowed the code, refresh, client-credentials and
/// token-exchange grants and the resources `API` and `REPORTS`.
async fn client(server: &TestServer, impersonation: bool) -> (String, String) {
    let (id, secret) = server
        .client(|c| {
            c.first_party = true;
            c.grant_types = vec![
                "authorization_code".into(),
                "refresh_token".into(),
                "client_credentials".into(),
                TOKEN_EXCHANGE.into(),
            ];
            c.resources = vec![API.into(), REPORTS.into()];
            c.allow_impersonation = impersonation;
        })
        .await;
    (id, secret.unwrap())
}

async fn token(server: &TestServer, client: &(String, String), form: &[(&str, &str)]) -> Value {
    reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(&client.0, Some(&client.1))
        .form(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn authorize_url(server: &TestServer, client_id: &str, resources: &[&str]) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile offline_access")
        .append_pair("state", "s1");
    for r in resources {
        url.query_pairs_mut().append_pair("resource", r);
    }
    url.into()
}

/// Signs `email` in with `resources` asked at /authorize and redeems the code with `extra`.
async fn user_tokens(
    server: &TestServer,
    client: &(String, String),
    email: &str,
    resources: &[&str],
    extra: &[(&str, &str)],
) -> Value {
    server.user(email, PASSWORD).await;
    let landed = Browser::new(server)
        .authorize(
            &authorize_url(server, &client.0, resources),
            email,
            PASSWORD,
        )
        .await;
    let code = landed.params()["code"].clone();
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT_URI),
    ];
    form.extend_from_slice(extra);
    token(server, client, &form).await
}

/// The claims of a JWT (the signature is the provider's business; tests read the payload).
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn at(tokens: &Value) -> &str {
    tokens["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token: {tokens}"))
}

async fn events(
    server: &TestServer,
    kind: &'static str,
) -> Vec<domain::entities::audit_event::Model> {
    let db = server.running().services.store.db().clone();
    server
        .on_server(async move {
            use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
            domain::entities::audit_event::Entity::find()
                .filter(domain::entities::audit_event::Column::Kind.eq(kind))
                .all(&db)
                .await
        })
        .await
        .unwrap()
}

harness::shared_server_tests! {
    setup = |c| c.rate_limit = harness::no_rate_limits();

    async fn resource_sets_audience_and_is_narrowed_at_token(server) {
        let client = client(server, false).await;
        // No resource: the audience is the client, as before.
        let plain = user_tokens(server, &client, "ri-plain@example.com", &[], &[]).await;
        assert_eq!(claims(at(&plain))["aud"], client.0.as_str(), "{plain}");
        // Both resources asked at /authorize: both in aud.
        let both = user_tokens(server, &client, "ri-both@example.com", &[API, REPORTS], &[]).await;
        assert_eq!(claims(at(&both))["aud"], serde_json::json!([API, REPORTS]));
        // A refresh narrows to one of them; one never authorized is invalid_target.
        let refresh = both["refresh_token"].as_str().unwrap();
        let narrowed = token(server, &client, &[("grant_type", "refresh_token"), ("refresh_token", refresh), ("resource", REPORTS)]).await;
        assert_eq!(claims(at(&narrowed))["aud"], REPORTS, "{narrowed}");
        let refresh = narrowed["refresh_token"].as_str().unwrap();
        let wider = token(server, &client, &[("grant_type", "refresh_token"), ("refresh_token", refresh), ("resource", OTHER)]).await;
        assert_eq!(wider["error"], "invalid_target", "{wider}");
        // The refused request left the refresh token usable.
        let again = token(server, &client, &[("grant_type", "refresh_token"), ("refresh_token", refresh)]).await;
        assert_eq!(claims(at(&again))["aud"], serde_json::json!([API, REPORTS]), "{again}");
        // The code redemption narrows too.
        let one = user_tokens(server, &client, "ri-one@example.com", &[API, REPORTS], &[("resource", API)]).await;
        assert_eq!(claims(at(&one))["aud"], API, "{one}");
        // Client credentials: resource sets aud; one off the allow-list is refused.
        let cc = token(server, &client, &[("grant_type", "client_credentials"), ("resource", API)]).await;
        assert_eq!(claims(at(&cc))["aud"], API, "{cc}");
        let cc = token(server, &client, &[("grant_type", "client_credentials"), ("resource", OTHER)]).await;
        assert_eq!(cc["error"], "invalid_target", "{cc}");
        let cc = token(server, &client, &[("grant_type", "client_credentials"), ("resource", "api/relative")]).await;
        assert_eq!(cc["error"], "invalid_target", "{cc}");
    }

    async fn unknown_resource_at_authorize_goes_back_to_the_client(server) {
        let client = client(server, false).await;
        let landed = Browser::new(server).open(&authorize_url(server, &client.0, &[API, OTHER])).await;
        let params = landed.params();
        assert_eq!(params["error"], "invalid_target", "{params:?}");
        assert_eq!(params["state"], "s1");
        let landed = Browser::new(server).open(&authorize_url(server, &client.0, &["https://api.example/#frag"])).await;
        assert_eq!(landed.params()["error"], "invalid_target");
    }

    async fn delegation_carries_act_nested(server) {
        let client = client(server, false).await;
        let user = user_tokens(server, &client, "te-deleg@example.com", &[API], &[]).await;
        let actor = token(server, &client, &[("grant_type", "client_credentials")]).await;
        let exchanged = token(server, &client, &[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", at(&user)),
            ("subject_token_type", ACCESS_TOKEN),
            ("actor_token", at(&actor)),
            ("actor_token_type", ACCESS_TOKEN),
            ("resource", REPORTS),
            ("scope", "openid"),
        ]).await;
        assert_eq!(exchanged["issued_token_type"], ACCESS_TOKEN, "{exchanged}");
        assert_eq!(exchanged["token_type"], "Bearer");
        assert_eq!(exchanged["scope"], "openid");
        assert!(exchanged.get("refresh_token").is_none());
        let c = claims(at(&exchanged));
        assert_eq!(c["sub"], claims(at(&user))["sub"], "the user stays the subject");
        assert_eq!(c["act"], serde_json::json!({ "sub": client.0 }));
        assert_eq!(c["aud"], REPORTS);
        assert!(c["exp"].as_i64().unwrap() <= claims(at(&user))["exp"].as_i64().unwrap());
        // A downstream service (another client serving REPORTS) exchanges that token in turn,
        // acting as itself: the first actor nests under the second.
        let downstream = self::client(server, false).await;
        let second = token(server, &downstream, &[("grant_type", "client_credentials")]).await;
        let twice = token(server, &downstream, &[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", at(&exchanged)),
            ("subject_token_type", ACCESS_TOKEN),
            ("actor_token", at(&second)),
            ("actor_token_type", ACCESS_TOKEN),
        ]).await;
        let other_id = downstream.0.clone();
        assert_eq!(
            claims(at(&twice))["act"],
            serde_json::json!({ "sub": other_id, "act": { "sub": client.0 } }),
            "{twice}"
        );
        // Introspection shows the acting party.
        let intro: Value = reqwest::Client::new()
            .post(server.url("/introspect"))
            .basic_auth(&downstream.0, Some(&downstream.1))
            .form(&[("token", at(&twice))])
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(intro["active"], true, "{intro}");
        assert_eq!(intro["act"]["act"]["sub"], client.0.as_str());
        // Audited with both parties.
        let audited = events(server, "token.exchanged").await;
        assert!(audited.iter().any(|e| e.data.as_ref().is_some_and(|d| d["actor"] == other_id.as_str() && d["subject"] == c["sub"])), "{audited:?}");
    }

    async fn impersonation_needs_the_client_flag(server) {
        let strict = client(server, false).await;
        let user = user_tokens(server, &strict, "te-imp@example.com", &[], &[]).await;
        let refused = token(server, &strict, &[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", at(&user)),
            ("subject_token_type", ACCESS_TOKEN),
        ]).await;
        assert_eq!(refused["error"], "invalid_request", "{refused}");
        assert!(refused["error_description"].as_str().unwrap().contains("impersonation"));

        let lenient = client(server, true).await;
        let user = user_tokens(server, &lenient, "te-imp2@example.com", &[], &[]).await;
        let id_token = user["id_token"].as_str().unwrap();
        let allowed = token(server, &lenient, &[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", id_token),
            ("subject_token_type", ID_TOKEN),
            ("requested_token_type", ACCESS_TOKEN),
        ]).await;
        let c = claims(at(&allowed));
        assert_eq!(c["sub"], claims(id_token)["sub"]);
        assert!(c.get("act").is_none(), "impersonation names no actor: {c}");
        assert_eq!(allowed["scope"], "openid", "an ID token proves identity only");
        // The exchanged token works at userinfo as the user.
        let info: Value = reqwest::Client::new()
            .get(server.url("/userinfo"))
            .bearer_auth(at(&allowed))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(info["sub"], c["sub"], "{info}");
        // Another client's tokens cannot be traded.
        let stolen = token(server, &strict, &[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", at(&user)),
            ("subject_token_type", ACCESS_TOKEN),
            ("actor_token", at(&user)),
            ("actor_token_type", ACCESS_TOKEN),
        ]).await;
        assert_eq!(stolen["error"], "invalid_request", "{stolen}");
    }

    async fn scope_and_targets_are_never_widened(server) {
        let client = client(server, true).await;
        let user = user_tokens(server, &client, "te-scope@example.com", &[], &[]).await;
        let base = [
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", at(&user)),
            ("subject_token_type", ACCESS_TOKEN),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut form = base.to_vec();
            form.extend_from_slice(extra);
            form
        };
        let wider = token(server, &client, &with(&[("scope", "openid email")])).await;
        assert_eq!(wider["error"], "invalid_scope", "{wider}");
        let narrower = token(server, &client, &with(&[("scope", "profile")])).await;
        assert_eq!(narrower["scope"], "profile", "{narrower}");
        let target = token(server, &client, &with(&[("audience", OTHER)])).await;
        assert_eq!(target["error"], "invalid_target", "{target}");
        let target = token(server, &client, &with(&[("resource", OTHER)])).await;
        assert_eq!(target["error"], "invalid_target", "{target}");
        let both = token(server, &client, &with(&[("audience", API), ("resource", REPORTS)])).await;
        assert_eq!(claims(at(&both))["aud"], serde_json::json!([REPORTS, API]), "{both}");
        let kind = token(server, &client, &with(&[("requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token")])).await;
        assert_eq!(kind["error"], "invalid_request", "{kind}");
        let bad = token(server, &client, &[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", "not-a-token"),
            ("subject_token_type", ACCESS_TOKEN),
        ]).await;
        assert_eq!(bad["error"], "invalid_request", "{bad}");
        // A client without the grant is refused before anything else.
        let (plain, secret) = server.client(|_| {}).await;
        let refused = token(server, &(plain, secret.unwrap()), &base).await;
        assert_eq!(refused["error"], "unauthorized_client", "{refused}");
    }

    async fn discovery_advertises_token_exchange(server) {
        let doc: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
            .await.unwrap().json().await.unwrap();
        let grants = doc["grant_types_supported"].as_array().unwrap();
        assert!(grants.iter().any(|g| g == TOKEN_EXCHANGE), "{grants:?}");
    }
}
