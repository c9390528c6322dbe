//! System administration (`gatehouse:admin`): signing keys, roles (and their inclusions),
//! groups (and their subgroups), service accounts and API keys.

use std::time::Duration;

use actix_web::{HttpResponse, delete, get, post, put, web};
use domain::apikeys::ApiKey;
use domain::groups::{GroupDetails, GroupSummary};
use domain::keys::KeyInfo;
use domain::roles::{RoleDetails, RoleGrantee, RoleName};
use domain::service_accounts::ServiceAccount;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AdminApi;
use crate::caller::Caller;
use crate::problem::ApiError;

/// Lists the signing keys.
#[utoipa::path(tag = "keys", responses((status = 200, description = "OK", body = Vec<KeyInfo>)), security(("bearer" = [])))]
#[get("/keys")]
pub async fn list_keys(api: web::Data<AdminApi>, caller: Caller) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.list_keys(&caller.0).await?))
}

/// Which algorithms to rotate.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateKeys {
    /// Algorithms (`RS256`, `ES256`, ...); none: every configured one.
    #[serde(default)]
    algorithms: Vec<String>,
}

/// Rotates signing keys: each pre-published next key starts signing; nodes follow within
/// `keys.reload_interval_secs`.
#[utoipa::path(tag = "keys", request_body = RotateKeys, responses((status = 200, description = "The keys after rotation", body = Vec<KeyInfo>)), security(("bearer" = [])))]
#[post("/keys/rotate")]
pub async fn rotate_keys(
    api: web::Data<AdminApi>,
    caller: Caller,
    body: web::Json<RotateKeys>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.rotate_keys(&caller.0, &body.algorithms).await?))
}

/// Unpublishes a retired key now (a key believed compromised).
#[utoipa::path(tag = "keys", params(("kid" = String, Path, description = "Key id")),
    responses((status = 200, description = "The key removed", body = KeyInfo), (status = 404, description = "Not found"), (status = 409, description = "Not retired: rotate first")),
    security(("bearer" = [])))]
#[delete("/keys/{kid}")]
pub async fn retire_key(
    api: web::Data<AdminApi>,
    caller: Caller,
    kid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.retire_key(&caller.0, &kid).await?))
}

/// A role's client, for client roles.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RoleOf {
    /// The client the role belongs to; absent: a global role.
    client_id: Option<String>,
}

/// Lists roles.
#[utoipa::path(tag = "roles", responses((status = 200, description = "OK", body = Vec<RoleName>)), security(("bearer" = [])))]
#[get("/roles")]
pub async fn list_roles(
    api: web::Data<AdminApi>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.list_roles(&caller.0).await?))
}

/// A new role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    /// Name (a-z, 0-9, `_ - . :`).
    name: String,
    /// The client it belongs to; absent: global.
    client_id: Option<String>,
    /// Permissions (`resource:action`).
    #[serde(default)]
    permissions: Vec<String>,
}

/// Creates a role.
#[utoipa::path(tag = "roles", request_body = NewRole, responses((status = 201, description = "Created", body = RoleDetails), (status = 409, description = "It exists")), security(("bearer" = [])))]
#[post("/roles")]
pub async fn create_role(
    api: web::Data<AdminApi>,
    caller: Caller,
    body: web::Json<NewRole>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let role = api
        .admin
        .create_role(&caller.0, b.client_id.as_deref(), &b.name, &b.permissions)
        .await?;
    Ok(HttpResponse::Created().json(role))
}

/// One role with its permissions and holders.
#[utoipa::path(tag = "roles", params(("name" = String, Path, description = "Role name"), RoleOf),
    responses((status = 200, description = "OK", body = RoleDetails), (status = 404, description = "Not found")), security(("bearer" = [])))]
#[get("/roles/{name}")]
pub async fn get_role(
    api: web::Data<AdminApi>,
    caller: Caller,
    name: web::Path<String>,
    of: web::Query<RoleOf>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        api.admin
            .role(&caller.0, of.client_id.as_deref(), &name)
            .await?,
    ))
}

