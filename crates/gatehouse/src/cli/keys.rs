//! `gatehouse keys ...`

use clap::Subcommand;
use domain::audit::AuditEvent;
use domain::keys::KeyAlg;

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
    },
}

/// Runs a keys command.
pub async fn run(services: &Services, cmd: KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::List { json } => {
            let keys = services.keys.list().await?;
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
        KeysCommand::Rotate { algs } => {
            let algs = if algs.is_empty() {
                services.config.key_algorithms()?
            } else {
                algs.iter()
                    .map(|a| KeyAlg::parse(a))
                    .collect::<Result<Vec<_>, _>>()?
            };
            // A database that never had keys gets them first, so rotation has a next key.
            services.keys.ensure(&algs).await?;
            for (alg, kid) in services.keys.rotate(&algs).await? {
                services
                    .audit
                    .record(AuditEvent::success("keys.rotated").data(serde_json::json!({
                        "alg": alg.as_str(), "kid": kid, "via": "cli"
                    })))
                    .await?;
                println!("{alg}: {kid} now signs");
            }
            println!(
                "running servers switch within keys.reload_interval_secs ({} s)",
                services.config.keys.reload_interval_secs
            );
        }
    }
    Ok(())
}
