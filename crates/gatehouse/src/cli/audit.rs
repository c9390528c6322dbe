//! `gatehouse audit ...`: reading, exporting and checking the audit log.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use domain::audit::{AuditEvent, AuditQuery, Filter, Format, Outcome, Report};
use tokio::io::AsyncWrite;

use super::output;
use crate::services::Services;

/// Audit log commands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List events, newest first, one page at a time.
    List {
        /// Which events.
        #[command(flatten)]
        filter: FilterArgs,
        /// Events per page (1 to 500).
        #[arg(long, default_value_t = 50)]
        limit: u64,
        /// Continue after the page that printed this cursor.
        #[arg(long)]
        cursor: Option<String>,
        /// Print JSON ({ items, next_cursor }).
        #[arg(long)]
        json: bool,
    },
    /// Write every matching event, newest first, as JSON Lines or CSV.
    Export {
        /// jsonl or csv.
        #[arg(long, value_parser = ["jsonl", "csv"])]
        format: String,
        /// Which events.
        #[command(flatten)]
        filter: FilterArgs,
        /// Write to this file (created readable by the owner only) instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Print JSON (how many events went to the file); needs --output, since without it
        /// the export itself is what goes to stdout.
        #[arg(long, requires = "output")]
        json: bool,
    },
    /// Check the hash chain; exits 1 naming the first broken row. Record the printed head
    /// hash elsewhere: a later check can then also detect a rewrite of the whole chain.
    Verify {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The filters of `list` and `export`.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Events at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    from: Option<time::OffsetDateTime>,
    /// Events before this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    to: Option<time::OffsetDateTime>,
    /// The kind exactly, or a prefix ending in .* (user.*).
    #[arg(long)]
    kind: Option<String>,
    /// The acting user's id.
    #[arg(long, value_name = "USER_ID")]
    actor: Option<String>,
    /// The concerned user's id.
    #[arg(long, value_name = "USER_ID")]
    subject: Option<String>,
    /// The client id.
    #[arg(long, value_name = "CLIENT_ID")]
    client: Option<String>,
    /// success or failure.
    #[arg(long, value_parser = ["success", "failure"])]
    outcome: Option<String>,
    /// The caller's IP address.
    #[arg(long)]
    ip: Option<String>,
}

fn parse_time(s: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("not an RFC 3339 time ({e})"))
}

impl FilterArgs {
    fn filter(self) -> anyhow::Result<Filter> {
        Ok(Filter {
            from: self.from,
            to: self.to,
            kind: self.kind,
            actor: self.actor,
            subject: self.subject,
            client: self.client,
            outcome: self.outcome.as_deref().map(Outcome::parse).transpose()?,
            ip: self.ip,
        })
    }
}

/// Runs an audit command.
pub async fn run(services: &Services, cmd: AuditCommand) -> anyhow::Result<()> {
    let query = AuditQuery::new(&services.store);
    match cmd {
        AuditCommand::List {
            filter,
            limit,
            cursor,
            json,
        } => {
            let page = query
                .search(&filter.filter()?, cursor.as_deref(), limit)
                .await?;
            if json {
                return output::json(&page);
            }
            let rows: Vec<Vec<String>> = page
                .items
                .iter()
                .map(|r| {
                    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
                    vec![
                        r.seq.map(|s| s.to_string()).unwrap_or_default(),
                        output::time(r.occurred_at),
                        r.kind.clone(),
                        r.outcome.clone(),
                        opt(&r.actor),
                        opt(&r.subject),
                        opt(&r.client),
                        opt(&r.ip),
                        opt(&r.reason),
                    ]
                })
                .collect();
            output::table(
                &[
                    "SEQ", "TIME", "KIND", "OUTCOME", "ACTOR", "SUBJECT", "CLIENT", "IP", "REASON",
                ],
                &rows,
            );
            if let Some(next) = page.next_cursor {
                println!("next page: --cursor {next}");
            }
        }
        AuditCommand::Export {
            format,
            filter,
            output: path,
            json,
        } => {
            let format_name = format;
            let format = Format::parse(&format_name)?;
            let filter = filter.filter()?;
            let written = match &path {
                Some(path) => {
                    let mut file = create_private(path).await?;
                    export(&query, &filter, format, &mut file).await?
                }
                None => export(&query, &filter, format, &mut tokio::io::stdout()).await?,
            };
            // Who took a copy of the log is itself worth recording.
            services
                .audit
                .record(
                    AuditEvent::success("audit.exported").data(serde_json::json!({
                        "format": format_name, "events": written, "filter": filter, "via": "cli"
                    })),
                )
                .await?;
            if let Some(path) = path {
                if json {
                    return output::json(&serde_json::json!({
                        "events": written, "format": format_name, "output": path,
                    }));
                }
                println!("{written} events written to {}", path.display());
            }
        }
        AuditCommand::Verify { json } => {
            let report = query.verify().await?;
            if json {
                output::json(&report)?;
            } else {
                print_report(&report);
            }
            if let Some(broken) = report.broken {
                anyhow::bail!("the audit log is broken at {broken}");
            }
        }
    }
    Ok(())
}

async fn export<W>(
    query: &AuditQuery,
    filter: &Filter,
    format: Format,
    out: &mut W,
) -> anyhow::Result<u64>
where
    W: AsyncWrite + Unpin,
{
    Ok(query.export(filter, format, out).await?)
}

/// Creates (or truncates) `path` readable by the owner only: an export holds IP addresses
/// and user ids.
async fn create_private(path: &std::path::Path) -> anyhow::Result<tokio::fs::File> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    options
        .open(path)
        .await
        .with_context(|| format!("cannot create {}", path.display()))
}

fn print_report(report: &Report) {
    let verdict = if report.intact { "intact" } else { "BROKEN" };
    println!("audit log: {verdict}");
    println!("rows checked: {}", report.checked);
    println!("rows before the chain began: {}", report.before_chain);
    println!("rows with personal data erased: {}", report.erased);
    println!("head: seq {} hash {}", report.head.seq, report.head.hash);
}
