//! Upstream identity providers: Gatehouse as an OpenID Connect relying party of another
//! provider. [`OidcUpstreams`] implements [`domain::federation::UpstreamProtocol`]: discovery
//! of the upstream's issuer (cached), the authorization URL with PKCE (S256), `state` and
//! `nonce`, the code exchange (`client_secret_basic`, or `client_secret_post` when discovery
//! offers only that), validation of the ID token against the upstream's JWKS (`iss`, `aud`,
//! `exp`, `nonce`, an allow-list of asymmetric algorithms; the keys are fetched again when a
//! token names an unknown one), and userinfo. The presets' quirks: Microsoft Entra's
//! multi-tenant issuer ([`entra`]), Apple's signed client secret, `form_post` and first-sign-in
//! name ([`apple`]), and the OAuth 2.0-only GitHub, Facebook and X ([`oauth2`]), whose
//! identity comes from their profile APIs ([`profiles`]).
//!
//! Built on the `openidconnect` crate, which only verifies here: Gatehouse never signs with it
//! (Apple's client secret is signed with josekit).

mod apple;
mod discovery;
mod entra;
mod http;
mod oauth2;
mod presets;
mod profiles;

use std::sync::Arc;
use std::time::Duration;

use domain::federation::{
    BoxFuture, ClaimedFlow, FlowStart, Preset, UpstreamAnswer, UpstreamClient, UpstreamError,
    UpstreamIdentity, UpstreamProtocol,
};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreClientAuthMethod, CoreGenderClaim, CoreIdTokenClaims,
    CoreJwsSigningAlgorithm, CoreTokenResponse,
};
use openidconnect::{
    AuthType, AuthorizationCode, ClientId, ClientSecret, CsrfToken, Nonce,
    OAuth2TokenResponse as _, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError,
    Scope, TokenResponse as _,
};
use serde_json::{Map, Value};

use crate::discovery::{Discovery, Provider, error_chain};
pub use crate::http::HttpError;

