//! Claim-to-role mapping: per upstream, rules "claim at this dot path has (or holds) this
//! value → this global role, or this group". The rules are applied again at every sign-in
//! through the upstream. A rule records each grant it made, so that re-applying takes back
//! only those: a role or membership the user already had without a rule (a manual grant) is
//! never recorded, so never touched. Several rules (of one or several upstreams) may hold one
//! grant; it goes when the last of them stops matching.

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set,
};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::upstreams::{ChangedBy, Upstream};
use crate::audit::{AuditEvent, AuditLog};
use crate::entities::{
    group, role, upstream_mapping, upstream_mapping_grant, user_group, user_role,
};
use crate::policies::Changes;
use crate::{Error, Result, Store, now};

/// What a rule gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingTarget {
    /// A global role, by name.
    Role(String),
    /// A group, by name.
    Group(String),
}

/// A new rule.
#[derive(Debug, Clone)]
pub struct NewMapping {
    /// A dot path into the claims (`groups`, `realm_access.roles`, `hd`).
    pub claim: String,
    /// The value the claim must be (a string, number or boolean) or an array claim must hold.
    pub value: String,
    /// The role or group given.
    pub target: MappingTarget,
}

/// A rule as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Mapping {
    /// Id.
    pub id: String,
    /// The upstream's name.
    pub upstream: String,
    /// The claim's dot path.
    pub claim: String,
    /// The value.
    pub value: String,
    /// The role granted, if it grants one.
    pub role: Option<String>,
    /// The group joined, if it joins one.
    pub group: Option<String>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

/// What one application of the rules changed, as `role:NAME` and `group:NAME`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Grants the rules made now.
    pub added: Vec<String>,
    /// Grants the rules made earlier and took back now.
    pub removed: Vec<String>,
}

/// The mapping service. Rule changes are audited (`upstream.mapping.added`,
/// `upstream.mapping.removed`), and so is every grant a rule makes or takes back
/// (`upstream.mapping.granted`, `upstream.mapping.revoked`).
#[derive(Debug, Clone)]
pub struct Mappings {
    db: DatabaseConnection,
    changes: Changes,
    audit: AuditLog,
}

/// The value at `path` in `claims`: the whole path as one claim name first (claim names
/// like `https://example.com/roles` hold dots), else walking objects segment by segment.
pub fn claim_at<'a>(claims: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(v) = claims.get(path) {
        return Some(v);
    }
    let mut parts = path.split('.');
    let mut at = claims.get(parts.next()?)?;
    for part in parts {
        at = at.as_object()?.get(part)?;
    }
    Some(at)
}

/// Whether the claim at `path` is `value`, or is an array that holds it.
pub fn claim_matches(claims: &Map<String, Value>, path: &str, value: &str) -> bool {
    let scalar = |v: &Value| match v {
        Value::String(s) => s == value,
        Value::Bool(b) => b.to_string() == value,
        Value::Number(n) => n.to_string() == value,
        _ => false,
    };
    match claim_at(claims, path) {
        Some(Value::Array(items)) => items.iter().any(scalar),
        Some(v) => scalar(v),
        None => false,
    }
}

fn check_claim(path: &str) -> Result<String> {
    let path = path.trim();
    let ok = (1..=200).contains(&path.len())
        && !path.chars().any(char::is_control)
        && path.split('.').all(|p| !p.is_empty());
    if ok {
        Ok(path.to_owned())
    } else {
        Err(Error::invalid(
            "claim",
            "must be a dot path of 1 to 200 characters, like groups or realm_access.roles",
        ))
    }
}

fn check_value(value: &str) -> Result<String> {
    if value.is_empty() || value.len() > 500 || value.chars().any(char::is_control) {
        return Err(Error::invalid("value", "must be 1 to 500 characters"));
    }
    Ok(value.to_owned())
}

/// The rule's target as `role:NAME` or `group:NAME`.
fn target_text(db_role: Option<&str>, db_group: Option<&str>) -> String {
    match (db_role, db_group) {
        (Some(r), _) => format!("role:{r}"),
        (None, Some(g)) => format!("group:{g}"),
        (None, None) => "nothing".to_owned(),
    }
}

