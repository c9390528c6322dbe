//! Sign-ins sent to an upstream: their `state`, `nonce` and PKCE verifier live on the server
//! (the `state` only as a keyed hash, the verifier encrypted), not in a cookie, because some
//! upstreams answer with a cross-site POST that carries no `SameSite=Lax` cookie. The answer
//! claims its sign-in once, atomically; a second answer with the same `state` is a replay.

use std::time::Duration;

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, Set, sea_query::Expr,
};

use crate::entities::upstream_flow;
use crate::secrets::SecretBox;
use crate::{Result, Store, now, random};

const STATE_PURPOSE: &str = "upstream_state";
const BROWSER_PURPOSE: &str = "upstream_browser";

/// The secrets of a new sign-in: sent (state, nonce, the verifier's S256 challenge) and kept.
#[derive(Clone)]
pub struct FlowStart {
    /// `state`
    pub state: String,
    /// `nonce`
    pub nonce: String,
    /// The PKCE verifier (43 characters of base64url).
    pub pkce_verifier: String,
}

impl std::fmt::Debug for FlowStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FlowStart(..)")
    }
}

impl FlowStart {
    /// Fresh random values, 256 bits each.
    pub fn generate() -> Self {
        Self {
            state: random::token::<32>(),
            nonce: random::token::<32>(),
            pkce_verifier: random::token::<32>(),
        }
    }
}

/// What a sign-in is for, and the browser it started in.
#[derive(Debug, Clone, Copy)]
pub struct NewFlow<'a> {
    /// The upstream.
    pub upstream_id: &'a str,
    /// The parked authorization request it resumes.
    pub request_id: Option<&'a str>,
    /// The local page it goes to (without an authorization request).
    pub next: Option<&'a str>,
    /// The value of the browser-binding cookie set with the redirect.
    pub browser: Option<&'a str>,
    /// For a link sign-in (from the account page): the id of the browser session that
    /// started it, the only one its answer may link to.
    pub link_session: Option<&'a str>,
}

/// A claimed sign-in: what the answer is checked against.
#[derive(Clone)]
pub struct ClaimedFlow {
    /// The upstream it was sent to.
    pub upstream_id: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier to send with the code.
    pub pkce_verifier: String,
    /// The parked authorization request.
    pub request_id: Option<String>,
    /// The local page.
    pub next: Option<String>,
    /// For a link sign-in: the browser session that started it.
    pub link_session: Option<String>,
    browser_hash: Option<String>,
}

impl std::fmt::Debug for ClaimedFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimedFlow")
            .field("upstream_id", &self.upstream_id)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

/// The outcome of an answer's `state`.
#[derive(Debug)]
pub enum Claim {
    /// First use: the sign-in.
    Claimed(Box<ClaimedFlow>),
    /// Its sign-in was answered already: a replayed callback.
    Replayed {
        /// The upstream of the sign-in.
        upstream_id: String,
    },
    /// Its sign-in expired unanswered.
    Expired {
        /// The upstream of the sign-in.
        upstream_id: String,
    },
    /// No sign-in has this state.
    Unknown,
}

/// Sign-ins waiting for an upstream.
#[derive(Debug, Clone)]
pub struct Flows {
    db: DatabaseConnection,
    secrets: SecretBox,
    ttl: Duration,
}

fn verifier_context(state_hash: &str) -> String {
    format!("upstream_flow:{state_hash}")
}

impl Flows {
    /// Builds the service; a sign-in must be answered within `ttl`.
    pub fn new(store: &Store, secrets: SecretBox, ttl: Duration) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
            ttl,
        }
    }

    /// How long an upstream may take to answer.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Stores a sign-in sent to an upstream.
    pub async fn save(&self, start: &FlowStart, new: NewFlow<'_>) -> Result<()> {
        let hash = self.secrets.keyed_hash(STATE_PURPOSE, &start.state);
        let at = now();
        upstream_flow::ActiveModel {
            pkce_verifier: Set(self
                .secrets
                .encrypt(start.pkce_verifier.as_bytes(), &verifier_context(&hash))?),
            state_hash: Set(hash),
            upstream_id: Set(new.upstream_id.to_owned()),
            nonce: Set(start.nonce.clone()),
            request_id: Set(new.request_id.map(str::to_owned)),
            next: Set(new.next.map(str::to_owned)),
            browser_hash: Set(new
                .browser
                .map(|b| self.secrets.keyed_hash(BROWSER_PURPOSE, b))),
            created_at: Set(at),
            expires_at: Set(at + self.ttl),
            claimed_at: Set(None),
            link_session_id: Set(new.link_session.map(str::to_owned)),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// Claims the sign-in of `state`: the first answer wins, atomically (one statement).
    pub async fn claim(&self, state: &str) -> Result<Claim> {
        if state.is_empty() || state.len() > 128 {
            return Ok(Claim::Unknown);
        }
        let hash = self.secrets.keyed_hash(STATE_PURPOSE, state);
        let at = now();
        let claimed = upstream_flow::Entity::update_many()
            .col_expr(upstream_flow::Column::ClaimedAt, Expr::value(Some(at)))
            .filter(upstream_flow::Column::StateHash.eq(hash.clone()))
            .filter(upstream_flow::Column::ClaimedAt.is_null())
            .filter(upstream_flow::Column::ExpiresAt.gt(at))
            .exec_with_returning(&self.db)
            .await?;
        if let Some(row) = claimed.into_iter().next() {
            let verifier = self
                .secrets
                .decrypt(&row.pkce_verifier, &verifier_context(&row.state_hash))?;
            let pkce_verifier = String::from_utf8(verifier)
                .map_err(|_| crate::Error::Corrupt("PKCE verifier is not UTF-8".into()))?;
            return Ok(Claim::Claimed(Box::new(ClaimedFlow {
                upstream_id: row.upstream_id,
                nonce: row.nonce,
                pkce_verifier,
                request_id: row.request_id,
                next: row.next,
                link_session: row.link_session_id,
                browser_hash: row.browser_hash,
            })));
        }
        let Some(row) = upstream_flow::Entity::find_by_id(hash)
            .one(&self.db)
            .await?
        else {
            return Ok(Claim::Unknown);
        };
        Ok(if row.claimed_at.is_some() {
            Claim::Replayed {
                upstream_id: row.upstream_id,
            }
        } else {
            Claim::Expired {
                upstream_id: row.upstream_id,
            }
        })
    }

    /// Whether the answer comes from another browser than the one that started the sign-in:
    /// the sign-in set a binding cookie and the answer carries a different one. An answer
    /// without the cookie passes (a cross-site POST may not carry it): the single-use,
    /// server-side `state` is what protects the sign-in.
    pub fn other_browser(&self, flow: &ClaimedFlow, cookie: Option<&str>) -> bool {
        match (&flow.browser_hash, cookie) {
            (Some(hash), Some(value)) => {
                !self.secrets.verify_keyed_hash(BROWSER_PURPOSE, value, hash)
            }
            _ => false,
        }
    }
}
