//! Ending everything an account holds: browser sessions, refresh-token families, access
//! tokens. Used when an account is suspended or disabled, and after a password reset.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _};

use crate::entities::{access_token, browser_session, refresh_token_family};
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
    refresh_token_family::Entity::update_many()
        .col_expr(
            refresh_token_family::Column::RevokedAt,
            Expr::value(Some(at)),
        )
        .col_expr(
            refresh_token_family::Column::RevokedReason,
            Expr::value(Some(format!("account {reason}"))),
        )
        .filter(refresh_token_family::Column::UserId.eq(user_id))
        .filter(refresh_token_family::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    access_token::Entity::update_many()
        .col_expr(access_token::Column::RevokedAt, Expr::value(Some(at)))
        .filter(access_token::Column::UserId.eq(user_id))
        .filter(access_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
