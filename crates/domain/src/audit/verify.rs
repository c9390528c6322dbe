//! Checking the hash chain: every row recomputed, in order, a page at a time.

use sea_orm::{
    ColumnTrait as _, DatabaseConnection, EntityTrait as _, PaginatorTrait as _, QueryFilter as _,
    QueryOrder as _, QuerySelect as _,
};
use serde::Serialize;

use super::chain;
use crate::Result;
use crate::entities::{audit_chain_head, audit_event};

/// Rows read at a time.
const PAGE: u64 = 1000;

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// No chained row was changed, removed or reordered (as far as the chain can tell).
    pub intact: bool,
    /// Chained rows checked.
    pub checked: u64,
    /// Rows written before the chain began (no `seq`): not covered, not broken.
    pub before_chain: u64,
    /// Chained rows whose personal fields were erased: the rest of each is still checked.
    pub erased: u64,
    /// The chain's head when the check began: record `hash` elsewhere to detect a rewrite of
    /// the whole chain later.
    pub head: ChainHead,
    /// The first row found broken, if any.
    pub broken: Option<Broken>,
}

/// The last place and hash of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChainHead {
    /// The `seq` of the newest row (0 when there is none).
    pub seq: i64,
    /// The `hash` of the newest row.
    pub hash: String,
}

/// The first place where the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Broken {
    /// The row's id (`None` when the rows at the end are missing).
    pub id: Option<String>,
    /// The row's place in the chain (or, for missing rows at the end, the head's).
    pub seq: i64,
    /// What is wrong.
    pub problem: Problem,
}

/// Why a row breaks the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[schema(as = ChainProblem)]
pub enum Problem {
    /// The row's content does not give its stored hash: it was changed.
    HashMismatch,
    /// The row does not link to the previous row's hash: a row was replaced or reordered.
    PrevHashMismatch,
    /// Rows before this one are missing (deleted): `expected` was the next place.
    Gap {
        /// The place the row should have had.
        expected: i64,
    },
    /// The head names rows that are not there (the newest were deleted), or another hash.
    HeadMismatch {
        /// The place of the last row found (0 when none).
        last_seq: i64,
    },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::HashMismatch => write!(f, "its content does not match its hash (changed)"),
            Problem::PrevHashMismatch => {
                write!(
                    f,
                    "it does not link to the previous row (replaced or reordered)"
                )
            }
            Problem::Gap { expected } => {
                write!(f, "rows are missing before it (expected seq {expected})")
            }
            Problem::HeadMismatch { last_seq } => write!(
                f,
                "the chain's head does not match its last row (seq {last_seq}): rows at the end are missing or changed"
            ),
        }
    }
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "row {id} (seq {}): {}", self.seq, self.problem),
            None => write!(f, "head (seq {}): {}", self.seq, self.problem),
        }
    }
}

/// Walks the chain from its first row to the head read at the start (rows written
/// meanwhile are left to the next check), recomputing every hash; stops at the first
/// broken row. Proves that the rows match the head; not that the head is genuine (someone
/// able to write the database can recompute the whole chain: compare `head.hash` with a
/// copy kept elsewhere).
pub async fn verify(db: &DatabaseConnection) -> Result<Report> {
    let head = audit_chain_head::Entity::find_by_id(chain::HEAD_ID)
        .one(db)
        .await?
        .ok_or(crate::Error::NotFound("audit chain head"))?;
    let before_chain = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.is_null())
        .count(db)
        .await?;
    let mut report = Report {
        intact: true,
        checked: 0,
        before_chain,
        erased: 0,
        head: ChainHead {
            seq: head.seq,
            hash: head.hash.clone(),
        },
        broken: None,
    };
    let (mut last_seq, mut prev) = (0i64, chain::GENESIS.to_owned());
    'pages: loop {
        let rows = audit_event::Entity::find()
            .filter(audit_event::Column::Seq.gt(last_seq))
            .filter(audit_event::Column::Seq.lte(head.seq))
            .order_by_asc(audit_event::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await?;
        let full = rows.len() as u64 == PAGE;
        for row in rows {
            let seq = row.seq.unwrap_or_default();
            let expected = last_seq.saturating_add(1);
            let problem = if seq != expected {
                Some(Problem::Gap { expected })
            } else if row.prev_hash.as_deref() != Some(prev.as_str()) {
                Some(Problem::PrevHashMismatch)
            } else if row.hash.as_deref() != Some(chain::row_hash(&prev, &row).as_str()) {
                Some(Problem::HashMismatch)
            } else {
                None
            };
            if let Some(problem) = problem {
                report.broken = Some(Broken {
                    id: Some(row.id),
                    seq,
                    problem,
                });
                break 'pages;
            }
            report.checked += 1;
            report.erased += u64::from(row.personal_digest.is_some());
            last_seq = seq;
            prev = row.hash.unwrap_or_default();
        }
        if !full {
            break;
        }
    }
    if report.broken.is_none() && (last_seq != head.seq || prev != head.hash) {
        report.broken = Some(Broken {
            id: None,
            seq: head.seq,
            problem: Problem::HeadMismatch { last_seq },
        });
    }
    report.intact = report.broken.is_none();
    Ok(report)
}
