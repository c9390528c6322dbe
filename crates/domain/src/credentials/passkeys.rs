//! Passkeys (WebAuthn, webauthn-rs): several per user, each named; as a second factor and as
//! passwordless, usernameless sign-in with discoverable credentials. Ceremony state waits in
//! the cache (any node finishes what another began); counters and backup flags are kept.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, Set,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, DiscoverableKey, Passkey,
    PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, Url, Uuid, Webauthn, WebauthnBuilder,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use super::kind;
use crate::cache::Cache;
use crate::entities::credential;
use crate::{Error, Result, Store, now, random};

/// How long a ceremony may take.
const CEREMONY_TTL: Duration = Duration::from_secs(300);

/// The passkey service; `None` from [`Passkeys::new`] when the issuer's host is not a
/// domain name (WebAuthn needs one: `localhost` works, an IP address does not).
#[derive(Clone)]
pub struct Passkeys {
    webauthn: Arc<Webauthn>,
    db: DatabaseConnection,
    cache: Cache,
}

impl std::fmt::Debug for Passkeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passkeys").finish_non_exhaustive()
    }
}

/// One of a user's passkeys, as listed.
#[derive(Debug, Clone)]
pub struct PasskeyInfo {
    /// The credential row id.
    pub id: String,
    /// The name the user gave it.
    pub name: String,
    /// When it was added.
    pub created_at: time::OffsetDateTime,
    /// When it was last used.
    pub last_used_at: Option<time::OffsetDateTime>,
}

/// The result of a passkey sign-in.
#[derive(Debug, Clone)]
pub struct PasskeyUse {
    /// Whose passkey it was.
    pub user_id: String,
    /// The passkey may be synced to other devices (RFC 8176 `swk`), else it stays on its
    /// authenticator (`hwk`).
    pub backup_eligible: bool,
}

fn webauthn_error(e: impl std::fmt::Display) -> Error {
    Error::invalid("passkey", e.to_string())
}

fn user_uuid(user_id: &str) -> Result<Uuid> {
    Uuid::parse_str(user_id).map_err(|_| Error::invalid("user", "id is not a UUID"))
}

impl Passkeys {
    /// A service for `issuer` (its host is the relying-party id, its origin the one allowed).
    pub fn new(store: &Store, cache: Cache, issuer: &str) -> Option<Self> {
        let origin = Url::parse(issuer).ok()?;
        let rp_id = origin.domain()?.to_owned();
        let webauthn = WebauthnBuilder::new(&rp_id, &origin)
            .ok()?
            .rp_name("Gatehouse")
            .build()
            .ok()?;
        Some(Self {
            webauthn: Arc::new(webauthn),
            db: store.db().clone(),
            cache,
        })
    }

    async fn park<T: Serialize>(&self, purpose: &str, state: &T) -> Result<String> {
        let id = random::token::<24>();
        let bytes = serde_json::to_vec(state).map_err(webauthn_error)?;
        self.cache
            .set(&format!("webauthn:{purpose}:{id}"), &bytes, CEREMONY_TTL)
            .await?;
        Ok(id)
    }

    /// Takes a parked ceremony (once).
    async fn take<T: DeserializeOwned>(&self, purpose: &str, id: &str) -> Result<Option<T>> {
        if id.is_empty() || id.len() > 64 {
            return Ok(None);
        }
        let key = format!("webauthn:{purpose}:{id}");
        let Some(bytes) = self.cache.get(&key).await? else {
            return Ok(None);
        };
        if !self.cache.delete(&key).await? {
            return Ok(None);
        }
        Ok(serde_json::from_slice(&bytes).ok())
    }

