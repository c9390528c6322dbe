//! The policy service: stores each resource server's schema and policies after checking
//! them, keeps the compiled set in memory, and answers decisions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _, IntoActiveModel,
    QueryFilter as _, Set,
};
use serde::Serialize;

use super::acl::Acl;
use super::compile::{Compiled, compile};
use super::decide::{Decision, Evaluation, RequestFacts, evaluate};
use super::memo::Memo;
use super::principal::{self, Principal};
use crate::entities::{client, policy_set};
use crate::{Error, Result, Store, now};

/// A stored policy set as administrators see it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoredPolicySet {
    /// The resource server (client) that owns it.
    pub resource_server: String,
    /// Its Cedar schema.
    pub schema: String,
    /// Its Cedar policies.
    pub policies: String,
    /// Raised by one at every change.
    pub version: i64,
    /// The ids of its policies (`@id` or Cedar's `policyN`).
    pub policy_ids: Vec<String>,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

#[derive(Debug, Clone)]
struct Cached {
    checked: Instant,
    version: i64,
    compiled: Arc<Compiled>,
}

/// The policy service. Clones share the compiled-set cache.
#[derive(Debug, Clone)]
pub struct Policies {
    db: DatabaseConnection,
    acl: Acl,
    cache: Arc<Mutex<HashMap<String, Cached>>>,
    recheck: Duration,
    /// Principals by the subject asked about (`None`: no such active user).
    principals: Memo<String, Option<Arc<Principal>>>,
}

/// Most principals one node remembers.
const PRINCIPALS: usize = 100_000;

impl Policies {
    /// Builds the service. A node re-reads a set's version at most every `recheck`, and
    /// remembers a principal and its ACL relations for as long: what is changed on another
    /// node applies here within that time (at once when changed on this node).
    pub fn new(store: &Store, recheck: Duration) -> Self {
        Self {
            db: store.db().clone(),
            acl: Acl::remembering(store, recheck),
            cache: Arc::default(),
            recheck,
            principals: Memo::new(store.changes(), recheck, PRINCIPALS),
        }
    }

    /// The ACL entries.
    pub fn acl(&self) -> &Acl {
        &self.acl
    }

