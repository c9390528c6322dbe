//! The background writer: batches of queued events, chained and inserted in one transaction.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, DbErr, EntityTrait as _, IntoActiveModel as _,
    QueryFilter as _, QuerySelect as _,
};
use tokio::sync::{mpsc, oneshot};

use super::chain;
use crate::Error;
use crate::entities::{audit_chain_head, audit_event};

/// Most rows in one INSERT.
pub(super) const BATCH: usize = 256;

/// An event waiting for the writer, with the caller waiting for its outcome.
#[derive(Debug)]
pub(super) struct Queued {
    /// The row, without its chain fields.
    pub(super) row: audit_event::Model,
    /// Told whether the row was stored.
    pub(super) done: oneshot::Sender<std::result::Result<(), WriteFailed>>,
}

/// Why the writer could not store a batch, as every waiting caller learns it.
#[derive(Debug, Clone)]
pub(super) struct WriteFailed {
    /// The database could not be reached (the callers answer 503, not 500).
    pub(super) unavailable: bool,
    /// The database's error, in words.
    pub(super) message: String,
}

/// The writer: takes whatever is queued (up to [`BATCH`]), stores it in one transaction,
/// and tells every waiting caller the outcome.
pub(super) async fn write_batches(db: DatabaseConnection, mut rx: mpsc::Receiver<Queued>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let (rows, waiters): (Vec<_>, Vec<_>) = batch.drain(..).map(|q| (q.row, q.done)).unzip();
        let outcome = store_batch(&db, rows).await.map_err(|e| {
            let e = Error::Database(e);
            WriteFailed {
                unavailable: e.is_unavailable(),
                message: e.to_string(),
            }
        });
        if let Err(e) = &outcome {
            tracing::error!(error = %e.message, "cannot store audit events");
        }
        for waiter in waiters {
            let _ = waiter.send(outcome.clone());
        }
    }
}

/// Appends `rows` to the chain: under the lock of the chain's head (`FOR UPDATE` on
/// PostgreSQL, where several nodes write; SQLite's write transaction is the lock there),
/// gives them the next places and their hashes, inserts them in one statement and moves
/// the head, all in one transaction, so the chain stays one line whoever writes.
async fn store_batch(db: &DatabaseConnection, rows: Vec<audit_event::Model>) -> Result<(), DbErr> {
    let txn = crate::store::begin_write(db).await?;
    let head = audit_chain_head::Entity::find_by_id(chain::HEAD_ID)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the audit chain's head".into()))?;
    let (mut seq, mut prev) = (head.seq, head.hash);
    let mut chained = Vec::with_capacity(rows.len());
    for mut row in rows {
        seq = seq
            .checked_add(1)
            .ok_or_else(|| DbErr::Custom("the audit chain's head is at its last place".into()))?;
        let hash = chain::row_hash(&prev, &row);
        row.seq = Some(seq);
        row.prev_hash = Some(std::mem::replace(&mut prev, hash.clone()));
        row.hash = Some(hash);
        chained.push(row);
    }
    audit_event::Entity::insert_many(chained.iter().cloned().map(|r| r.into_active_model()))
        .exec_without_returning(&txn)
        .await?;
    audit_chain_head::Entity::update_many()
        .col_expr(audit_chain_head::Column::Seq, Expr::value(seq))
        .col_expr(audit_chain_head::Column::Hash, Expr::value(prev))
        .filter(audit_chain_head::Column::Id.eq(chain::HEAD_ID))
        .exec(&txn)
        .await?;
    // The event outbox takes its rows for these events in this same transaction: an event is
    // published if and only if its audit row is stored.
    crate::events::enqueue_from_audit(&txn, &chained)
        .await
        .map_err(|e| match e {
            crate::Error::Database(e) => e,
            e => DbErr::Custom(e.to_string()),
        })?;
    txn.commit().await
}
