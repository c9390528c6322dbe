//! `/idps` (`gatehouse:admin`): upstream identity providers people sign in through, and
//! their claim-to-role mapping rules. Client secrets and private keys go in, never out.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use domain::admin::{UpstreamView, upstream_version};
use domain::federation::{
    Endpoints, FirstLogin, Mapping, MappingTarget, NewMapping, NewUpstream, Preset, PresetSettings,
    PresetSetup, UpstreamChanges,
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AdminApi;
use crate::caller::Caller;
use crate::etag::{if_match, json_with_etag};
use crate::problem::{ApiError, Problem};

/// Lists the identity providers.
#[utoipa::path(tag = "idps", responses((status = 200, description = "OK", body = Vec<UpstreamView>)), security(("bearer" = [])))]
#[get("/idps")]
pub async fn list_idps(api: web::Data<AdminApi>, caller: Caller) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.list_upstreams(&caller.0).await?))
}

fn default_true() -> bool {
    true
}

/// A new identity provider: a generic OpenID Connect provider (`issuer` needed) or a
/// `preset` (its issuer unless one is given).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIdp {
    /// Short unique name (a-z, 0-9, `-`, `_`), in URLs.
    name: String,
    /// The sign-in button's text (default: the preset's provider, or the name).
    display_name: Option<String>,
    /// The issuer URL (https; http only on a loopback host). With a preset: optional.
    issuer: Option<String>,
    /// A well-known provider; absent: a generic OpenID Connect provider.
    preset: Option<Preset>,
    /// microsoft: `common` (default), `organizations`, `consumers` or a tenant id.
    tenant: Option<String>,
    /// microsoft: only ID tokens of these tenant ids are accepted (empty: any).
    #[serde(default)]
    allowed_tenants: Vec<String>,
    /// apple: the team id.
    apple_team_id: Option<String>,
    /// apple: the key id.
    apple_key_id: Option<String>,
    /// apple: the private key (PKCS#8 PEM); stored encrypted, never shown.
    apple_private_key: Option<String>,
    /// Gatehouse's client id at the provider.
    client_id: String,
    /// Gatehouse's client secret at the provider; stored encrypted, never shown.
    client_secret: Option<String>,
    /// Scopes (default `openid email profile`, or the preset's).
    #[serde(default)]
    scopes: Vec<String>,
    /// First sign-in without a link: `create` (default), `link` or `deny`.
    first_login: Option<FirstLogin>,
    /// Believe the provider's `email_verified`.
    #[serde(default)]
    trusted_for_email: bool,
    /// Honour the provider's `acr` for step-up.
    #[serde(default)]
    trusted_for_acr: bool,
    /// Let the provider's second factor stand in for the local one.
    #[serde(default)]
    trusted_for_mfa: bool,
    /// Offered on the sign-in page (default true).
    #[serde(default = "default_true")]
    enabled: bool,
    /// Only these clients' sign-in pages offer it (empty: every client).
    #[serde(default)]
    allowed_clients: Vec<String>,
    /// `authorization_endpoint` override.
    authorization_endpoint: Option<String>,
    /// `token_endpoint` override.
    token_endpoint: Option<String>,
    /// `userinfo_endpoint` override (the profile endpoint of OAuth 2.0 presets).
    userinfo_endpoint: Option<String>,
    /// `jwks_uri` override.
    jwks_uri: Option<String>,
    /// github: the address list endpoint override.
    emails_endpoint: Option<String>,
}

