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
use crate::provider::RefreshBinding;
use crate::resources;
use domain::grants::resources_of;

/// Rotates a refresh token and issues fresh tokens. Returns the response and the user's id.
pub async fn exchange(
    provider: &Provider,
    client: &Client,
    params: &Params,
    device: Option<String>,
    dpop_jkt: Option<&str>,
) -> Result<(TokenResponse, Option<String>), OAuthError> {
    let presented = params
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    let asked_resources = resources::requested(client, params)?;
    // Checked before rotating: a refused request must leave the refresh token usable.
    if let Some(family) = provider
        .grants
        .active_family(presented)
        .await?
        .filter(|f| f.client_id == client.client_id)
    {
        // RFC 9449 5: a bound refresh token is used only with a proof of its key.
        if let Some(bound) = family.dpop_jkt.as_deref()
            && dpop_jkt != Some(bound)
        {
            return Err(match dpop_jkt {
                None => OAuthError::new(
                    ErrorCode::InvalidDpopProof,
                    "the refresh token is DPoP-bound: send a proof of its key",
                ),
                Some(_) => {
                    OAuthError::invalid_grant("the refresh token is bound to another DPoP key")
                }
            });
        }
        if let Some(asked) = params.get("scope") {
            narrowed(&family.scope, asked)?;
        }
        resources::narrow(
            &resources_of(family.resources.as_ref()),
            asked_resources.clone(),
        )?;
    }
    let mut planned =
        issue::plan_access_token(provider, client, params.get("scope").map(narrow_words));
    planned.dpop_jkt = dpop_jkt.map(str::to_owned);
    let rotation = provider
        .grants
        .rotate(presented, &client.client_id, &planned)
        .await?;
    let (family, refresh_token, user) = match rotation {
        Rotation::Rotated {
            family,
            token,
            user,
        } => (*family, token, user.map(|u| *u)),
        Rotation::Reused { user_id } => {
            metrics::counter!("gatehouse_refresh_reuse_total", "client" => client.client_id.clone())
                .increment(1);
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
    check_device(provider, client, &family, device.as_deref()).await?;
    let scope = match params.get("scope") {
        None => family.scope.clone(),
        Some(asked) => narrowed(&family.scope, asked)?,
    };
    let audience = resources::narrow(&resources_of(family.resources.as_ref()), asked_resources)?;
    // The access token was recorded with the rotation; a refusal below revokes the grant,
    // and the grant's access tokens with it.
    let user = user.filter(|u| {
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
        audience,
        dpop_jkt: dpop_jkt.map(str::to_owned),
        ..Lineage::default()
    };
    let (access_token, expires_in) =
        issue::finish_access_token(provider, client, Some(&user), &scope, &lineage, planned)
            .await?;
    let id_token = if scope.split(' ').any(|s| s == "openid") {
        Some(
            issue::id_token(
                provider,
                client,
                &user,
                &IdTokenContext {
                    nonce: None,
                    access_token: &access_token,
                    lineage: &lineage,
                    claims_request: family.claims.as_ref(),
                    scope: &scope,
                },
            )
            .await?,
        )
    } else {
        None
    };
    Ok((
        TokenResponse {
            access_token,
            token_type: crate::dpop::token_type(dpop_jkt),
            expires_in,
            refresh_token: Some(refresh_token),
            id_token,
            scope,
            issued_token_type: None,
        },
        Some(user.id),
    ))
}

/// The scope `asked` for, when every scope in it was granted (RFC 6749 6: it may narrow the
/// grant, never widen it).
fn narrowed(granted: &str, asked: &str) -> Result<String, OAuthError> {
    let granted: Vec<&str> = granted.split(' ').collect();
    let asked = narrow_words(asked);
    if let Some(extra) = asked
        .split(' ')
        .find(|s| !s.is_empty() && !granted.contains(s))
    {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            format!("scope {extra:?} was not granted"),
        ));
    }
    Ok(asked)
}

/// A scope parameter's words, single-spaced.
fn narrow_words(asked: &str) -> String {
    asked
        .split(' ')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Applies the refresh-binding policy when the device differs from the grant's.
async fn check_device(
    provider: &Provider,
    client: &Client,
    family: &domain::entities::refresh_token_family::Model,
    device: Option<&str>,
) -> Result<(), OAuthError> {
    let Some(bound) = family.fingerprint.as_deref() else {
        return Ok(());
    };
    if device == Some(bound) {
        return Ok(());
    }
    let policy = provider.settings.refresh_binding;
    let reason = match policy {
        RefreshBinding::Allow => "refresh from another device; allowed",
        RefreshBinding::Reauthenticate => "refresh from another device; grant ended",
        RefreshBinding::Revoke => "refresh from another device; grant and session ended",
    };
    let event = if policy == RefreshBinding::Allow {
        AuditEvent::success("token.refresh_device_changed")
    } else {
        AuditEvent::failure("token.refresh_device_changed", reason)
    };
    let mut event = event
        .subject(family.user_id.clone())
        .client(client.client_id.clone())
        .data(serde_json::json!({ "policy": reason }));
    event.session_id = family.session_id.clone();
    provider.audit.record(event).await?;
    match policy {
        RefreshBinding::Allow => Ok(()),
        RefreshBinding::Reauthenticate => {
            provider
                .grants
                .revoke_family(&family.id, "used from another device")
                .await?;
            Err(OAuthError::invalid_grant(
                "the refresh token was issued to another device; sign in again",
            ))
        }
        RefreshBinding::Revoke => {
            provider
                .grants
                .revoke_family(&family.id, "used from another device")
                .await?;
            if let Some(session) = &family.session_id {
                provider.sessions.end(session).await?;
            }
            Err(OAuthError::invalid_grant(
                "the refresh token was issued to another device",
            ))
        }
    }
}
