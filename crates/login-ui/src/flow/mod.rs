//! The sign-in state shared by every way in: what a sign-in is for, the authorization request
//! it resumes, the factors it reached, the pending second step, trusted browsers, setting up
//! a second factor, and its completion with the session cookie. Uses `web`; used by the page
//! families (`signin`, `account`, `enrol`, `consent`), never the other way round.

pub(crate) mod acr;
pub(crate) mod completion;
pub(crate) mod mfa_setup;
pub(crate) mod next_action;
pub(crate) mod next_step;
pub(crate) mod pending_step;
pub(crate) mod purpose;
pub(crate) mod resume;
pub(crate) mod session_cookie;
pub mod signed_in;
pub(crate) mod trusted_device;
