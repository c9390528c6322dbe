//! SCIM resources as JSON: users and groups rendered with `meta`, and request bodies read
//! with case-insensitive attribute names (RFC 7643 2.1) and booleans sent as strings.

use domain::admin::scim::{GROUP_SCHEMA, GroupRecord, ScimGroup, ScimUser, USER_SCHEMA, is_active};
use domain::admin::version_of;
use domain::entities::user;
use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;

use super::error::ScimError;

/// The list response schema.
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The `meta.version` (and `ETag`) of a resource last changed at `at`.
pub fn etag(at: time::OffsetDateTime) -> String {
    format!("W/\"{}\"", version_of(at))
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn meta(
    kind: &str,
    base: &str,
    id: &str,
    created: time::OffsetDateTime,
    modified: time::OffsetDateTime,
) -> Value {
    json!({
        "resourceType": kind,
        "created": rfc3339(created),
        "lastModified": rfc3339(modified),
        "location": format!("{base}/{kind}s/{id}"),
        "version": etag(modified),
    })
}

/// A user as SCIM shows it. `base` is the SCIM base URL.
pub fn user_json(u: &user::Model, base: &str) -> Value {
    let user_name = u.email.clone().unwrap_or_else(|| u.subject.clone());
    let mut out = json!({
        "schemas": [USER_SCHEMA],
        "id": u.id,
        "userName": user_name,
        "active": is_active(u),
        "meta": meta("User", base, &u.id, u.created_at, u.updated_at),
    });
    let mut name = Map::new();
    if let Some(g) = &u.given_name {
        name.insert("givenName".into(), g.clone().into());
    }
    if let Some(f) = &u.family_name {
        name.insert("familyName".into(), f.clone().into());
    }
    if !name.is_empty() {
        out["name"] = Value::Object(name);
    }
    if let Some(d) = &u.display_name {
        out["displayName"] = d.clone().into();
    }
    if let Some(e) = &u.external_id {
        out["externalId"] = e.clone().into();
    }
    if let Some(email) = &u.email {
        out["emails"] = json!([{ "value": email, "type": "work", "primary": true }]);
    }
    out
}

/// A group as SCIM shows it; `members` left out when they were not read.
pub fn group_json(g: &GroupRecord, base: &str, with_members: bool) -> Value {
    let mut out = json!({
        "schemas": [GROUP_SCHEMA],
        "id": g.group.id,
        "displayName": g.display_name(),
        "meta": meta("Group", base, &g.group.id, g.group.created_at, g.updated_at()),
    });
    if let Some(e) = &g.group.external_id {
        out["externalId"] = e.clone().into();
    }
    if with_members {
        out["members"] = g
            .members
            .iter()
            .map(|m| {
                json!({
                    "value": m.id,
                    "display": m.display,
                    "type": "User",
                    "$ref": format!("{base}/Users/{}", m.id),
                })
            })
            .collect();
    }
    out
}

/// The value of `name` in `obj`, whatever the case of the key.
pub fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A string attribute: absent or `null` is `None`.
pub fn string(value: Option<&Value>, attr: &str) -> Result<Option<String>, ScimError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ScimError::bad(
            "invalidValue",
            format!("{attr} must be a string"),
        )),
    }
}

/// A boolean attribute; Entra ID sends `"True"`/`"False"` strings.
pub fn boolean(value: &Value, attr: &str) -> Result<bool, ScimError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ScimError::bad(
            "invalidValue",
            format!("{attr} must be true or false"),
        )),
    }
}

/// The body as a JSON object.
pub fn object(body: &[u8]) -> Result<Map<String, Value>, ScimError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(ScimError::bad(
            "invalidSyntax",
            "the body must be a JSON object",
        )),
        Err(e) => Err(ScimError::bad(
            "invalidSyntax",
            format!("the body is not JSON: {e}"),
        )),
    }
}

