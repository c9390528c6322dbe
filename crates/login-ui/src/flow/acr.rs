//! The authentication context classes (ACR) and method references (AMR, RFC 8176) a sign-in
//! reaches.

use domain::credentials::PasskeyUse;

pub(crate) use domain::signin_rules::{ACR_GUEST, ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR, AMR_GUEST};

/// What the ceremony's result tells about the authenticator (RFC 8176).
pub(crate) fn key_amr(used: &PasskeyUse) -> &'static str {
    if used.backup_eligible { "swk" } else { "hwk" }
}
