//! Minting access tokens (JWT per RFC 9068, or opaque) and ID tokens.

use domain::clients::Client;
use domain::entities::user;
use domain::grants::{NewAccessToken, PlannedAccess};
use domain::keys::KeyAlg;
use domain::users::claims;
use serde_json::{Map, Value};

use crate::Provider;
use crate::encryption::Payload;
use crate::error::OAuthError;
use crate::{jwt, role_claims};

/// What an access token is issued under.
#[derive(Debug, Clone, Default)]
pub struct Lineage {
    /// The browser session.
    pub session_id: Option<String>,
    /// The grant (refresh-token family).
    pub family_id: Option<String>,
    /// The code it came from.
    pub code_hash: Option<String>,
    /// When the user authenticated.
    pub auth_time: Option<i64>,
    /// ACR reached.
    pub acr: Option<String>,
    /// Methods used.
    pub amr: Vec<String>,
    /// Resource indicators (RFC 8707) the token is for: its `aud` (none: the client).
    pub audience: Vec<String>,
    /// Claims the grant sets over the defaults (token exchange: `sub`, `act`, `permissions`).
    pub claims: Map<String, Value>,
    /// The DPoP key thumbprint the access token is bound to (RFC 9449 6).
    pub dpop_jkt: Option<String>,
}

/// Issues an access token for `scope`, for `user` (none: the client itself). Returns the
/// token and its lifetime in seconds.
pub async fn access_token(
    provider: &Provider,
    client: &Client,
    user: Option<&user::Model>,
    scope: &str,
    claims_request: Option<Value>,
    lineage: &Lineage,
) -> Result<(String, u64), OAuthError> {
    let mut planned = plan_access_token(provider, client, None);
    planned.dpop_jkt = lineage.dpop_jkt.clone();
    // Client tokens in JWT form are self-contained: nothing to record until revoked.
    if planned.value.is_some() || user.is_some() {
        provider
            .access_tokens
            .record(
                &planned,
                NewAccessToken {
                    client_id: client.client_id.clone(),
                    user_id: user.map(|u| u.id.clone()),
                    session_id: lineage.session_id.clone(),
                    family_id: lineage.family_id.clone(),
                    code_hash: lineage.code_hash.clone(),
                    scope: scope.to_owned(),
                    claims: claims_request,
                },
            )
            .await?;
    }
    finish_access_token(provider, client, user, scope, lineage, planned).await
}

/// A new access token's `jti` (and value, when the client takes opaque tokens) and lifetime.
pub fn plan_access_token(
    provider: &Provider,
    client: &Client,
    narrowed_scope: Option<String>,
) -> PlannedAccess {
    provider.access_tokens.plan(
        client.access_token_format == "opaque",
        provider.settings.access_token_ttl,
        narrowed_scope,
    )
}

/// The planned access token as the client receives it (already recorded where it must be):
/// its opaque value, or a signed JWT. Returns the token and its lifetime in seconds.
pub async fn finish_access_token(
    provider: &Provider,
    client: &Client,
    user: Option<&user::Model>,
    scope: &str,
    lineage: &Lineage,
    planned: PlannedAccess,
) -> Result<(String, u64), OAuthError> {
    // The plan's lifetime: token exchange may shorten it to the subject token's.
    let expires_in =
        u64::try_from((planned.expires_at - planned.issued_at).whole_seconds()).unwrap_or(0);
    if let Some(value) = planned.value {
        return Ok((value, expires_in));
    }
    let mut c = Map::new();
    c.insert("iss".into(), provider.settings.issuer.clone().into());
    c.insert(
        "sub".into(),
        user.map_or_else(
            || client.client_id.clone(),
            |u| provider.subject_for(client, &u.subject),
        )
        .into(),
    );
    let aud: Value = match lineage.audience.as_slice() {
        [] => client.client_id.clone().into(),
        [one] => one.clone().into(),
        many => many.to_vec().into(),
    };
    c.insert("aud".into(), aud);
    c.insert("client_id".into(), client.client_id.clone().into());
    c.insert("iat".into(), jwt::unix(planned.issued_at).into());
    c.insert("exp".into(), jwt::unix(planned.expires_at).into());
    c.insert("jti".into(), planned.jti.into());
    c.insert("scope".into(), scope.into());
    if user.is_some() {
        if let Some(t) = lineage.auth_time {
            c.insert("auth_time".into(), t.into());
        }
        if let Some(acr) = &lineage.acr {
            c.insert("acr".into(), acr.clone().into());
        }
        if !lineage.amr.is_empty() {
            c.insert("amr".into(), lineage.amr.clone().into());
        }
    }
    if let Some(u) = user {
        role_claims::add(provider, client, &u.id, scope, "access_token", &mut c).await?;
    }
    c.extend(lineage.claims.clone());
    // RFC 9449 6.1: the confirmation names the key a proof must be signed with.
    if let Some(jkt) = &lineage.dpop_jkt {
        c.insert("cnf".into(), serde_json::json!({ "jkt": jkt }));
    }
    let alg = KeyAlg::parse(&client.access_token_signing_alg)?;
    let token = jwt::sign(&provider.keys.current(), alg, "at+jwt", c)?;
    Ok((token, expires_in))
}

