//! `gatehouse client initial-token ...`: the initial access tokens that admit dynamic client
//! registrations when `oauth.dynamic_registration = "token"`.

use std::time::Duration;

use clap::Subcommand;
use domain::admin::Actor;
use domain::clients::InitialToken;
use serde::Serialize;

use super::output;
use crate::services::Services;

/// Initial access token commands.
#[derive(Debug, Subcommand)]
pub enum InitialTokenCommand {
    /// Create a token (printed once) for a developer to register clients with at
    /// /connect/register (Authorization: Bearer TOKEN).
    Create {
        /// Lifetime, e.g. 1d, 12h (at most 365d).
        #[arg(long, value_name = "DURATION", value_parser = super::apikey::parse_duration)]
        expires_in: Duration,
        /// Registrations it admits (default: any number until it expires).
        #[arg(long, value_name = "N")]
        max_uses: Option<u32>,
        /// Print JSON (`token` and every field).
        #[arg(long)]
        json: bool,
    },
    /// List tokens (never the tokens themselves).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token: it admits no more registrations (clients registered with it stay).
    Revoke {
        /// The token's id (from `list`).
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A created token: the token (shown once) with its fields.
#[derive(Serialize)]
struct Created {
    token: String,
    #[serde(flatten)]
    view: InitialToken,
}

/// Runs an initial token command.
pub async fn run(services: &Services, cmd: InitialTokenCommand) -> anyhow::Result<()> {
    let admin = services.admin();
    let actor = Actor::operator();
    match cmd {
        InitialTokenCommand::Create {
            expires_in,
            max_uses,
            json,
        } => {
            let (view, token) = admin
                .create_initial_token(&actor, expires_in, max_uses)
                .await?;
            if json {
                return output::json(&Created { token, view });
            }
            println!("id:      {}", view.id);
            println!("token:   {token}\n(the token is shown only now: hand it over safely)");
            println!("expires: {}", output::time(view.expires_at));
            if let Some(n) = view.max_uses {
                println!("uses:    at most {n}");
            }
            Ok(())
        }
        InitialTokenCommand::List { json } => {
            let tokens = admin.list_initial_tokens(&actor).await?;
            if json {
                return output::json(&tokens);
            }
            let rows: Vec<Vec<String>> = tokens
                .into_iter()
                .map(|t| {
                    vec![
                        t.id,
                        if t.active { "active" } else { "inactive" }.to_owned(),
                        match t.max_uses {
                            Some(max) => format!("{}/{max}", t.uses),
                            None => t.uses.to_string(),
                        },
                        output::time(t.expires_at),
                        t.revoked_at.map(output::time).unwrap_or_default(),
                    ]
                })
                .collect();
            output::table(&["ID", "STATE", "USES", "EXPIRES", "REVOKED"], &rows);
            Ok(())
        }
        InitialTokenCommand::Revoke { id, json } => {
            let view = admin.revoke_initial_token(&actor, &id).await?;
            if json {
                return output::json(&view);
            }
            println!("revoked initial access token {id}");
            Ok(())
        }
    }
}
