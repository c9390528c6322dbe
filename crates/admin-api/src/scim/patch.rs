//! PATCH (RFC 7644 3.5.2): `add`, `replace` and `remove` operations, with or without a
//! `path`, as Entra ID and Okta send them (operation names in any case, booleans as
//! strings, paths as keys of a path-less value). A user's operations are applied to what
//! was read; a group's become member additions and removals. Attributes Gatehouse does not
//! keep are ignored, as a PUT ignores them.

use domain::admin::scim::filter::{self, Filter, Op as FilterOp, Value as FilterValue};
use domain::admin::scim::{GROUP_SCHEMA, ScimGroupPatch, ScimUser, USER_SCHEMA};
use serde_json::{Map, Value};

use super::error::ScimError;
use super::resource::{boolean, field, member_ids, object, primary_email, string};

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `add`.
    Add,
    /// `replace`.
    Replace,
    /// `remove`.
    Remove,
}

/// One operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// What it does.
    pub kind: Kind,
    /// Its target, if any.
    pub path: Option<Path>,
    /// Its value, if any.
    pub value: Option<Value>,
}

/// A PATCH path: `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`, lower-cased, the
/// core schema prefix taken off. `extension` is set for another schema's attribute.
#[derive(Debug, Clone)]
pub struct Path {
    /// The attribute, lower-cased.
    pub attr: String,
    /// The sub-attribute, lower-cased.
    pub sub: Option<String>,
    /// The value filter in brackets.
    pub filter: Option<Filter>,
    /// Names an extension schema's attribute (ignored).
    pub extension: bool,
}

fn invalid_path(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidPath", detail)
}

/// Parses a path, against the core schema `schema`.
pub fn parse_path(text: &str, schema: &str) -> Result<Path, ScimError> {
    let text = text.trim();
    let (head, filter, tail) = match text.find('[') {
        Some(open) => {
            let close = text
                .rfind(']')
                .filter(|c| *c > open)
                .ok_or_else(|| invalid_path(format!("{text:?}: unclosed '['")))?;
            let inner = filter::parse(&text[open + 1..close])
                .map_err(|e| ScimError::bad("invalidFilter", e.0))?;
            (&text[..open], Some(inner), &text[close + 1..])
        }
        None => (text, None, ""),
    };
    let prefix = format!("{schema}:");
    let (head, extension) = match head.get(..prefix.len()) {
        Some(p) if p.eq_ignore_ascii_case(&prefix) => (&head[prefix.len()..], false),
        _ if head.to_ascii_lowercase().starts_with("urn:") => (head, true),
        _ => (head, false),
    };
    if extension {
        return Ok(Path {
            attr: head.to_ascii_lowercase(),
            sub: None,
            filter,
            extension,
        });
    }
    let parsed = filter::parse_attr_path(head).map_err(|e| invalid_path(e.0))?;
    let sub = match (parsed.sub, tail.strip_prefix('.')) {
        (Some(_), Some(_)) => return Err(invalid_path(format!("{text:?} names too deep"))),
        (Some(s), None) if tail.is_empty() => Some(s),
        (None, Some(s)) if !s.is_empty() => Some(s.to_owned()),
        (None, None) if tail.is_empty() => None,
        _ => return Err(invalid_path(format!("{text:?} is not a path"))),
    };
    Ok(Path {
        attr: parsed.name.to_ascii_lowercase(),
        sub: sub.map(|s| s.to_ascii_lowercase()),
        filter,
        extension: false,
    })
}

