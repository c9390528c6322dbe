//! `/clients`: register, edit without changing the `client_id`, rotate the secret, enable,
//! disable, delete.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use domain::admin::{ClientPatch, PageRequest, client_version};
use domain::clients::{Client, NewClient};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AdminApi;
use crate::caller::Caller;
use crate::etag::{if_match, json_with_etag};
use crate::problem::{ApiError, Problem};

/// A page of clients.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ClientPage {
    /// The clients.
    items: Vec<Client>,
    /// Cursor of the next page; absent on the last.
    next_cursor: Option<String>,
}

/// Paging of the client list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    limit: Option<u64>,
}

/// Lists clients.
#[utoipa::path(tag = "clients", params(ListQuery),
    responses((status = 200, description = "OK", body = ClientPage), (status = 400, description = "Invalid input (problem details)", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/clients")]
pub async fn list_clients(
    api: web::Data<AdminApi>,
    caller: Caller,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(HttpResponse::Ok().json(api.admin.list_clients(&caller.0, &page).await?))
}

/// A client with its secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct WithSecret {
    /// The client.
    #[serde(flatten)]
    client: Client,
    /// The secret (confidential clients); only a keyed hash is kept.
    client_secret: Option<String>,
}

/// Registers a client (`name` and, for the code flow, `redirect_uris` needed).
#[utoipa::path(tag = "clients", request_body = ClientPatch,
    responses((status = 201, description = "Created", body = WithSecret), (status = 400, description = "Invalid input (problem details)", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/clients")]
pub async fn create_client(
    api: web::Data<AdminApi>,
    caller: Caller,
    body: web::Json<ClientPatch>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().apply(NewClient::default());
    let (client, client_secret) = api.admin.create_client(&caller.0, new).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::ETAG,
            format!("\"{}\"", client_version(&client)),
        ))
        .json(WithSecret {
            client,
            client_secret,
        }))
}

/// One client. `ETag` is its version.
#[utoipa::path(tag = "clients", params(("id" = String, Path, description = "client_id")),
    responses((status = 200, description = "OK", body = Client), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/clients/{id}")]
pub async fn get_client(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let client = api.admin.client(&caller.0, &id).await?;
    Ok(json_with_etag(&client, &client_version(&client)))
}

/// Changes the fields given; the `client_id` and secret stay. Send `If-Match`.
#[utoipa::path(tag = "clients", request_body = ClientPatch,
    params(("id" = String, Path, description = "client_id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    responses((status = 200, description = "OK", body = Client), (status = 400, description = "Invalid input (problem details)", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since read: the If-Match version is stale", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[patch("/clients/{id}")]
pub async fn update_client(
    api: web::Data<AdminApi>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<ClientPatch>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let client = api
        .admin
        .update_client(&caller.0, &id, body.into_inner(), expected.as_deref())
        .await?;
    Ok(json_with_etag(&client, &client_version(&client)))
}

/// Deletes the client with its codes, tokens and consents.
#[utoipa::path(tag = "clients", params(("id" = String, Path, description = "client_id")),
    responses((status = 204, description = "Done"), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/clients/{id}")]
pub async fn delete_client(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    api.admin.delete_client(&caller.0, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How long the old secret keeps working.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rotate {
    /// Seconds the previous secret still works (0 to 2592000; default 0: it stops at once).
    #[serde(default)]
    grace_secs: u64,
}

/// A new secret (shown once); the old one works for `grace_secs`. Send `If-Match`.
#[utoipa::path(tag = "clients", request_body = Rotate,
    params(("id" = String, Path, description = "client_id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    responses((status = 200, description = "OK", body = WithSecret), (status = 400, description = "Invalid input (problem details)", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Not possible in the current state", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since read: the If-Match version is stale", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/clients/{id}/rotate-secret")]
pub async fn rotate_secret(
    api: web::Data<AdminApi>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<Rotate>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let (client, secret) = api
        .admin
        .rotate_client_secret(
            &caller.0,
            &id,
            Duration::from_secs(body.grace_secs),
            expected.as_deref(),
        )
        .await?;
    let version = client_version(&client);
    Ok(json_with_etag(
        &WithSecret {
            client,
            client_secret: Some(secret),
        },
        &version,
    ))
}

/// Enables a disabled client.
#[utoipa::path(tag = "clients", params(("id" = String, Path, description = "client_id")),
    responses((status = 200, description = "OK", body = Client), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since read: the If-Match version is stale", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/clients/{id}/enable")]
pub async fn enable_client(
    api: web::Data<AdminApi>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_enabled(api, caller, req, id, true).await
}

/// Disables a client: its authorization and token requests are refused as if it were unknown.
#[utoipa::path(tag = "clients", params(("id" = String, Path, description = "client_id")),
    responses((status = 200, description = "OK", body = Client), (status = 401, description = "No or bad credentials", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The caller's roles do not allow it", body = Problem, content_type = "application/problem+json"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since read: the If-Match version is stale", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/clients/{id}/disable")]
pub async fn disable_client(
    api: web::Data<AdminApi>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_enabled(api, caller, req, id, false).await
}

async fn set_enabled(
    api: web::Data<AdminApi>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    enabled: bool,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let client = api
        .admin
        .set_client_enabled(&caller.0, &id, enabled, expected.as_deref())
        .await?;
    Ok(json_with_etag(&client, &client_version(&client)))
}
