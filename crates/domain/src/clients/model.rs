//! The client as the rest of the system sees it.

use serde::Serialize;

use super::ClientMetadata;
use crate::entities::client;
use crate::{Error, Result};

/// What an administrator gives to register a client. Empty lists and `None` take defaults.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    /// Shown on the login and consent pages.
    pub name: String,
    /// Exact redirect URIs (query included).
    pub redirect_uris: Vec<String>,
    /// Exact post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<String>,
    /// A public client (no secret, PKCE required, `token_endpoint_auth_method=none`).
    pub public: bool,
    /// Allowed grant types; default `authorization_code` + `refresh_token`.
    pub grant_types: Vec<String>,
    /// Allowed response types; default `code`.
    pub response_types: Vec<String>,
    /// Scopes the client may request; default the standard OIDC scopes.
    pub scopes: Vec<String>,
    /// `client_secret_basic` (default), `client_secret_post` or `none` (public). The two
    /// secret methods are accepted alike at the endpoints; the registered one is metadata.
    pub token_endpoint_auth_method: Option<String>,
    /// `jwt` (default) or `opaque`.
    pub access_token_format: Option<String>,
    /// ID token signing algorithm; default RS256.
    pub id_token_signed_response_alg: Option<String>,
    /// Signed userinfo algorithm; none means plain JSON userinfo.
    pub userinfo_signed_response_alg: Option<String>,
    /// JWT access token signing algorithm; default RS256.
    pub access_token_signing_alg: Option<String>,
    /// First-party clients may skip consent when configured.
    pub first_party: bool,
    /// Refuse authorization requests without PKCE (always so for public clients).
    pub require_pkce: bool,
    /// Users signing in to this client must use a second factor.
    pub require_mfa: bool,
    /// The client's home page.
    pub client_uri: Option<String>,
    /// Logo shown on the login and consent pages.
    pub logo_uri: Option<String>,
    /// Privacy policy link.
    pub policy_uri: Option<String>,
    /// Terms of service link.
    pub tos_uri: Option<String>,
    /// Back-channel logout endpoint.
    pub backchannel_logout_uri: Option<String>,
    /// Logout tokens must carry `sid` (Gatehouse always sends it).
    pub backchannel_logout_session_required: bool,
    /// Front-channel logout page (absolute https, or http on loopback; no fragment).
    pub frontchannel_logout_uri: Option<String>,
    /// The front-channel logout page is loaded with `iss` and `sid`.
    pub frontchannel_logout_session_required: bool,
    /// Web origins (`scheme://host[:port]`) allowed to call the token, userinfo and
    /// revocation endpoints from a browser; none given: a public client's redirect URI
    /// origins, no origin for a confidential client.
    pub allowed_origins: Vec<String>,
    /// Resource indicators (RFC 8707, absolute URIs) the client may ask for as `resource`
    /// or `audience`; none: only the default audience.
    pub resources: Vec<String>,
    /// Token exchange without an actor token (impersonation) is allowed.
    pub allow_impersonation: bool,
    /// Token kinds (`access_token`, `id_token`, `userinfo`) that carry role and group
    /// claims; `None`: all three.
    pub role_claims: Option<Vec<String>>,
    /// The client may start guest sign-ins (`guest=true`).
    pub allow_guests: bool,
    /// The authorization endpoint accepts only requests it pushed first (RFC 9126).
    pub require_pushed_authorization_requests: bool,
    /// Keys, algorithms, subject type and other registration metadata.
    pub metadata: ClientMetadata,
    /// Access tokens must be DPoP-bound: token requests without a DPoP proof are refused.
    pub dpop_bound_access_tokens: bool,
}

