//! The group hierarchy in memory: paths, ancestors, and the cycle check of nesting.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, EntityTrait as _};

use crate::Result;
use crate::entities::group;

/// Every group, by id (groups are few; one query reads them all).
#[derive(Debug, Clone)]
pub struct Tree {
    by_id: HashMap<String, group::Model>,
}

impl Tree {
    /// Reads every group.
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self> {
        let by_id = group::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|g| (g.id.clone(), g))
            .collect();
        Ok(Self { by_id })
    }

    /// `id` and its enclosing groups, nearest first. Stops at a repeat, so a cycle written
    /// around the service cannot loop.
    pub fn self_and_ancestors(&self, id: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut at = Some(id.to_owned());
        while let Some(current) = at {
            if out.contains(&current) || !self.by_id.contains_key(&current) {
                break;
            }
            at = self.by_id.get(&current).and_then(|g| g.parent_id.clone());
            out.push(current);
        }
        out
    }

    /// The group's path from the top, like `/eng/backend`.
    pub fn path(&self, id: &str) -> Option<String> {
        self.by_id.get(id)?;
        let names: Vec<&str> = self
            .self_and_ancestors(id)
            .iter()
            .rev()
            .filter_map(|g| self.by_id.get(g).map(|m| m.name.as_str()))
            .collect();
        Some(format!("/{}", names.join("/")))
    }

    /// Whether putting `child` under `parent` would make a group its own ancestor.
    pub fn would_cycle(&self, parent: &str, child: &str) -> bool {
        self.self_and_ancestors(parent).iter().any(|g| g == child)
    }
}
