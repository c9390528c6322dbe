//! The authentication context classes (ACR) and method references (AMR, RFC 8176) a sign-in
//! reaches.

use domain::credentials::PasskeyUse;

/// The single-factor ACR (see auth-server's ACR values).
pub(crate) const ACR_SINGLE_FACTOR: &str = "urn:gatehouse:loa:1";
/// The multi-factor ACR.
pub(crate) const ACR_MULTI_FACTOR: &str = "urn:gatehouse:loa:2";

/// What the ceremony's result tells about the authenticator (RFC 8176).
pub(crate) fn key_amr(used: &PasskeyUse) -> &'static str {
    if used.backup_eligible { "swk" } else { "hwk" }
}
