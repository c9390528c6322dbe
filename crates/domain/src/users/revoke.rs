//! Ending everything an account holds: browser sessions, refresh-token families, access
//! tokens. Used when an account is suspended or disabled, and after a password reset.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _};

use crate::entities::browser_session;
use crate::{Result, now};

/// Revokes, inside the caller's transaction, all live sessions and tokens of `user_id`.
pub(super) async fn sign_out_everywhere(
    db: &impl ConnectionTrait,
    user_id: &str,
    reason: &str,
) -> Result<()> {
    let at = now();
    browser_session::Entity::update_many()
        .col_expr(browser_session::Column::RevokedAt, Expr::value(Some(at)))
        .filter(browser_session::Column::UserId.eq(user_id))
        .filter(browser_session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    let reason = format!("account {reason}");
    crate::grants::revoke::revoke(db, crate::grants::revoke::Selection::User(user_id), &reason)
        .await?;
    Ok(())
}
