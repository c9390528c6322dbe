//! The domain services, built once from the configuration and shared by the CLI and server.

use domain::mail::{Outbox, RetryPolicy};
use domain::users::UserTokens;
use std::time::Duration;

use anyhow::{Context as _, bail};
use domain::apikeys::ApiKeys;
use domain::audit::AuditLog;
use domain::authorization::{AuthorizationRequests, ParkingLimits};
use domain::cache::Cache;
use domain::clients::Clients;
use domain::consents::Consents;
use domain::credentials::password::PasswordHasher;
use domain::grants::{AccessTokens, Codes, DeviceAuthorizations, Grants};
use domain::groups::Groups;
use domain::keys::{Keys, SharedKeyRing};
use domain::purge::Purge;
use domain::roles::Roles;
use domain::secrets::{MasterKey, SecretBox};
use domain::service_accounts::ServiceAccounts;
use domain::sessions::{BrowserSessions, SessionPolicy};
use domain::store::Store;
use domain::users::Users;
use migration::MigratorTrait as _;

use crate::config::{Config, SecretsProvider};

/// Every service a command or the server needs.
#[derive(Debug, Clone)]
pub struct Services {
    /// The validated configuration.
    pub config: Config,
    /// The database.
    pub store: Store,
    /// Secrets at rest.
    pub secrets: SecretBox,
    /// Users.
    pub users: Users,
    /// Clients.
    pub clients: Clients,
    /// Dynamic client registration (RFC 7591, RFC 7592) and its initial access tokens.
    pub registrations: domain::clients::Registrations,
    /// Roles and permissions.
    pub roles: Roles,
    /// Groups.
    pub groups: Groups,
    /// API keys.
    pub api_keys: ApiKeys,
    /// Service accounts.
    pub service_accounts: ServiceAccounts,
    /// Cedar policy sets and ACL entries of resource servers.
    pub policies: domain::policies::Policies,
    /// Signing keys in the database.
    pub keys: Keys,
    /// Audit log.
    pub audit: AuditLog,
    /// Browser sessions.
    pub sessions: BrowserSessions,
    /// Parked authorization requests.
    pub requests: AuthorizationRequests,
    /// Pushed authorization requests (RFC 9126).
    pub pushed: domain::authorization::PushedRequests,
    /// Consents.
    pub consents: Consents,
    /// Authorization codes.
    pub codes: Codes,
    /// Grants and refresh tokens.
    pub grants: Grants,
    /// Device authorizations (RFC 8628).
    pub devices: DeviceAuthorizations,
    /// Access token records.
    pub access_tokens: AccessTokens,
    /// Queued outgoing mail.
    pub outbox: Outbox,
    /// Webhook subscriptions.
    pub webhooks: domain::events::Webhooks,
    /// Single-use mailed tokens.
    pub tokens: UserTokens,
    /// Deletes expired and ended rows.
    pub purge: Purge,
    /// Upstream identity providers, links and sign-ins sent to them.
    pub federation: domain::federation::Federation,
    /// The Vault client that unwrapped the master key (`secrets.provider = "vault"`).
    pub vault: Option<std::sync::Arc<crate::secrets::Vault>>,
}

impl Services {
    /// Like [`Services::open`], but refuses to create or change anything: for the
    /// administrative commands, which would otherwise set up an empty database and a new
    /// master key when run from the wrong directory or with the wrong configuration, or
    /// migrate a live database under the servers still running the old binary. Only `serve`
    /// and `migrate` migrate.
    pub async fn open_existing(config: Config) -> anyhow::Result<Self> {
        check_database_file(&config).await?;
        let key = config.master_key_path();
        if config.secrets.provider == SecretsProvider::File
            && config.secrets.master_key.is_empty()
            && !tokio::fs::try_exists(&key).await.unwrap_or(false)
        {
            bail!(
                "no master key at {} (secrets.master_key_file): run this with the server's \
                 configuration",
                key.display()
            );
        }
        let store = Self::existing_store(&config).await?;
        let (master, vault) = match config.secrets.provider {
            SecretsProvider::File => (crate::secrets::file_master_key(&config).await?, None),
            SecretsProvider::Vault => Self::from_vault(&config, &store).await?,
        };
        Self::build(config, master, store, vault).await
    }

    /// The existing, fully migrated database of `config`, opened without changing it.
    pub async fn existing_store(config: &Config) -> anyhow::Result<Store> {
        check_database_file(config).await?;
        let store = connect(config).await?;
        let pending = store
            .pending_migrations()
            .await
            .context("cannot read the database's migrations")?;
        if !pending.is_empty() {
            let _ = store.close().await;
            if pending.len() == migration::Migrator::migrations().len() {
                bail!(
                    "the database has no Gatehouse schema yet: create it with `gatehouse \
                     migrate` (or start `gatehouse serve`)"
                );
            }
            bail!(
                "the database schema is older than this binary: run `gatehouse migrate` (or \
                 start `gatehouse serve`); {} migration(s) pending, the first {}",
                pending.len(),
                pending[0]
            );
        }
        Ok(store)
    }

