//! Provider metadata (OIDC Discovery 1.0, RFC 8414), assembled from what this crate
//! implements and the configured keys, and serialized once at start.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use domain::clients::{AUTH_METHODS, GRANT_TYPES, RESPONSE_TYPES};
use domain::keys::KeyAlg;
use serde_json::{Value, json};

use crate::Provider;
use crate::authorize::{ACR_VALUES, PROMPT_VALUES, RESPONSE_MODES};
use crate::paths;

/// The metadata documents, serialized.
#[derive(Debug, Clone)]
pub struct Documents {
    openid: web::Bytes,
    oauth: web::Bytes,
}

/// Scopes Gatehouse understands.
pub const SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
    crate::role_claims::ROLES_SCOPE,
    crate::role_claims::GROUPS_SCOPE,
];

impl Documents {
    /// Builds both documents for `issuer`, the signing algorithms with keys, the
    /// languages of the hosted pages (BCP 47 tags; the binary passes the pages' list) and
    /// whether every client must push its authorization requests.
    pub fn build(issuer: &str, algs: &[KeyAlg], locales: &[String], require_par: bool) -> Self {
        let metadata = metadata(issuer, algs, locales, require_par);
        let openid = serde_json::to_vec(&metadata).unwrap_or_default();
        Self {
            oauth: openid.clone().into(),
            openid: openid.into(),
        }
    }

    /// The documents with `registration_endpoint` when dynamic registration is on.
    pub fn with_registration(self, issuer: &str, on: bool) -> Self {
        if !on {
            return self;
        }
        let mut value = self.value();
        if let Some(map) = value.as_object_mut() {
            map.insert(
                "registration_endpoint".into(),
                Value::String(format!("{issuer}{}", paths::REGISTER)),
            );
        }
        let bytes: web::Bytes = serde_json::to_vec(&value).unwrap_or_default().into();
        Self {
            openid: bytes.clone(),
            oauth: bytes,
        }
    }

    /// The metadata as a JSON value (for tests and the admin API).
    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.openid).unwrap_or(Value::Null)
    }
}

fn metadata(issuer: &str, algs: &[KeyAlg], locales: &[String], require_par: bool) -> Value {
    let url = |p: &str| format!("{issuer}{p}");
    let algs: Vec<&str> = algs.iter().map(|a| a.as_str()).collect();
    let auth_methods: Vec<&str> = AUTH_METHODS.to_vec();
    let secret_methods: Vec<&str> = AUTH_METHODS
        .iter()
        .copied()
        .filter(|m| *m != "none")
        .collect();
    // Unsigned request objects only from clients registered so.
    let request_object_algs: Vec<&str> = crate::client_auth::assertion::KEY_ALGS
        .iter()
        .chain(crate::client_auth::assertion::SECRET_ALGS)
        .chain(&["none"])
        .copied()
        .collect();
    let assertion_algs: Vec<&str> = crate::client_auth::assertion::KEY_ALGS
        .iter()
        .chain(crate::client_auth::assertion::SECRET_ALGS)
        .copied()
        .collect();
    // In a second object: one json! of every member exceeds the macro recursion limit.
    let jwt_algs = json!({
        "token_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "introspection_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "revocation_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "request_object_signing_alg_values_supported": request_object_algs,
        "request_object_encryption_alg_values_supported": crate::decryption_key::ALGS,
        "request_object_encryption_enc_values_supported": crate::decryption_key::ENCS,
        "id_token_encryption_alg_values_supported": domain::clients::ENCRYPTION_ALGS,
        "id_token_encryption_enc_values_supported": domain::clients::ENCRYPTION_ENCS,
        "userinfo_encryption_alg_values_supported": domain::clients::ENCRYPTION_ALGS,
        "userinfo_encryption_enc_values_supported": domain::clients::ENCRYPTION_ENCS,
    });
    let mut doc = json!({
        "issuer": issuer,
        "authorization_endpoint": url(paths::AUTHORIZE),
        "token_endpoint": url(paths::TOKEN),
        "userinfo_endpoint": url(paths::USERINFO),
        "jwks_uri": url(paths::JWKS),
        "introspection_endpoint": url(paths::INTROSPECT),
        "revocation_endpoint": url(paths::REVOKE),
        "end_session_endpoint": url(paths::END_SESSION),
        "device_authorization_endpoint": url(paths::DEVICE_AUTHORIZATION),
        "scopes_supported": SCOPES,
        "response_types_supported": RESPONSE_TYPES,
        "response_modes_supported": RESPONSE_MODES,
        "grant_types_supported": GRANT_TYPES,
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": algs,
        "userinfo_signing_alg_values_supported": algs,
        "authorization_signing_alg_values_supported": algs,
        "token_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": secret_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": domain::users::claims::supported_claims()
            .into_iter()
            .chain(["iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid", "at_hash"])
            .collect::<Vec<_>>(),
        "claim_types_supported": ["normal"],
        "claims_parameter_supported": true,
        "request_parameter_supported": true,
        "request_uri_parameter_supported": true,
        "require_request_uri_registration": false,
        "prompt_values_supported": PROMPT_VALUES,
        "acr_values_supported": ACR_VALUES,
        "display_values_supported": ["page", "popup", "touch", "wap"],
        "ui_locales_supported": locales,
        // Claims are stored in one language; the same list says which languages the
        // pages that collect them speak.
        "claims_locales_supported": locales,
        "authorization_response_iss_parameter_supported": true,
        "frontchannel_logout_supported": true,
        "frontchannel_logout_session_supported": true,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "pushed_authorization_request_endpoint": url(paths::PAR),
        "require_pushed_authorization_requests": require_par,
        "dpop_signing_alg_values_supported": crate::dpop::ALGS,
    });
    if let (Some(doc), Value::Object(more)) = (doc.as_object_mut(), jwt_algs) {
        doc.extend(more);
    }
    doc
}

fn respond(body: &web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(body.clone())
}

/// `GET /.well-known/openid-configuration`
pub async fn openid_configuration(provider: web::Data<Provider>) -> HttpResponse {
    respond(&provider.discovery.openid)
}

/// `GET /.well-known/oauth-authorization-server`
pub async fn oauth_metadata(provider: web::Data<Provider>) -> HttpResponse {
    respond(&provider.discovery.oauth)
}
