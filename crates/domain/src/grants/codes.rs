//! Authorization codes: ≥256 random bits, stored as keyed hashes, single use, short-lived.

use std::time::Duration;

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, Set, sea_query::Expr,
};

use crate::entities::authorization_code;
use crate::secrets::SecretBox;
use crate::{Result, Store, now, random};

const PURPOSE: &str = "authorization_code";

/// What a code is bound to.
#[derive(Debug, Clone)]
pub struct NewCode {
    /// The client it was issued to.
    pub client_id: String,
    /// The user who authorized.
    pub user_id: String,
    /// The browser session.
    pub session_id: Option<String>,
    /// The redirect URI of the request (must be repeated at the token endpoint).
    pub redirect_uri: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// The request's nonce.
    pub nonce: Option<String>,
    /// PKCE challenge.
    pub code_challenge: Option<String>,
    /// PKCE method.
    pub code_challenge_method: Option<String>,
    /// The `claims` request parameter.
    pub claims: Option<serde_json::Value>,
    /// When the user authenticated.
    pub auth_time: time::OffsetDateTime,
    /// ACR reached.
    pub acr: Option<String>,
    /// Methods used.
    pub amr: Vec<String>,
    /// Resource indicators (RFC 8707) granted; empty: the default audience.
    pub resources: Vec<String>,
    /// The DPoP key thumbprint the request bound the code to (`dpop_jkt`, RFC 9449 10).
    pub dpop_jkt: Option<String>,
}

/// What the token request presents besides the code and the client: it must equal what the
/// authorization request bound the code to.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    /// The `redirect_uri` parameter.
    pub redirect_uri: &'a str,
    /// The PKCE challenge the presented `code_verifier` yields (`None`: no verifier sent).
    pub code_challenge: Option<&'a str>,
    /// The thumbprint of the request's DPoP proof key (`None`: no proof). A code bound to a
    /// key redeems only with a proof of that key.
    pub dpop_jkt: Option<&'a str>,
}

/// The result of presenting a code.
#[derive(Debug)]
pub enum Redemption {
    /// First use: the code's data.
    Redeemed(authorization_code::Model),
    /// Already used: everything issued from it has now been revoked.
    Reused(authorization_code::Model),
    /// This client's unused code, presented with another redirect URI, PKCE verifier or DPoP key: left
    /// redeemable for the request that matches.
    Mismatch(authorization_code::Model),
    /// Unknown, expired, or issued to another client.
    Invalid,
}

/// The code service.
#[derive(Debug, Clone)]
pub struct Codes {
    db: DatabaseConnection,
    secrets: SecretBox,
    ttl: Duration,
}

impl Codes {
    /// Builds the service; codes live `ttl`.
    pub fn new(store: &Store, secrets: SecretBox, ttl: Duration) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
            ttl,
        }
    }

    /// Stores a new code and returns it (the only time it exists in clear).
    pub async fn issue(&self, new: NewCode) -> Result<String> {
        self.issue_within(new, self.ttl).await
    }

    /// [`Codes::issue`], the code living at most `cap` (FAPI 2.0 clients: 60 s whatever
    /// the configured lifetime).
    pub async fn issue_within(&self, new: NewCode, cap: Duration) -> Result<String> {
        let ttl = self.ttl.min(cap);
        let code = random::token::<32>();
        let at = now();
        authorization_code::ActiveModel {
            code_hash: Set(self.secrets.keyed_hash(PURPOSE, &code)),
            client_id: Set(new.client_id),
            user_id: Set(new.user_id),
            session_id: Set(new.session_id),
            redirect_uri: Set(new.redirect_uri),
            scope: Set(new.scope),
            nonce: Set(new.nonce),
            code_challenge: Set(new.code_challenge),
            code_challenge_method: Set(new.code_challenge_method),
            claims: Set(new.claims),
            auth_time: Set(new.auth_time),
            acr: Set(new.acr),
            amr: Set(new.amr.into()),
            resources: Set(crate::grants::resources_column(&new.resources)),
            created_at: Set(at),
            expires_at: Set(at + ttl),
            redeemed_at: Set(None),
            dpop_jkt: Set(new.dpop_jkt),
        }
        .insert(&self.db)
        .await?;
        Ok(code)
    }

    /// Redeems a code for `client_id` and the `presented` redirect URI and PKCE challenge.
    /// The first matching redemption wins atomically; a request that does not match leaves
    /// the code unspent; presenting a redeemed code revokes the grant and the access tokens
    /// issued from it.
    pub async fn redeem(
        &self,
        code: &str,
        client_id: &str,
        presented: Presented<'_>,
    ) -> Result<Redemption> {
        if code.is_empty() || code.len() > 128 {
            return Ok(Redemption::Invalid);
        }
        let hash = self.secrets.keyed_hash(PURPOSE, code);
        let at = now();
        // One statement: claim the code only if it is this client's, unused, unexpired and
        // bound to what the request presents, and read it back. The binding is checked here,
        // not after the claim, so that a wrong verifier cannot spend the code.
        let challenge = match presented.code_challenge {
            Some(c) => authorization_code::Column::CodeChallenge.eq(c),
            None => authorization_code::Column::CodeChallenge.is_null(),
        };
        let unbound = authorization_code::Column::DpopJkt.is_null();
        let key = match presented.dpop_jkt {
            Some(jkt) => Condition::any()
                .add(unbound)
                .add(authorization_code::Column::DpopJkt.eq(jkt)),
            None => Condition::all().add(unbound),
        };
        let claimed = authorization_code::Entity::update_many()
            .col_expr(
                authorization_code::Column::RedeemedAt,
                Expr::value(Some(at)),
            )
            .filter(authorization_code::Column::CodeHash.eq(hash.clone()))
            .filter(authorization_code::Column::ClientId.eq(client_id))
            .filter(authorization_code::Column::RedirectUri.eq(presented.redirect_uri))
            .filter(challenge)
            .filter(key)
            .filter(authorization_code::Column::RedeemedAt.is_null())
            .filter(authorization_code::Column::ExpiresAt.gt(at))
            .exec_with_returning(&self.db)
            .await?;
        if let Some(row) = claimed.into_iter().next() {
            return Ok(Redemption::Redeemed(row));
        }
        // Not claimed: unknown, another client's, expired, not matching, or already redeemed
        // (reuse).
        let Some(row) = authorization_code::Entity::find_by_id(hash.clone())
            .one(&self.db)
            .await?
        else {
            return Ok(Redemption::Invalid);
        };
        if row.client_id != client_id {
            return Ok(Redemption::Invalid);
        }
        if row.redeemed_at.is_some() {
            self.revoke_issued_from(&hash).await?;
            return Ok(Redemption::Reused(row));
        }
        if row.expires_at <= at {
            return Ok(Redemption::Invalid);
        }
        Ok(Redemption::Mismatch(row))
    }

    async fn revoke_issued_from(&self, code_hash: &str) -> Result<()> {
        let txn = crate::store::begin_write(&self.db).await?;
        super::revoke::revoke(
            &txn,
            super::revoke::Selection::Code(code_hash),
            "authorization code reused",
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
