//! Reading the audit log: search, export and the chain check, for holders of
//! `gatehouse:audit` (and `gatehouse:admin`).

use serde_json::json;
use tokio::io::AsyncWrite;

use super::{Access, Actor, Admin, Area, PageRequest};
use crate::Result;
use crate::audit::{AuditEvent, Filter, Format, Page, Report};

impl Admin {
    /// Events matching `filter`, newest first, one page at a time.
    pub async fn search_audit(
        &self,
        actor: &Actor,
        filter: &Filter,
        page: &PageRequest,
    ) -> Result<Page> {
        actor.require(Area::Audit, Access::Read)?;
        let limit = page.limit()?;
        self.audit_query
            .search(filter, page.cursor.as_deref(), limit)
            .await
    }

    /// Writes every event matching `filter` to `out`; the export is itself audited.
    pub async fn export_audit<W>(
        &self,
        actor: &Actor,
        filter: &Filter,
        format: Format,
        out: &mut W,
    ) -> Result<u64>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        actor.require(Area::Audit, Access::Read)?;
        let written = self.audit_query.export(filter, format, out).await?;
        let format_name = match format {
            Format::JsonLines => "jsonl",
            Format::Csv => "csv",
        };
        self.audit(
            actor,
            AuditEvent::success("audit.exported"),
            json!({ "format": format_name, "events": written, "filter": filter }),
        )
        .await?;
        Ok(written)
    }

    /// Recomputes the hash chain and names the first broken row, if any.
    pub async fn verify_audit(&self, actor: &Actor) -> Result<Report> {
        actor.require(Area::Audit, Access::Read)?;
        self.audit_query.verify().await
    }
}
