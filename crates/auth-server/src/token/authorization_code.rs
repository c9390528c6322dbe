//! `grant_type=authorization_code` (RFC 6749 4.1.3, RFC 7636 4.6).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::audit::AuditEvent;
use domain::clients::Client;
use domain::grants::{NewGrant, Presented, Redemption};
use domain::users::UserStatus;
use sha2::{Digest as _, Sha256};

use super::TokenResponse;
use super::issue::{self, IdTokenContext, Lineage};
use crate::Provider;
use crate::error::{ErrorCode, OAuthError};
use crate::params::Params;
use crate::resources;
use domain::grants::resources_of;

/// Redeems a code for tokens. Returns the response and the user's id.
pub async fn exchange(
    provider: &Provider,
    client: &Client,
    params: &Params,
    device: Option<String>,
    dpop_jkt: Option<&str>,
) -> Result<(TokenResponse, Option<String>), OAuthError> {
    let code = params
        .get("code")
        .ok_or_else(|| OAuthError::invalid_request("code is required"))?;
    // Checked against the allow-list before the code is spent.
    let asked_resources = resources::requested(client, params)?;
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| OAuthError::invalid_request("redirect_uri is required"))?;
    let verifier = params.get("code_verifier");
    // The challenge the verifier yields goes into the claim itself, so a request that fails
    // the binding leaves the code to the request that passes it (finding f).
    let challenge = verifier.map(|v| pkce_challenge(v).ok_or_else(mismatched_verifier));
    let challenge = challenge.transpose()?;
    let presented = Presented {
        redirect_uri,
        code_challenge: challenge.as_deref(),
        dpop_jkt,
    };
    let row = match provider
        .codes
        .redeem(code, &client.client_id, presented)
        .await?
    {
        Redemption::Redeemed(row) => row,
        Redemption::Reused(row) => {
            provider
                .audit
                .record(
                    AuditEvent::failure(
                        "token.code_reused",
                        "authorization code presented again; tokens from it revoked",
                    )
                    .client(client.client_id.clone())
                    .subject(row.user_id),
                )
                .await?;
            return Err(OAuthError::invalid_grant("the code was already used"));
        }
        Redemption::Mismatch(row) => {
            if let Some(bound) = row.dpop_jkt.as_deref()
                && dpop_jkt != Some(bound)
            {
                return Err(match dpop_jkt {
                    None => OAuthError::new(
                        ErrorCode::InvalidDpopProof,
                        "the code is DPoP-bound: send a proof of its key",
                    ),
                    Some(_) => OAuthError::invalid_grant("the code is bound to another DPoP key"),
                });
            }
            if row.redirect_uri != redirect_uri {
                return Err(OAuthError::invalid_grant(
                    "redirect_uri does not match the authorization request",
                ));
            }
            return Err(match (row.code_challenge.is_some(), verifier.is_some()) {
                (false, _) => OAuthError::invalid_grant(
                    "code_verifier sent but the authorization request had no code_challenge",
                ),
                (true, false) => OAuthError::invalid_grant("code_verifier is required"),
                (true, true) => mismatched_verifier(),
            });
        }
        Redemption::Invalid => {
            return Err(OAuthError::invalid_grant("the code is invalid or expired"));
        }
    };
    let granted = resources_of(row.resources.as_ref());
    let audience = resources::narrow(&granted, asked_resources)?;
    let user = provider
        .users
        .find(&row.user_id)
        .await?
        .filter(|u| {
            UserStatus::at(u, time::OffsetDateTime::now_utc()).is_ok_and(UserStatus::keeps_tokens)
        })
        .ok_or_else(|| OAuthError::invalid_grant("the account can no longer sign in"))?;
    let scopes: Vec<String> = row.scope.split(' ').map(str::to_owned).collect();
    let amr: Vec<String> = serde_json::from_value(row.amr.clone()).unwrap_or_default();
    // Refresh tokens end with the browser session they came from ("keep me signed in" makes
    // that long). A guest's short browser session does not bound them: the application's
    // refresh token is its only way back to the guest (the client's refresh lifetime does).
    let not_after = match &row.session_id {
        Some(id) if !user.guest => provider.sessions.get(id).await?.map(|s| s.expires_at),
        _ => None,
    };
    let grant = provider
        .grants
        .start(NewGrant {
            client_id: client.client_id.clone(),
            user_id: user.id.clone(),
            session_id: row.session_id.clone(),
            code_hash: Some(row.code_hash.clone()),
            scope: row.scope.clone(),
            claims: row.claims.clone(),
            auth_time: row.auth_time,
            acr: row.acr.clone(),
            amr: amr.clone(),
            // The grant keeps what the authorization gave, so that refreshes can narrow to
            // any of it (or, given nothing, to the audience of this redemption).
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
        session_id: row.session_id.clone(),
        family_id: Some(grant.id.clone()),
        code_hash: Some(row.code_hash.clone()),
        auth_time: Some(row.auth_time.unix_timestamp()),
        acr: row.acr.clone(),
        amr,
        audience,
        dpop_jkt: dpop_jkt.map(str::to_owned),
        ..Lineage::default()
    };
    let (access_token, expires_in) = issue::access_token(
        provider,
        client,
        Some(&user),
        &row.scope,
        row.claims.clone(),
        &lineage,
    )
    .await?;
    let id_token = if scopes.iter().any(|s| s == "openid") {
        Some(
            issue::id_token(
                provider,
                client,
                &user,
                &IdTokenContext {
                    nonce: row.nonce.as_deref(),
                    access_token: &access_token,
                    lineage: &lineage,
                    claims_request: row.claims.as_ref(),
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

/// Refresh tokens go to clients allowed the grant that asked for `offline_access`.
pub(super) fn offers_refresh(client: &Client, scopes: &[String]) -> bool {
    client.grant_types.iter().any(|g| g == "refresh_token")
        && scopes.iter().any(|s| s == "offline_access")
}

/// RFC 7636 4.1 and 4.6: the S256 challenge of a well-formed verifier
/// (BASE64URL(SHA256(verifier))); `None` for a malformed one. The claim compares it with the
/// stored challenge: both are public values (the challenge travelled in the front channel),
/// so the comparison needs no constant time.
fn pkce_challenge(verifier: &str) -> Option<String> {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed.then(|| URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())))
}

fn mismatched_verifier() -> OAuthError {
    OAuthError::invalid_grant("code_verifier does not match the code_challenge")
}

#[cfg(test)]
mod tests {
    use super::pkce_challenge;

    #[test]
    fn pkce_s256_matches_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(pkce_challenge(verifier).as_deref(), Some(challenge));
        assert_ne!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx").as_deref(),
            Some(challenge)
        );
        assert_eq!(pkce_challenge("short"), None);
        assert_eq!(pkce_challenge(&"a".repeat(129)), None);
        assert_eq!(pkce_challenge(&format!("{verifier} ")), None);
    }
}