/// A registered client with its lists decoded. Never carries the secret.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Client {
    /// The `client_id`.
    pub client_id: String,
    /// Display name.
    pub name: String,
    /// Whether the client has no secret.
    pub public: bool,
    /// How the client authenticates at the token endpoint.
    pub token_endpoint_auth_method: String,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Exact post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<String>,
    /// Allowed grant types.
    pub grant_types: Vec<String>,
    /// Allowed response types.
    pub response_types: Vec<String>,
    /// Scopes it may request.
    pub scopes: Vec<String>,
    /// `jwt` or `opaque`.
    pub access_token_format: String,
    /// ID token signing algorithm.
    pub id_token_signed_response_alg: String,
    /// Signed userinfo algorithm, if any.
    pub userinfo_signed_response_alg: Option<String>,
    /// JWT access token signing algorithm.
    pub access_token_signing_alg: String,
    /// Whether consent may be skipped.
    pub first_party: bool,
    /// Whether PKCE is required.
    pub require_pkce: bool,
    /// Whether users must use a second factor.
    pub require_mfa: bool,
    /// Home page.
    pub client_uri: Option<String>,
    /// Logo.
    pub logo_uri: Option<String>,
    /// Privacy policy.
    pub policy_uri: Option<String>,
    /// Terms of service.
    pub tos_uri: Option<String>,
    /// Back-channel logout endpoint.
    pub backchannel_logout_uri: Option<String>,
    /// Logout tokens must carry `sid` (Gatehouse always sends it).
    pub backchannel_logout_session_required: bool,
    /// Front-channel logout page.
    pub frontchannel_logout_uri: Option<String>,
    /// The front-channel logout page is loaded with `iss` and `sid`.
    pub frontchannel_logout_session_required: bool,
    /// Web origins allowed to call the token, userinfo and revocation endpoints (CORS).
    pub allowed_origins: Vec<String>,
    /// Resource indicators (RFC 8707) the client may ask for.
    pub resources: Vec<String>,
    /// Token exchange without an actor token (impersonation) is allowed.
    pub allow_impersonation: bool,
    /// Token kinds that carry role and group claims (when the scopes ask for them).
    pub role_claims: Vec<String>,
    /// The client may start guest sign-ins (`guest=true`).
    pub allow_guests: bool,
    /// The authorization endpoint accepts only requests it pushed first (RFC 9126).
    pub require_pushed_authorization_requests: bool,
    /// Keys, algorithms, subject type and other registration metadata.
    #[serde(flatten)]
    pub metadata: ClientMetadata,
    /// Access tokens must be DPoP-bound: token requests without a DPoP proof are refused.
    pub dpop_bound_access_tokens: bool,
    /// A disabled client is refused everywhere, as if unknown.
    pub enabled: bool,
    /// Until when the secret before the last rotation still works.
    #[serde(with = "time::serde::rfc3339::option")]
    pub previous_secret_expires_at: Option<time::OffsetDateTime>,
    /// Registration time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// Last change (the version an update must name to avoid lost updates).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

impl Client {
    /// The registration that would produce this client: the starting point of an update.
    pub fn to_new(&self) -> NewClient {
        NewClient {
            name: self.name.clone(),
            redirect_uris: self.redirect_uris.clone(),
            post_logout_redirect_uris: self.post_logout_redirect_uris.clone(),
            public: self.public,
            grant_types: self.grant_types.clone(),
            response_types: self.response_types.clone(),
            scopes: self.scopes.clone(),
            token_endpoint_auth_method: Some(self.token_endpoint_auth_method.clone()),
            access_token_format: Some(self.access_token_format.clone()),
            id_token_signed_response_alg: Some(self.id_token_signed_response_alg.clone()),
            userinfo_signed_response_alg: self.userinfo_signed_response_alg.clone(),
            access_token_signing_alg: Some(self.access_token_signing_alg.clone()),
            first_party: self.first_party,
            require_pkce: self.require_pkce,
            require_mfa: self.require_mfa,
            client_uri: self.client_uri.clone(),
            logo_uri: self.logo_uri.clone(),
            policy_uri: self.policy_uri.clone(),
            tos_uri: self.tos_uri.clone(),
            backchannel_logout_uri: self.backchannel_logout_uri.clone(),
            backchannel_logout_session_required: self.backchannel_logout_session_required,
            frontchannel_logout_uri: self.frontchannel_logout_uri.clone(),
            frontchannel_logout_session_required: self.frontchannel_logout_session_required,
            // The default follows the redirect URIs when they change; only a list given on
            // purpose is kept as it is.
            allowed_origins: if self.allowed_origins
                == default_origins(self.public, &self.redirect_uris)
            {
                Vec::new()
            } else {
                self.allowed_origins.clone()
            },
            resources: self.resources.clone(),
            allow_impersonation: self.allow_impersonation,
            role_claims: Some(self.role_claims.clone()),
            allow_guests: self.allow_guests,
            require_pushed_authorization_requests: self.require_pushed_authorization_requests,
            metadata: self.metadata.clone(),
            dpop_bound_access_tokens: self.dpop_bound_access_tokens,
        }
    }

