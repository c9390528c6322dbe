//! The authorization endpoint (RFC 6749 4.1, OIDC Core 3.1.2): validate, then send the
//! user through sign-in and consent (parking the request), then answer with a code.

mod decide;
mod handlers;
mod request;
mod respond;

pub use handlers::{get, post, resume};

/// Response modes Gatehouse delivers.
pub const RESPONSE_MODES: &[&str] = &["query", "form_post"];
/// `prompt` values understood.
pub const PROMPT_VALUES: &[&str] = &["none", "login", "consent", "select_account"];
/// Authentication context classes: one factor, and (with MFA) two.
pub const ACR_VALUES: &[&str] = &[ACR_SINGLE_FACTOR, ACR_MULTI_FACTOR];
/// A password (or other single factor) sign-in.
pub const ACR_SINGLE_FACTOR: &str = "urn:gatehouse:loa:1";
/// A sign-in with a second factor.
pub const ACR_MULTI_FACTOR: &str = "urn:gatehouse:loa:2";
