//! Administration, written once: every operation an administrator performs (from the admin
//! API, the console or the CLI) checks the actor's `gatehouse:*` roles in one place and is
//! audited with the actor.

mod access;
mod audit;
mod clients;
mod mails;
mod overview;
mod page;
mod policies;
mod registration;
pub mod scim;
mod system;
mod upstreams;
mod users;
mod views;
mod webhooks;

pub use access::{ADMIN, ADMIN_ROLES, AUDIT, Access, Actor, Area, CLIENTS, Principal, USERS, Via};
pub use clients::{ClientPatch, MAX_SECRET_GRACE, client_version};
pub use mails::AccountMails;
pub use overview::{Bucket, Overview};
pub use page::{Page, PageRequest};
pub use upstreams::{UpstreamView, upstream_version};
pub use users::{NewAccount, StateChange, UserFilter};
pub use views::{ConsentView, FactorView, SessionView, UserDetail, UserView, version_of};
pub use webhooks::DeliveryView;

use sea_orm::DatabaseConnection;

use crate::Store;
use crate::audit::{AuditLog, AuditQuery};
use crate::clients::Clients;
use crate::consents::Consents;
use crate::credentials::policy::PasswordPolicy;
use crate::federation::Links;
use crate::roles::Roles;
use crate::secrets::SecretBox;
use crate::sessions::BrowserSessions;
use crate::users::Users;

/// The services administration acts through.
#[derive(Debug, Clone)]
pub struct AdminParts {
    /// Accounts.
    pub users: Users,
    /// Clients.
    pub clients: Clients,
    /// Dynamic client registration (its initial access tokens).
    pub registrations: crate::clients::Registrations,
    /// Roles (to show and grant them).
    pub roles: Roles,
    /// Browser sessions.
    pub sessions: BrowserSessions,
    /// Consents.
    pub consents: Consents,
    /// The audit log every operation writes to.
    pub audit: AuditLog,
    /// The master key's derived keys (erasure pseudonyms).
    pub secrets: SecretBox,
    /// What a password an administrator sets must satisfy.
    pub password_policy: PasswordPolicy,
    /// Groups.
    pub groups: crate::groups::Groups,
    /// Service accounts.
    pub service_accounts: crate::service_accounts::ServiceAccounts,
    /// API keys.
    pub api_keys: crate::apikeys::ApiKeys,
    /// Signing keys.
    pub keys: crate::keys::Keys,
    /// The algorithms keys are kept for (`keys.algorithms`): what a rotation rotates.
    pub key_algorithms: Vec<crate::keys::KeyAlg>,
    /// Mailed tokens (password reset links).
    pub tokens: crate::users::UserTokens,
    /// How long a reset link works (`recovery.reset_ttl_secs`).
    pub reset_ttl: std::time::Duration,
    /// Renders and queues administration's mails; none where mail is not set up.
    pub mails: Option<std::sync::Arc<dyn AccountMails>>,
    /// Webhook subscriptions.
    pub webhooks: crate::events::Webhooks,
    /// Upstream identity providers.
    pub upstreams: crate::federation::Upstreams,
    /// Their claim-to-role mapping rules.
    pub mappings: crate::federation::Mappings,
    /// Resource servers' Cedar policy sets and ACL relations.
    pub policies: crate::policies::Policies,
    /// Gatehouse's issuer (the redirect URI to register at upstreams is under it).
    pub issuer: String,
}

/// Administration: the operations of the admin API, console and CLI.
#[derive(Debug, Clone)]
pub struct Admin {
    db: DatabaseConnection,
    parts: AdminParts,
    links: Links,
    audit_query: AuditQuery,
    /// Marks role and group caches stale after a membership change.
    changes: crate::policies::Changes,
}

impl Admin {
    /// Builds the service on a store.
    pub fn new(store: &Store, parts: AdminParts) -> Self {
        Self {
            db: store.db().clone(),
            links: Links::new(store, parts.users.clone()),
            audit_query: AuditQuery::new(store),
            changes: store.changes().clone(),
            parts,
        }
    }

    /// Records an event of the actor's doing.
    async fn audit(
        &self,
        actor: &Actor,
        event: crate::audit::AuditEvent,
        data: serde_json::Value,
    ) -> crate::Result<()> {
        self.parts.audit.record(actor.event(event, data)).await
    }
}