/// Whether the user holds the rule's role or group directly.
async fn holds(
    db: &impl ConnectionTrait,
    rule: &upstream_mapping::Model,
    user_id: &str,
) -> Result<bool> {
    Ok(match (&rule.role_id, &rule.group_id) {
        (Some(r), _) => user_role::Entity::find_by_id((user_id.to_owned(), r.clone()))
            .one(db)
            .await?
            .is_some(),
        (None, Some(g)) => user_group::Entity::find_by_id((user_id.to_owned(), g.clone()))
            .one(db)
            .await?
            .is_some(),
        (None, None) => false,
    })
}

async fn give(
    db: &impl ConnectionTrait,
    rule: &upstream_mapping::Model,
    user_id: &str,
) -> Result<()> {
    match (&rule.role_id, &rule.group_id) {
        (Some(r), _) => {
            user_role::ActiveModel {
                user_id: Set(user_id.to_owned()),
                role_id: Set(r.clone()),
            }
            .insert(db)
            .await?;
        }
        (None, Some(g)) => {
            user_group::ActiveModel {
                user_id: Set(user_id.to_owned()),
                group_id: Set(g.clone()),
            }
            .insert(db)
            .await?;
        }
        (None, None) => {}
    }
    Ok(())
}

async fn take(
    db: &impl ConnectionTrait,
    rule: &upstream_mapping::Model,
    user_id: &str,
) -> Result<()> {
    match (&rule.role_id, &rule.group_id) {
        (Some(r), _) => {
            user_role::Entity::delete_by_id((user_id.to_owned(), r.clone()))
                .exec(db)
                .await?;
        }
        (None, Some(g)) => {
            user_group::Entity::delete_by_id((user_id.to_owned(), g.clone()))
                .exec(db)
                .await?;
        }
        (None, None) => {}
    }
    Ok(())
}

/// Whether a rule other than `rule` (of any upstream) with the same target holds the user's
/// grant.
async fn held_by_another(
    db: &impl ConnectionTrait,
    rule: &upstream_mapping::Model,
    user_id: &str,
) -> Result<bool> {
    let records = upstream_mapping_grant::Entity::find()
        .filter(upstream_mapping_grant::Column::UserId.eq(user_id))
        .filter(upstream_mapping_grant::Column::MappingId.ne(rule.id.clone()))
        .all(db)
        .await?;
    if records.is_empty() {
        return Ok(false);
    }
    let ids: Vec<String> = records.into_iter().map(|r| r.mapping_id).collect();
    let mut same = upstream_mapping::Entity::find().filter(upstream_mapping::Column::Id.is_in(ids));
    same = match (&rule.role_id, &rule.group_id) {
        (Some(r), _) => same.filter(upstream_mapping::Column::RoleId.eq(r.clone())),
        (None, Some(g)) => same.filter(upstream_mapping::Column::GroupId.eq(g.clone())),
        (None, None) => return Ok(false),
    };
    Ok(same.one(db).await?.is_some())
}