/// Deletes a role with its grants.
#[utoipa::path(tag = "roles", params(("name" = String, Path, description = "Role name"), RoleOf),
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")), security(("bearer" = [])))]
#[delete("/roles/{name}")]
pub async fn delete_role(
    api: web::Data<AdminApi>,
    caller: Caller,
    name: web::Path<String>,
    of: web::Query<RoleOf>,
) -> Result<HttpResponse, ApiError> {
    api.admin
        .delete_role(&caller.0, of.client_id.as_deref(), &name)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Gives a role a permission (`resource:action`).
#[utoipa::path(tag = "roles", params(("name" = String, Path, description = "Role name"), ("permission" = String, Path, description = "resource:action"), RoleOf),
    responses((status = 200, description = "The role now", body = RoleDetails)), security(("bearer" = [])))]
#[put("/roles/{name}/permissions/{permission}")]
pub async fn add_permission(
    api: web::Data<AdminApi>,
    caller: Caller,
    path: web::Path<(String, String)>,
    of: web::Query<RoleOf>,
) -> Result<HttpResponse, ApiError> {
    let (name, permission) = path.into_inner();
    let role = api
        .admin
        .set_role_permission(&caller.0, of.client_id.as_deref(), &name, &permission, true)
        .await?;
    Ok(HttpResponse::Ok().json(role))
}

/// Takes a permission from a role (tokens already issued keep theirs until they expire).
#[utoipa::path(tag = "roles", params(("name" = String, Path, description = "Role name"), ("permission" = String, Path, description = "resource:action"), RoleOf),
    responses((status = 200, description = "The role now", body = RoleDetails)), security(("bearer" = [])))]
#[delete("/roles/{name}/permissions/{permission}")]
pub async fn remove_permission(
    api: web::Data<AdminApi>,
    caller: Caller,
    path: web::Path<(String, String)>,
    of: web::Query<RoleOf>,
) -> Result<HttpResponse, ApiError> {
    let (name, permission) = path.into_inner();
    let role = api
        .admin
        .set_role_permission(
            &caller.0,
            of.client_id.as_deref(),
            &name,
            &permission,
            false,
        )
        .await?;
    Ok(HttpResponse::Ok().json(role))
}

/// The clients of the two roles of an inclusion, for client roles.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IncludeOf {
    /// The client of the including role; absent: a global role.
    client_id: Option<String>,
    /// The client of the included role; absent: a global role.
    other_client_id: Option<String>,
}

impl IncludeOf {
    fn other(&self, name: String) -> RoleName {
        RoleName {
            client_id: self.other_client_id.clone(),
            name,
        }
    }
}

/// Makes a role include another (a composite role): whoever holds it holds the other.
/// Cycles are refused (400).
#[utoipa::path(tag = "roles", params(("name" = String, Path, description = "Role name"), ("other" = String, Path, description = "The included role's name"), IncludeOf),
    responses((status = 200, description = "The role now", body = RoleDetails)), security(("bearer" = [])))]
#[put("/roles/{name}/includes/{other}")]
pub async fn include_role(
    api: web::Data<AdminApi>,
    caller: Caller,
    path: web::Path<(String, String)>,
    of: web::Query<IncludeOf>,
) -> Result<HttpResponse, ApiError> {
    let (name, other) = path.into_inner();
    let role = api
        .admin
        .set_role_include(
            &caller.0,
            of.client_id.as_deref(),
            &name,
            &of.other(other),
            true,
        )
        .await?;
    Ok(HttpResponse::Ok().json(role))
}

/// Stops a role including another.
#[utoipa::path(tag = "roles", params(("name" = String, Path, description = "Role name"), ("other" = String, Path, description = "The included role's name"), IncludeOf),
    responses((status = 200, description = "The role now", body = RoleDetails)), security(("bearer" = [])))]
#[delete("/roles/{name}/includes/{other}")]
pub async fn exclude_role(
    api: web::Data<AdminApi>,
    caller: Caller,
    path: web::Path<(String, String)>,
    of: web::Query<IncludeOf>,
) -> Result<HttpResponse, ApiError> {
    let (name, other) = path.into_inner();
    let role = api
        .admin
        .set_role_include(
            &caller.0,
            of.client_id.as_deref(),
            &name,
            &of.other(other),
            false,
        )
        .await?;
    Ok(HttpResponse::Ok().json(role))
}

/// Who gets or loses a role: exactly one of `user` and `group`.
#[derive(Debug, Deserialize, ToSchema, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Grantee {
    /// A user's address or id.
    user: Option<String>,
    /// A group's name.
    group: Option<String>,
    /// The role's client, for a client role.
    client_id: Option<String>,
}

