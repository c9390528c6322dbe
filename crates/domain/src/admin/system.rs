//! System administration (`gatehouse:admin` only): signing keys, roles, groups, service
//! accounts and API keys.

use std::time::Duration;

use serde_json::json;

use super::{Access, Actor, Admin, Area, Principal};
use crate::apikeys::{ApiKey, NewApiKey, Owner};
use crate::audit::AuditEvent;
use crate::groups::{GroupDetails, GroupSummary};
use crate::keys::{KeyAlg, KeyInfo};
use crate::roles::{RoleDetails, RoleGrantee, RoleName};
use crate::service_accounts::ServiceAccount;
use crate::{Error, Result};

impl Admin {
    /// Every signing key (never a private part).
    pub async fn list_keys(&self, actor: &Actor) -> Result<Vec<KeyInfo>> {
        actor.require(Area::System, Access::Read)?;
        self.parts.keys.list().await
    }

    /// Rotates `algs` (none: every configured algorithm): each next key starts signing.
    pub async fn rotate_keys(&self, actor: &Actor, algs: &[String]) -> Result<Vec<KeyInfo>> {
        actor.require(Area::System, Access::Write)?;
        let algs: Vec<KeyAlg> = if algs.is_empty() {
            self.parts.key_algorithms.clone()
        } else {
            algs.iter()
                .map(|a| KeyAlg::parse(a))
                .collect::<Result<_>>()?
        };
        self.parts.keys.ensure(&algs).await?;
        for (alg, kid) in self.parts.keys.rotate(&algs).await? {
            self.audit(
                actor,
                AuditEvent::success("keys.rotated"),
                json!({ "alg": alg.as_str(), "kid": kid }),
            )
            .await?;
        }
        self.parts.keys.list().await
    }

    /// Unpublishes a retired key now (a key believed compromised).
    pub async fn retire_key(&self, actor: &Actor, kid: &str) -> Result<KeyInfo> {
        actor.require(Area::System, Access::Write)?;
        let gone = self.parts.keys.retire_now(kid).await?;
        self.audit(
            actor,
            AuditEvent::success("keys.retired"),
            json!({ "alg": gone.alg, "kid": gone.kid }),
        )
        .await?;
        Ok(gone)
    }

    /// Every role, global and of clients.
    pub async fn list_roles(&self, actor: &Actor) -> Result<Vec<RoleName>> {
        actor.require(Area::System, Access::Read)?;
        Ok(self
            .parts
            .roles
            .list()
            .await?
            .into_iter()
            .map(RoleName::from)
            .collect())
    }

    /// One role with its permissions, inclusions and holders.
    pub async fn role(
        &self,
        actor: &Actor,
        client: Option<&str>,
        name: &str,
    ) -> Result<RoleDetails> {
        actor.require(Area::System, Access::Read)?;
        self.parts.roles.show(client, name).await
    }

    /// Creates a role with permissions (global, or of a client).
    pub async fn create_role(
        &self,
        actor: &Actor,
        client: Option<&str>,
        name: &str,
        permissions: &[String],
    ) -> Result<RoleDetails> {
        actor.require(Area::System, Access::Write)?;
        self.parts
            .roles
            .create_in(client, name, permissions)
            .await?;
        self.audit(
            actor,
            role_event("role.created", client),
            json!({ "role": name, "permissions": permissions }),
        )
        .await?;
        self.parts.roles.show(client, name).await
    }

    /// Deletes a role with its grants.
    pub async fn delete_role(&self, actor: &Actor, client: Option<&str>, name: &str) -> Result<()> {
        actor.require(Area::System, Access::Write)?;
        self.parts.roles.delete(client, name).await?;
        self.audit(
            actor,
            role_event("role.deleted", client),
            json!({ "role": name }),
        )
        .await
    }

    /// Adds (`true`) or removes a permission of a role; returns the role as it is now.
    pub async fn set_role_permission(
        &self,
        actor: &Actor,
        client: Option<&str>,
        name: &str,
        permission: &str,
        held: bool,
    ) -> Result<RoleDetails> {
        actor.require(Area::System, Access::Write)?;
        let kind = if held {
            self.parts
                .roles
                .add_permission(client, name, permission)
                .await?;
            "role.permission_added"
        } else {
            self.parts
                .roles
                .remove_permission(client, name, permission)
                .await?;
            "role.permission_removed"
        };
        self.audit(
            actor,
            role_event(kind, client),
            json!({ "role": name, "permission": permission }),
        )
        .await?;
        self.parts.roles.show(client, name).await
    }

