//! `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693): a confidential
//! client trades a token it holds (a Gatehouse access token, ID token or API key) for a
//! Gatehouse JWT access token, narrower in scope and audience, for delegation (with an actor
//! token: `act`) or impersonation (without: only for clients allowed it).
//!
//! Refusals: a subject or actor token that does not verify, an impersonation the client is not
//! allowed, or an unsupported token type answer `invalid_request` (RFC 8693 2.2.2: tokens
//! "invalid or unacceptable based on policy"); a wider scope `invalid_scope`; an audience or
//! resource off the client's allow-list `invalid_target`.

use domain::apikeys::Verification;
use domain::audit::AuditEvent;
use domain::clients::Client;
use domain::entities::user;
use domain::grants::NewAccessToken;
use serde_json::{Map, Value, json};

use super::TokenResponse;
use super::issue::{self, Lineage};
use crate::error::{ErrorCode, OAuthError};
use crate::params::Params;
use crate::{Provider, bearer, resources};

/// A Gatehouse access token (JWT or opaque).
pub const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
/// A Gatehouse ID token.
pub const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
/// A Gatehouse API key (`gk_…`): the token type URN Gatehouse defines for them.
pub const API_KEY: &str = "urn:gatehouse:params:oauth:token-type:api_key";
/// Token types accepted as subject or actor token.
pub const TOKEN_TYPES: &[&str] = &[ACCESS_TOKEN, ID_TOKEN, API_KEY];

/// A verified subject or actor token.
#[derive(Debug, Clone)]
struct Party {
    /// Its `sub`.
    sub: String,
    /// The user it stands for, if it is a user.
    user: Option<user::Model>,
    /// What scope the exchanged token may have at most.
    scope: Vec<String>,
    /// Its own `act` (earlier delegation), kept nested under the new actor.
    act: Option<Value>,
    /// Permissions it carries (an API key's, or an access token's `permissions` claim).
    permissions: Option<Value>,
    /// Its expiry (Unix seconds): the exchanged token never outlives it.
    exp: i64,
    /// Its token type URN.
    token_type: &'static str,
}

