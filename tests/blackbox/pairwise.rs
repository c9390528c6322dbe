//! Pairwise subject identifiers (OIDC Core 8): a client registered with `subject_type:
//! pairwise` sees a `sub` of its own sector, the same in every token and answer it gets,
//! and different from what clients of other sectors see.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use harness::rp::{Browser, Landing};
use harness::{NewClient, TestServer};
use serde_json::Value;

use super::conformance_backchannel::Receiver;

const PASSWORD: &str = "correct horse battery staple";
const SECTOR: &str = "https://sector.example/redirect_uris.json";

/// A registered first-party confidential client and the redirect URI it uses.
struct App {
    id: String,
    secret: String,
    redirect: String,
}

async fn app(server: &TestServer, redirect: &str, adjust: impl FnOnce(&mut NewClient)) -> App {
    let (id, secret) = server
        .client(|c| {
            c.first_party = true;
            c.redirect_uris = vec![redirect.to_owned()];
            adjust(c);
        })
        .await;
    App {
        id,
        secret: secret.unwrap(),
        redirect: redirect.to_owned(),
    }
}

fn pairwise(sector: Option<&str>) -> impl FnOnce(&mut NewClient) {
    let sector = sector.map(str::to_owned);
    move |c: &mut NewClient| {
        c.metadata.subject_type = Some("pairwise".into());
        c.metadata.sector_identifier_uri = sector;
    }
}

fn authorize_url(server: &TestServer, app: &App, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &app.id)
        .append_pair("redirect_uri", &app.redirect)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid offline_access")
        .append_pair("state", "s")
        .extend_pairs(extra);
    url.to_string()
}

/// Signs in (once per browser) and redeems the code: the token response.
async fn tokens(server: &TestServer, browser: &Browser, email: &str, app: &App) -> Value {
    let landing = browser
        .authorize(&authorize_url(server, app, &[]), email, PASSWORD)
        .await;
    redeem(server, app, &landing).await
}

async fn redeem(server: &TestServer, app: &App, landing: &Landing) -> Value {
    let Landing::Client { params, .. } = landing else {
        panic!("expected a redirect to the client: {landing:?}")
    };
    let code = params.get("code").unwrap_or_else(|| panic!("{params:?}"));
    post(
        server,
        app,
        "/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &app.redirect),
        ],
    )
    .await
}