    /// The full entity type name of `resource` (`Type:id`) as the resource server's schema
    /// names it (`Document` becomes `Docs::Document`), and its id. Without a stored set the
    /// type is taken as written.
    pub async fn resource(
        &self,
        resource_server: &str,
        resource: &str,
    ) -> Result<(String, String)> {
        let (ty, id) = super::acl::parse_resource(resource)?;
        client::Entity::find_by_id(resource_server)
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("client"))?;
        match self.compiled(resource_server).await? {
            Some(c) => Ok((c.entity_type(&ty)?.to_string(), id)),
            None => Ok((ty, id)),
        }
    }

    /// Checks and stores the schema and policies of `resource_server`, replacing what it
    /// had. A set that does not parse or does not validate against its schema is refused
    /// with Cedar's message, line and column, and the stored set is kept.
    pub async fn set(
        &self,
        resource_server: &str,
        schema: &str,
        policies: &str,
    ) -> Result<StoredPolicySet> {
        self.set_if(resource_server, schema, policies, None).await
    }

    /// [`Policies::set`], if the stored set's version is still `expected` (none: whatever
    /// it is); `Stale` otherwise, also when another change lands between reading and
    /// writing, or when the set named is gone.
    pub async fn set_if(
        &self,
        resource_server: &str,
        schema: &str,
        policies: &str,
        expected: Option<i64>,
    ) -> Result<StoredPolicySet> {
        client::Entity::find_by_id(resource_server)
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("client"))?;
        let compiled = compile_off_thread(schema, policies).await?;
        let existing = policy_set::Entity::find_by_id(resource_server)
            .one(&self.db)
            .await?;
        if expected.is_some() && expected != existing.as_ref().map(|r| r.version) {
            return Err(Error::Stale("policy set"));
        }
        let row = match existing {
            Some(row) => {
                let read = row.version;
                let mut row = row.into_active_model();
                row.schema = Set(schema.to_owned());
                row.policies = Set(policies.to_owned());
                row.version = Set(read + 1);
                row.updated_at = Set(now());
                // Written only over the version read: a change made meanwhile is kept.
                policy_set::Entity::update(row)
                    .validate()?
                    .filter(policy_set::Column::Version.eq(read))
                    .exec(&self.db)
                    .await
                    .map_err(|e| match e {
                        sea_orm::DbErr::RecordNotUpdated => Error::Stale("policy set"),
                        e => Error::Database(e),
                    })?
            }
            None => {
                policy_set::ActiveModel {
                    client_id: Set(resource_server.to_owned()),
                    schema: Set(schema.to_owned()),
                    policies: Set(policies.to_owned()),
                    version: Set(1),
                    updated_at: Set(now()),
                }
                .insert(&self.db)
                .await
                // Another first set stored meanwhile.
                .map_err(|e| match e.sql_err() {
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                        Error::Stale("policy set")
                    }
                    _ => Error::Database(e),
                })?
            }
        };
        let stored = stored(&row, &compiled);
        self.remember(&row, Arc::new(compiled));
        Ok(stored)
    }

    /// The stored set of `resource_server`, if any.
    pub async fn get(&self, resource_server: &str) -> Result<Option<StoredPolicySet>> {
        let Some(row) = policy_set::Entity::find_by_id(resource_server)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let compiled = self.compiled(resource_server).await?;
        Ok(compiled.map(|c| stored(&row, &c)))
    }

    /// Removes the set of `resource_server`: its decisions fail until a new one is stored.
    pub async fn delete(&self, resource_server: &str) -> Result<()> {
        let done = policy_set::Entity::delete_by_id(resource_server)
            .exec(&self.db)
            .await?;
        self.forget(resource_server);
        if done.rows_affected == 0 {
            return Err(Error::NotFound("policy set"));
        }
        Ok(())
    }

    /// Answers one question of `resource_server`. `NotFound("policy set")` when it has none;
    /// `Invalid` for an action, resource type or attribute the schema does not know. An
    /// unknown or inactive subject is denied.
    pub async fn decide(
        &self,
        resource_server: &str,
        question: &Evaluation,
        facts: &RequestFacts,
    ) -> Result<Decision> {
        let compiled = self
            .compiled(resource_server)
            .await?
            .ok_or(Error::NotFound("policy set"))?;
        let action = compiled.action(&question.action)?;
        let resource_type = compiled.entity_type(&question.resource_type)?;
        if question.resource_id.is_empty() {
            return Err(Error::invalid("resource.id", "must not be empty"));
        }
        let resource = cedar_policy::EntityUid::from_type_name_and_id(
            resource_type.clone(),
            cedar_policy::EntityId::new(&question.resource_id),
        );
        let Some(principal) = self.principal(&question.subject).await? else {
            return Ok(Decision::denied());
        };
        if let Some(a) = &question.authentication
            && a.user_id
                .as_ref()
                .is_some_and(|id| *id != principal.user_id)
        {
            return Err(Error::invalid(
                "subject.properties.token",
                "the token belongs to another subject",
            ));
        }
        let group_ids: Vec<String> = principal.groups.iter().map(|(id, _)| id.clone()).collect();
        let role_ids: Vec<String> = principal.roles.iter().map(|(id, _)| id.clone()).collect();
        let type_name = resource_type.to_string();
        let relations = self
            .acl
            .relations(
                resource_server,
                (&type_name, &question.resource_id),
                &principal.user_id,
                &group_ids,
                &role_ids,
            )
            .await?;
        evaluate(
            &compiled,
            &principal,
            &relations,
            (&resource, &question.resource_properties),
            &action,
            (&question.context, question.authentication.as_ref()),
            facts,
        )
    }

    /// The principal named by `subject`, from memory while it is fresh.
    async fn principal(&self, subject: &str) -> Result<Option<Arc<Principal>>> {
        let key = subject.to_owned();
        if let Some(known) = self.principals.get(&key) {
            return Ok(known);
        }
        let generation = self.principals.generation();
        let loaded = principal::load(&self.db, subject).await?.map(Arc::new);
        self.principals.put(key, loaded.clone(), generation);
        Ok(loaded)
    }

    /// The compiled set of `resource_server`, from memory while it is fresh.
    pub async fn compiled(&self, resource_server: &str) -> Result<Option<Arc<Compiled>>> {
        let cached = self.lock().get(resource_server).cloned();
        if let Some(c) = &cached
            && c.checked.elapsed() < self.recheck
        {
            return Ok(Some(c.compiled.clone()));
        }
        let Some(row) = policy_set::Entity::find_by_id(resource_server)
            .one(&self.db)
            .await?
        else {
            self.forget(resource_server);
            return Ok(None);
        };
        if let Some(c) = cached
            && c.version == row.version
        {
            self.remember(&row, c.compiled.clone());
            return Ok(Some(c.compiled));
        }
        // A stored set passed the same checks when it was stored; failing now means the
        // database was edited by hand.
        let compiled = compile_off_thread(&row.schema, &row.policies)
            .await
            .map_err(|e| Error::Corrupt(format!("policy set of {resource_server}: {e}")))?;
        let compiled = Arc::new(compiled);
        self.remember(&row, compiled.clone());
        Ok(Some(compiled))
    }

    fn remember(&self, row: &policy_set::Model, compiled: Arc<Compiled>) {
        self.lock().insert(
            row.client_id.clone(),
            Cached {
                checked: Instant::now(),
                version: row.version,
                compiled,
            },
        );
    }

    fn forget(&self, resource_server: &str) {
        self.lock().remove(resource_server);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn stored(row: &policy_set::Model, compiled: &Compiled) -> StoredPolicySet {
    StoredPolicySet {
        resource_server: row.client_id.clone(),
        schema: row.schema.clone(),
        policies: row.policies.clone(),
        version: row.version,
        policy_ids: compiled.policy_ids.clone(),
        updated_at: row.updated_at,
    }
}

/// Parsing and validation take milliseconds for large sets: off the async executor.
async fn compile_off_thread(schema: &str, policies: &str) -> Result<Compiled> {
    let (schema, policies) = (schema.to_owned(), policies.to_owned());
    tokio::task::spawn_blocking(move || compile(&schema, &policies))
        .await
        .map_err(|e| Error::Task(e.to_string()))?
}
