//! `GET /admin`: sign-ins and failures over the last 24 hours and 7 days, live sessions, and
//! the latest security events.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use domain::audit::AuditRecord;

use super::Done;
use super::chart::{Chart, Naming};
use super::errors::ConsoleResult;
use super::guard::Console;
use super::shell::{Section, Shell};
use crate::web::csp::Csp;
use crate::web::render;

#[derive(Template)]
#[template(path = "admin/overview.html")]
struct OverviewPage {
    shell: Shell,
    charts: Vec<Chart>,
    live_sessions: u64,
    events: Option<Vec<AuditRecord>>,
}

/// `GET /admin`
pub(crate) async fn show(at: Console, done: web::Query<Done>) -> ConsoleResult {
    let now = time::OffsetDateTime::now_utc();
    let overview = at.ui.admin.overview(&at.actor, now).await?;
    let hours = Naming {
        short: |b| format!("{:02}h", b.start.hour()),
        full: |b| format!("{} {:02}:00 UTC", b.start.date(), b.start.hour()),
        label_every: 3,
    };
    let days = Naming {
        short: |b| format!("{} {}", &b.start.weekday().to_string()[..3], b.start.day()),
        full: |b| b.start.date().to_string(),
        label_every: 1,
    };
    let page = OverviewPage {
        shell: Shell::new(&at, Section::Overview, "Overview", &done.done),
        charts: vec![
            Chart::new(
                "day",
                "Sign-ins, last 24 hours (per hour, UTC)",
                &overview.last_day,
                &hours,
            ),
            Chart::new(
                "week",
                "Sign-ins, last 7 days (per day, UTC)",
                &overview.last_week,
                &days,
            ),
        ],
        live_sessions: overview.live_sessions,
        events: overview.security_events,
    };
    Ok(render::page(StatusCode::OK, &page, &Csp::page()))
}