/// The operations of a PATCH body.
pub fn operations(body: &[u8], schema: &str) -> Result<Vec<Operation>, ScimError> {
    let body = object(body)?;
    let list = match field(&body, "Operations") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        _ => {
            return Err(ScimError::bad(
                "invalidSyntax",
                "a PATCH needs a non-empty Operations list",
            ));
        }
    };
    if list.len() > 1000 {
        return Err(ScimError::bad(
            "tooMany",
            "at most 1000 operations per PATCH",
        ));
    }
    list.iter()
        .map(|op| {
            let op = op
                .as_object()
                .ok_or_else(|| ScimError::bad("invalidSyntax", "an operation is an object"))?;
            let kind = match string(field(op, "op"), "op")?.map(|s| s.to_ascii_lowercase()) {
                Some(k) if k == "add" => Kind::Add,
                Some(k) if k == "replace" => Kind::Replace,
                Some(k) if k == "remove" => Kind::Remove,
                other => {
                    return Err(ScimError::bad(
                        "invalidSyntax",
                        format!("op must be add, replace or remove, not {other:?}"),
                    ));
                }
            };
            let path = string(field(op, "path"), "path")?
                .filter(|p| !p.trim().is_empty())
                .map(|p| parse_path(&p, schema))
                .transpose()?;
            let value = field(op, "value").cloned();
            if path.is_none() && kind == Kind::Remove {
                return Err(ScimError::bad("noTarget", "remove needs a path"));
            }
            if kind != Kind::Remove && value.is_none() {
                return Err(ScimError::bad(
                    "invalidValue",
                    "add and replace need a value",
                ));
            }
            Ok(Operation { kind, path, value })
        })
        .collect()
}

/// The operations applied to a user as read.
pub fn apply_to_user(user: &mut ScimUser, ops: &[Operation]) -> Result<(), ScimError> {
    for op in ops {
        match &op.path {
            Some(path) => set_user(user, op.kind, path, op.value.as_ref())?,
            None => {
                for (key, value) in value_object(op.value.as_ref())? {
                    let path = parse_path(key, USER_SCHEMA)?;
                    set_user(user, op.kind, &path, Some(value))?;
                }
            }
        }
    }
    Ok(())
}

fn value_object(value: Option<&Value>) -> Result<&Map<String, Value>, ScimError> {
    value.and_then(Value::as_object).ok_or_else(|| {
        ScimError::bad(
            "invalidValue",
            "an operation without a path needs an object value",
        )
    })
}

/// A single-valued string from an operation's value (a one-item list is accepted too).
fn single(value: Option<&Value>, attr: &str) -> Result<Option<String>, ScimError> {
    match value {
        Some(Value::Array(list)) if list.len() == 1 => string(list.first(), attr),
        other => string(other, attr),
    }
}

fn set_user(
    user: &mut ScimUser,
    kind: Kind,
    path: &Path,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    if path.extension {
        return Ok(());
    }
    let value = if kind == Kind::Remove { None } else { value };
    let attr = match &path.sub {
        Some(sub) => format!("{}.{sub}", path.attr),
        None => path.attr.clone(),
    };
    match attr.as_str() {
        "username" => {
            user.user_name = single(value, "userName")?
                .ok_or_else(|| ScimError::bad("mutability", "userName cannot be removed"))?;
        }
        "displayname" => user.display_name = single(value, "displayName")?,
        "externalid" => user.external_id = single(value, "externalId")?,
        "password" => {
            user.password = Some(
                single(value, "password")?
                    .ok_or_else(|| ScimError::bad("mutability", "password cannot be removed"))?,
            );
        }
        "active" => {
            let v =
                value.ok_or_else(|| ScimError::bad("mutability", "active cannot be removed"))?;
            let v = match v {
                Value::Array(list) if list.len() == 1 => &list[0],
                v => v,
            };
            user.active = boolean(v, "active")?;
        }
        "name.givenname" => user.given_name = single(value, "name.givenName")?,
        "name.familyname" => user.family_name = single(value, "name.familyName")?,
        "name" => match value {
            None | Some(Value::Null) => {
                user.given_name = None;
                user.family_name = None;
            }
            Some(Value::Object(o)) => {
                // `add` and `replace` of a complex attribute set the sub-attributes given.
                if let Some(g) = field(o, "givenName") {
                    user.given_name = string(Some(g), "name.givenName")?;
                }
                if let Some(f) = field(o, "familyName") {
                    user.family_name = string(Some(f), "name.familyName")?;
                }
            }
            Some(_) => return Err(ScimError::bad("invalidValue", "name must be an object")),
        },
        // The address is the userName: a new work/primary address replaces it; removing it
        // changes nothing (an account keeps its sign-in address).
        "emails" | "emails.value" => {
            if let Some(v) = value {
                let address = match (v, &path.sub) {
                    (Value::String(s), _) => Some(s.clone()),
                    (Value::Array(_), None) => primary_email(v)?,
                    (Value::Object(_), None) => primary_email(&Value::Array(vec![v.clone()]))?,
                    _ => single(Some(v), "emails.value")?,
                };
                if let Some(a) = address {
                    user.user_name = a;
                }
            }
        }
        // Other attributes (title, phoneNumbers, addresses...) are not kept.
        _ => {}
    }
    Ok(())
}

