//! The role and group claims (RFC 9068 §7.2 names): with scope `roles`, `roles`,
//! `permissions` and `resource_access.{client_id}.roles`; with scope `groups`, `groups`.
//! Computed when a token (or userinfo answer) is made, so changes apply from the next one.

use domain::clients::Client;
use serde_json::{Map, Value, json};

use crate::Provider;
use crate::error::OAuthError;

/// The scope that releases `roles`, `permissions` and `resource_access`.
pub const ROLES_SCOPE: &str = "roles";
/// The scope that releases `groups`.
pub const GROUPS_SCOPE: &str = "groups";

/// Adds the claims `scope` releases to `claims`, when `client` takes them in `kind`
/// (`access_token`, `id_token` or `userinfo`).
pub async fn add(
    provider: &Provider,
    client: &Client,
    user_id: &str,
    scope: &str,
    kind: &str,
    claims: &mut Map<String, Value>,
) -> Result<(), OAuthError> {
    let has = |s: &str| scope.split(' ').any(|w| w == s);
    let (roles, groups) = (has(ROLES_SCOPE), has(GROUPS_SCOPE));
    if !(roles || groups) || !client.role_claims_in(kind) {
        return Ok(());
    }
    let effective = provider.roles.effective(user_id).await?;
    if roles {
        claims.insert("roles".into(), effective.roles.into());
        claims.insert("permissions".into(), effective.permissions.into());
        if !effective.client_roles.is_empty() {
            let access: Map<String, Value> = effective
                .client_roles
                .into_iter()
                .map(|(client_id, names)| (client_id, json!({ "roles": names })))
                .collect();
            claims.insert("resource_access".into(), access.into());
        }
    }
    if groups {
        claims.insert("groups".into(), effective.groups.into());
    }
    Ok(())
}
