//! Pushed authorization requests (RFC 9126): a client posts its validated request and gets
//! a `request_uri` to send the browser with; the request is bound to that client.

use std::time::Duration;

use sea_orm::{ActiveModelTrait as _, DatabaseConnection, EntityTrait as _, Set};

use super::PendingRequest;
use crate::entities::pushed_authorization_request;
use crate::{Error, Result, Store, now, random};

/// The prefix of the `request_uri` values handed out (RFC 9126 2.2).
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// How long a pushed request may be used to start an authorization (RFC 9126 2.2 suggests
/// short; FAPI 2.0 at most 600 s).
pub const PUSHED_REQUEST_TTL: Duration = Duration::from_secs(60);

/// Largest random part accepted when looking one up (ours are 32 characters).
const MAX_ID_LEN: usize = 64;

/// Stored pushed requests.
#[derive(Debug, Clone)]
pub struct PushedRequests {
    db: DatabaseConnection,
    ttl: Duration,
}

impl PushedRequests {
    /// Builds the store with the standard lifetime.
    pub fn new(store: &Store) -> Self {
        Self {
            db: store.db().clone(),
            ttl: PUSHED_REQUEST_TTL,
        }
    }

    /// How long a pushed request may be used.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Stores a validated request of `req.client_id`; returns its `request_uri`
    /// (192 random bits).
    pub async fn push(&self, req: &PendingRequest) -> Result<String> {
        let id = random::token::<24>();
        let at = now();
        pushed_authorization_request::ActiveModel {
            id: Set(id.clone()),
            client_id: Set(req.client_id.clone()),
            parameters: Set(serde_json::to_value(req).map_err(|e| Error::Corrupt(e.to_string()))?),
            created_at: Set(at),
            expires_at: Set(at + self.ttl),
        }
        .insert(&self.db)
        .await?;
        Ok(format!("{REQUEST_URI_PREFIX}{id}"))
    }

    /// The request `request_uri` names, if it is ours, was pushed by `client_id`, has not
    /// expired and has not been used to complete an authorization. Anything else is `None`,
    /// without saying which (another client must not learn that the value exists).
    pub async fn get(&self, request_uri: &str, client_id: &str) -> Result<Option<PendingRequest>> {
        let Some(id) = id_of(request_uri) else {
            return Ok(None);
        };
        let Some(row) = pushed_authorization_request::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        if row.expires_at <= now() || row.client_id != client_id {
            return Ok(None);
        }
        serde_json::from_value(row.parameters)
            .map(Some)
            .map_err(|e| Error::Corrupt(format!("pushed authorization request: {e}")))
    }

    /// Uses the request up (its authorization completes): true for the one caller that
    /// removed it, false if it was already used (or purged). Works after the lifetime too:
    /// a sign-in started in time may finish later.
    pub async fn consume(&self, request_uri: &str) -> Result<bool> {
        let Some(id) = id_of(request_uri) else {
            return Ok(false);
        };
        let done = pushed_authorization_request::Entity::delete_by_id(id.to_owned())
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected == 1)
    }
}

/// Whether `request_uri` has the form of the values this store hands out.
pub fn is_pushed(request_uri: &str) -> bool {
    request_uri.starts_with(REQUEST_URI_PREFIX)
}

fn id_of(request_uri: &str) -> Option<&str> {
    request_uri
        .strip_prefix(REQUEST_URI_PREFIX)
        .filter(|id| !id.is_empty() && id.len() <= MAX_ID_LEN)
}
