//! What every console page shows around its content: the navigation (the sections the
//! administrator's roles open), who is signed in, and the result of the last action.

use domain::admin::{Access, Actor, Area};

use super::guard::Console;

/// The console's sections, in the navigation's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Overview,
    Users,
    Clients,
    Roles,
    Accounts,
    Idps,
    Keys,
    Webhooks,
    Audit,
}

impl Section {
    const ALL: [Section; 9] = [
        Section::Overview,
        Section::Users,
        Section::Clients,
        Section::Roles,
        Section::Accounts,
        Section::Idps,
        Section::Keys,
        Section::Webhooks,
        Section::Audit,
    ];

    /// The section's address.
    pub(crate) const fn href(self) -> &'static str {
        match self {
            Section::Overview => "/admin",
            Section::Users => "/admin/users",
            Section::Clients => "/admin/clients",
            Section::Roles => "/admin/roles",
            Section::Accounts => "/admin/service-accounts",
            Section::Idps => "/admin/idps",
            Section::Keys => "/admin/keys",
            Section::Webhooks => "/admin/webhooks",
            Section::Audit => "/admin/audit",
        }
    }

    /// The section's name in the navigation.
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Section::Overview => "Overview",
            Section::Users => "Users",
            Section::Clients => "Clients",
            Section::Roles => "Roles and groups",
            Section::Accounts => "Service accounts and API keys",
            Section::Idps => "Identity providers",
            Section::Keys => "Signing keys",
            Section::Webhooks => "Webhooks",
            Section::Audit => "Audit log",
        }
    }

    /// Whether `actor` may read the section (the domain checks every operation again).
    fn open_to(self, actor: &Actor) -> bool {
        match self {
            Section::Overview => actor.is_admin_of_anything(),
            Section::Users => actor.may(Area::Users, Access::Read),
            Section::Clients => actor.may(Area::Clients, Access::Read),
            Section::Audit => actor.may(Area::Audit, Access::Read),
            _ => actor.may(Area::System, Access::Read),
        }
    }
}

/// A navigation entry.
#[derive(Debug)]
pub(crate) struct NavItem {
    pub(crate) href: &'static str,
    pub(crate) label: &'static str,
    pub(crate) current: bool,
}

/// Messages shown after an action that worked, by the `done` query value.
const DONE: &[(&str, &str)] = &[
    ("user_created", "The account was created."),
    ("user_updated", "The profile was saved."),
    (
        "password_set",
        "The password was set; the account's sessions were ended.",
    ),
    ("reset_sent", "A password reset link was mailed."),
    ("email_verified", "The address is marked as verified."),
    ("state_changed", "The account's state was changed."),
    ("factor_removed", "The second factor was removed."),
    (
        "mfa_reset",
        "Every second factor, recovery code and passkey of the account was removed.",
    ),
    ("sessions_ended", "The sessions were ended."),
    ("user_deleted", "The account was deleted."),
    ("client_updated", "The client was saved."),
    ("client_enabled", "The client was enabled."),
    (
        "client_disabled",
        "The client was disabled: it can no longer sign anyone in.",
    ),
    ("client_deleted", "The client was deleted."),
    ("role_created", "The role was created."),
    ("role_deleted", "The role was deleted."),
    ("role_changed", "The role was changed."),
    ("group_created", "The group was created."),
    ("group_deleted", "The group was deleted."),
    ("group_changed", "The group was changed."),
    ("account_created", "The service account was created."),
    ("account_deleted", "The service account was deleted."),
    ("key_revoked", "The API key was revoked."),
    (
        "keys_rotated",
        "New signing keys were made: every node signs with them after its next key reload (within keys.reload_interval_secs); the old ones stay published until their tokens expire.",
    ),
    (
        "key_retired",
        "The key was deleted: every node leaves it out of the JWKS after its next key reload (within keys.reload_interval_secs).",
    ),
    ("idp_changed", "The identity provider was saved."),
    ("idp_deleted", "The identity provider was deleted."),
    ("webhook_changed", "The webhook was saved."),
    ("webhook_deleted", "The webhook was deleted."),
];

/// The layout's data.
#[derive(Debug)]
pub(crate) struct Shell {
    /// The token of every form.
    pub(crate) csrf: String,
    /// Who is signed in.
    pub(crate) who: String,
    /// The administrative roles in force.
    pub(crate) roles: String,
    /// The page's title.
    pub(crate) title: String,
    /// The sections open to the administrator.
    pub(crate) nav: Vec<NavItem>,
    /// The last action's result.
    pub(crate) message: Option<&'static str>,
}

impl Shell {
    /// The shell of a page of `section` titled `title`; `done` names the last action's result.
    pub(crate) fn new(
        at: &Console,
        section: Section,
        title: impl Into<String>,
        done: &str,
    ) -> Self {
        Self {
            csrf: at.csrf.clone(),
            who: at
                .me
                .user
                .email
                .clone()
                .unwrap_or_else(|| at.me.user.subject.clone()),
            roles: at.actor.roles().join(", "),
            title: title.into(),
            nav: Section::ALL
                .into_iter()
                .filter(|s| s.open_to(&at.actor))
                .map(|s| NavItem {
                    href: s.href(),
                    label: s.label(),
                    current: s == section,
                })
                .collect(),
            message: DONE.iter().find(|(k, _)| *k == done).map(|(_, m)| *m),
        }
    }
}

/// The answer after an action: `to`, with the message for `done` on top.
pub(crate) fn back(to: &str, done: &str) -> actix_web::HttpResponse {
    let sep = if to.contains('?') { '&' } else { '?' };
    actix_web::HttpResponse::SeeOther()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("{to}{sep}done={done}"),
        ))
        .finish()
}