    /// Logs in to Vault and unwraps (or first creates) the master key stored in `store`.
    async fn from_vault(
        config: &Config,
        store: &Store,
    ) -> anyhow::Result<(MasterKey, Option<std::sync::Arc<crate::secrets::Vault>>)> {
        let vault = crate::secrets::vault(config).await?;
        let master = crate::secrets::vault_master_key_with(&vault, store).await?;
        let file = config.master_key_path();
        if !config.secrets.master_key.is_empty()
            || tokio::fs::try_exists(&file).await.unwrap_or(false)
        {
            tracing::warn!(
                file = %file.display(),
                "secrets.provider = \"vault\": secrets.master_key and the master key file are \
                 not used; once `gatehouse secrets wrap` has stored them, remove them"
            );
        }
        Ok((master, Some(vault)))
    }

    /// Loads (or creates) the master key, connects to (or creates) the database and applies
    /// pending migrations (under a lock on PostgreSQL: several nodes may start at once).
    pub async fn open(config: Config) -> anyhow::Result<Self> {
        // The file key first, as before: a Vault-wrapped key lives in the migrated database.
        let file_key = match config.secrets.provider {
            SecretsProvider::File => Some(crate::secrets::file_master_key(&config).await?),
            SecretsProvider::Vault => None,
        };
        let store = connect(&config).await?;
        // The big futures are boxed: started on a test thread's small stack, their state
        // would not fit (a debug build overflowed it).
        Box::pin(store.migrate())
            .await
            .context("cannot apply database migrations")?;
        let (master, vault) = match file_key {
            Some(key) => (key, None),
            None => Box::pin(Self::from_vault(&config, &store)).await?,
        };
        let services = Box::pin(Self::build(config, master, store, vault)).await?;
        // The administrative roles exist from the start, so they can be granted at once (a
        // service account for provisioning, `role grant gatehouse:users ...`). Two nodes starting
        // together may both try: the second finds it made.
        for role in domain::admin::ADMIN_ROLES {
            match services.roles.ensure(role).await {
                Ok(_) | Err(domain::Error::Conflict(_)) => {}
                Err(e) => return Err(e).context("cannot create the administrative roles"),
            }
        }
        Ok(services)
    }

    /// The services over a connected, migrated database.
    async fn build(
        config: Config,
        master: MasterKey,
        store: Store,
        vault: Option<std::sync::Arc<crate::secrets::Vault>>,
    ) -> anyhow::Result<Self> {
        let params = config.password;
        let hasher = tokio::task::spawn_blocking(move || PasswordHasher::new(&params))
            .await
            .context("password hasher set-up panicked")??;
        let secrets = master.secret_box();
        let secs = Duration::from_secs;
        let t = &config.tokens;
        // Events recorded by this process (the server's, and the CLI's own changes) are queued
        // for the configured brokers; the server's worker publishes them.
        domain::events::set_brokers(
            !config.events.amqp_url.is_empty(),
            !config.events.nats_url.is_empty(),
        );
        let users = Users::new(&store, hasher);
        let audit = AuditLog::new(&store);
        let clients = Clients::new(&store, secrets.clone());
        let registrations = domain::clients::Registrations::new(
            &store,
            secrets.clone(),
            clients.clone(),
            audit.clone(),
            config.oauth.registration(),
        )?;
        Ok(Self {
            registrations,
            federation: domain::federation::Federation::new(
                &store,
                secrets.clone(),
                audit.clone(),
                users.clone(),
                config.federation.flow_ttl(),
            ),
            sessions: BrowserSessions::new(
                &store,
                secrets.clone(),
                SessionPolicy {
                    idle_timeout: secs(config.session.idle_timeout_secs),
                    absolute_timeout: secs(config.session.absolute_timeout_secs),
                    remember_timeout: secs(config.session.remember_me_secs),
                },
            ),
            requests: AuthorizationRequests::new(&store, secs(t.authorization_request_ttl_secs))
                .with_limits(ParkingLimits {
                    per_ip: t.authorization_requests_per_ip,
                    total: t.authorization_requests_max,
                }),
            pushed: domain::authorization::PushedRequests::new(&store),
            consents: Consents::new(&store),
            codes: Codes::new(&store, secrets.clone(), secs(t.code_ttl_secs)),
            devices: DeviceAuthorizations::new(
                &store,
                secrets.clone(),
                secs(t.device_code_ttl_secs),
                t.device_code_interval_secs,
            ),
            grants: Grants::new(&store, secrets.clone(), secs(t.refresh_token_ttl_secs))
                .with_reuse_grace(secs(t.refresh_reuse_grace_secs)),
            access_tokens: AccessTokens::new(&store, secrets.clone()),
            users,
            clients,
            roles: Roles::new(&store),
            groups: Groups::new(&store),
            api_keys: ApiKeys::new(
                &store,
                secrets.clone(),
                secs(config.api_keys.max_lifetime_days.saturating_mul(86_400)),
            ),
            service_accounts: ServiceAccounts::new(&store),
            policies: domain::policies::Policies::new(&store, secs(config.policies.recheck_secs)),
            keys: Keys::new(
                &store,
                secrets.clone(),
                Duration::from_secs(config.keys.retention_secs),
            ),
            webhooks: domain::events::Webhooks::new(
                &store,
                secrets.clone(),
                audit.clone(),
                config.webhooks.allow_private_addresses,
            ),
            audit,
            tokens: UserTokens::new(&store, secrets.clone()),
            purge: {
                let purge = Purge::new(
                    &store,
                    secs(config.maintenance.retain_ended_secs),
                    secs(config.maintenance.retain_ended_sessions_secs),
                );
                match config.guests.purge_after_secs {
                    0 => purge,
                    after => purge.with_guests(secs(after)),
                }
            },
            outbox: Outbox::new(
                &store,
                secrets.clone(),
                RetryPolicy {
                    first_backoff: secs(config.mail.retry_first_backoff_secs),
                    max_backoff: secs(config.mail.retry_max_backoff_secs),
                    max_attempts: config.mail.max_attempts,
                    ..RetryPolicy::default()
                },
            ),
            secrets,
            store,
            config,
            vault,
        })
    }