    /// Makes a role include (`true`) another, so that whoever holds it holds the other
    /// (cycles are refused), or stops it; returns the role as it is now.
    pub async fn set_role_include(
        &self,
        actor: &Actor,
        client: Option<&str>,
        name: &str,
        other: &RoleName,
        included: bool,
    ) -> Result<RoleDetails> {
        actor.require(Area::System, Access::Write)?;
        let role = RoleName {
            client_id: client.map(str::to_owned),
            name: name.to_owned(),
        };
        let kind = if included {
            self.parts.roles.include(&role, other).await?;
            "role.included"
        } else {
            self.parts.roles.exclude(&role, other).await?;
            "role.include_removed"
        };
        self.audit(
            actor,
            role_event(kind, client),
            json!({ "role": name, "other": other.name, "other_client_id": other.client_id }),
        )
        .await?;
        self.parts.roles.show(client, name).await
    }

    /// Grants a role to a user (address or id) or a group.
    pub async fn grant_role(
        &self,
        actor: &Actor,
        client: Option<&str>,
        name: &str,
        to: &RoleGrantee,
    ) -> Result<()> {
        actor.require(Area::System, Access::Write)?;
        self.parts.roles.grant_to(client, name, to).await?;
        let (event, data) = self.grantee_event("role.granted", client, name, to).await?;
        self.audit(actor, event, data).await
    }

    /// Takes a direct grant back.
    pub async fn revoke_role(
        &self,
        actor: &Actor,
        client: Option<&str>,
        name: &str,
        from: &RoleGrantee,
    ) -> Result<()> {
        actor.require(Area::System, Access::Write)?;
        if client.is_none()
            && name == super::ADMIN
            && let RoleGrantee::User(key) = from
        {
            let target = self.parts.users.resolve(key).await?;
            if actor.principal == Principal::User(target.id.clone()) {
                return Err(Error::WrongState(
                    "an administrator cannot take gatehouse:admin from themselves".into(),
                ));
            }
        }
        self.parts.roles.revoke_from(client, name, from).await?;
        let (event, data) = self
            .grantee_event("role.revoked", client, name, from)
            .await?;
        self.audit(actor, event, data).await
    }

    async fn grantee_event(
        &self,
        kind: &'static str,
        client: Option<&str>,
        name: &str,
        who: &RoleGrantee,
    ) -> Result<(AuditEvent, serde_json::Value)> {
        let event = role_event(kind, client);
        Ok(match who {
            RoleGrantee::User(key) => {
                let user = self.parts.users.resolve(key).await?;
                (event.subject(user.id), json!({ "role": name }))
            }
            RoleGrantee::Group(group) => (event, json!({ "role": name, "group": group })),
        })
    }

    /// Every group.
    pub async fn list_groups(&self, actor: &Actor) -> Result<Vec<GroupSummary>> {
        actor.require(Area::System, Access::Read)?;
        self.parts.groups.list().await
    }

    /// One group with members, roles and subgroups.
    pub async fn group(&self, actor: &Actor, name: &str) -> Result<GroupDetails> {
        actor.require(Area::System, Access::Read)?;
        self.parts.groups.show(name).await
    }

    /// Creates a group, optionally inside another.
    pub async fn create_group(
        &self,
        actor: &Actor,
        name: &str,
        parent: Option<&str>,
    ) -> Result<GroupSummary> {
        actor.require(Area::System, Access::Write)?;
        let created = self.parts.groups.create(name, parent).await?;
        self.audit(
            actor,
            AuditEvent::success("group.created"),
            json!({ "group": name, "parent": parent }),
        )
        .await?;
        Ok(created)
    }

    /// Deletes a group (its subgroups move up).
    pub async fn delete_group(&self, actor: &Actor, name: &str) -> Result<()> {
        actor.require(Area::System, Access::Write)?;
        self.parts.groups.delete(name).await?;
        self.audit(
            actor,
            AuditEvent::success("group.deleted"),
            json!({ "group": name }),
        )
        .await
    }

    /// Adds (`true`) or removes a member (address or id).
    pub async fn set_group_member(
        &self,
        actor: &Actor,
        name: &str,
        user: &str,
        member: bool,
    ) -> Result<()> {
        actor.require(Area::System, Access::Write)?;
        let found = self.parts.users.resolve(user).await?;
        let label = found.email.clone().unwrap_or_else(|| found.id.clone());
        let kind = if member {
            self.parts.groups.add_member(name, &label).await?;
            "group.member_added"
        } else {
            self.parts.groups.remove_member(name, &label).await?;
            "group.member_removed"
        };
        self.audit(
            actor,
            AuditEvent::success(kind).subject(found.id),
            json!({ "group": name }),
        )
        .await
    }

