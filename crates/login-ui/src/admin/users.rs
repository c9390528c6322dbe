//! Users: search, create, and one account's page with every action an administrator takes
//! (profile, password, reset mail, verification, state, second factors, sessions, deletion).

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use domain::admin::{NewAccount, PageRequest, StateChange, UserDetail, UserFilter, UserView};
use domain::users::{Profile, UserStatus};
use serde::Deserialize;

use super::errors::ConsoleResult;
use super::guard::{Console, ConsoleForm};
use super::shell::{Section, Shell, back};
use super::{ActionForm, Done, confirmed, path_segment};
use crate::web::csp::Csp;
use crate::web::csrf_form::has_csrf;
use crate::web::render;

/// The states an account can be listed by.
const STATES: [&str; 5] = ["active", "pending", "locked", "suspended", "disabled"];

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    shell: Shell,
    query: ListQuery,
    states: [&'static str; 5],
    users: Vec<UserView>,
    /// The address of the next page, if any.
    next: Option<String>,
}

/// The list's query.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    cursor: String,
    #[serde(default)]
    done: String,
}

/// `GET /admin/users`: search by address, name, id or `sub`, and filter by state.
pub(crate) async fn list(at: Console, query: web::Query<ListQuery>) -> ConsoleResult {
    let query = query.into_inner();
    let status = match query.status.as_str() {
        "" => None,
        s => Some(UserStatus::parse(s)?),
    };
    let filter = UserFilter {
        search: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
        status,
    };
    let page = PageRequest {
        cursor: Some(query.cursor.clone()).filter(|c| !c.is_empty()),
        limit: Some(50),
    };
    let found = at.ui.admin.list_users(&at.actor, &filter, &page).await?;
    let next = found.next_cursor.map(|cursor| {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &query.q)
            .append_pair("status", &query.status)
            .append_pair("cursor", &cursor)
            .finish();
        format!("/admin/users?{q}")
    });
    let page = UsersPage {
        shell: Shell::new(&at, Section::Users, "Users", &query.done),
        states: STATES,
        users: found.items,
        next,
        query,
    };
    Ok(render::page(StatusCode::OK, &page, &Csp::page()))
}

/// The form creating an account.
#[derive(Debug, Deserialize)]
pub(crate) struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email_verified: Option<String>,
}

/// `POST /admin/users`
pub(crate) async fn create(ConsoleForm { at, form }: ConsoleForm<CreateForm>) -> ConsoleResult {
    let new = NewAccount {
        email: form.email.trim().to_owned(),
        password: Some(form.password).filter(|p| !p.is_empty()),
        name: Some(form.name.trim().to_owned()).filter(|n| !n.is_empty()),
        email_verified: form.email_verified.is_some(),
        roles: Vec::new(),
    };
    let created = at.ui.admin.create_user(&at.actor, new).await?;
    Ok(back(&user_href(&created.id), "user_created"))
}

/// The address of an account's page.
fn user_href(id: &str) -> String {
    format!("/admin/users/{}", path_segment(id))
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    shell: Shell,
    href: String,
    detail: UserDetail,
    version: String,
    /// Whether the actor may change accounts (else the page only shows).
    writable: bool,
}

/// `GET /admin/users/{id}`
pub(crate) async fn show(
    at: Console,
    id: web::Path<String>,
    done: web::Query<Done>,
) -> ConsoleResult {
    let detail = at.ui.admin.user_detail(&at.actor, &id).await?;
    let title = detail
        .user
        .email
        .clone()
        .unwrap_or_else(|| detail.user.sub.clone());
    let page = UserPage {
        shell: Shell::new(&at, Section::Users, title, &done.done),
        href: user_href(&detail.user.id),
        version: detail.user.version(),
        writable: at
            .actor
            .may(domain::admin::Area::Users, domain::admin::Access::Write),
        detail,
    };
    Ok(render::page(StatusCode::OK, &page, &Csp::page()))
}

/// The profile form: every field is sent, so an empty one clears it.
#[derive(Debug, Deserialize)]
pub(crate) struct ProfileForm {
    #[serde(default)]
    csrf: String,
    /// The version the form was made from: a change meanwhile is refused (412).
    #[serde(default)]
    version: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    preferred_username: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    zoneinfo: String,
    #[serde(default)]
    phone_number: String,
}