    /// Administration over these services (the admin API and the CLI act through it).
    pub fn admin(&self) -> domain::admin::Admin {
        domain::admin::Admin::new(
            &self.store,
            domain::admin::AdminParts {
                users: self.users.clone(),
                clients: self.clients.clone(),
                registrations: self.registrations.clone(),
                roles: self.roles.clone(),
                sessions: self.sessions.clone(),
                consents: self.consents.clone(),
                audit: self.audit.clone(),
                secrets: self.secrets.clone(),
                password_policy: self.config.password_policy(),
                groups: self.groups.clone(),
                service_accounts: self.service_accounts.clone(),
                api_keys: self.api_keys.clone(),
                keys: self.keys.clone(),
                key_algorithms: self.config.key_algorithms().unwrap_or_default(),
                tokens: self.tokens.clone(),
                reset_ttl: Duration::from_secs(self.config.recovery.reset_ttl_secs),
                mails: Some(std::sync::Arc::new(crate::admin_mails::AdminMails {
                    issuer: self.config.issuer.clone(),
                    outbox: self.outbox.clone(),
                    branding: self.config.branding.clone(),
                    data_dir: self.config.data_dir.clone(),
                })),
                webhooks: self.webhooks.clone(),
                upstreams: self.federation.upstreams.clone(),
                mappings: self.federation.mappings.clone(),
                policies: self.policies.clone(),
                issuer: self.config.issuer.clone(),
            },
        )
    }

    /// Creates missing signing keys and loads the key ring.
    pub async fn key_ring(&self) -> anyhow::Result<SharedKeyRing> {
        let algs = self.config.key_algorithms()?;
        let made = self
            .keys
            .ensure(&algs)
            .await
            .context("cannot create signing keys")?;
        if made > 0 {
            tracing::info!(made, "generated signing keys");
        }
        let ring = self
            .keys
            .load_ring()
            .await
            .context("cannot load signing keys")?;
        Ok(SharedKeyRing::new(ring))
    }

    /// The cache the configuration asks for.
    pub async fn cache(&self) -> anyhow::Result<Cache> {
        let c = &self.config.cache;
        if !c.memcached_url.is_empty() {
            return Cache::memcached(&c.memcached_url, &c.key_prefix)
                .await
                .context("cannot reach Memcached (cache.memcached_url)");
        }
        if c.redis_url.is_empty() {
            return Ok(Cache::memory());
        }
        Cache::redis(&c.redis_url, &c.key_prefix)
            .await
            .context("cannot reach Redis (cache.redis_url)")
    }
}

/// Refuses an SQLite database file that does not exist (the command runs in the wrong place).
async fn check_database_file(config: &Config) -> anyhow::Result<()> {
    if let Some(path) = domain::store::sqlite_path(&config.database.url)
        && !tokio::fs::try_exists(&path).await.unwrap_or(false)
    {
        bail!(
            "no database at {} (database.url): run this where `gatehouse serve` runs, with its \
             configuration, or create one with `gatehouse migrate`",
            path.display()
        );
    }
    Ok(())
}

/// Connects to `database.url` with the configured pool size and acquire timeout.
async fn connect(config: &Config) -> anyhow::Result<Store> {
    Store::connect_with(
        &config.database.url,
        config.database.max_connections,
        std::time::Duration::from_secs(config.database.acquire_timeout_secs),
    )
    .await
    .context("cannot open the database (database.url)")
}
