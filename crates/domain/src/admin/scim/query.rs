//! A parsed filter as a sea-orm [`Condition`] over an allow-list of attributes: every value
//! is bound, never spliced into SQL; an attribute outside the list is `invalidFilter`.

use sea_orm::sea_query::{Expr, ExprTrait as _, Func, LikeExpr, Query};
use sea_orm::{ColumnTrait as _, Condition, IntoSimpleExpr as _};
use time::format_description::well_known::Rfc3339;

use super::filter::{AttrPath, Filter, Op, Value};
use crate::entities::{group, user, user_group};
use crate::{Error, Result};

/// The core schemas a path may name as its prefix.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core group schema.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Statuses SCIM calls `active = false`.
pub(crate) const INACTIVE: [&str; 2] = ["suspended", "disabled"];

/// What an allowed attribute is stored as.
enum Attr {
    /// Text; `case_exact` false compares lower-cased. Missing values count as "".
    Text { expr: Expr, case_exact: bool },
    /// A time, compared after parsing the value as RFC 3339.
    Time(Expr),
    /// `active`: the account's status.
    Active,
    /// A group's members, by user id.
    Members,
}

/// Which resource a filter is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

fn invalid<T>(reason: impl Into<String>) -> Result<T> {
    Err(Error::invalid("filter", reason.into()))
}

fn text(col: Expr, case_exact: bool) -> Attr {
    let expr = if case_exact {
        Func::coalesce([col, Expr::val("")]).into()
    } else {
        Func::coalesce([Func::lower(col).into(), Expr::val("")]).into()
    };
    Attr::Text { expr, case_exact }
}

fn attr(resource: Resource, path: &AttrPath) -> Result<Attr> {
    let schema = match resource {
        Resource::User => USER_SCHEMA,
        Resource::Group => GROUP_SCHEMA,
    };
    if let Some(uri) = &path.uri
        && !uri.eq_ignore_ascii_case(schema)
    {
        return invalid(format!(
            "{path}: only {schema} attributes can be filtered on"
        ));
    }
    let key = path.key();
    let found = match (resource, key.as_str()) {
        (Resource::User, "username" | "emails" | "emails.value") => {
            text(user::Column::Email.into_simple_expr(), false)
        }
        (Resource::User, "externalid") => text(user::Column::ExternalId.into_simple_expr(), true),
        (Resource::User, "displayname") => {
            text(user::Column::DisplayName.into_simple_expr(), false)
        }
        (Resource::User, "name.givenname") => {
            text(user::Column::GivenName.into_simple_expr(), false)
        }
        (Resource::User, "name.familyname") => {
            text(user::Column::FamilyName.into_simple_expr(), false)
        }
        (Resource::User, "id") => text(user::Column::Id.into_simple_expr(), true),
        (Resource::User, "active") => Attr::Active,
        (Resource::User, "meta.lastmodified") => {
            Attr::Time(user::Column::UpdatedAt.into_simple_expr())
        }
        (Resource::User, "meta.created") => Attr::Time(user::Column::CreatedAt.into_simple_expr()),
        (Resource::Group, "displayname") => text(
            Func::coalesce([
                group::Column::DisplayName.into_simple_expr(),
                group::Column::Name.into_simple_expr(),
            ])
            .into(),
            false,
        ),
        (Resource::Group, "externalid") => text(group::Column::ExternalId.into_simple_expr(), true),
        (Resource::Group, "id") => text(group::Column::Id.into_simple_expr(), true),
        (Resource::Group, "members" | "members.value") => Attr::Members,
        (Resource::Group, "meta.lastmodified") => {
            Attr::Time(group::Column::UpdatedAt.into_simple_expr())
        }
        (Resource::Group, "meta.created") => {
            Attr::Time(group::Column::CreatedAt.into_simple_expr())
        }
        _ => return invalid(format!("{path} cannot be filtered on")),
    };
    Ok(found)
}

/// The condition selecting the resources `filter` matches.
pub fn condition(resource: Resource, filter: &Filter) -> Result<Condition> {
    Ok(match filter {
        Filter::And(a, b) => Condition::all()
            .add(condition(resource, a)?)
            .add(condition(resource, b)?),
        Filter::Or(a, b) => Condition::any()
            .add(condition(resource, a)?)
            .add(condition(resource, b)?),
        Filter::Not(inner) => condition(resource, inner)?.not(),
        Filter::Present(path) => present(attr(resource, path)?),
        Filter::Compare(path, op, value) => compare(attr(resource, path)?, path, *op, value)?,
        Filter::ValuePath(outer, inner) => {
            if outer.sub.is_some() {
                return invalid(format!("{outer}[...]: a value filter names an attribute"));
            }
            condition(resource, &relative_to(outer, inner)?)?
        }
    })
}

