//! Who may administer: the `gatehouse:*` roles, the caller they make an [`Actor`], and the one
//! place that decides whether an actor may touch an [`Area`].

use serde::Serialize;

use crate::audit::AuditEvent;
use crate::{Error, Result};

/// Everything: users, clients, roles, groups, keys, upstreams, policies, webhooks, audit.
pub const ADMIN: &str = "gatehouse:admin";
/// User management (accounts, their sessions, factors, links and consents).
pub const USERS: &str = "gatehouse:users";
/// Client management.
pub const CLIENTS: &str = "gatehouse:clients";
/// Reading the audit log, nothing else.
pub const AUDIT: &str = "gatehouse:audit";

/// The administrative roles, strongest first.
pub const ADMIN_ROLES: [&str; 4] = [ADMIN, USERS, CLIENTS, AUDIT];

/// What an operation touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// User accounts.
    Users,
    /// Clients.
    Clients,
    /// The audit log.
    Audit,
    /// Roles, groups, keys, upstreams, policies, service accounts, API keys, webhooks.
    System,
}

/// Whether an operation reads or changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads only.
    Read,
    /// Changes something.
    Write,
}

/// Which surface the actor came through (recorded in the audit event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// The admin API.
    Api,
    /// The admin console.
    Console,
    /// The command line on the server's host.
    Cli,
    /// SCIM provisioning.
    Scim,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Api => "api",
            Via::Console => "console",
            Via::Cli => "cli",
            Via::Scim => "scim",
        }
    }
}

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A person, by user id.
    User(String),
    /// A service account, by id.
    ServiceAccount(String),
    /// Whoever runs the CLI on the host: holding the database and the master key is
    /// already every power, so the CLI acts with all of them.
    Operator,
}

/// An authenticated administrator with the administrative roles it holds.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Who.
    pub principal: Principal,
    /// The `gatehouse:*` roles in force for this call (a token's scopes narrow them).
    roles: Vec<&'static str>,
    /// Through which surface.
    pub via: Via,
    /// The API key used, if any (recorded, never the key itself).
    pub api_key_id: Option<String>,
    /// The caller's IP address.
    pub ip: Option<String>,
    /// The request id, to join with request logs.
    pub request_id: Option<String>,
}

impl Actor {
    /// An actor holding those of `roles` that are administrative (others are ignored).
    pub fn new(principal: Principal, roles: &[String], via: Via) -> Self {
        let roles = ADMIN_ROLES
            .into_iter()
            .filter(|r| roles.iter().any(|held| held == r))
            .collect();
        Self {
            principal,
            roles,
            via,
            api_key_id: None,
            ip: None,
            request_id: None,
        }
    }

    /// The operator at the command line: every power.
    pub fn operator() -> Self {
        Self {
            roles: vec![ADMIN],
            ..Self::new(Principal::Operator, &[], Via::Cli)
        }
    }

    /// Whether any administrative role is in force.
    pub fn is_admin_of_anything(&self) -> bool {
        !self.roles.is_empty()
    }

    /// The administrative roles in force.
    pub fn roles(&self) -> &[&'static str] {
        &self.roles
    }

    /// Whether the actor may perform `access` on `area`: the one rule of who administers what.
    pub fn may(&self, area: Area, access: Access) -> bool {
        self.roles.iter().any(|role| match *role {
            ADMIN => true,
            USERS => area == Area::Users,
            CLIENTS => area == Area::Clients,
            AUDIT => area == Area::Audit && access == Access::Read,
            _ => false,
        })
    }

    /// [`Actor::may`], as an error the edges answer 403.
    pub fn require(&self, area: Area, access: Access) -> Result<()> {
        if self.may(area, access) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "this needs {}",
                needed(area, access).join(" or ")
            )))
        }
    }

    /// The audit identity: a user id, `sa:{id}` for a service account, none for the operator.
    pub fn audit_id(&self) -> Option<String> {
        match &self.principal {
            Principal::User(id) => Some(id.clone()),
            Principal::ServiceAccount(id) => Some(crate::service_accounts::subject(id)),
            Principal::Operator => None,
        }
    }

    /// An audit event of this actor's doing, with how it came and `data` merged in.
    pub fn event(&self, event: AuditEvent, data: serde_json::Value) -> AuditEvent {
        let mut details = serde_json::Map::new();
        details.insert("via".into(), self.via.as_str().into());
        if let Some(key) = &self.api_key_id {
            details.insert("api_key".into(), key.clone().into());
        }
        if let serde_json::Value::Object(extra) = data {
            details.extend(extra);
        }
        let mut event = event.data(serde_json::Value::Object(details));
        event.actor_user_id = self.audit_id();
        event.ip = self.ip.clone();
        event.request_id = self.request_id.clone();
        event
    }
}

/// The roles that grant `access` on `area`.
fn needed(area: Area, access: Access) -> Vec<&'static str> {
    let mut roles = vec![ADMIN];
    match (area, access) {
        (Area::Users, _) => roles.push(USERS),
        (Area::Clients, _) => roles.push(CLIENTS),
        (Area::Audit, Access::Read) => roles.push(AUDIT),
        _ => {}
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(roles: &[&str]) -> Actor {
        let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
        Actor::new(Principal::User("u".into()), &roles, Via::Api)
    }

    #[test]
    fn each_role_reaches_only_its_own_area() {
        use Access::{Read, Write};
        use Area::{Audit, Clients, System, Users};
        let cases: &[(&[&str], Area, Access, bool)] = &[
            (&[ADMIN], System, Write, true),
            (&[ADMIN], Audit, Read, true),
            (&[USERS], Users, Write, true),
            (&[USERS], Clients, Read, false),
            (&[USERS], Audit, Read, false),
            (&[CLIENTS], Clients, Write, true),
            (&[CLIENTS], Users, Read, false),
            (&[AUDIT], Audit, Read, true),
            (&[AUDIT], Audit, Write, false),
            (&[AUDIT], Users, Read, false),
            (&["admin", "staff"], Users, Read, false),
            (&[], Audit, Read, false),
            (&[USERS, CLIENTS], Clients, Write, true),
            (&[USERS, CLIENTS], System, Read, false),
        ];
        for (roles, area, access, expected) in cases {
            assert_eq!(
                actor(roles).may(*area, *access),
                *expected,
                "{roles:?} {area:?} {access:?}"
            );
        }
        assert!(matches!(
            actor(&[AUDIT]).require(Users, Read),
            Err(Error::Forbidden(m)) if m.contains(USERS)
        ));
    }

    #[test]
    fn the_event_names_the_actor_and_how_it_came() {
        let mut a = actor(&[ADMIN]);
        a.api_key_id = Some("k1".into());
        let e = a.event(
            AuditEvent::success("user.updated"),
            serde_json::json!({"fields": ["name"]}),
        );
        assert_eq!(e.actor_user_id.as_deref(), Some("u"));
        let data = e.data.unwrap();
        assert_eq!(data["via"], "api");
        assert_eq!(data["api_key"], "k1");
        assert_eq!(data["fields"][0], "name");
        let sa = Actor::new(Principal::ServiceAccount("s1".into()), &[], Via::Api);
        assert_eq!(sa.audit_id().as_deref(), Some("sa:s1"));
        assert_eq!(Actor::operator().audit_id(), None);
    }
}
