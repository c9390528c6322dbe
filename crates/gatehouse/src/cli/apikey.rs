//! `gatehouse apikey ...` and `gatehouse service-account ...`

use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use domain::apikeys::{ApiKey, NewApiKey, Owner};
use domain::audit::AuditEvent;
use serde_json::json;

use super::output;
use crate::services::Services;

/// The owner of a key: a user or a service account.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct OwnerArgs {
    /// The email of the user who owns the key.
    #[arg(long, value_name = "EMAIL")]
    user: Option<String>,
    /// The name of the service account that owns the key.
    #[arg(long, value_name = "NAME")]
    service_account: Option<String>,
}

/// API key commands.
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key; prints it once (only a keyed hash is stored).
    Create {
        /// A name for people.
        #[arg(long)]
        name: String,
        /// Whose key it is.
        #[command(flatten)]
        owner: OwnerArgs,
        /// A permission the key carries (repeatable; the owner must hold it).
        #[arg(long = "permission", value_name = "PERMISSION")]
        permissions: Vec<String>,
        /// Lifetime, e.g. 30d, 12h (required; at most api_keys.max_lifetime_days).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        expires_in: Duration,
        /// Requests per minute allowed with this key at introspection and token exchange.
        #[arg(long, value_name = "N")]
        rate_limit: Option<u32>,
        /// Print JSON (`id`, `key` and every field).
        #[arg(long)]
        json: bool,
    },
    /// List keys (never the keys themselves).
    List {
        /// Only keys of this user (email).
        #[arg(long, value_name = "EMAIL", conflicts_with = "service_account")]
        user: Option<String>,
        /// Only keys of this service account.
        #[arg(long, value_name = "NAME")]
        service_account: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one key.
    Show {
        /// The key id (the part after `gk_`).
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key now.
    Revoke {
        /// The key id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Replace a key with a new one; the old one works for the grace period (never past its
    /// own expiry).
    Rotate {
        /// The key id.
        id: String,
        /// How long the old key keeps working, e.g. 24h (0: revoked now).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "0s")]
        grace: Duration,
        /// Print JSON (`id`, `key` and every field).
        #[arg(long)]
        json: bool,
    },
}

/// Service account commands.
#[derive(Debug, Subcommand)]
pub enum ServiceAccountCommand {
    /// Create a service account owned by an administrator.
    Create {
        /// Unique name (a-z, 0-9, _ - . :).
        name: String,
        /// Email of the owning administrator (must hold the admin role).
        #[arg(long, value_name = "EMAIL")]
        owner: String,
        /// A role it holds (repeatable).
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// What it is for.
        #[arg(long)]
        description: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List service accounts.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a service account and its keys.
    Delete {
        /// Name or id.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `30d`, `12h`, `15m`, `90s` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30d, 12h, 15m or 90s"))?;
    let secs = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text:?}: the unit must be d, h, m or s")),
    };
    n.checked_mul(secs)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("{text:?} is too long"))
}

async fn owner(services: &Services, a: &OwnerArgs) -> anyhow::Result<Option<Owner>> {
    Ok(match (&a.user, &a.service_account) {
        (Some(email), _) => Some(Owner::User(services.users.get_by_email(email).await?.id)),
        (None, Some(name)) => Some(Owner::ServiceAccount(
            services.service_accounts.get(name).await?.id,
        )),
        (None, None) => None,
    })
}

fn print_key(key: &ApiKey) {
    let at = |t: Option<time::OffsetDateTime>| t.map_or_else(|| "-".to_owned(), output::time);
    println!("id:          {}", key.id);
    println!("name:        {}", key.name);
    println!("owner:       {} {}", key.owner_type, key.owner_id);
    println!("permissions: {}", key.permissions.join(" "));
    if let Some(n) = key.rate_limit_per_minute {
        println!("rate limit:  {n}/min");
    }
    println!("created:     {}", output::time(key.created_at));
    println!("expires:     {}", output::time(key.expires_at));
    println!("revoked:     {}", at(key.revoked_at));
    println!("last used:   {}", at(key.last_used_at));
    println!("uses:        {}", key.use_count);
    if let Some(next) = &key.replaced_by {
        println!("replaced by: {next}");
    }
}

fn print_new(key: &ApiKey, text: &str, json: bool) -> anyhow::Result<()> {
    if json {
        let mut v = serde_json::to_value(key)?;
        v["key"] = text.into();
        return output::json(&v);
    }
    print_key(key);
    println!("key:         {text}\n(the key is shown only now: store it safely)");
    Ok(())
}

fn audit(kind: &'static str, key: &ApiKey) -> AuditEvent {
    let event = AuditEvent::success(kind).data(json!({
        "api_key": key.id, "name": key.name, "owner_type": key.owner_type,
        "owner_id": key.owner_id, "permissions": key.permissions, "via": "cli",
    }));
    match key.owner() {
        Owner::User(u) => event.subject(u),
        Owner::ServiceAccount(_) => event,
    }
}

/// Runs an API key command.
pub async fn run(services: &Services, cmd: ApiKeyCommand) -> anyhow::Result<()> {
    let keys = &services.api_keys;
    match cmd {
        ApiKeyCommand::Create {
            name,
            owner: owner_args,
            permissions,
            expires_in,
            rate_limit,
            json,
        } => {
            let Some(owner) = owner(services, &owner_args).await? else {
                bail!("give --user EMAIL or --service-account NAME");
            };
            let (key, text) = keys
                .create(NewApiKey {
                    name,
                    owner,
                    permissions,
                    expires_in,
                    rate_limit_per_minute: rate_limit,
                })
                .await?;
            services.audit.record(audit("apikey.created", &key)).await?;
            print_new(&key, &text, json)?;
        }
        ApiKeyCommand::List {
            user,
            service_account,
            json,
        } => {
            let filter = owner(
                services,
                &OwnerArgs {
                    user,
                    service_account,
                },
            )
            .await?;
            let list = keys.list(filter.as_ref()).await?;
            if json {
                return output::json(&list);
            }
            let now = time::OffsetDateTime::now_utc();
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|k| {
                    let state = if k.revoked_at.is_some() {
                        "revoked"
                    } else if !k.is_active_at(now) {
                        "expired"
                    } else if k.replaced_by.is_some() {
                        "grace"
                    } else {
                        "active"
                    };
                    vec![
                        k.id.clone(),
                        k.name.clone(),
                        format!("{} {}", k.owner_type, k.owner_id),
                        state.to_owned(),
                        output::time(k.expires_at),
                        k.use_count.to_string(),
                    ]
                })
                .collect();
            output::table(&["ID", "NAME", "OWNER", "STATE", "EXPIRES", "USES"], &rows);
        }
        ApiKeyCommand::Show { id, json } => {
            let key = keys.get(&id).await?;
            if json {
                return output::json(&key);
            }
            print_key(&key);
        }
        ApiKeyCommand::Revoke { id, json } => {
            let key = keys.revoke(&id).await?;
            services.audit.record(audit("apikey.revoked", &key)).await?;
            if json {
                return output::json(&key);
            }
            println!("revoked api key {}", key.id);
        }
        ApiKeyCommand::Rotate { id, grace, json } => {
            let (key, text) = keys.rotate(&id, grace).await?;
            services
                .audit
                .record(audit("apikey.rotated", &key).data(json!({
                    "api_key": key.id, "replaces": id, "grace_secs": grace.as_secs(), "via": "cli",
                })))
                .await?;
            print_new(&key, &text, json)?;
        }
    }
    Ok(())
}

