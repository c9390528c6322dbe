//! `grant_type=client_credentials` (RFC 6749 4.4): a token for the client itself.

use domain::clients::Client;

use super::TokenResponse;
use super::issue::{self, Lineage};
use crate::Provider;
use crate::error::{ErrorCode, OAuthError};
use crate::params::Params;
use crate::resources;

/// Scopes that only make sense with a user.
const USER_SCOPES: &[&str] = &[
    "openid",
    "offline_access",
    "profile",
    "email",
    "address",
    "phone",
    "roles",
    "groups",
];

/// Issues an access token to a confidential client.
pub async fn exchange(
    provider: &Provider,
    client: &Client,
    params: &Params,
    dpop_jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    if client.public {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "public clients cannot use client_credentials",
        ));
    }
    let allowed: Vec<&str> = client
        .scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !USER_SCOPES.contains(s))
        .collect();
    let scope = match params.get("scope") {
        None => allowed.join(" "),
        Some(asked) => {
            let asked: Vec<&str> = asked.split(' ').filter(|s| !s.is_empty()).collect();
            if let Some(bad) = asked.iter().find(|s| !allowed.contains(s)) {
                return Err(OAuthError::new(
                    ErrorCode::InvalidScope,
                    format!("scope {bad:?} is not allowed for client credentials"),
                ));
            }
            asked.join(" ")
        }
    };
    let lineage = Lineage {
        audience: resources::requested(client, params)?,
        dpop_jkt: dpop_jkt.map(str::to_owned),
        ..Lineage::default()
    };
    let (access_token, expires_in) =
        issue::access_token(provider, client, None, &scope, None, &lineage).await?;
    Ok(TokenResponse {
        access_token,
        token_type: crate::dpop::token_type(dpop_jkt),
        expires_in,
        refresh_token: None,
        id_token: None,
        scope,
        issued_token_type: None,
    })
}