/// `POST /admin/users/{id}/profile`
pub(crate) async fn profile(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ProfileForm>,
) -> ConsoleResult {
    let field = |v: String| Some(v.trim().to_owned());
    let profile = Profile {
        display_name: field(form.name),
        given_name: field(form.given_name),
        family_name: field(form.family_name),
        preferred_username: field(form.preferred_username),
        locale: field(form.locale),
        zoneinfo: field(form.zoneinfo),
        phone_number: field(form.phone_number),
        ..Profile::default()
    };
    let expected = Some(form.version).filter(|v| !v.is_empty());
    let updated = at
        .ui
        .admin
        .update_user(&at.actor, &id, profile, expected.as_deref())
        .await?;
    Ok(back(&user_href(&updated.id), "user_updated"))
}

/// The form setting a password.
#[derive(Debug, Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

/// `POST /admin/users/{id}/password`: the policy applies; the account's sessions end.
pub(crate) async fn password(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<PasswordForm>,
) -> ConsoleResult {
    at.ui
        .admin
        .set_user_password(&at.actor, &id, &form.password, false)
        .await?;
    Ok(back(&user_href(&id), "password_set"))
}

/// The form changing an account's state.
#[derive(Debug, Deserialize)]
pub(crate) struct StateForm {
    #[serde(default)]
    csrf: String,
    /// The ticked confirmation box (suspending and disabling end sessions).
    #[serde(default)]
    confirm: Option<String>,
    /// A state change: lock, unlock, suspend, disable, reactivate.
    #[serde(default)]
    action: String,
    /// Why (suspension).
    #[serde(default)]
    reason: String,
}

/// `POST /admin/users/{id}/reset-mail`
pub(crate) async fn reset_mail(
    id: web::Path<String>,
    ConsoleForm { at, .. }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    at.ui.admin.send_password_reset(&at.actor, &id).await?;
    Ok(back(&user_href(&id), "reset_sent"))
}

/// `POST /admin/users/{id}/verify-email`
pub(crate) async fn verify_email(
    id: web::Path<String>,
    ConsoleForm { at, .. }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    at.ui.admin.verify_user_email(&at.actor, &id).await?;
    Ok(back(&user_href(&id), "email_verified"))
}

/// `POST /admin/users/{id}/state`: lock, unlock, suspend (with a reason), disable or
/// reactivate; the ones that end sessions need the confirmation box.
pub(crate) async fn state(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<StateForm>,
) -> ConsoleResult {
    let change = match form.action.as_str() {
        "lock" => StateChange::Lock { until: None },
        "unlock" => StateChange::Unlock,
        "suspend" => StateChange::Suspend {
            reason: form.reason.clone(),
        },
        "disable" => StateChange::Disable,
        "reactivate" => StateChange::Reactivate,
        _ => return Err(domain::Error::invalid("action", "is not a state change").into()),
    };
    if matches!(change, StateChange::Suspend { .. } | StateChange::Disable) {
        confirmed(&form.confirm)?;
    }
    at.ui
        .admin
        .change_user_state(&at.actor, &id, change)
        .await?;
    Ok(back(&user_href(&id), "state_changed"))
}

/// `POST /admin/users/{id}/factors/remove`: one second factor or passkey.
pub(crate) async fn remove_factor(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    confirmed(&form.confirm)?;
    at.ui
        .admin
        .remove_user_factor(&at.actor, &id, &form.item)
        .await?;
    Ok(back(&user_href(&id), "factor_removed"))
}

/// `POST /admin/users/{id}/mfa/reset`: every second factor, recovery code and passkey.
pub(crate) async fn reset_mfa(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    confirmed(&form.confirm)?;
    at.ui.admin.reset_user_mfa(&at.actor, &id).await?;
    Ok(back(&user_href(&id), "mfa_reset"))
}

/// `POST /admin/users/{id}/sessions/end`: one session (`item`), or all of them.
pub(crate) async fn end_sessions(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    let one = Some(form.item.as_str()).filter(|s| !s.is_empty());
    at.ui.admin.end_user_sessions(&at.actor, &id, one).await?;
    Ok(back(&user_href(&id), "sessions_ended"))
}

/// `POST /admin/users/{id}/delete`: erased as self-deletion does.
pub(crate) async fn delete(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    confirmed(&form.confirm)?;
    at.ui.admin.delete_user(&at.actor, &id).await?;
    Ok(back("/admin/users", "user_deleted"))
}

has_csrf!(CreateForm, ProfileForm, PasswordForm, StateForm);