/// Runs a service account command.
pub async fn run_service_account(
    services: &Services,
    cmd: ServiceAccountCommand,
) -> anyhow::Result<()> {
    let accounts = &services.service_accounts;
    match cmd {
        ServiceAccountCommand::Create {
            name,
            owner,
            roles,
            description,
            json,
        } => {
            let owner = services
                .users
                .get_by_email(&owner)
                .await
                .context("the owner")?;
            let sa = accounts
                .create(&name, &owner.id, &roles, description)
                .await?;
            services
                .audit
                .record(AuditEvent {
                    actor_user_id: Some(owner.id),
                    ..AuditEvent::success("service_account.created").data(json!({
                        "service_account": sa.id, "name": sa.name, "roles": sa.roles, "via": "cli"
                    }))
                })
                .await?;
            if json {
                return output::json(&sa);
            }
            println!("created service account {} (sub sa:{})", sa.name, sa.id);
        }
        ServiceAccountCommand::List { json } => {
            let list = accounts.list().await?;
            if json {
                return output::json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .into_iter()
                .map(|s| {
                    vec![
                        s.name,
                        s.id,
                        s.roles.join(" "),
                        s.owner_user_id.unwrap_or_else(|| "-".into()),
                        output::time(s.created_at),
                    ]
                })
                .collect();
            output::table(&["NAME", "ID", "ROLES", "OWNER", "CREATED"], &rows);
        }
        ServiceAccountCommand::Delete { name, json } => {
            let sa = accounts.delete(&name).await?;
            services
                .audit
                .record(
                    AuditEvent::success("service_account.deleted")
                        .data(json!({ "service_account": sa.id, "name": sa.name, "via": "cli" })),
                )
                .await?;
            if json {
                return output::json(&sa);
            }
            println!("deleted service account {} and its keys", sa.name);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("d").is_err());
    }
}
