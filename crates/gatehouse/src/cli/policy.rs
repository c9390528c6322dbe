//! `gatehouse policy ...` and `gatehouse acl ...`: resource servers' Cedar policy sets and
//! ACL entries.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use domain::admin::Actor;
use domain::policies::{AclEntry, AclSubject, Authentication, Evaluation, RequestFacts};
use serde_json::json;

use super::output;
use crate::services::Services;

/// Policy set commands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check and store a resource server's Cedar schema and policies (replacing its set).
    /// A set that does not parse or breaks the schema is refused with Cedar's message, line
    /// and column; the stored set is then kept.
    Set {
        /// The resource server (its client_id).
        #[arg(long, value_name = "CLIENT_ID")]
        resource_server: String,
        /// The Cedar schema (Cedar schema syntax), referring to Gatehouse::User and
        /// Gatehouse::Request.
        #[arg(long, value_name = "FILE")]
        schema: PathBuf,
        /// The Cedar policies.
        #[arg(long, value_name = "FILE")]
        policies: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a resource server's schema and policies.
    Show {
        /// The resource server (its client_id).
        #[arg(long, value_name = "CLIENT_ID")]
        resource_server: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a resource server's policy set (its decisions are refused until a new one).
    Delete {
        /// The resource server (its client_id).
        #[arg(long, value_name = "CLIENT_ID")]
        resource_server: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Ask for a decision as the resource server would, and print the deciding policies.
    Test {
        /// The resource server (its client_id).
        #[arg(long, value_name = "CLIENT_ID")]
        resource_server: String,
        /// The user, by email or sub.
        #[arg(long, value_name = "EMAIL")]
        principal: String,
        /// The action, e.g. read.
        #[arg(long)]
        action: String,
        /// The resource as Type:id, e.g. Document:42.
        #[arg(long, value_name = "TYPE:ID")]
        resource: String,
        /// The resource's attributes as a JSON object.
        #[arg(long, value_name = "JSON")]
        resource_properties: Option<String>,
        /// The request context as a JSON object.
        #[arg(long, value_name = "JSON")]
        context: Option<String>,
        /// As if the user had signed in with these methods (the principal's `amr`), e.g.
        /// `--amr pwd --amr otp`.
        #[arg(long, value_name = "METHOD")]
        amr: Vec<String>,
        /// As if the user's sign-in had this `acr`.
        #[arg(long, value_name = "ACR")]
        acr: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Whom an ACL entry is for.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct SubjectArgs {
    /// A user, by email.
    #[arg(long, value_name = "EMAIL")]
    user: Option<String>,
    /// A group, by name.
    #[arg(long, value_name = "GROUP")]
    group: Option<String>,
    /// A role, by name.
    #[arg(long, value_name = "ROLE")]
    role: Option<String>,
}

impl SubjectArgs {
    fn subject(self) -> AclSubject {
        match (self.user, self.group, self.role) {
            (Some(u), _, _) => AclSubject::User(u),
            (_, Some(g), _) => AclSubject::Group(g),
            (_, _, Some(r)) => AclSubject::Role(r),
            // clap's group makes exactly one present.
            (None, None, None) => AclSubject::User(String::new()),
        }
    }
}

/// ACL entry commands.
#[derive(Debug, Subcommand)]
pub enum AclCommand {
    /// Give a user, group or role a relation on a resource (e.g. owner of Document:42).
    Add {
        /// The resource server (its client_id).
        #[arg(long, value_name = "CLIENT_ID")]
        resource_server: String,
        /// Who.
        #[command(flatten)]
        subject: SubjectArgs,
        /// The relation, e.g. owner or reader.
        #[arg(long)]
        relation: String,
        /// The resource as Type:id.
        #[arg(long, value_name = "TYPE:ID")]
        resource: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove an entry.
    Remove {
        /// The resource server (its client_id).
        #[arg(long, value_name = "CLIENT_ID")]
        resource_server: String,
        /// Who.
        #[command(flatten)]
        subject: SubjectArgs,
        /// The relation.
        #[arg(long)]
        relation: String,
        /// The resource as Type:id.
        #[arg(long, value_name = "TYPE:ID")]
        resource: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the entries of a resource server, or of one resource.
    List {
        /// The resource server (its client_id).
        #[arg(long, value_name = "CLIENT_ID")]
        resource_server: String,
        /// Only this resource (Type:id).
        #[arg(long, value_name = "TYPE:ID")]
        resource: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a policy command.
pub async fn run(services: &Services, cmd: PolicyCommand) -> anyhow::Result<()> {
    let policies = &services.policies;
    match cmd {
        PolicyCommand::Set {
            resource_server,
            schema,
            policies: file,
            json,
        } => {
            let schema_text = read(&schema).await?;
            let policies_text = read(&file).await?;
            let stored = services
                .admin()
                .set_policy_set(
                    &Actor::operator(),
                    &resource_server,
                    &schema_text,
                    &policies_text,
                    None,
                )
                .await?;
            if json {
                return output::json(&json!({
                    "resource_server": stored.resource_server,
                    "version": stored.version,
                    "policy_ids": stored.policy_ids,
                }));
            }
            println!(
                "stored version {} of the policy set of {resource_server}: {} policies ({})",
                stored.version,
                stored.policy_ids.len(),
                stored.policy_ids.join(", ")
            );
            Ok(())
        }
        PolicyCommand::Show {
            resource_server,
            json,
        } => {
            let stored = match services
                .admin()
                .policy_set(&Actor::operator(), &resource_server)
                .await
            {
                Err(domain::Error::NotFound("policy set")) => {
                    anyhow::bail!("{resource_server} has no policy set")
                }
                other => other?,
            };
            if json {
                return output::json(&stored);
            }
            println!(
                "# version {}, updated {}\n# schema\n{}\n# policies\n{}",
                stored.version,
                output::time(stored.updated_at),
                stored.schema.trim_end(),
                stored.policies.trim_end()
            );
            Ok(())
        }
        PolicyCommand::Delete {
            resource_server,
            json,
        } => {
            services
                .admin()
                .delete_policy_set(&Actor::operator(), &resource_server)
                .await?;
            if json {
                return output::json(
                    &json!({ "resource_server": resource_server, "deleted": true }),
                );
            }
            println!("deleted the policy set of {resource_server}");
            Ok(())
        }
        PolicyCommand::Test {
            resource_server,
            principal,
            action,
            resource,
            resource_properties,
            context,
            amr,
            acr,
            json,
        } => {
            // Without --amr or --acr, how the user signed in is unknown (no token shown).
            let authentication = (!amr.is_empty() || acr.is_some()).then_some(Authentication {
                user_id: None,
                acr,
                amr,
                auth_time: None,
            });
            let (resource_type, resource_id) =
                policies.resource(&resource_server, &resource).await?;
            let question = Evaluation {
                subject: principal,
                action,
                resource_type,
                resource_id,
                resource_properties: object("--resource-properties", resource_properties)?,
                context: object("--context", context)?,
                authentication,
            };
            let facts = RequestFacts {
                now: time::OffsetDateTime::now_utc(),
                client_id: resource_server.clone(),
                ip: String::new(),
            };
            let decision = policies.decide(&resource_server, &question, &facts).await?;
            if json {
                return output::json(&decision);
            }
            let verdict = if decision.decision { "ALLOW" } else { "DENY" };
            if decision.reasons.is_empty() {
                println!("{verdict} (no policy applied)");
            } else {
                println!("{verdict} by {}", decision.reasons.join(", "));
            }
            for e in &decision.errors {
                println!("error: {e}");
            }
            Ok(())
        }
    }
}

/// Runs an ACL command (through administration, as the operator).
pub async fn run_acl(services: &Services, cmd: AclCommand) -> anyhow::Result<()> {
    let admin = services.admin();
    let operator = Actor::operator();
    match cmd {
        AclCommand::Add {
            resource_server,
            subject,
            relation,
            resource,
            json,
        } => {
            let entry = admin
                .add_relation(
                    &operator,
                    &resource_server,
                    &subject.subject(),
                    &relation,
                    &resource,
                )
                .await?;
            if json {
                return output::json(&entry);
            }
            println!(
                "{} {} is {} of {}::\"{}\"",
                entry.subject_kind,
                entry.subject_name,
                entry.relation,
                entry.resource_type,
                entry.resource_id
            );
            Ok(())
        }
        AclCommand::Remove {
            resource_server,
            subject,
            relation,
            resource,
            json,
        } => {
            admin
                .remove_relation(
                    &operator,
                    &resource_server,
                    &subject.subject(),
                    &relation,
                    &resource,
                )
                .await?;
            if json {
                return output::json(&json!({ "removed": true }));
            }
            println!("removed");
            Ok(())
        }
        AclCommand::List {
            resource_server,
            resource,
            json,
        } => {
            let entries: Vec<AclEntry> = admin
                .relations(&operator, &resource_server, resource.as_deref())
                .await?;
            if json {
                return output::json(&entries);
            }
            let rows: Vec<Vec<String>> = entries
                .iter()
                .map(|e| {
                    vec![
                        format!("{}::\"{}\"", e.resource_type, e.resource_id),
                        e.relation.clone(),
                        format!("{} {}", e.subject_kind, e.subject_name),
                        e.id.clone(),
                    ]
                })
                .collect();
            output::table(&["RESOURCE", "RELATION", "SUBJECT", "ID"], &rows);
            Ok(())
        }
    }
}

async fn read(path: &PathBuf) -> anyhow::Result<String> {
    tokio::fs::read_to_string(path)
        .await
        .with_context(|| format!("reading {}", path.display()))
}

fn object(
    flag: &str,
    text: Option<String>,
) -> anyhow::Result<serde_json::Map<String, serde_json::Value>> {
    match text {
        None => Ok(serde_json::Map::new()),
        Some(t) => match serde_json::from_str(&t) {
            Ok(serde_json::Value::Object(m)) => Ok(m),
            _ => anyhow::bail!("{flag} must be a JSON object"),
        },
    }
}
