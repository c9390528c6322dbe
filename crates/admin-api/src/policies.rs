//! `/policies` and `/relations` (`gatehouse:admin`): each resource server's Cedar schema and
//! policies, and the ACL relations (subject, relation, resource) its decisions use.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use domain::policies::{AclEntry, AclSubject, StoredPolicySet};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AdminApi;
use crate::caller::Caller;
use crate::etag::{if_match, json_with_etag};
use crate::problem::{ApiError, Problem};

/// A resource server's policy set. `ETag` is its version.
#[utoipa::path(tag = "policies", params(("resource_server" = String, Path, description = "The resource server's client_id")),
    responses((status = 200, description = "OK", body = StoredPolicySet), (status = 404, description = "No such client, or it has no policy set", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/policies/{resource_server}")]
pub async fn get_policy_set(
    api: web::Data<AdminApi>,
    caller: Caller,
    resource_server: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let set = api.admin.policy_set(&caller.0, &resource_server).await?;
    Ok(json_with_etag(&set, &set.version.to_string()))
}

/// A policy set in Cedar's own syntax.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicySetBody {
    /// The Cedar schema (schema syntax), referring to `Gatehouse::User` and
    /// `Gatehouse::Request`.
    schema: String,
    /// The Cedar policies.
    policies: String,
}

/// Checks and stores a resource server's schema and policies, replacing its set. A set that
/// does not parse or validate is refused (400, with Cedar's message, line and column) and
/// the stored one kept. Send `If-Match` with the `ETag` read to replace only that version.
#[utoipa::path(tag = "policies", request_body = PolicySetBody,
    params(("resource_server" = String, Path, description = "The resource server's client_id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    responses((status = 200, description = "Stored", body = StoredPolicySet), (status = 412, description = "Changed since read: the If-Match version is stale", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/policies/{resource_server}")]
pub async fn set_policy_set(
    api: web::Data<AdminApi>,
    caller: Caller,
    req: HttpRequest,
    resource_server: web::Path<String>,
    body: web::Json<PolicySetBody>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let set = api
        .admin
        .set_policy_set(
            &caller.0,
            &resource_server,
            &body.schema,
            &body.policies,
            expected.as_deref(),
        )
        .await?;
    Ok(json_with_etag(&set, &set.version.to_string()))
}

/// Removes a resource server's policy set: its decisions are refused until a new one.
#[utoipa::path(tag = "policies", params(("resource_server" = String, Path, description = "The resource server's client_id")),
    responses((status = 204, description = "Done")), security(("bearer" = [])))]
#[delete("/policies/{resource_server}")]
pub async fn delete_policy_set(
    api: web::Data<AdminApi>,
    caller: Caller,
    resource_server: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    api.admin
        .delete_policy_set(&caller.0, &resource_server)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Which relations to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RelationsOf {
    /// The resource server's client_id.
    resource_server: String,
    /// Only this resource (`Type:id`, e.g. `Document:42`).
    resource: Option<String>,
}

/// Lists the relations of a resource server, or of one of its resources.
#[utoipa::path(tag = "policies", params(RelationsOf),
    responses((status = 200, description = "OK", body = Vec<AclEntry>)), security(("bearer" = [])))]
#[get("/relations")]
pub async fn list_relations(
    api: web::Data<AdminApi>,
    caller: Caller,
    q: web::Query<RelationsOf>,
) -> Result<HttpResponse, ApiError> {
    let entries = api
        .admin
        .relations(&caller.0, &q.resource_server, q.resource.as_deref())
        .await?;
    Ok(HttpResponse::Ok().json(entries))
}

/// A relation: exactly one of `user`, `group` and `role` has `relation` on `resource`.
#[derive(Debug, Deserialize, ToSchema, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Relation {
    /// The resource server's client_id.
    resource_server: String,
    /// A user, by email address.
    user: Option<String>,
    /// A group, by name.
    group: Option<String>,
    /// A role, by name.
    role: Option<String>,
    /// The relation, e.g. `owner` or `reader`.
    relation: String,
    /// The resource as `Type:id`, e.g. `Document:42`.
    resource: String,
}

impl Relation {
    fn subject(&self) -> Result<AclSubject, ApiError> {
        match (&self.user, &self.group, &self.role) {
            (Some(u), None, None) => Ok(AclSubject::User(u.clone())),
            (None, Some(g), None) => Ok(AclSubject::Group(g.clone())),
            (None, None, Some(r)) => Ok(AclSubject::Role(r.clone())),
            _ => Err(
                domain::Error::invalid("subject", "give exactly one of user, group and role")
                    .into(),
            ),
        }
    }
}

/// Gives a user, group or role a relation on a resource (adding it again is harmless).
#[utoipa::path(tag = "policies", request_body = Relation,
    responses((status = 201, description = "Added (or already there)", body = AclEntry)), security(("bearer" = [])))]
#[post("/relations")]
pub async fn add_relation(
    api: web::Data<AdminApi>,
    caller: Caller,
    body: web::Json<Relation>,
) -> Result<HttpResponse, ApiError> {
    let subject = body.subject()?;
    let entry = api
        .admin
        .add_relation(
            &caller.0,
            &body.resource_server,
            &subject,
            &body.relation,
            &body.resource,
        )
        .await?;
    Ok(HttpResponse::Created().json(entry))
}

/// Takes a relation back.
#[utoipa::path(tag = "policies", params(Relation),
    responses((status = 204, description = "Done")), security(("bearer" = [])))]
#[delete("/relations")]
pub async fn remove_relation(
    api: web::Data<AdminApi>,
    caller: Caller,
    q: web::Query<Relation>,
) -> Result<HttpResponse, ApiError> {
    let subject = q.subject()?;
    api.admin
        .remove_relation(
            &caller.0,
            &q.resource_server,
            &subject,
            &q.relation,
            &q.resource,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
