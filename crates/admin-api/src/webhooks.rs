//! `/webhooks` (`gatehouse:admin`): signed webhook subscriptions and their delivery log.

use std::time::Duration;

use actix_web::{HttpResponse, delete, get, post, web};
use domain::admin::DeliveryView;
use domain::events::{NewWebhook, Webhook};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AdminApi;
use crate::caller::Caller;
use crate::problem::ApiError;

/// Lists the subscriptions (never their secrets).
#[utoipa::path(tag = "webhooks", responses((status = 200, description = "OK", body = Vec<Webhook>)), security(("bearer" = [])))]
#[get("/webhooks")]
pub async fn list_webhooks(
    api: web::Data<AdminApi>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.list_webhooks(&caller.0).await?))
}

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// The https URL events are POSTed to.
    url: String,
    /// Public event types (docs/events.md), or `*`.
    event_types: Vec<String>,
    /// What it is for.
    description: Option<String>,
}

/// A subscription with its secret (`whsec_…`), shown once.
#[derive(Serialize, ToSchema)]
pub struct WebhookWithSecret {
    /// The subscription.
    #[serde(flatten)]
    webhook: Webhook,
    /// The signing secret.
    secret: String,
}

/// Subscribes a URL (internal addresses are refused unless configured otherwise).
#[utoipa::path(tag = "webhooks", request_body = CreateWebhook, responses((status = 201, description = "Created", body = WebhookWithSecret)), security(("bearer" = [])))]
#[post("/webhooks")]
pub async fn create_webhook(
    api: web::Data<AdminApi>,
    caller: Caller,
    body: web::Json<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let (webhook, secret) = api
        .admin
        .create_webhook(
            &caller.0,
            NewWebhook {
                url: b.url,
                event_types: b.event_types,
                description: b.description,
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(WebhookWithSecret { webhook, secret }))
}

/// One subscription.
#[utoipa::path(tag = "webhooks", params(("id" = String, Path, description = "Subscription id")),
    responses((status = 200, description = "OK", body = Webhook)), security(("bearer" = [])))]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.webhook(&caller.0, &id).await?))
}

/// Deletes a subscription and its queued deliveries.
#[utoipa::path(tag = "webhooks", params(("id" = String, Path, description = "Subscription id")),
    responses((status = 204, description = "Done")), security(("bearer" = [])))]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    api.admin.delete_webhook(&caller.0, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Enables a subscription (events are queued for it again).
#[utoipa::path(tag = "webhooks", params(("id" = String, Path, description = "Subscription id")),
    responses((status = 200, description = "OK", body = Webhook)), security(("bearer" = [])))]
#[post("/webhooks/{id}/enable")]
pub async fn enable_webhook(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.set_webhook_enabled(&caller.0, &id, true).await?))
}

/// Disables a subscription.
#[utoipa::path(tag = "webhooks", params(("id" = String, Path, description = "Subscription id")),
    responses((status = 200, description = "OK", body = Webhook)), security(("bearer" = [])))]
#[post("/webhooks/{id}/disable")]
pub async fn disable_webhook(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.set_webhook_enabled(&caller.0, &id, false).await?))
}

/// How long the old secret still signs.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateWebhook {
    /// Seconds deliveries are also signed with the old secret (default 0).
    #[serde(default)]
    grace_secs: u64,
}

/// The new secret.
#[derive(Serialize, ToSchema)]
pub struct NewSecret {
    /// The signing secret, shown once.
    secret: String,
}

/// A new signing secret; during the grace period deliveries carry both signatures.
#[utoipa::path(tag = "webhooks", params(("id" = String, Path, description = "Subscription id")), request_body = RotateWebhook,
    responses((status = 200, description = "OK", body = NewSecret)), security(("bearer" = [])))]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<RotateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let secret = api
        .admin
        .rotate_webhook_secret(&caller.0, &id, Duration::from_secs(body.grace_secs))
        .await?;
    Ok(HttpResponse::Ok().json(NewSecret { secret }))
}

/// How many deliveries to show.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// Newest first, 1 to 500 (default 50).
    limit: Option<u64>,
}

/// The delivery log: the newest deliveries with their state, attempts and last answer.
#[utoipa::path(tag = "webhooks", params(("id" = String, Path, description = "Subscription id"), DeliveriesQuery),
    responses((status = 200, description = "OK", body = Vec<DeliveryView>)), security(("bearer" = [])))]
#[get("/webhooks/{id}/deliveries")]
pub async fn deliveries(
    api: web::Data<AdminApi>,
    caller: Caller,
    id: web::Path<String>,
    q: web::Query<DeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = q.limit.unwrap_or(50);
    Ok(HttpResponse::Ok().json(api.admin.webhook_deliveries(&caller.0, &id, limit).await?))
}
