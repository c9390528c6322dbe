//! Revoking grants (refresh-token families) and access tokens in bulk: one place for the
//! rule "a revoked grant takes its access tokens with it".

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait as _, Condition, ConnectionTrait, EntityTrait as _, QueryFilter as _};

use crate::entities::{access_token, refresh_token_family};
use crate::{Result, now};

/// Which grants and access tokens to revoke: the same selection expressed on each table.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Selection<'a> {
    /// Everything of a user.
    User(&'a str),
    /// Everything a client holds for a user.
    UserClient(&'a str, &'a str),
    /// Everything issued under a browser session.
    Session(&'a str),
    /// Everything issued from an authorization code (by its hash).
    Code(&'a str),
    /// One grant and its access tokens.
    Family(&'a str),
}

impl Selection<'_> {
    fn families(self) -> Condition {
        use refresh_token_family::Column as C;
        match self {
            Selection::User(u) => Condition::all().add(C::UserId.eq(u)),
            Selection::UserClient(u, c) => {
                Condition::all().add(C::UserId.eq(u)).add(C::ClientId.eq(c))
            }
            Selection::Session(s) => Condition::all().add(C::SessionId.eq(s)),
            Selection::Code(h) => Condition::all().add(C::CodeHash.eq(h)),
            Selection::Family(f) => Condition::all().add(C::Id.eq(f)),
        }
    }

    fn access_tokens(self) -> Condition {
        use access_token::Column as C;
        match self {
            Selection::User(u) => Condition::all().add(C::UserId.eq(u)),
            Selection::UserClient(u, c) => {
                Condition::all().add(C::UserId.eq(u)).add(C::ClientId.eq(c))
            }
            Selection::Session(s) => Condition::all().add(C::SessionId.eq(s)),
            Selection::Code(h) => Condition::all().add(C::CodeHash.eq(h)),
            Selection::Family(f) => Condition::all().add(C::FamilyId.eq(f)),
        }
    }
}

/// Revokes, inside the caller's transaction, the live grants and access tokens selected.
pub(crate) async fn revoke(
    db: &impl ConnectionTrait,
    selection: Selection<'_>,
    reason: &str,
) -> Result<()> {
    let at = now();
    refresh_token_family::Entity::update_many()
        .col_expr(
            refresh_token_family::Column::RevokedAt,
            Expr::value(Some(at)),
        )
        .col_expr(
            refresh_token_family::Column::RevokedReason,
            Expr::value(Some(reason.to_owned())),
        )
        .filter(selection.families())
        .filter(refresh_token_family::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    access_token::Entity::update_many()
        .col_expr(access_token::Column::RevokedAt, Expr::value(Some(at)))
        .filter(selection.access_tokens())
        .filter(access_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
