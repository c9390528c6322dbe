//! `gatehouse role ...`

use clap::Subcommand;
use domain::audit::AuditEvent;

use super::output;
use crate::services::Services;

/// Role commands.
#[derive(Debug, Subcommand)]
pub enum RoleCommand {
    /// Create a role with permissions.
    Create {
        /// Role name (a-z, 0-9, _ - . :).
        name: String,
        /// A permission the role carries (repeatable; created if new).
        #[arg(long = "permission", value_name = "PERMISSION")]
        permissions: Vec<String>,
    },
    /// Grant a role to a user.
    Grant {
        /// Role name.
        name: String,
        /// Email of the user.
        #[arg(long)]
        user: String,
    },
    /// List roles.
    List,
}

/// Runs a role command.
pub async fn run(services: &Services, cmd: RoleCommand) -> anyhow::Result<()> {
    match cmd {
        RoleCommand::Create { name, permissions } => {
            let role = services.roles.create(&name, &permissions).await?;
            services
                .audit
                .record(AuditEvent::success("role.created").data(serde_json::json!({
                    "role": role.name, "permissions": permissions, "via": "cli"
                })))
                .await?;
            println!("created role {}", role.name);
        }
        RoleCommand::Grant { name, user } => {
            services.roles.grant(&name, &user).await?;
            let u = services.users.get_by_email(&user).await?;
            services
                .audit
                .record(
                    AuditEvent::success("role.granted")
                        .subject(u.id)
                        .data(serde_json::json!({ "role": name, "via": "cli" })),
                )
                .await?;
            println!("granted {name} to {}", u.email);
        }
        RoleCommand::List => {
            let rows: Vec<Vec<String>> = services
                .roles
                .list()
                .await?
                .into_iter()
                .map(|r| vec![r.name, output::time(r.created_at)])
                .collect();
            output::table(&["ROLE", "CREATED"], &rows);
        }
    }
    Ok(())
}
