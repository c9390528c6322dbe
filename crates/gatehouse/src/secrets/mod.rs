//! The master key: from the configuration or a key file (`secrets.provider = "file"`), or
//! generated once, wrapped by a Vault / OpenBao transit key and stored wrapped in the database
//! (`"vault"`), so that every node sharing the database unwraps the same key at start.

mod renew;
pub mod vault;

use std::sync::Arc;

use anyhow::{Context as _, bail};
use domain::secrets::wrapped::{WrappedKey, WrappedKeys};
use domain::secrets::{MasterKey, MasterKeySource};
use domain::store::{Exclusive, Store};

use crate::config::Config;

pub use renew::spawn_renewal;
pub use vault::{Lease, Vault, VaultError};

/// The `provider` column of a key wrapped by Vault transit.
pub const VAULT_PROVIDER: &str = "vault";

/// The key of `secrets.master_key`, or of the key file (created when absent).
pub async fn file_master_key(config: &Config) -> anyhow::Result<MasterKey> {
    if !config.secrets.master_key.is_empty() {
        return Ok(MasterKey::from_base64(&config.secrets.master_key)?);
    }
    let path = config.master_key_path();
    let shown = path.display().to_string();
    let (key, source) = tokio::task::spawn_blocking(move || MasterKey::load_or_create(&path))
        .await
        .context("master key loading panicked")?
        .with_context(|| format!("cannot read or create the master key file {shown}"))?;
    if source == MasterKeySource::Generated {
        tracing::warn!(
            path = %shown,
            "no master key configured: generated one. Back this file up: without it the \
             stored signing keys and secrets cannot be read"
        );
    }
    Ok(key)
}

/// Logs in to Vault (`[secrets.vault]`).
pub async fn vault(config: &Config) -> anyhow::Result<Arc<Vault>> {
    Ok(Arc::new(Vault::login(&config.secrets.vault).await?))
}

/// The master key wrapped in `store` (migrated), unwrapped by Vault; on a database that has
/// none and holds nothing sealed yet, a new key, wrapped and stored. One node at a time, so
/// nodes starting together on a new database agree on one key.
pub async fn vault_master_key(config: &Config, store: &Store) -> anyhow::Result<MasterKey> {
    let vault = vault(config).await?;
    vault_master_key_with(&vault, store).await
}

/// [`vault_master_key`] with a logged-in client.
pub async fn vault_master_key_with(vault: &Vault, store: &Store) -> anyhow::Result<MasterKey> {
    let wrapped = WrappedKeys::new(store);
    store
        .exclusively(Exclusive::MasterKey, async {
            if let Some(stored) = wrapped.get().await? {
                return unwrap(vault, &stored).await;
            }
            if wrapped.has_sealed_data().await? {
                bail!(
                    "the database holds data sealed under a master key that is not in Vault \
                     (secrets.provider = \"vault\", but no wrapped key is stored): run \
                     `gatehouse secrets wrap` with the current secrets.master_key or \
                     secrets.master_key_file first, then start again"
                );
            }
            let key = MasterKey::generate();
            let ciphertext = vault.encrypt(&key.to_base64()).await?;
            let stored = match wrapped
                .insert(VAULT_PROVIDER, vault.mount(), vault.key_name(), &ciphertext)
                .await
            {
                Ok(stored) => stored,
                // Another process got there first where no lock is taken (two processes on
                // one SQLite file): its key is the one.
                Err(domain::Error::Conflict(_)) => {
                    let stored = wrapped
                        .get()
                        .await?
                        .context("the wrapped master key disappeared")?;
                    return unwrap(vault, &stored).await;
                }
                Err(e) => return Err(e).context("cannot store the wrapped master key"),
            };
            tracing::info!(
                mount = %stored.mount,
                key = %stored.key_name,
                version = stored.key_version(),
                "generated the master key, wrapped it with Vault transit and stored it in the \
                 database"
            );
            Ok(key)
        })
        .await
}

/// Refuses a stored key that another transit key wrapped than the one configured.
pub fn check_wrapped_by(vault: &Vault, stored: &WrappedKey) -> anyhow::Result<()> {
    if stored.provider != VAULT_PROVIDER {
        bail!(
            "the stored master key was wrapped by {:?}, not Vault (secrets.provider)",
            stored.provider
        );
    }
    if stored.mount != vault.mount() || stored.key_name != vault.key_name() {
        bail!(
            "the stored master key is wrapped by transit key {} on mount {}, but the \
             configuration names key {} on mount {} (secrets.vault.transit_key, \
             secrets.vault.mount)",
            stored.key_name,
            stored.mount,
            vault.key_name(),
            vault.mount()
        );
    }
    Ok(())
}

/// Decrypts a stored wrapped key.
pub async fn unwrap(vault: &Vault, stored: &WrappedKey) -> anyhow::Result<MasterKey> {
    check_wrapped_by(vault, stored)?;
    let plaintext = vault.decrypt(&stored.ciphertext).await?;
    MasterKey::from_base64(&plaintext).map_err(|_| {
        anyhow::anyhow!(
            "Vault at {} unwrapped something that is not a 32-byte master key: the \
             wrapped_master_keys row was not written by Gatehouse",
            vault.address()
        )
    })
}
