//! `/ServiceProviderConfig`, `/Schemas` and `/ResourceTypes` (RFC 7644 4, RFC 7643 5-7).
//! Authenticated like the rest: Entra ID and Okta send their token here too, and what a
//! server supports is nobody else's business.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use domain::admin::scim::{GROUP_SCHEMA, MAX_COUNT, USER_SCHEMA};
use serde_json::{Value, json};

use super::error::ScimError;
use super::{actor, answer, base, list};
use crate::AdminApi;
use crate::caller::Caller;
use crate::problem::ApiError;

fn attribute(
    name: &str,
    kind: &str,
    required: bool,
    case_exact: bool,
    mutability: &str,
    uniqueness: &str,
) -> Value {
    json!({
        "name": name, "type": kind, "multiValued": false, "required": required,
        "caseExact": case_exact, "mutability": mutability, "returned": if mutability == "writeOnly" { "never" } else { "default" },
        "uniqueness": uniqueness, "description": "",
    })
}

fn user_schema(base: &str) -> Value {
    let string = |name: &str| attribute(name, "string", false, false, "readWrite", "none");
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "A Gatehouse account. userName is its sign-in address.",
        "attributes": [
            attribute("userName", "string", true, false, "readWrite", "server"),
            {
                "name": "name", "type": "complex", "multiValued": false, "required": false,
                "mutability": "readWrite", "returned": "default", "description": "",
                "subAttributes": [string("givenName"), string("familyName")],
            },
            string("displayName"),
            attribute("active", "boolean", false, false, "readWrite", "none"),
            attribute("password", "string", false, false, "writeOnly", "none"),
            {
                "name": "emails", "type": "complex", "multiValued": true, "required": false,
                "mutability": "readWrite", "returned": "default",
                "description": "The sign-in address, the same as userName.",
                "subAttributes": [string("value"), string("type"), attribute("primary", "boolean", false, false, "readWrite", "none")],
            },
        ],
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{USER_SCHEMA}") },
    })
}

fn group_schema(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "A Gatehouse group (top-level when created through SCIM).",
        "attributes": [
            attribute("displayName", "string", true, false, "readWrite", "server"),
            {
                "name": "members", "type": "complex", "multiValued": true, "required": false,
                "mutability": "readWrite", "returned": "default", "description": "Direct members (users).",
                "subAttributes": [
                    attribute("value", "string", false, true, "immutable", "none"),
                    attribute("display", "string", false, false, "readOnly", "none"),
                    {"name": "$ref", "type": "reference", "referenceTypes": ["User"], "multiValued": false, "required": false,
                     "caseExact": true, "mutability": "immutable", "returned": "default", "uniqueness": "none", "description": ""},
                    attribute("type", "string", false, false, "immutable", "none"),
                ],
            },
        ],
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{GROUP_SCHEMA}") },
    })
}

fn resource_type(base: &str, name: &str, schema: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": name,
        "name": name,
        "endpoint": format!("/{name}s"),
        "schema": schema,
        "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{name}") },
    })
}

/// `GET /ServiceProviderConfig`.
pub async fn service_provider_config(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
) -> Result<HttpResponse, ScimError> {
    actor(caller)?;
    let base = base(&api);
    Ok(answer(
        StatusCode::OK,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": "https://gatehouse.dev/docs/scim",
            "patch": { "supported": true },
            "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
            "filter": { "supported": true, "maxResults": MAX_COUNT },
            "changePassword": { "supported": true },
            "sort": { "supported": false },
            "etag": { "supported": true },
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "A Gatehouse API key of a service account holding gatehouse:users, or an access token",
                "primary": true,
            }],
            "meta": { "resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig") },
        }),
    ))
}

/// `GET /Schemas`.
pub async fn schemas(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
) -> Result<HttpResponse, ScimError> {
    actor(caller)?;
    let base = base(&api);
    Ok(list(2, 0, vec![user_schema(&base), group_schema(&base)]))
}

/// `GET /Schemas/{id}`.
pub async fn schema(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    actor(caller)?;
    let base = base(&api);
    let body = match id.as_str() {
        USER_SCHEMA => user_schema(&base),
        GROUP_SCHEMA => group_schema(&base),
        _ => return Err(domain::Error::NotFound("schema").into()),
    };
    Ok(answer(StatusCode::OK, &body))
}

/// `GET /ResourceTypes`.
pub async fn resource_types(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
) -> Result<HttpResponse, ScimError> {
    actor(caller)?;
    let base = base(&api);
    Ok(list(
        2,
        0,
        vec![
            resource_type(&base, "User", USER_SCHEMA),
            resource_type(&base, "Group", GROUP_SCHEMA),
        ],
    ))
}

/// `GET /ResourceTypes/{id}`.
pub async fn resource_type_one(
    api: web::Data<AdminApi>,
    caller: Result<Caller, ApiError>,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    actor(caller)?;
    let base = base(&api);
    let body = match id.as_str() {
        "User" => resource_type(&base, "User", USER_SCHEMA),
        "Group" => resource_type(&base, "Group", GROUP_SCHEMA),
        _ => return Err(domain::Error::NotFound("resource type").into()),
    };
    Ok(answer(StatusCode::OK, &body))
}
