//! Ending everything an account holds: browser sessions, refresh-token families, access
//! tokens. Used when an account is suspended or disabled, and after a password reset.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _};

use crate::entities::browser_session;
use crate::{Result, now};

/// Revokes, inside the caller's transaction, all live sessions and tokens of `user_id`, and
/// queues the back-channel logout of the clients that signed in under those sessions.
pub(super) async fn sign_out_everywhere(
    db: &impl ConnectionTrait,
    user_id: &str,
    reason: &str,
) -> Result<()> {
    let at = now();
    // Sessions already past their absolute end are not signed out again.
    let live = browser_session::Entity::find()
        .filter(browser_session::Column::UserId.eq(user_id))
        .filter(browser_session::Column::RevokedAt.is_null())
        .filter(browser_session::Column::ExpiresAt.gt(at))
        .all(db)
        .await?;
    crate::events::logout::enqueue(db, &live).await?;
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