impl Grantee {
    fn who(&self) -> Result<RoleGrantee, ApiError> {
        match (&self.user, &self.group) {
            (Some(u), None) => Ok(RoleGrantee::User(u.clone())),
            (None, Some(g)) => Ok(RoleGrantee::Group(g.clone())),
            _ => {
                Err(domain::Error::invalid("grantee", "give exactly one of user and group").into())
            }
        }
    }
}

/// Grants a role to a user or a group.
#[utoipa::path(tag = "roles", params(("name" = String, Path, description = "Role name")), request_body = Grantee,
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")), security(("bearer" = [])))]
#[post("/roles/{name}/grants")]
pub async fn grant_role(
    api: web::Data<AdminApi>,
    caller: Caller,
    name: web::Path<String>,
    body: web::Json<Grantee>,
) -> Result<HttpResponse, ApiError> {
    let who = body.who()?;
    api.admin
        .grant_role(&caller.0, body.client_id.as_deref(), &name, &who)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Takes a role back from a user or a group.
#[utoipa::path(tag = "roles", params(("name" = String, Path, description = "Role name"), Grantee),
    responses((status = 204, description = "Done"), (status = 404, description = "Not found"), (status = 409, description = "Not possible (your own gatehouse:admin)")), security(("bearer" = [])))]
#[delete("/roles/{name}/grants")]
pub async fn revoke_role(
    api: web::Data<AdminApi>,
    caller: Caller,
    name: web::Path<String>,
    q: web::Query<Grantee>,
) -> Result<HttpResponse, ApiError> {
    let who = q.who()?;
    api.admin
        .revoke_role(&caller.0, q.client_id.as_deref(), &name, &who)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lists groups.
#[utoipa::path(tag = "groups", responses((status = 200, description = "OK", body = Vec<GroupSummary>)), security(("bearer" = [])))]
#[get("/groups")]
pub async fn list_groups(
    api: web::Data<AdminApi>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.list_groups(&caller.0).await?))
}

/// A new group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    /// Name (unique).
    name: String,
    /// The enclosing group.
    parent: Option<String>,
}

/// Creates a group.
#[utoipa::path(tag = "groups", request_body = NewGroup, responses((status = 201, description = "Created", body = GroupSummary), (status = 409, description = "It exists")), security(("bearer" = [])))]
#[post("/groups")]
pub async fn create_group(
    api: web::Data<AdminApi>,
    caller: Caller,
    body: web::Json<NewGroup>,
) -> Result<HttpResponse, ApiError> {
    let group = api
        .admin
        .create_group(&caller.0, &body.name, body.parent.as_deref())
        .await?;
    Ok(HttpResponse::Created().json(group))
}

/// One group with its members, roles and subgroups.
#[utoipa::path(tag = "groups", params(("name" = String, Path, description = "Group name")),
    responses((status = 200, description = "OK", body = GroupDetails), (status = 404, description = "Not found")), security(("bearer" = [])))]
#[get("/groups/{name}")]
pub async fn get_group(
    api: web::Data<AdminApi>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.group(&caller.0, &name).await?))
}

/// Deletes a group.
#[utoipa::path(tag = "groups", params(("name" = String, Path, description = "Group name")),
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")), security(("bearer" = [])))]
#[delete("/groups/{name}")]
pub async fn delete_group(
    api: web::Data<AdminApi>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    api.admin.delete_group(&caller.0, &name).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds a member (a user's address or id).
#[utoipa::path(tag = "groups", params(("name" = String, Path, description = "Group name"), ("user" = String, Path, description = "User address or id")),
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")), security(("bearer" = [])))]
#[put("/groups/{name}/members/{user}")]
pub async fn add_member(
    api: web::Data<AdminApi>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (name, user) = path.into_inner();
    api.admin
        .set_group_member(&caller.0, &name, &user, true)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes a member.
#[utoipa::path(tag = "groups", params(("name" = String, Path, description = "Group name"), ("user" = String, Path, description = "User address or id")),
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")), security(("bearer" = [])))]
#[delete("/groups/{name}/members/{user}")]
pub async fn remove_member(
    api: web::Data<AdminApi>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (name, user) = path.into_inner();
    api.admin
        .set_group_member(&caller.0, &name, &user, false)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Puts a group inside another (moving it from where it was). Cycles are refused (400).
#[utoipa::path(tag = "groups", params(("name" = String, Path, description = "The enclosing group"), ("child" = String, Path, description = "The group put inside it")),
    responses((status = 204, description = "Done")), security(("bearer" = [])))]
#[put("/groups/{name}/subgroups/{child}")]
pub async fn add_subgroup(
    api: web::Data<AdminApi>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (name, child) = path.into_inner();
    api.admin
        .set_subgroup(&caller.0, &name, &child, true)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Takes a subgroup out of a group, to the top.
#[utoipa::path(tag = "groups", params(("name" = String, Path, description = "The enclosing group"), ("child" = String, Path, description = "The subgroup")),
    responses((status = 204, description = "Done")), security(("bearer" = [])))]
#[delete("/groups/{name}/subgroups/{child}")]
pub async fn remove_subgroup(
    api: web::Data<AdminApi>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (name, child) = path.into_inner();
    api.admin
        .set_subgroup(&caller.0, &name, &child, false)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lists service accounts.
#[utoipa::path(tag = "service-accounts", responses((status = 200, description = "OK", body = Vec<ServiceAccount>)), security(("bearer" = [])))]
#[get("/service-accounts")]
pub async fn list_service_accounts(
    api: web::Data<AdminApi>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.list_service_accounts(&caller.0).await?))
}

