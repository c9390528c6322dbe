//! One decision: the principal, action, resource and context of an AuthZEN evaluation
//! turned into Cedar entities and a request, evaluated against a compiled policy set.

use std::str::FromStr as _;

use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, EntityId, EntityTypeName, EntityUid,
    Request,
};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::compile::Compiled;
use super::principal::Principal;
use crate::{Error, Result};

/// What a resource server asks: may `subject` do `action` on `resource`?
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The user's `sub` or email address.
    pub subject: String,
    /// The action: its bare id (`read`) or its full uid.
    pub action: String,
    /// The resource's entity type: basename (`Document`) or full name.
    pub resource_type: String,
    /// The resource's id.
    pub resource_id: String,
    /// The resource's attributes, typed by the schema.
    pub resource_properties: Map<String, Value>,
    /// The caller's context (its `gatehouse` key is Gatehouse's own).
    pub context: Map<String, Value>,
    /// How the subject signed in, when the caller showed the access token it acts on.
    pub authentication: Option<Authentication>,
}

/// How the subject signed in to the session behind an access token: the principal's
/// optional `acr`, `amr` and `auth_time` attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Authentication {
    /// The internal id of the user the token belongs to: a decision about anyone else is
    /// refused. `None` when the caller vouches for it (`gatehouse policy test`).
    pub user_id: Option<String>,
    /// Authentication context class (`acr`).
    pub acr: Option<String>,
    /// Authentication methods (`amr`).
    pub amr: Vec<String>,
    /// When the user signed in (Unix seconds).
    pub auth_time: Option<i64>,
}

/// Facts of the request that Gatehouse adds as `context.gatehouse`.
#[derive(Debug, Clone)]
pub struct RequestFacts {
    /// When the decision is made.
    pub now: time::OffsetDateTime,
    /// The asking resource server.
    pub client_id: String,
    /// The address the question came from.
    pub ip: String,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Whether the action is allowed.
    pub decision: bool,
    /// The ids of the policies that decided (permits when allowed, forbids when denied).
    pub reasons: Vec<String>,
    /// Policies that failed to evaluate (they count as not applying).
    pub errors: Vec<String>,
}

impl Decision {
    /// A denial that no policy made (unknown or inactive subject).
    pub fn denied() -> Self {
        Self {
            decision: false,
            reasons: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// Evaluates one question for a known principal, with the relations the ACL gives them on
/// the resource. CPU only: microseconds for sets of tens of policies.
pub fn evaluate(
    compiled: &Compiled,
    principal: &Principal,
    relations: &[String],
    resource: (&EntityUid, &Map<String, Value>),
    action: &EntityUid,
    question: (&Map<String, Value>, Option<&Authentication>),
    facts: &RequestFacts,
) -> Result<Decision> {
    let (resource_uid, properties) = resource;
    let (context, authentication) = question;
    let principal_json = principal_entity(principal, relations, authentication, facts.now);
    let user_type =
        EntityTypeName::from_str("Gatehouse::User").map_err(|e| Error::Corrupt(e.to_string()))?;
    let principal_uid =
        EntityUid::from_type_name_and_id(user_type, EntityId::new(&principal.subject));
    let resource_json = json!({
        "uid": { "type": resource_uid.type_name().to_string(), "id": resource_uid.id().unescaped() },
        "attrs": properties,
        "parents": [],
    });
    let entities = Entities::from_json_value(
        Value::Array(vec![principal_json, resource_json]),
        Some(&compiled.schema),
    )
    .map_err(|e| Error::invalid("resource.properties", e.to_string()))?;
    let mut ctx = context.clone();
    ctx.insert("gatehouse".into(), gatehouse_facts(facts));
    let context = Context::from_json_value(Value::Object(ctx), None)
        .map_err(|e| Error::invalid("context", e.to_string()))?;
    let request = Request::new(
        principal_uid,
        action.clone(),
        resource_uid.clone(),
        context,
        None,
    )
    .map_err(|e| Error::invalid("request", e.to_string()))?;
    let response = Authorizer::new().is_authorized(&request, &compiled.policies, &entities);
    let mut reasons: Vec<String> = response
        .diagnostics()
        .reason()
        .map(ToString::to_string)
        .collect();
    reasons.sort();
    let errors = response
        .diagnostics()
        .errors()
        .map(ToString::to_string)
        .collect();
    Ok(Decision {
        decision: response.decision() == CedarDecision::Allow,
        reasons,
        errors,
    })
}

fn principal_entity(
    p: &Principal,
    relations: &[String],
    authentication: Option<&Authentication>,
    now: time::OffsetDateTime,
) -> Value {
    let domain = p.email.rsplit_once('@').map_or("", |(_, d)| d);
    let mut parents: Vec<Value> = Vec::new();
    parents.extend(
        p.roles
            .iter()
            .map(|(_, name)| json!({"type": "Gatehouse::Role", "id": name})),
    );
    parents.extend(
        p.groups
            .iter()
            .map(|(_, path)| json!({"type": "Gatehouse::Group", "id": path})),
    );
    parents.extend(
        relations
            .iter()
            .map(|r| json!({"type": "Gatehouse::Relation", "id": r})),
    );
    let mut attrs = json!({
        "email": p.email,
        "email_verified": p.email_verified,
        "email_domain": domain,
        "roles": p.roles.iter().map(|(_, n)| n).collect::<Vec<_>>(),
        "groups": p.groups.iter().map(|(_, n)| n).collect::<Vec<_>>(),
        "permissions": p.permissions,
        "created_at": p.created_at.unix_timestamp(),
        "account_age_days": (now - p.created_at).whole_days().max(0),
    });
    // Optional in the schema: present only when the caller showed the subject's token.
    if let (Some(a), Some(map)) = (authentication, attrs.as_object_mut()) {
        if let Some(acr) = &a.acr {
            map.insert("acr".into(), json!(acr));
        }
        map.insert("amr".into(), json!(a.amr));
        if let Some(t) = a.auth_time {
            map.insert("auth_time".into(), json!(t));
        }
    }
    json!({
        "uid": { "type": "Gatehouse::User", "id": p.subject },
        "attrs": attrs,
        "parents": parents,
    })
}

fn gatehouse_facts(f: &RequestFacts) -> Value {
    json!({
        "time": f.now.unix_timestamp(),
        "hour": i64::from(f.now.hour()),
        "weekday": i64::from(f.now.weekday().number_from_monday()),
        "client": f.client_id,
        "ip": f.ip,
    })
}
