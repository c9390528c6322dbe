//! The full happy flow (discovery, code + PKCE, ID token verification through JWKS,
//! userinfo, refresh with rotation, reuse detection, introspection, revocation, end session)
//! for each signing algorithm, with the `openidconnect` crate as the relying party; then
//! opaque access tokens, client credentials, signed userinfo and public clients.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use harness::rp::{self, Browser, HttpError, Landing, discover, http_client};
use harness::{POST_LOGOUT_URI, REDIRECT_URI, TestServer, shared_server_tests};
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType, CoreIdToken, CoreIdTokenClaims,
    CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreTokenResponse, CoreTokenType,
    CoreUserInfoClaims,
};
use openidconnect::{
    AccessToken, AccessTokenHash, AuthorizationCode, CsrfToken, JsonWebKey as _, Nonce,
    OAuth2TokenResponse as _, PkceCodeChallenge, PkceCodeVerifier, RefreshToken, RequestTokenError,
    Scope, TokenResponse as _,
};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// The `openidconnect` name of a JWS algorithm.
fn jws_alg(name: &str) -> CoreJwsSigningAlgorithm {
    serde_json::from_value(Value::String(name.to_owned())).expect("known JWS algorithm")
}

/// The space-separated words of a scope string, as a set.
fn words(scope: &str) -> BTreeSet<String> {
    scope.split(' ').map(str::to_owned).collect()
}

/// The scopes of a token response, as a set.
fn scopes_of(tokens: &CoreTokenResponse) -> BTreeSet<String> {
    tokens
        .scopes()
        .expect("scope in the token response")
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect()
}

/// Header and claims of a compact JWS, without verification.
fn jwt_parts(token: &str) -> (Value, Value) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "compact JWS: {token}");
    let decode = |p: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("base64url")).expect("JSON")
    };
    (decode(parts[0]), decode(parts[1]))
}

/// Verifies a compact JWS with the published key its `kid` names, which must sign with `alg`.
/// Returns header and claims.
fn verify_with_jwks(metadata: &CoreProviderMetadata, token: &str, alg: &str) -> (Value, Value) {
    let (header, claims) = jwt_parts(token);
    assert_eq!(header["alg"], alg, "JWS alg: {header}");
    let kid = header["kid"].as_str().expect("kid in the header");
    let key = metadata
        .jwks()
        .keys()
        .iter()
        .find(|k| k.key_id().map(|id| id.as_str()) == Some(kid))
        .unwrap_or_else(|| panic!("kid {kid} not in the JWKS"));
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .expect("base64url signature");
    key.verify_signature(&jws_alg(alg), signing_input.as_bytes(), &signature)
        .expect("signature verifies with the JWKS key");
    // A changed payload must not verify (the check above is a real one).
    let mut tampered = signing_input.as_bytes().to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(
        key.verify_signature(&jws_alg(alg), &tampered, &signature)
            .is_err(),
        "tampered JWS verified"
    );
    (header, claims)
}

/// Endpoints the RP cannot take from `CoreProviderMetadata` (introspection, revocation,
/// end session), read from the raw discovery document.
struct Extra {
    introspection: String,
    revocation: String,
    end_session: String,
}

async fn extra_endpoints(server: &TestServer) -> Extra {
    let doc: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let get = |name: &str| doc[name].as_str().expect(name).to_owned();
    Extra {
        introspection: get("introspection_endpoint"),
        revocation: get("revocation_endpoint"),
        end_session: get("end_session_endpoint"),
    }
}

/// `POST /introspect` with client_secret_basic.
async fn introspect(endpoint: &str, id: &str, secret: &str, token: &str) -> Value {
    let res = reqwest::Client::new()
        .post(endpoint)
        .basic_auth(id, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "introspection status");
    res.json().await.unwrap()
}

/// `POST /revoke` with client_secret_basic; RFC 7009 answers 200.
async fn revoke(endpoint: &str, id: &str, secret: &str, token: &str) {
    let res = reqwest::Client::new()
        .post(endpoint)
        .basic_auth(id, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "revocation status");
}

