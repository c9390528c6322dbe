//! `gatehouse secrets ...`: moving the master key into Vault / OpenBao, rewrapping it after
//! the transit key rotates, and saying where it comes from. Never prints the key.

use anyhow::{Context as _, bail};
use clap::Subcommand;
use domain::audit::AuditEvent;
use domain::secrets::wrapped::{WrappedKey, WrappedKeys};
use domain::store::{Exclusive, Store};
use serde::Serialize;

use super::output;
use crate::config::{Config, SecretsProvider};
use crate::secrets::{self, VAULT_PROVIDER};
use crate::services::Services;

/// Master key commands.
#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Wrap the current master key (secrets.master_key or master_key_file) with the Vault
    /// transit key of [secrets.vault] and store it in the database; then set
    /// secrets.provider = "vault" and remove the key file.
    Wrap {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// After rotating the transit key: rewrap the stored master key under its newest version.
    Rewrap {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Where the master key comes from: the provider, and the transit key and version that
    /// wrap the stored key (never the key).
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// What the commands print.
#[derive(Debug, Serialize)]
struct Report {
    /// The configured `secrets.provider`.
    provider: &'static str,
    /// Whether the database holds a wrapped master key.
    wrapped: bool,
    /// The key service that wrapped it.
    #[serde(skip_serializing_if = "Option::is_none")]
    wrapped_by: Option<String>,
    /// The transit mount.
    #[serde(skip_serializing_if = "Option::is_none")]
    mount: Option<String>,
    /// The transit key's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    key_name: Option<String>,
    /// The transit key version of the stored ciphertext.
    #[serde(skip_serializing_if = "Option::is_none")]
    key_version: Option<u32>,
    /// When the wrapped key was first stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<String>,
    /// When it was last stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<String>,
    /// What this command changed: `stored`, `unchanged`, `rewrapped`; absent for status.
    #[serde(skip_serializing_if = "Option::is_none")]
    change: Option<&'static str>,
    /// The version before a rewrap.
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_key_version: Option<u32>,
}

impl Report {
    fn new(config: &Config, stored: Option<&WrappedKey>) -> Self {
        Self {
            provider: config.secrets.provider.as_str(),
            wrapped: stored.is_some(),
            wrapped_by: stored.map(|w| w.provider.clone()),
            mount: stored.map(|w| w.mount.clone()),
            key_name: stored.map(|w| w.key_name.clone()),
            key_version: stored.and_then(WrappedKey::key_version),
            created_at: stored.map(|w| output::time(w.created_at)),
            updated_at: stored.map(|w| output::time(w.updated_at)),
            change: None,
            previous_key_version: None,
        }
    }

    fn print(&self, json: bool) -> anyhow::Result<()> {
        if json {
            return output::json(self);
        }
        println!("provider:    {}", self.provider);
        match (&self.mount, &self.key_name) {
            (Some(mount), Some(key)) => {
                let version = self
                    .key_version
                    .map_or_else(|| "?".to_owned(), |v| v.to_string());
                println!("wrapped by:  transit key {key} on mount {mount}, version {version}");
            }
            _ => println!("wrapped by:  nothing (no wrapped master key in the database)"),
        }
        if let Some(updated) = &self.updated_at {
            println!("stored:      {updated}");
        }
        Ok(())
    }
}

/// Runs a secrets command. Opens the database itself: `wrap` needs the file key whatever the
/// provider, the others no master key at all.
pub async fn run(config: &Config, cmd: SecretsCommand) -> anyhow::Result<()> {
    match cmd {
        SecretsCommand::Status { json } => {
            let store = Services::existing_store(config).await?;
            let stored = WrappedKeys::new(&store).get().await;
            let _ = store.close().await;
            Report::new(config, stored?.as_ref()).print(json)
        }
        SecretsCommand::Wrap { json } => wrap(config, json).await,
        SecretsCommand::Rewrap { json } => {
            let store = Services::existing_store(config).await?;
            let result = rewrap(config, &store).await;
            let _ = store.close().await;
            result?.print(json)
        }
    }
}

fn require_vault(config: &Config) -> anyhow::Result<()> {
    if !config.secrets.vault.is_configured() {
        bail!(
            "secrets.vault.address is empty: configure [secrets.vault] (address, transit_key, \
             token or AppRole) first"
        );
    }
    Ok(())
}

async fn wrap(config: &Config, json: bool) -> anyhow::Result<()> {
    require_vault(config)?;
    // The key to wrap is the file's (or secrets.master_key's), whatever the provider says.
    let mut file_config = config.clone();
    file_config.secrets.provider = SecretsProvider::File;
    let services = Services::open_existing(file_config).await?;
    let result = wrap_key(config, &services).await;
    let _ = services.store.close().await;
    let report = result?;
    report.print(json)?;
    if !json && config.secrets.provider == SecretsProvider::File {
        println!(
            "next: set secrets.provider = \"vault\", restart every node, then remove {} (keep \
             an offline backup)",
            if config.secrets.master_key.is_empty() {
                config.master_key_path().display().to_string()
            } else {
                "secrets.master_key".to_owned()
            }
        );
    }
    Ok(())
}

async fn wrap_key(config: &Config, services: &Services) -> anyhow::Result<Report> {
    // Wrapping a key that does not open the stored data would lock it out for good.
    services.keys.load_ring().await.context(
        "the master key (secrets.master_key / master_key_file) does not open this database's \
         signing keys: not wrapping it",
    )?;
    let master = crate::secrets::file_master_key(config).await?;
    let vault = secrets::vault(config).await?;
    let store = &services.store;
    let wrapped = WrappedKeys::new(store);
    let (stored, change) = store
        .exclusively(Exclusive::MasterKey, async {
            if let Some(stored) = wrapped.get().await? {
                let current = secrets::unwrap(&vault, &stored).await?;
                if current.to_base64() != master.to_base64() {
                    bail!(
                        "the database already holds a different master key wrapped by Vault \
                         (transit key {} on mount {}): not replacing it",
                        stored.key_name,
                        stored.mount
                    );
                }
                return Ok((stored, "unchanged"));
            }
            let ciphertext = vault.encrypt(&master.to_base64()).await?;
            let stored = wrapped
                .insert(VAULT_PROVIDER, vault.mount(), vault.key_name(), &ciphertext)
                .await?;
            Ok::<_, anyhow::Error>((stored, "stored"))
        })
        .await?;
    if change == "stored" {
        services
            .audit
            .record(
                AuditEvent::success("secrets.master_key_wrapped").data(serde_json::json!({
                    "mount": stored.mount, "key": stored.key_name,
                    "version": stored.key_version(), "via": "cli"
                })),
            )
            .await?;
    }
    let mut report = Report::new(config, Some(&stored));
    report.change = Some(change);
    Ok(report)
}

async fn rewrap(config: &Config, store: &Store) -> anyhow::Result<Report> {
    require_vault(config)?;
    let wrapped = WrappedKeys::new(store);
    if wrapped.get().await?.is_none() {
        bail!(
            "no wrapped master key in the database: start with secrets.provider = \"vault\" or \
             run `gatehouse secrets wrap` first"
        );
    }
    let vault = secrets::vault(config).await?;
    let (stored, previous) = store
        .exclusively(Exclusive::MasterKey, async {
            let old = wrapped
                .get()
                .await?
                .context("the wrapped master key disappeared")?;
            secrets::check_wrapped_by(&vault, &old)?;
            let ciphertext = vault.rewrap(&old.ciphertext).await?;
            if ciphertext != old.ciphertext {
                // Both must open to the same key before the old one is given up.
                let before = secrets::unwrap(&vault, &old).await?;
                let new = WrappedKey {
                    ciphertext: ciphertext.clone(),
                    ..old.clone()
                };
                let after = secrets::unwrap(&vault, &new).await?;
                if before.to_base64() != after.to_base64() {
                    bail!("Vault rewrapped the master key into another key: nothing stored");
                }
                wrapped.replace(&old.ciphertext, &ciphertext).await?;
            }
            let stored = wrapped
                .get()
                .await?
                .context("the wrapped master key disappeared")?;
            Ok::<_, anyhow::Error>((stored, old.key_version()))
        })
        .await?;
    let change = if stored.key_version() == previous {
        "unchanged"
    } else {
        "rewrapped"
    };
    if change == "rewrapped" {
        domain::audit::AuditLog::new(store)
            .record(
                AuditEvent::success("secrets.master_key_rewrapped").data(serde_json::json!({
                    "mount": stored.mount, "key": stored.key_name,
                    "from_version": previous, "version": stored.key_version(), "via": "cli"
                })),
            )
            .await?;
    }
    let mut report = Report::new(config, Some(&stored));
    report.change = Some(change);
    report.previous_key_version = previous;
    Ok(report)
}