/// The operations as a group change.
pub fn group_patch(ops: &[Operation]) -> Result<ScimGroupPatch, ScimError> {
    let mut patch = ScimGroupPatch::default();
    for op in ops {
        match &op.path {
            Some(path) => set_group(&mut patch, op.kind, path, op.value.as_ref())?,
            None => {
                for (key, value) in value_object(op.value.as_ref())? {
                    let path = parse_path(key, GROUP_SCHEMA)?;
                    set_group(&mut patch, op.kind, &path, Some(value))?;
                }
            }
        }
    }
    Ok(patch)
}

fn set_group(
    patch: &mut ScimGroupPatch,
    kind: Kind,
    path: &Path,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    if path.extension {
        return Ok(());
    }
    match (path.attr.as_str(), path.sub.as_deref(), &path.filter) {
        ("displayname", None, None) => {
            if kind == Kind::Remove {
                return Err(ScimError::bad(
                    "mutability",
                    "displayName cannot be removed",
                ));
            }
            patch.display_name = Some(
                single(value, "displayName")?
                    .ok_or_else(|| ScimError::bad("invalidValue", "displayName is required"))?,
            );
        }
        ("externalid", None, None) => {
            patch.external_id = Some(if kind == Kind::Remove {
                None
            } else {
                single(value, "externalId")?
            });
        }
        ("members", None | Some("value"), None) => {
            let ids = match value {
                Some(v) => member_ids(v)?,
                None => Vec::new(),
            };
            match kind {
                Kind::Add => patch.add_members.extend(ids),
                Kind::Replace => {
                    patch.replace_members = Some(ids);
                    patch.add_members.clear();
                    patch.remove_members.clear();
                    patch.remove_all = false;
                }
                // Entra ID sends the members to remove as the value; without one, all go.
                Kind::Remove if ids.is_empty() => {
                    patch.remove_all = true;
                    patch.replace_members = None;
                    patch.add_members.clear();
                }
                Kind::Remove => patch.remove_members.extend(ids),
            }
        }
        ("members", None, Some(f)) => {
            if kind != Kind::Remove {
                return Err(invalid_path(
                    "members[...] is supported with remove only; add members with path members",
                ));
            }
            let mut ids = Vec::new();
            member_values(f, &mut ids)?;
            patch.remove_members.extend(ids);
        }
        ("members", _, _) => return Err(invalid_path("members has only the sub-attribute value")),
        _ => {}
    }
    Ok(())
}

