//! Roles and groups: the lists, creating either, a role's page (its permissions, who holds
//! it, granting and revoking, deletion) and a group's page (its members, deletion). Client
//! roles are named by their client in the `client` query of every address.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use domain::admin::{Access, Area};
use domain::groups::{GroupDetails, GroupSummary};
use domain::roles::{RoleDetails, RoleGrantee, RoleName};
use serde::Deserialize;

use super::errors::ConsoleResult;
use super::guard::{Console, ConsoleForm};
use super::shell::{Section, Shell, back};
use super::{Done, confirmed, path_segment};
use crate::web::csp::Csp;
use crate::web::csrf_form::has_csrf;
use crate::web::render;

/// Whether `at` may change roles and groups (else the pages only show).
fn writable(at: &Console) -> bool {
    at.actor.may(Area::System, Access::Write)
}

/// The `?client=` of a client role's addresses (empty for a global role).
fn client_query(client: Option<&str>) -> String {
    client.map_or_else(String::new, |c| {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client", c)
            .finish();
        format!("?{q}")
    })
}

/// The address of a role's page, with `suffix` (an action) before the client query.
fn role_href(client: Option<&str>, name: &str, suffix: &str) -> String {
    format!(
        "/admin/roles/{}{suffix}{}",
        path_segment(name),
        client_query(client)
    )
}

/// The address of a group's page, with `suffix` (an action).
fn group_href(name: &str, suffix: &str) -> String {
    format!("/admin/groups/{}{suffix}", path_segment(name))
}

/// A role in the list, with its address.
#[derive(Debug)]
struct RoleRow {
    role: RoleName,
    href: String,
}

/// A group in the list, with its address.
#[derive(Debug)]
struct GroupRow {
    group: GroupSummary,
    href: String,
}

#[derive(Template)]
#[template(path = "admin/roles.html")]
struct RolesPage {
    shell: Shell,
    roles: Vec<RoleRow>,
    groups: Vec<GroupRow>,
    writable: bool,
}

/// `GET /admin/roles`: every role and every group.
pub(crate) async fn list(at: Console, done: web::Query<Done>) -> ConsoleResult {
    let roles = at
        .ui
        .admin
        .list_roles(&at.actor)
        .await?
        .into_iter()
        .map(|role| RoleRow {
            href: role_href(role.client_id.as_deref(), &role.name, ""),
            role,
        })
        .collect();
    let groups = at
        .ui
        .admin
        .list_groups(&at.actor)
        .await?
        .into_iter()
        .map(|group| GroupRow {
            href: group_href(&group.name, ""),
            group,
        })
        .collect();
    let page = RolesPage {
        shell: Shell::new(&at, Section::Roles, "Roles and groups", &done.done),
        roles,
        groups,
        writable: writable(&at),
    };
    Ok(render::page(StatusCode::OK, &page, &Csp::page()))
}

/// The form creating a role.
#[derive(Debug, Deserialize)]
pub(crate) struct NewRoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    /// The client of a client role; empty: a global role.
    #[serde(default)]
    client: String,
    /// Space- or line-separated permissions.
    #[serde(default)]
    permissions: String,
}

/// A field left empty means none.
fn given(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// `POST /admin/roles`
pub(crate) async fn create(ConsoleForm { at, form }: ConsoleForm<NewRoleForm>) -> ConsoleResult {
    let permissions: Vec<String> = form
        .permissions
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let client = given(&form.client);
    let role = at
        .ui
        .admin
        .create_role(&at.actor, client, form.name.trim(), &permissions)
        .await?;
    Ok(back(
        &role_href(role.role.client_id.as_deref(), &role.role.name, ""),
        "role_created",
    ))
}

/// Which role a role's address names: the path's name and, for a client role, the client.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RoleOf {
    #[serde(default)]
    client: String,
    #[serde(default)]
    done: String,
}

impl RoleOf {
    fn client(&self) -> Option<&str> {
        given(&self.client)
    }
}

