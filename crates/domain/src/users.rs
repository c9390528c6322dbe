//! Users: accounts, their status, and password sign-in.

pub mod claims;
mod email;
mod erase;
mod export;
mod guests;
mod lockout;
mod revoke;
mod service;
mod status;
mod tokens;

pub use email::normalize_email;
pub use erase::pseudonym;
pub use lockout::LockoutPolicy;
pub use service::{MAX_PASSWORD_LEN, NewUser, Profile, Users};
pub use status::UserStatus;
pub use tokens::{NewToken, Purpose, UserTokens};
