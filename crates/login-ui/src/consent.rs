//! The consent page: what the application asks for, in plain words; Allow or Deny.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::clients::Client;
use domain::sessions::COOKIE_NAME;
use serde::Deserialize;

use crate::LoginUi;
use crate::flow::purpose::load;
use crate::web::audit::record;
use crate::web::csp::Csp;
use crate::web::csrf_form::{CsrfForm, Session, has_csrf};
use crate::web::errors::{PageError, PageResult};
use crate::web::scopes::describe;
use crate::web::{csrf, render};

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    client: &'a Client,
    scopes: Vec<String>,
    email: &'a str,
    request: &'a str,
    csrf: &'a str,
}

/// Query of `GET /consent`.
#[derive(Debug, Deserialize)]
pub struct ConsentQuery {
    #[serde(default)]
    request: String,
}

/// The consent form.
#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    decision: String,
}

/// `GET /consent?request=ID`
pub async fn show(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<ConsentQuery>,
) -> PageResult {
    let Some(pending) = load(&ui, &query.request).await else {
        return Err(PageError::RequestExpired);
    };
    let Some(user) = signed_in(&ui, &req).await else {
        return Ok(to_login(&query.request));
    };
    let client = ui.clients.get(&pending.client_id).await?;
    let (token, cookie) = csrf::issue_signed_in(&ui, &req);
    let label = user.label();
    let page = ConsentPage {
        client: &client,
        scopes: pending.scopes.iter().map(|s| describe(s)).collect(),
        email: &label,
        request: &query.request,
        csrf: &token,
    };
    // Allow and Deny are both answered by a redirect to the client.
    let csp = Csp::page().form_action(&pending.redirect_uri);
    Ok(csrf::attach(
        render::page(StatusCode::OK, &page, &csp),
        cookie,
    ))
}

/// `POST /consent`
pub async fn submit(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<ConsentForm, Session>,
) -> PageResult {
    let Some(mut pending) = load(&ui, &form.request).await else {
        return Err(PageError::RequestExpired);
    };
    let Some((session, user)) = signed_in_session(&ui, &req).await else {
        return Ok(to_login(&form.request));
    };
    let allow = match form.decision.as_str() {
        "allow" => true,
        "deny" => false,
        _ => {
            return Ok(render::error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &crate::t("consent-choose"),
            ));
        }
    };
    if allow {
        ui.consents
            .grant(&user.id, &pending.client_id, &pending.scopes)
            .await?;
        pending.consent_given = true;
    } else {
        pending.consent_denied = true;
    }
    // The decision is this browser's: another session resuming the request is asked anew.
    pending.consent_session = Some(session.id.clone());
    let event = if allow {
        AuditEvent::success("consent.given")
    } else {
        AuditEvent::failure("consent.denied", "the user denied the request")
    };
    record(
        &ui,
        &req,
        event
            .subject(user.id.clone())
            .client(pending.client_id.clone())
            .data(serde_json::json!({ "scopes": pending.scopes })),
    )
    .await;
    ui.requests.update(&form.request, &pending).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/authorize/resume?request={}", form.request),
        ))
        .finish())
}

async fn signed_in(ui: &LoginUi, req: &HttpRequest) -> Option<domain::entities::user::Model> {
    signed_in_session(ui, req).await.map(|(_, user)| user)
}

async fn signed_in_session(
    ui: &LoginUi,
    req: &HttpRequest,
) -> Option<(
    domain::entities::browser_session::Model,
    domain::entities::user::Model,
)> {
    let cookie = req.cookie(COOKIE_NAME)?;
    let session = ui.sessions.find_live(cookie.value()).await.ok()??;
    let user = ui.users.find(&session.user_id).await.ok()??;
    Some((session, user))
}

fn to_login(request: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/login?request={request}")))
        .finish()
}

has_csrf!(ConsentForm);
