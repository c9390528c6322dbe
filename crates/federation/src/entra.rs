//! Microsoft Entra ID's multi-tenant issuer: the discovery document of `common` (or
//! `organizations`, `consumers`) names the issuer `https://login.microsoftonline.com/{tenantid}/v2.0`,
//! and each ID token carries its tenant's issuer. A token is accepted only when it names its
//! tenant (`tid`), its `iss` is the template with that tenant, and the tenant is allowed.

use domain::federation::{TENANT_PLACEHOLDER, Upstream, UpstreamError};
use serde_json::{Map, Value};

/// The tenant keywords that are not one tenant.
const KEYWORDS: [&str; 3] = ["common", "organizations", "consumers"];

/// Whether the upstream's issuer is a multi-tenant template.
pub(crate) fn is_template(up: &Upstream) -> bool {
    up.issuer.contains(TENANT_PLACEHOLDER)
}

/// The issuer whose discovery document is fetched: the template with the configured tenant
/// (default `common`).
pub(crate) fn discovery_issuer(up: &Upstream) -> String {
    let tenant = up.settings.tenant.as_deref().unwrap_or("common");
    up.issuer.replace(TENANT_PLACEHOLDER, tenant)
}

fn refused(why: String) -> UpstreamError {
    UpstreamError::InvalidToken(why)
}

/// Checks a verified ID token's `tid` and `iss` against the template and the allowed tenants.
pub(crate) fn check_tenant(
    up: &Upstream,
    claims: &Map<String, Value>,
) -> Result<(), UpstreamError> {
    let Some(tid) = claims
        .get("tid")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty() && t.len() <= 100)
        .filter(|t| t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    else {
        return Err(refused("the ID token names no tenant (tid)".into()));
    };
    let expected = up.issuer.replace(TENANT_PLACEHOLDER, tid);
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if iss != expected {
        return Err(refused(format!(
            "the ID token's issuer {iss} is not its tenant's ({expected})"
        )));
    }
    let mut allowed: Vec<&str> = up
        .settings
        .allowed_tenants
        .iter()
        .map(String::as_str)
        .collect();
    if let Some(t) = up.settings.tenant.as_deref()
        && !KEYWORDS.contains(&t)
    {
        allowed.push(t);
    }
    if !allowed.is_empty() && !allowed.iter().any(|a| a.eq_ignore_ascii_case(tid)) {
        return Err(refused(format!("the tenant {tid} is not allowed")));
    }
    Ok(())
}
