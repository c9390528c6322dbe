//! Brute-force protection of password sign-in: failed passwords are counted per account and
//! lock it for a while at a threshold; administrators lock and unlock by hand.

use std::time::Duration;

use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, Set};

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
    /// Returns whether this failure locked it. Pending, suspended and disabled accounts are
    /// left alone.
    ///
    /// Failures while locked count too: a lock that runs out keeps the failures made during
    /// it (beyond the threshold), so guessing on through a lock brings the next lock sooner.
    ///
    /// Single-statement updates, not read-modify-write: concurrent failures all count, and
    /// SQLite never has to upgrade a read transaction to a write (which fails when busy).
    pub async fn record_failed_password(
        &self,
        user_id: &str,
        policy: LockoutPolicy,
    ) -> Result<bool> {
        let at = now();
        let db = self.db();
        let active = UserStatus::Active.as_str();
        let locked = UserStatus::Locked.as_str();
        let threshold = i32::try_from(policy.threshold).unwrap_or(i32::MAX);
        // A lock that ran out ends; the count keeps what was failed during it.
        let carried = Expr::case(
            Expr::col(user::Column::FailedLogins).gt(threshold),
            Expr::col(user::Column::FailedLogins).sub(threshold),
        )
        .finally(0);
        user::Entity::update_many()
            .col_expr(user::Column::Status, Expr::value(active))
            .col_expr(user::Column::FailedLogins, carried.into())
            .col_expr(
                user::Column::LockedUntil,
                Expr::value(None::<time::OffsetDateTime>),
            )
            .filter(user::Column::Id.eq(user_id))
            .filter(user::Column::Status.eq(locked))
            .filter(user::Column::LockedUntil.lte(at))
            .exec(db)
            .await?;
        let counted = user::Entity::update_many()
            .col_expr(
                user::Column::FailedLogins,
                Expr::col(user::Column::FailedLogins).add(1),
            )
            .filter(user::Column::Id.eq(user_id))
            .filter(user::Column::Status.is_in([active, locked]))
            .exec(db)
            .await?;
        if counted.rows_affected == 0 || policy.threshold == 0 {
            return Ok(false);
        }
        let locked_now = user::Entity::update_many()
            .col_expr(user::Column::Status, Expr::value(locked))
            .col_expr(
                user::Column::StatusReason,
                Expr::value(Some(format!("{threshold} failed sign-ins"))),
            )
            .col_expr(
                user::Column::LockedUntil,
                Expr::value(Some(at + policy.duration)),
            )
            .filter(user::Column::Id.eq(user_id))
            .filter(user::Column::Status.eq(active))
            .filter(user::Column::FailedLogins.gte(threshold))
            .exec(db)
            .await?;
        Ok(locked_now.rows_affected == 1)
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

    /// Counts a wrong second-factor code (authenticator app, text message, mailed code,
    /// recovery code) and locks the account for `policy.duration` once the count reaches
    /// `policy.threshold`. Returns whether this failure locked it.
    ///
    /// Unlike failed passwords, a correct password does not reset this count (only a correct
    /// code does), so starting the sign-in over buys no fresh guesses; and the count is not
    /// reset by the lock, so after it runs out each further wrong code locks again.
    /// Single-statement updates: concurrent failures all count.
    pub async fn record_failed_second_factor(
        &self,
        user_id: &str,
        policy: LockoutPolicy,
    ) -> Result<bool> {
        let at = now();
        let db = self.db();
        let active = UserStatus::Active.as_str();
        let locked = UserStatus::Locked.as_str();
        user::Entity::update_many()
            .col_expr(
                user::Column::FailedSecondFactors,
                Expr::col(user::Column::FailedSecondFactors).add(1),
            )
            .filter(user::Column::Id.eq(user_id))
            .exec(db)
            .await?;
        if policy.threshold == 0 {
            return Ok(false);
        }
        let threshold = i32::try_from(policy.threshold).unwrap_or(i32::MAX);
        // Locks an active account, or renews a lock that ran out.
        let locked_now = user::Entity::update_many()
            .col_expr(user::Column::Status, Expr::value(locked))
            .col_expr(
                user::Column::StatusReason,
                Expr::value(Some("too many wrong second-factor codes".to_owned())),
            )
            .col_expr(
                user::Column::LockedUntil,
                Expr::value(Some(at + policy.duration)),
            )
            .filter(user::Column::Id.eq(user_id))
            .filter(
                user::Column::Status.eq(active).or(user::Column::Status
                    .eq(locked)
                    .and(user::Column::LockedUntil.lte(at))),
            )
            .filter(user::Column::FailedSecondFactors.gte(threshold))
            .exec(db)
            .await?;
        Ok(locked_now.rows_affected == 1)
    }

    /// Clears the count of wrong second-factor codes after a correct one.
    pub async fn record_good_second_factor(&self, user_id: &str) -> Result<()> {
        user::Entity::update_many()
            .col_expr(user::Column::FailedSecondFactors, Expr::value(0))
            .filter(user::Column::Id.eq(user_id))
            .filter(user::Column::FailedSecondFactors.gt(0))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Locks an active account by hand, until `until` or (with `None`) until unlocked.
    pub async fn lock(
        &self,
        email: &str,
        until: Option<time::OffsetDateTime>,
        reason: Option<String>,
    ) -> Result<user::Model> {
        let found = self.resolve(email).await?;
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
        let found = self.resolve(email).await?;
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
        row.failed_second_factors = Set(0);
        row.updated_at = Set(now());
        Ok(row.update(self.db()).await?)
    }
}
