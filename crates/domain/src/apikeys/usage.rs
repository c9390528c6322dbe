//! Use counts and last-use times, gathered in memory and written in batches: a key used a
//! thousand times a second costs one write per flush, not a thousand.

use std::collections::HashMap;
use std::sync::Mutex;

use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _};

use crate::Result;
use crate::entities::api_key;

/// Uses not yet written, per key id: how many, and the latest.
#[derive(Debug, Default)]
pub(super) struct Usage {
    pending: Mutex<HashMap<String, (i64, time::OffsetDateTime)>>,
}

impl Usage {
    /// Counts one use of `id` at `at`.
    pub(super) fn record(&self, id: &str, at: time::OffsetDateTime) {
        if let Ok(mut pending) = self.pending.lock() {
            let entry = pending.entry(id.to_owned()).or_insert((0, at));
            entry.0 += 1;
            entry.1 = std::cmp::Ord::max(entry.1, at);
        }
    }

    /// Writes the pending uses; returns how many keys were updated.
    pub(super) async fn flush(&self, db: &DatabaseConnection) -> Result<usize> {
        let batch: Vec<(String, (i64, time::OffsetDateTime))> = match self.pending.lock() {
            Ok(mut pending) => pending.drain().collect(),
            Err(_) => return Ok(0),
        };
        let n = batch.len();
        for (id, (count, at)) in batch {
            api_key::Entity::update_many()
                .col_expr(
                    api_key::Column::UseCount,
                    Expr::col(api_key::Column::UseCount).add(count),
                )
                .col_expr(api_key::Column::LastUsedAt, Expr::value(Some(at)))
                .filter(api_key::Column::Id.eq(id))
                .exec(db)
                .await?;
        }
        Ok(n)
    }
}
