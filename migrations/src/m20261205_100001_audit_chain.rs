//! The audit log's hash chain: every new `audit_events` row carries its place in the chain
//! (`seq`), the hash of the row before it and its own hash; one row of `audit_chain_head`
//! holds the last place and hash, locked by the writer that extends the chain.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `seq`, `prev_hash`, `hash` and `personal_digest` to `audit_events` (NULL on rows
/// written before), a unique index on `seq`, and `audit_chain_head` with its one row.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_100001_audit_chain"
    }
}

/// The hash the first row of the chain links to (as `domain::audit::chain::GENESIS`).
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The only row of `audit_chain_head`.
const HEAD_ID: i32 = 1;

const INDEX: &str = "idx_audit_seq";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        m.alter_table(
            Table::alter()
                .table(AuditEvents::Table)
                .add_column(big_integer_null(AuditEvents::Seq))
                .to_owned(),
        )
        .await?;
        for col in [
            AuditEvents::PrevHash,
            AuditEvents::Hash,
            AuditEvents::PersonalDigest,
        ] {
            m.alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .add_column(text_null(col))
                    .to_owned(),
            )
            .await?;
        }
        // An index, not a column constraint: SQLite cannot add a UNIQUE column. Rows older
        // than the chain all have NULL, which both databases allow many times.
        m.create_index(
            Index::create()
                .name(INDEX)
                .table(AuditEvents::Table)
                .col(AuditEvents::Seq)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditChainHead::Table)
                .col(integer(AuditChainHead::Id).primary_key())
                .col(big_integer(AuditChainHead::Seq))
                .col(text(AuditChainHead::Hash))
                .to_owned(),
        )
        .await?;
        let insert = Query::insert()
            .into_table(AuditChainHead::Table)
            .columns([
                AuditChainHead::Id,
                AuditChainHead::Seq,
                AuditChainHead::Hash,
            ])
            .values([HEAD_ID.into(), 0i64.into(), GENESIS.into()])
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        m.exec_stmt(insert).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditChainHead::Table).to_owned())
            .await?;
        // SQLite refuses to drop an indexed column: the index goes first.
        m.drop_index(
            Index::drop()
                .name(INDEX)
                .table(AuditEvents::Table)
                .to_owned(),
        )
        .await?;
        for col in [
            AuditEvents::PersonalDigest,
            AuditEvents::Hash,
            AuditEvents::PrevHash,
            AuditEvents::Seq,
        ] {
            m.alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    Seq,
    PrevHash,
    Hash,
    PersonalDigest,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditChainHead {
    Table,
    Id,
    Seq,
    Hash,
}
