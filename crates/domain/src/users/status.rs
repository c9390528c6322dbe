//! Account states.

use crate::{Error, Result};

/// Where an account stands; decides whether it may sign in and keep its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// May sign in.
    Active,
    /// Waiting for email verification.
    Pending,
    /// Locked after repeated sign-in failures.
    Locked,
    /// Suspended by an administrator, with a reason.
    Suspended,
    /// Disabled by an administrator.
    Disabled,
}

impl UserStatus {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Pending => "pending",
            UserStatus::Locked => "locked",
            UserStatus::Suspended => "suspended",
            UserStatus::Disabled => "disabled",
        }
    }

    /// Parses the stored text form.
    pub fn parse(text: &str) -> Result<Self> {
        Ok(match text {
            "active" => UserStatus::Active,
            "pending" => UserStatus::Pending,
            "locked" => UserStatus::Locked,
            "suspended" => UserStatus::Suspended,
            "disabled" => UserStatus::Disabled,
            other => {
                return Err(Error::invalid(
                    "status",
                    format!("unknown status {other:?}"),
                ));
            }
        })
    }

    /// Whether an account in this state may sign in with its password.
    pub fn may_sign_in(self) -> bool {
        matches!(self, UserStatus::Active)
    }
}

impl std::fmt::Display for UserStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
