//! JWT-secured authorization responses (JARM): `response_mode=jwt`, `query.jwt` and
//! `form_post.jwt` deliver one signed `response` JWT instead of the parameters, for codes
//! and errors alike. Signatures are checked with josekit against the published JWKS.

use harness::jwks::verified;
use harness::rp::{Browser, Landing};
use harness::{REDIRECT_URI, TestServer};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

fn authorize_url(server: &TestServer, client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("state", "jarm-state")
        .extend_pairs(extra);
    url.to_string()
}

/// Asserts the claims every JARM response has, for `client_id`.
fn assert_envelope(server: &TestServer, claims: &Value, client_id: &str) {
    assert_eq!(claims["iss"], server.base.as_str(), "{claims}");
    assert_eq!(claims["aud"], json!(client_id), "{claims}");
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert!(exp > iat && exp - iat <= 600, "short-lived: {claims}");
    assert_eq!(claims["state"], "jarm-state");
}

async fn redeem(server: &TestServer, client: &(String, String), code: &str) -> Value {
    let res = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(&client.0, Some(&client.1))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn client(server: &TestServer, alg: Option<&str>) -> (String, String) {
    let alg = alg.map(str::to_owned);
    let (id, secret) = server
        .client(|c| {
            c.first_party = true;
            c.metadata.authorization_signed_response_alg = alg;
        })
        .await;
    (id, secret.unwrap())
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn response_mode_jwt_carries_the_code_signed_for_the_client(server) {
        let email = "jarm-query@jarm.example";
        server.user(email, PASSWORD).await;
        let c = client(server, None).await;
        for mode in ["jwt", "query.jwt"] {
            let landing = Browser::new(server)
                .authorize(&authorize_url(server, &c.0, &[("response_mode", mode)]), email, PASSWORD)
                .await;
            let Landing::Client { url, params } = &landing else { panic!("{landing:?}") };
            assert_eq!(url, REDIRECT_URI);
            let keys: Vec<&String> = params.keys().collect();
            assert_eq!(keys, ["response"], "only the JWT travels: {params:?}");
            let (header, claims) = verified(server, &params["response"]).await;
            assert_eq!(header["alg"], "RS256", "the default");
            assert_envelope(server, &claims, &c.0);
            let tokens = redeem(server, &c, claims["code"].as_str().unwrap()).await;
            assert!(tokens["id_token"].is_string(), "{tokens}");
        }
    }

    async fn form_post_jwt_posts_one_response_signed_with_the_registered_alg(server) {
        let email = "jarm-form@jarm.example";
        server.user(email, PASSWORD).await;
        let c = client(server, Some("PS256")).await;
        let landing = Browser::new(server)
            .authorize(&authorize_url(server, &c.0, &[("response_mode", "form_post.jwt")]), email, PASSWORD)
            .await;
        let Landing::Client { params, .. } = &landing else { panic!("{landing:?}") };
        assert!(params.get("code").is_none() && params.get("state").is_none(), "{params:?}");
        let (header, claims) = verified(server, &params["response"]).await;
        assert_eq!(header["alg"], "PS256");
        assert_envelope(server, &claims, &c.0);
        redeem(server, &c, claims["code"].as_str().unwrap()).await;
    }

    async fn errors_travel_in_the_jwt_too_and_unknown_modes_are_refused(server) {
        let c = client(server, None).await;
        // No session and prompt=none: login_required, inside the JWT.
        let landing = Browser::new(server)
            .open(&authorize_url(server, &c.0, &[("response_mode", "jwt"), ("prompt", "none")]))
            .await;
        let Landing::Client { params, .. } = &landing else { panic!("{landing:?}") };
        let (_, claims) = verified(server, &params["response"]).await;
        assert_eq!(claims["error"], "login_required", "{claims}");
        assert_envelope(server, &claims, &c.0);
        assert!(claims.get("code").is_none());
        // A mode not delivered here is refused at the client (the default way).
        let landing = Browser::new(server)
            .open(&authorize_url(server, &c.0, &[("response_mode", "fragment.jwt")]))
            .await;
        let Landing::Client { params, .. } = &landing else { panic!("{landing:?}") };
        assert_eq!(params["error"], "invalid_request", "{params:?}");
        // Discovery says what is delivered.
        let doc: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for mode in ["jwt", "query.jwt", "form_post.jwt"] {
            assert!(doc["response_modes_supported"].as_array().unwrap().contains(&json!(mode)), "{mode}");
        }
        assert!(doc["authorization_signing_alg_values_supported"].as_array().unwrap().contains(&json!("RS256")));
        // A registration with an algorithm Gatehouse does not sign with is refused.
        let clients = server.running().services.clients.clone();
        let refused = server
            .on_server(async move {
                clients
                    .create(harness::NewClient {
                        name: "hs".into(),
                        redirect_uris: vec![REDIRECT_URI.into()],
                        metadata: domain::clients::ClientMetadata {
                            authorization_signed_response_alg: Some("HS256".into()),
                            ..Default::default()
                        },
                        ..Default::default()
                    })
                    .await
            })
            .await;
        assert!(
            matches!(refused, Err(domain::Error::Invalid { field: "authorization_signed_response_alg", .. })),
            "{refused:?}"
        );
    }
}
