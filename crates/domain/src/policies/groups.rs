//! The groups a user belongs to, read for decisions and ACL entries.

use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Query};
use sea_orm::{ConnectionTrait, Value};

use crate::Result;

/// The (id, name) of each group `user_id` is a direct member of.
pub async fn groups_of(db: &impl ConnectionTrait, user_id: &str) -> Result<Vec<(String, String)>> {
    let (g, ug) = (Alias::new("groups"), Alias::new("user_groups"));
    let stmt = Query::select()
        .column((g.clone(), Alias::new("id")))
        .column((g.clone(), Alias::new("name")))
        .from(ug.clone())
        .inner_join(
            g.clone(),
            Expr::col((g.clone(), Alias::new("id"))).equals((ug.clone(), Alias::new("group_id"))),
        )
        .and_where(Expr::col((ug, Alias::new("user_id"))).eq(Value::from(user_id)))
        .to_owned();
    let rows = db.query_all(&stmt).await?;
    rows.into_iter()
        .map(|r| Ok((r.try_get("", "id")?, r.try_get("", "name")?)))
        .collect()
}

/// The id of the group named `name`.
pub async fn group_id(db: &impl ConnectionTrait, name: &str) -> Result<Option<String>> {
    let g = Alias::new("groups");
    let stmt = Query::select()
        .column(Alias::new("id"))
        .from(g)
        .and_where(Expr::col(Alias::new("name")).eq(Value::from(name)))
        .to_owned();
    let row = db.query_one(&stmt).await?;
    Ok(match row {
        Some(r) => Some(r.try_get("", "id")?),
        None => None,
    })
}