/// Exchanges the subject token. Returns the response and the subject user's id, if a user.
pub async fn exchange(
    provider: &Provider,
    client: &Client,
    params: &Params,
) -> Result<(TokenResponse, Option<String>), OAuthError> {
    if client.public {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "public clients cannot exchange tokens",
        ));
    }
    if let Some(t) = params.get("requested_token_type")
        && t != ACCESS_TOKEN
    {
        return Err(OAuthError::invalid_request(format!(
            "requested_token_type {t:?} is not supported; only {ACCESS_TOKEN}"
        )));
    }
    // Targets first: a refusal here costs no token verification.
    let mut audience = resources::requested(client, params)?;
    for a in resources::allowed(client, params.all("audience"), "audience")? {
        if !audience.contains(&a) {
            audience.push(a);
        }
    }
    let subject_token = params
        .get("subject_token")
        .ok_or_else(|| OAuthError::invalid_request("subject_token is required"))?;
    let subject_type = params
        .get("subject_token_type")
        .ok_or_else(|| OAuthError::invalid_request("subject_token_type is required"))?;
    let subject = verify(
        provider,
        client,
        subject_token,
        subject_type,
        "subject_token",
    )
    .await?;
    let actor = match (params.get("actor_token"), params.get("actor_token_type")) {
        (None, None) => None,
        (Some(_), None) => {
            return Err(OAuthError::invalid_request(
                "actor_token_type is required with actor_token",
            ));
        }
        (None, Some(_)) => {
            return Err(OAuthError::invalid_request(
                "actor_token_type was sent without actor_token",
            ));
        }
        (Some(token), Some(kind)) => {
            Some(verify(provider, client, token, kind, "actor_token").await?)
        }
    };
    if actor.is_none() && !client.allow_impersonation {
        let event = AuditEvent::failure(
            "token.exchange_refused",
            "impersonation without allow_impersonation",
        )
        .client(client.client_id.clone())
        .data(json!({ "subject": subject.sub, "subject_token_type": subject.token_type }));
        let event = match &subject.user {
            Some(u) => event.subject(u.id.clone()),
            None => event,
        };
        provider.audit.record(event).await?;
        return Err(OAuthError::invalid_request(
            "impersonation is not allowed for this client: send an actor_token for delegation",
        ));
    }
    let scope = narrowed_scope(&subject.scope, params.get("scope"))?;

    // A user is named as this client sees users (pairwise or not).
    let seen = |p: &Party| match &p.user {
        Some(u) => provider.subject_for(client, &u.subject),
        None => p.sub.clone(),
    };
    let mut claims = Map::new();
    claims.insert("sub".into(), seen(&subject).into());
    if let Some(actor) = &actor {
        // RFC 8693 4.1: the current actor on top, earlier ones nested inside.
        let mut act = Map::new();
        act.insert("sub".into(), seen(actor).into());
        if let Some(prior) = &subject.act {
            act.insert("act".into(), prior.clone());
        }
        claims.insert("act".into(), Value::Object(act));
    } else if let Some(prior) = &subject.act {
        claims.insert("act".into(), prior.clone());
    }
    if let Some(p) = &subject.permissions {
        claims.insert("permissions".into(), p.clone());
    }
    let lineage = Lineage {
        audience: audience.clone(),
        claims,
        ..Lineage::default()
    };

    // Always a JWT, never longer-lived than the subject (or actor) token.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let until = actor
        .as_ref()
        .map_or(subject.exp, |a| a.exp.min(subject.exp));
    let left = u64::try_from(until - now).unwrap_or(0);
    let ttl = provider
        .settings
        .access_token_ttl
        .min(std::time::Duration::from_secs(left));
    let planned = provider.access_tokens.plan(false, ttl, None);
    // Recorded, so that revocation and introspection know it (its subject may be neither a
    // user nor this client).
    provider
        .access_tokens
        .record(
            &planned,
            NewAccessToken {
                client_id: client.client_id.clone(),
                user_id: subject.user.as_ref().map(|u| u.id.clone()),
                session_id: None,
                family_id: None,
                code_hash: None,
                scope: scope.clone(),
                claims: None,
            },
        )
        .await?;
    let (access_token, expires_in) = issue::finish_access_token(
        provider,
        client,
        subject.user.as_ref(),
        &scope,
        &lineage,
        planned,
    )
    .await?;

    let event = AuditEvent::success("token.exchanged")
        .client(client.client_id.clone())
        .data(json!({
            "subject": subject.sub,
            "subject_token_type": subject.token_type,
            "actor": actor.as_ref().map(|a| &a.sub),
            "actor_token_type": actor.as_ref().map(|a| a.token_type),
            "impersonation": actor.is_none(),
            "audience": audience,
            "scope": scope,
        }));
    let event = match &subject.user {
        Some(u) => event.subject(u.id.clone()),
        None => event,
    };
    provider.audit.record(event).await?;
    Ok((
        TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in,
            refresh_token: None,
            id_token: None,
            scope,
            issued_token_type: Some(ACCESS_TOKEN),
        },
        subject.user.map(|u| u.id),
    ))
}

/// The scope asked for, each word held by the subject token; all of it when none is asked.
fn narrowed_scope(ceiling: &[String], asked: Option<&str>) -> Result<String, OAuthError> {
    let Some(asked) = asked else {
        return Ok(ceiling.join(" "));
    };
    let mut out: Vec<&str> = Vec::new();
    for s in asked.split(' ').filter(|s| !s.is_empty()) {
        if !ceiling.iter().any(|c| c == s) {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                format!("scope {s:?} is wider than the subject token's"),
            ));
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out.join(" "))
}

