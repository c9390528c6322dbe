//! Users: accounts, their status, and password sign-in.

pub mod claims;
mod email;
mod lockout;
mod revoke;
mod service;
mod status;

pub use email::normalize_email;
pub use lockout::LockoutPolicy;
pub use service::{NewUser, Profile, Users};
pub use status::UserStatus;