    /// The front-channel logout iframe's URL for the session `sid` (OIDC Front-Channel
    /// Logout 1.0 §2): the registered URI, with `iss` and `sid` added when the client asked
    /// for them. None without a registered URI.
    pub fn frontchannel_logout_url(&self, issuer: &str, sid: &str) -> Option<String> {
        let uri = self.frontchannel_logout_uri.as_deref()?;
        let mut url = url::Url::parse(uri).ok()?;
        if self.frontchannel_logout_session_required {
            url.query_pairs_mut()
                .append_pair("iss", issuer)
                .append_pair("sid", sid);
        }
        Some(url.to_string())
    }

    /// Whether every token request must carry a DPoP proof: registered so, or held to
    /// FAPI 2.0 (which wants sender-constrained tokens; mTLS is not offered).
    pub fn requires_dpop(&self) -> bool {
        self.dpop_bound_access_tokens || self.metadata.is_fapi2()
    }

    /// Whether role and group claims go into this token kind (`access_token`, `id_token`,
    /// `userinfo`).
    pub fn role_claims_in(&self, kind: &str) -> bool {
        self.role_claims.iter().any(|k| k == kind)
    }
}

impl TryFrom<client::Model> for Client {
    type Error = Error;

    fn try_from(m: client::Model) -> Result<Self> {
        // Confidential clients authenticating with their keys have no secret either.
        let public = m.token_endpoint_auth_method == "none";
        let redirect_uris = list(m.redirect_uris)?;
        let allowed_origins = match m.allowed_origins {
            Some(v) => list(v)?,
            // Registered before origins were stored: the default they would have got.
            None => default_origins(public, &redirect_uris),
        };
        Ok(Self {
            public,
            redirect_uris,
            allowed_origins,
            resources: m.resources.map(list).transpose()?.unwrap_or_default(),
            allow_impersonation: m.allow_impersonation,
            allow_guests: m.allow_guests,
            require_pushed_authorization_requests: m.require_pushed_authorization_requests,
            metadata: ClientMetadata::from_column(m.metadata)?,
            dpop_bound_access_tokens: m.dpop_bound_access_tokens,
            role_claims: match m.role_claims {
                Some(v) => list(v)?,
                None => super::default_role_claims(),
            },
            post_logout_redirect_uris: list(m.post_logout_redirect_uris)?,
            grant_types: list(m.grant_types)?,
            response_types: list(m.response_types)?,
            scopes: list(m.scopes)?,
            client_id: m.id,
            name: m.name,
            token_endpoint_auth_method: m.token_endpoint_auth_method,
            access_token_format: m.access_token_format,
            id_token_signed_response_alg: m.id_token_signed_response_alg,
            userinfo_signed_response_alg: m.userinfo_signed_response_alg,
            access_token_signing_alg: m.access_token_signing_alg,
            first_party: m.first_party,
            require_pkce: m.require_pkce,
            require_mfa: m.require_mfa,
            client_uri: m.client_uri,
            logo_uri: m.logo_uri,
            policy_uri: m.policy_uri,
            tos_uri: m.tos_uri,
            backchannel_logout_uri: m.backchannel_logout_uri,
            backchannel_logout_session_required: m.backchannel_logout_session_required,
            frontchannel_logout_uri: m.frontchannel_logout_uri,
            frontchannel_logout_session_required: m.frontchannel_logout_session_required,
            enabled: m.enabled,
            previous_secret_expires_at: m.previous_secret_expires_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// The origins a client gets when registration names none: for a public client (a browser
/// or native application) the web origins of its redirect URIs; none for a confidential one.
pub(crate) fn default_origins(public: bool, redirect_uris: &[String]) -> Vec<String> {
    if !public {
        return Vec::new();
    }
    let mut origins: Vec<String> = Vec::new();
    for uri in redirect_uris {
        let Ok(url) = url::Url::parse(uri) else {
            continue;
        };
        if !matches!(url.scheme(), "https" | "http") {
            continue; // app schemes have no web origin
        }
        let origin = url.origin().ascii_serialization();
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    origins
}

fn list(value: serde_json::Value) -> Result<Vec<String>> {
    serde_json::from_value(value)
        .map_err(|e| Error::Corrupt(format!("stored client list is not a string array: {e}")))
}