async fn post(server: &TestServer, app: &App, path: &str, form: &[(&str, &str)]) -> Value {
    let res = reqwest::Client::new()
        .post(server.url(path))
        .basic_auth(&app.id, Some(&app.secret))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

/// The claims of a JWT, unverified (the conformance suites verify signatures).
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn id_sub(tokens: &Value) -> String {
    claims(tokens["id_token"].as_str().expect("an ID token"))["sub"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn userinfo_sub(server: &TestServer, access_token: &str) -> String {
    let body: Value = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["sub"].as_str().unwrap().to_owned()
}

harness::shared_server_tests! {
    setup = |c| c.webhooks.allow_private_addresses = true;

    async fn pairwise_subjects_differ_by_sector_and_agree_everywhere_a_client_sees_them(server) {
        let email = "pairwise@subjects.example";
        server.user(email, PASSWORD).await;
        let receiver = Receiver::new("/bcl").await;
        let public = app(server, "https://public.example/cb", |_| {}).await;
        let a = app(server, "https://a.example/cb", pairwise(None)).await;
        // Another client on a.example, taking opaque access tokens.
        let a2 = app(server, "https://a.example/other", |c| {
            pairwise(None)(c);
            c.access_token_format = Some("opaque".into());
        })
        .await;
        let bcl = receiver.url.clone();
        let b = app(server, "https://b.example/cb", move |c| {
            pairwise(None)(c);
            c.backchannel_logout_uri = Some(bcl);
        })
        .await;
        let c = app(server, "https://c.example/cb", pairwise(Some(SECTOR))).await;
        let d = app(server, "https://d.example/cb", pairwise(Some(SECTOR))).await;

        let browser = Browser::new(server);
        let t_public = tokens(server, &browser, email, &public).await;
        let t_a = tokens(server, &browser, email, &a).await;
        let t_a2 = tokens(server, &browser, email, &a2).await;
        let t_b = tokens(server, &browser, email, &b).await;
        let t_c = tokens(server, &browser, email, &c).await;
        let t_d = tokens(server, &browser, email, &d).await;
        let (sub_public, sub_a, sub_b) = (id_sub(&t_public), id_sub(&t_a), id_sub(&t_b));
        for s in [&sub_a, &sub_b, &id_sub(&t_c)] {
            assert_ne!(s, &sub_public, "a pairwise sub is not the public one");
        }
        assert_eq!(id_sub(&t_a2), sub_a, "one host, one sector");
        assert_ne!(sub_a, sub_b, "different hosts, different sectors");
        assert_eq!(id_sub(&t_c), id_sub(&t_d), "a shared sector_identifier_uri");
        assert_ne!(id_sub(&t_c), sub_a);

        // Everything client a is told names the user alike.
        let at_a = t_a["access_token"].as_str().unwrap();
        assert_eq!(claims(at_a)["sub"], sub_a.as_str(), "JWT access token");
        assert_eq!(userinfo_sub(server, at_a).await, sub_a);
        let seen = post(server, &a, "/introspect", &[("token", at_a)]).await;
        assert_eq!(seen["sub"], sub_a.as_str(), "{seen}");
        assert!(seen.get("user_id").is_none(), "{seen}");
        let refreshed = post(server, &a, "/token", &[
            ("grant_type", "refresh_token"),
            ("refresh_token", t_a["refresh_token"].as_str().unwrap()),
        ])
        .await;
        assert_eq!(id_sub(&refreshed), sub_a, "refreshed ID token");
        let rt = refreshed["refresh_token"].as_str().unwrap();
        let seen = post(server, &a, "/introspect", &[("token", rt), ("token_type_hint", "refresh_token")]).await;
        assert_eq!(seen["sub"], sub_a.as_str(), "refresh token introspection: {seen}");
        // An opaque token carries no sub: it is computed for its client.
        let at_a2 = t_a2["access_token"].as_str().unwrap();
        assert_eq!(at_a2.split('.').count(), 1, "opaque");
        let seen = post(server, &a2, "/introspect", &[("token", at_a2)]).await;
        assert_eq!(seen["sub"], sub_a.as_str(), "{seen}");
        assert_eq!(userinfo_sub(server, at_a2).await, sub_a);

        // The client's own ID token is a valid hint: prompt=none succeeds silently for the
        // same user.
        let hint = t_a["id_token"].as_str().unwrap();
        let silent = browser
            .open(&authorize_url(server, &a, &[("prompt", "none"), ("id_token_hint", hint)]))
            .await;
        assert_eq!(id_sub(&redeem(server, &a, &silent).await), sub_a);

        // RP-initiated logout by client b: its logout token names the user as b knows them.
        let mut end = url::Url::parse(&server.url("/end_session")).unwrap();
        end.query_pairs_mut()
            .append_pair("id_token_hint", t_b["id_token"].as_str().unwrap())
            .append_pair("post_logout_redirect_uri", harness::POST_LOGOUT_URI);
        let (landing, received) = tokio::join!(browser.open(end.as_str()), receiver.next(200));
        assert!(matches!(landing, Landing::Client { .. }), "signed out without asking: {landing:?}");
        let logout = claims(&received.logout_token());
        assert_eq!(logout["sub"], sub_b.as_str(), "{logout}");
        assert_eq!(logout["aud"], b.id.as_str());
    }

    async fn discovery_offers_pairwise_and_a_spread_registration_is_refused(server) {
        let doc: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let types: Vec<&str> = doc["subject_types_supported"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(types, ["public", "pairwise"]);
        let clients = server.running().services.clients.clone();
        let refused = server
            .on_server(async move {
                clients
                    .create(NewClient {
                        name: "spread".into(),
                        redirect_uris: vec!["https://a.example/cb".into(), "https://b.example/cb".into()],
                        metadata: domain::clients::ClientMetadata {
                            subject_type: Some("pairwise".into()),
                            ..Default::default()
                        },
                        ..Default::default()
                    })
                    .await
            })
            .await;
        assert!(
            matches!(refused, Err(domain::Error::Invalid { field: "sector_identifier_uri", .. })),
            "{refused:?}"
        );
    }
}