/// A new service account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServiceAccount {
    /// Unique name.
    name: String,
    /// The owning administrator's address or id; absent: the caller (a person).
    owner: Option<String>,
    /// Global roles it holds.
    #[serde(default)]
    roles: Vec<String>,
    /// What it is for.
    description: Option<String>,
}

/// Creates a service account.
#[utoipa::path(tag = "service-accounts", request_body = NewServiceAccount, responses((status = 201, description = "Created", body = ServiceAccount), (status = 409, description = "It exists")), security(("bearer" = [])))]
#[post("/service-accounts")]
pub async fn create_service_account(
    api: web::Data<AdminApi>,
    caller: Caller,
    body: web::Json<NewServiceAccount>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let created = api
        .admin
        .create_service_account(
            &caller.0,
            &b.name,
            b.owner.as_deref(),
            &b.roles,
            b.description,
        )
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// Deletes a service account and its keys.
#[utoipa::path(tag = "service-accounts", params(("id" = String, Path, description = "Name or id")),
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")), security(("bearer" = [])))]
#[delete("/service-accounts/{id}")]
pub async fn delete_service_account(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    api.admin.delete_service_account(&caller.0, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lists API keys (never the keys).
#[utoipa::path(tag = "api-keys", responses((status = 200, description = "OK", body = Vec<ApiKey>)), security(("bearer" = [])))]
#[get("/api-keys")]
pub async fn list_api_keys(
    api: web::Data<AdminApi>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.list_api_keys(&caller.0).await?))
}

/// A new API key: exactly one owner.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// A name for people.
    name: String,
    /// The owning user's address or id.
    user: Option<String>,
    /// The owning service account's name or id.
    service_account: Option<String>,
    /// Permissions it carries (the owner must hold them).
    #[serde(default)]
    permissions: Vec<String>,
    /// Lifetime in seconds (at most `api_keys.max_lifetime_days`).
    expires_in_secs: u64,
}

/// A key with its secret, shown once.
#[derive(Serialize, ToSchema)]
pub struct KeyWithSecret {
    /// The key.
    #[serde(flatten)]
    key: ApiKey,
    /// The key itself; only a keyed hash is stored.
    api_key: String,
}

/// Creates an API key.
#[utoipa::path(tag = "api-keys", request_body = NewKey, responses((status = 201, description = "Created", body = KeyWithSecret)), security(("bearer" = [])))]
#[post("/api-keys")]
pub async fn create_api_key(
    api: web::Data<AdminApi>,
    caller: Caller,
    body: web::Json<NewKey>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let (key, api_key) = api
        .admin
        .create_api_key(
            &caller.0,
            &b.name,
            b.user.as_deref(),
            b.service_account.as_deref(),
            b.permissions,
            Duration::from_secs(b.expires_in_secs),
        )
        .await?;
    Ok(HttpResponse::Created().json(KeyWithSecret { key, api_key }))
}

/// Revokes an API key now.
#[utoipa::path(tag = "api-keys", params(("id" = String, Path, description = "Key id")),
    responses((status = 200, description = "The revoked key", body = ApiKey), (status = 404, description = "Not found")), security(("bearer" = [])))]
#[delete("/api-keys/{id}")]
pub async fn revoke_api_key(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.revoke_api_key(&caller.0, &id).await?))
}
