//! Token revocation (RFC 7009): a refresh token revokes its whole grant; an access token
//! becomes inactive at introspection and userinfo at once.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::audit::AuditEvent;
use serde_json::Value;

use crate::error::OAuthError;
use crate::{Provider, cors, jwt, limits, token};

/// `POST /revoke`: always 200 for a well-formed request from an authenticated client,
/// whether or not the token was valid (RFC 7009 2.2).
/// Sends CORS headers for the client's allowed origins.
pub async fn revoke(
    provider: web::Data<Provider>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let answer = handle(&provider, &req, &body).await;
    cors::for_authenticating_client(&provider, &req, &body, answer).await
}

async fn handle(
    provider: &Provider,
    req: &HttpRequest,
    body: &[u8],
) -> Result<HttpResponse, OAuthError> {
    let params = token::form(req, body)?;
    let client = limits::authenticate(provider, req, &params).await?;
    let presented = params
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    let revoked = match revoke_refresh(provider, &client.client_id, presented).await? {
        Some(kind) => Some(kind),
        None => revoke_access(provider, &client.client_id, presented).await?,
    };
    if let Some(Revoked { kind, user_id }) = revoked {
        let mut event = AuditEvent::success("token.revoked")
            .client(client.client_id.clone())
            .data(serde_json::json!({ "token_type": kind }));
        if let Some(user_id) = user_id {
            event = event.subject(user_id);
        }
        provider.audit.record(event).await?;
    }
    Ok(HttpResponse::Ok().finish())
}

/// What a revocation request revoked.
struct Revoked {
    /// `refresh_token` or `access_token`.
    kind: &'static str,
    /// The token's user, when it has one.
    user_id: Option<String>,
}

async fn revoke_refresh(
    provider: &Provider,
    client_id: &str,
    presented: &str,
) -> Result<Option<Revoked>, OAuthError> {
    match provider.grants.family_of(presented).await? {
        Some(family) if family.client_id == client_id => {
            provider
                .grants
                .revoke_family(&family.id, "revoked by the client")
                .await?;
            Ok(Some(Revoked {
                kind: "refresh_token",
                user_id: Some(family.user_id),
            }))
        }
        _ => Ok(None),
    }
}

async fn revoke_access(
    provider: &Provider,
    client_id: &str,
    presented: &str,
) -> Result<Option<Revoked>, OAuthError> {
    if presented.split('.').count() == 3 {
        let ring = provider.keys.current();
        let Some((claims, _)) = jwt::verify(&ring, presented) else {
            return Ok(None);
        };
        if claims.get("client_id").and_then(Value::as_str) != Some(client_id) {
            return Ok(None);
        }
        let (Some(jti), Some(exp)) = (
            claims.get("jti").and_then(Value::as_str),
            claims.get("exp").and_then(Value::as_i64),
        ) else {
            return Ok(None);
        };
        let exp = time::OffsetDateTime::from_unix_timestamp(exp)
            .map_err(|_| OAuthError::invalid_request("token has an invalid exp"))?;
        provider.access_tokens.deny(jti, client_id, exp).await?;
        let user_id = provider
            .access_tokens
            .by_jti(jti)
            .await?
            .and_then(|rec| rec.row.user_id);
        return Ok(Some(Revoked {
            kind: "access_token",
            user_id,
        }));
    }
    match provider.access_tokens.by_opaque(presented).await? {
        Some(rec) if rec.row.client_id == client_id => {
            provider.access_tokens.revoke(&rec.row.jti).await?;
            Ok(Some(Revoked {
                kind: "access_token",
                user_id: rec.row.user_id,
            }))
        }
        _ => Ok(None),
    }
}
