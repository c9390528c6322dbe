//! The `gatehouse` command line.

mod apikey;
mod audit;
mod client;
mod group;
mod idp;
mod initial_token;
mod keys;
mod output;
mod password;
mod policy;
mod purge;
mod role;
mod secrets;
mod serve;
pub mod user;
mod webhook;

use std::collections::HashMap;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{Config, LogConfig};
use crate::services::Services;

/// Gatehouse: an OAuth 2.0 / OpenID Connect identity provider.
#[derive(Debug, Parser)]
#[command(name = "gatehouse", version, about, propagate_version = true)]
pub struct Cli {
    /// Configuration file (TOML). Without one, defaults and GATEHOUSE__* variables apply.
    #[arg(long, global = true, env = "GATEHOUSE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the server (applies pending migrations first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage OAuth clients.
    #[command(subcommand)]
    Client(client::ClientCommand),
    /// Manage roles and permissions.
    #[command(subcommand)]
    Role(role::RoleCommand),
    /// Manage groups (members, nesting; roles are granted with `role grant --group`).
    #[command(subcommand)]
    Group(group::GroupCommand),
    /// Manage upstream identity providers people may sign in through.
    #[command(subcommand)]
    Idp(idp::IdpCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Apikey(apikey::ApiKeyCommand),
    /// Manage service accounts (non-human principals that use API keys).
    #[command(subcommand)]
    ServiceAccount(apikey::ServiceAccountCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Manage resource servers' Cedar policy sets (the decision API).
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Manage ACL entries (subject, relation, resource) of resource servers.
    #[command(subcommand)]
    Acl(policy::AclCommand),
    /// Manage the master key's place in Vault / OpenBao (wrap, rewrap, status).
    #[command(subcommand)]
    Secrets(secrets::SecretsCommand),
    /// Read, export and verify the audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Manage signed webhook subscriptions and see their deliveries.
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
    /// Delete expired and ended rows now (servers also do it every
    /// maintenance.purge_interval_secs) and print what was deleted.
    Purge {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let env: HashMap<String, String> = std::env::vars().collect();
    let config = Config::load(cli.config.as_deref(), env)?;
    if let Command::Serve = cli.command {
        let telemetry = crate::logging::init_with_traces(&config.log, &config.telemetry)?;
        let result = serve::run(config).await;
        if let Some(telemetry) = telemetry {
            telemetry.shutdown().await;
        }
        return result;
    }
    // Administrative commands print results on stdout; only warnings go to the log.
    crate::logging::init(&LogConfig {
        level: "warn".into(),
        ..config.log.clone()
    });
    if let Command::Secrets(cmd) = cli.command {
        return secrets::run(&config, cmd).await;
    }
    // Only `serve` and `migrate` create a database and a master key.
    let services = if let Command::Migrate { .. } = cli.command {
        Services::open(config).await?
    } else {
        Services::open_existing(config).await?
    };
    let result = match cli.command {
        Command::Serve | Command::Secrets(_) => unreachable!("handled above"),
        Command::Migrate { json } => {
            if json {
                output::json(&serde_json::json!({ "up_to_date": true }))
            } else {
                println!("database is up to date");
                Ok(())
            }
        }
        Command::User(cmd) => user::run(&services, cmd).await,
        Command::Client(cmd) => client::run(&services, cmd).await,
        Command::Role(cmd) => role::run(&services, cmd).await,
        Command::Group(cmd) => group::run(&services, cmd).await,
        Command::Idp(cmd) => idp::run(&services, cmd).await,
        Command::Keys(cmd) => keys::run(&services, cmd).await,
        Command::Apikey(cmd) => apikey::run(&services, cmd).await,
        Command::ServiceAccount(cmd) => apikey::run_service_account(&services, cmd).await,
        Command::Policy(cmd) => policy::run(&services, cmd).await,
        Command::Acl(cmd) => policy::run_acl(&services, cmd).await,
        Command::Purge { json } => purge::run(&services, json).await,
        Command::Audit(cmd) => audit::run(&services, cmd).await,
        Command::Webhook(cmd) => webhook::run(&services, cmd).await,
    };
    services.store.close().await?;
    result
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::Cli;

    /// Every command that does something and ends takes `--json` (scripts rely on it): a
    /// command added without it fails here. `serve` runs until stopped and prints no result.
    #[test]
    fn every_command_takes_json() {
        fn leaves(cmd: &clap::Command, path: String, out: &mut Vec<(String, bool)>) {
            if cmd.has_subcommands() {
                for sub in cmd.get_subcommands() {
                    leaves(sub, format!("{path} {}", sub.get_name()), out);
                }
            } else {
                let json = cmd.get_arguments().any(|a| a.get_long() == Some("json"));
                out.push((path, json));
            }
        }
        let mut all = Vec::new();
        leaves(&Cli::command(), "gatehouse".into(), &mut all);
        assert!(all.len() > 60, "{all:?}");
        let missing: Vec<&str> = all
            .iter()
            .filter(|(path, json)| !json && path != "gatehouse serve")
            .map(|(path, _)| path.as_str())
            .collect();
        assert!(missing.is_empty(), "without --json: {missing:?}");
    }
}
