//! Token introspection (RFC 7662) for confidential clients, for JWT and opaque access
//! tokens and for refresh tokens.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::apikeys::Verification;
use domain::audit::AuditEvent;
use domain::users::UserStatus;
use serde_json::{Value, json};

use crate::error::OAuthError;
use crate::{Provider, bearer, limits, role_claims, token};

/// `POST /introspect`
pub async fn introspect(
    provider: web::Data<Provider>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let params = token::form(&req, &body)?;
    let client = limits::authenticate(&provider, &req, &params).await?;
    if client.public {
        return Err(OAuthError::invalid_client());
    }
    let presented = params
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    if domain::apikeys::looks_like_key(presented) {
        let answer = api_key(&provider, &client.client_id, presented).await?;
        return Ok(HttpResponse::Ok().json(answer));
    }
    let answer = match params.get("token_type_hint") {
        Some("refresh_token") => match refresh(&provider, presented).await? {
            Some(v) => Some(v),
            None => access(&provider, presented).await?,
        },
        _ => match access(&provider, presented).await? {
            Some(v) => Some(v),
            None => refresh(&provider, presented).await?,
        },
    };
    // Only the token's own client, or a client named in its audience (a resource server),
    // learns that it is active: to anyone else it is as good as unknown (finding t).
    let answer = answer
        .filter(|v| may_see(v, &client.client_id))
        .unwrap_or_else(inactive);
    if let Some(sub) = answer.get("sub").and_then(Value::as_str)
        && !provider.role_budgets.by_role.is_empty()
        && let Some(user_id) = answer.get("user_id").and_then(Value::as_str)
    {
        let roles = provider.roles.roles_of(user_id).await?;
        limits::principal(&provider, sub, &roles, None).await?;
    }
    let mut answer = answer;
    if let Some(map) = answer.as_object_mut() {
        map.remove("user_id");
    }
    Ok(HttpResponse::Ok().json(answer))
}

/// The answer for an API key (any confidential client, a resource server, may ask): its
/// owner as `sub`, its permissions, its expiry. Spends the owner's role budget and the key's
/// own limit.
async fn api_key(provider: &Provider, caller: &str, presented: &str) -> Result<Value, OAuthError> {
    match provider.api_keys.verify(presented).await? {
        Verification::Valid(v) => {
            let limit = v.key.rate_limit_per_minute.map(|n| (v.key.id.as_str(), n));
            limits::principal(provider, &v.subject, &v.roles, limit).await?;
            Ok(json!({
                "active": true,
                "token_type": "api_key",
                "sub": v.subject,
                "permissions": v.permissions,
                "exp": v.key.expires_at.unix_timestamp(),
                "iat": v.key.created_at.unix_timestamp(),
                "iss": provider.settings.issuer,
                "key_id": v.key.id,
            }))
        }
        Verification::Revoked(key) => {
            let event = AuditEvent::failure("apikey.used_after_revocation", "revoked key presented")
                .client(caller.to_owned())
                .data(json!({ "api_key": key.id, "owner_type": key.owner_type, "owner_id": key.owner_id }));
            provider.audit.record(event).await?;
            Ok(inactive())
        }
        Verification::Invalid => Ok(inactive()),
    }
}

/// Whether `caller` may learn about an active token described by `answer`: it is the
/// token's client or one of its audiences.
fn may_see(answer: &Value, caller: &str) -> bool {
    let own = answer.get("client_id").and_then(Value::as_str) == Some(caller);
    let audience = match answer.get("aud") {
        Some(Value::String(aud)) => aud == caller,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(caller)),
        _ => false,
    };
    own || audience
}

fn inactive() -> Value {
    json!({ "active": false })
}

async fn access(provider: &Provider, presented: &str) -> Result<Option<Value>, OAuthError> {
    let Some(t) = bearer::inspect(provider, presented).await? else {
        return Ok(None);
    };
    let client = provider.clients.find(&t.client_id).await?;
    let sub = match (&t.sub, &t.user_id, &client) {
        (Some(sub), ..) => Some(sub.clone()),
        (None, Some(uid), Some(c)) => provider
            .users
            .find(uid)
            .await?
            .map(|u| provider.subject_for(c, &u.subject)),
        (None, Some(_), None) => None,
        (None, None, _) => Some(t.client_id.clone()),
    };
    let mut answer = json!({
        "active": true,
        "token_type": crate::dpop::token_type(t.dpop_jkt.as_deref()),
        "scope": t.scope,
        "client_id": t.client_id,
        "sub": sub,
        "aud": t.aud.clone().unwrap_or_else(|| t.client_id.clone().into()),
        "user_id": t.user_id,
        "iss": provider.settings.issuer,
        "exp": t.exp,
        "iat": t.iat,
        "jti": t.jti,
    });
    // What token exchange put in the token: the acting party and an API key's permissions;
    // the DPoP key it is bound to (RFC 9449 6.2).
    let cnf = t.dpop_jkt.as_ref().map(|jkt| json!({ "jkt": jkt }));
    if let Some(map) = answer.as_object_mut() {
        for (name, value) in [("act", t.act), ("permissions", t.permissions), ("cnf", cnf)] {
            if let Some(v) = value {
                map.insert(name.into(), v);
            }
        }
    }
    // An opaque token carries nothing itself: its role and group claims are read now, as a
    // JWT's were when it was signed.
    if !t.jwt
        && let Some(user_id) = &t.user_id
        && let Some(client) = &client
        && let Some(map) = answer.as_object_mut()
    {
        role_claims::add(provider, client, user_id, &t.scope, "access_token", map).await?;
    }
    Ok(Some(answer))
}

async fn refresh(provider: &Provider, presented: &str) -> Result<Option<Value>, OAuthError> {
    let Some(family) = provider.grants.active_family(presented).await? else {
        return Ok(None);
    };
    // Suspending an account revokes its families; the status check also covers any path
    // that changed the status without that.
    let Some(user) = provider.users.find(&family.user_id).await?.filter(|u| {
        UserStatus::at(u, time::OffsetDateTime::now_utc()).is_ok_and(UserStatus::keeps_tokens)
    }) else {
        return Ok(None);
    };
    let Some(client) = provider.clients.find(&family.client_id).await? else {
        return Ok(None);
    };
    let sub = Some(provider.subject_for(&client, &user.subject));
    Ok(Some(json!({
        "active": true,
        "token_type": "refresh_token",
        "scope": family.scope,
        "client_id": family.client_id,
        "sub": sub,
        "iss": provider.settings.issuer,
        "exp": family.expires_at.unix_timestamp(),
        "iat": family.created_at.unix_timestamp(),
    })))
}
