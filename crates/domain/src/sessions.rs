//! Browser SSO sessions: an opaque cookie value, stored only as a keyed hash.

mod service;

pub use service::{BrowserSessions, NewSession, SessionPolicy};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "gatehouse_session";
