//! Exporting the audit log as JSON Lines or CSV, streamed a page at a time.

use tokio::io::{AsyncWrite, AsyncWriteExt as _};

use super::query::{AuditQuery, AuditRecord, Filter, MAX_LIMIT};
use crate::{Error, Result};

/// How [`AuditQuery::export`] writes events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line (an [`AuditRecord`]).
    JsonLines,
    /// RFC 4180 CSV with a header row; `data` as a JSON string column.
    Csv,
}

impl Format {
    /// The format named `jsonl` or `csv`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "jsonl" => Ok(Format::JsonLines),
            "csv" => Ok(Format::Csv),
            _ => Err(Error::invalid("format", "must be jsonl or csv")),
        }
    }

    /// The media type of the output, for an HTTP body.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::JsonLines => "application/jsonl",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// The CSV columns, in order.
const COLUMNS: [&str; 15] = [
    "id",
    "seq",
    "occurred_at",
    "kind",
    "outcome",
    "reason",
    "actor",
    "subject",
    "client",
    "session",
    "ip",
    "user_agent",
    "request_id",
    "data",
    "hash",
];

impl AuditQuery {
    /// Writes every event matching `filter` to `out`, newest first, one page of the
    /// database at a time (memory stays flat however long the log). Returns how many.
    pub async fn export<W>(&self, filter: &Filter, format: Format, out: &mut W) -> Result<u64>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        if format == Format::Csv {
            out.write_all(csv_line(COLUMNS.iter().map(|c| c.to_string())).as_bytes())
                .await?;
        }
        let mut cursor: Option<String> = None;
        let mut written = 0u64;
        loop {
            let page = self.search(filter, cursor.as_deref(), MAX_LIMIT).await?;
            let mut chunk = String::new();
            for record in &page.items {
                match format {
                    Format::JsonLines => {
                        chunk.push_str(
                            &serde_json::to_string(record)
                                .map_err(|e| Error::Corrupt(e.to_string()))?,
                        );
                        chunk.push('\n');
                    }
                    Format::Csv => chunk.push_str(&csv_line(csv_cells(record))),
                }
            }
            out.write_all(chunk.as_bytes()).await?;
            written += page.items.len() as u64;
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        out.flush().await?;
        Ok(written)
    }
}

fn csv_cells(r: &AuditRecord) -> impl Iterator<Item = String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        r.id.clone(),
        r.seq.map(|s| s.to_string()).unwrap_or_default(),
        super::chain::timestamp(r.occurred_at),
        r.kind.clone(),
        r.outcome.clone(),
        opt(&r.reason),
        opt(&r.actor),
        opt(&r.subject),
        opt(&r.client),
        opt(&r.session),
        opt(&r.ip),
        opt(&r.user_agent),
        opt(&r.request_id),
        r.data.as_ref().map(|d| d.to_string()).unwrap_or_default(),
        opt(&r.hash),
    ]
    .into_iter()
}

/// One CSV record ending in CRLF.
fn csv_line(cells: impl Iterator<Item = String>) -> String {
    let mut line = cells.map(|c| csv_field(&c)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// One CSV field as RFC 4180 writes it: quoted (with quotes doubled) when it holds a comma,
/// a quote, a line break, or starts with a space or a formula sign (`= + - @`, which
/// spreadsheets would run; prefixed with `'` inside the quotes).
pub fn csv_field(value: &str) -> String {
    let formula = value.starts_with(['=', '+', '-', '@', '\t']);
    if !formula && !value.contains([',', '"', '\r', '\n']) && !value.starts_with(' ') {
        return value.to_owned();
    }
    let escaped = value.replace('"', "\"\"");
    if formula {
        format!("\"'{escaped}\"")
    } else {
        format!("\"{escaped}\"")
    }
}