impl NewIdp {
    fn into_domain(self) -> Result<NewUpstream, ApiError> {
        let preset = match self.preset {
            Some(preset) => Some(PresetSetup {
                preset,
                settings: PresetSettings {
                    tenant: self.tenant,
                    allowed_tenants: self.allowed_tenants,
                    apple_team_id: self.apple_team_id,
                    apple_key_id: self.apple_key_id,
                },
                private_key: self.apple_private_key,
            }),
            None => {
                if self.tenant.is_some()
                    || !self.allowed_tenants.is_empty()
                    || self.apple_team_id.is_some()
                    || self.apple_key_id.is_some()
                    || self.apple_private_key.is_some()
                {
                    return Err(domain::Error::invalid(
                        "preset",
                        "tenant, allowed_tenants and apple_* are settings of a preset",
                    )
                    .into());
                }
                None
            }
        };
        Ok(NewUpstream {
            name: self.name,
            display_name: self.display_name,
            issuer: self.issuer.unwrap_or_default(),
            preset,
            endpoints: Endpoints {
                authorization: self.authorization_endpoint,
                token: self.token_endpoint,
                userinfo: self.userinfo_endpoint,
                jwks: self.jwks_uri,
                emails: self.emails_endpoint,
            },
            client_id: self.client_id,
            client_secret: self.client_secret,
            scopes: self.scopes,
            first_login: self.first_login.unwrap_or(FirstLogin::Create),
            trusted_for_email: self.trusted_for_email,
            trusted_for_acr: self.trusted_for_acr,
            trusted_for_mfa: self.trusted_for_mfa,
            enabled: self.enabled,
            allowed_clients: self.allowed_clients,
        })
    }
}

/// Adds an identity provider. The answer carries the redirect URI to register at it.
#[utoipa::path(tag = "idps", request_body = NewIdp,
    responses((status = 201, description = "Created", body = UpstreamView), (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/idps")]
pub async fn create_idp(
    api: web::Data<AdminApi>,
    caller: Caller,
    body: web::Json<NewIdp>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_domain()?;
    let made = api.admin.create_upstream(&caller.0, new).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::ETAG,
            format!("\"{}\"", upstream_version(&made.upstream)),
        ))
        .json(made))
}

/// One identity provider (never its client secret). `ETag` is its version.
#[utoipa::path(tag = "idps", params(("name" = String, Path, description = "The provider's name")),
    responses((status = 200, description = "OK", body = UpstreamView)), security(("bearer" = [])))]
#[get("/idps/{name}")]
pub async fn get_idp(
    api: web::Data<AdminApi>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let shown = api.admin.upstream(&caller.0, &name).await?;
    Ok(json_with_etag(&shown, &upstream_version(&shown.upstream)))
}

/// Changes to an identity provider: absent fields stay; an empty endpoint removes the
/// override; an empty `allowed_clients` lets every client offer it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdpPatch {
    /// The sign-in button's text.
    display_name: Option<String>,
    /// The issuer URL.
    issuer: Option<String>,
    /// microsoft: the tenant (empty: `common`).
    tenant: Option<String>,
    /// microsoft: the tenants accepted (empty: any).
    allowed_tenants: Option<Vec<String>>,
    /// apple: the team id.
    apple_team_id: Option<String>,
    /// apple: the key id.
    apple_key_id: Option<String>,
    /// apple: a new private key (PKCS#8 PEM).
    apple_private_key: Option<String>,
    /// Gatehouse's client id at the provider.
    client_id: Option<String>,
    /// A new client secret.
    client_secret: Option<String>,
    /// The scopes (replaces the list).
    scopes: Option<Vec<String>>,
    /// `create`, `link` or `deny`.
    first_login: Option<FirstLogin>,
    /// Believe the provider's `email_verified`.
    trusted_for_email: Option<bool>,
    /// Honour the provider's `acr` for step-up.
    trusted_for_acr: Option<bool>,
    /// Let the provider's second factor stand in for the local one.
    trusted_for_mfa: Option<bool>,
    /// Offered on the sign-in page.
    enabled: Option<bool>,
    /// The clients that offer it (empty: every client).
    allowed_clients: Option<Vec<String>>,
    /// `authorization_endpoint` override (empty: none).
    authorization_endpoint: Option<String>,
    /// `token_endpoint` override (empty: none).
    token_endpoint: Option<String>,
    /// `userinfo_endpoint` override (empty: none).
    userinfo_endpoint: Option<String>,
    /// `jwks_uri` override (empty: none).
    jwks_uri: Option<String>,
    /// github: the address list endpoint override (empty: none).
    emails_endpoint: Option<String>,
}