/// GET userinfo with a bearer token: status, `WWW-Authenticate`, `Content-Type`, body.
async fn raw_userinfo(
    metadata: &CoreProviderMetadata,
    token: &str,
) -> (u16, String, String, String) {
    let url = metadata
        .userinfo_endpoint()
        .expect("userinfo endpoint")
        .url();
    let res = reqwest::Client::new()
        .get(url.as_str())
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (www, ctype) = (header("www-authenticate"), header("content-type"));
    (res.status().as_u16(), www, ctype, res.text().await.unwrap())
}

/// Asserts a 401 `invalid_token` answer from userinfo (RFC 6750 3.1).
async fn assert_userinfo_refuses(metadata: &CoreProviderMetadata, token: &str) {
    let (status, www, _, _) = raw_userinfo(metadata, token).await;
    assert_eq!(status, 401, "userinfo with a dead token");
    assert!(www.starts_with("Bearer "), "WWW-Authenticate: {www}");
    assert!(
        www.contains("error=\"invalid_token\""),
        "WWW-Authenticate: {www}"
    );
}

/// The headers of the last response, and an HTTP client for `openidconnect` that records them.
type LastHeaders = Arc<Mutex<Option<http::HeaderMap>>>;
type Pending = Pin<Box<dyn Future<Output = Result<openidconnect::HttpResponse, HttpError>> + Send>>;

fn recording(last: LastHeaders) -> impl Fn(openidconnect::HttpRequest) -> Pending {
    move |request| {
        let last = last.clone();
        Box::pin(async move {
            let response = http_client(request).await?;
            *last.lock().unwrap() = Some(response.headers().clone());
            Ok(response)
        })
    }
}

fn last_header(last: &LastHeaders, name: &str) -> Option<String> {
    last.lock()
        .unwrap()
        .as_ref()
        .and_then(|h| h.get(name))
        .map(|v| v.to_str().unwrap().to_owned())
}

/// Asserts that a token request failed with `invalid_grant`.
fn assert_invalid_grant<T: std::fmt::Debug, E: std::error::Error + 'static>(
    result: Result<
        T,
        RequestTokenError<E, openidconnect::StandardErrorResponse<CoreErrorResponseType>>,
    >,
    what: &str,
) {
    match result {
        Err(RequestTokenError::ServerResponse(e)) => {
            assert_eq!(
                e.error(),
                &CoreErrorResponseType::InvalidGrant,
                "{what}: {e:?}"
            );
        }
        other => panic!("{what}: expected invalid_grant, got {other:?}"),
    }
}

/// Signs in with a fresh browser and redeems the code with PKCE. Returns the browser (its
/// session), the token response, the nonce and the time window of the sign-in.
async fn sign_in_and_redeem(
    server: &TestServer,
    client: &rp::Client,
    email: &str,
    scopes: &[&str],
) -> (Browser, CoreTokenResponse, Nonce, (i64, i64)) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for s in scopes {
        request = request.add_scope(Scope::new((*s).to_owned()));
    }
    let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
    let browser = Browser::new(server);
    let before = now();
    let landing = browser.authorize(url.as_str(), email, PASSWORD).await;
    let after = now();
    let params = landing.params();
    assert_eq!(params.get("state"), Some(state.secret()));
    assert_eq!(
        params.get("iss").map(String::as_str),
        Some(server.base.as_str())
    );
    let tokens = redeem(client, &params["code"], verifier).await;
    (browser, tokens, nonce, (before, after))
}

/// Redeems a code with its PKCE verifier; the response must not be cached (RFC 6749 5.1).
async fn redeem(client: &rp::Client, code: &str, verifier: PkceCodeVerifier) -> CoreTokenResponse {
    let last = LastHeaders::default();
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&recording(last.clone()))
        .await
        .expect("token response");
    assert_eq!(
        last_header(&last, "cache-control").as_deref(),
        Some("no-store")
    );
    tokens
}

