//! Storing, reading and authenticating clients.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set,
};

use super::validate::{SECRET_METHODS, check};
use super::{Client, NewClient};
use crate::entities::client;
use crate::secrets::SecretBox;
use crate::{Error, Result, Store, now, random};

const SECRET_PURPOSE: &str = "client_secret";
/// The one method whose secret is kept sealed (recoverable) besides its keyed hash.
const SEALED_METHOD: &str = "client_secret_jwt";

/// The AEAD context of a client's sealed secret: a ciphertext copied to another client's
/// row does not open.
fn sealed_context(client_id: &str) -> String {
    format!("client_secret:{client_id}")
}

/// How long a node reuses a client it read. The token endpoint reads its client on every
/// request; a change made on another node (deletion) takes effect within this time.
pub const CLIENT_CACHE_TTL: Duration = Duration::from_secs(5);

/// A client as read from the database, decoded once.
#[derive(Debug)]
struct Cached {
    read_at: Instant,
    secret_hash: Option<String>,
    previous_secret_hash: Option<String>,
    secret_sealed: Option<String>,
    previous_secret_sealed: Option<String>,
    client: Client,
}

/// The client registry.
#[derive(Debug, Clone)]
pub struct Clients {
    db: DatabaseConnection,
    secrets: SecretBox,
    // Only clients that exist are cached, so unknown ids cannot grow it.
    cache: Arc<RwLock<HashMap<String, Arc<Cached>>>>,
}

