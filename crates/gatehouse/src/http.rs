//! HTTP assembly: routes of every crate, middleware, and the operational endpoints.

mod client_ip;
mod connections;
mod error_body;
mod headers;
mod health;
pub mod metrics;
mod request_log;

use actix_web::web;

pub use client_ip::{ClientAddress, ForwardedProto};
pub use connections::{BodyTimeout, ConnectionCap};
pub use error_body::ErrorBodies;
pub use headers::{RequestIdHeader, security_headers};
pub use request_log::{RequestSpan, request_logger};

/// Mounts every route of the service.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .configure(auth_server::configure)
        .configure(login_ui::configure);
}

/// Mounts `/metrics` (on the main listener, or on the management listener).
pub fn metrics_route(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics::scrape));
}

/// The management listener's routes: metrics and the probes.
pub fn management_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .configure(metrics_route);
}
