//! `/users`: accounts and everything an administrator helps people with.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use domain::admin::{NewAccount, PageRequest, StateChange, UserDetail, UserFilter, UserView};
use domain::users::{Profile, UserStatus};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AdminApi;
use crate::caller::Caller;
use crate::etag::{if_match, json_with_etag};
use crate::problem::{ApiError, Problem};

/// A page of accounts.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UserPage {
    /// The accounts.
    items: Vec<UserView>,
    /// Cursor of the next page; absent on the last.
    next_cursor: Option<String>,
}

/// Filters and paging of the account list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Part of the address or the name, or an exact id or `sub`.
    q: Option<String>,
    /// Only accounts in this state (`active`, `pending`, `locked`, `suspended`, `disabled`).
    status: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    limit: Option<u64>,
}

/// Lists accounts, in creation order.
#[utoipa::path(tag = "users", params(UserListQuery),
    responses((status = 200, description = "OK", body = UserPage), (status = 400, description = "Invalid input (problem details)", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/users")]
pub async fn list_users(
    api: web::Data<AdminApi>,
    caller: Caller,
    q: web::Query<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let filter = UserFilter {
        search: q.q,
        status: q.status.as_deref().map(UserStatus::parse).transpose()?,
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(HttpResponse::Ok().json(api.admin.list_users(&caller.0, &filter, &page).await?))
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Sign-in address.
    email: String,
    /// Initial password (the password policy applies); leave out to let the person set one.
    password: Option<String>,
    /// Display name.
    name: Option<String>,
    /// The address is known to be theirs.
    #[serde(default)]
    email_verified: bool,
    /// Existing global roles to grant (needs `gatehouse:admin`).
    #[serde(default)]
    roles: Vec<String>,
}

/// Creates an account.
#[utoipa::path(tag = "users", request_body = CreateUser,
    responses((status = 201, description = "Created", body = UserView), (status = 400, description = "Invalid input (problem details)", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Not possible in the current state", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/users")]
pub async fn create_user(
    api: web::Data<AdminApi>,
    caller: Caller,
    body: web::Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let created = api
        .admin
        .create_user(
            &caller.0,
            NewAccount {
                email: b.email,
                password: b.password,
                name: b.name,
                email_verified: b.email_verified,
                roles: b.roles,
            },
        )
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::ETAG,
            format!("\"{}\"", created.version()),
        ))
        .json(created))
}

/// One account with its factors, sessions, links and consents. `ETag` is its version.
#[utoipa::path(tag = "users", params(("id" = String, Path, description = "User id, address or sub")),
    responses((status = 200, description = "OK", body = UserDetail), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/users/{id}")]
pub async fn get_user(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let detail = api.admin.user_detail(&caller.0, &id).await?;
    let version = detail.user.version();
    Ok(json_with_etag(&detail, &version))
}

/// Profile changes: a field left out stays, `""` clears it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// Display name.
    name: Option<String>,
    /// `given_name`.
    given_name: Option<String>,
    /// `family_name`.
    family_name: Option<String>,
    /// `middle_name`.
    middle_name: Option<String>,
    /// `nickname`.
    nickname: Option<String>,
    /// `preferred_username`.
    preferred_username: Option<String>,
    /// `picture` URL.
    picture: Option<String>,
    /// `website`.
    website: Option<String>,
    /// `gender`.
    gender: Option<String>,
    /// `birthdate` (YYYY-MM-DD).
    birthdate: Option<String>,
    /// `locale` (BCP 47).
    locale: Option<String>,
    /// `zoneinfo` (IANA).
    zoneinfo: Option<String>,
    /// Phone number.
    phone_number: Option<String>,
    /// Whether the phone number is verified.
    phone_number_verified: Option<bool>,
}

