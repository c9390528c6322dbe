//! ACL entries: "subject has relation on resource", per resource server. At a decision the
//! entries that reach the principal (directly, through a group or through a role) become
//! `Gatehouse::Relation` parents of the principal entity.

use super::memo::Memo;
use crate::policies::Changes;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set,
};
use serde::Serialize;

use crate::entities::{acl_entry, group, role, user};
use crate::{Error, Result, Store, now};

/// Who an entry is for, as an administrator names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AclSubject {
    /// A user, by email address.
    User(String),
    /// A group, by name.
    Group(String),
    /// A role, by name.
    Role(String),
}

/// One ACL entry as administrators see it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AclEntry {
    /// Its id.
    pub id: String,
    /// The resource server (client) it belongs to.
    pub resource_server: String,
    /// `user`, `group` or `role`.
    pub subject_kind: String,
    /// The subject's stored id.
    pub subject: String,
    /// The subject as people name it: the user's email, the group's or role's name (the id
    /// when it no longer exists).
    pub subject_name: String,
    /// The relation (e.g. `owner`, `reader`).
    pub relation: String,
    /// The resource's entity type.
    pub resource_type: String,
    /// The resource's id.
    pub resource_id: String,
    /// When it was added.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

impl From<acl_entry::Model> for AclEntry {
    fn from(m: acl_entry::Model) -> Self {
        Self {
            id: m.id,
            resource_server: m.client_id,
            subject_kind: m.subject_kind,
            subject_name: m.subject.clone(),
            subject: m.subject,
            relation: m.relation,
            resource_type: m.resource_type,
            resource_id: m.resource_id,
            created_at: m.created_at,
        }
    }
}

/// A resource named as `Type:id` or `Type::"id"` (Cedar's form).
pub fn parse_resource(text: &str) -> Result<(String, String)> {
    let (ty, id) = if let Some((ty, rest)) = text.split_once("::\"") {
        match rest.strip_suffix('"') {
            Some(id) => (ty, id),
            None => return Err(bad_resource(text)),
        }
    } else {
        match text.rsplit_once(':') {
            Some((ty, id)) if !ty.ends_with(':') => (ty, id),
            _ => return Err(bad_resource(text)),
        }
    };
    validate_type(ty)?;
    if id.is_empty() || id.len() > 256 {
        return Err(bad_resource(text));
    }
    Ok((ty.to_owned(), id.to_owned()))
}

fn bad_resource(text: &str) -> Error {
    Error::invalid(
        "resource",
        format!("{text:?} is not Type:id (for example Document:42)"),
    )
}

/// Cedar entity type names: identifiers joined by `::`.
pub fn validate_type(ty: &str) -> Result<()> {
    let ident = |s: &str| {
        let mut b = s.bytes();
        b.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
            && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
    };
    if ty.len() <= 128 && ty.split("::").all(ident) {
        Ok(())
    } else {
        Err(Error::invalid(
            "resource type",
            format!("{ty:?} is not a Cedar entity type name"),
        ))
    }
}

/// The ACL service.
#[derive(Debug, Clone)]
pub struct Acl {
    db: DatabaseConnection,
    changes: Changes,
    /// Relations by (resource server, resource type, resource id, user id).
    relations: Memo<(String, String, String, String), Arc<Vec<String>>>,
}

/// Most (resource, user) relation lists one node remembers.
const RELATIONS: usize = 200_000;

impl Acl {
    /// Builds the service on a store.
    pub fn new(store: &Store) -> Self {
        Self::remembering(store, Duration::ZERO)
    }

    /// Builds the service remembering the relations it finds for `ttl` (decisions).
    pub(crate) fn remembering(store: &Store, ttl: Duration) -> Self {
        Self {
            db: store.db().clone(),
            changes: store.changes().clone(),
            relations: Memo::new(store.changes(), ttl, RELATIONS),
        }
    }

