//! OpenID Connect Config OP conformance (see shared CONFORMANCE.md): the discovery document,
//! read as raw JSON, checked against the spec and against what the endpoints really do.

use std::collections::HashMap;

use harness::rp::{Browser, discover, http_client};
use harness::{REDIRECT_URI, TestServer};
use openidconnect::core::{CoreAuthenticationFlow, CoreIdTokenClaims, CoreUserInfoClaims};
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse as _, PkceCodeChallenge,
    TokenResponse as _,
};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";

/// Every endpoint member the document carries.
const ENDPOINTS: &[&str] = &[
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "introspection_endpoint",
    "revocation_endpoint",
    "end_session_endpoint",
    "device_authorization_endpoint",
];

/// GETs a well-known document; checks status and content type; returns it and its headers.
async fn fetch_json(url: &str) -> (Value, reqwest::header::HeaderMap) {
    let res = reqwest::get(url).await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type == "application/json" || content_type.starts_with("application/json;"),
        "{url} served as {content_type}"
    );
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    (serde_json::from_str(&text).expect("valid JSON"), headers)
}

async fn discovery(server: &TestServer) -> Value {
    fetch_json(&server.url("/.well-known/openid-configuration"))
        .await
        .0
}

fn strings(doc: &Value, member: &str) -> Vec<String> {
    doc[member]
        .as_array()
        .unwrap_or_else(|| panic!("{member} is an array"))
        .iter()
        .map(|v| v.as_str().expect("string").to_owned())
        .collect()
}

/// A boolean member, with its default (OIDC Discovery 1.0 section 3) when absent.
fn flag(doc: &Value, member: &str, default: bool) -> bool {
    match doc.get(member) {
        None => default,
        Some(v) => v
            .as_bool()
            .unwrap_or_else(|| panic!("{member} is a boolean")),
    }
}

/// A raw authorization request for a fresh client with `extra` parameters; returns where
/// the provider sent the browser (no cookies: nobody is signed in).
async fn authorize_with(server: &TestServer, extra: &[(&str, &str)]) -> (u16, Option<url::Url>) {
    let (client_id, _) = server.client(|_| {}).await;
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("state", "st4te")
        .extend_pairs(extra.iter().copied());
    let res = server.browser().get(url.as_str()).send().await.unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|l| url.join(l.to_str().unwrap()).unwrap());
    (res.status().as_u16(), location)
}