/// Checks `at_hash` of a verified ID token against `access_token`.
fn assert_at_hash(
    id_token: &CoreIdToken,
    claims: &CoreIdTokenClaims,
    verifier: &openidconnect::core::CoreIdTokenVerifier<'_>,
    access_token: &AccessToken,
) {
    let alg = id_token.signing_alg().unwrap();
    let key = id_token
        .signing_key(verifier)
        .expect("signing key in the JWKS");
    let expected = AccessTokenHash::from_token(access_token, alg, key).unwrap();
    assert_eq!(claims.access_token_hash(), Some(&expected), "at_hash");
}

// ---------------------------------------------------------------------------------------
// The happy flow
// ---------------------------------------------------------------------------------------

async fn happy_flow(server: &TestServer, alg: &str) {
    let email = format!("happy-{}@example.com", alg.to_ascii_lowercase());
    server.user(&email, PASSWORD).await;
    let (client_id, secret) = server
        .client(|c| {
            c.id_token_signed_response_alg = Some(alg.into());
            c.access_token_signing_alg = Some(alg.into());
        })
        .await;
    let secret = secret.expect("confidential client");

    // Discovery.
    let (metadata, client) = discover(server, &client_id, Some(&secret), REDIRECT_URI).await;
    assert_eq!(metadata.issuer().as_str(), server.base);
    assert!(
        metadata
            .id_token_signing_alg_values_supported()
            .contains(&jws_alg(alg)),
        "{alg} advertised"
    );
    let extra = extra_endpoints(server).await;
    assert_eq!(extra.introspection, server.url("/introspect"));
    assert_eq!(extra.revocation, server.url("/revoke"));
    assert_eq!(extra.end_session, server.url("/end_session"));

    // Code + PKCE.
    let scopes = ["profile", "email", "offline_access"];
    let (browser, tokens, nonce, (before, after)) =
        sign_in_and_redeem(server, &client, &email, &scopes).await;
    assert_eq!(tokens.token_type(), &CoreTokenType::Bearer);
    let granted = words("openid profile email offline_access");
    assert_eq!(scopes_of(&tokens), granted);
    let expires_in = tokens.expires_in().expect("expires_in").as_secs();
    assert!(expires_in > 0);

    // ID token, verified through the JWKS with the client's algorithm.
    let verifier = client
        .id_token_verifier()
        .set_allowed_algs(vec![jws_alg(alg)]);
    let id_token = tokens.id_token().expect("ID token");
    assert_eq!(id_token.signing_alg().unwrap(), &jws_alg(alg));
    let claims = id_token.claims(&verifier, &nonce).expect("valid ID token");
    // Only the client's algorithm is accepted for it.
    let other = if alg == "RS256" { "ES256" } else { "RS256" };
    assert!(
        id_token
            .claims(
                &client
                    .id_token_verifier()
                    .set_allowed_algs(vec![jws_alg(other)]),
                &nonce
            )
            .is_err(),
        "an ID token signed with {alg} passed a verifier allowing only {other}"
    );
    assert_eq!(claims.issuer().as_str(), server.base);
    let audiences: Vec<&str> = claims.audiences().iter().map(|a| a.as_str()).collect();
    assert_eq!(audiences, [client_id.as_str()]);
    assert_eq!(
        claims.authorized_party().map(|a| a.as_str()),
        Some(client_id.as_str())
    );
    assert_eq!(claims.nonce().map(Nonce::secret), Some(nonce.secret()));
    assert_at_hash(id_token, claims, &verifier, tokens.access_token());
    let subject = claims.subject().clone();
    let (id_header, raw_id) = jwt_parts(&id_token.to_string());
    assert_eq!(id_header["alg"], alg);
    let auth_time = raw_id["auth_time"].as_i64().expect("auth_time");
    assert!(
        (before..=after).contains(&auth_time),
        "auth_time {auth_time} not in {before}..={after}"
    );
    assert_eq!(claims.auth_time().map(|t| t.timestamp()), Some(auth_time));
    let sid = raw_id["sid"].as_str().expect("sid").to_owned();
    assert!(!sid.is_empty());

    // The access token: a JWT per RFC 9068, signed with the client's algorithm.
    let at1 = tokens.access_token().clone();
    let (at_header, at) = verify_with_jwks(&metadata, at1.secret(), alg);
    assert_eq!(at_header["typ"], "at+jwt");
    assert_eq!(at["iss"], server.base.as_str());
    assert_eq!(at["sub"], subject.as_str());
    assert_eq!(at["aud"], client_id.as_str());
    assert_eq!(at["client_id"], client_id.as_str());
    assert_eq!(words(at["scope"].as_str().expect("scope")), granted);
    assert_eq!(at["auth_time"], auth_time);
    let (iat, exp) = (
        at["iat"].as_i64().expect("iat"),
        at["exp"].as_i64().expect("exp"),
    );
    assert!((before..=now()).contains(&iat), "iat {iat}");
    assert_eq!(exp - iat, i64::try_from(expires_in).unwrap());
    let jti = at["jti"].as_str().expect("jti").to_owned();
    assert!(jti.len() >= 16, "jti {jti}");

    // Userinfo.
    let info: CoreUserInfoClaims = client
        .user_info(at1.clone(), Some(subject.clone()))
        .unwrap()
        .request_async(&http_client)
        .await
        .expect("userinfo");
    assert_eq!(info.subject(), &subject);
    assert_eq!(info.email().map(|e| e.as_str()), Some(email.as_str()));

    // Introspection of the access token and of the refresh token.
    let intro = introspect(&extra.introspection, &client_id, &secret, at1.secret()).await;
    assert_eq!(intro["active"], true, "{intro}");
    assert_eq!(intro["sub"], subject.as_str());
    assert_eq!(intro["client_id"], client_id.as_str());
    assert_eq!(words(intro["scope"].as_str().expect("scope")), granted);
    assert_eq!(intro["token_type"], "Bearer");
    assert_eq!(
        (intro["exp"].as_i64(), intro["iat"].as_i64()),
        (Some(exp), Some(iat))
    );
    assert_eq!(intro["iss"], server.base.as_str());
    let rt1 = tokens
        .refresh_token()
        .expect("refresh token with offline_access")
        .clone();
    let intro = introspect(&extra.introspection, &client_id, &secret, rt1.secret()).await;
    assert_eq!(intro["active"], true, "{intro}");
    assert_eq!(intro["sub"], subject.as_str());
    assert_eq!(intro["client_id"], client_id.as_str());

    // Refresh with rotation.
    let refreshed = client
        .exchange_refresh_token(&rt1)
        .unwrap()
        .request_async(&http_client)
        .await
        .expect("refresh");
    let rt2: RefreshToken = refreshed
        .refresh_token()
        .expect("rotated refresh token")
        .clone();
    assert_ne!(rt2.secret(), rt1.secret(), "refresh token rotated");
    let at2 = refreshed.access_token().clone();
    assert_ne!(at2.secret(), at1.secret());
    assert_eq!(scopes_of(&refreshed), granted);
    let id2 = refreshed.id_token().expect("ID token on refresh");
    let no_nonce = |n: Option<&Nonce>| match n {
        None => Ok(()),
        Some(_) => Err("nonce in a refreshed ID token".to_owned()),
    };
    let claims2 = id2
        .claims(&verifier, no_nonce)
        .expect("valid refreshed ID token");
    // OIDC Core 12.2: same iss, sub, aud, auth_time.
    assert_eq!(claims2.issuer(), claims.issuer());
    assert_eq!(claims2.subject(), &subject);
    assert_eq!(claims2.audiences(), claims.audiences());
    assert_eq!(claims2.auth_time(), claims.auth_time());
    assert_at_hash(id2, claims2, &verifier, &at2);
    assert_eq!(jwt_parts(&id2.to_string()).1["sid"], sid.as_str());
    let (_, at2_claims) = verify_with_jwks(&metadata, at2.secret(), alg);
    assert_ne!(at2_claims["jti"], jti.as_str());

    // Revocation of the new access token.
    revoke(&extra.revocation, &client_id, &secret, at2.secret()).await;
    assert_eq!(
        introspect(&extra.introspection, &client_id, &secret, at2.secret()).await,
        json!({ "active": false })
    );
    assert_userinfo_refuses(&metadata, at2.secret()).await;
    // The first access token is untouched by that.
    let intro = introspect(&extra.introspection, &client_id, &secret, at1.secret()).await;
    assert_eq!(intro["active"], true, "{intro}");

    // Reuse detection: the rotated-out token fails, and revokes the whole family.
    assert_invalid_grant(
        client
            .exchange_refresh_token(&rt1)
            .unwrap()
            .request_async(&http_client)
            .await,
        "old refresh token",
    );
    assert_invalid_grant(
        client
            .exchange_refresh_token(&rt2)
            .unwrap()
            .request_async(&http_client)
            .await,
        "new refresh token after reuse",
    );
    assert_eq!(
        introspect(&extra.introspection, &client_id, &secret, rt2.secret()).await,
        json!({ "active": false })
    );
    assert_eq!(
        introspect(&extra.introspection, &client_id, &secret, at1.secret()).await,
        json!({ "active": false }),
        "access tokens of a revoked family are inactive"
    );

    // The browser session is still alive: prompt=none gets a code.
    let silent = |client: &rp::Client| {
        let (challenge, _) = PkceCodeChallenge::new_random_sha256();
        client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_prompt(CoreAuthPrompt::None)
            .set_pkce_challenge(challenge)
            .url()
    };
    let (url, state, _) = silent(&client);
    let landing = browser.open(url.as_str()).await;
    let params = landing.params();
    assert!(
        params.contains_key("code"),
        "silent sign-in before logout: {params:?}"
    );
    assert_eq!(params.get("state"), Some(state.secret()));

    // End session (RP-initiated logout) with the same browser.
    let mut logout = url::Url::parse(&extra.end_session).unwrap();
    logout
        .query_pairs_mut()
        .append_pair("id_token_hint", &id_token.to_string())
        .append_pair("post_logout_redirect_uri", POST_LOGOUT_URI)
        .append_pair("state", "xyz");
    match browser.open(logout.as_str()).await {
        Landing::Client { url, params } => {
            assert_eq!(url, POST_LOGOUT_URI);
            assert_eq!(params.len(), 1, "{params:?}");
            assert_eq!(params.get("state").map(String::as_str), Some("xyz"));
        }
        page => panic!("logout did not redirect: {page:?}"),
    }

    // Signed out: a silent request needs a sign-in.
    let (url, state, _) = silent(&client);
    let landing = browser.open(url.as_str()).await;
    let params = landing.params();
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("login_required")
    );
    assert_eq!(params.get("state"), Some(state.secret()));
    assert!(!params.contains_key("code"));
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

