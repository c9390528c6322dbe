//! `gatehouse role ...`

use clap::{Args, Subcommand};
use domain::admin::Actor;
use domain::roles::{RoleDetails, RoleGrantee, RoleName};
use serde_json::json;

use super::output;
use crate::services::Services;

/// Role commands. Every command takes `--json`; changes then print the role as `role show`.
#[derive(Debug, Subcommand)]
pub enum RoleCommand {
    /// Create a role with permissions.
    Create {
        #[command(flatten)]
        role: RoleArg,
        /// A `resource:action` permission the role carries (repeatable; created if new).
        #[arg(long = "permission", value_name = "PERMISSION")]
        permissions: Vec<String>,
        #[command(flatten)]
        out: Json,
    },
    /// List roles (global ones, then client roles).
    List {
        /// Only the roles of this client.
        #[arg(long, value_name = "CLIENT_ID")]
        client: Option<String>,
        #[command(flatten)]
        out: Json,
    },
    /// Show a role: permissions, included roles, users and groups.
    Show {
        #[command(flatten)]
        role: RoleArg,
        #[command(flatten)]
        out: Json,
    },
    /// Delete a role with its grants (tokens already issued keep it until they expire).
    Delete {
        #[command(flatten)]
        role: RoleArg,
        #[command(flatten)]
        out: Json,
    },
    /// Grant a role to a user or a group.
    Grant {
        #[command(flatten)]
        role: RoleArg,
        #[command(flatten)]
        to: Grantee,
        #[command(flatten)]
        out: Json,
    },
    /// Take a role back from a user or a group.
    Revoke {
        #[command(flatten)]
        role: RoleArg,
        #[command(flatten)]
        to: Grantee,
        #[command(flatten)]
        out: Json,
    },
    /// Add a `resource:action` permission to a role.
    AddPermission {
        #[command(flatten)]
        role: RoleArg,
        /// The permission, like documents:write.
        permission: String,
        #[command(flatten)]
        out: Json,
    },
    /// Remove a permission from a role.
    RemovePermission {
        #[command(flatten)]
        role: RoleArg,
        /// The permission.
        permission: String,
        #[command(flatten)]
        out: Json,
    },
    /// Make ROLE include OTHER: whoever holds ROLE holds OTHER (cycles are refused).
    Include {
        #[command(flatten)]
        role: RoleArg,
        /// The included role.
        other: String,
        /// The client of OTHER when it is a client role.
        #[arg(long, value_name = "CLIENT_ID")]
        other_client: Option<String>,
        /// Stop including OTHER instead.
        #[arg(long)]
        remove: bool,
        #[command(flatten)]
        out: Json,
    },
}

/// A role: its name, and its client for a client role.
#[derive(Debug, Args)]
pub struct RoleArg {
    /// Role name (a-z, 0-9, _ - . :).
    name: String,
    /// The client of a client role (shown under resource_access.{client_id}.roles).
    #[arg(long, value_name = "CLIENT_ID")]
    client: Option<String>,
}

impl RoleArg {
    fn client(&self) -> Option<&str> {
        self.client.as_deref()
    }

    fn label(&self) -> String {
        match &self.client {
            Some(c) => format!("{} (client {c})", self.name),
            None => self.name.clone(),
        }
    }
}

/// Who a role goes to.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Grantee {
    /// Email of the user.
    #[arg(long)]
    user: Option<String>,
    /// Name of the group.
    #[arg(long)]
    group: Option<String>,
}

impl Grantee {
    fn to_domain(&self) -> RoleGrantee {
        match (&self.user, &self.group) {
            (Some(u), _) => RoleGrantee::User(u.clone()),
            (None, Some(g)) => RoleGrantee::Group(g.clone()),
            // clap's group makes one of them required.
            (None, None) => RoleGrantee::Group(String::new()),
        }
    }

    fn label(&self) -> String {
        match self.to_domain() {
            RoleGrantee::User(u) => format!("user {u}"),
            RoleGrantee::Group(g) => format!("group {g}"),
        }
    }
}

