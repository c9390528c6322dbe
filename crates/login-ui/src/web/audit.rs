//! Writing audit events from pages.

use actix_web::HttpRequest;
use domain::audit::AuditEvent;

use super::request::{client_ip_text, user_agent};
use crate::LoginUi;

/// Writes an audit event with the request's IP and user agent; a failure is logged.
pub(crate) async fn record(ui: &LoginUi, req: &HttpRequest, mut event: AuditEvent) {
    event.ip = client_ip_text(req);
    event.user_agent = user_agent(req);
    if let Err(e) = ui.audit.record(event).await {
        tracing::error!(error = %e, "cannot write an audit event");
    }
}

/// Counts a sign-in (`method`: the `amr` joined by `+`, or the way that failed) by outcome.
pub(crate) fn count_sign_in(method: &str, outcome: &'static str) {
    metrics::counter!(
        "gatehouse_sign_ins_total",
        "method" => method.to_owned(), "outcome" => outcome
    )
    .increment(1);
}

/// Adds the client to an event, when the sign-in is for one.
pub(crate) fn with_client(event: AuditEvent, client_id: Option<&str>) -> AuditEvent {
    match client_id {
        Some(id) => event.client(id.to_owned()),
        None => event,
    }
}
