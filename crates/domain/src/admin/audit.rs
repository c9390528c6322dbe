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

    /// [`Admin::export_audit`] as a stream of chunks for an HTTP answer: refused before the
    /// first byte (a stream cannot turn into a 403 half-way), then written by a task. A
    /// failure after the start ends the stream early (logged).
    pub fn export_audit_stream(
        &self,
        actor: &Actor,
        filter: Filter,
        format: Format,
    ) -> Result<impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send + 'static> {
        actor.require(Area::Audit, Access::Read)?;
        let (reader, mut writer) = tokio::io::duplex(64 * 1024);
        let admin = self.clone();
        let actor = actor.clone();
        tokio::spawn(async move {
            if let Err(e) = admin
                .export_audit(&actor, &filter, format, &mut writer)
                .await
            {
                tracing::error!(error = %e, "audit export failed");
            }
        });
        // The state is the reader until a read fails: the stream ends after the error.
        Ok(futures_util::stream::unfold(
            Some(reader),
            |reader| async move {
                use tokio::io::AsyncReadExt as _;
                let mut reader = reader?;
                let mut buf = vec![0u8; 16 * 1024];
                match reader.read(&mut buf).await {
                    Ok(0) => None,
                    Ok(n) => {
                        buf.truncate(n);
                        Some((Ok(buf), Some(reader)))
                    }
                    Err(e) => Some((Err(e), None)),
                }
            },
        ))
    }

    /// Recomputes the hash chain and names the first broken row, if any.
    pub async fn verify_audit(&self, actor: &Actor) -> Result<Report> {
        actor.require(Area::Audit, Access::Read)?;
        self.audit_query.verify().await
    }
}