/// The ids a `members[value eq "a" or value eq "b"]` filter names.
fn member_values(f: &Filter, out: &mut Vec<String>) -> Result<(), ScimError> {
    match f {
        Filter::Compare(p, FilterOp::Eq, FilterValue::Str(v))
            if p.sub.is_none() && p.name.eq_ignore_ascii_case("value") =>
        {
            out.push(v.clone());
            Ok(())
        }
        Filter::Or(a, b) => {
            member_values(a, out)?;
            member_values(b, out)
        }
        _ => Err(ScimError::bad(
            "invalidFilter",
            "a members filter names members as value eq \"id\" (joined with or)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> ScimUser {
        ScimUser {
            user_name: "a@example.com".into(),
            display_name: Some("A".into()),
            active: true,
            ..ScimUser::default()
        }
    }

    fn ops(body: &str, schema: &str) -> Vec<Operation> {
        operations(body.as_bytes(), schema).unwrap()
    }

    #[test]
    fn entra_id_user_patches_apply() {
        let mut u = user();
        let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
            {"op":"Replace","path":"active","value":"False"},
            {"op":"Replace","path":"displayName","value":"Ada L"},
            {"op":"Add","path":"name.givenName","value":"Ada"},
            {"op":"replace","path":"emails[type eq \"work\"].value","value":"b@example.com"},
            {"op":"Add","path":"title","value":"Engineer"},
            {"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"R&D"},
            {"op":"replace","value":{"name.familyName":"Lovelace","externalId":"x1","urn:ietf:params:scim:schemas:core:2.0:User:nickName":"n"}}
        ]}"#;
        apply_to_user(&mut u, &ops(body, USER_SCHEMA)).unwrap();
        assert!(!u.active);
        assert_eq!(u.display_name.as_deref(), Some("Ada L"));
        assert_eq!(u.given_name.as_deref(), Some("Ada"));
        assert_eq!(u.family_name.as_deref(), Some("Lovelace"));
        assert_eq!(u.external_id.as_deref(), Some("x1"));
        assert_eq!(u.user_name, "b@example.com");
        let body = r#"{"Operations":[{"op":"remove","path":"displayName"},{"op":"replace","value":{"active":true}}]}"#;
        apply_to_user(&mut u, &ops(body, USER_SCHEMA)).unwrap();
        assert!(u.active);
        assert_eq!(u.display_name, None);
        let bad = r#"{"Operations":[{"op":"remove","path":"userName"}]}"#;
        assert!(apply_to_user(&mut u, &ops(bad, USER_SCHEMA)).is_err());
        for bad in [
            r#"{"Operations":[]}"#,
            r#"{"Operations":[{"op":"move","path":"x","value":1}]}"#,
            r#"{"Operations":[{"op":"remove"}]}"#,
            r#"{"Operations":[{"op":"add","path":"displayName"}]}"#,
            r#"{"Operations":[{"op":"add","path":"emails[type eq","value":"x"}]}"#,
        ] {
            assert!(operations(bad.as_bytes(), USER_SCHEMA).is_err(), "{bad}");
        }
    }

    #[test]
    fn group_patches_become_member_changes() {
        let body = r#"{"Operations":[
            {"op":"Add","path":"members","value":[{"value":"u1"},{"value":"u2"}]},
            {"op":"Remove","path":"members[value eq \"u3\" or value eq \"u4\"]"},
            {"op":"Remove","path":"members","value":[{"value":"u5"}]},
            {"op":"Replace","value":{"displayName":"Sales EU","externalId":"g1"}}
        ]}"#;
        let p = group_patch(&ops(body, GROUP_SCHEMA)).unwrap();
        assert_eq!(p.add_members, ["u1", "u2"]);
        assert_eq!(p.remove_members, ["u3", "u4", "u5"]);
        assert_eq!(p.display_name.as_deref(), Some("Sales EU"));
        assert_eq!(p.external_id, Some(Some("g1".into())));
        assert!(!p.remove_all);
        let all = group_patch(&ops(
            r#"{"Operations":[{"op":"remove","path":"members"}]}"#,
            GROUP_SCHEMA,
        ))
        .unwrap();
        assert!(all.remove_all);
        let bad = r#"{"Operations":[{"op":"remove","path":"members[display co \"x\"]"}]}"#;
        assert!(group_patch(&ops(bad, GROUP_SCHEMA)).is_err());
    }
}
