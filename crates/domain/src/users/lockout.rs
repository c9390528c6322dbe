//! Brute-force protection of password sign-in: failed passwords are counted per account and
//! lock it for a while at a threshold; administrators lock and unlock by hand.

use std::time::Duration;

use sea_orm::{ActiveModelTrait as _, EntityTrait as _, Set, TransactionTrait as _};

use super::{UserStatus, Users};
use crate::entities::user;
use crate::{Error, Result, now};

/// When failed passwords lock an account, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Consecutive failed passwords that lock the account (0: never).
    pub threshold: u32,
    /// How long the lock lasts.
    pub duration: Duration,
}

impl Users {
    /// Counts a failed password; locks the account when the count reaches the threshold.
    /// Returns whether this failure locked it. Accounts that are not active are left alone.
    pub async fn record_failed_password(
        &self,
        user_id: &str,
        policy: LockoutPolicy,
    ) -> Result<bool> {
        let txn = self.db().begin().await?;
        let Some(found) = user::Entity::find_by_id(user_id.to_owned())
            .one(&txn)
            .await?
        else {
            return Ok(false);
        };
        let at = now();
        if UserStatus::at(&found, at)? != UserStatus::Active {
            return Ok(false);
        }
        // A lock that ran out starts the count afresh.
        let previous = if found.status == UserStatus::Locked.as_str() {
            0
        } else {
            u32::try_from(found.failed_logins).unwrap_or(0)
        };
        let count = previous.saturating_add(1);
        let locks = policy.threshold > 0 && count >= policy.threshold;
        let mut row: user::ActiveModel = found.into();
        row.failed_logins = Set(i32::try_from(count).unwrap_or(i32::MAX));
        if locks {
            row.status = Set(UserStatus::Locked.as_str().to_owned());
            row.status_reason = Set(Some(format!("{count} failed sign-ins")));
            row.locked_until = Set(Some(at + policy.duration));
        } else {
            row.status = Set(UserStatus::Active.as_str().to_owned());
            row.locked_until = Set(None);
        }
        row.update(&txn).await?;
        txn.commit().await?;
        Ok(locks)
    }

    /// Clears the failure count (and a lock that ran out) after a successful sign-in.
    pub async fn record_good_password(&self, found: &user::Model) -> Result<()> {
        if found.failed_logins == 0 && found.status != UserStatus::Locked.as_str() {
            return Ok(());
        }
        if UserStatus::at(found, now())? != UserStatus::Active {
            return Ok(());
        }
        let mut row: user::ActiveModel = found.clone().into();
        row.failed_logins = Set(0);
        row.status = Set(UserStatus::Active.as_str().to_owned());
        row.status_reason = Set(None);
        row.locked_until = Set(None);
        row.update(self.db()).await?;
        Ok(())
    }

    /// Locks an active account by hand, until `until` or (with `None`) until unlocked.
    pub async fn lock(
        &self,
        email: &str,
        until: Option<time::OffsetDateTime>,
        reason: Option<String>,
    ) -> Result<user::Model> {
        let found = self.get_by_email(email).await?;
        if UserStatus::at(&found, now())? != UserStatus::Active {
            return Err(Error::WrongState(format!(
                "the account is {}; only an active account can be locked",
                found.status
            )));
        }
        let mut row: user::ActiveModel = found.into();
        row.status = Set(UserStatus::Locked.as_str().to_owned());
        row.status_reason = Set(reason.or_else(|| Some("locked by an administrator".into())));
        row.locked_until = Set(until);
        row.updated_at = Set(now());
        Ok(row.update(self.db()).await?)
    }

    /// Ends a lock and clears the failure count.
    pub async fn unlock(&self, email: &str) -> Result<user::Model> {
        let found = self.get_by_email(email).await?;
        if found.status != UserStatus::Locked.as_str() {
            return Err(Error::WrongState(format!(
                "the account is {}, not locked",
                found.status
            )));
        }
        let mut row: user::ActiveModel = found.into();
        row.status = Set(UserStatus::Active.as_str().to_owned());
        row.status_reason = Set(None);
        row.locked_until = Set(None);
        row.failed_logins = Set(0);
        row.updated_at = Set(now());
        Ok(row.update(self.db()).await?)
    }
}
