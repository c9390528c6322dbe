//! `grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 3.4, 3.5): the
//! device polls until the person approved or denied, then gets tokens as an authorization
//! code would give them, bound to the approving browser session.

use domain::audit::AuditEvent;
use domain::clients::Client;
use domain::grants::{DevicePoll, NewGrant, resources_of};
use domain::users::UserStatus;

use super::TokenResponse;
use super::authorization_code::offers_refresh;
use super::issue::{self, IdTokenContext, Lineage};
use crate::Provider;
use crate::error::{ErrorCode, OAuthError};
use crate::params::Params;
use crate::resources;

/// Redeems an approved device code for tokens. Returns the response and the user's id.
pub async fn exchange(
    provider: &Provider,
    client: &Client,
    params: &Params,
    device: Option<String>,
    dpop_jkt: Option<&str>,
) -> Result<(TokenResponse, Option<String>), OAuthError> {
    let device_code = params
        .get("device_code")
        .ok_or_else(|| OAuthError::invalid_request("device_code is required"))?;
    // Checked against the allow-list before the authorization is spent.
    let asked_resources = resources::requested(client, params)?;
    let row = match provider
        .devices
        .poll(device_code, &client.client_id)
        .await?
    {
        DevicePoll::Approved(row) => row,
        DevicePoll::Pending => {
            return Err(OAuthError::new(
                ErrorCode::AuthorizationPending,
                "the user has not decided yet",
            ));
        }
        DevicePoll::SlowDown => {
            return Err(OAuthError::new(
                ErrorCode::SlowDown,
                "polling too fast: wait 5 seconds more between requests",
            ));
        }
        DevicePoll::Denied => {
            return Err(OAuthError::new(
                ErrorCode::AccessDenied,
                "the user denied the request",
            ));
        }
        DevicePoll::Expired => {
            return Err(OAuthError::new(
                ErrorCode::ExpiredToken,
                "the device code expired: start again",
            ));
        }
        DevicePoll::Invalid => {
            return Err(OAuthError::invalid_grant(
                "the device code is invalid or was already used",
            ));
        }
    };
    // Approved rows always carry the approval; a row without is refused, not unwrapped.
    let (Some(user_id), Some(auth_time)) = (row.user_id.clone(), row.auth_time) else {
        return Err(OAuthError::invalid_grant(
            "the device code was not approved",
        ));
    };
    let granted = resources_of(row.resources.as_ref());
    let audience = resources::narrow(&granted, asked_resources)?;
    let user = provider
        .users
        .find(&user_id)
        .await?
        .filter(|u| {
            UserStatus::at(u, time::OffsetDateTime::now_utc()).is_ok_and(UserStatus::keeps_tokens)
        })
        .ok_or_else(|| OAuthError::invalid_grant("the account can no longer sign in"))?;
    // The approving browser session must still be live: signing out before the device
    // polled leaves it nothing.
    let session = match &row.session_id {
        Some(id) => provider.sessions.get(id).await?,
        None => None,
    }
    .filter(|s| provider.sessions.is_live(s))
    .ok_or_else(|| OAuthError::invalid_grant("the approving session has ended"))?;
    let scopes: Vec<String> = row.scope.split(' ').map(str::to_owned).collect();
    let amr: Vec<String> = row
        .amr
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    // As for a code: refresh tokens end with the browser session (a guest's excepted).
    let not_after = (!user.guest).then_some(session.expires_at);
    let grant = provider
        .grants
        .start(NewGrant {
            client_id: client.client_id.clone(),
            user_id: user.id.clone(),
            session_id: Some(session.id.clone()),
            code_hash: None,
            scope: row.scope.clone(),
            claims: None,
            auth_time,
            acr: row.acr.clone(),
            amr: amr.clone(),
            resources: if granted.is_empty() {
                audience.clone()
            } else {
                granted
            },
            fingerprint: device,
            not_after,
            dpop_jkt: dpop_jkt.map(str::to_owned),
        })
        .await?;
    let lineage = Lineage {
        session_id: Some(session.id.clone()),
        family_id: Some(grant.id.clone()),
        auth_time: Some(auth_time.unix_timestamp()),
        acr: row.acr.clone(),
        amr,
        audience,
        dpop_jkt: dpop_jkt.map(str::to_owned),
        ..Lineage::default()
    };
    let (access_token, expires_in) =
        issue::access_token(provider, client, Some(&user), &row.scope, None, &lineage).await?;
    let id_token = if scopes.iter().any(|s| s == "openid") {
        Some(
            issue::id_token(
                provider,
                client,
                &user,
                &IdTokenContext {
                    nonce: None,
                    access_token: &access_token,
                    lineage: &lineage,
                    claims_request: None,
                    scope: &row.scope,
                },
            )
            .await?,
        )
    } else {
        None
    };
    let refresh_token = if offers_refresh(client, &scopes) {
        Some(provider.grants.issue_refresh(&grant).await?)
    } else {
        None
    };
    if let Err(e) = provider
        .audit
        .record(
            AuditEvent::success("device.redeemed")
                .client(client.client_id.clone())
                .subject(user.id.clone()),
        )
        .await
    {
        // Tokens are out already (the authorization is spent): log, do not refuse.
        tracing::error!(error = %e, "device code redeemed but its audit row could not be stored");
    }
    Ok((
        TokenResponse {
            access_token,
            token_type: crate::dpop::token_type(dpop_jkt),
            expires_in,
            refresh_token,
            id_token,
            scope: row.scope,
            issued_token_type: None,
        },
        Some(user.id),
    ))
}