/// What goes into an ID token beyond the user.
#[derive(Debug, Clone)]
pub struct IdTokenContext<'a> {
    /// The request's nonce (first issue only).
    pub nonce: Option<&'a str>,
    /// The access token issued with it (for `at_hash`).
    pub access_token: &'a str,
    /// Session, authentication time and methods.
    pub lineage: &'a Lineage,
    /// The `claims` request parameter.
    pub claims_request: Option<&'a Value>,
    /// The granted scope (for the role and group claims).
    pub scope: &'a str,
}

/// Signs an ID token (OIDC Core 2) with the client's algorithm.
pub async fn id_token(
    provider: &Provider,
    client: &Client,
    user: &user::Model,
    ctx: &IdTokenContext<'_>,
) -> Result<String, OAuthError> {
    let alg = KeyAlg::parse(&client.id_token_signed_response_alg)?;
    let now = time::OffsetDateTime::now_utc();
    let requested = ctx.claims_request.and_then(|c| c.get("id_token"));
    let names = claims::released_names(&[], requested);
    let mut c = claims::claims_of(user, &names);
    c.insert(
        "sub".into(),
        provider.subject_for(client, &user.subject).into(),
    );
    c.insert("iss".into(), provider.settings.issuer.clone().into());
    c.insert("aud".into(), client.client_id.clone().into());
    c.insert("azp".into(), client.client_id.clone().into());
    c.insert("iat".into(), jwt::unix(now).into());
    c.insert(
        "exp".into(),
        jwt::unix(now + provider.settings.id_token_ttl).into(),
    );
    if let Some(t) = ctx.lineage.auth_time {
        c.insert("auth_time".into(), t.into());
    }
    if let Some(nonce) = ctx.nonce {
        c.insert("nonce".into(), nonce.into());
    }
    if let Some(acr) = &ctx.lineage.acr {
        c.insert("acr".into(), acr.clone().into());
    }
    if !ctx.lineage.amr.is_empty() {
        c.insert("amr".into(), ctx.lineage.amr.clone().into());
    }
    if let Some(sid) = &ctx.lineage.session_id {
        c.insert("sid".into(), sid.clone().into());
    }
    c.insert("at_hash".into(), jwt::at_hash(alg, ctx.access_token).into());
    role_claims::add(provider, client, &user.id, ctx.scope, "id_token", &mut c).await?;
    let signed = jwt::sign(&provider.keys.current(), alg, "JWT", c)?;
    match client.metadata.id_token_encryption() {
        // OIDC Core 10.2: signed, then encrypted to the client.
        Some((alg, enc)) => {
            encrypt_to(provider, client, alg, enc, &signed, Payload::SignedJwt).await
        }
        None => Ok(signed),
    }
}

/// Encrypts `payload` to `client`'s published key for `alg`.
pub async fn encrypt_to(
    provider: &Provider,
    client: &Client,
    alg: &str,
    enc: &str,
    payload: &str,
    kind: Payload,
) -> Result<String, OAuthError> {
    let keys = provider
        .client_keys
        .keys(client, None)
        .await
        .map_err(|e| OAuthError::server(&format!("the client's encryption keys: {e}")))?;
    crate::encryption::encrypt(&keys, alg, enc, payload, kind)
}
