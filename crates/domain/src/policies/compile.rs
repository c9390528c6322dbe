//! Checking a resource server's schema and policies, and keeping the checked result.

use std::str::FromStr as _;

use cedar_policy::{
    EntityTypeName, EntityUid, PolicyId, PolicySet, Schema, SchemaFragment, ValidationMode,
    Validator,
};

use super::problem::describe;
use crate::{Error, Result};

/// The types Gatehouse supplies, combined with every resource server's schema.
pub const GATEHOUSE_SCHEMA: &str = include_str!("gatehouse.cedarschema");

/// At most this many problems are reported for one refused policy set.
const MAX_PROBLEMS: usize = 5;

/// A schema and policy set that passed validation, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The combined schema (Gatehouse's types and the resource server's).
    pub schema: Schema,
    /// The policies, each with its `@id` annotation as id when it has one.
    pub policies: PolicySet,
    /// The policy ids, in order of the source.
    pub policy_ids: Vec<String>,
}

impl Compiled {
    /// The action named `name`: its full uid (`Docs::Action::"read"`) or its bare id
    /// (`read`) when exactly one action of the schema has it.
    pub fn action(&self, name: &str) -> Result<EntityUid> {
        let mut found = self
            .schema
            .actions()
            .filter(|a| a.id().unescaped() == name || a.to_string() == name);
        match (found.next(), found.next()) {
            (Some(a), None) => Ok(a.clone()),
            (Some(_), Some(_)) => Err(Error::invalid(
                "action",
                format!("{name:?} names several actions: give its full name"),
            )),
            (None, _) => Err(Error::invalid(
                "action",
                format!("the schema has no action {name:?}"),
            )),
        }
    }

    /// The entity type named `name`: its full name or its basename when exactly one type
    /// of the resource server's schema has it.
    pub fn entity_type(&self, name: &str) -> Result<EntityTypeName> {
        let mut found = self.schema.entity_types().filter(|t| {
            t.namespace() != "Gatehouse" && (t.to_string() == name || t.basename() == name)
        });
        match (found.next(), found.next()) {
            (Some(t), None) => Ok(t.clone()),
            (Some(_), Some(_)) => Err(Error::invalid(
                "resource.type",
                format!("{name:?} names several entity types: give its full name"),
            )),
            (None, _) => Err(Error::invalid(
                "resource.type",
                format!("the schema has no entity type {name:?}"),
            )),
        }
    }
}

/// Parses and validates `schema` (Cedar schema syntax) and `policies` (Cedar policy syntax)
/// in strict mode. A refusal names the file (`schema` or `policies`), the line and column,
/// and Cedar's message.
pub fn compile(schema: &str, policies: &str) -> Result<Compiled> {
    let (ours, _) = SchemaFragment::from_cedarschema_str(GATEHOUSE_SCHEMA)
        .map_err(|e| Error::Corrupt(format!("the built-in Gatehouse schema: {e}")))?;
    let (theirs, _) = SchemaFragment::from_cedarschema_str(schema)
        .map_err(|e| Error::invalid("schema", describe(&e, schema)))?;
    let combined = Schema::from_schema_fragments([ours, theirs])
        .map_err(|e| Error::invalid("schema", describe(&e, schema)))?;
    let parsed = PolicySet::from_str(policies)
        .map_err(|e| Error::invalid("policies", describe(&e, policies)))?;
    if parsed.templates().next().is_some() {
        return Err(Error::invalid(
            "policies",
            "templates are not supported: write static policies and use ACL entries",
        ));
    }
    let mut set = PolicySet::new();
    let mut policy_ids = Vec::new();
    for p in parsed.policies() {
        let p = match p.annotation("id") {
            Some(id) => p.new_id(PolicyId::new(id)),
            None => p.clone(),
        };
        policy_ids.push(p.id().to_string());
        set.add(p)
            .map_err(|e| Error::invalid("policies", format!("{e} (two policies share an @id?)")))?;
    }
    let result = Validator::new(combined.clone()).validate(&set, ValidationMode::Strict);
    let problems: Vec<String> = result
        .validation_errors()
        .take(MAX_PROBLEMS)
        .map(|e| describe(e, policies))
        .collect();
    if !problems.is_empty() {
        return Err(Error::invalid("policies", problems.join("; ")));
    }
    Ok(Compiled {
        schema: combined,
        policies: set,
        policy_ids,
    })
}
