//! Trace spans for work that leaves the process: database statements, outbound HTTP calls and
//! SMTP sending. The binary installs the OpenTelemetry exporter and calls [`enable`]; until then
//! every helper here is a plain pass-through (no span, no header, no callback), so tracing costs
//! nothing when it is off.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use opentelemetry::propagation::Injector;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, KeyValue};
use tracing::Instrument as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// The `tracing` target of every span meant for the exporter (the exporter's layer keeps only
/// spans with this target, so a dependency's spans never leave the process).
pub const TARGET: &str = "gatehouse::trace";

/// The OpenTelemetry instrumentation scope of the spans made here.
const SCOPE: &str = "gatehouse";

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns the helpers on: called once by the binary after it installed the exporter.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Whether traces are exported.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Sends `request` as a child span of the current one (`otel.kind = client`: method, host,
/// port, status) with a W3C `traceparent` header, so the callee joins the trace. Never records
/// the URL's path or query (they can carry codes and tokens).
pub async fn send(request: reqwest::RequestBuilder) -> reqwest::Result<reqwest::Response> {
    if !enabled() {
        return request.send().await;
    }
    let (client, request) = request.build_split();
    let mut request = request?;
    let method = request.method().as_str().to_owned();
    let span = tracing::info_span!(
        target: TARGET,
        "HTTP client",
        otel.name = %method,
        otel.kind = "client",
        otel.status_code = tracing::field::Empty,
        http.request.method = %method,
        server.address = request.url().host_str().unwrap_or_default(),
        server.port = request.url().port_or_known_default().unwrap_or_default(),
        http.response.status_code = tracing::field::Empty,
    );
    let cx = span.context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&cx, &mut HeaderInjector(request.headers_mut()));
    });
    let result = client.execute(request).instrument(span.clone()).await;
    match &result {
        Ok(response) => {
            let status = response.status();
            span.record("http.response.status_code", status.as_u16());
            span.record(
                "otel.status_code",
                if status.is_client_error() || status.is_server_error() {
                    "ERROR"
                } else {
                    "OK"
                },
            );
        }
        Err(_) => {
            span.record("otel.status_code", "ERROR");
        }
    }
    result
}

/// The span of one message handed to an SMTP server (`otel.kind = client`), or a disabled
/// span when tracing is off. Record the outcome with [`record_outcome`].
pub fn smtp_span(server: &str) -> tracing::Span {
    if !enabled() {
        return tracing::Span::none();
    }
    tracing::info_span!(
        target: TARGET,
        "SMTP send",
        otel.name = "SMTP send",
        otel.kind = "client",
        otel.status_code = tracing::field::Empty,
        server.address = server,
    )
}

/// Marks a span made here as failed or not.
pub fn record_outcome(span: &tracing::Span, ok: bool) {
    span.record("otel.status_code", if ok { "OK" } else { "ERROR" });
}

/// Writes trace-context headers into a request.
struct HeaderInjector<'a>(&'a mut reqwest::header::HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            reqwest::header::HeaderName::from_bytes(key.as_bytes()),
            reqwest::header::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// Makes the span of one database statement that took `elapsed`, as a child of the active
/// span (none outside a traced request or job: background polling would flood the collector).
/// Attributes: the engine, the statement's kind and table, and the SQL text with its
/// placeholders, only when the values travel apart from it (never a parameter value).
pub fn statement(
    engine: &'static str,
    sql: &str,
    parameterized: bool,
    elapsed: Duration,
    failed: bool,
) {
    let parent = Context::current();
    if !parent.span().span_context().is_valid() {
        return;
    }
    let (operation, table) = summary(sql);
    let name = match table {
        Some(table) => format!("{operation} {table}"),
        None => operation.clone(),
    };
    let end = SystemTime::now();
    let start = end.checked_sub(elapsed).unwrap_or(end);
    let mut attributes = vec![
        KeyValue::new("db.system.name", engine),
        KeyValue::new("db.operation.name", operation),
    ];
    if let Some(table) = table {
        attributes.push(KeyValue::new("db.collection.name", table.to_owned()));
    }
    if parameterized {
        attributes.push(KeyValue::new("db.query.text", sql.to_owned()));
    }
    let tracer = opentelemetry::global::tracer(SCOPE);
    let mut span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Client)
        .with_start_time(start)
        .with_attributes(attributes)
        .start_with_context(&tracer, &parent);
    if failed {
        opentelemetry::trace::Span::set_status(&mut span, Status::error("statement failed"));
    }
    opentelemetry::trace::Span::end_with_timestamp(&mut span, end);
}

/// The statement's kind (first keyword, upper case) and the table it names first after
/// `FROM`, `INTO`, `UPDATE` or `TABLE`, without quotes.
fn summary(sql: &str) -> (String, Option<&str>) {
    let words: Vec<&str> = sql.split_whitespace().collect();
    let operation = words.first().unwrap_or(&"SQL").to_ascii_uppercase();
    let table = words.windows(2).find_map(|pair| {
        let keyword = ["FROM", "INTO", "UPDATE", "TABLE"]
            .iter()
            .any(|k| pair[0].eq_ignore_ascii_case(k));
        let name = pair[1].trim_matches(|c: char| matches!(c, '"' | '`' | '(' | ')' | ','));
        (keyword && !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .then_some(name)
    });
    (operation, table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_kind_and_table_without_quotes() {
        assert_eq!(
            summary(r#"SELECT "clients"."id" FROM "clients" WHERE "id" = $1"#),
            ("SELECT".into(), Some("clients"))
        );
        assert_eq!(
            summary(r#"insert into "users" ("id") VALUES (?)"#),
            ("INSERT".into(), Some("users"))
        );
        assert_eq!(
            summary(r#"UPDATE "grants" SET "x" = $1"#),
            ("UPDATE".into(), Some("grants"))
        );
        assert_eq!(summary("BEGIN"), ("BEGIN".into(), None));
    }
}
