//! The AuthZEN 1.0 request shapes, read into the domain's questions.

use domain::policies::Evaluation;
use serde::Deserialize;
use serde_json::{Map, Value};

/// A subject, action, resource or context field as sent; all optional so that a batch can
/// take the missing ones from the top level.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Parts {
    subject: Option<Subject>,
    action: Option<Action>,
    resource: Option<Resource>,
    context: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Deserialize)]
struct Subject {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    #[serde(default)]
    properties: Map<String, Value>,
}

/// A question, and the access token the resource server acts on when it showed one
/// (`subject.properties.token`): how the subject signed in is then known.
#[derive(Debug, Clone)]
pub struct Asked {
    /// The question (its `authentication` still empty).
    pub evaluation: Evaluation,
    /// The subject's access token.
    pub token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Action {
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Resource {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    #[serde(default)]
    properties: Map<String, Value>,
}

/// `POST /access/v1/evaluations`: defaults at the top level, one entry per question.
#[derive(Debug, Clone, Deserialize)]
pub struct Batch {
    #[serde(flatten)]
    pub defaults: Parts,
    #[serde(default)]
    pub evaluations: Vec<Parts>,
    #[serde(default)]
    pub options: Options,
}

/// Request options: AuthZEN's `evaluations_semantic`, and Gatehouse's `include_reasons`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Options {
    #[serde(default)]
    pub evaluations_semantic: Semantic,
    #[serde(default)]
    pub include_reasons: bool,
}

/// How a batch is evaluated (AuthZEN 1.0 §7.1.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Semantic {
    /// Every question is answered.
    #[default]
    ExecuteAll,
    /// Stop after the first denial.
    DenyOnFirstDeny,
    /// Stop after the first permit.
    PermitOnFirstPermit,
}

/// `POST /access/v1/evaluation`.
#[derive(Debug, Clone, Deserialize)]
pub struct Single {
    #[serde(flatten)]
    pub parts: Parts,
    #[serde(default)]
    pub options: Options,
}

impl Parts {
    /// `self` with every missing part taken from `defaults`.
    pub fn or(self, defaults: &Parts) -> Parts {
        Parts {
            subject: self.subject.or_else(|| defaults.subject.clone()),
            action: self.action.or_else(|| defaults.action.clone()),
            resource: self.resource.or_else(|| defaults.resource.clone()),
            context: self.context.or_else(|| defaults.context.clone()),
        }
    }

    /// The question, or what is missing or wrong in words for the developer.
    pub fn question(self) -> Result<Asked, String> {
        let subject = self.subject.ok_or("subject is required")?;
        if subject.kind != "user" {
            return Err(format!(
                "subject.type {:?} is not supported: use \"user\" with the user's sub or email",
                subject.kind
            ));
        }
        let token = match subject.properties.get("token") {
            None => None,
            Some(Value::String(t)) => Some(t.clone()),
            Some(_) => return Err("subject.properties.token must be a string".into()),
        };
        let action = self.action.ok_or("action is required")?;
        let resource = self.resource.ok_or("resource is required")?;
        Ok(Asked {
            evaluation: Evaluation {
                subject: subject.id,
                action: action.name,
                resource_type: resource.kind,
                resource_id: resource.id,
                resource_properties: resource.properties,
                context: self.context.unwrap_or_default(),
                authentication: None,
            },
            token,
        })
    }
}
