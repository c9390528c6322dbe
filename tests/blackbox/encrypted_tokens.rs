//! Encrypted ID tokens and userinfo answers (OIDC Core 10.2, JWE): for a client that
//! registered `id_token_encrypted_response_alg` / `userinfo_encrypted_response_alg`, the
//! answer is encrypted to the client's published key, signed first when a signature is
//! due (a nested JWT). The client's side is josekit with the client's private keys; the
//! inner signature is checked against the server's JWKS.

use harness::rp::{Browser, Landing};
use harness::{REDIRECT_URI, TestServer};
use josekit::jwe::{self, JweDecrypter};
use josekit::jwk::Jwk;
use josekit::jwk::alg::ec::EcCurve;
use serde_json::{Map, Value, json};

const PASSWORD: &str = "correct horse battery staple";

/// The public half of `key`, with `kid` and `use: enc`.
fn published(key: &Jwk, kid: &str) -> Value {
    let mut m: Map<String, Value> = key.to_public_key().unwrap().as_ref().clone();
    m.insert("kid".into(), kid.into());
    m.insert("use".into(), "enc".into());
    Value::Object(m)
}

/// Decrypts a compact JWE with `decrypter`: the plaintext and the `cty` header.
fn decrypt(jwe_text: &str, decrypter: &dyn JweDecrypter) -> (String, Option<String>) {
    assert_eq!(jwe_text.split('.').count(), 5, "a compact JWE: {jwe_text}");
    let (plain, header) =
        jwe::deserialize_compact(jwe_text, decrypter).expect("decrypts with the client's key");
    (
        String::from_utf8(plain).unwrap(),
        header.content_type().map(str::to_owned),
    )
}

/// Verifies a JWS the server signed (RS256) and returns its claims.
async fn verified(server: &TestServer, jws: &str) -> Value {
    let (header, claims) = harness::jwks::verified(server, jws).await;
    assert_eq!(header["alg"], "RS256");
    claims
}

/// Signs in and redeems the code; returns the token response.
async fn tokens(server: &TestServer, client_id: &str, secret: &str, email: &str) -> Value {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid email offline_access")
        .append_pair("state", "s")
        .append_pair("nonce", "n-jwe");
    let landing = Browser::new(server)
        .authorize(url.as_str(), email, PASSWORD)
        .await;
    let Landing::Client { params, .. } = &landing else {
        panic!("{landing:?}")
    };
    let res = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", params["code"].as_str()),
            ("redirect_uri", REDIRECT_URI),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn userinfo(server: &TestServer, access_token: &str) -> (String, String) {
    let res = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    (kind, res.text().await.unwrap())
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn id_tokens_and_userinfo_are_signed_then_encrypted_to_the_clients_rsa_key(server) {
        let email = "jwe-rsa@jwe.example";
        server.user(email, PASSWORD).await;
        let key = Jwk::generate_rsa_key(2048).unwrap();
        let jwks = json!({ "keys": [published(&key, "enc-1")] });
        let (id, secret) = server
            .client(|c| {
                c.first_party = true;
                c.userinfo_signed_response_alg = Some("RS256".into());
                c.metadata.jwks = Some(jwks);
                c.metadata.id_token_encrypted_response_alg = Some("RSA-OAEP-256".into());
                c.metadata.id_token_encrypted_response_enc = Some("A256GCM".into());
                c.metadata.userinfo_encrypted_response_alg = Some("RSA-OAEP-256".into());
            })
            .await;
        let secret = secret.unwrap();
        let t = tokens(server, &id, &secret, email).await;
        let decrypter = jwe::RSA_OAEP_256.decrypter_from_jwk(&key).unwrap();
        let (inner, cty) = decrypt(t["id_token"].as_str().unwrap(), &decrypter);
        assert_eq!(cty.as_deref(), Some("JWT"), "a nested JWT");
        let claims = verified(server, &inner).await;
        assert_eq!(claims["aud"], id.as_str());
        assert_eq!(claims["nonce"], "n-jwe");
        let sub = claims["sub"].clone();
        // Refreshed ID tokens are encrypted too.
        let res = reqwest::Client::new()
            .post(server.url("/token"))
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", t["refresh_token"].as_str().unwrap())])
            .send()
            .await
            .unwrap();
        let refreshed: Value = res.json().await.unwrap();
        let (inner, _) = decrypt(refreshed["id_token"].as_str().unwrap(), &decrypter);
        assert_eq!(verified(server, &inner).await["sub"], sub);
        // Userinfo: signed (RS256), then encrypted with the default A128CBC-HS256.
        let (kind, body) = userinfo(server, t["access_token"].as_str().unwrap()).await;
        assert!(kind.starts_with("application/jwt"), "{kind}");
        let (inner, cty) = decrypt(&body, &decrypter);
        assert_eq!(cty.as_deref(), Some("JWT"));
        let claims = verified(server, &inner).await;
        assert_eq!((claims["sub"].clone(), claims["email"].clone()), (sub, json!(email)));
        let header = harness::jwks::header(&body);
        assert_eq!((header["alg"].as_str(), header["enc"].as_str(), header["kid"].as_str()), (Some("RSA-OAEP-256"), Some("A128CBC-HS256"), Some("enc-1")));
    }

    async fn userinfo_encrypted_only_carries_plain_claims_to_an_ec_key(server) {
        let email = "jwe-ec@jwe.example";
        server.user(email, PASSWORD).await;
        let key = Jwk::generate_ec_key(EcCurve::P256).unwrap();
        let jwks = json!({ "keys": [published(&key, "ec-enc")] });
        let (id, secret) = server
            .client(|c| {
                c.first_party = true;
                c.metadata.jwks = Some(jwks);
                c.metadata.userinfo_encrypted_response_alg = Some("ECDH-ES+A128KW".into());
                c.metadata.userinfo_encrypted_response_enc = Some("A128GCM".into());
            })
            .await;
        let t = tokens(server, &id, &secret.unwrap(), email).await;
        // The ID token was not asked to be encrypted: a plain JWS.
        assert_eq!(t["id_token"].as_str().unwrap().split('.').count(), 3);
        let (kind, body) = userinfo(server, t["access_token"].as_str().unwrap()).await;
        assert!(kind.starts_with("application/jwt"), "{kind}");
        let decrypter = jwe::ECDH_ES_A128KW.decrypter_from_jwk(&key).unwrap();
        let (plain, cty) = decrypt(&body, &decrypter);
        assert_eq!(cty, None, "claims, not a nested JWT");
        let claims: Value = serde_json::from_str(&plain).unwrap();
        assert_eq!(claims["email"], email);
        assert_eq!(claims["iss"], server.base.as_str());
        assert_eq!(claims["aud"], id.as_str());
        // Discovery offers what is implemented.
        let d: Value = reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
        for field in ["id_token_encryption_alg_values_supported", "userinfo_encryption_alg_values_supported"] {
            assert!(d[field].as_array().unwrap().contains(&json!("RSA-OAEP-256")), "{field}: {d}");
            assert!(d[field].as_array().unwrap().contains(&json!("ECDH-ES+A128KW")), "{field}");
        }
        assert!(d["id_token_encryption_enc_values_supported"].as_array().unwrap().contains(&json!("A256GCM")));
    }
}
