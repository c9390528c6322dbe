//! One decision: the principal, action, resource and context of an AuthZEN evaluation
//! turned into Cedar entities and a request, evaluated against a compiled policy set.

use std::str::FromStr as _;

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, Entity, EntityId, EntityTypeName,
    EntityUid, Request, RestrictedExpression,
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
    let principal_entity = principal_entity(principal, relations, authentication, facts.now)?;
    let principal_uid = principal_entity.uid();
    let resource_entity = resource_entity(compiled, resource_uid, properties)?;
    // Checked against the schema here: the caller's resource properties get their types, a
    // wrong one is the caller's error.
    let entities =
        Entities::from_entities([principal_entity, resource_entity], Some(&compiled.schema))
            .map_err(|e| Error::invalid("resource.properties", e.to_string()))?;
    let context = request_context(context, facts)?;
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

/// Gatehouse's entity types, parsed once.
struct Types {
    user: EntityTypeName,
    role: EntityTypeName,
    group: EntityTypeName,
    relation: EntityTypeName,
}

static TYPES: LazyLock<Option<Types>> = LazyLock::new(|| {
    let name = |n: &str| EntityTypeName::from_str(n).ok();
    Some(Types {
        user: name("Gatehouse::User")?,
        role: name("Gatehouse::Role")?,
        group: name("Gatehouse::Group")?,
        relation: name("Gatehouse::Relation")?,
    })
});

fn types() -> Result<&'static Types> {
    TYPES
        .as_ref()
        .ok_or_else(|| Error::Corrupt("Gatehouse's entity type names".into()))
}

/// The principal entity, built directly: parsing it from JSON cost most of a decision.
fn principal_entity(
    p: &Principal,
    relations: &[String],
    authentication: Option<&Authentication>,
    now: time::OffsetDateTime,
) -> Result<Entity> {
    let t = types()?;
    let uid = |ty: &EntityTypeName, id: &str| {
        EntityUid::from_type_name_and_id(ty.clone(), EntityId::new(id))
    };
    let mut parents: HashSet<EntityUid> = HashSet::new();
    parents.extend(p.roles.iter().map(|(_, name)| uid(&t.role, name)));
    parents.extend(p.groups.iter().map(|(_, path)| uid(&t.group, path)));
    parents.extend(relations.iter().map(|r| uid(&t.relation, r)));
    let text = |v: &str| RestrictedExpression::new_string(v.to_owned());
    let texts = |vs: &mut dyn Iterator<Item = &String>| {
        RestrictedExpression::new_set(vs.map(|v| text(v)).collect::<Vec<_>>())
    };
    let domain = p.email.rsplit_once('@').map_or("", |(_, d)| d);
    let mut attrs: HashMap<String, RestrictedExpression> = HashMap::from([
        ("email".into(), text(&p.email)),
        (
            "email_verified".into(),
            RestrictedExpression::new_bool(p.email_verified),
        ),
        ("email_domain".into(), text(domain)),
        ("roles".into(), texts(&mut p.roles.iter().map(|(_, n)| n))),
        ("groups".into(), texts(&mut p.groups.iter().map(|(_, n)| n))),
        ("permissions".into(), texts(&mut p.permissions.iter())),
        (
            "created_at".into(),
            RestrictedExpression::new_long(p.created_at.unix_timestamp()),
        ),
        (
            "account_age_days".into(),
            RestrictedExpression::new_long((now - p.created_at).whole_days().max(0)),
        ),
    ]);
    // Optional in the schema: present only when the caller showed the subject's token.
    if let Some(a) = authentication {
        if let Some(acr) = &a.acr {
            attrs.insert("acr".into(), text(acr));
        }
        attrs.insert("amr".into(), texts(&mut a.amr.iter()));
        if let Some(at) = a.auth_time {
            attrs.insert("auth_time".into(), RestrictedExpression::new_long(at));
        }
    }
    Entity::new(uid(&t.user, &p.subject), attrs, parents)
        .map_err(|e| Error::Corrupt(format!("principal entity: {e}")))
}

/// The resource entity with the caller's properties. Strings, booleans, integers and sets
/// of them are built directly; anything else (records, `__entity`/`__extn` escapes, entity
/// references) goes through Cedar's schema-aware JSON reading.
fn resource_entity(
    compiled: &Compiled,
    uid: &EntityUid,
    properties: &Map<String, Value>,
) -> Result<Entity> {
    let direct: Option<HashMap<String, RestrictedExpression>> = properties
        .iter()
        .map(|(k, v)| plain(v).map(|e| (k.clone(), e)))
        .collect();
    match direct {
        Some(attrs) => Entity::new(uid.clone(), attrs, HashSet::new())
            .map_err(|e| Error::invalid("resource.properties", e.to_string())),
        None => Entity::from_json_value(
            json!({
                "uid": { "type": uid.type_name().to_string(), "id": uid.id().unescaped() },
                "attrs": properties,
                "parents": [],
            }),
            Some(&compiled.schema),
        )
        .map_err(|e| Error::invalid("resource.properties", e.to_string())),
    }
}

/// A JSON value as a Cedar value when it is a plain one (no record, no escape).
fn plain(v: &Value) -> Option<RestrictedExpression> {
    match v {
        Value::String(s) => Some(RestrictedExpression::new_string(s.clone())),
        Value::Bool(b) => Some(RestrictedExpression::new_bool(*b)),
        Value::Number(n) => n.as_i64().map(RestrictedExpression::new_long),
        Value::Array(items) => items
            .iter()
            .map(plain)
            .collect::<Option<Vec<_>>>()
            .map(RestrictedExpression::new_set),
        Value::Null | Value::Object(_) => None,
    }
}

/// The caller's context with Gatehouse's facts as `gatehouse` (a caller's own is replaced).
fn request_context(context: &Map<String, Value>, facts: &RequestFacts) -> Result<Context> {
    let gatehouse = [("gatehouse".to_owned(), gatehouse_facts(facts)?)];
    let caller: Map<String, Value> = context
        .iter()
        .filter(|(k, _)| k.as_str() != "gatehouse")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let context = if caller.is_empty() {
        Context::from_pairs(gatehouse)
    } else {
        Context::from_json_value(Value::Object(caller), None)
            .map_err(|e| Error::invalid("context", e.to_string()))?
            .merge(gatehouse)
    };
    context.map_err(|e| Error::invalid("context", e.to_string()))
}

fn gatehouse_facts(f: &RequestFacts) -> Result<RestrictedExpression> {
    RestrictedExpression::new_record([
        (
            "time".to_owned(),
            RestrictedExpression::new_long(f.now.unix_timestamp()),
        ),
        (
            "hour".to_owned(),
            RestrictedExpression::new_long(i64::from(f.now.hour())),
        ),
        (
            "weekday".to_owned(),
            RestrictedExpression::new_long(i64::from(f.now.weekday().number_from_monday())),
        ),
        (
            "client".to_owned(),
            RestrictedExpression::new_string(f.client_id.clone()),
        ),
        (
            "ip".to_owned(),
            RestrictedExpression::new_string(f.ip.clone()),
        ),
    ])
    .map_err(|e| Error::Corrupt(e.to_string()))
}