/// The address in `emails`: the primary one, else the first.
pub fn primary_email(emails: &Value) -> Result<Option<String>, ScimError> {
    let Value::Array(list) = emails else {
        return Err(ScimError::bad("invalidValue", "emails must be a list"));
    };
    let entry = list
        .iter()
        .filter_map(Value::as_object)
        .find(|e| field(e, "primary").is_some_and(|p| boolean(p, "primary").unwrap_or(false)))
        .or_else(|| list.iter().find_map(Value::as_object));
    match entry {
        Some(e) => string(field(e, "value"), "emails.value"),
        None => Ok(None),
    }
}

/// A user from a POST or PUT body. `userName` is the sign-in address; without it, the
/// primary address in `emails`. Attributes Gatehouse does not keep are ignored.
pub fn user_from(body: &Map<String, Value>) -> Result<ScimUser, ScimError> {
    let user_name = match string(field(body, "userName"), "userName")? {
        Some(u) => u,
        None => match field(body, "emails") {
            Some(e) => primary_email(e)?.unwrap_or_default(),
            None => String::new(),
        },
    };
    if user_name.is_empty() {
        return Err(ScimError::bad("invalidValue", "userName is required"));
    }
    let name = match field(body, "name") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => return Err(ScimError::bad("invalidValue", "name must be an object")),
    };
    Ok(ScimUser {
        user_name,
        display_name: string(field(body, "displayName"), "displayName")?,
        given_name: string(field(&name, "givenName"), "name.givenName")?,
        family_name: string(field(&name, "familyName"), "name.familyName")?,
        active: match field(body, "active") {
            None | Some(Value::Null) => true,
            Some(v) => boolean(v, "active")?,
        },
        external_id: string(field(body, "externalId"), "externalId")?,
        password: string(field(body, "password"), "password")?,
    })
}

/// The user ids of a `members` list (`[{"value": "id"}, ...]`).
pub fn member_ids(value: &Value) -> Result<Vec<String>, ScimError> {
    let list = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(list) => list.as_slice(),
        // A single member sent without the list.
        Value::Object(_) => std::slice::from_ref(value),
        _ => return Err(ScimError::bad("invalidValue", "members must be a list")),
    };
    list.iter()
        .map(|m| {
            m.as_object()
                .and_then(|o| field(o, "value"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    ScimError::bad("invalidValue", "each member needs a value (a user id)")
                })
        })
        .collect()
}

/// A group from a POST or PUT body.
pub fn group_from(body: &Map<String, Value>) -> Result<ScimGroup, ScimError> {
    Ok(ScimGroup {
        display_name: string(field(body, "displayName"), "displayName")?
            .ok_or_else(|| ScimError::bad("invalidValue", "displayName is required"))?,
        external_id: string(field(body, "externalId"), "externalId")?,
        members: match field(body, "members") {
            Some(m) => member_ids(m)?,
            None => Vec::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_read_case_insensitively_with_string_booleans() {
        let body = object(
            br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"USERNAME":"A@Example.com",
                "Name":{"GivenName":"Ada","familyName":"Lovelace"},"active":"False","externalId":"e1",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"x"}}"#,
        )
        .unwrap();
        let u = user_from(&body).unwrap();
        assert_eq!(u.user_name, "A@Example.com");
        assert_eq!(u.given_name.as_deref(), Some("Ada"));
        assert_eq!(u.family_name.as_deref(), Some("Lovelace"));
        assert!(!u.active);
        assert_eq!(u.external_id.as_deref(), Some("e1"));
        let by_email =
            object(br#"{"emails":[{"value":"x@e.com"},{"value":"p@e.com","primary":"true"}]}"#)
                .unwrap();
        assert_eq!(user_from(&by_email).unwrap().user_name, "p@e.com");
        assert!(user_from(&object(br#"{"displayName":"x"}"#).unwrap()).is_err());
        assert!(
            user_from(&object(br#"{"userName":"x@e.com","active":"maybe"}"#).unwrap()).is_err()
        );
        assert!(object(b"[1]").is_err());
        assert!(object(b"{").is_err());
    }
}
