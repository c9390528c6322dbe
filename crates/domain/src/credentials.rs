//! Credentials: what a user proves their identity with.

pub mod password;
pub mod policy;

/// The `credentials.kind` values.
pub mod kind {
    /// An argon2id password hash (PHC string).
    pub const PASSWORD: &str = "password";
}