impl Clients {
    /// Builds the service; `secrets` keys the client secret hashes.
    pub fn new(store: &Store, secrets: SecretBox) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
            cache: Arc::default(),
        }
    }

    /// The client row, from this node's cache when read recently.
    async fn cached(&self, client_id: &str) -> Result<Option<Arc<Cached>>> {
        let hit = self
            .cache
            .read()
            .ok()
            .and_then(|c| c.get(client_id).cloned())
            .filter(|c| c.read_at.elapsed() < CLIENT_CACHE_TTL);
        if hit.is_some() {
            return Ok(hit);
        }
        let Some(row) = client::Entity::find_by_id(client_id.to_owned())
            .one(&self.db)
            .await?
        else {
            self.forget(client_id);
            return Ok(None);
        };
        let cached = Arc::new(Cached {
            read_at: Instant::now(),
            secret_hash: row.secret_hash.clone(),
            previous_secret_hash: row.previous_secret_hash.clone(),
            secret_sealed: row.secret_sealed.clone(),
            previous_secret_sealed: row.previous_secret_sealed.clone(),
            client: row.try_into()?,
        });
        if let Ok(mut cache) = self.cache.write() {
            cache.insert(client_id.to_owned(), cached.clone());
        }
        Ok(Some(cached))
    }

    fn forget(&self, client_id: &str) {
        if let Ok(mut cache) = self.cache.write() {
            cache.remove(client_id);
        }
    }

    /// Registers a client. Returns it with its secret (shown once; only a keyed hash is kept).
    pub async fn create(&self, new: NewClient) -> Result<(Client, Option<String>)> {
        let c = check(&new)?;
        let secret = SECRET_METHODS
            .contains(&c.auth_method.as_str())
            .then(random::token::<32>);
        let at = now();
        let json = |v: &[String]| serde_json::Value::from(v.to_vec());
        let id = random::identifier::<18>();
        let sealed = match &secret {
            Some(s) if c.auth_method == SEALED_METHOD => {
                Some(self.secrets.encrypt(s.as_bytes(), &sealed_context(&id))?)
            }
            _ => None,
        };
        let row = client::ActiveModel {
            id: Set(id),
            name: Set(c.name),
            secret_hash: Set(secret
                .as_deref()
                .map(|s| self.secrets.keyed_hash(SECRET_PURPOSE, s))),
            token_endpoint_auth_method: Set(c.auth_method),
            redirect_uris: Set(json(&new.redirect_uris)),
            post_logout_redirect_uris: Set(json(&new.post_logout_redirect_uris)),
            grant_types: Set(json(&c.grant_types)),
            response_types: Set(json(&c.response_types)),
            scopes: Set(json(&c.scopes)),
            access_token_format: Set(c.access_token_format),
            id_token_signed_response_alg: Set(c.id_token_alg),
            userinfo_signed_response_alg: Set(c.userinfo_alg),
            access_token_signing_alg: Set(c.access_token_alg),
            first_party: Set(new.first_party),
            require_pkce: Set(new.public || new.require_pkce),
            require_mfa: Set(new.require_mfa),
            client_uri: Set(new.client_uri),
            logo_uri: Set(new.logo_uri),
            policy_uri: Set(new.policy_uri),
            tos_uri: Set(new.tos_uri),
            backchannel_logout_uri: Set(new.backchannel_logout_uri),
            backchannel_logout_session_required: Set(new.backchannel_logout_session_required),
            frontchannel_logout_uri: Set(new.frontchannel_logout_uri),
            frontchannel_logout_session_required: Set(new.frontchannel_logout_session_required),
            allowed_origins: Set(Some(json(&c.allowed_origins))),
            resources: Set(Some(json(&c.resources))),
            allow_impersonation: Set(new.allow_impersonation),
            allow_guests: Set(new.allow_guests),
            require_pushed_authorization_requests: Set(new.require_pushed_authorization_requests),
            metadata: Set(new.metadata.to_column()),
            dpop_bound_access_tokens: Set(new.dpop_bound_access_tokens),
            enabled: Set(true),
            previous_secret_hash: Set(None),
            previous_secret_expires_at: Set(None),
            secret_sealed: Set(sealed),
            previous_secret_sealed: Set(None),
            role_claims: Set(new
                .role_claims
                .as_deref()
                .map(super::check_role_claims)
                .transpose()?
                .map(|v| json(&v))),
            created_at: Set(at),
            updated_at: Set(at),
        };
        let created = row.insert(&self.db).await?;
        Ok((created.try_into()?, secret))
    }

    /// The enabled client with this id, if any: a disabled client is unknown to the
    /// protocol.
    pub async fn find(&self, client_id: &str) -> Result<Option<Client>> {
        Ok(self
            .cached(client_id)
            .await?
            .filter(|c| c.client.enabled)
            .map(|c| c.client.clone()))
    }

    /// The enabled client with this id, or `NotFound`.
    pub async fn get(&self, client_id: &str) -> Result<Client> {
        self.find(client_id).await?.ok_or(Error::NotFound("client"))
    }

    /// The client with this id, enabled or not, read from the database (administration).
    pub async fn get_any(&self, client_id: &str) -> Result<Client> {
        client::Entity::find_by_id(client_id.to_owned())
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("client"))?
            .try_into()
    }

    /// Replaces every setting of the client with `new` (checked like a registration),
    /// keeping its id and secret. With `expected`, refused as [`Error::Stale`] when the
    /// client changed since that version (its `updated_at`) was read.
    pub async fn update(
        &self,
        client_id: &str,
        new: NewClient,
        expected: Option<time::OffsetDateTime>,
    ) -> Result<Client> {
        let found = self.get_any(client_id).await?;
        if new.public != found.public {
            return Err(Error::invalid(
                "public",
                "a client cannot change between public and confidential: register a new one",
            ));
        }
        let c = check(&new)?;
        // A secret is kept recoverable only while the client needs it so.
        let keeps_sealed = c.auth_method == SEALED_METHOD;
        let json = |v: &[String]| serde_json::Value::from(v.to_vec());
        let role_claims = new
            .role_claims
            .as_deref()
            .map(super::check_role_claims)
            .transpose()?
            .map(|v| json(&v));
        let mut update = client::Entity::update_many()
            .col_expr(client::Column::Name, Expr::value(c.name))
            .col_expr(
                client::Column::TokenEndpointAuthMethod,
                Expr::value(c.auth_method),
            )
            .col_expr(
                client::Column::RedirectUris,
                Expr::value(json(&new.redirect_uris)),
            )
            .col_expr(
                client::Column::PostLogoutRedirectUris,
                Expr::value(json(&new.post_logout_redirect_uris)),
            )
            .col_expr(
                client::Column::GrantTypes,
                Expr::value(json(&c.grant_types)),
            )
            .col_expr(
                client::Column::ResponseTypes,
                Expr::value(json(&c.response_types)),
            )
            .col_expr(client::Column::Scopes, Expr::value(json(&c.scopes)))
            .col_expr(
                client::Column::AccessTokenFormat,
                Expr::value(c.access_token_format),
            )
            .col_expr(
                client::Column::IdTokenSignedResponseAlg,
                Expr::value(c.id_token_alg),
            )
            .col_expr(
                client::Column::UserinfoSignedResponseAlg,
                Expr::value(c.userinfo_alg),
            )
            .col_expr(
                client::Column::AccessTokenSigningAlg,
                Expr::value(c.access_token_alg),
            )
            .col_expr(client::Column::FirstParty, Expr::value(new.first_party))
            .col_expr(
                client::Column::RequirePkce,
                Expr::value(new.public || new.require_pkce),
            )
            .col_expr(client::Column::RequireMfa, Expr::value(new.require_mfa))
            .col_expr(client::Column::ClientUri, Expr::value(new.client_uri))
            .col_expr(client::Column::LogoUri, Expr::value(new.logo_uri))
            .col_expr(client::Column::PolicyUri, Expr::value(new.policy_uri))
            .col_expr(client::Column::TosUri, Expr::value(new.tos_uri))
            .col_expr(
                client::Column::BackchannelLogoutUri,
                Expr::value(new.backchannel_logout_uri),
            )
            .col_expr(
                client::Column::BackchannelLogoutSessionRequired,
                Expr::value(new.backchannel_logout_session_required),
            )
            .col_expr(
                client::Column::FrontchannelLogoutUri,
                Expr::value(new.frontchannel_logout_uri),
            )
            .col_expr(
                client::Column::FrontchannelLogoutSessionRequired,
                Expr::value(new.frontchannel_logout_session_required),
            )
            .col_expr(
                client::Column::AllowedOrigins,
                Expr::value(Some(json(&c.allowed_origins))),
            )
            .col_expr(
                client::Column::Resources,
                Expr::value(Some(json(&c.resources))),
            )
            .col_expr(
                client::Column::AllowImpersonation,
                Expr::value(new.allow_impersonation),
            )
            .col_expr(client::Column::AllowGuests, Expr::value(new.allow_guests))
            .col_expr(
                client::Column::RequirePushedAuthorizationRequests,
                Expr::value(new.require_pushed_authorization_requests),
            )
            .col_expr(
                client::Column::DpopBoundAccessTokens,
                Expr::value(new.dpop_bound_access_tokens),
            )
            .col_expr(client::Column::RoleClaims, Expr::value(role_claims))
            .col_expr(
                client::Column::Metadata,
                Expr::value(new.metadata.to_column()),
            )
            .filter(client::Column::Id.eq(client_id));
        if !keeps_sealed {
            update = update
                .col_expr(client::Column::SecretSealed, Expr::value(None::<String>))
                .col_expr(
                    client::Column::PreviousSecretSealed,
                    Expr::value(None::<String>),
                );
        }
        update = self.touch(update, expected);
        self.changed(client_id, update.exec(&self.db).await?.rows_affected)
            .await
    }

    /// A new secret for a confidential client; the old one keeps working for `grace` (none:
    /// it stops at once). Returns the client and the new secret (shown once).
    pub async fn rotate_secret(
        &self,
        client_id: &str,
        grace: Duration,
        expected: Option<time::OffsetDateTime>,
    ) -> Result<(Client, String)> {
        let found = client::Entity::find_by_id(client_id.to_owned())
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("client"))?;
        let Some(old) = found.secret_hash else {
            return Err(Error::WrongState(
                "this client has no secret: it is public or authenticates with its keys".into(),
            ));
        };
        let grace_secs = i64::try_from(grace.as_secs()).unwrap_or(i64::MAX);
        let keep_old = grace_secs > 0;
        let secret = random::token::<32>();
        let sealed = (found.token_endpoint_auth_method == SEALED_METHOD)
            .then(|| {
                self.secrets
                    .encrypt(secret.as_bytes(), &sealed_context(client_id))
            })
            .transpose()?;
        let previous_sealed = if keep_old && sealed.is_some() {
            found.secret_sealed
        } else {
            None
        };
        let mut update = client::Entity::update_many()
            .col_expr(
                client::Column::SecretHash,
                Expr::value(Some(self.secrets.keyed_hash(SECRET_PURPOSE, &secret))),
            )
            .col_expr(
                client::Column::PreviousSecretHash,
                Expr::value(keep_old.then_some(old)),
            )
            .col_expr(
                client::Column::PreviousSecretExpiresAt,
                Expr::value(keep_old.then(|| now() + time::Duration::seconds(grace_secs))),
            )
            .col_expr(client::Column::SecretSealed, Expr::value(sealed))
            .col_expr(
                client::Column::PreviousSecretSealed,
                Expr::value(previous_sealed),
            )
            .filter(client::Column::Id.eq(client_id));
        update = self.touch(update, expected);
        let affected = update.exec(&self.db).await?.rows_affected;
        Ok((self.changed(client_id, affected).await?, secret))
    }

    /// Enables or disables the client. A disabled client's authorization and token requests
    /// are refused (at once on this node, within [`CLIENT_CACHE_TTL`] on the others).
    pub async fn set_enabled(
        &self,
        client_id: &str,
        enabled: bool,
        expected: Option<time::OffsetDateTime>,
    ) -> Result<Client> {
        let update = client::Entity::update_many()
            .col_expr(client::Column::Enabled, Expr::value(enabled))
            .filter(client::Column::Id.eq(client_id));
        let affected = self
            .touch(update, expected)
            .exec(&self.db)
            .await?
            .rows_affected;
        self.changed(client_id, affected).await
    }

    /// Sets `updated_at` and, with `expected`, applies the update only to that version.
    fn touch(
        &self,
        update: sea_orm::UpdateMany<client::Entity>,
        expected: Option<time::OffsetDateTime>,
    ) -> sea_orm::UpdateMany<client::Entity> {
        let update = update.col_expr(client::Column::UpdatedAt, Expr::value(now()));
        match expected {
            Some(at) => update.filter(client::Column::UpdatedAt.eq(at)),
            None => update,
        }
    }

    /// After an update: the client as stored now, `NotFound` or `Stale` when nothing changed.
    async fn changed(&self, client_id: &str, affected: u64) -> Result<Client> {
        self.forget(client_id);
        if affected == 0 {
            self.get_any(client_id).await?;
            return Err(Error::Stale("client"));
        }
        self.get_any(client_id).await
    }

    /// Every client, oldest first.
    pub async fn list(&self) -> Result<Vec<Client>> {
        client::Entity::find()
            .order_by_asc(client::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Client::try_from)
            .collect()
    }

    /// Sets which token kinds carry role and group claims (see [`super::ROLE_CLAIM_TARGETS`]).
    pub async fn set_role_claims(&self, client_id: &str, targets: &[String]) -> Result<Client> {
        let targets = super::check_role_claims(targets)?;
        let row = client::Entity::find_by_id(client_id.to_owned())
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("client"))?;
        let mut active: client::ActiveModel = row.into();
        active.role_claims = Set(Some(serde_json::Value::from(targets)));
        active.updated_at = Set(now());
        let updated = active.update(&self.db).await?;
        self.forget(client_id);
        updated.try_into()
    }

    /// Deletes the client and, by cascade, its codes, tokens and consents.
    pub async fn delete(&self, client_id: &str) -> Result<()> {
        let res = client::Entity::delete_by_id(client_id.to_owned())
            .exec(&self.db)
            .await?;
        self.forget(client_id);
        if res.rows_affected == 0 {
            return Err(Error::NotFound("client"));
        }
        Ok(())
    }

    /// The confidential client whose id and secret match, compared in constant time; `None`
    /// for an unknown client, a public client, or a wrong secret alike.
    pub async fn authenticate(&self, client_id: &str, secret: &str) -> Result<Option<Client>> {
        let Some(found) = self.cached(client_id).await? else {
            // Spend the same HMAC so that timing does not tell unknown ids apart.
            let _ = self.secrets.keyed_hash(SECRET_PURPOSE, secret);
            return Ok(None);
        };
        let current = found
            .secret_hash
            .as_deref()
            .is_some_and(|h| self.secrets.verify_keyed_hash(SECRET_PURPOSE, secret, h));
        // The secret before a rotation, during its grace period.
        let previous = found.previous_secret_hash.as_deref().is_some_and(|h| {
            self.secrets.verify_keyed_hash(SECRET_PURPOSE, secret, h)
                && found
                    .client
                    .previous_secret_expires_at
                    .is_some_and(|until| now() < until)
        });
        Ok(((current || previous) && found.client.enabled).then(|| found.client.clone()))
    }

    /// The secrets a `client_secret_jwt` client may key its assertions with: the current
    /// one, and the one before the last rotation during its grace period. Empty for an
    /// unknown or disabled client and for every other method. Never log what this returns.
    pub async fn shared_secrets(&self, client_id: &str) -> Result<Vec<String>> {
        let Some(found) = self.cached(client_id).await? else {
            return Ok(Vec::new());
        };
        if !found.client.enabled || found.client.token_endpoint_auth_method != SEALED_METHOD {
            return Ok(Vec::new());
        }
        let in_grace = found
            .client
            .previous_secret_expires_at
            .is_some_and(|until| now() < until);
        let previous = found.previous_secret_sealed.as_ref().filter(|_| in_grace);
        let context = sealed_context(client_id);
        [found.secret_sealed.as_ref(), previous]
            .into_iter()
            .flatten()
            .map(|sealed| {
                let plain = self.secrets.decrypt(sealed, &context)?;
                String::from_utf8(plain)
                    .map_err(|_| Error::Corrupt("a sealed client secret is not text".into()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend_tests;
    use crate::clients::ClientMetadata;
    use crate::secrets::MasterKey;

    fn demo() -> NewClient {
        NewClient {
            name: "demo".into(),
            redirect_uris: vec!["http://127.0.0.1:9999/cb?x=1".into()],
            post_logout_redirect_uris: vec!["http://127.0.0.1:9999/bye".into()],
            logo_uri: Some("https://demo.example/logo.png".into()),
            ..Default::default()
        }
    }

    backend_tests! {
        async fn create_read_authenticate_delete(store: Store) {
            let clients = Clients::new(&store, MasterKey::generate().secret_box());
            let (client, secret) = clients.create(demo()).await.unwrap();
            let secret = secret.unwrap();
            assert!(secret.len() >= 43, "secret carries at least 256 bits");
            assert_eq!(client.redirect_uris, ["http://127.0.0.1:9999/cb?x=1"]);
            assert_eq!(clients.get(&client.client_id).await.unwrap(), client);
            let row = client::Entity::find_by_id(client.client_id.clone()).one(store.db()).await.unwrap().unwrap();
            assert!(!row.secret_hash.clone().unwrap().contains(&secret), "secret stored in clear");
            assert!(clients.authenticate(&client.client_id, &secret).await.unwrap().is_some());
            assert!(clients.authenticate(&client.client_id, "wrong").await.unwrap().is_none());
            assert!(clients.authenticate("unknown", &secret).await.unwrap().is_none());
            assert_eq!(clients.list().await.unwrap().len(), 1);
            clients.delete(&client.client_id).await.unwrap();
            assert!(matches!(clients.delete(&client.client_id).await, Err(Error::NotFound("client"))));
        }

        async fn public_clients_have_no_secret_and_cannot_authenticate(store: Store) {
            let clients = Clients::new(&store, MasterKey::generate().secret_box());
            let (client, secret) = clients.create(NewClient { public: true, ..demo() }).await.unwrap();
            assert!(secret.is_none());
            assert!(client.public);
            assert_eq!(client.token_endpoint_auth_method, "none");
            assert!(clients.authenticate(&client.client_id, "").await.unwrap().is_none());
        }

        async fn metadata_is_stored_and_pairwise_subjects_differ_by_sector(store: Store) {
            let secrets = MasterKey::generate().secret_box();
            let clients = Clients::new(&store, secrets.clone());
            let pairwise = |redirect: &str, sector: Option<&str>| NewClient {
                redirect_uris: vec![redirect.to_owned()],
                metadata: ClientMetadata {
                    subject_type: Some("pairwise".into()),
                    sector_identifier_uri: sector.map(str::to_owned),
                    jwks_uri: Some("https://rp.example/jwks".into()),
                    contacts: vec!["ops@rp.example".into()],
                    ..Default::default()
                },
                ..demo()
            };
            let (a, _) = clients.create(pairwise("https://a.example/cb", None)).await.unwrap();
            assert_eq!(clients.get(&a.client_id).await.unwrap().metadata, a.metadata, "read back");
            assert_eq!(a.metadata.contacts, ["ops@rp.example"]);
            let (a2, _) = clients.create(pairwise("https://A.example/other", None)).await.unwrap();
            let (b, _) = clients.create(pairwise("https://b.example/cb", None)).await.unwrap();
            let shared = Some("https://sector.example/uris.json");
            let (c, _) = clients.create(pairwise("https://c.example/cb", shared)).await.unwrap();
            let (d, _) = clients.create(pairwise("https://d.example/cb", shared)).await.unwrap();
            let (public, _) = clients.create(demo()).await.unwrap();
            let sub = |c: &Client| c.subject_for(&secrets, "user-1");
            assert_eq!(sub(&public), "user-1");
            assert_ne!(sub(&a), "user-1");
            assert_eq!(sub(&a), sub(&a2), "one host, one sector");
            assert_ne!(sub(&a), sub(&b));
            assert_eq!(sub(&c), sub(&d), "a shared sector_identifier_uri");
            assert_eq!(c.sector(), "sector.example");
            assert_ne!(sub(&a), a.subject_for(&secrets, "user-2"));
            // Another node (the same master key) computes the same subject.
            assert_eq!(sub(&a), a.subject_for(&secrets.clone(), "user-1"));
            // Updating the metadata replaces it; back to public gives the public subject.
            let mut back = a.to_new();
            back.metadata = ClientMetadata::default();
            let a = clients.update(&a.client_id, back, None).await.unwrap();
            assert_eq!(a.metadata, ClientMetadata::default());
            assert_eq!(sub(&a), "user-1");
            // Redirect URIs on several hosts need a sector_identifier_uri.
            let mut spread = pairwise("https://a.example/cb", None);
            spread.redirect_uris.push("https://b.example/cb".into());
            assert!(matches!(clients.create(spread).await, Err(Error::Invalid { field: "sector_identifier_uri", .. })));
        }

        async fn client_secret_jwt_secrets_are_sealed_and_recoverable(store: Store) {
            let clients = Clients::new(&store, MasterKey::generate().secret_box());
            let jwt = NewClient { token_endpoint_auth_method: Some("client_secret_jwt".into()), ..demo() };
            let (client, secret) = clients.create(jwt).await.unwrap();
            let secret = secret.unwrap();
            let row = client::Entity::find_by_id(client.client_id.clone()).one(store.db()).await.unwrap().unwrap();
            assert!(!row.secret_sealed.clone().unwrap().contains(&secret), "sealed, not in clear");
            assert_eq!(clients.shared_secrets(&client.client_id).await.unwrap(), std::slice::from_ref(&secret));
            let (_, next) = clients.rotate_secret(&client.client_id, Duration::from_secs(60), None).await.unwrap();
            assert_eq!(clients.shared_secrets(&client.client_id).await.unwrap(), [next.clone(), secret]);
            let (_, last) = clients.rotate_secret(&client.client_id, Duration::ZERO, None).await.unwrap();
            assert_eq!(clients.shared_secrets(&client.client_id).await.unwrap(), [last]);
            // Other methods keep only the keyed hash.
            let (basic, _) = clients.create(demo()).await.unwrap();
            let row = client::Entity::find_by_id(basic.client_id.clone()).one(store.db()).await.unwrap().unwrap();
            assert_eq!(row.secret_sealed, None);
            assert!(clients.shared_secrets(&basic.client_id).await.unwrap().is_empty());
            assert!(clients.shared_secrets("unknown").await.unwrap().is_empty());
        }

        async fn invalid_registration_writes_nothing(store: Store) {
            let clients = Clients::new(&store, MasterKey::generate().secret_box());
            let bad = NewClient { redirect_uris: vec!["https://x.example/#frag".into()], ..demo() };
            assert!(matches!(clients.create(bad).await, Err(Error::Invalid { field: "redirect_uri", .. })));
            assert!(clients.list().await.unwrap().is_empty());
        }
    }
}
