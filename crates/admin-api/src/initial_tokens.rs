//! `/initial-tokens`: the initial access tokens that admit dynamic client registrations
//! (RFC 7591 3) when `oauth.dynamic_registration = "token"`.

use std::time::Duration;

use actix_web::{HttpResponse, delete, get, post, web};
use domain::clients::InitialToken;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AdminApi;
use crate::caller::Caller;
use crate::problem::ApiError;

/// Lists initial access tokens, newest first (never the tokens).
#[utoipa::path(tag = "clients", responses((status = 200, description = "OK", body = Vec<InitialToken>)), security(("bearer" = [])))]
#[get("/initial-tokens")]
pub async fn list_initial_tokens(
    api: web::Data<AdminApi>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.list_initial_tokens(&caller.0).await?))
}

/// A new initial access token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInitialToken {
    /// Lifetime in seconds (at most 365 days).
    expires_in_secs: u64,
    /// Registrations it admits; absent: any number until it expires.
    max_uses: Option<u32>,
}

/// An initial access token with the token, shown once.
#[derive(Serialize, ToSchema)]
pub struct InitialTokenWithSecret {
    /// The token's record.
    #[serde(flatten)]
    view: InitialToken,
    /// The token (a bearer token at `/connect/register`); only a keyed hash is stored.
    token: String,
}

/// Creates an initial access token.
#[utoipa::path(tag = "clients", request_body = NewInitialToken, responses((status = 201, description = "Created", body = InitialTokenWithSecret)), security(("bearer" = [])))]
#[post("/initial-tokens")]
pub async fn create_initial_token(
    api: web::Data<AdminApi>,
    caller: Caller,
    body: web::Json<NewInitialToken>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let (view, token) = api
        .admin
        .create_initial_token(
            &caller.0,
            Duration::from_secs(b.expires_in_secs),
            b.max_uses,
        )
        .await?;
    Ok(HttpResponse::Created().json(InitialTokenWithSecret { view, token }))
}

/// Revokes an initial access token; clients registered with it stay.
#[utoipa::path(tag = "clients", params(("id" = String, Path, description = "Token id")),
    responses((status = 200, description = "The revoked token", body = InitialToken), (status = 404, description = "Not found")), security(("bearer" = [])))]
#[delete("/initial-tokens/{id}")]
pub async fn revoke_initial_token(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.revoke_initial_token(&caller.0, &id).await?))
}