async fn record_grant(
    db: &impl ConnectionTrait,
    rule: &upstream_mapping::Model,
    user_id: &str,
) -> Result<()> {
    upstream_mapping_grant::ActiveModel {
        mapping_id: Set(rule.id.clone()),
        user_id: Set(user_id.to_owned()),
        created_at: Set(now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Drops the rule's record of the user's grant; takes the grant back when no other rule
/// holds it. Whether it was taken back.
async fn release(
    db: &impl ConnectionTrait,
    rule: &upstream_mapping::Model,
    user_id: &str,
) -> Result<bool> {
    upstream_mapping_grant::Entity::delete_by_id((rule.id.clone(), user_id.to_owned()))
        .exec(db)
        .await?;
    if held_by_another(db, rule, user_id).await? {
        return Ok(false);
    }
    take(db, rule, user_id).await?;
    Ok(true)
}

impl Mappings {
    /// Builds the service.
    pub fn new(store: &Store, audit: AuditLog) -> Self {
        Self {
            db: store.db().clone(),
            changes: store.changes().clone(),
            audit,
        }
    }

    async fn names(
        &self,
        rule: &upstream_mapping::Model,
    ) -> Result<(Option<String>, Option<String>)> {
        let role = match &rule.role_id {
            Some(id) => role::Entity::find_by_id(id.clone())
                .one(&self.db)
                .await?
                .map(|r| r.name),
            None => None,
        };
        let group = match &rule.group_id {
            Some(id) => group::Entity::find_by_id(id.clone())
                .one(&self.db)
                .await?
                .map(|g| g.name),
            None => None,
        };
        Ok((role, group))
    }

    async fn shown(&self, upstream: &Upstream, rule: upstream_mapping::Model) -> Result<Mapping> {
        let (role, group) = self.names(&rule).await?;
        Ok(Mapping {
            id: rule.id,
            upstream: upstream.name.clone(),
            claim: rule.claim,
            value: rule.value,
            role,
            group,
            created_at: rule.created_at,
        })
    }

    /// Adds a rule to `upstream`. `by` names the caller in the audit event.
    pub async fn add(
        &self,
        upstream: &Upstream,
        new: NewMapping,
        by: impl Into<ChangedBy<'_>>,
    ) -> Result<Mapping> {
        let by = by.into();
        let claim = check_claim(&new.claim)?;
        let value = check_value(&new.value)?;
        let (role_id, group_id) = match &new.target {
            MappingTarget::Role(name) => {
                let found = role::Entity::find()
                    .filter(role::Column::Name.eq(name.as_str()))
                    .filter(role::Column::ClientId.is_null())
                    .one(&self.db)
                    .await?
                    .ok_or(Error::NotFound("role"))?;
                (Some(found.id), None)
            }
            MappingTarget::Group(name) => {
                let found = group::Entity::find()
                    .filter(group::Column::Name.eq(name.as_str()))
                    .one(&self.db)
                    .await?
                    .ok_or(Error::NotFound("group"))?;
                (None, Some(found.id))
            }
        };
        let row = upstream_mapping::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            upstream_id: Set(upstream.id.clone()),
            claim: Set(claim),
            value: Set(value),
            role_id: Set(role_id),
            group_id: Set(group_id),
            created_at: Set(now()),
        }
        .insert(&self.db)
        .await?;
        let made = self.shown(upstream, row).await?;
        self.audit
            .record(by.event(
                AuditEvent::success("upstream.mapping.added"),
                json!({
                    "upstream": upstream.name,
                    "mapping_id": made.id,
                    "claim": made.claim,
                    "value": made.value,
                    "to": target_text(made.role.as_deref(), made.group.as_deref()),
                }),
            ))
            .await?;
        Ok(made)
    }

    async fn rules(&self, upstream: &Upstream) -> Result<Vec<upstream_mapping::Model>> {
        Ok(upstream_mapping::Entity::find()
            .filter(upstream_mapping::Column::UpstreamId.eq(upstream.id.clone()))
            .order_by_asc(upstream_mapping::Column::CreatedAt)
            .order_by_asc(upstream_mapping::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// The rules of `upstream`, oldest first.
    pub async fn list(&self, upstream: &Upstream) -> Result<Vec<Mapping>> {
        let mut out = Vec::new();
        for rule in self.rules(upstream).await? {
            out.push(self.shown(upstream, rule).await?);
        }
        Ok(out)
    }

    /// Removes a rule of `upstream`, and takes back the grants it made (unless another rule
    /// holds them too).
    pub async fn remove(
        &self,
        upstream: &Upstream,
        id: &str,
        by: impl Into<ChangedBy<'_>>,
    ) -> Result<Mapping> {
        let by = by.into();
        let rule = upstream_mapping::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .filter(|r| r.upstream_id == upstream.id)
            .ok_or(Error::NotFound("mapping"))?;
        let shown = self.shown(upstream, rule.clone()).await?;
        let to = target_text(shown.role.as_deref(), shown.group.as_deref());
        let holders = upstream_mapping_grant::Entity::find()
            .filter(upstream_mapping_grant::Column::MappingId.eq(rule.id.clone()))
            .all(&self.db)
            .await?;
        let txn = crate::store::begin_write(&self.db).await?;
        let mut revoked = Vec::new();
        for h in holders {
            if release(&txn, &rule, &h.user_id).await? {
                revoked.push(h.user_id);
            }
        }
        upstream_mapping::Entity::delete_by_id(rule.id.clone())
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.changes.changed();
        for user_id in revoked {
            self.audit
                .record(
                    AuditEvent::success("upstream.mapping.revoked")
                        .subject(user_id)
                        .data(json!({
                            "upstream": upstream.name, "mapping_id": rule.id, "to": to,
                            "why": "rule removed",
                        })),
                )
                .await?;
        }
        self.audit
            .record(by.event(
                AuditEvent::success("upstream.mapping.removed"),
                json!({
                    "upstream": upstream.name,
                    "mapping_id": shown.id,
                    "claim": shown.claim,
                    "value": shown.value,
                    "to": to,
                }),
            ))
            .await?;
        Ok(shown)
    }

    /// Removes every rule of `upstream` (before it is deleted), taking back the grants they
    /// made; how many rules there were.
    pub async fn remove_all(
        &self,
        upstream: &Upstream,
        by: impl Into<ChangedBy<'_>>,
    ) -> Result<usize> {
        let by = by.into();
        let rules = self.rules(upstream).await?;
        for rule in &rules {
            self.remove(upstream, &rule.id, by).await?;
        }
        Ok(rules.len())
    }

    /// Applies the rules of `upstream` to `user_id` signing in with `claims`: a grant that a
    /// rule now matches is made (unless the user has it already without a rule: it stays
    /// theirs), a grant a rule made that no rule matches any more is taken back.
    pub async fn apply(
        &self,
        upstream: &Upstream,
        user_id: &str,
        claims: &Map<String, Value>,
    ) -> Result<Applied> {
        let rules = self.rules(upstream).await?;
        if rules.is_empty() {
            return Ok(Applied::default());
        }
        let mut targets = Vec::with_capacity(rules.len());
        for rule in &rules {
            let (role, group) = self.names(rule).await?;
            targets.push(target_text(role.as_deref(), group.as_deref()));
        }
        let mut applied = Applied::default();
        let mut events = Vec::new();
        let txn = crate::store::begin_write(&self.db).await?;
        for (rule, to) in rules.iter().zip(targets) {
            let matches = claim_matches(claims, &rule.claim, &rule.value);
            let recorded =
                upstream_mapping_grant::Entity::find_by_id((rule.id.clone(), user_id.to_owned()))
                    .one(&txn)
                    .await?
                    .is_some();
            if matches && !recorded {
                if !holds(&txn, rule, user_id).await? {
                    give(&txn, rule, user_id).await?;
                    record_grant(&txn, rule, user_id).await?;
                    applied.added.push(to.clone());
                    events.push(("upstream.mapping.granted", rule.id.clone(), to));
                } else if held_by_another(&txn, rule, user_id).await? {
                    // Another rule's grant: this one holds it too.
                    record_grant(&txn, rule, user_id).await?;
                }
                // Otherwise a manual grant: it stays manual.
            } else if !matches && recorded && release(&txn, rule, user_id).await? {
                applied.removed.push(to.clone());
                events.push(("upstream.mapping.revoked", rule.id.clone(), to));
            }
        }
        txn.commit().await?;
        if !events.is_empty() {
            self.changes.changed();
        }
        for (kind, mapping_id, to) in events {
            self.audit
                .record(
                    AuditEvent::success(kind)
                        .subject(user_id.to_owned())
                        .data(json!({
                            "upstream": upstream.name, "mapping_id": mapping_id, "to": to,
                        })),
                )
                .await?;
        }
        Ok(applied)
    }
}
