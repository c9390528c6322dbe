//! Token introspection (RFC 7662) for confidential clients, for JWT and opaque access
//! tokens and for refresh tokens.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::users::UserStatus;
use serde_json::{Value, json};

use crate::error::OAuthError;
use crate::{Provider, bearer, limits, token};

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
    Ok(HttpResponse::Ok().json(answer))
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
    let sub = match (&t.sub, &t.user_id) {
        (Some(sub), _) => Some(sub.clone()),
        (None, Some(uid)) => provider.users.find(uid).await?.map(|u| u.subject),
        (None, None) => Some(t.client_id.clone()),
    };
    Ok(Some(json!({
        "active": true,
        "token_type": "Bearer",
        "scope": t.scope,
        "client_id": t.client_id,
        "sub": sub,
        "aud": t.client_id,
        "iss": provider.settings.issuer,
        "exp": t.exp,
        "iat": t.iat,
        "jti": t.jti,
    })))
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
    let sub = Some(user.subject);
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
