//! `gatehouse group ...`

use clap::Subcommand;
use domain::admin::Actor;
use domain::audit::AuditEvent;
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

async fn audit(
    services: &Services,
    action: &'static str,
    data: serde_json::Value,
) -> anyhow::Result<()> {
    services
        .audit
        .record(AuditEvent::success(action).data(data))
        .await?;
    Ok(())
}

async fn done(services: &Services, name: &str, out: &Json, text: String) -> anyhow::Result<()> {
    if out.json {
        return output::json(&services.groups.show(name).await?);
    }
    println!("{text}");
    Ok(())
}

/// Runs a group command.
pub async fn run(services: &Services, cmd: GroupCommand) -> anyhow::Result<()> {
    let groups = &services.groups;
    match cmd {
        GroupCommand::Create { name, parent, out } => {
            let created = groups.create(&name, parent.as_deref()).await?;
            let data = json!({ "group": name, "parent": parent, "via": "cli" });
            audit(services, "group.created", data).await?;
            done(
                services,
                &name,
                &out,
                format!("created group {}", created.path),
            )
            .await
        }
        GroupCommand::List { out } => {
            let all = groups.list().await?;
            if out.json {
                return output::json(&all);
            }
            let rows: Vec<Vec<String>> = all.into_iter().map(|g| vec![g.name, g.path]).collect();
            output::table(&["GROUP", "PATH"], &rows);
            Ok(())
        }
        GroupCommand::Show { name, out } => {
            let shown = groups.show(&name).await?;
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
            let before = groups.show(&name).await?;
            groups.delete(&name).await?;
            audit(
                services,
                "group.deleted",
                json!({ "group": name, "via": "cli" }),
            )
            .await?;
            if out.json {
                return output::json(&json!({ "deleted": before }));
            }
            println!("deleted group {}", before.group.path);
            Ok(())
        }
        GroupCommand::AddMember { name, user, out } => {
            groups.add_member(&name, &user).await?;
            let data = json!({ "group": name, "user": user, "via": "cli" });
            audit(services, "group.member_added", data).await?;
            done(services, &name, &out, format!("added {user} to {name}")).await
        }
        GroupCommand::RemoveMember { name, user, out } => {
            groups.remove_member(&name, &user).await?;
            let data = json!({ "group": name, "user": user, "via": "cli" });
            audit(services, "group.member_removed", data).await?;
            done(services, &name, &out, format!("removed {user} from {name}")).await
        }
        GroupCommand::AddSubgroup {
            name,
            subgroup,
            out,
        } => {
            services
                .admin()
                .set_subgroup(&Actor::operator(), &name, &subgroup, true)
                .await?;
            let text = format!("{subgroup} is now inside {name}");
            done(services, &name, &out, text).await
        }
        GroupCommand::RemoveSubgroup {
            name,
            subgroup,
            out,
        } => {
            services
                .admin()
                .set_subgroup(&Actor::operator(), &name, &subgroup, false)
                .await?;
            let text = format!("{subgroup} is no longer inside {name}");
            done(services, &name, &out, text).await
        }
    }
}
