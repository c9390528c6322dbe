//! `gatehouse keys ...`

use clap::Subcommand;
use domain::admin::Actor;

use super::output;
use crate::services::Services;

/// Signing key commands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List signing keys and their states.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Rotate: the pre-published next key starts signing, the active key retires.
    Rotate {
        /// Only this algorithm (repeatable); default every configured one.
        #[arg(long = "alg", value_name = "ALG")]
        algs: Vec<String>,
        /// Print JSON: the keys after the rotation.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a keys command.
pub async fn run(services: &Services, cmd: KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::List { json } => {
            let keys = services.admin().list_keys(&Actor::operator()).await?;
            if json {
                return output::json(&keys);
            }
            let rows: Vec<Vec<String>> = keys
                .into_iter()
                .map(|k| {
                    vec![
                        k.kid,
                        k.alg,
                        k.state,
                        output::time(k.created_at),
                        k.expires_at.map(output::time).unwrap_or_default(),
                    ]
                })
                .collect();
            output::table(&["KID", "ALG", "STATE", "CREATED", "UNPUBLISHED AT"], &rows);
        }
        KeysCommand::Rotate { algs, json } => {
            let before = services.keys.list().await?;
            let after = services
                .admin()
                .rotate_keys(&Actor::operator(), &algs)
                .await?;
            if json {
                return output::json(&after);
            }
            // The keys that sign now and did not before.
            for k in after.iter().filter(|k| k.state == "active") {
                if !before.iter().any(|b| b.kid == k.kid && b.state == "active") {
                    println!("{}: {} now signs", k.alg, k.kid);
                }
            }
            println!(
                "running servers switch within keys.reload_interval_secs ({} s)",
                services.config.keys.reload_interval_secs
            );
        }
    }
    Ok(())
}
