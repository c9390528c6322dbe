//! Log output: human-readable or JSON lines, filtered by `log.level` (or `RUST_LOG`); with
//! `[telemetry]` on, the same subscriber also exports trace spans.

use std::io::IsTerminal as _;

use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::config::{LogConfig, LogFormat, TelemetryConfig};
use crate::telemetry::Telemetry;

fn filter(config: &LogConfig) -> EnvFilter {
    EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.level))
        .unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Installs the global subscriber, writing to stderr. Later calls do nothing (tests start
/// several servers in one process).
pub fn init(config: &LogConfig) {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(config))
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match config.format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// [`init`], plus the trace exporter when `telemetry.otlp_endpoint` is set (returned, to be
/// shut down at exit). The log filter applies to the log only: traces do not stop when the
/// log is quieter.
pub fn init_with_traces(
    log: &LogConfig,
    telemetry: &TelemetryConfig,
) -> anyhow::Result<Option<Telemetry>> {
    let Some(exporter) = Telemetry::start(telemetry)? else {
        init(log);
        return Ok(None);
    };
    let fmt = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let fmt = match log.format {
        LogFormat::Human => fmt.boxed(),
        LogFormat::Json => fmt.json().flatten_event(true).boxed(),
    };
    let installed = tracing_subscriber::registry()
        .with(fmt.with_filter(filter(log)))
        .with(exporter.layer())
        .try_init()
        .is_ok();
    if installed {
        exporter.install_globals();
    }
    Ok(Some(exporter))
}
