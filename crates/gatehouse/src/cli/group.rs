//! `gatehouse group ...`

use clap::Subcommand;
use domain::admin::{Actor, Admin};
use serde_json::json;

use super::output;
use super::role::Json;
use crate::services::Services;

/// Group commands. Every command takes `--json`; changes then print the group as `group show`.
#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group, at the top or inside --parent.
    Create {
        /// Group name (a-z, 0-9, _ - . :), unique among all groups.
        name: String,
        /// The enclosing group.
        #[arg(long)]
        parent: Option<String>,
        #[command(flatten)]
        out: Json,
    },
    /// List groups with their paths.
    List {
        #[command(flatten)]
        out: Json,
    },
    /// Show a group: path, members, roles, subgroups.
    Show {
        /// Group name.
        name: String,
        #[command(flatten)]
        out: Json,
    },
    /// Delete a group (refused while it has subgroups).
    Delete {
        /// Group name.
        name: String,
        #[command(flatten)]
        out: Json,
    },
    /// Add a user to a group.
    AddMember {
        /// Group name.
        name: String,
        /// Email of the user.
        #[arg(long)]
        user: String,
        #[command(flatten)]
        out: Json,
    },
    /// Remove a user from a group.
    RemoveMember {
        /// Group name.
        name: String,
        /// Email of the user.
        #[arg(long)]
        user: String,
        #[command(flatten)]
        out: Json,
    },
    /// Put SUBGROUP inside GROUP (moving it from where it was; cycles are refused).
    AddSubgroup {
        /// The enclosing group.
        name: String,
        /// The group to put inside it.
        subgroup: String,
        #[command(flatten)]
        out: Json,
    },
    /// Take SUBGROUP out of GROUP, to the top.
    RemoveSubgroup {
        /// The enclosing group.
        name: String,
        /// The subgroup.
        subgroup: String,
        #[command(flatten)]
        out: Json,
    },
}

/// After a change: the group as JSON, or `text` for a person.
async fn done(admin: &Admin, name: &str, out: &Json, text: String) -> anyhow::Result<()> {
    if out.json {
        return output::json(&admin.group(&Actor::operator(), name).await?);
    }
    println!("{text}");
    Ok(())
}

/// Runs a group command (through administration, as the operator).
pub async fn run(services: &Services, cmd: GroupCommand) -> anyhow::Result<()> {
    let admin = services.admin();
    let operator = Actor::operator();
    match cmd {
        GroupCommand::Create { name, parent, out } => {
            let created = admin
                .create_group(&operator, &name, parent.as_deref())
                .await?;
            let text = format!("created group {}", created.path);
            done(&admin, &name, &out, text).await
        }
        GroupCommand::List { out } => {
            let all = admin.list_groups(&operator).await?;
            if out.json {
                return output::json(&all);
            }
            let rows: Vec<Vec<String>> = all.into_iter().map(|g| vec![g.name, g.path]).collect();
            output::table(&["GROUP", "PATH"], &rows);
            Ok(())
        }
        GroupCommand::Show { name, out } => {
            let shown = admin.group(&operator, &name).await?;
            if out.json {
                return output::json(&shown);
            }
            let roles: Vec<String> = shown
                .roles
                .iter()
                .map(|r| match &r.client_id {
                    Some(c) => format!("{} (client {c})", r.name),
                    None => r.name.clone(),
                })
                .collect();
            for (k, v) in [
                ("group", shown.group.name.clone()),
                ("path", shown.group.path.clone()),
                ("members", shown.members.join(", ")),
                ("roles", roles.join(", ")),
                ("subgroups", shown.subgroups.join(", ")),
                ("created", output::time(shown.created_at)),
            ] {
                println!("{k:<10} {v}");
            }
            Ok(())
        }
        GroupCommand::Delete { name, out } => {
            let before = admin.group(&operator, &name).await?;
            admin.delete_group(&operator, &name).await?;
            if out.json {
                return output::json(&json!({ "deleted": before }));
            }
            println!("deleted group {}", before.group.path);
            Ok(())
        }
        GroupCommand::AddMember { name, user, out } => {
            admin
                .set_group_member(&operator, &name, &user, true)
                .await?;
            done(&admin, &name, &out, format!("added {user} to {name}")).await
        }
        GroupCommand::RemoveMember { name, user, out } => {
            admin
                .set_group_member(&operator, &name, &user, false)
                .await?;
            done(&admin, &name, &out, format!("removed {user} from {name}")).await
        }
        GroupCommand::AddSubgroup {
            name,
            subgroup,
            out,
        } => {
            admin
                .set_subgroup(&operator, &name, &subgroup, true)
                .await?;
            let text = format!("{subgroup} is now inside {name}");
            done(&admin, &name, &out, text).await
        }
        GroupCommand::RemoveSubgroup {
            name,
            subgroup,
            out,
        } => {
            admin
                .set_subgroup(&operator, &name, &subgroup, false)
                .await?;
            let text = format!("{subgroup} is no longer inside {name}");
            done(&admin, &name, &out, text).await
        }
    }
}