#[derive(Template)]
#[template(path = "admin/role.html")]
struct RolePage {
    shell: Shell,
    role: RoleDetails,
    writable: bool,
}

impl RolePage {
    /// The address of one of the role's actions.
    fn action(&self, suffix: &str) -> String {
        role_href(
            self.role.role.client_id.as_deref(),
            &self.role.role.name,
            suffix,
        )
    }
}

/// `GET /admin/roles/{name}`
pub(crate) async fn show(
    at: Console,
    name: web::Path<String>,
    of: web::Query<RoleOf>,
) -> ConsoleResult {
    let role = at.ui.admin.role(&at.actor, of.client(), &name).await?;
    let title = match &role.role.client_id {
        Some(c) => format!("Role {} of client {c}", role.role.name),
        None => format!("Role {}", role.role.name),
    };
    let page = RolePage {
        shell: Shell::new(&at, Section::Roles, title, &of.done),
        role,
        writable: writable(&at),
    };
    Ok(render::page(StatusCode::OK, &page, &Csp::page()))
}

/// A role's or a group's form: one permission, member or grantee, or a confirmation.
#[derive(Debug, Deserialize)]
pub(crate) struct ItemForm {
    #[serde(default)]
    csrf: String,
    /// A permission, a user's address or id, or a grantee (`user:…`, `group:…`).
    #[serde(default)]
    item: String,
    /// A grant's group (a grant names a user in `item` or a group here).
    #[serde(default)]
    group: String,
    /// The ticked confirmation box of a destructive action.
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /admin/roles/{name}/permissions`: adds `item`.
pub(crate) async fn add_permission(
    name: web::Path<String>,
    of: web::Query<RoleOf>,
    ConsoleForm { at, form }: ConsoleForm<ItemForm>,
) -> ConsoleResult {
    at.ui
        .admin
        .set_role_permission(&at.actor, of.client(), &name, form.item.trim(), true)
        .await?;
    Ok(back(&role_href(of.client(), &name, ""), "role_changed"))
}

/// `POST /admin/roles/{name}/permissions/remove`: removes `item`.
pub(crate) async fn remove_permission(
    name: web::Path<String>,
    of: web::Query<RoleOf>,
    ConsoleForm { at, form }: ConsoleForm<ItemForm>,
) -> ConsoleResult {
    at.ui
        .admin
        .set_role_permission(&at.actor, of.client(), &name, form.item.trim(), false)
        .await?;
    Ok(back(&role_href(of.client(), &name, ""), "role_changed"))
}

/// The grantee a grant form names: a user (address or id) in `item`, or a group.
fn grantee(form: &ItemForm) -> Result<RoleGrantee, domain::Error> {
    match (given(&form.item), given(&form.group)) {
        (Some(user), None) => Ok(RoleGrantee::User(user.to_owned())),
        (None, Some(group)) => Ok(RoleGrantee::Group(group.to_owned())),
        _ => Err(domain::Error::invalid(
            "grantee",
            "name either a user or a group",
        )),
    }
}

/// `POST /admin/roles/{name}/grants`: grants the role to a user or a group.
pub(crate) async fn grant(
    name: web::Path<String>,
    of: web::Query<RoleOf>,
    ConsoleForm { at, form }: ConsoleForm<ItemForm>,
) -> ConsoleResult {
    let to = grantee(&form)?;
    at.ui
        .admin
        .grant_role(&at.actor, of.client(), &name, &to)
        .await?;
    Ok(back(&role_href(of.client(), &name, ""), "role_changed"))
}

/// `POST /admin/roles/{name}/grants/revoke`: takes a direct grant back.
pub(crate) async fn revoke(
    name: web::Path<String>,
    of: web::Query<RoleOf>,
    ConsoleForm { at, form }: ConsoleForm<ItemForm>,
) -> ConsoleResult {
    let from = grantee(&form)?;
    at.ui
        .admin
        .revoke_role(&at.actor, of.client(), &name, &from)
        .await?;
    Ok(back(&role_href(of.client(), &name, ""), "role_changed"))
}

/// `POST /admin/roles/{name}/delete`: the role and its grants.
pub(crate) async fn delete(
    name: web::Path<String>,
    of: web::Query<RoleOf>,
    ConsoleForm { at, form }: ConsoleForm<ItemForm>,
) -> ConsoleResult {
    confirmed(&form.confirm)?;
    at.ui
        .admin
        .delete_role(&at.actor, of.client(), &name)
        .await?;
    Ok(back("/admin/roles", "role_deleted"))
}

/// The form creating a group.
#[derive(Debug, Deserialize)]
pub(crate) struct NewGroupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    /// The enclosing group; empty: at the top.
    #[serde(default)]
    parent: String,
}

/// `GET /admin/groups`: groups are listed with the roles.
pub(crate) async fn groups(_at: Console) -> ConsoleResult {
    Ok(actix_web::HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, "/admin/roles#groups"))
        .finish())
}

/// `POST /admin/groups`
pub(crate) async fn create_group(
    ConsoleForm { at, form }: ConsoleForm<NewGroupForm>,
) -> ConsoleResult {
    let created = at
        .ui
        .admin
        .create_group(&at.actor, form.name.trim(), given(&form.parent))
        .await?;
    Ok(back(&group_href(&created.name, ""), "group_created"))
}

#[derive(Template)]
#[template(path = "admin/group.html")]
struct GroupPage {
    shell: Shell,
    group: GroupDetails,
    href: String,
    /// The enclosing group's page.
    parent_href: Option<String>,
    /// The pages of the groups inside it, with their names.
    subgroups: Vec<(String, String)>,
    /// The pages of the roles granted to it, with their names.
    roles: Vec<(String, String)>,
    writable: bool,
}

/// `GET /admin/groups/{name}`
pub(crate) async fn show_group(
    at: Console,
    name: web::Path<String>,
    done: web::Query<Done>,
) -> ConsoleResult {
    let group = at.ui.admin.group(&at.actor, &name).await?;
    let page = GroupPage {
        shell: Shell::new(
            &at,
            Section::Roles,
            format!("Group {}", group.group.name),
            &done.done,
        ),
        href: group_href(&group.group.name, ""),
        parent_href: group.group.parent.as_deref().map(|p| group_href(p, "")),
        subgroups: group
            .subgroups
            .iter()
            .map(|s| (group_href(s, ""), s.clone()))
            .collect(),
        roles: group
            .roles
            .iter()
            .map(|r| {
                let label = match &r.client_id {
                    Some(c) => format!("{} (client {c})", r.name),
                    None => r.name.clone(),
                };
                (role_href(r.client_id.as_deref(), &r.name, ""), label)
            })
            .collect(),
        writable: writable(&at),
        group,
    };
    Ok(render::page(StatusCode::OK, &page, &Csp::page()))
}

/// `POST /admin/groups/{name}/members`: adds the user named in `item` (address or id).
pub(crate) async fn add_member(
    name: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ItemForm>,
) -> ConsoleResult {
    at.ui
        .admin
        .set_group_member(&at.actor, &name, form.item.trim(), true)
        .await?;
    Ok(back(&group_href(&name, ""), "group_changed"))
}

/// `POST /admin/groups/{name}/members/remove`: removes the user named in `item`.
pub(crate) async fn remove_member(
    name: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ItemForm>,
) -> ConsoleResult {
    at.ui
        .admin
        .set_group_member(&at.actor, &name, form.item.trim(), false)
        .await?;
    Ok(back(&group_href(&name, ""), "group_changed"))
}

/// `POST /admin/groups/{name}/delete`: refused while a group is inside it.
pub(crate) async fn delete_group(
    name: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ItemForm>,
) -> ConsoleResult {
    confirmed(&form.confirm)?;
    at.ui.admin.delete_group(&at.actor, &name).await?;
    Ok(back("/admin/roles", "group_deleted"))
}

has_csrf!(NewRoleForm, ItemForm, NewGroupForm);
