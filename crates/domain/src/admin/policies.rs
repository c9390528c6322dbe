//! Resource servers' Cedar policy sets and ACL relations (`gatehouse:admin`), audited with
//! the actor.

use serde_json::json;

use super::{Access, Actor, Admin, Area};
use crate::audit::AuditEvent;
use crate::policies::{AclEntry, AclSubject, StoredPolicySet};
use crate::{Error, Result};

impl Admin {
    /// The policy set of a resource server; `NotFound` when it has none.
    pub async fn policy_set(
        &self,
        actor: &Actor,
        resource_server: &str,
    ) -> Result<StoredPolicySet> {
        actor.require(Area::System, Access::Read)?;
        self.parts
            .policies
            .get(resource_server)
            .await?
            .ok_or(Error::NotFound("policy set"))
    }

    /// Checks and stores a resource server's schema and policies, replacing its set. A set
    /// that does not parse or validate is refused (`Invalid`, with Cedar's message, line and
    /// column) and the stored one kept. `expected` is the version of an `If-Match`.
    pub async fn set_policy_set(
        &self,
        actor: &Actor,
        resource_server: &str,
        schema: &str,
        policies: &str,
        expected: Option<&str>,
    ) -> Result<StoredPolicySet> {
        actor.require(Area::System, Access::Write)?;
        let expected = expected
            .map(|v| v.parse::<i64>().map_err(|_| Error::Stale("policy set")))
            .transpose()?;
        let stored = self
            .parts
            .policies
            .set_if(resource_server, schema, policies, expected)
            .await?;
        self.audit(
            actor,
            AuditEvent::success("policy.set").client(resource_server),
            json!({ "version": stored.version, "policies": stored.policy_ids }),
        )
        .await?;
        Ok(stored)
    }

    /// Removes a resource server's policy set: its decisions are refused until a new one.
    pub async fn delete_policy_set(&self, actor: &Actor, resource_server: &str) -> Result<()> {
        actor.require(Area::System, Access::Write)?;
        self.parts.policies.delete(resource_server).await?;
        self.audit(
            actor,
            AuditEvent::success("policy.deleted").client(resource_server),
            json!({}),
        )
        .await
    }

    /// The ACL relations of a resource server, or of one of its resources (`Type:id`).
    pub async fn relations(
        &self,
        actor: &Actor,
        resource_server: &str,
        resource: Option<&str>,
    ) -> Result<Vec<AclEntry>> {
        actor.require(Area::System, Access::Read)?;
        let only = match resource {
            Some(r) => Some(self.parts.policies.resource(resource_server, r).await?),
            None => {
                // The resource server must exist, as when one resource is named.
                self.parts.clients.get_any(resource_server).await?;
                None
            }
        };
        self.parts
            .policies
            .acl()
            .list(
                resource_server,
                only.as_ref().map(|(t, i)| (t.as_str(), i.as_str())),
            )
            .await
    }

    /// Gives a user, group or role a relation on a resource (`Type:id`, the type as the
    /// resource server's schema names it); adding it twice is harmless.
    pub async fn add_relation(
        &self,
        actor: &Actor,
        resource_server: &str,
        subject: &AclSubject,
        relation: &str,
        resource: &str,
    ) -> Result<AclEntry> {
        actor.require(Area::System, Access::Write)?;
        let (ty, id) = self
            .parts
            .policies
            .resource(resource_server, resource)
            .await?;
        let entry = self
            .parts
            .policies
            .acl()
            .add(resource_server, subject, relation, &ty, &id)
            .await?;
        self.audit(
            actor,
            AuditEvent::success("acl.added").client(resource_server),
            json!({
                "subject_kind": entry.subject_kind,
                "subject": entry.subject,
                "relation": entry.relation,
                "resource": format!("{}:{}", entry.resource_type, entry.resource_id),
            }),
        )
        .await?;
        Ok(entry)
    }

    /// Takes a relation back; `NotFound` when there is none.
    pub async fn remove_relation(
        &self,
        actor: &Actor,
        resource_server: &str,
        subject: &AclSubject,
        relation: &str,
        resource: &str,
    ) -> Result<()> {
        actor.require(Area::System, Access::Write)?;
        let (ty, id) = self
            .parts
            .policies
            .resource(resource_server, resource)
            .await?;
        self.parts
            .policies
            .acl()
            .remove(resource_server, subject, relation, &ty, &id)
            .await?;
        self.audit(
            actor,
            AuditEvent::success("acl.removed").client(resource_server),
            json!({ "relation": relation, "resource": format!("{ty}:{id}") }),
        )
        .await
    }
}
