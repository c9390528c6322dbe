//! SCIM 2.0 provisioning at `/scim/v2` (RFC 7643, RFC 7644) for Entra ID, Okta and other
//! provisioning clients: users, groups, filters, paging, PATCH, ETags, and the discovery
//! endpoints. Authenticated as the admin API is (an API key or an access token); users
//! and groups need `gatehouse:users` (or `gatehouse:admin`). Every operation is a call to
//! [`domain::admin::Admin`], audited with `via: scim`.

mod discovery;
mod error;
mod groups;
mod patch;
mod resource;
mod users;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::admin::{Actor, Via};
use serde::Deserialize;

use crate::AdminApi;
use crate::caller::Caller;
use crate::problem::ApiError;

use error::SCIM_JSON;
pub use error::ScimError;

/// Where SCIM lives.
pub const SCIM_PREFIX: &str = "/scim/v2";

/// The caller as a SCIM actor (audited `via: scim`).
fn actor(caller: Result<Caller, ApiError>) -> Result<Actor, ScimError> {
    let mut actor = caller?.0;
    actor.via = Via::Scim;
    Ok(actor)
}

/// The SCIM base URL, for `meta.location`.
fn base(api: &AdminApi) -> String {
    format!(
        "{}{SCIM_PREFIX}",
        api.provider.settings.issuer.trim_end_matches('/')
    )
}

/// A SCIM JSON answer, with an `ETag` when the resource has a version.
fn answer(status: actix_web::http::StatusCode, body: &serde_json::Value) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type(SCIM_JSON);
    if let Some(v) = body["meta"]["version"].as_str() {
        res.insert_header((header::ETAG, v.to_owned()));
    }
    if status == actix_web::http::StatusCode::CREATED
        && let Some(l) = body["meta"]["location"].as_str()
    {
        res.insert_header((header::LOCATION, l.to_owned()));
    }
    res.body(body.to_string())
}

/// The version `If-Match` names, if any.
fn if_match(req: &HttpRequest) -> Result<Option<String>, ScimError> {
    crate::etag::if_match(req).map_err(|e| match e {
        ApiError::BadRequest(d) => ScimError::bad("invalidVersion", d),
        other => other.into(),
    })
}

/// The query of a list: `filter`, `startIndex`, `count`, and which attributes to leave out.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    filter: Option<String>,
    #[serde(rename = "startIndex")]
    start_index: Option<i64>,
    count: Option<i64>,
    #[serde(rename = "excludedAttributes")]
    excluded_attributes: Option<String>,
    /// Accepted; every attribute is returned.
    #[allow(dead_code)]
    attributes: Option<String>,
    #[serde(rename = "sortBy")]
    sort_by: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> Result<Option<domain::admin::scim::filter::Filter>, ScimError> {
        if self.sort_by.is_some() {
            return Err(ScimError::bad("invalidValue", "sorting is not supported"));
        }
        self.filter
            .as_deref()
            .filter(|f| !f.trim().is_empty())
            .map(domain::admin::scim::filter::parse)
            .transpose()
            .map_err(|e| ScimError::bad("invalidFilter", e.0))
    }

    fn excludes(&self, attr: &str) -> bool {
        self.excluded_attributes
            .as_deref()
            .is_some_and(|list| list.split(',').any(|a| a.trim().eq_ignore_ascii_case(attr)))
    }
}

/// A list response.
fn list(total: u64, start: u64, resources: Vec<serde_json::Value>) -> HttpResponse {
    answer(
        actix_web::http::StatusCode::OK,
        &serde_json::json!({
            "schemas": [resource::LIST_SCHEMA],
            "totalResults": total,
            "startIndex": start + 1,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    )
}

/// The SCIM scope, with its own body, query and path error handlers answering SCIM errors.
pub fn scope(api: AdminApi) -> actix_web::Scope {
    web::scope(SCIM_PREFIX)
        .app_data(web::Data::new(api))
        .app_data(web::PayloadConfig::new(256 * 1024))
        .app_data(
            web::QueryConfig::default()
                .error_handler(|e, _| ScimError::bad("invalidValue", e.to_string()).into()),
        )
        .app_data(
            web::PathConfig::default()
                .error_handler(|e, _| ScimError::bad("invalidValue", e.to_string()).into()),
        )
        .route("/Users", web::get().to(users::list))
        .route("/Users", web::post().to(users::create))
        .route("/Users/{id}", web::get().to(users::get))
        .route("/Users/{id}", web::put().to(users::replace))
        .route("/Users/{id}", web::patch().to(users::patch))
        .route("/Users/{id}", web::delete().to(users::delete))
        .route("/Groups", web::get().to(groups::list))
        .route("/Groups", web::post().to(groups::create))
        .route("/Groups/{id}", web::get().to(groups::get))
        .route("/Groups/{id}", web::put().to(groups::replace))
        .route("/Groups/{id}", web::patch().to(groups::patch))
        .route("/Groups/{id}", web::delete().to(groups::delete))
        .route(
            "/ServiceProviderConfig",
            web::get().to(discovery::service_provider_config),
        )
        .route("/Schemas", web::get().to(discovery::schemas))
        .route("/Schemas/{id}", web::get().to(discovery::schema))
        .route("/ResourceTypes", web::get().to(discovery::resource_types))
        .route(
            "/ResourceTypes/{id}",
            web::get().to(discovery::resource_type_one),
        )
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(ScimError::from(domain::Error::NotFound("endpoint")))
        }))
}