    /// Adds an entry (adding it twice is harmless) and returns it.
    pub async fn add(
        &self,
        resource_server: &str,
        subject: &AclSubject,
        relation: &str,
        resource_type: &str,
        resource_id: &str,
    ) -> Result<AclEntry> {
        crate::roles::validate_name("relation", relation)?;
        validate_type(resource_type)?;
        let (kind, id) = self.resolve(subject).await?;
        if let Some(existing) = self
            .find(
                resource_server,
                kind,
                &id,
                relation,
                resource_type,
                resource_id,
            )
            .await?
        {
            return Ok(self.named(vec![existing.into()]).await?.remove(0));
        }
        let row = acl_entry::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            client_id: Set(resource_server.to_owned()),
            subject_kind: Set(kind.to_owned()),
            subject: Set(id),
            relation: Set(relation.to_owned()),
            resource_type: Set(resource_type.to_owned()),
            resource_id: Set(resource_id.to_owned()),
            created_at: Set(now()),
        }
        .insert(&self.db)
        .await?;
        self.changes.changed();
        Ok(self.named(vec![row.into()]).await?.remove(0))
    }

    /// Removes an entry; `NotFound` when there is none.
    pub async fn remove(
        &self,
        resource_server: &str,
        subject: &AclSubject,
        relation: &str,
        resource_type: &str,
        resource_id: &str,
    ) -> Result<()> {
        let (kind, id) = self.resolve(subject).await?;
        let found = self
            .find(
                resource_server,
                kind,
                &id,
                relation,
                resource_type,
                resource_id,
            )
            .await?
            .ok_or(Error::NotFound("ACL entry"))?;
        acl_entry::Entity::delete_by_id(found.id)
            .exec(&self.db)
            .await?;
        self.changes.changed();
        Ok(())
    }

    /// The entries of a resource server, optionally of one resource, in order.
    pub async fn list(
        &self,
        resource_server: &str,
        resource: Option<(&str, &str)>,
    ) -> Result<Vec<AclEntry>> {
        let mut q =
            acl_entry::Entity::find().filter(acl_entry::Column::ClientId.eq(resource_server));
        if let Some((ty, id)) = resource {
            q = q
                .filter(acl_entry::Column::ResourceType.eq(ty))
                .filter(acl_entry::Column::ResourceId.eq(id));
        }
        let entries = q
            .order_by_asc(acl_entry::Column::ResourceType)
            .order_by_asc(acl_entry::Column::ResourceId)
            .order_by_asc(acl_entry::Column::Relation)
            .all(&self.db)
            .await?
            .into_iter()
            .map(AclEntry::from)
            .collect();
        self.named(entries).await
    }

    /// Fills in `subject_name` from the users, groups and roles the entries name.
    async fn named(&self, mut entries: Vec<AclEntry>) -> Result<Vec<AclEntry>> {
        let ids = |kind: &str| -> Vec<String> {
            entries
                .iter()
                .filter(|e| e.subject_kind == kind)
                .map(|e| e.subject.clone())
                .collect()
        };
        let mut names: HashMap<(&'static str, String), String> = HashMap::new();
        for u in user::Entity::find()
            .filter(user::Column::Id.is_in(ids("user")))
            .all(&self.db)
            .await?
        {
            let label = u.label();
            names.insert(("user", u.id), label);
        }
        for g in group::Entity::find()
            .filter(group::Column::Id.is_in(ids("group")))
            .all(&self.db)
            .await?
        {
            names.insert(("group", g.id), g.name);
        }
        for r in role::Entity::find()
            .filter(role::Column::Id.is_in(ids("role")))
            .all(&self.db)
            .await?
        {
            names.insert(("role", r.id), r.name);
        }
        for e in &mut entries {
            let kind = match e.subject_kind.as_str() {
                "user" => "user",
                "group" => "group",
                _ => "role",
            };
            if let Some(n) = names.get(&(kind, e.subject.clone())) {
                e.subject_name = n.clone();
            }
        }
        Ok(entries)
    }

    /// The relations on one resource reaching a user with these group and role ids,
    /// sorted and unique.
    pub async fn relations(
        &self,
        resource_server: &str,
        (resource_type, resource_id): (&str, &str),
        user_id: &str,
        group_ids: &[String],
        role_ids: &[String],
    ) -> Result<Arc<Vec<String>>> {
        let key = (
            resource_server.to_owned(),
            resource_type.to_owned(),
            resource_id.to_owned(),
            user_id.to_owned(),
        );
        if let Some(known) = self.relations.get(&key) {
            return Ok(known);
        }
        let generation = self.relations.generation();
        let col = acl_entry::Column::SubjectKind;
        let reach = Condition::any()
            .add(
                Condition::all()
                    .add(col.eq("user"))
                    .add(acl_entry::Column::Subject.eq(user_id)),
            )
            .add(
                Condition::all()
                    .add(col.eq("group"))
                    .add(acl_entry::Column::Subject.is_in(group_ids.iter().cloned())),
            )
            .add(
                Condition::all()
                    .add(col.eq("role"))
                    .add(acl_entry::Column::Subject.is_in(role_ids.iter().cloned())),
            );
        let mut relations: Vec<String> = acl_entry::Entity::find()
            .filter(acl_entry::Column::ClientId.eq(resource_server))
            .filter(acl_entry::Column::ResourceType.eq(resource_type))
            .filter(acl_entry::Column::ResourceId.eq(resource_id))
            .filter(reach)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| e.relation)
            .collect();
        relations.sort();
        relations.dedup();
        let relations = Arc::new(relations);
        self.relations.put(key, relations.clone(), generation);
        Ok(relations)
    }

    async fn find(
        &self,
        resource_server: &str,
        kind: &str,
        subject: &str,
        relation: &str,
        resource_type: &str,
        resource_id: &str,
    ) -> Result<Option<acl_entry::Model>> {
        Ok(acl_entry::Entity::find()
            .filter(acl_entry::Column::ClientId.eq(resource_server))
            .filter(acl_entry::Column::SubjectKind.eq(kind))
            .filter(acl_entry::Column::Subject.eq(subject))
            .filter(acl_entry::Column::Relation.eq(relation))
            .filter(acl_entry::Column::ResourceType.eq(resource_type))
            .filter(acl_entry::Column::ResourceId.eq(resource_id))
            .one(&self.db)
            .await?)
    }

    /// The stored kind and id of a subject named by email or name.
    async fn resolve(&self, subject: &AclSubject) -> Result<(&'static str, String)> {
        match subject {
            AclSubject::User(email) => {
                let email = crate::users::normalize_email(email)?;
                let u = user::Entity::find()
                    .filter(user::Column::Email.eq(email))
                    .one(&self.db)
                    .await?
                    .ok_or(Error::NotFound("user"))?;
                Ok(("user", u.id))
            }
            AclSubject::Role(name) => {
                let r = role::Entity::find()
                    .filter(role::Column::Name.eq(name.as_str()))
                    .filter(role::Column::ClientId.is_null())
                    .one(&self.db)
                    .await?
                    .ok_or(Error::NotFound("role"))?;
                Ok(("role", r.id))
            }
            AclSubject::Group(name) => {
                let id = crate::policies::group_id(&self.db, name)
                    .await?
                    .ok_or(Error::NotFound("group"))?;
                Ok(("group", id))
            }
        }
    }
}
