//! `grant_type=refresh_token` (RFC 6749 6): rotation, reuse detection, narrowing.

use domain::audit::AuditEvent;
use domain::clients::Client;
use domain::grants::Rotation;
use domain::users::UserStatus;

use super::TokenResponse;
use super::issue::{self, IdTokenContext, Lineage};
use crate::Provider;
use crate::error::{ErrorCode, OAuthError};
use crate::params::Params;

/// Rotates a refresh token and issues fresh tokens. Returns the response and the user's id.
pub async fn exchange(
    provider: &Provider,
    client: &Client,
    params: &Params,
) -> Result<(TokenResponse, Option<String>), OAuthError> {
    let presented = params
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    let (family, refresh_token) = match provider.grants.rotate(presented, &client.client_id).await?
    {
        Rotation::Rotated { family, token } => (*family, token),
        Rotation::Reused { user_id } => {
            provider
                .audit
                .record(
                    AuditEvent::failure(
                        "token.refresh_reused",
                        "rotated refresh token presented again; family revoked",
                    )
                    .subject(user_id)
                    .client(client.client_id.clone()),
                )
                .await?;
            return Err(OAuthError::invalid_grant(
                "the refresh token was already used",
            ));
        }
        Rotation::Invalid => {
            return Err(OAuthError::invalid_grant(
                "the refresh token is invalid, expired or revoked",
            ));
        }
    };
    let granted: Vec<&str> = family.scope.split(' ').collect();
    let scope = match params.get("scope") {
        None => family.scope.clone(),
        Some(asked) => {
            let asked: Vec<&str> = asked.split(' ').filter(|s| !s.is_empty()).collect();
            if let Some(extra) = asked.iter().find(|s| !granted.contains(s)) {
                return Err(OAuthError::new(
                    ErrorCode::InvalidScope,
                    format!("scope {extra:?} was not granted"),
                ));
            }
            asked.join(" ")
        }
    };
    let user = provider.users.find(&family.user_id).await?.filter(|u| {
        UserStatus::at(u, time::OffsetDateTime::now_utc()).is_ok_and(UserStatus::keeps_tokens)
    });
    let Some(user) = user else {
        provider
            .grants
            .revoke_family(&family.id, "account can no longer sign in")
            .await?;
        return Err(OAuthError::invalid_grant(
            "the account can no longer sign in",
        ));
    };
    let lineage = Lineage {
        session_id: family.session_id.clone(),
        family_id: Some(family.id.clone()),
        code_hash: None,
        auth_time: Some(family.auth_time.unix_timestamp()),
        acr: family.acr.clone(),
        amr: serde_json::from_value(family.amr.clone()).unwrap_or_default(),
    };
    let (access_token, expires_in) = issue::access_token(
        provider,
        client,
        Some(&user),
        &scope,
        family.claims.clone(),
        &lineage,
    )
    .await?;
    let id_token = if scope.split(' ').any(|s| s == "openid") {
        Some(issue::id_token(
            provider,
            client,
            &user,
            &IdTokenContext {
                nonce: None,
                access_token: &access_token,
                lineage: &lineage,
                claims_request: family.claims.as_ref(),
            },
        )?)
    } else {
        None
    };
    Ok((
        TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in,
            refresh_token: Some(refresh_token),
            id_token,
            scope,
        },
        Some(user.id),
    ))
}
