//! The authorization endpoint (RFC 6749 4.1, OIDC Core 3.1.2): validate (or load a pushed
//! request, RFC 9126), then send the user through sign-in and consent (parking the
//! request), then answer with a code.

mod decide;
mod handlers;
pub(crate) mod request;
pub(crate) mod request_object;
mod respond;

pub use handlers::{get, post, resume};
pub(crate) use request::validate_pushed;

/// Response modes Gatehouse delivers.
pub const RESPONSE_MODES: &[&str] = &["query", "form_post", "jwt", "query.jwt", "form_post.jwt"];
/// `prompt` values understood.
pub const PROMPT_VALUES: &[&str] = &["none", "login", "consent", "select_account"];
// The authentication context classes, shared with the pages that reach them.
pub use domain::signin_rules::{ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR, ACR_VALUES};