fn query(url: &url::Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

/// A `request` / `request_uri` the server processes and refuses: answered with `refusal`
/// at the registered redirect URI sent outside it, with the state sent outside.
async fn check_request_refused(server: &TestServer, name: &str, value: &str, refusal: &str) {
    let (status, location) = authorize_with(server, &[(name, value)]).await;
    let location = location.unwrap_or_else(|| panic!("{name}: no redirect ({status})"));
    let params = query(&location);
    assert_eq!(status, 302, "{name}");
    assert!(
        location.as_str().starts_with(REDIRECT_URI),
        "{name}: refusal goes to the client: {location}"
    );
    assert_eq!(
        params.get("error").map(String::as_str),
        Some(refusal),
        "{name}: {params:?}"
    );
    assert_eq!(params.get("state").map(String::as_str), Some("st4te"));
    assert!(!params.contains_key("code"));
}

harness::shared_server_tests! {
    setup = |_c| {};

    async fn oidcc_discovery_endpoint_verification(server) {
        let (doc, headers) = fetch_json(&server.url("/.well-known/openid-configuration")).await;
        assert!(headers.get("cache-control").is_some(), "discovery carries cache headers");

        // The issuer is exactly the URL the document was fetched under, minus the suffix.
        assert_eq!(doc["issuer"].as_str(), Some(server.base.as_str()));
        for member in ENDPOINTS {
            let text = doc[*member].as_str().unwrap_or_else(|| panic!("{member} present"));
            let url = url::Url::parse(text).unwrap_or_else(|e| panic!("{member} absolute: {e}"));
            assert!(url.scheme() == "http" || url.scheme() == "https", "{member}: {text}");
            assert!(url.fragment().is_none(), "{member} has no fragment");
            assert!(
                text.starts_with(&format!("{}/", server.base)),
                "{member} {text} is under the issuer"
            );
        }

        assert!(strings(&doc, "scopes_supported").contains(&"openid".to_owned()));
        assert!(strings(&doc, "response_types_supported").contains(&"code".to_owned()));
        let grants = strings(&doc, "grant_types_supported");
        assert!(grants.contains(&"authorization_code".to_owned()), "{grants:?}");
        assert!(grants.contains(&"refresh_token".to_owned()), "{grants:?}");
        let subjects = strings(&doc, "subject_types_supported");
        assert!(!subjects.is_empty());
        assert!(subjects.iter().all(|s| s == "public" || s == "pairwise"), "{subjects:?}");
        let algs = strings(&doc, "id_token_signing_alg_values_supported");
        assert!(algs.contains(&"RS256".to_owned()), "{algs:?}");
        assert!(!algs.contains(&"none".to_owned()), "alg none is not advertised");
        assert_eq!(strings(&doc, "code_challenge_methods_supported"), ["S256"]);
        assert_eq!(doc["authorization_response_iss_parameter_supported"], Value::Bool(true));
        let modes = strings(&doc, "response_modes_supported");
        assert!(modes.contains(&"query".to_owned()) && modes.contains(&"form_post".to_owned()));
        let methods = strings(&doc, "token_endpoint_auth_methods_supported");
        assert!(methods.contains(&"client_secret_basic".to_owned()), "{methods:?}");
        let claims = strings(&doc, "claims_supported");
        for claim in ["sub", "iss", "aud", "exp", "iat", "name", "email"] {
            assert!(claims.contains(&claim.to_owned()), "claims_supported lacks {claim}");
        }

        // The openidconnect crate accepts the document as provider metadata.
        let (client_id, secret) = server.client(|_| {}).await;
        let (metadata, _) = discover(server, &client_id, secret.as_deref(), REDIRECT_URI).await;
        assert_eq!(metadata.issuer().as_str(), server.base);
        assert_eq!(
            metadata.jwks_uri().url().as_str(),
            doc["jwks_uri"].as_str().unwrap()
        );
        assert!(!metadata.jwks().keys().is_empty(), "keys fetched from jwks_uri");
    }

    async fn request_and_request_uri_support_matches_discovery(server) {
        let doc = discovery(server).await;
        // Defaults when absent: request false, request_uri true (OIDC Discovery 1.0 3).
        let request = flag(&doc, "request_parameter_supported", false);
        let request_uri = flag(&doc, "request_uri_parameter_supported", true);
        assert!(request, "Gatehouse processes request objects");
        assert!(request_uri, "Gatehouse fetches request_uri");
        // Both are read (the modules of `request_objects` show them working): an unsigned
        // object from a client not registered for them, and a URL that is not https, are
        // refused with the codes of RFC 9101.
        let unsigned = "eyJhbGciOiJub25lIn0.eyJzdGF0ZSI6InN0NHRlIn0.";
        check_request_refused(server, "request", unsigned, "invalid_request_object").await;
        check_request_refused(
            server,
            "request_uri",
            "http://rp.example/request.jwt",
            "invalid_request_uri",
        )
        .await;
    }

    async fn claims_parameter_is_honoured_as_discovery_says(server) {
        let doc = discovery(server).await;
        if !flag(&doc, "claims_parameter_supported", false) {
            // Unsupported: the parameter must at least not break the request.
            let (_, location) = authorize_with(server, &[("claims", "{\"userinfo\":{}}")]).await;
            assert!(!query(&location.unwrap()).contains_key("error"));
            return;
        }
        let email = "config-claims@example.com";
        server.user(email, PASSWORD).await;
        let (client_id, secret) = server.client(|_| {}).await;
        let (_, client) = discover(server, &client_id, secret.as_deref(), REDIRECT_URI).await;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        // Only `openid`: without the claims parameter neither claim would be released.
        let (url, _, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_extra_param(
                "claims",
                r#"{"userinfo":{"name":{"essential":true}},"id_token":{"email":null}}"#,
            )
            .set_pkce_challenge(challenge)
            .url();
        let landing = Browser::new(server).authorize(url.as_str(), email, PASSWORD).await;
        let code = landing.params()["code"].clone();
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .unwrap()
            .set_pkce_verifier(verifier)
            .request_async(&http_client)
            .await
            .expect("token response");
        let id_claims: &CoreIdTokenClaims = tokens
            .id_token()
            .expect("id token")
            .claims(&client.id_token_verifier(), &nonce)
            .expect("valid ID token");
        assert_eq!(id_claims.email().map(|e| e.as_str()), Some(email), "id_token claim requested");
        assert!(id_claims.name().is_none(), "name was asked for userinfo only");
        let info: CoreUserInfoClaims = client
            .user_info(tokens.access_token().clone(), None)
            .unwrap()
            .request_async(&http_client)
            .await
            .expect("userinfo");
        let name = info.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_owned());
        assert_eq!(name.as_deref(), Some("Alice Example"), "essential userinfo claim released");
        assert!(info.email().is_none(), "email was asked for the ID token only");
    }

    async fn oauth_authorization_server_metadata_agrees(server) {
        let openid = discovery(server).await;
        let (oauth, _) = fetch_json(&server.url("/.well-known/oauth-authorization-server")).await;
        // RFC 8414 3.3: the issuer is the one the metadata was requested for.
        assert_eq!(oauth["issuer"].as_str(), Some(server.base.as_str()));
        for member in ENDPOINTS
            .iter()
            .chain(&["scopes_supported", "response_types_supported", "grant_types_supported",
                "token_endpoint_auth_methods_supported", "code_challenge_methods_supported",
                "authorization_response_iss_parameter_supported"])
        {
            assert_eq!(oauth.get(*member), openid.get(*member), "{member} differs");
        }
        assert_eq!(oauth, openid, "one provider, one description");
    }

    async fn jwks_uri_serves_public_signing_keys_with_cache_headers(server) {
        let doc = discovery(server).await;
        let (jwks, headers) = fetch_json(doc["jwks_uri"].as_str().unwrap()).await;
        let cache = headers["cache-control"].to_str().unwrap();
        let max_age: u64 = cache
            .split(',')
            .find_map(|d| d.trim().strip_prefix("max-age="))
            .unwrap_or_else(|| panic!("max-age in {cache}"))
            .parse()
            .unwrap();
        assert!(max_age > 0, "{cache}");
        assert!(!cache.contains("no-store"), "{cache}");
        let keys = jwks["keys"].as_array().expect("keys array");
        assert!(!keys.is_empty());
        let mut kids: Vec<&str> = Vec::new();
        for key in keys {
            let kid = key["kid"].as_str().filter(|k| !k.is_empty()).expect("kid");
            kids.push(kid);
            if key["use"] == "enc" {
                // The one key clients encrypt request objects to (X25519, several algs).
                assert_eq!((key["kty"].as_str(), key["crv"].as_str()), (Some("OKP"), Some("X25519")), "{kid}");
            } else {
                assert_eq!(key["use"], "sig", "{kid}");
                assert!(key["alg"].as_str().is_some_and(|a| a != "none"), "{kid} alg");
            }
            assert!(key["kty"].as_str().is_some(), "{kid} kty");
            for private in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
                assert!(key.get(private).is_none(), "{kid} carries private member {private}");
            }
        }
        let count = kids.len();
        kids.sort_unstable();
        kids.dedup();
        assert_eq!(kids.len(), count, "kids are unique");
        let algs = strings(&doc, "id_token_signing_alg_values_supported");
        for alg in &algs {
            assert!(
                keys.iter().any(|k| k["alg"].as_str() == Some(alg.as_str())),
                "advertised {alg} has a published key"
            );
        }
        assert!(keys.iter().any(|k| k["alg"] == "RS256" && k["kty"] == "RSA" && k["n"].is_string() && k["e"].is_string()));
    }
}
