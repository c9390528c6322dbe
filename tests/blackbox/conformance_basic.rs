//! OpenID Connect Basic OP conformance modules (see shared CONFORMANCE.md), one test per
//! module, named after it. Each runs with response_mode=query and again with form_post.

use harness::rp::{Browser, discover};
use harness::{REDIRECT_URI, TestServer, server_tests};
use openidconnect::core::{CoreAuthenticationFlow, CoreIdTokenClaims};
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse as _, PkceCodeChallenge, Scope,
    TokenResponse as _,
};

const EMAIL: &str = "alice@example.com";
const PASSWORD: &str = "correct horse battery staple";

server_tests! {
    async fn oidcc_server(server: TestServer) {
        server.user(EMAIL, PASSWORD).await;
        let (client_id, secret) = server.client(|_| {}).await;
        let (_, client) = discover(&server, &client_id, secret.as_deref(), REDIRECT_URI).await;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        let browser = Browser::new(&server);
        let landing = browser.authorize(url.as_str(), EMAIL, PASSWORD).await;
        let params = landing.params();
        assert_eq!(params.get("state").map(String::as_str), Some(state.secret().as_str()));
        assert_eq!(params.get("iss").map(String::as_str), Some(server.base.as_str()));
        let code = params["code"].clone();
        assert!(code.len() >= 22, "code carries at least 128 bits");
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .unwrap()
            .set_pkce_verifier(verifier)
            .request_async(&harness::rp::http_client)
            .await
            .expect("token response");
        let id_token = tokens.id_token().expect("id token");
        let claims: &CoreIdTokenClaims = id_token.claims(&client.id_token_verifier(), &nonce).expect("valid ID token");
        assert_eq!(claims.issuer().as_str(), server.base);
        let info: openidconnect::core::CoreUserInfoClaims = client
            .user_info(tokens.access_token().clone(), None)
            .unwrap()
            .request_async(&harness::rp::http_client)
            .await
            .expect("userinfo");
        assert_eq!(info.subject(), claims.subject());
    }
}
