//! Traces: `serve` with `telemetry.otlp_endpoint` exports its spans over OTLP/HTTP to a
//! receiver started here, joins the caller's trace (`traceparent` in) and passes it on to
//! an upstream it calls (`traceparent` out).

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message as _;
use serde_json::Value;

use super::{Sandbox, serve_with, terminate};

/// One request received by [`HttpServer`]: method, path, headers (lower-case names), body.
struct Received {
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// A small HTTP/1.1 server on a free port that keeps every request it receives and answers
/// each with `status` and an empty body.
struct HttpServer {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl HttpServer {
    fn start(status: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let kept = kept.clone();
                std::thread::spawn(move || serve_connection(stream, status, &kept));
            }
        });
        Self { port, received }
    }
}

/// Answers the requests of one (keep-alive) connection until the peer closes it.
fn serve_connection(stream: TcpStream, status: u16, kept: &Mutex<Vec<Received>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let mut headers = HashMap::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        kept.lock().unwrap().push(Received {
            path,
            headers,
            body,
        });
        let answer = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n");
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// Every span the receiver has decoded so far.
fn exported(collector: &HttpServer) -> Vec<Span> {
    collector
        .received
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path == "/v1/traces")
        .flat_map(|r| {
            ExportTraceServiceRequest::decode(r.body.as_slice())
                .expect("an OTLP protobuf body")
                .resource_spans
        })
        .flat_map(|rs| rs.scope_spans)
        .flat_map(|ss| ss.spans)
        .collect()
}

