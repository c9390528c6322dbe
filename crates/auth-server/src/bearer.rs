//! Inspecting an access token presented by a resource server or a client: signature,
//! issuer, expiry, and the stored state that can make it inactive earlier.

use domain::grants::AccessRecord;
use serde_json::Value;

use crate::Provider;
use crate::error::OAuthError;
use crate::jwt;

/// What an active access token carries.
#[derive(Debug, Clone)]
pub struct Inspected {
    /// The client it was issued to.
    pub client_id: String,
    /// The user's internal id (none for client tokens).
    pub user_id: Option<String>,
    /// The `sub` claim.
    pub sub: Option<String>,
    /// Granted scope.
    pub scope: String,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// Issue time (Unix seconds).
    pub iat: i64,
    /// Token id.
    pub jti: String,
    /// The `claims` request parameter.
    pub claims_request: Option<Value>,
    /// Whether it is a self-contained JWT.
    pub jwt: bool,
    /// The `aud` claim of a JWT (the client, or the resources it was issued for).
    pub aud: Option<Value>,
    /// The `act` claim of a JWT issued by token exchange (the acting party).
    pub act: Option<Value>,
    /// The `permissions` claim of a JWT exchanged for an API key.
    pub permissions: Option<Value>,
    /// The browser session the token descends from (opaque tokens of a user).
    pub session_id: Option<String>,
    /// The `acr`, `amr` and `auth_time` claims of a user's JWT.
    pub authentication: Option<domain::policies::Authentication>,
    /// The thumbprint of the DPoP key the token is bound to (`cnf.jkt`, RFC 9449 6).
    pub dpop_jkt: Option<String>,
}

/// Returns the token's data when it is active now; `None` for anything else.
pub async fn inspect(provider: &Provider, token: &str) -> Result<Option<Inspected>, OAuthError> {
    if token.is_empty() || token.len() > 16 * 1024 {
        return Ok(None);
    }
    if token.split('.').count() == 3 {
        return inspect_jwt(provider, token).await;
    }
    let Some(rec) = provider.access_tokens.by_opaque(token).await? else {
        return Ok(None);
    };
    Ok(from_record(rec, false, None))
}

async fn inspect_jwt(provider: &Provider, token: &str) -> Result<Option<Inspected>, OAuthError> {
    let ring = provider.keys.current();
    let Some((claims, header)) = jwt::verify(&ring, token) else {
        return Ok(None);
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_owned);
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if header.token_type() != Some("at+jwt")
        || text("iss").as_deref() != Some(provider.settings.issuer.as_str())
        || exp <= now
    {
        return Ok(None);
    }
    let Some(jti) = text("jti") else {
        return Ok(None);
    };
    let carried = |mut t: Inspected| {
        t.dpop_jkt = claims
            .get("cnf")
            .and_then(|c| c.get("jkt"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        t.aud = claims.get("aud").cloned();
        t.act = claims.get("act").cloned();
        t.permissions = claims.get("permissions").cloned();
        t.authentication = Some(domain::policies::Authentication {
            user_id: t.user_id.clone(),
            acr: text("acr"),
            amr: claims
                .get("amr")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            auth_time: claims.get("auth_time").and_then(Value::as_i64),
        });
        t
    };
    match provider.access_tokens.by_jti(&jti).await? {
        Some(rec) => Ok(from_record(rec, true, text("sub")).map(carried)),
        None => {
            // Unrecorded: a client-credentials token (its subject is the client).
            let client_id = text("client_id");
            if client_id.is_none() || client_id != text("sub") {
                return Ok(None);
            }
            Ok(Some(carried(Inspected {
                client_id: client_id.unwrap_or_default(),
                user_id: None,
                sub: text("sub"),
                scope: text("scope").unwrap_or_default(),
                exp,
                iat: claims.get("iat").and_then(Value::as_i64).unwrap_or(0),
                jti,
                claims_request: None,
                jwt: true,
                aud: None,
                act: None,
                permissions: None,
                session_id: None,
                authentication: None,
                dpop_jkt: None,
            })))
        }
    }
}

fn from_record(rec: AccessRecord, jwt: bool, sub: Option<String>) -> Option<Inspected> {
    if !rec.active {
        return None;
    }
    let row = rec.row;
    Some(Inspected {
        sub,
        client_id: row.client_id,
        user_id: row.user_id,
        scope: row.scope,
        exp: row.expires_at.unix_timestamp(),
        iat: row.created_at.unix_timestamp(),
        jti: row.jti,
        claims_request: row.claims,
        jwt,
        aud: None,
        act: None,
        permissions: None,
        session_id: row.session_id,
        authentication: None,
        dpop_jkt: row.dpop_jkt,
    })
}
