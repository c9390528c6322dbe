//! Credentials: what a user proves their identity with.

mod mfa;
mod passkeys;
pub mod password;
pub mod policy;
mod recovery_codes;
mod totp;

pub use mfa::{Enrollment, Mfa, MfaPolicy, TotpSetup};
pub use passkeys::{PasskeyInfo, PasskeyUse, Passkeys};

/// The `credentials.kind` values.
pub mod kind {
    /// An argon2id password hash (PHC string).
    pub const PASSWORD: &str = "password";
    /// A TOTP secret, AES-GCM encrypted under the master key.
    pub const TOTP: &str = "totp";
    /// One single-use recovery code, as a keyed hash.
    pub const RECOVERY_CODE: &str = "recovery_code";
    /// Codes by text message to the account's verified phone number (no secret).
    pub const SMS: &str = "sms";
    /// A WebAuthn passkey: its public key, counter and flags (no secret).
    pub const PASSKEY: &str = "passkey";
}

/// Whether a TOTP credential row is confirmed (set up to the end), not an abandoned setup.
pub(crate) fn totp_confirmed(row: &crate::entities::credential::Model) -> bool {
    totp::is_confirmed(row.name.as_deref())
}