/// Verifies `token` of type `kind` (parameter `name`). An access or ID token must have been
/// issued here and be meant for `client` (issued to it, or naming it or one of its
/// resources as audience), so that a client cannot trade tokens it merely intercepted.
async fn verify(
    provider: &Provider,
    client: &Client,
    token: &str,
    kind: &str,
    name: &str,
) -> Result<Party, OAuthError> {
    let invalid = || OAuthError::invalid_request(format!("{name} is invalid, expired or revoked"));
    match kind {
        ACCESS_TOKEN => {
            let t = bearer::inspect(provider, token)
                .await?
                .ok_or_else(invalid)?;
            if t.client_id != client.client_id && !names(client, t.aud.as_ref()) {
                return Err(OAuthError::invalid_request(format!(
                    "{name} was not issued to this client or for its resources"
                )));
            }
            let user = match &t.user_id {
                Some(id) => Some(provider.users.find(id).await?.ok_or_else(invalid)?),
                None => None,
            };
            let sub = match (&user, &t.sub) {
                (Some(u), _) => u.subject.clone(),
                (None, Some(sub)) => sub.clone(),
                (None, None) => t.client_id.clone(),
            };
            Ok(Party {
                sub,
                user,
                scope: words(&t.scope),
                act: t.act,
                permissions: t.permissions,
                exp: t.exp,
                token_type: ACCESS_TOKEN,
            })
        }
        ID_TOKEN => {
            let hint = crate::id_token_hint::verify(provider, token).ok_or_else(invalid)?;
            let exp = id_token_expiry(provider, token).ok_or_else(invalid)?;
            if exp <= time::OffsetDateTime::now_utc().unix_timestamp() {
                return Err(invalid());
            }
            if !hint.issued_to(&client.client_id) {
                return Err(OAuthError::invalid_request(format!(
                    "{name} was not issued to this client"
                )));
            }
            // A pairwise `sub` cannot be looked up: its session names the user, and the
            // user must be the one the hint names.
            let user = if client.is_pairwise() {
                match &hint.sid {
                    Some(sid) => match provider.sessions.get(sid).await? {
                        Some(s) => provider.users.find(&s.user_id).await?,
                        None => None,
                    },
                    None => None,
                }
                .filter(|u| provider.subject_for(client, &u.subject) == hint.sub)
            } else {
                provider.users.find_by_subject(&hint.sub).await?
            };
            let user = user
                .filter(|u| {
                    domain::users::UserStatus::at(u, time::OffsetDateTime::now_utc())
                        .is_ok_and(domain::users::UserStatus::keeps_tokens)
                })
                .ok_or_else(invalid)?;
            Ok(Party {
                sub: hint.sub,
                user: Some(user),
                // An ID token proves who the user is, nothing more.
                scope: vec!["openid".to_owned()],
                act: None,
                permissions: None,
                exp,
                token_type: ID_TOKEN,
            })
        }
        API_KEY => match provider.api_keys.verify(token).await? {
            Verification::Valid(v) => {
                let limit = v.key.rate_limit_per_minute.map(|n| (v.key.id.as_str(), n));
                crate::limits::principal(provider, &v.subject, &v.roles, limit).await?;
                let user = match v.key.owner() {
                    domain::apikeys::Owner::User(id) => provider.users.find(&id).await?,
                    domain::apikeys::Owner::ServiceAccount(_) => None,
                };
                Ok(Party {
                    sub: v.subject.clone(),
                    user,
                    // A key carries permissions, not scopes.
                    scope: Vec::new(),
                    act: None,
                    permissions: Some(v.permissions.clone().into()),
                    exp: v.key.expires_at.unix_timestamp(),
                    token_type: API_KEY,
                })
            }
            Verification::Revoked(key) => {
                let event = AuditEvent::failure(
                    "apikey.used_after_revocation",
                    "revoked key presented for token exchange",
                )
                .client(client.client_id.clone())
                .data(json!({ "api_key": key.id, "owner_type": key.owner_type, "owner_id": key.owner_id }));
                provider.audit.record(event).await?;
                Err(invalid())
            }
            Verification::Invalid => Err(invalid()),
        },
        other => Err(OAuthError::invalid_request(format!(
            "{name}_type {other:?} is not supported; use one of {}",
            TOKEN_TYPES.join(", ")
        ))),
    }
}

/// Whether an `aud` claim names the client or one of its resources.
fn names(client: &Client, aud: Option<&Value>) -> bool {
    let hit = |a: &str| a == client.client_id || client.resources.iter().any(|r| r == a);
    match aud {
        Some(Value::String(a)) => hit(a),
        Some(Value::Array(all)) => all.iter().filter_map(Value::as_str).any(hit),
        _ => false,
    }
}

/// The `exp` of an ID token whose signature was already checked.
fn id_token_expiry(provider: &Provider, token: &str) -> Option<i64> {
    let (claims, _) = crate::jwt::verify(&provider.keys.current(), token)?;
    claims.get("exp").and_then(Value::as_i64)
}

fn words(scope: &str) -> Vec<String> {
    scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_is_narrowed_never_widened() {
        let ceiling = words("openid profile docs");
        assert_eq!(
            narrowed_scope(&ceiling, None).unwrap(),
            "openid profile docs"
        );
        assert_eq!(narrowed_scope(&ceiling, Some("docs docs")).unwrap(), "docs");
        let err = narrowed_scope(&ceiling, Some("docs admin")).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidScope);
        assert!(narrowed_scope(&[], Some("openid")).is_err());
    }
}
