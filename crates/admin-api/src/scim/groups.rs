//! `/Groups`: list with filter and paging, create, read, replace, patch, delete.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::admin::scim::window;

use super::error::ScimError;
use super::patch::{group_patch, operations};
use super::resource::{group_from, group_json, object};
use super::{ListQuery, actor, answer, base, if_match, list as list_response};
use crate::AdminApi;
use crate::caller::Caller;
use crate::problem::ApiError;

/// `GET /Groups?filter=...`; `excludedAttributes=members` leaves the members out.
pub async fn list(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ScimError> {
    let actor = actor(caller)?;
    let filter = q.filter()?;
    let (skip, count) = window(q.start_index, q.count);
    let with_members = !q.excludes("members");
    let page = api
        .admin
        .scim_groups(&actor, filter.as_ref(), skip, count, with_members)
        .await?;
    let base = base(&api);
    let resources = page
        .items
        .iter()
        .map(|g| group_json(g, &base, with_members))
        .collect();
    Ok(list_response(page.total, skip, resources))
}

/// `POST /Groups`.
pub async fn create(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
    body: web::Bytes,
) -> Result<HttpResponse, ScimError> {
    let actor = actor(caller)?;
    let new = group_from(&object(&body)?)?;
    let g = api.admin.scim_create_group(&actor, new).await?;
    Ok(answer(
        StatusCode::CREATED,
        &group_json(&g, &base(&api), true),
    ))
}

/// `GET /Groups/{id}`.
pub async fn get(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    let actor = actor(caller)?;
    let g = api.admin.scim_group(&actor, &id).await?;
    Ok(answer(StatusCode::OK, &group_json(&g, &base(&api), true)))
}

/// `PUT /Groups/{id}`.
pub async fn replace(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ScimError> {
    let actor = actor(caller)?;
    let expected = if_match(&req)?;
    let new = group_from(&object(&body)?)?;
    let g = api
        .admin
        .scim_replace_group(&actor, &id, new, expected.as_deref())
        .await?;
    Ok(answer(StatusCode::OK, &group_json(&g, &base(&api), true)))
}

/// `PATCH /Groups/{id}`: display name, external id, members added, removed, replaced.
pub async fn patch(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ScimError> {
    let actor = actor(caller)?;
    let expected = if_match(&req)?;
    let change = group_patch(&operations(&body, domain::admin::scim::GROUP_SCHEMA)?)?;
    let g = api
        .admin
        .scim_patch_group(&actor, &id, change, expected.as_deref())
        .await?;
    Ok(answer(StatusCode::OK, &group_json(&g, &base(&api), true)))
}

/// `DELETE /Groups/{id}`.
pub async fn delete(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    let actor = actor(caller)?;
    api.admin.scim_delete_group(&actor, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
