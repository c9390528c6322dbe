//! The audit log: filtered by time, kind, actor, subject, client, outcome and IP address,
//! newest first, page by page; exported with the same filters as JSON lines or CSV; and its
//! hash chain verified.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::admin::PageRequest;
use domain::audit::{AuditRecord, Filter, Format, Outcome, Report};
use serde::Deserialize;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::errors::ConsoleResult;
use super::guard::Console;
use super::shell::{Section, Shell};
use crate::web::csp::Csp;
use crate::web::render;

/// The filter form, as sent (kept to show it again and to build the links).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuditForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    client: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    ip: String,
    #[serde(default)]
    cursor: String,
    #[serde(default)]
    format: String,
}

/// A time typed into a `datetime-local` input (read as UTC) or written in RFC 3339.
fn parse_time(field: &'static str, text: &str) -> Result<Option<OffsetDateTime>, domain::Error> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
        return Ok(Some(t));
    }
    let minutes = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    PrimitiveDateTime::parse(text, minutes)
        .or_else(|_| PrimitiveDateTime::parse(text, seconds))
        .map(|t| Some(t.assume_utc()))
        .map_err(|_| {
            domain::Error::invalid(field, "is not a date and time (YYYY-MM-DDTHH:MM, UTC)")
        })
}

impl AuditForm {
    /// The filter the form describes; refuses what cannot be read.
    fn filter(&self) -> Result<Filter, domain::Error> {
        let given = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        Ok(Filter {
            from: parse_time("from", &self.from)?,
            to: parse_time("to", &self.to)?,
            kind: given(&self.kind),
            actor: given(&self.actor),
            subject: given(&self.subject),
            client: given(&self.client),
            outcome: given(&self.outcome)
                .map(|o| Outcome::parse(&o))
                .transpose()?,
            ip: given(&self.ip),
        })
    }

    /// The filter as a query string (for the next page and the exports).
    fn query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("from", &self.from)
            .append_pair("to", &self.to)
            .append_pair("kind", &self.kind)
            .append_pair("actor", &self.actor)
            .append_pair("subject", &self.subject)
            .append_pair("client", &self.client)
            .append_pair("outcome", &self.outcome)
            .append_pair("ip", &self.ip)
            .finish()
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    shell: Shell,
    form: AuditForm,
    events: Vec<AuditRecord>,
    next: Option<String>,
    /// The filter as a query, for the export links.
    query: String,
    /// The chain's check, when asked for.
    report: Option<Report>,
}

/// `GET /admin/audit`
pub(crate) async fn show(at: Console, form: web::Query<AuditForm>) -> ConsoleResult {
    let form = form.into_inner();
    let filter = form.filter()?;
    let page = PageRequest {
        cursor: Some(form.cursor.clone()).filter(|c| !c.is_empty()),
        limit: Some(50),
    };
    let found = at.ui.admin.search_audit(&at.actor, &filter, &page).await?;
    let query = form.query();
    let next = found.next_cursor.map(|cursor| {
        let cursor = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("cursor", &cursor)
            .finish();
        format!("/admin/audit?{query}&{cursor}")
    });
    let page = AuditPage {
        shell: Shell::new(&at, Section::Audit, "Audit log", ""),
        form,
        events: found.items,
        next,
        query,
        report: None,
    };
    Ok(render::page(StatusCode::OK, &page, &Csp::page()))
}

/// `GET /admin/audit/verify`: recomputes the hash chain and shows the result.
pub(crate) async fn verify(at: Console) -> ConsoleResult {
    let report = at.ui.admin.verify_audit(&at.actor).await?;
    let found = at
        .ui
        .admin
        .search_audit(&at.actor, &Filter::default(), &PageRequest::default())
        .await?;
    let page = AuditPage {
        shell: Shell::new(&at, Section::Audit, "Audit log", ""),
        form: AuditForm::default(),
        events: found.items,
        next: None,
        query: AuditForm::default().query(),
        report: Some(report),
    };
    Ok(render::page(StatusCode::OK, &page, &Csp::page()))
}

/// `GET /admin/audit/export?format=jsonl|csv&...`: every matching event, streamed as a file.
pub(crate) async fn export(at: Console, form: web::Query<AuditForm>) -> ConsoleResult {
    let filter = form.filter()?;
    let format = Format::parse(match form.format.as_str() {
        "" => "jsonl",
        f => f,
    })?;
    let body = at.ui.admin.export_audit_stream(&at.actor, filter, format)?;
    let body = futures_util::TryStreamExt::map_ok(body, actix_web::web::Bytes::from);
    let name = match format {
        Format::JsonLines => "audit.jsonl",
        Format::Csv => "audit.csv",
    };
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .streaming(body))
}