/// ID token signature algorithms accepted from upstreams: asymmetric only (never `none`, and
/// never HMAC with the client secret).
const ALLOWED_ALGS: &[CoreJwsSigningAlgorithm] = &[
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// How long discovery documents and key sets are kept.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);

/// The OpenID Connect protocol with upstreams.
#[derive(Debug, Clone)]
pub struct OidcUpstreams {
    http: http::Http,
    discovery: Arc<Discovery>,
}

type Client = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

impl OidcUpstreams {
    /// The protocol, giving up on an upstream request after `timeout`.
    pub fn new(timeout: Duration) -> Result<Self, HttpError> {
        let http = http::Http::new(timeout)?;
        Ok(Self {
            discovery: Arc::new(Discovery::new(http.clone(), DISCOVERY_TTL)),
            http,
        })
    }

    /// The client; `secret` is the one to send (Apple's is made per request).
    fn client(
        c: &UpstreamClient<'_>,
        provider: &Provider,
        secret: Option<String>,
    ) -> Result<Client, UpstreamError> {
        let redirect = RedirectUrl::new(c.redirect_uri.to_owned())
            .map_err(|e| UpstreamError::Unavailable(format!("redirect URI: {e}")))?;
        // Apple takes the client secret in the form only.
        let auth = if c.upstream.preset == Some(Preset::Apple) {
            AuthType::RequestBody
        } else {
            auth_type(provider)
        };
        Ok(CoreClient::from_provider_metadata(
            provider.metadata.clone(),
            ClientId::new(c.upstream.client_id.clone()),
            secret.map(ClientSecret::new),
        )
        .set_redirect_uri(redirect)
        .set_auth_type(auth))
    }

    /// The client secret of a token request.
    fn secret(c: &UpstreamClient<'_>) -> Result<Option<String>, UpstreamError> {
        if c.upstream.preset == Some(Preset::Apple) {
            apple::client_secret(c).map(Some)
        } else {
            Ok(c.client_secret.clone())
        }
    }

    async fn begin_impl(
        &self,
        c: &UpstreamClient<'_>,
        start: &FlowStart,
    ) -> Result<String, UpstreamError> {
        if !c.upstream.is_oidc() {
            return oauth2::authorization_url(c, start);
        }
        let provider = self.discovery.provider(c.upstream).await?;
        // The authorization request carries no secret.
        let client = Self::client(c, &provider, None)?;
        let (state, nonce) = (start.state.clone(), start.nonce.clone());
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            start.pkce_verifier.clone(),
        ));
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .set_pkce_challenge(challenge);
        // `openid` is always asked by the crate.
        for scope in c.upstream.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        // Apple refuses the `name` and `email` scopes unless the answer is POSTed.
        if c.upstream.preset == Some(Preset::Apple)
            && c.upstream
                .scopes
                .iter()
                .any(|s| s == "name" || s == "email")
        {
            request = request.add_extra_param("response_mode", "form_post");
        }
        let (url, _, _) = request.url();
        Ok(url.to_string())
    }

    async fn finish_impl(
        &self,
        c: &UpstreamClient<'_>,
        flow: &ClaimedFlow,
        answer: &UpstreamAnswer,
    ) -> Result<UpstreamIdentity, UpstreamError> {
        if !c.upstream.is_oidc() {
            return oauth2::finish(&self.http, c, flow, answer).await;
        }
        let provider = self.discovery.provider(c.upstream).await?;
        let client = Self::client(c, &provider, Self::secret(c)?)?;
        let tokens: CoreTokenResponse = client
            .exchange_code(AuthorizationCode::new(answer.code.clone()))
            .map_err(|e| UpstreamError::Unavailable(format!("token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let nonce = Nonce::new(flow.nonce.clone());
        // A multi-tenant issuer is checked against the token's tenant below.
        let own_issuer = !entra::is_template(c.upstream);
        let claims = match verify(&client, &tokens, &nonce, own_issuer) {
            Err(Verification::UnknownKey) => {
                // The upstream may have rotated its keys since they were fetched.
                let fresh = self.discovery.refresh_keys(c.upstream, &provider).await?;
                let client = Self::client(c, &fresh, None)?;
                match verify(&client, &tokens, &nonce, own_issuer) {
                    Ok(claims) => claims,
                    Err(Verification::UnknownKey) => {
                        return Err(UpstreamError::InvalidToken(
                            "no key of the upstream's key set verifies it".into(),
                        ));
                    }
                    Err(Verification::Failed(e)) => return Err(e),
                }
            }
            Err(Verification::Failed(e)) => return Err(e),
            Ok(claims) => claims,
        };
        let mut identity = identity_of(&claims);
        // The verified token's payload, whole: claims the crate's types do not know (`tid`,
        // `hd`, `groups`, Apple's `is_private_email`).
        identity.claims = tokens
            .id_token()
            .and_then(|t| payload_of(&t.to_string()))
            .unwrap_or_default();
        if !own_issuer {
            entra::check_tenant(c.upstream, &identity.claims)?;
        }
        if c.upstream.preset == Some(Preset::Apple)
            && let Some(user) = &answer.user
        {
            apple::add_user_field(&mut identity, user);
        }
        if client.user_info_url().is_some() {
            let subject = claims.subject().clone();
            let userinfo: Result<UserInfo, _> =
                match client.user_info(tokens.access_token().clone(), Some(subject)) {
                    Ok(request) => request
                        .require_signed_response(false)
                        .request_async(&self.http)
                        .await
                        .map_err(|e| error_chain(&e)),
                    Err(e) => Err(e.to_string()),
                };
            match userinfo {
                Ok(info) => fill_from_userinfo(&mut identity, &info),
                // The ID token stands on its own; userinfo only adds what it lacks.
                Err(e) => {
                    tracing::warn!(upstream = %c.upstream.name, error = %e, "upstream userinfo failed")
                }
            }
        }
        Ok(identity)
    }
}

/// `client_secret_basic` unless discovery lists only `client_secret_post`.
fn auth_type(provider: &Provider) -> AuthType {
    match provider.metadata.token_endpoint_auth_methods_supported() {
        Some(methods)
            if !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
                && methods.contains(&CoreClientAuthMethod::ClientSecretPost) =>
        {
            AuthType::RequestBody
        }
        _ => AuthType::BasicAuth,
    }
}

fn token_error<E: std::error::Error + 'static>(
    e: RequestTokenError<
        E,
        openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    >,
) -> UpstreamError {
    match e {
        RequestTokenError::ServerResponse(r) => UpstreamError::Refused {
            error: r.error().as_ref().to_owned(),
            description: r.error_description().cloned(),
        },
        other => UpstreamError::Unavailable(format!("token endpoint: {}", error_chain(&other))),
    }
}

enum Verification {
    /// No key of the cached set matches the token's.
    UnknownKey,
    Failed(UpstreamError),
}

/// Verifies the ID token; `own_issuer`: its `iss` must be the discovered issuer.
fn verify(
    client: &Client,
    tokens: &CoreTokenResponse,
    nonce: &Nonce,
    own_issuer: bool,
) -> Result<CoreIdTokenClaims, Verification> {
    use openidconnect::{ClaimsVerificationError as C, SignatureVerificationError as S};
    let Some(id_token) = tokens.id_token() else {
        return Err(Verification::Failed(UpstreamError::InvalidToken(
            "the token response has no id_token".into(),
        )));
    };
    let verifier = client
        .id_token_verifier()
        .require_issuer_match(own_issuer)
        .set_allowed_algs(ALLOWED_ALGS.iter().cloned());
    match id_token.claims(&verifier, nonce) {
        Ok(claims) => Ok(claims.clone()),
        Err(C::SignatureVerification(S::NoMatchingKey)) => Err(Verification::UnknownKey),
        Err(C::InvalidNonce(_)) => Err(Verification::Failed(UpstreamError::NonceMismatch)),
        Err(e) => Err(Verification::Failed(UpstreamError::InvalidToken(
            error_chain(&e),
        ))),
    }
}

/// The value of a localized claim without a language tag.
macro_rules! localized {
    ($claim:expr) => {
        $claim
            .and_then(|c| c.get(None))
            .map(|v| v.as_str().to_owned())
    };
}

fn identity_of(claims: &CoreIdTokenClaims) -> UpstreamIdentity {
    UpstreamIdentity {
        issuer: claims.issuer().as_str().to_owned(),
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified().unwrap_or(false),
        name: localized!(claims.name()),
        given_name: localized!(claims.given_name()),
        family_name: localized!(claims.family_name()),
        amr: claims
            .auth_method_refs()
            .map(|v| v.iter().map(|a| a.as_str().to_owned()).collect())
            .unwrap_or_default(),
        acr: claims.auth_context_ref().map(|a| a.as_str().to_owned()),
        claims: Map::new(),
    }
}

/// The payload of a (verified) compact JWS, as JSON.
fn payload_of(jwt: &str) -> Option<Map<String, Value>> {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Userinfo claims the crate does not know, kept for [`UpstreamIdentity::claims`].
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
struct OtherClaims(Map<String, Value>);

impl openidconnect::AdditionalClaims for OtherClaims {}

/// Userinfo's answer: the standard claims, and the others.
type UserInfo = openidconnect::UserInfoClaims<OtherClaims, CoreGenderClaim>;

/// Adds what userinfo says and the ID token did not. The address and its verification are
/// taken together, from one source: an `email_verified` never vouches for another address.
fn fill_from_userinfo(identity: &mut UpstreamIdentity, info: &UserInfo) {
    if identity.email.is_none()
        && let Some(email) = info.email()
    {
        identity.email = Some(email.as_str().to_owned());
        identity.email_verified = info.email_verified().unwrap_or(false);
    }
    if identity.name.is_none() {
        identity.name = localized!(info.name());
    }
    if identity.given_name.is_none() {
        identity.given_name = localized!(info.given_name());
    }
    if identity.family_name.is_none() {
        identity.family_name = localized!(info.family_name());
    }
    // The ID token's claims win; userinfo only adds those it lacks.
    if let Ok(serde_json::Value::Object(more)) = serde_json::to_value(info) {
        for (k, v) in more {
            if !v.is_null() {
                identity.claims.entry(k).or_insert(v);
            }
        }
    }
}

impl UpstreamProtocol for OidcUpstreams {
    fn begin<'a>(
        &'a self,
        client: &'a UpstreamClient<'a>,
        start: &'a FlowStart,
    ) -> BoxFuture<'a, Result<String, UpstreamError>> {
        Box::pin(self.begin_impl(client, start))
    }

    fn finish<'a>(
        &'a self,
        client: &'a UpstreamClient<'a>,
        flow: &'a ClaimedFlow,
        answer: &'a UpstreamAnswer,
    ) -> BoxFuture<'a, Result<UpstreamIdentity, UpstreamError>> {
        Box::pin(self.finish_impl(client, flow, answer))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn identity(email: Option<&str>, verified: bool) -> UpstreamIdentity {
        UpstreamIdentity {
            issuer: "https://idp.example".into(),
            subject: "s".into(),
            email: email.map(str::to_owned),
            email_verified: verified,
            name: None,
            given_name: Some("Id".into()),
            family_name: None,
            amr: vec![],
            acr: None,
            claims: Default::default(),
        }
    }

    #[test]
    fn the_payload_of_a_token_is_its_claims() {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"s","realm_access":{"roles":["admin"]}}"#);
        let claims = payload_of(&format!("e30.{payload}.c2ln")).unwrap();
        assert_eq!(claims["realm_access"]["roles"][0], "admin");
        assert!(payload_of("not a token").is_none());
    }

    fn userinfo(json: serde_json::Value) -> UserInfo {
        UserInfo::from_json::<HttpError>(json.to_string().as_bytes(), None).unwrap()
    }

    #[test]
    fn userinfo_fills_gaps_and_never_vouches_for_another_address() {
        let info = userinfo(serde_json::json!({
            "sub": "s", "email": "info@example.com", "email_verified": "true",
            "name": "Info Name", "given_name": "Info", "family_name": "Family",
            "groups": ["staff"],
        }));
        // The ID token's address stays, with its own (unverified) flag.
        let mut id = identity(Some("token@example.com"), false);
        fill_from_userinfo(&mut id, &info);
        assert_eq!(id.email.as_deref(), Some("token@example.com"));
        assert!(!id.email_verified);
        assert_eq!(id.name.as_deref(), Some("Info Name"));
        assert_eq!(id.given_name.as_deref(), Some("Id"), "the ID token wins");
        assert_eq!(id.family_name.as_deref(), Some("Family"));
        assert_eq!(
            id.claims["groups"],
            serde_json::json!(["staff"]),
            "unknown claims kept"
        );
        assert_eq!(
            id.claims["given_name"], "Info",
            "for what the ID token lacks"
        );
        // No address in the ID token: userinfo's, with its flag (a string "true" counts).
        let mut id = identity(None, false);
        fill_from_userinfo(&mut id, &info);
        assert_eq!(id.email.as_deref(), Some("info@example.com"));
        assert!(id.email_verified);
    }

    #[test]
    fn only_asymmetric_algorithms_are_allowed() {
        for alg in ALLOWED_ALGS {
            let name = serde_json::to_value(alg).unwrap();
            let name = name.as_str().unwrap();
            assert!(!name.starts_with("HS") && name != "none", "{name}");
        }
    }
}
