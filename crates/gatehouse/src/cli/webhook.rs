//! `gatehouse webhook ...`: signed webhook subscriptions and their delivery log.

use std::time::Duration;

use clap::Subcommand;
use domain::entities::event_outbox;
use domain::events::{NewWebhook, Webhook};
use serde::Serialize;
use serde_json::json;

use super::apikey::parse_duration;
use super::output;
use crate::services::Services;

/// Webhook commands.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Subscribe a URL to events; prints the signing secret once (it is stored sealed).
    Create {
        /// The https URL events are POSTed to.
        #[arg(long)]
        url: String,
        /// An event type to send (repeatable), or `*` for every type.
        #[arg(long = "event", value_name = "TYPE", required = true)]
        events: Vec<String>,
        /// What it is for.
        #[arg(long)]
        description: Option<String>,
        /// Print JSON (the subscription and `secret`).
        #[arg(long)]
        json: bool,
    },
    /// List subscriptions (never their secrets).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one subscription.
    Show {
        /// The subscription id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a subscription and its queued deliveries.
    Delete {
        /// The subscription id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Turn a subscription back on (its failure record starts afresh).
    Enable {
        /// The subscription id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Turn a subscription off; its queued deliveries are given up.
    Disable {
        /// The subscription id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Replace the signing secret; prints the new one once. The old one keeps signing too
    /// (a second signature) for the grace period.
    RotateSecret {
        /// The subscription id.
        id: String,
        /// How long the old secret keeps signing, e.g. 24h (0: it stops now).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "24h")]
        grace: Duration,
        /// Print JSON (`id`, `secret`).
        #[arg(long)]
        json: bool,
    },
    /// The delivery log: the newest deliveries of a subscription, with attempts and errors.
    Deliveries {
        /// The subscription id.
        id: String,
        /// How many to show.
        #[arg(long, default_value_t = 20)]
        limit: u64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// One delivery as the log shows it (never the payload).
#[derive(Debug, Serialize)]
struct Delivery {
    id: String,
    event_id: String,
    event_type: String,
    state: String,
    attempts: i32,
    last_status: Option<i32>,
    last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    last_attempt_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    next_attempt_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    delivered_at: Option<time::OffsetDateTime>,
}

impl From<event_outbox::Model> for Delivery {
    fn from(m: event_outbox::Model) -> Self {
        let pending = m.state == domain::events::outbox::PENDING;
        Self {
            id: m.id,
            event_id: m.event_id,
            event_type: m.event_type,
            state: m.state,
            attempts: m.attempts,
            last_status: m.last_status,
            last_error: m.last_error,
            created_at: m.created_at,
            last_attempt_at: m.last_attempt_at,
            next_attempt_at: pending.then_some(m.next_attempt_at),
            delivered_at: m.delivered_at,
        }
    }
}

fn print_webhook(w: &Webhook) {
    println!("id:          {}", w.id);
    println!("url:         {}", w.url);
    println!("events:      {}", w.event_types.join(", "));
    if let Some(d) = &w.description {
        println!("description: {d}");
    }
    println!("enabled:     {}", w.enabled);
    println!("created:     {}", output::time(w.created_at));
    if let Some(since) = w.failing_since {
        println!("failing:     since {}", output::time(since));
    }
    if let Some(reason) = &w.disabled_reason {
        println!("disabled:    {reason}");
    }
}

fn opt_time(t: Option<time::OffsetDateTime>) -> String {
    t.map(output::time).unwrap_or_else(|| "-".into())
}

async fn set_enabled(
    services: &Services,
    id: &str,
    enabled: bool,
    json: bool,
) -> anyhow::Result<()> {
    let hook = services.webhooks.set_enabled(id, enabled, None).await?;
    if json {
        return output::json(&hook);
    }
    let state = if enabled { "enabled" } else { "disabled" };
    println!("{state} webhook {}", hook.id);
    Ok(())
}

/// Runs a webhook command.
pub async fn run(services: &Services, cmd: WebhookCommand) -> anyhow::Result<()> {
    let hooks = &services.webhooks;
    match cmd {
        WebhookCommand::Create {
            url,
            events,
            description,
            json,
        } => {
            let (hook, secret) = hooks
                .create(
                    NewWebhook {
                        url,
                        event_types: events,
                        description,
                    },
                    None,
                )
                .await?;
            if json {
                let mut value = serde_json::to_value(&hook)?;
                value["secret"] = json!(secret);
                return output::json(&value);
            }
            print_webhook(&hook);
            println!("secret:      {secret}");
            println!("(the secret is shown this once: receivers verify signatures with it)");
        }
        WebhookCommand::List { json } => {
            let list = hooks.list().await?;
            if json {
                return output::json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|w| {
                    let state = match (w.enabled, w.failing_since) {
                        (false, _) => "disabled",
                        (true, Some(_)) => "failing",
                        (true, None) => "enabled",
                    };
                    vec![
                        w.id.clone(),
                        state.to_owned(),
                        w.event_types.join(","),
                        w.url.clone(),
                    ]
                })
                .collect();
            output::table(&["ID", "STATE", "EVENTS", "URL"], &rows);
        }
        WebhookCommand::Show { id, json } => {
            let hook = hooks.get(&id).await?;
            if json {
                return output::json(&hook);
            }
            print_webhook(&hook);
        }
        WebhookCommand::Delete { id, json } => {
            hooks.delete(&id, None).await?;
            if json {
                return output::json(&json!({ "id": id, "deleted": true }));
            }
            println!("deleted webhook {id}");
        }
        WebhookCommand::Enable { id, json } => set_enabled(services, &id, true, json).await?,
        WebhookCommand::Disable { id, json } => set_enabled(services, &id, false, json).await?,
        WebhookCommand::RotateSecret { id, grace, json } => {
            let secret = hooks.rotate_secret(&id, grace, None).await?;
            if json {
                return output::json(
                    &json!({ "id": id, "secret": secret, "grace_secs": grace.as_secs() }),
                );
            }
            println!("new secret:  {secret}");
            println!(
                "(shown this once; the previous secret keeps signing for {} s)",
                grace.as_secs()
            );
        }
        WebhookCommand::Deliveries { id, limit, json } => {
            let log: Vec<Delivery> = hooks
                .deliveries(&id, limit)
                .await?
                .into_iter()
                .map(Delivery::from)
                .collect();
            if json {
                return output::json(&log);
            }
            let rows: Vec<Vec<String>> = log
                .iter()
                .map(|d| {
                    vec![
                        d.event_id.clone(),
                        d.event_type.clone(),
                        d.state.clone(),
                        d.attempts.to_string(),
                        d.last_status.map_or_else(|| "-".into(), |s| s.to_string()),
                        opt_time(d.last_attempt_at),
                        opt_time(d.next_attempt_at),
                        d.last_error.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            output::table(
                &[
                    "EVENT", "TYPE", "STATE", "ATTEMPTS", "STATUS", "LAST", "NEXT", "ERROR",
                ],
                &rows,
            );
        }
    }
    Ok(())
}
