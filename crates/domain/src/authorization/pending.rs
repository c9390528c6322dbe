//! A validated authorization request, parked while the user signs in or consents.

use std::time::Duration;

use sea_orm::{ActiveModelTrait as _, DatabaseConnection, EntityTrait as _, Set};
use serde::{Deserialize, Serialize};

use crate::entities::authorization_request;
use crate::{Error, Result, Store, now, random};

/// How the authorization response is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    /// Parameters in the redirect URI's query.
    Query,
    /// An auto-submitting HTML form POSTed to the redirect URI.
    FormPost,
}

/// Every parameter of a validated authorization request that later steps need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingRequest {
    /// The client.
    pub client_id: String,
    /// The verified redirect URI.
    pub redirect_uri: String,
    /// Response delivery.
    pub response_mode: ResponseMode,
    /// Granted-to-be scopes, in request order.
    pub scopes: Vec<String>,
    /// Opaque client state, echoed back.
    pub state: Option<String>,
    /// Replay protection for the ID token.
    pub nonce: Option<String>,
    /// PKCE challenge (S256).
    pub code_challenge: Option<String>,
    /// PKCE method, `S256` when a challenge is present.
    pub code_challenge_method: Option<String>,
    /// `prompt` values.
    pub prompt: Vec<String>,
    /// Maximum age of the authentication, in seconds.
    pub max_age: Option<u64>,
    /// Hint of the account to sign in (pre-fills the email).
    pub login_hint: Option<String>,
    /// The `sub` of a valid `id_token_hint`.
    pub id_token_hint_sub: Option<String>,
    /// Requested ACR values.
    pub acr_values: Vec<String>,
    /// The `claims` request parameter (OIDC Core 5.5).
    pub claims: Option<serde_json::Value>,
    /// Preferred UI languages.
    pub ui_locales: Vec<String>,
    /// `display` value.
    pub display: Option<String>,
    /// When the request arrived (Unix seconds).
    pub received_at: i64,
    /// The browser session created by a sign-in during this request: only that sign-in
    /// satisfies `prompt=login` and `max_age` (an earlier one in the same second does not).
    #[serde(default)]
    pub signed_in_session: Option<String>,
    /// The user consented during this request.
    pub consent_given: bool,
    /// The user refused consent during this request.
    pub consent_denied: bool,
    /// The browser session that gave or refused consent: the decision holds only for it
    /// (anyone holding the request id can resume the request).
    #[serde(default)]
    pub consent_session: Option<String>,
}

/// Parked requests.
#[derive(Debug, Clone)]
pub struct AuthorizationRequests {
    db: DatabaseConnection,
    ttl: Duration,
}

impl AuthorizationRequests {
    /// Builds the store; requests are forgotten after `ttl`.
    pub fn new(store: &Store, ttl: Duration) -> Self {
        Self {
            db: store.db().clone(),
            ttl,
        }
    }

    /// Parks a request; returns its unguessable id.
    pub async fn save(&self, req: &PendingRequest) -> Result<String> {
        let id = random::token::<24>();
        let at = now();
        authorization_request::ActiveModel {
            id: Set(id.clone()),
            client_id: Set(req.client_id.clone()),
            parameters: Set(to_json(req)?),
            created_at: Set(at),
            expires_at: Set(at + self.ttl),
        }
        .insert(&self.db)
        .await?;
        Ok(id)
    }

    /// The parked request, if it exists and has not expired.
    pub async fn get(&self, id: &str) -> Result<Option<PendingRequest>> {
        if id.is_empty() || id.len() > 64 {
            return Ok(None);
        }
        let Some(row) = authorization_request::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        if row.expires_at <= now() {
            return Ok(None);
        }
        serde_json::from_value(row.parameters)
            .map(Some)
            .map_err(|e| Error::Corrupt(format!("authorization request: {e}")))
    }

    /// Replaces the parked request's parameters (e.g. after consent).
    pub async fn update(&self, id: &str, req: &PendingRequest) -> Result<()> {
        authorization_request::ActiveModel {
            id: Set(id.to_owned()),
            parameters: Set(to_json(req)?),
            ..Default::default()
        }
        .update(&self.db)
        .await?;
        Ok(())
    }

    /// Forgets the request (it has been answered).
    pub async fn delete(&self, id: &str) -> Result<()> {
        authorization_request::Entity::delete_by_id(id.to_owned())
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

fn to_json(req: &PendingRequest) -> Result<serde_json::Value> {
    serde_json::to_value(req).map_err(|e| Error::Corrupt(e.to_string()))
}
