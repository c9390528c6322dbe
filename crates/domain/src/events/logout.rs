//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0): when browser sessions end,
//! each client that signed in under them and registered a `backchannel_logout_uri` is owed a
//! logout token. The notices are queued in the event outbox inside the transaction that ends
//! the sessions (so a notice exists if and only if the session ended); the worker signs the
//! token when it delivers, through the [`LogoutSigner`] the binary gives it (signing is the
//! protocol's business), so that every attempt carries a fresh, short-lived token.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, QuerySelect as _, Set,
};
use serde::{Deserialize, Serialize};

use super::outbox::PENDING;
use crate::clients::Client;
use crate::entities::{
    access_token, authorization_code, browser_session, client, event_outbox, refresh_token_family,
    user,
};
use crate::{Error, Result, now};

/// Outbox destinations of logout tokens: this prefix and the `client_id`.
pub const DESTINATION_PREFIX: &str = "backchannel:";
/// The outbox `event_type` of logout tokens.
pub const EVENT_TYPE: &str = "backchannel.logout";

/// What a logout token says, as queued: the worker adds `iss`, `iat`, `exp`, `jti`, `events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogoutNotice {
    /// The audience.
    pub client_id: String,
    /// The user's public subject, taken when the session ended (a deleted account has no
    /// row left to ask later); the signer turns it into the client's view (pairwise or not).
    pub sub: String,
    /// The session that ended (`sid` of the client's ID tokens).
    pub sid: String,
}

/// Signs logout tokens for the delivery worker (implemented by the protocol crate, wired by
/// the binary).
pub trait LogoutSigner: Send + Sync {
    /// The logout token (a signed JWT with `typ: logout+jwt`) of `notice` for `client`, with
    /// the token id `jti`; `Err` says why not.
    fn sign(
        &self,
        client: &Client,
        notice: &LogoutNotice,
        jti: &str,
    ) -> std::result::Result<String, String>;
}

/// The `(session id, client id)` pairs of the clients that got a code or tokens under one of
/// `session_ids`: codes, grants and access tokens record the session they were issued under.
pub(crate) async fn clients_of_sessions(
    db: &impl ConnectionTrait,
    session_ids: &[String],
) -> Result<BTreeSet<(String, String)>> {
    let mut pairs = BTreeSet::new();
    if session_ids.is_empty() {
        return Ok(pairs);
    }
    let codes: Vec<(Option<String>, String)> = authorization_code::Entity::find()
        .select_only()
        .column(authorization_code::Column::SessionId)
        .column(authorization_code::Column::ClientId)
        .distinct()
        .filter(authorization_code::Column::SessionId.is_in(session_ids.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    let grants: Vec<(Option<String>, String)> = refresh_token_family::Entity::find()
        .select_only()
        .column(refresh_token_family::Column::SessionId)
        .column(refresh_token_family::Column::ClientId)
        .distinct()
        .filter(refresh_token_family::Column::SessionId.is_in(session_ids.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    let tokens: Vec<(Option<String>, String)> = access_token::Entity::find()
        .select_only()
        .column(access_token::Column::SessionId)
        .column(access_token::Column::ClientId)
        .distinct()
        .filter(access_token::Column::SessionId.is_in(session_ids.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    for (sid, client_id) in codes.into_iter().chain(grants).chain(tokens) {
        if let Some(sid) = sid {
            pairs.insert((sid, client_id));
        }
    }
    Ok(pairs)
}

/// The enabled clients that signed in under `session_id`, in `client_id` order.
pub(crate) async fn clients_of_session(
    db: &impl ConnectionTrait,
    session_id: &str,
) -> Result<Vec<Client>> {
    let ids: Vec<String> = clients_of_sessions(db, &[session_id.to_owned()])
        .await?
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    client::Entity::find()
        .filter(client::Column::Id.is_in(ids))
        .filter(client::Column::Enabled.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(Client::try_from)
        .collect()
}

/// Queues, inside the caller's transaction, a logout token for each client with a
/// `backchannel_logout_uri` that signed in under one of `sessions` (sessions about to end).
/// Returns the number of rows queued.
pub(crate) async fn enqueue(
    db: &impl ConnectionTrait,
    sessions: &[browser_session::Model],
) -> Result<usize> {
    let ids: Vec<String> = sessions.iter().map(|s| s.id.clone()).collect();
    let pairs = clients_of_sessions(db, &ids).await?;
    if pairs.is_empty() {
        return Ok(0);
    }
    let client_ids: BTreeSet<&str> = pairs.iter().map(|(_, c)| c.as_str()).collect();
    let listening: BTreeSet<String> = client::Entity::find()
        .select_only()
        .column(client::Column::Id)
        .filter(client::Column::Id.is_in(client_ids))
        .filter(client::Column::BackchannelLogoutUri.is_not_null())
        .filter(client::Column::Enabled.eq(true))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    if listening.is_empty() {
        return Ok(0);
    }
    let user_ids: BTreeSet<&str> = sessions.iter().map(|s| s.user_id.as_str()).collect();
    let subjects: HashMap<String, String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Subject)
        .filter(user::Column::Id.is_in(user_ids))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let owner: HashMap<&str, &str> = sessions
        .iter()
        .map(|s| (s.id.as_str(), s.user_id.as_str()))
        .collect();
    let at = now();
    let mut rows = Vec::new();
    for (sid, client_id) in &pairs {
        if !listening.contains(client_id) {
            continue;
        }
        let Some(sub) = owner.get(sid.as_str()).and_then(|u| subjects.get(*u)) else {
            continue;
        };
        let notice = LogoutNotice {
            client_id: client_id.clone(),
            sub: sub.clone(),
            sid: sid.clone(),
        };
        let payload = serde_json::to_string(&notice)
            .map_err(|e| Error::Corrupt(format!("logout notice: {e}")))?;
        rows.push(event_outbox::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            // The token's `jti`: the same on every attempt, so a receiver can tell a retry.
            event_id: Set(uuid::Uuid::new_v4().to_string()),
            destination: Set(format!("{DESTINATION_PREFIX}{client_id}")),
            event_type: Set(EVENT_TYPE.to_owned()),
            payload: Set(payload),
            attempts: Set(0),
            next_attempt_at: Set(at),
            leased_until: Set(None),
            state: Set(PENDING.to_owned()),
            last_status: Set(None),
            last_error: Set(None),
            created_at: Set(at),
            last_attempt_at: Set(None),
            delivered_at: Set(None),
        });
    }
    let count = rows.len();
    // Well under both engines' limits on bound parameters per statement.
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(200));
        event_outbox::Entity::insert_many(std::mem::replace(&mut rows, rest))
            .exec(db)
            .await?;
    }
    Ok(count)
}
