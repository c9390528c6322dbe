//! `/audit`: search, export and verify the audit log (`gatehouse:audit` or
//! `gatehouse:admin`).

use actix_web::{HttpResponse, get, web};
use domain::admin::PageRequest;
use domain::audit::{Filter, Format, Outcome, Page as AuditPage, Report};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AdminApi;
use crate::caller::Caller;
use crate::problem::ApiError;

/// Filters of the audit log (every one given must match).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Events at or after this time (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<time::OffsetDateTime>,
    /// Events before this time (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<time::OffsetDateTime>,
    /// The kind exactly (`user.created`), or a prefix ending in `.*` (`user.*`).
    kind: Option<String>,
    /// The acting user's id (`sa:{id}` for a service account).
    actor: Option<String>,
    /// The concerned user's id.
    subject: Option<String>,
    /// The client id.
    client: Option<String>,
    /// `success` or `failure`.
    outcome: Option<String>,
    /// The caller's IP address, exactly.
    ip: Option<String>,
    /// The `next_cursor` of the previous page (search only).
    cursor: Option<String>,
    /// Events per page, 1 to 500 (search only; default 50).
    limit: Option<u64>,
    /// `jsonl` (default) or `csv` (export only).
    format: Option<String>,
}

impl AuditQuery {
    fn filter(&self) -> Result<Filter, ApiError> {
        Ok(Filter {
            from: self.from,
            to: self.to,
            kind: self.kind.clone(),
            actor: self.actor.clone(),
            subject: self.subject.clone(),
            client: self.client.clone(),
            outcome: self.outcome.as_deref().map(Outcome::parse).transpose()?,
            ip: self.ip.clone(),
        })
    }
}

/// Searches the audit log, newest first.
#[utoipa::path(tag = "audit", params(AuditQuery),
    responses((status = 200, description = "OK", body = AuditPage)),
    security(("bearer" = [])))]
#[get("/audit")]
pub async fn search(
    api: web::Data<AdminApi>,
    caller: Caller,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = q.filter()?;
    let page = PageRequest {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    Ok(HttpResponse::Ok().json(api.admin.search_audit(&caller.0, &filter, &page).await?))
}

/// Exports every matching event as JSON lines or CSV, streamed; the export is itself audited.
#[utoipa::path(tag = "audit", params(AuditQuery),
    responses((status = 200, description = "The events, newest first", content(
        (String = "application/jsonl"), (String = "text/csv")))),
    security(("bearer" = [])))]
#[get("/audit/export")]
pub async fn export(
    api: web::Data<AdminApi>,
    caller: Caller,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = q.filter()?;
    let format = Format::parse(q.format.as_deref().unwrap_or("jsonl"))?;
    let body = api.admin.export_audit_stream(&caller.0, filter, format)?;
    let body = futures_util::TryStreamExt::map_ok(body, actix_web::web::Bytes::from);
    let name = match format {
        Format::JsonLines => "audit.jsonl",
        Format::Csv => "audit.csv",
    };
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .streaming(body))
}

/// Recomputes the hash chain: `intact`, rows checked, the head to record elsewhere, and the
/// first broken row.
#[utoipa::path(tag = "audit",
    responses((status = 200, description = "OK", body = Report)),
    security(("bearer" = [])))]
#[get("/audit/verify")]
pub async fn verify(api: web::Data<AdminApi>, caller: Caller) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api.admin.verify_audit(&caller.0).await?))
}