    async fn rows(&self, user_id: &str) -> Result<Vec<(credential::Model, Passkey)>> {
        Ok(credential::Entity::find()
            .filter(credential::Column::UserId.eq(user_id))
            .filter(credential::Column::Kind.eq(kind::PASSKEY))
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|row| {
                let key = row
                    .data
                    .clone()
                    .and_then(|d| serde_json::from_value::<Passkey>(d).ok())?;
                Some((row, key))
            })
            .collect())
    }

    /// The user's passkeys.
    pub async fn list(&self, user_id: &str) -> Result<Vec<PasskeyInfo>> {
        Ok(self
            .rows(user_id)
            .await?
            .into_iter()
            .map(|(row, _)| PasskeyInfo {
                id: row.id,
                name: row.name.unwrap_or_default(),
                created_at: row.created_at,
                last_used_at: row.last_used_at,
            })
            .collect())
    }

    /// Starts adding a passkey: the options for `navigator.credentials.create` and the id
    /// of the parked ceremony. The passkey is asked to be discoverable (usernameless sign-in).
    pub async fn begin_registration(
        &self,
        user_id: &str,
        email: &str,
        display_name: &str,
    ) -> Result<(CreationChallengeResponse, String)> {
        let existing = self
            .rows(user_id)
            .await?
            .into_iter()
            .map(|(_, k)| k.cred_id().clone())
            .collect::<Vec<_>>();
        let (mut options, state) = self
            .webauthn
            .start_passkey_registration(user_uuid(user_id)?, email, display_name, Some(existing))
            .map_err(webauthn_error)?;
        if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
            selection.resident_key = Some(ResidentKeyRequirement::Required);
            selection.require_resident_key = true;
        }
        let id = self.park("register", &(user_id, state)).await?;
        Ok((options, id))
    }

    /// Finishes adding a passkey named `name`. False when the ceremony is unknown, expired,
    /// another user's, or the response does not verify.
    pub async fn finish_registration(
        &self,
        user_id: &str,
        ceremony: &str,
        response: &RegisterPublicKeyCredential,
        name: &str,
    ) -> Result<bool> {
        let Some((owner, state)) = self
            .take::<(String, PasskeyRegistration)>("register", ceremony)
            .await?
        else {
            return Ok(false);
        };
        if owner != user_id {
            return Ok(false);
        }
        let Ok(key) = self.webauthn.finish_passkey_registration(response, &state) else {
            return Ok(false);
        };
        credential::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            user_id: Set(user_id.to_owned()),
            kind: Set(kind::PASSKEY.to_owned()),
            name: Set(Some(name.to_owned())),
            // The credential id, for lookups; the public key and counter live in `data`.
            secret: Set(serde_json::to_string(key.cred_id()).map_err(webauthn_error)?),
            data: Set(Some(serde_json::to_value(&key).map_err(webauthn_error)?)),
            created_at: Set(now()),
            last_used_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(true)
    }

    /// Starts a second-factor check with the user's passkeys; `None` when they have none.
    pub async fn begin_authentication(
        &self,
        user_id: &str,
    ) -> Result<Option<(RequestChallengeResponse, String)>> {
        let keys: Vec<Passkey> = self
            .rows(user_id)
            .await?
            .into_iter()
            .map(|(_, k)| k)
            .collect();
        if keys.is_empty() {
            return Ok(None);
        }
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&keys)
            .map_err(webauthn_error)?;
        let id = self.park("authenticate", &(user_id, state)).await?;
        Ok(Some((options, id)))
    }

    /// Finishes a second-factor check; `None` when it does not verify.
    pub async fn finish_authentication(
        &self,
        user_id: &str,
        ceremony: &str,
        response: &PublicKeyCredential,
    ) -> Result<Option<PasskeyUse>> {
        let Some((owner, state)) = self
            .take::<(String, PasskeyAuthentication)>("authenticate", ceremony)
            .await?
        else {
            return Ok(None);
        };
        if owner != user_id {
            return Ok(None);
        }
        let Ok(result) = self
            .webauthn
            .finish_passkey_authentication(response, &state)
        else {
            return Ok(None);
        };
        self.record_use(user_id, &result).await?;
        Ok(Some(PasskeyUse {
            user_id: user_id.to_owned(),
            backup_eligible: result.backup_eligible(),
        }))
    }

    /// Starts a usernameless sign-in (any discoverable passkey of this site).
    pub async fn begin_discoverable(&self) -> Result<(RequestChallengeResponse, String)> {
        let (options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(webauthn_error)?;
        let id = self.park("discover", &state).await?;
        Ok((options, id))
    }

    /// Finishes a usernameless sign-in: whose passkey it was, or `None`.
    pub async fn finish_discoverable(
        &self,
        ceremony: &str,
        response: &PublicKeyCredential,
    ) -> Result<Option<PasskeyUse>> {
        let Some(state) = self
            .take::<DiscoverableAuthentication>("discover", ceremony)
            .await?
        else {
            return Ok(None);
        };
        let Ok((user, _)) = self.webauthn.identify_discoverable_authentication(response) else {
            return Ok(None);
        };
        let user_id = user.to_string();
        let keys: Vec<DiscoverableKey> = self
            .rows(&user_id)
            .await?
            .iter()
            .map(|(_, k)| DiscoverableKey::from(k))
            .collect();
        if keys.is_empty() {
            return Ok(None);
        }
        let Ok(result) = self
            .webauthn
            .finish_discoverable_authentication(response, state, &keys)
        else {
            return Ok(None);
        };
        self.record_use(&user_id, &result).await?;
        Ok(Some(PasskeyUse {
            user_id,
            backup_eligible: result.backup_eligible(),
        }))
    }

    /// Stores the new counter and backup state, and when the passkey was used.
    async fn record_use(
        &self,
        user_id: &str,
        result: &webauthn_rs::prelude::AuthenticationResult,
    ) -> Result<()> {
        for (row, mut key) in self.rows(user_id).await? {
            if key.cred_id() != result.cred_id() {
                continue;
            }
            key.update_credential(result);
            let mut active: credential::ActiveModel = row.into();
            active.data = Set(Some(serde_json::to_value(&key).map_err(webauthn_error)?));
            active.last_used_at = Set(Some(now()));
            active.update(&self.db).await?;
        }
        Ok(())
    }

    /// Removes one of the user's passkeys; false when it is not theirs.
    pub async fn remove(&self, user_id: &str, id: &str) -> Result<bool> {
        Ok(credential::Entity::delete_many()
            .filter(credential::Column::UserId.eq(user_id))
            .filter(credential::Column::Kind.eq(kind::PASSKEY))
            .filter(credential::Column::Id.eq(id))
            .exec(&self.db)
            .await?
            .rows_affected
            == 1)
    }
}
