//! Account states.

use crate::entities::user;
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

    /// Whether the account's sessions, refresh tokens and access tokens stay valid. A lock
    /// only stops password sign-in: an attacker's failed guesses must not sign the real user
    /// out everywhere. Suspension and disabling end everything at once.
    pub fn keeps_tokens(self) -> bool {
        matches!(
            self,
            UserStatus::Active | UserStatus::Pending | UserStatus::Locked
        )
    }

    /// The state in force at `at`: a lock whose time is over counts as active.
    pub fn at(user: &user::Model, at: time::OffsetDateTime) -> Result<Self> {
        let stored = Self::parse(&user.status)?;
        let lock_over = user.locked_until.is_some_and(|until| until <= at);
        Ok(match stored {
            UserStatus::Locked if lock_over => UserStatus::Active,
            other => other,
        })
    }
}

impl std::fmt::Display for UserStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