/// Changes profile claims. Send `If-Match` with the `ETag` you read: 412 if it changed since.
#[utoipa::path(tag = "users", request_body = UpdateUser,
    params(("id" = String, Path, description = "User id, address or sub"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    responses((status = 200, description = "OK", body = UserView), (status = 400, description = "Invalid input (problem details)", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since read: the If-Match version is stale", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[patch("/users/{id}")]
pub async fn update_user(
    api: web::Data<AdminApi>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let profile = Profile {
        display_name: b.name,
        given_name: b.given_name,
        family_name: b.family_name,
        middle_name: b.middle_name,
        nickname: b.nickname,
        preferred_username: b.preferred_username,
        picture: b.picture,
        website: b.website,
        gender: b.gender,
        birthdate: b.birthdate,
        locale: b.locale,
        zoneinfo: b.zoneinfo,
        phone_number: b.phone_number,
        phone_number_verified: b.phone_number_verified,
        address: None,
    };
    let expected = if_match(&req)?;
    let updated = api
        .admin
        .update_user(&caller.0, &id, profile, expected.as_deref())
        .await?;
    let version = updated.version();
    Ok(json_with_etag(&updated, &version))
}

/// Erases the account as self-deletion does (the audit log keeps a pseudonym).
#[utoipa::path(tag = "users", params(("id" = String, Path, description = "User id, address or sub")),
    responses((status = 204, description = "Done"), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Not possible in the current state", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/users/{id}")]
pub async fn delete_user(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    api.admin.delete_user(&caller.0, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A password to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    /// The new password (the password policy applies).
    password: String,
    /// Keep the account's sessions and tokens (default: they end).
    #[serde(default)]
    keep_sessions: bool,
}

/// Sets the account's password.
#[utoipa::path(tag = "users", request_body = SetPassword, params(("id" = String, Path, description = "User id, address or sub")),
    responses((status = 204, description = "Done"), (status = 400, description = "Invalid input (problem details)", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/users/{id}/password")]
pub async fn set_password(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<SetPassword>,
) -> Result<HttpResponse, ApiError> {
    api.admin
        .set_user_password(&caller.0, &id, &body.password, body.keep_sessions)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A change of the account's state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum StateRequest {
    /// Lock until a time (RFC 3339), or until unlocked.
    Lock {
        /// End of the lock.
        #[serde(default, with = "time::serde::rfc3339::option")]
        #[schema(value_type = Option<String>, format = DateTime)]
        until: Option<time::OffsetDateTime>,
    },
    /// Lift a lock.
    Unlock,
    /// Suspend with a reason: sessions and tokens end.
    Suspend {
        /// Why (1 to 500 characters).
        reason: String,
    },
    /// Disable: sessions and tokens end.
    Disable,
    /// Back to active.
    Reactivate,
    /// Mark the address verified.
    VerifyEmail,
}

/// Locks, unlocks, suspends, disables, reactivates the account or verifies its address.
#[utoipa::path(tag = "users", request_body = StateRequest, params(("id" = String, Path, description = "User id, address or sub")),
    responses((status = 200, description = "OK", body = UserView), (status = 400, description = "Invalid input (problem details)", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Not possible in the current state", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/users/{id}/state")]
pub async fn change_state(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<StateRequest>,
) -> Result<HttpResponse, ApiError> {
    let change = match body.into_inner() {
        StateRequest::Lock { until } => StateChange::Lock { until },
        StateRequest::Unlock => StateChange::Unlock,
        StateRequest::Suspend { reason } => StateChange::Suspend { reason },
        StateRequest::Disable => StateChange::Disable,
        StateRequest::Reactivate => StateChange::Reactivate,
        StateRequest::VerifyEmail => {
            let v = api.admin.verify_user_email(&caller.0, &id).await?;
            let version = v.version();
            return Ok(json_with_etag(&v, &version));
        }
    };
    let v = api.admin.change_user_state(&caller.0, &id, change).await?;
    let version = v.version();
    Ok(json_with_etag(&v, &version))
}

/// The account's live sessions.
#[utoipa::path(tag = "users", params(("id" = String, Path, description = "User id, address or sub")),
    responses((status = 200, description = "OK", body = Vec<domain::admin::SessionView>), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/users/{id}/sessions")]
pub async fn sessions(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.user_sessions(&caller.0, &id).await?))
}

/// How many sessions ended.
#[derive(serde::Serialize, ToSchema)]
pub struct Ended {
    /// Sessions ended.
    ended: u64,
}

/// Ends every session of the account (and revokes their tokens).
#[utoipa::path(tag = "users", params(("id" = String, Path, description = "User id, address or sub")),
    responses((status = 200, description = "OK", body = Ended), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/users/{id}/sessions")]
pub async fn end_sessions(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ended = api.admin.end_user_sessions(&caller.0, &id, None).await?;
    Ok(HttpResponse::Ok().json(Ended { ended }))
}

/// Ends one session of the account.
#[utoipa::path(tag = "users", params(("id" = String, Path, description = "User id, address or sub"), ("sid" = String, Path, description = "Session id")),
    responses((status = 204, description = "Done"), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/users/{id}/sessions/{sid}")]
pub async fn end_session(
    api: web::Data<AdminApi>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, sid) = path.into_inner();
    api.admin
        .end_user_sessions(&caller.0, &id, Some(&sid))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes one second factor or passkey.
#[utoipa::path(tag = "users", params(("id" = String, Path, description = "User id, address or sub"), ("factor" = String, Path, description = "Factor id")),
    responses((status = 204, description = "Done"), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/users/{id}/factors/{factor}")]
pub async fn remove_factor(
    api: web::Data<AdminApi>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, factor) = path.into_inner();
    api.admin
        .remove_user_factor(&caller.0, &id, &factor)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How many credentials a reset removed.
#[derive(serde::Serialize, ToSchema)]
pub struct Removed {
    /// Credentials removed.
    removed: u64,
}

/// Resets the second factor: authenticator app, SMS, recovery codes and passkeys go.
#[utoipa::path(tag = "users", params(("id" = String, Path, description = "User id, address or sub")),
    responses((status = 200, description = "OK", body = Removed), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/users/{id}/reset-mfa")]
pub async fn reset_mfa(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let removed = api.admin.reset_user_mfa(&caller.0, &id).await?;
    Ok(HttpResponse::Ok().json(Removed { removed }))
}

/// Mails the person a password reset link, as "forgot password" does.
#[utoipa::path(tag = "users", params(("id" = String, Path, description = "User id, address or sub")),
    responses((status = 202, description = "The mail is queued"), (status = 409, description = "No address, or the account is suspended or disabled", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/users/{id}/password-reset")]
pub async fn send_password_reset(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    api.admin.send_password_reset(&caller.0, &id).await?;
    Ok(HttpResponse::Accepted().finish())
}