impl From<IdpPatch> for UpstreamChanges {
    fn from(p: IdpPatch) -> Self {
        Self {
            display_name: p.display_name,
            issuer: p.issuer,
            authorization_endpoint: p.authorization_endpoint,
            token_endpoint: p.token_endpoint,
            userinfo_endpoint: p.userinfo_endpoint,
            jwks_uri: p.jwks_uri,
            emails_endpoint: p.emails_endpoint,
            tenant: p.tenant,
            allowed_tenants: p.allowed_tenants,
            apple_team_id: p.apple_team_id,
            apple_key_id: p.apple_key_id,
            private_key: p.apple_private_key,
            client_id: p.client_id,
            client_secret: p.client_secret,
            scopes: p.scopes,
            first_login: p.first_login,
            trusted_for_email: p.trusted_for_email,
            trusted_for_acr: p.trusted_for_acr,
            trusted_for_mfa: p.trusted_for_mfa,
            enabled: p.enabled,
            allowed_clients: p.allowed_clients,
        }
    }
}

/// Changes the fields given. Send `If-Match` with the `ETag` read.
#[utoipa::path(tag = "idps", request_body = IdpPatch,
    params(("name" = String, Path, description = "The provider's name"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    responses((status = 200, description = "OK", body = UpstreamView), (status = 412, description = "Changed since read: the If-Match version is stale", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[patch("/idps/{name}")]
pub async fn update_idp(
    api: web::Data<AdminApi>,
    caller: Caller,
    req: HttpRequest,
    name: web::Path<String>,
    body: web::Json<IdpPatch>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let updated = api
        .admin
        .update_upstream(
            &caller.0,
            &name,
            body.into_inner().into(),
            expected.as_deref(),
        )
        .await?;
    Ok(json_with_etag(
        &updated,
        &upstream_version(&updated.upstream),
    ))
}

/// Deletes an identity provider with its account links (the accounts stay) and its mapping
/// rules (the grants they made go).
#[utoipa::path(tag = "idps", params(("name" = String, Path, description = "The provider's name")),
    responses((status = 204, description = "Done")), security(("bearer" = [])))]
#[delete("/idps/{name}")]
pub async fn delete_idp(
    api: web::Data<AdminApi>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    api.admin.delete_upstream(&caller.0, &name).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lists a provider's mapping rules, oldest first.
#[utoipa::path(tag = "idps", params(("name" = String, Path, description = "The provider's name")),
    responses((status = 200, description = "OK", body = Vec<Mapping>)), security(("bearer" = [])))]
#[get("/idps/{name}/mappings")]
pub async fn list_mappings(
    api: web::Data<AdminApi>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.upstream_mappings(&caller.0, &name).await?))
}

/// A new rule: the claim at `claim` is `value` (or an array holding it) → exactly one of a
/// global `role` or a `group`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// A dot path into the provider's claims (`groups`, `realm_access.roles`, `hd`).
    claim: String,
    /// The value the claim must be, or an array claim must hold.
    value: String,
    /// The global role granted.
    role: Option<String>,
    /// The group joined.
    group: Option<String>,
}

/// Adds a mapping rule (applied at every sign-in through the provider).
#[utoipa::path(tag = "idps", params(("name" = String, Path, description = "The provider's name")), request_body = NewRule,
    responses((status = 201, description = "Created", body = Mapping)), security(("bearer" = [])))]
#[post("/idps/{name}/mappings")]
pub async fn add_mapping(
    api: web::Data<AdminApi>,
    caller: Caller,
    name: web::Path<String>,
    body: web::Json<NewRule>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let target = match (b.role, b.group) {
        (Some(r), None) => MappingTarget::Role(r),
        (None, Some(g)) => MappingTarget::Group(g),
        _ => {
            return Err(
                domain::Error::invalid("role", "give exactly one of role and group").into(),
            );
        }
    };
    let made = api
        .admin
        .add_upstream_mapping(
            &caller.0,
            &name,
            NewMapping {
                claim: b.claim,
                value: b.value,
                target,
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(made))
}

/// Removes a mapping rule and takes back the grants it made (unless another rule holds
/// them too).
#[utoipa::path(tag = "idps", params(("name" = String, Path, description = "The provider's name"), ("id" = String, Path, description = "The rule's id")),
    responses((status = 200, description = "The removed rule", body = Mapping)), security(("bearer" = [])))]
#[delete("/idps/{name}/mappings/{id}")]
pub async fn remove_mapping(
    api: web::Data<AdminApi>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (name, id) = path.into_inner();
    Ok(HttpResponse::Ok().json(
        api.admin
            .remove_upstream_mapping(&caller.0, &name, &id)
            .await?,
    ))
}