/// `--json`.
#[derive(Debug, Args)]
pub struct Json {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// After a change: the role as JSON, or `text` for a person.
fn done(shown: &RoleDetails, out: &Json, text: String) -> anyhow::Result<()> {
    if out.json {
        return output::json(shown);
    }
    println!("{text}");
    Ok(())
}

/// Runs a role command (through administration, as the operator).
pub async fn run(services: &Services, cmd: RoleCommand) -> anyhow::Result<()> {
    let admin = services.admin();
    let operator = Actor::operator();
    match cmd {
        RoleCommand::Create {
            role,
            permissions,
            out,
        } => {
            let shown = admin
                .create_role(&operator, role.client(), &role.name, &permissions)
                .await?;
            done(&shown, &out, format!("created role {}", role.label()))
        }
        RoleCommand::List { client, out } => {
            let all: Vec<RoleName> = admin
                .list_roles(&operator)
                .await?
                .into_iter()
                .filter(|r| client.is_none() || r.client_id == client)
                .collect();
            if out.json {
                return output::json(&all);
            }
            let rows: Vec<Vec<String>> = all
                .into_iter()
                .map(|r| vec![r.name, r.client_id.unwrap_or_default()])
                .collect();
            output::table(&["ROLE", "CLIENT"], &rows);
            Ok(())
        }
        RoleCommand::Show { role, out } => {
            let shown = admin.role(&operator, role.client(), &role.name).await?;
            if out.json {
                return output::json(&shown);
            }
            let includes: Vec<String> = shown
                .includes
                .iter()
                .map(|r| match &r.client_id {
                    Some(c) => format!("{} (client {c})", r.name),
                    None => r.name.clone(),
                })
                .collect();
            for (k, v) in [
                ("role", shown.role.name.clone()),
                ("client", shown.role.client_id.clone().unwrap_or_default()),
                ("permissions", shown.permissions.join(", ")),
                ("includes", includes.join(", ")),
                ("users", shown.users.join(", ")),
                ("groups", shown.groups.join(", ")),
                ("created", output::time(shown.created_at)),
            ] {
                println!("{k:<12} {v}");
            }
            Ok(())
        }
        RoleCommand::Delete { role, out } => {
            let before = admin.role(&operator, role.client(), &role.name).await?;
            admin
                .delete_role(&operator, role.client(), &role.name)
                .await?;
            if out.json {
                return output::json(&json!({ "deleted": before }));
            }
            println!("deleted role {}", role.label());
            Ok(())
        }
        RoleCommand::Grant { role, to, out } => {
            admin
                .grant_role(&operator, role.client(), &role.name, &to.to_domain())
                .await?;
            let shown = admin.role(&operator, role.client(), &role.name).await?;
            done(
                &shown,
                &out,
                format!("granted {} to {}", role.label(), to.label()),
            )
        }
        RoleCommand::Revoke { role, to, out } => {
            admin
                .revoke_role(&operator, role.client(), &role.name, &to.to_domain())
                .await?;
            let shown = admin.role(&operator, role.client(), &role.name).await?;
            let text = format!(
                "revoked {} from {} (tokens already issued keep it until they expire)",
                role.label(),
                to.label()
            );
            done(&shown, &out, text)
        }
        RoleCommand::AddPermission {
            role,
            permission,
            out,
        } => {
            let shown = admin
                .set_role_permission(&operator, role.client(), &role.name, &permission, true)
                .await?;
            let text = format!("{} now carries {permission}", role.label());
            done(&shown, &out, text)
        }
        RoleCommand::RemovePermission {
            role,
            permission,
            out,
        } => {
            let shown = admin
                .set_role_permission(&operator, role.client(), &role.name, &permission, false)
                .await?;
            let text = format!("{} no longer carries {permission}", role.label());
            done(&shown, &out, text)
        }
        RoleCommand::Include {
            role,
            other,
            other_client,
            remove,
            out,
        } => {
            let inner = RoleName {
                client_id: other_client,
                name: other.clone(),
            };
            let shown = admin
                .set_role_include(&operator, role.client(), &role.name, &inner, !remove)
                .await?;
            if out.json {
                return output::json(&shown);
            }
            if remove {
                println!("{} no longer includes {other}", role.label());
            } else {
                println!("{} now includes {other}", role.label());
            }
            Ok(())
        }
    }
}
