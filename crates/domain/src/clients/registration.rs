//! Dynamic client registration (RFC 7591) and management (RFC 7592), as rules and storage:
//! who may register (the policy and its initial access tokens), the checks a registration
//! passes beyond those of every client (the fetched `sector_identifier_uri`), and the
//! registration access token each registered client manages itself with. The protocol
//! (JSON in and out) lives in the auth server.

mod initial_tokens;
mod sector;

use std::time::Duration;

use sea_orm::{ActiveModelTrait as _, DatabaseConnection, EntityTrait as _, Set};
use serde_json::json;

pub use initial_tokens::InitialToken;

use super::{Client, Clients, NewClient};
use crate::audit::{AuditEvent, AuditLog};
use crate::entities::client_registration;
use crate::events::ssrf::GuardedResolver;
use crate::secrets::SecretBox;
use crate::{Error, Result, Store, now, random};

const REGISTRATION_TOKEN_PURPOSE: &str = "registration_access_token";
/// How long the fetch of a `sector_identifier_uri` may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Who may register clients through the protocol (`oauth.dynamic_registration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegistrationPolicy {
    /// Nobody: the endpoint answers 404 and is not advertised.
    Off,
    /// Anyone who can reach the endpoint (within the per-IP rate limit).
    Open,
    /// Only holders of an initial access token an administrator created.
    #[default]
    Token,
}

/// How registrations are admitted and checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegistrationSettings {
    /// Who may register.
    pub policy: RegistrationPolicy,
    /// The `sector_identifier_uri` may be plain http and on loopback, private and other
    /// internal addresses (tests and development only: it lets registrants probe the
    /// internal network).
    pub allow_private_addresses: bool,
}

/// Why a registration or a management request was refused.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// Dynamic registration is switched off.
    #[error("dynamic client registration is switched off on this server")]
    Off,
    /// The initial or registration access token is missing or not valid.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The metadata breaks a rule (`Error::Invalid`), or storage failed.
    #[error(transparent)]
    Domain(#[from] Error),
}

/// A client just registered, with what is shown only now.
#[derive(Debug, Clone)]
pub struct Registered {
    /// The client as stored.
    pub client: Client,
    /// Its secret, for the secret methods.
    pub client_secret: Option<String>,
    /// The token it reads, changes and deletes its registration with (RFC 7592).
    pub registration_access_token: String,
}

/// The registration service (one pointer wide: it rides along in every app state).
#[derive(Debug, Clone)]
pub struct Registrations {
    inner: std::sync::Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: DatabaseConnection,
    secrets: SecretBox,
    clients: Clients,
    audit: AuditLog,
    settings: RegistrationSettings,
    http: reqwest::Client,
}

