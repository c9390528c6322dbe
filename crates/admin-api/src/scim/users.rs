//! `/Users`: list with filter and paging, create, read, replace, patch, delete.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::admin::scim::{ScimUser, is_active, window};
use domain::admin::version_of;

use super::error::ScimError;
use super::patch::{apply_to_user, operations};
use super::resource::{object, user_from, user_json};
use super::{ListQuery, actor, answer, base, if_match, list as list_response};
use crate::AdminApi;
use crate::caller::Caller;
use crate::problem::ApiError;

/// `GET /Users?filter=...&startIndex=1&count=100`.
pub async fn list(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ScimError> {
    let actor = actor(caller)?;
    let filter = q.filter()?;
    let (skip, count) = window(q.start_index, q.count);
    let page = api
        .admin
        .scim_users(&actor, filter.as_ref(), skip, count)
        .await?;
    let base = base(&api);
    let resources = page.items.iter().map(|u| user_json(u, &base)).collect();
    Ok(list_response(page.total, skip, resources))
}

/// `POST /Users`.
pub async fn create(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
    body: web::Bytes,
) -> Result<HttpResponse, ScimError> {
    let actor = actor(caller)?;
    let new = user_from(&object(&body)?)?;
    let created = api.admin.scim_create_user(&actor, new).await?;
    Ok(answer(
        StatusCode::CREATED,
        &user_json(&created, &base(&api)),
    ))
}

/// `GET /Users/{id}`.
pub async fn get(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    let actor = actor(caller)?;
    let u = api.admin.scim_user(&actor, &id).await?;
    Ok(answer(StatusCode::OK, &user_json(&u, &base(&api))))
}

/// `PUT /Users/{id}`: replaces the attributes Gatehouse keeps; `If-Match` is honoured.
pub async fn replace(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ScimError> {
    let actor = actor(caller)?;
    let expected = if_match(&req)?;
    let new = user_from(&object(&body)?)?;
    let u = api
        .admin
        .scim_replace_user(&actor, &id, new, expected.as_deref())
        .await?;
    Ok(answer(StatusCode::OK, &user_json(&u, &base(&api))))
}

/// `PATCH /Users/{id}`: the operations applied to the account as read, written back only
/// if nobody changed it meanwhile (412 otherwise, like a stale `If-Match`).
pub async fn patch(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ScimError> {
    let actor = actor(caller)?;
    let expected = if_match(&req)?;
    let ops = operations(&body, domain::admin::scim::USER_SCHEMA)?;
    let current = api.admin.scim_user(&actor, &id).await?;
    let read_version = version_of(current.updated_at);
    if expected.as_deref().is_some_and(|e| e != read_version) {
        return Err(domain::Error::Stale("user").into());
    }
    let mut user = ScimUser {
        user_name: current.email.clone().unwrap_or_default(),
        display_name: current.display_name.clone(),
        given_name: current.given_name.clone(),
        family_name: current.family_name.clone(),
        active: is_active(&current),
        external_id: current.external_id.clone(),
        password: None,
    };
    apply_to_user(&mut user, &ops)?;
    let u = api
        .admin
        .scim_replace_user(&actor, &current.id, user, Some(&read_version))
        .await?;
    Ok(answer(StatusCode::OK, &user_json(&u, &base(&api))))
}

/// `DELETE /Users/{id}`: erases the account.
pub async fn delete(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    let actor = actor(caller)?;
    api.admin.scim_delete_user(&actor, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
