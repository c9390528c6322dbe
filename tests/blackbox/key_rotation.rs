//! The Dynamic OP plan's `oidcc-server-rotate-keys`: after the provider rotates its signing
//! key, new ID tokens carry the new `kid`, and both the new and the earlier tokens verify
//! against the published JWKS (the retired key stays published for its retention time).

use std::time::Duration;

use harness::jwks::header;
use harness::rp::{Browser, Landing};
use harness::{REDIRECT_URI, TestServer};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";

/// Verifies an ID token against the JWKS as published now; returns its claims.
async fn verify(server: &TestServer, jwt: &str) -> Value {
    harness::jwks::verified(server, jwt).await.1
}

async fn refresh(server: &TestServer, client: &(String, String), token: &str) -> Value {
    let res = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(&client.0, Some(&client.1))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

harness::shared_server_tests! {
    // Nodes pick up a rotation at their next key reload: every second here.
    setup = |c| c.keys.reload_interval_secs = 1;

    async fn oidcc_server_rotate_keys(server) {
        let email = "rotate@keys.example";
        server.user(email, PASSWORD).await;
        let (id, secret) = server.client(|c| c.first_party = true).await;
        let client = (id, secret.unwrap());
        let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", &client.0)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("response_type", "code")
            .append_pair("scope", "openid offline_access")
            .append_pair("state", "rotate");
        let landing = Browser::new(server).authorize(url.as_str(), email, PASSWORD).await;
        let Landing::Client { params, .. } = &landing else { panic!("{landing:?}") };
        let res = reqwest::Client::new()
            .post(server.url("/token"))
            .basic_auth(&client.0, Some(&client.1))
            .form(&[("grant_type", "authorization_code"), ("code", params["code"].as_str()), ("redirect_uri", REDIRECT_URI)])
            .send()
            .await
            .unwrap();
        let first: Value = res.json().await.unwrap();
        let old = first["id_token"].as_str().unwrap().to_owned();
        let old_kid = header(&old)["kid"].clone();
        verify(server, &old).await;

        let keys = server.running().services.keys.clone();
        server
            .on_server(async move { keys.rotate(&[domain::keys::KeyAlg::Rs256]).await })
            .await
            .unwrap();
        // Wait (30 s at most) for the server's reload to sign with the new key.
        let mut token = first["refresh_token"].as_str().unwrap().to_owned();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let new = loop {
            let t = refresh(server, &client, &token).await;
            token = t["refresh_token"].as_str().unwrap().to_owned();
            let id_token = t["id_token"].as_str().unwrap().to_owned();
            if header(&id_token)["kid"] != old_kid {
                break id_token;
            }
            assert!(tokio::time::Instant::now() < deadline, "the rotated key never signed");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let claims = verify(server, &new).await;
        assert_eq!(claims["aud"], client.0.as_str());
        // The earlier token still verifies: its key is retired, not unpublished.
        assert_eq!(verify(server, &old).await["sub"], claims["sub"]);
    }
}
