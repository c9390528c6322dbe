//! OpenTelemetry traces (`[telemetry]`): an OTLP/HTTP (protobuf) batch exporter, the W3C
//! trace-context propagator, and the `tracing` layer that turns Gatehouse's spans into
//! OpenTelemetry spans. Nothing here runs when `telemetry.otlp_endpoint` is empty.

use std::collections::HashMap;

use anyhow::Context as _;
use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracer, SdkTracerProvider};
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

use crate::config::TelemetryConfig;

/// The running exporter; [`Telemetry::shutdown`] flushes what is still buffered.
#[derive(Debug)]
pub struct Telemetry {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
}

impl Telemetry {
    /// Builds the exporter for `config` (`None` when no endpoint is set). Spans are batched
    /// on the exporter's own thread; `OTEL_BSP_SCHEDULE_DELAY` and the other `OTEL_BSP_*`
    /// variables tune the batching.
    pub fn start(config: &TelemetryConfig) -> anyhow::Result<Option<Self>> {
        let Some(url) = config.traces_url() else {
            return Ok(None);
        };
        let headers: HashMap<String, String> = config
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(url)
            .with_headers(headers)
            .build()
            .context("telemetry.otlp_endpoint: cannot build the OTLP exporter")?;
        let resource = Resource::builder()
            .with_service_name(config.service_name.clone())
            .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
            .build();
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                config.sample_ratio,
            ))))
            .with_resource(resource)
            .build();
        let tracer = provider.tracer("gatehouse");
        Ok(Some(Self { provider, tracer }))
    }

    /// The layer exporting Gatehouse's own spans (target [`domain::telemetry::TARGET`]); log
    /// events stay in the log, and other crates' spans stay out.
    pub fn layer<S>(&self) -> impl Layer<S> + 'static
    where
        S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    {
        tracing_opentelemetry::layer()
            .with_tracer(self.tracer.clone())
            .with_location(false)
            .with_threads(false)
            .with_filter(tracing_subscriber::filter::filter_fn(|meta| {
                meta.is_span() && meta.target() == domain::telemetry::TARGET
            }))
    }

    /// Makes the exporter global (the propagator reads and writes `traceparent`, database
    /// spans find the tracer) and switches the helpers of [`domain::telemetry`] on.
    pub fn install_globals(&self) {
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        opentelemetry::global::set_tracer_provider(self.provider.clone());
        domain::telemetry::enable();
    }

    /// Exports the spans still buffered and stops the exporter. Its HTTP client blocks, so
    /// this runs on the blocking pool.
    pub async fn shutdown(self) {
        let provider = self.provider;
        match tokio::task::spawn_blocking(move || provider.shutdown()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot flush the last trace spans"),
            Err(e) => tracing::warn!(error = %e, "cannot flush the last trace spans"),
        }
    }
}
