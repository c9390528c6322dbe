//! Prometheus metrics at `GET /metrics`: the process-wide recorder (the `metrics` facade the
//! libraries count into), the HTTP middleware counting requests by route template, and the
//! scrape, which also reads the database pool's use.

use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use domain::store::Store;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets (seconds) of HTTP requests: a sign-in page in milliseconds, a password
/// hash in a few hundred, an upstream's slow answer in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The recorder's handle. One recorder serves the process: every server started in it
/// (tests start many) counts into the same registry.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("gatehouse_http_request_duration_seconds".into()),
                LATENCY_BUCKETS,
            )
            .map(PrometheusBuilder::build_recorder);
        let recorder = match recorder {
            Ok(r) => r,
            // Only an empty bucket list fails; the constant is not empty.
            Err(e) => {
                tracing::error!(error = %e, "metrics buckets refused; histograms become summaries");
                PrometheusBuilder::new().build_recorder()
            }
        };
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was installed already; /metrics shows only its own");
        }
        metrics::gauge!("gatehouse_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        spawn_upkeep(handle.clone());
        handle
    })
}

/// How often histogram samples are folded into their buckets.
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds the histogram samples recorded since the last time into their buckets. The recorder
/// keeps every sample until then: without this, a node nobody scrapes grows by every request
/// it answers (the soak test saw about 1 MB a minute).
fn spawn_upkeep(handle: PrometheusHandle) {
    let started = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                handle.run_upkeep();
            }
        });
    if let Err(e) = started {
        tracing::error!(error = %e, "cannot start the metrics upkeep thread; histograms grow until scraped");
    }
}

/// A method as a label: the standard ones by name, anything else as `other` (a client
/// chooses the method; labels must stay few).
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts every request by route template (never the raw path: ids and tokens would make
/// endless series), method and status, and times it.
pub async fn record_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let _in_flight = InFlight::enter();
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16().to_string();
    metrics::counter!(
        "gatehouse_http_requests_total",
        "route" => route.clone(), "method" => method, "status" => status
    )
    .increment(1);
    metrics::histogram!(
        "gatehouse_http_request_duration_seconds",
        "route" => route, "method" => method
    )
    .record(started.elapsed().as_secs_f64());
    Ok(res)
}

/// One request being answered: counted in `gatehouse_http_requests_in_flight` until dropped
/// (answered, failed or cancelled).
struct InFlight;

impl InFlight {
    fn enter() -> Self {
        metrics::gauge!("gatehouse_http_requests_in_flight").increment(1.0);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("gatehouse_http_requests_in_flight").decrement(1.0);
    }
}

/// `GET /metrics`: the Prometheus text format.
pub async fn scrape(
    store: web::Data<Store>,
    outbox: web::Data<domain::mail::Outbox>,
) -> HttpResponse {
    match outbox.pending_count().await {
        #[allow(clippy::cast_precision_loss)] // a queue of 2^53 mails is not a concern
        Ok(pending) => metrics::gauge!("gatehouse_mail_outbox_pending").set(pending as f64),
        Err(e) => tracing::warn!(error = %e, "cannot count the mail waiting in the outbox"),
    }
    let (size, idle) = store.pool_usage();
    let pool = store.engine_name();
    metrics::gauge!("gatehouse_db_pool_connections", "database" => pool, "state" => "idle")
        .set(f64::from(u32::try_from(idle).unwrap_or(u32::MAX)));
    metrics::gauge!("gatehouse_db_pool_connections", "database" => pool, "state" => "in_use").set(
        f64::from(size.saturating_sub(u32::try_from(idle).unwrap_or(u32::MAX))),
    );
    let handle = handle();
    handle.run_upkeep();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(handle.render())
}