shared_server_tests! {
    setup = |_c| {};

    async fn happy_flow_rs256(server) {
        happy_flow(server, "RS256").await;
    }

    async fn happy_flow_ps256(server) {
        happy_flow(server, "PS256").await;
    }

    async fn happy_flow_es256(server) {
        happy_flow(server, "ES256").await;
    }

    async fn happy_flow_eddsa(server) {
        happy_flow(server, "EdDSA").await;
    }

    async fn opaque_access_token(server) {
        let email = "opaque@example.com";
        server.user(email, PASSWORD).await;
        let (client_id, secret) = server
            .client(|c| c.access_token_format = Some("opaque".into()))
            .await;
        let secret = secret.unwrap();
        let (metadata, client) = discover(server, &client_id, Some(&secret), REDIRECT_URI).await;
        let extra = extra_endpoints(server).await;
        let (_, tokens, nonce, _) = sign_in_and_redeem(server, &client, email, &["profile"]).await;
        let token = tokens.access_token().clone();
        assert_eq!(token.secret().split('.').count(), 1, "not a JWT: {}", token.secret());
        assert!(token.secret().len() >= 22, "at least 128 bits: {}", token.secret());

        let verifier = client.id_token_verifier();
        let id_token = tokens.id_token().expect("ID token");
        let claims = id_token.claims(&verifier, &nonce).expect("valid ID token");
        assert_at_hash(id_token, claims, &verifier, &token);

        let intro = introspect(&extra.introspection, &client_id, &secret, token.secret()).await;
        assert_eq!(intro["active"], true, "{intro}");
        assert_eq!(intro["sub"], claims.subject().as_str());
        assert_eq!(intro["client_id"], client_id.as_str());
        assert_eq!(words(intro["scope"].as_str().unwrap()), words("openid profile"));
        assert_eq!(intro["token_type"], "Bearer");

        let info: CoreUserInfoClaims = client
            .user_info(token.clone(), Some(claims.subject().clone()))
            .unwrap()
            .request_async(&http_client)
            .await
            .expect("userinfo");
        assert_eq!(info.subject(), claims.subject());

        revoke(&extra.revocation, &client_id, &secret, token.secret()).await;
        assert_eq!(
            introspect(&extra.introspection, &client_id, &secret, token.secret()).await,
            json!({ "active": false })
        );
        assert_userinfo_refuses(&metadata, token.secret()).await;
    }

    async fn client_credentials(server) {
        let (client_id, secret) = server
            .client(|c| {
                c.grant_types = vec!["client_credentials".into()];
                c.scopes = vec!["api:read".into(), "api:write".into()];
            })
            .await;
        let secret = secret.unwrap();
        let (metadata, client) = discover(server, &client_id, Some(&secret), REDIRECT_URI).await;
        let extra = extra_endpoints(server).await;
        let last = LastHeaders::default();
        let before = now();
        let tokens = client
            .exchange_client_credentials()
            .unwrap()
            .add_scope(Scope::new("api:read".into()))
            .request_async(&recording(last.clone()))
            .await
            .expect("client credentials token");
        assert_eq!(last_header(&last, "cache-control").as_deref(), Some("no-store"));
        assert_eq!(last_header(&last, "pragma").as_deref(), Some("no-cache"));
        assert_eq!(tokens.token_type(), &CoreTokenType::Bearer);
        assert!(tokens.id_token().is_none(), "no ID token without a user");
        assert!(tokens.refresh_token().is_none(), "no refresh token for client credentials");
        assert_eq!(scopes_of(&tokens), words("api:read"));

        // A JWT access token whose subject is the client itself (RFC 9068 2.2).
        let token = tokens.access_token().clone();
        let (header, at) = verify_with_jwks(&metadata, token.secret(), "RS256");
        assert_eq!(header["typ"], "at+jwt");
        assert_eq!(at["iss"], server.base.as_str());
        assert_eq!(at["sub"], client_id.as_str());
        assert_eq!(at["aud"], client_id.as_str());
        assert_eq!(at["client_id"], client_id.as_str());
        assert_eq!(at["scope"], "api:read");
        let (iat, exp) = (at["iat"].as_i64().unwrap(), at["exp"].as_i64().unwrap());
        assert!((before..=now()).contains(&iat));
        assert_eq!(exp - iat, i64::try_from(tokens.expires_in().unwrap().as_secs()).unwrap());
        assert!(at["jti"].as_str().is_some_and(|j| j.len() >= 16));
        assert!(at.get("auth_time").is_none(), "no user authentication: {at}");

        let intro = introspect(&extra.introspection, &client_id, &secret, token.secret()).await;
        assert_eq!(intro["active"], true, "{intro}");
        assert_eq!(intro["sub"], client_id.as_str());
        assert_eq!(intro["client_id"], client_id.as_str());
        assert_eq!(intro["scope"], "api:read");
        assert_eq!(intro["token_type"], "Bearer");

        // No openid scope, no user: userinfo refuses it.
        let (status, www, _, _) = raw_userinfo(&metadata, token.secret()).await;
        assert_eq!(status, 403);
        assert!(www.contains("error=\"insufficient_scope\""), "{www}");

        // User scopes are not for client credentials.
        let refused = client
            .exchange_client_credentials()
            .unwrap()
            .add_scope(Scope::new("openid".into()))
            .request_async(&http_client)
            .await;
        match refused {
            Err(RequestTokenError::ServerResponse(e)) => {
                assert_eq!(e.error(), &CoreErrorResponseType::InvalidScope);
            }
            other => panic!("expected invalid_scope, got {other:?}"),
        }

        revoke(&extra.revocation, &client_id, &secret, token.secret()).await;
        assert_eq!(
            introspect(&extra.introspection, &client_id, &secret, token.secret()).await,
            json!({ "active": false })
        );
    }

    async fn signed_userinfo(server) {
        let email = "signed-userinfo@example.com";
        server.user(email, PASSWORD).await;
        let (client_id, secret) = server
            .client(|c| c.userinfo_signed_response_alg = Some("RS256".into()))
            .await;
        let secret = secret.unwrap();
        let (metadata, client) = discover(server, &client_id, Some(&secret), REDIRECT_URI).await;
        let (_, tokens, nonce, _) =
            sign_in_and_redeem(server, &client, email, &["profile", "email"]).await;
        let claims = tokens
            .id_token()
            .unwrap()
            .claims(&client.id_token_verifier(), &nonce)
            .expect("valid ID token");
        let subject = claims.subject().clone();

        let (status, _, content_type, body) =
            raw_userinfo(&metadata, tokens.access_token().secret()).await;
        assert_eq!(status, 200);
        assert_eq!(content_type, "application/jwt");
        let (_, info) = verify_with_jwks(&metadata, body.trim(), "RS256");
        assert_eq!(info["iss"], server.base.as_str());
        assert_eq!(info["aud"], client_id.as_str());
        assert_eq!(info["sub"], subject.as_str());
        assert_eq!(info["email"], email);

        // The RP verifies it too, insisting on a signed response.
        let last = LastHeaders::default();
        let info: CoreUserInfoClaims = client
            .user_info(tokens.access_token().clone(), Some(subject.clone()))
            .unwrap()
            .require_signed_response(true)
            .request_async(&recording(last.clone()))
            .await
            .expect("signed userinfo verifies");
        assert_eq!(last_header(&last, "content-type").as_deref(), Some("application/jwt"));
        assert_eq!(info.subject(), &subject);
        assert_eq!(info.email().map(|e| e.as_str()), Some(email));
    }

    async fn public_client(server) {
        let email = "public-client@example.com";
        server.user(email, PASSWORD).await;
        let (client_id, secret) = server.client(|c| c.public = true).await;
        assert!(secret.is_none(), "public clients have no secret");
        let (_, client) = discover(server, &client_id, None, REDIRECT_URI).await;

        // With PKCE and no client authentication: tokens.
        let (_, tokens, nonce, _) = sign_in_and_redeem(server, &client, email, &["profile"]).await;
        let claims = tokens
            .id_token()
            .expect("ID token")
            .claims(&client.id_token_verifier(), &nonce)
            .expect("valid ID token");
        let info: CoreUserInfoClaims = client
            .user_info(tokens.access_token().clone(), Some(claims.subject().clone()))
            .unwrap()
            .request_async(&http_client)
            .await
            .expect("userinfo");
        assert_eq!(info.subject(), claims.subject());

        // Without PKCE the authorization request is refused, back at the client.
        let (url, state, _) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("profile".into()))
            .url();
        match Browser::new(server).open(url.as_str()).await {
            Landing::Client { url, params } => {
                assert_eq!(url, REDIRECT_URI);
                assert_eq!(params.get("error").map(String::as_str), Some("invalid_request"));
                assert_eq!(params.get("state"), Some(state.secret()));
                assert_eq!(params.get("iss").map(String::as_str), Some(server.base.as_str()));
                assert!(!params.contains_key("code"));
            }
            page => panic!("expected an error redirect, got {page:?}"),
        }
    }
}