/// `emails[value co "x"]` as `emails.value co "x"`.
fn relative_to(outer: &AttrPath, inner: &Filter) -> Result<Filter> {
    let rebase = |p: &AttrPath| -> Result<AttrPath> {
        if p.sub.is_some() || p.uri.is_some() {
            return invalid(format!("{p} inside {outer}[...]"));
        }
        Ok(AttrPath {
            uri: outer.uri.clone(),
            name: outer.name.clone(),
            sub: Some(p.name.clone()),
        })
    };
    Ok(match inner {
        Filter::And(a, b) => Filter::And(
            Box::new(relative_to(outer, a)?),
            Box::new(relative_to(outer, b)?),
        ),
        Filter::Or(a, b) => Filter::Or(
            Box::new(relative_to(outer, a)?),
            Box::new(relative_to(outer, b)?),
        ),
        Filter::Not(a) => Filter::Not(Box::new(relative_to(outer, a)?)),
        Filter::Present(p) => Filter::Present(rebase(p)?),
        Filter::Compare(p, op, v) => Filter::Compare(rebase(p)?, *op, v.clone()),
        Filter::ValuePath(p, _) => return invalid(format!("{p}[...] inside {outer}[...]")),
    })
}

fn always() -> Condition {
    Condition::all().add(Expr::val(1).eq(1))
}

fn present(attr: Attr) -> Condition {
    match attr {
        Attr::Text { expr, .. } => Condition::all().add(expr.ne("")),
        Attr::Time(expr) => Condition::all().add(expr.is_not_null()),
        Attr::Active => always(),
        Attr::Members => Condition::all().add(
            group::Column::Id.in_subquery(
                Query::select()
                    .column(user_group::Column::GroupId)
                    .from(user_group::Entity)
                    .to_owned(),
            ),
        ),
    }
}

fn compare(attr: Attr, path: &AttrPath, op: Op, value: &Value) -> Result<Condition> {
    // `eq null` is "has no value", `ne null` "has one" (RFC 7644 3.4.2.2).
    if let Value::Null = value {
        return match op {
            Op::Eq => Ok(present(attr).not()),
            Op::Ne => Ok(present(attr)),
            _ => invalid(format!("{path}: null compares only with eq and ne")),
        };
    }
    Ok(match attr {
        Attr::Text { expr, case_exact } => {
            let Value::Str(v) = value else {
                return invalid(format!("{path} compares with a string"));
            };
            let v = if case_exact {
                v.clone()
            } else {
                v.to_lowercase()
            };
            let like = |pattern: String| {
                Condition::all().add(expr.clone().like(LikeExpr::new(pattern).escape('\\')))
            };
            match op {
                Op::Eq => Condition::all().add(expr.eq(v)),
                Op::Ne => Condition::all().add(expr.ne(v)),
                Op::Co => like(format!("%{}%", escape_like(&v))),
                Op::Sw => like(format!("{}%", escape_like(&v))),
                Op::Ew => like(format!("%{}", escape_like(&v))),
                Op::Gt => Condition::all().add(expr.gt(v)),
                Op::Ge => Condition::all().add(expr.gte(v)),
                Op::Lt => Condition::all().add(expr.lt(v)),
                Op::Le => Condition::all().add(expr.lte(v)),
            }
        }
        Attr::Time(expr) => {
            let Value::Str(v) = value else {
                return invalid(format!("{path} compares with an RFC 3339 time string"));
            };
            let Ok(at) = time::OffsetDateTime::parse(v, &Rfc3339) else {
                return invalid(format!("{path}: {v:?} is not an RFC 3339 time"));
            };
            let at = at.to_offset(time::UtcOffset::UTC);
            let c = match op {
                Op::Eq => expr.eq(at),
                Op::Ne => expr.ne(at),
                Op::Gt => expr.gt(at),
                Op::Ge => expr.gte(at),
                Op::Lt => expr.lt(at),
                Op::Le => expr.lte(at),
                Op::Co | Op::Sw | Op::Ew => {
                    return invalid(format!("{path} compares with eq, ne, gt, ge, lt, le"));
                }
            };
            Condition::all().add(c)
        }
        Attr::Active => {
            let wanted = match value {
                Value::Bool(b) => *b,
                // Some clients quote booleans.
                Value::Str(s) if s.eq_ignore_ascii_case("true") => true,
                Value::Str(s) if s.eq_ignore_ascii_case("false") => false,
                _ => return invalid(format!("{path} compares with true or false")),
            };
            let wanted = match op {
                Op::Eq => wanted,
                Op::Ne => !wanted,
                _ => return invalid(format!("{path} compares with eq or ne")),
            };
            let status = user::Column::Status;
            Condition::all().add(if wanted {
                status.is_not_in(INACTIVE)
            } else {
                status.is_in(INACTIVE)
            })
        }
        Attr::Members => {
            let Value::Str(v) = value else {
                return invalid(format!("{path} compares with a user id"));
            };
            let holding = Query::select()
                .column(user_group::Column::GroupId)
                .from(user_group::Entity)
                .and_where(user_group::Column::UserId.eq(v.clone()))
                .to_owned();
            match op {
                Op::Eq => Condition::all().add(group::Column::Id.in_subquery(holding)),
                Op::Ne => Condition::all().add(group::Column::Id.not_in_subquery(holding)),
                _ => return invalid(format!("{path} compares with eq or ne")),
            }
        }
    })
}

/// `%`, `_` and `\` taken literally in a LIKE pattern escaped with `\`.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