    /// Puts `child` inside the group `name` (`true`, moving it from where it was; cycles are
    /// refused), or takes it out to the top (`NotFound` unless it is directly inside).
    pub async fn set_subgroup(
        &self,
        actor: &Actor,
        name: &str,
        child: &str,
        inside: bool,
    ) -> Result<()> {
        actor.require(Area::System, Access::Write)?;
        let kind = if inside {
            self.parts.groups.add_subgroup(name, child).await?;
            "group.subgroup_added"
        } else {
            // Both must exist, and the child be inside this group, not another.
            self.parts.groups.show(name).await?;
            let found = self.parts.groups.show(child).await?;
            if found.group.parent.as_deref() != Some(name) {
                return Err(Error::NotFound("subgroup"));
            }
            self.parts.groups.remove_from_parent(child).await?;
            "group.subgroup_removed"
        };
        self.audit(
            actor,
            AuditEvent::success(kind),
            json!({ "group": name, "subgroup": child }),
        )
        .await
    }

    /// Every service account.
    pub async fn list_service_accounts(&self, actor: &Actor) -> Result<Vec<ServiceAccount>> {
        actor.require(Area::System, Access::Read)?;
        self.parts.service_accounts.list().await
    }

    /// Creates a service account owned by `owner` (an administrator's address or id; none: the
    /// acting person).
    pub async fn create_service_account(
        &self,
        actor: &Actor,
        name: &str,
        owner: Option<&str>,
        roles: &[String],
        description: Option<String>,
    ) -> Result<ServiceAccount> {
        actor.require(Area::System, Access::Write)?;
        let owner_id = match (owner, &actor.principal) {
            (Some(key), _) => self.parts.users.resolve(key).await?.id,
            (None, Principal::User(id)) => id.clone(),
            (None, _) => return Err(Error::invalid("owner", "name the owning administrator")),
        };
        let created = self
            .parts
            .service_accounts
            .create(name, &owner_id, roles, description)
            .await?;
        self.audit(
            actor,
            AuditEvent::success("service_account.created"),
            json!({ "service_account": created.id, "name": name, "roles": roles }),
        )
        .await?;
        Ok(created)
    }

    /// Deletes a service account and its keys.
    pub async fn delete_service_account(&self, actor: &Actor, name_or_id: &str) -> Result<()> {
        actor.require(Area::System, Access::Write)?;
        let gone = self.parts.service_accounts.delete(name_or_id).await?;
        self.audit(
            actor,
            AuditEvent::success("service_account.deleted"),
            json!({ "service_account": gone.id, "name": gone.name }),
        )
        .await
    }

    /// Every API key (never the key itself).
    pub async fn list_api_keys(&self, actor: &Actor) -> Result<Vec<ApiKey>> {
        actor.require(Area::System, Access::Read)?;
        self.parts.api_keys.list(None).await
    }

    /// Creates a key for a user (address or id) or a service account (name or id); returns it
    /// with the key, shown once.
    pub async fn create_api_key(
        &self,
        actor: &Actor,
        name: &str,
        user: Option<&str>,
        service_account: Option<&str>,
        permissions: Vec<String>,
        expires_in: Duration,
    ) -> Result<(ApiKey, String)> {
        actor.require(Area::System, Access::Write)?;
        let owner = match (user, service_account) {
            (Some(u), None) => Owner::User(self.parts.users.resolve(u).await?.id),
            (None, Some(sa)) => {
                Owner::ServiceAccount(self.parts.service_accounts.get(sa).await?.id)
            }
            _ => {
                return Err(Error::invalid(
                    "owner",
                    "give exactly one of user and service_account",
                ));
            }
        };
        let (key, secret) = self
            .parts
            .api_keys
            .create(NewApiKey {
                name: name.to_owned(),
                owner,
                permissions,
                expires_in,
                rate_limit_per_minute: None,
            })
            .await?;
        self.audit(
            actor,
            AuditEvent::success("apikey.created"),
            json!({ "api_key": key.id, "owner_type": key.owner_type, "owner_id": key.owner_id }),
        )
        .await?;
        Ok((key, secret))
    }

    /// Revokes a key at once.
    pub async fn revoke_api_key(&self, actor: &Actor, id: &str) -> Result<ApiKey> {
        actor.require(Area::System, Access::Write)?;
        let key = self.parts.api_keys.revoke(id).await?;
        self.audit(
            actor,
            AuditEvent::success("apikey.revoked"),
            json!({ "api_key": key.id }),
        )
        .await?;
        Ok(key)
    }
}

/// A role event, naming the client for a client role.
fn role_event(kind: &'static str, client: Option<&str>) -> AuditEvent {
    match client {
        Some(c) => AuditEvent::success(kind).client(c),
        None => AuditEvent::success(kind),
    }
}
