//! The admin console (`/admin/...`): overview, users, clients, roles and groups, service
//! accounts and API keys, identity providers, signing keys, webhooks and the audit log.
//! Server-rendered, usable without JavaScript; every operation goes through
//! `domain::admin`, which checks the administrator's roles and audits it (`via: console`).
//! Imports `web` and `flow` only, like the other page families.

mod accounts;
mod audit;
mod chart;
mod clients;
mod errors;
mod guard;
mod idps;
mod keys;
mod overview;
mod roles;
mod shell;
mod users;
mod webhooks;

use actix_web::web as aweb;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;

use crate::resource;

/// The `done` query of a page shown after an action.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    done: String,
}

/// A time as the console shows it: RFC 3339, UTC, to the second.
pub(crate) fn when(t: impl std::borrow::Borrow<time::OffsetDateTime>) -> String {
    // Borrowed: askama passes fields by reference, `*t` of an option by value.
    let t = *t.borrow();
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

/// A session's authentication methods (`amr`, stored as a JSON list) as words.
pub(crate) fn methods(amr: &serde_json::Value) -> String {
    amr.as_array()
        .map(|list| {
            list.iter()
                .filter_map(serde_json::Value::as_str)
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .unwrap_or_default()
}

/// A path segment made of `value` (ids are ours, but never trusted to be URL-safe).
pub(crate) fn path_segment(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A button's form: its token, the confirmation box of what cannot be undone, and the item
/// acted on (a factor, a session, a rule, a key), when one.
#[derive(Debug, Deserialize)]
pub(crate) struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: Option<String>,
    #[serde(default)]
    item: String,
}

crate::web::csrf_form::has_csrf!(ActionForm);

/// Refuses a destructive action whose confirmation box was not ticked.
pub(crate) fn confirmed(confirm: &Option<String>) -> Result<(), errors::ConsoleError> {
    match confirm.as_deref() {
        Some("yes") => Ok(()),
        _ => Err(errors::ConsoleError::NotConfirmed),
    }
}

/// Mounts the console.
pub(crate) fn configure(cfg: &mut aweb::ServiceConfig) {
    cfg.service(resource("/admin").route(aweb::get().to(overview::show)));
    cfg.service(
        resource("/admin/users")
            .route(aweb::get().to(users::list))
            .route(aweb::post().to(users::create)),
    );
    cfg.service(resource("/admin/users/{id}").route(aweb::get().to(users::show)));
    cfg.service(resource("/admin/users/{id}/profile").route(aweb::post().to(users::profile)));
    cfg.service(resource("/admin/users/{id}/password").route(aweb::post().to(users::password)));
    cfg.service(resource("/admin/users/{id}/reset-mail").route(aweb::post().to(users::reset_mail)));
    cfg.service(
        resource("/admin/users/{id}/verify-email").route(aweb::post().to(users::verify_email)),
    );
    cfg.service(resource("/admin/users/{id}/state").route(aweb::post().to(users::state)));
    cfg.service(
        resource("/admin/users/{id}/factors/remove").route(aweb::post().to(users::remove_factor)),
    );
    cfg.service(resource("/admin/users/{id}/mfa/reset").route(aweb::post().to(users::reset_mfa)));
    cfg.service(
        resource("/admin/users/{id}/sessions/end").route(aweb::post().to(users::end_sessions)),
    );
    cfg.service(resource("/admin/users/{id}/delete").route(aweb::post().to(users::delete)));
    cfg.service(
        resource("/admin/clients")
            .route(aweb::get().to(clients::list))
            .route(aweb::post().to(clients::create)),
    );
    cfg.service(
        resource("/admin/clients/{id}")
            .route(aweb::get().to(clients::show))
            .route(aweb::post().to(clients::update)),
    );
    cfg.service(
        resource("/admin/clients/{id}/rotate-secret").route(aweb::post().to(clients::rotate)),
    );
    cfg.service(resource("/admin/clients/{id}/enable").route(aweb::post().to(clients::enable)));
    cfg.service(resource("/admin/clients/{id}/disable").route(aweb::post().to(clients::disable)));
    cfg.service(resource("/admin/clients/{id}/delete").route(aweb::post().to(clients::delete)));
    cfg.service(resource("/admin/audit").route(aweb::get().to(audit::show)));
    cfg.service(resource("/admin/audit/export").route(aweb::get().to(audit::export)));
    cfg.service(resource("/admin/audit/verify").route(aweb::get().to(audit::verify)));
    configure_system(cfg);
}

/// Mounts the system pages: roles and groups, service accounts and API keys, identity
/// providers, signing keys and webhooks.
fn configure_system(cfg: &mut aweb::ServiceConfig) {
    cfg.service(
        resource("/admin/roles")
            .route(aweb::get().to(roles::list))
            .route(aweb::post().to(roles::create)),
    );
    cfg.service(resource("/admin/roles/{name}").route(aweb::get().to(roles::show)));
    cfg.service(
        resource("/admin/roles/{name}/permissions").route(aweb::post().to(roles::add_permission)),
    );
    cfg.service(
        resource("/admin/roles/{name}/permissions/remove")
            .route(aweb::post().to(roles::remove_permission)),
    );
    cfg.service(resource("/admin/roles/{name}/grants").route(aweb::post().to(roles::grant)));
    cfg.service(
        resource("/admin/roles/{name}/grants/revoke").route(aweb::post().to(roles::revoke)),
    );
    cfg.service(resource("/admin/roles/{name}/delete").route(aweb::post().to(roles::delete)));
    cfg.service(
        resource("/admin/groups")
            .route(aweb::get().to(roles::groups))
            .route(aweb::post().to(roles::create_group)),
    );
    cfg.service(resource("/admin/groups/{name}").route(aweb::get().to(roles::show_group)));
    cfg.service(resource("/admin/groups/{name}/members").route(aweb::post().to(roles::add_member)));
    cfg.service(
        resource("/admin/groups/{name}/members/remove")
            .route(aweb::post().to(roles::remove_member)),
    );
    cfg.service(
        resource("/admin/groups/{name}/delete").route(aweb::post().to(roles::delete_group)),
    );
    cfg.service(
        resource("/admin/service-accounts")
            .route(aweb::get().to(accounts::list))
            .route(aweb::post().to(accounts::create)),
    );
    cfg.service(
        resource("/admin/service-accounts/{id}/delete").route(aweb::post().to(accounts::delete)),
    );
    cfg.service(
        resource("/admin/api-keys")
            .route(aweb::get().to(accounts::keys))
            .route(aweb::post().to(accounts::create_key)),
    );
    cfg.service(
        resource("/admin/api-keys/{id}/revoke").route(aweb::post().to(accounts::revoke_key)),
    );
    cfg.service(
        resource("/admin/idps")
            .route(aweb::get().to(idps::list))
            .route(aweb::post().to(idps::create)),
    );
    cfg.service(
        resource("/admin/idps/{name}")
            .route(aweb::get().to(idps::show))
            .route(aweb::post().to(idps::update)),
    );
    cfg.service(resource("/admin/idps/{name}/mappings").route(aweb::post().to(idps::add_mapping)));
    cfg.service(
        resource("/admin/idps/{name}/mappings/remove").route(aweb::post().to(idps::remove_mapping)),
    );
    cfg.service(resource("/admin/idps/{name}/delete").route(aweb::post().to(idps::delete)));
    cfg.service(resource("/admin/keys").route(aweb::get().to(keys::list)));
    cfg.service(resource("/admin/keys/rotate").route(aweb::post().to(keys::rotate)));
    cfg.service(resource("/admin/keys/{kid}/retire").route(aweb::post().to(keys::retire)));
    cfg.service(
        resource("/admin/webhooks")
            .route(aweb::get().to(webhooks::list))
            .route(aweb::post().to(webhooks::create)),
    );
    cfg.service(resource("/admin/webhooks/{id}").route(aweb::get().to(webhooks::show)));
    cfg.service(resource("/admin/webhooks/{id}/enable").route(aweb::post().to(webhooks::enable)));
    cfg.service(resource("/admin/webhooks/{id}/disable").route(aweb::post().to(webhooks::disable)));
    cfg.service(
        resource("/admin/webhooks/{id}/rotate-secret").route(aweb::post().to(webhooks::rotate)),
    );
    cfg.service(resource("/admin/webhooks/{id}/delete").route(aweb::post().to(webhooks::delete)));
}