/// Polls `collector` until `found` picks something out of the exported spans (30 s at most).
fn wait_for<T>(collector: &HttpServer, what: &str, found: impl Fn(&[Span]) -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(t) = found(&exported(collector)) {
            return t;
        }
        assert!(Instant::now() < deadline, "never exported: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.as_ref())
        .map(any_value_text)
}

fn any_value_text(value: &AnyValue) -> String {
    match value {
        AnyValue::StringValue(s) => s.clone(),
        AnyValue::IntValue(i) => i.to_string(),
        AnyValue::BoolValue(b) => b.to_string(),
        AnyValue::DoubleValue(d) => d.to_string(),
        other => format!("{other:?}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sends a raw HTTP/1.1 request and returns the status and body.
fn request(port: u16, head: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "{head}\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";
const UPSTREAM_TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";

#[test]
fn token_request_spans_reach_the_collector_under_the_callers_trace() {
    let collector = HttpServer::start(200);
    let upstream = HttpServer::start(404);
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"], None);
    let created: Value = serde_json::from_str(&sandbox.ok(
        &[
            "client",
            "create",
            "--name",
            "traced",
            "--grant-type",
            "client_credentials",
            "--json",
        ],
        None,
    ))
    .unwrap();
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    let issuer = format!("http://127.0.0.1:{}", upstream.port);
    sandbox.ok(
        &[
            "idp",
            "create",
            "--name",
            "corp",
            "--issuer",
            &issuer,
            "--client-id",
            "gatehouse-at-corp",
            "--client-secret-stdin",
        ],
        Some("upstream-secret\n"),
    );

    let port = super::free_port();
    let endpoint = format!("http://127.0.0.1:{}", collector.port);
    let (mut child, _) = serve_with(
        &sandbox,
        port,
        &[
            ("GATEHOUSE__TELEMETRY__OTLP_ENDPOINT", endpoint.as_str()),
            ("GATEHOUSE__TELEMETRY__SERVICE_NAME", "gatehouse-under-test"),
            // Export every 100 ms rather than every 5 s.
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    );

    // A token request that carries the caller's trace context.
    let form =
        format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}");
    let (status, body) = request(
        port,
        &format!(
            "POST /token HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             traceparent: 00-{TRACE_ID}-{CALLER_SPAN}-01"
        ),
        &form,
    );
    assert_eq!(status, 200, "{body}");
    let token: Value = serde_json::from_str(&body).unwrap();
    let access_token = token["access_token"].as_str().unwrap().to_owned();

    // A sign-in through the upstream: Gatehouse fetches its discovery document.
    // (Its answer, a page saying the upstream failed, does not matter here.)
    request(
        port,
        &format!(
            "GET /login/upstream/corp?next=/account HTTP/1.1\r\n\
             traceparent: 00-{UPSTREAM_TRACE_ID}-{CALLER_SPAN}-01"
        ),
        "",
    );

    // The server span of the token request: in the caller's trace, under the caller's span,
    // named after the route, with method, route and status.
    let server_span = wait_for(&collector, "the /token server span", |spans| {
        spans
            .iter()
            .find(|s| hex(&s.trace_id) == TRACE_ID && s.kind == SpanKind::Server as i32)
            .cloned()
    });
    assert_eq!(hex(&server_span.parent_span_id), CALLER_SPAN);
    assert!(server_span.name.contains("/token"), "{}", server_span.name);
    assert_eq!(
        attribute(&server_span, "http.route").as_deref(),
        Some("/token")
    );
    assert_eq!(
        attribute(&server_span, "http.method").as_deref(),
        Some("POST")
    );
    assert_eq!(
        attribute(&server_span, "http.status_code").as_deref(),
        Some("200")
    );

    // At least one database statement under it.
    let statement = wait_for(&collector, "a database span of /token", |spans| {
        spans
            .iter()
            .find(|s| {
                s.parent_span_id == server_span.span_id
                    && attribute(s, "db.system.name").as_deref() == Some("sqlite")
            })
            .cloned()
    });
    assert_eq!(statement.trace_id, server_span.trace_id);
    assert_eq!(statement.kind, SpanKind::Client as i32);

    // The upstream was called with the request's trace context, from a client span of the
    // sign-in's server span.
    let traceparent = {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let seen = upstream
                .received
                .lock()
                .unwrap()
                .iter()
                .find_map(|r| r.headers.get("traceparent").cloned());
            if let Some(t) = seen {
                break t;
            }
            assert!(Instant::now() < deadline, "the upstream got no traceparent");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    assert_eq!(parts[1], UPSTREAM_TRACE_ID, "{traceparent}");
    let (outbound, signin) = wait_for(&collector, "the upstream call's client span", |spans| {
        let outbound = spans.iter().find(|s| hex(&s.span_id) == parts[2])?;
        let signin = spans
            .iter()
            .find(|s| s.span_id == outbound.parent_span_id)?;
        Some((outbound.clone(), signin.clone()))
    });
    assert_eq!(outbound.kind, SpanKind::Client as i32);
    assert_eq!(
        attribute(&outbound, "http.request.method").as_deref(),
        Some("GET")
    );
    assert_eq!(
        attribute(&outbound, "server.address").as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(
        attribute(&outbound, "http.response.status_code").as_deref(),
        Some("404")
    );
    assert_eq!(hex(&signin.parent_span_id), CALLER_SPAN);
    assert!(
        signin.name.contains("/login/upstream/{name}"),
        "the route template, not the path: {}",
        signin.name
    );

    // Nothing exported carries the client secret or the access token, nor a raw path.
    terminate(&mut child);
    let spans = exported(&collector);
    for span in &spans {
        let mut texts = vec![span.name.clone()];
        texts.extend(span.attributes.iter().map(|kv| {
            kv.value
                .as_ref()
                .and_then(|v| v.value.as_ref())
                .map(any_value_text)
                .unwrap_or_default()
        }));
        for text in texts {
            assert!(!text.contains(&secret), "a span holds the secret: {span:?}");
            assert!(
                !text.contains(&access_token),
                "a span holds the token: {span:?}"
            );
            assert!(
                !text.contains("/login/upstream/corp"),
                "a raw path: {span:?}"
            );
        }
    }
    let service = collector
        .received
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path == "/v1/traces")
        .flat_map(|r| {
            ExportTraceServiceRequest::decode(r.body.as_slice())
                .unwrap()
                .resource_spans
        })
        .filter_map(|rs| rs.resource)
        .flat_map(|r| r.attributes)
        .find(|kv| kv.key == "service.name")
        .and_then(|kv| kv.value?.value)
        .map(|v| any_value_text(&v));
    assert_eq!(service.as_deref(), Some("gatehouse-under-test"));
}