impl Registrations {
    /// Builds the service; `secrets` keys the token hashes.
    pub fn new(
        store: &Store,
        secrets: SecretBox,
        clients: Clients,
        audit: AuditLog,
        settings: RegistrationSettings,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .dns_resolver(std::sync::Arc::new(GuardedResolver {
                allow_private: settings.allow_private_addresses,
            }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            .user_agent(concat!("Gatehouse/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Task(format!("cannot build the registration HTTP client: {e}")))?;
        Ok(Self {
            inner: std::sync::Arc::new(Inner {
                db: store.db().clone(),
                secrets,
                clients,
                audit,
                settings,
                http,
            }),
        })
    }

    /// Who may register.
    pub fn policy(&self) -> RegistrationPolicy {
        self.inner.settings.policy
    }

    /// Registers `new` as a third-party client, admitted by the policy (`initial_token`:
    /// the bearer token of the request). The registration is checked in full (and its
    /// `sector_identifier_uri` fetched) before an initial token's use is spent.
    pub async fn register(
        &self,
        initial_token: Option<&str>,
        mut new: NewClient,
        ip: Option<String>,
    ) -> std::result::Result<Registered, RegistrationError> {
        let initial = match self.inner.settings.policy {
            RegistrationPolicy::Off => return Err(RegistrationError::Off),
            RegistrationPolicy::Open => None,
            RegistrationPolicy::Token => {
                let token = initial_token.ok_or(RegistrationError::Unauthorized(
                    "registration needs an initial access token (Authorization: Bearer)",
                ))?;
                Some(
                    self.usable_initial_token(token)
                        .await?
                        .ok_or(RegistrationError::Unauthorized(INVALID_INITIAL_TOKEN))?,
                )
            }
        };
        // Consent is never skipped for a client that registered itself.
        new.first_party = false;
        self.check(&new).await?;
        if let Some(id) = &initial
            && !self.spend_initial_token(id).await?
        {
            return Err(RegistrationError::Unauthorized(INVALID_INITIAL_TOKEN));
        }
        let (client, client_secret) = self.inner.clients.create(new).await?;
        let registration_access_token = random::token::<32>();
        let row = client_registration::ActiveModel {
            client_id: Set(client.client_id.clone()),
            token_hash: Set(self
                .inner
                .secrets
                .keyed_hash(REGISTRATION_TOKEN_PURPOSE, &registration_access_token)),
            initial_token_id: Set(initial.clone()),
            created_at: Set(now()),
        };
        if let Err(e) = row.insert(&self.inner.db).await {
            // No client without its token: it could never be managed.
            let _ = self.inner.clients.delete(&client.client_id).await;
            return Err(Error::from(e).into());
        }
        let mut event = AuditEvent::success("client.created")
            .client(&client.client_id)
            .data(json!({
                "via": "dynamic_registration",
                "public": client.public,
                "initial_token": initial,
                "software_id": client.metadata.software_id,
            }));
        if let Some(ip) = ip {
            event = event.ip(ip);
        }
        self.inner.audit.record(event).await?;
        Ok(Registered {
            client,
            client_secret,
            registration_access_token,
        })
    }

    /// The client `client_id` when `token` is its registration access token.
    pub async fn read(
        &self,
        client_id: &str,
        token: Option<&str>,
    ) -> std::result::Result<Client, RegistrationError> {
        self.authorize(client_id, token).await?;
        Ok(self.inner.clients.get_any(client_id).await?)
    }

    /// Replaces the client's registered metadata with `new` (RFC 7592 2.2: what the request
    /// leaves out returns to its default). `client_secret`, when the request carries one,
    /// must be the client's current secret.
    pub async fn update(
        &self,
        client_id: &str,
        token: Option<&str>,
        mut new: NewClient,
        client_secret: Option<&str>,
        ip: Option<String>,
    ) -> std::result::Result<Client, RegistrationError> {
        self.authorize(client_id, token).await?;
        if let Some(secret) = client_secret
            && self
                .inner
                .clients
                .authenticate(client_id, secret)
                .await?
                .is_none()
        {
            return Err(Error::invalid(
                "client_secret",
                "does not match the client's secret (a client cannot choose its secret)",
            )
            .into());
        }
        new.first_party = false;
        self.check(&new).await?;
        let client = self.inner.clients.update(client_id, new, None).await?;
        let mut event = AuditEvent::success("client.updated")
            .client(client_id)
            .data(json!({ "via": "dynamic_registration" }));
        if let Some(ip) = ip {
            event = event.ip(ip);
        }
        self.inner.audit.record(event).await?;
        Ok(client)
    }

    /// Deletes the client (RFC 7592 2.3) and, by cascade, its tokens and registration.
    pub async fn delete(
        &self,
        client_id: &str,
        token: Option<&str>,
        ip: Option<String>,
    ) -> std::result::Result<(), RegistrationError> {
        self.authorize(client_id, token).await?;
        self.inner.clients.delete(client_id).await?;
        let mut event = AuditEvent::success("client.deleted")
            .client(client_id)
            .data(json!({ "via": "dynamic_registration" }));
        if let Some(ip) = ip {
            event = event.ip(ip);
        }
        self.inner.audit.record(event).await?;
        Ok(())
    }

    /// The checks of every client, then those of a registration: response types fit the
    /// grant types (RFC 7591 2.1), a pairwise client on several hosts names its sector, and
    /// a `sector_identifier_uri` lists every redirect URI (OIDC Core 8.1).
    async fn check(&self, new: &NewClient) -> Result<()> {
        let checked = super::validate::check(new)?;
        if !new.response_types.is_empty()
            && !checked
                .grant_types
                .iter()
                .any(|g| g == "authorization_code")
        {
            return Err(Error::invalid(
                "response_type",
                "code needs the authorization_code grant type",
            ));
        }
        let meta = &new.metadata;
        if meta.subject_type() == "pairwise" && meta.sector_identifier_uri.is_none() {
            let mut hosts = new
                .redirect_uris
                .iter()
                .filter_map(|u| url::Url::parse(u).ok())
                .filter_map(|u| u.host_str().map(str::to_owned))
                .collect::<Vec<_>>();
            hosts.sort();
            hosts.dedup();
            if hosts.len() > 1 {
                return Err(Error::invalid(
                    "sector_identifier_uri",
                    "a pairwise client whose redirect URIs are on several hosts must register a sector_identifier_uri",
                ));
            }
        }
        if let Some(uri) = &meta.sector_identifier_uri {
            let listed = sector::fetch(
                &self.inner.http,
                uri,
                self.inner.settings.allow_private_addresses,
            )
            .await?;
            if let Some(missing) = new.redirect_uris.iter().find(|r| !listed.contains(r)) {
                return Err(Error::invalid(
                    "sector_identifier_uri",
                    format!("does not list the redirect URI {missing:?}"),
                ));
            }
        }
        Ok(())
    }

    /// Succeeds when `token` is the registration access token of `client_id`. Unknown
    /// clients, clients registered by an administrator and wrong tokens fail alike.
    async fn authorize(
        &self,
        client_id: &str,
        token: Option<&str>,
    ) -> std::result::Result<(), RegistrationError> {
        let token = token.ok_or(RegistrationError::Unauthorized(
            "the registration access token is missing (Authorization: Bearer)",
        ))?;
        let row = client_registration::Entity::find_by_id(client_id.to_owned())
            .one(&self.inner.db)
            .await
            .map_err(Error::from)?;
        let ok = match &row {
            Some(r) => self.inner.secrets.verify_keyed_hash(
                REGISTRATION_TOKEN_PURPOSE,
                token,
                &r.token_hash,
            ),
            None => {
                // The same HMAC, so that timing does not tell unknown clients apart.
                let _ = self
                    .inner
                    .secrets
                    .keyed_hash(REGISTRATION_TOKEN_PURPOSE, token);
                false
            }
        };
        if ok {
            Ok(())
        } else {
            Err(RegistrationError::Unauthorized(
                "the registration access token is not valid for this client",
            ))
        }
    }
}

const INVALID_INITIAL_TOKEN: &str =
    "the initial access token is not valid: unknown, expired, used up or revoked";

#[cfg(test)]
mod tests;
