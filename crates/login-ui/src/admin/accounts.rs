//! Service accounts and API keys: the lists, creating and deleting a service account, and
//! making (the key shown once, on the answer) and revoking an API key.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::admin::{Access, Area};
use domain::apikeys::ApiKey;
use domain::service_accounts::ServiceAccount;
use serde::Deserialize;

use super::errors::ConsoleResult;
use super::guard::{Console, ConsoleForm};
use super::shell::{Section, Shell, back};
use super::{ActionForm, Done, confirmed, path_segment};
use crate::web::csp::Csp;
use crate::web::csrf_form::has_csrf;
use crate::web::render;

/// Where the section lives.
const HOME: &str = "/admin/service-accounts";

/// Lifetimes offered for a new API key, in days (the server's maximum still applies).
const LIFETIMES: [(u64, &str); 4] = [
    (30, "30 days"),
    (90, "90 days"),
    (180, "180 days"),
    (365, "1 year"),
];

/// A key just made: shown this once.
#[derive(Debug)]
struct NewKey {
    name: String,
    secret: String,
}

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct AccountsPage {
    shell: Shell,
    accounts: Vec<ServiceAccount>,
    keys: Vec<ApiKey>,
    new_key: Option<NewKey>,
    now: time::OffsetDateTime,
    writable: bool,
}

impl AccountsPage {
    /// The address of a service account's action.
    fn account_action(&self, id: &str, action: &str) -> String {
        format!("{HOME}/{}/{action}", path_segment(id))
    }

    /// The address of an API key's action.
    fn key_action(&self, id: &str, action: &str) -> String {
        format!("/admin/api-keys/{}/{action}", path_segment(id))
    }

    /// A key's state for people: revoked, expired or in use.
    fn key_state(&self, key: &ApiKey) -> &'static str {
        if key.revoked_at.is_some() {
            "revoked"
        } else if key.expires_at <= self.now {
            "expired"
        } else {
            "active"
        }
    }
}

/// The section's page; `new_key` is shown once when given.
async fn accounts_page(
    at: &Console,
    done: &str,
    new_key: Option<NewKey>,
    status: StatusCode,
) -> ConsoleResult {
    let accounts = at.ui.admin.list_service_accounts(&at.actor).await?;
    let keys = at.ui.admin.list_api_keys(&at.actor).await?;
    let mut shell = Shell::new(at, Section::Accounts, "Service accounts and API keys", done);
    if new_key.is_some() {
        shell.message = Some("The API key was made. Copy it now: it is not shown again.");
    }
    let page = AccountsPage {
        shell,
        accounts,
        keys,
        new_key,
        now: time::OffsetDateTime::now_utc(),
        writable: at.actor.may(Area::System, Access::Write),
    };
    // The copy button's script.
    Ok(render::page(status, &page, &Csp::page().scripts()))
}

/// `GET /admin/service-accounts`
pub(crate) async fn list(at: Console, done: web::Query<Done>) -> ConsoleResult {
    accounts_page(&at, &done.done, None, StatusCode::OK).await
}

/// `GET /admin/api-keys`: keys are listed with the service accounts.
pub(crate) async fn keys(_at: Console) -> ConsoleResult {
    Ok(HttpResponse::SeeOther()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("{HOME}#api-keys"),
        ))
        .finish())
}

/// The form creating a service account.
#[derive(Debug, Deserialize)]
pub(crate) struct NewAccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    /// Space-separated global roles.
    #[serde(default)]
    roles: String,
    /// The owning administrator's address or id; empty: the acting one.
    #[serde(default)]
    owner: String,
}

/// `POST /admin/service-accounts`
pub(crate) async fn create(ConsoleForm { at, form }: ConsoleForm<NewAccountForm>) -> ConsoleResult {
    let roles: Vec<String> = form.roles.split_whitespace().map(str::to_owned).collect();
    let owner = Some(form.owner.trim()).filter(|o| !o.is_empty());
    let description = Some(form.description.trim().to_owned()).filter(|d| !d.is_empty());
    at.ui
        .admin
        .create_service_account(&at.actor, form.name.trim(), owner, &roles, description)
        .await?;
    Ok(back(HOME, "account_created"))
}

/// `POST /admin/service-accounts/{id}/delete`: with its keys.
pub(crate) async fn delete(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    confirmed(&form.confirm)?;
    at.ui.admin.delete_service_account(&at.actor, &id).await?;
    Ok(back(HOME, "account_deleted"))
}

/// The form making an API key.
#[derive(Debug, Deserialize)]
pub(crate) struct NewKeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    /// `user` or `service_account`.
    #[serde(default)]
    owner_kind: String,
    /// The user's address or id, or the service account's name or id.
    #[serde(default)]
    owner: String,
    /// Space-separated permissions.
    #[serde(default)]
    permissions: String,
    /// Lifetime in days.
    #[serde(default)]
    days: u64,
}

/// `POST /admin/api-keys`: the key is shown on the answer, once.
pub(crate) async fn create_key(ConsoleForm { at, form }: ConsoleForm<NewKeyForm>) -> ConsoleResult {
    let owner = form.owner.trim();
    let (user, account) = match form.owner_kind.as_str() {
        "user" => (Some(owner), None),
        "service_account" => (None, Some(owner)),
        _ => {
            return Err(
                domain::Error::invalid("owner_kind", "must be user or service_account").into(),
            );
        }
    };
    let permissions = form
        .permissions
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let lifetime = Duration::from_secs(form.days.saturating_mul(86_400));
    let (key, secret) = at
        .ui
        .admin
        .create_api_key(
            &at.actor,
            form.name.trim(),
            user,
            account,
            permissions,
            lifetime,
        )
        .await?;
    let shown = NewKey {
        name: key.name,
        secret,
    };
    accounts_page(&at, "", Some(shown), StatusCode::CREATED).await
}

/// `POST /admin/api-keys/{id}/revoke`: at once.
pub(crate) async fn revoke_key(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    confirmed(&form.confirm)?;
    at.ui.admin.revoke_api_key(&at.actor, &id).await?;
    Ok(back(HOME, "key_revoked"))
}

has_csrf!(NewAccountForm, NewKeyForm);
