//! The request log: one span per request (exported as the server span when tracing is on,
//! named after the route template) and one line when it ends. It names the path without the
//! query (queries carry codes, tokens, `client_secret`, hints), and the client
//! address from [`super::ClientAddress`] rather than whatever `X-Forwarded-For` says.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage as _};
use opentelemetry::propagation::Extractor;
use opentelemetry::trace::TraceContextExt as _;
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder, TracingLogger};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::ForwardedProto;

/// Builds the request span (tracing-actix-web's default one logs the query and a spoofable
/// client IP).
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestSpan;

/// The logging middleware, with [`RequestSpan`].
pub fn request_logger() -> TracingLogger<RequestSpan> {
    TracingLogger::new()
}

/// User agents are logged up to this many characters.
const USER_AGENT_MAX: usize = 256;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let client_ip =
            domain::net::ClientIp::or_peer(request.extensions().get(), request.peer_addr())
                .map(|ip| ip.to_string())
                .unwrap_or_default();
        let scheme = request
            .extensions()
            .get::<ForwardedProto>()
            .map_or("", |p| p.0);
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let user_agent: String = request
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(USER_AGENT_MAX)
            .collect();
        let method = request.method();
        let route = request.match_pattern();
        let route = route.as_deref().unwrap_or("default");
        // No raw path here: the span is exported when tracing is on, and paths carry ids.
        let span = tracing::info_span!(
            target: domain::telemetry::TARGET,
            "HTTP request",
            otel.name = %format_args!("{method} {route}"),
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
            http.method = %method,
            http.route = route,
            http.client_ip = %client_ip,
            http.forwarded_proto = scheme,
            http.user_agent = %user_agent,
            request_id = %request_id,
            trace_id = tracing::field::Empty,
            http.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
        );
        if domain::telemetry::enabled() {
            join_callers_trace(request, &span);
        }
        span
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error) = match outcome {
            Ok(res) => (
                res.status(),
                res.response()
                    .error()
                    .map(|e| e.as_response_error().to_string()),
            ),
            Err(e) => (
                e.as_response_error().status_code(),
                Some(e.as_response_error().to_string()),
            ),
        };
        span.record("http.status_code", status.as_u16());
        if status.is_server_error() {
            span.record("otel.status_code", "ERROR");
        }
        if let Some(error) = &error {
            span.record("exception.message", error.as_str());
        }
        let path = outcome.as_ref().map_or("", |res| res.request().path());
        tracing::info!(
            target: "gatehouse::request",
            parent: &span,
            path,
            status = status.as_u16(),
            "request"
        );
    }
}

/// Makes the request span a child of the caller's span when a `traceparent` header names one
/// (W3C trace context), and puts the trace id in the log lines of the request.
fn join_callers_trace(request: &ServiceRequest, span: &Span) {
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(request.headers()))
    });
    // Only fails when the span is disabled, and then there is nothing to join.
    let _ = span.set_parent(parent);
    let trace_id = span.context().span().span_context().trace_id();
    span.record("trace_id", tracing::field::display(trace_id));
}

/// Reads trace-context headers from a request.
struct HeaderExtractor<'a>(&'a actix_web::http::header::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0
            .keys()
            .map(actix_web::http::header::HeaderName::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use actix_web::test as actix_test;
    use actix_web::{App, HttpResponse, web};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What the log says about one request to `/token?…` from `peer` with `headers`.
    fn log_of(trusted: &[&str], peer: &str, headers: &[(&str, &str)]) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        let trusted = trusted.iter().map(|s| s.parse().unwrap()).collect();
        let mut req = actix_test::TestRequest::post()
            .uri("/token?grant_type=client_credentials&client_secret=s3cret-in-query")
            .peer_addr(peer.parse().unwrap());
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        tracing::subscriber::with_default(subscriber, || {
            actix_web::rt::System::new().block_on(async move {
                let app = actix_test::init_service(
                    App::new()
                        .route(
                            "/token",
                            web::post().to(|| async {
                                tracing::info!("handled");
                                HttpResponse::Ok().finish()
                            }),
                        )
                        .wrap(request_logger())
                        .wrap(super::super::ClientAddress::new(trusted)),
                )
                .await;
                let res = actix_test::call_service(&app, req.to_request()).await;
                assert!(res.status().is_success());
            });
        });
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn finding_u_the_request_log_has_no_query_and_no_spoofed_client_ip() {
        let log = log_of(
            &[],
            "203.0.113.9:5000",
            &[("x-forwarded-for", "198.51.100.66")],
        );
        assert!(log.contains("/token"), "{log}");
        assert!(!log.contains("s3cret"), "the query is not logged: {log}");
        assert!(
            !log.contains("198.51.100.66"),
            "an untrusted X-Forwarded-For is not: {log}"
        );
        assert!(log.contains("203.0.113.9"), "the peer is: {log}");
        assert!(log.contains("200"), "with the status: {log}");
        // Behind a trusted proxy, the address it names.
        let log = log_of(
            &["203.0.113.0/24"],
            "203.0.113.9:5000",
            &[("x-forwarded-for", "198.51.100.66")],
        );
        assert!(log.contains("198.51.100.66"), "{log}");
    }
}
