//! A validated authorization request, parked while the user signs in or consents.

use std::net::IpAddr;
use std::time::Duration;

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    PaginatorTrait as _, QueryFilter as _, Set,
};
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
    /// JARM: one signed `response` JWT in the redirect URI's query (`query.jwt`, and `jwt`
    /// for the code flow).
    QueryJwt,
    /// JARM: one signed `response` JWT in an auto-submitting form (`form_post.jwt`).
    FormPostJwt,
}

impl ResponseMode {
    /// The mode a `response_mode` parameter names (absent: the query); `None` for one not
    /// delivered here.
    pub fn parse(value: Option<&str>) -> Option<Self> {
        match value {
            None | Some("query") => Some(Self::Query),
            Some("form_post") => Some(Self::FormPost),
            Some("jwt" | "query.jwt") => Some(Self::QueryJwt),
            Some("form_post.jwt") => Some(Self::FormPostJwt),
            Some(_) => None,
        }
    }

    /// Whether the response travels as a signed JWT (JARM).
    pub fn is_jwt(self) -> bool {
        matches!(self, Self::QueryJwt | Self::FormPostJwt)
    }

    /// Whether the browser carries the response in a POSTed form.
    pub fn is_form_post(self) -> bool {
        matches!(self, Self::FormPost | Self::FormPostJwt)
    }
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
    /// Resource indicators (RFC 8707) asked for, already checked against the client's
    /// allow-list; they become the code's and the access token's audience.
    #[serde(default)]
    pub resources: Vec<String>,
    /// `idp_hint`: the upstream identity provider to sign in with, skipping the sign-in page
    /// (used once).
    #[serde(default)]
    pub idp_hint: Option<String>,
    /// `guest=true`: the sign-in makes a new guest account instead of asking who it is
    /// (only for clients allowed to; used once).
    #[serde(default)]
    pub guest: bool,
    /// The `request_uri` of the pushed request this came from (RFC 9126): used up when a
    /// code is issued.
    #[serde(default)]
    pub pushed: Option<String>,
    /// The DPoP key thumbprint the code is to be bound to (`dpop_jkt` or the pushing
    /// request's DPoP proof, RFC 9449 10).
    #[serde(default)]
    pub dpop_jkt: Option<String>,
}

/// How many parked requests may be live at once: unauthenticated requests are parked, so
/// these bound the storage a flood can take (with the parameter size caps and the expiry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParkingLimits {
    /// Live requests from one IP address (`0`: no limit).
    pub per_ip: u64,
    /// Live requests in all (`0`: no limit).
    pub total: u64,
}

impl Default for ParkingLimits {
    fn default() -> Self {
        Self {
            per_ip: 200,
            total: 50_000,
        }
    }
}

/// Why a request was not parked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParkingFull {
    /// Its IP address has as many live requests as allowed.
    PerIp,
    /// The server has as many live requests as allowed.
    Total,
}

/// Parked requests.
#[derive(Debug, Clone)]
pub struct AuthorizationRequests {
    db: DatabaseConnection,
    ttl: Duration,
    limits: ParkingLimits,
}

impl AuthorizationRequests {
    /// Builds the store; requests are forgotten after `ttl`; default limits.
    pub fn new(store: &Store, ttl: Duration) -> Self {
        Self {
            db: store.db().clone(),
            ttl,
            limits: ParkingLimits::default(),
        }
    }

    /// The same store with other limits.
    pub fn with_limits(mut self, limits: ParkingLimits) -> Self {
        self.limits = limits;
        self
    }

    /// How long a parked request lives.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Parks a request without checking the limits; returns its unguessable id.
    pub async fn save(&self, req: &PendingRequest) -> Result<String> {
        self.insert(req, None).await
    }

    /// Parks a request from `ip` unless that IP, or the server, has as many live requests
    /// as the limits allow. The counts and the insert are not one transaction, so parallel
    /// requests may pass a limit by a few; what the limits bound is storage, not exact counts.
    pub async fn park(
        &self,
        req: &PendingRequest,
        ip: Option<IpAddr>,
    ) -> Result<std::result::Result<String, ParkingFull>> {
        let at = now();
        let live = || {
            authorization_request::Entity::find()
                .filter(authorization_request::Column::ExpiresAt.gt(at))
        };
        let ip = ip.map(|ip| ip.to_canonical().to_string());
        if self.limits.per_ip > 0
            && let Some(ip) = &ip
        {
            let from_ip = live()
                .filter(authorization_request::Column::ClientIp.eq(ip.clone()))
                .count(&self.db)
                .await?;
            if from_ip >= self.limits.per_ip {
                return Ok(Err(ParkingFull::PerIp));
            }
        }
        if self.limits.total > 0 && live().count(&self.db).await? >= self.limits.total {
            return Ok(Err(ParkingFull::Total));
        }
        self.insert(req, ip).await.map(Ok)
    }

    async fn insert(&self, req: &PendingRequest, ip: Option<String>) -> Result<String> {
        let id = random::token::<24>();
        let at = now();
        authorization_request::ActiveModel {
            id: Set(id.clone()),
            client_id: Set(req.client_id.clone()),
            parameters: Set(to_json(req)?),
            created_at: Set(at),
            expires_at: Set(at + self.ttl),
            client_ip: Set(ip),
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
