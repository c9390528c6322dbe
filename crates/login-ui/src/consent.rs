//! The consent page: what the application asks for, in plain words; Allow or Deny.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::clients::Client;
use domain::sessions::COOKIE_NAME;
use serde::Deserialize;

use crate::csp::Csp;
use crate::login::{expired, load, record, server_error};
use crate::render;
use crate::{LoginUi, csrf};

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

/// A scope in words a person understands.
pub fn describe(scope: &str) -> String {
    match scope {
        "openid" => crate::t("scope-openid"),
        "profile" => crate::t("scope-profile"),
        "email" => crate::t("scope-email"),
        "address" => crate::t("scope-address"),
        "phone" => crate::t("scope-phone"),
        "offline_access" => crate::t("scope-offline-access"),
        "roles" => crate::t("scope-roles"),
        "groups" => crate::t("scope-groups"),
        other => crate::t1("scope-other", "name", other),
    }
}

/// `GET /consent?request=ID`
pub async fn show(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<ConsentQuery>,
) -> HttpResponse {
    let Some(pending) = load(&ui, &query.request).await else {
        return expired();
    };
    let Some(user) = signed_in(&ui, &req).await else {
        return to_login(&query.request);
    };
    let client = match ui.clients.get(&pending.client_id).await {
        Ok(c) => c,
        Err(e) => return server_error(&e),
    };
    let (token, cookie) = csrf::issue_signed_in(&ui, &req);
    let page = ConsentPage {
        client: &client,
        scopes: pending.scopes.iter().map(|s| describe(s)).collect(),
        email: &user.email,
        request: &query.request,
        csrf: &token,
    };
    // Allow and Deny are both answered by a redirect to the client.
    let csp = Csp::page().form_action(&pending.redirect_uri);
    csrf::attach(render::page(StatusCode::OK, &page, &csp), cookie)
}

/// `POST /consent`
pub async fn submit(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<ConsentForm>,
) -> HttpResponse {
    if !csrf::verify_signed_in(&ui, &req, &form.csrf) {
        return render::error(
            StatusCode::FORBIDDEN,
            "csrf",
            &crate::t("error-form-expired"),
        );
    }
    let Some(mut pending) = load(&ui, &form.request).await else {
        return expired();
    };
    let Some((session, user)) = signed_in_session(&ui, &req).await else {
        return to_login(&form.request);
    };
    let allow = match form.decision.as_str() {
        "allow" => true,
        "deny" => false,
        _ => {
            return render::error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &crate::t("consent-choose"),
            );
        }
    };
    if allow {
        if let Err(e) = ui
            .consents
            .grant(&user.id, &pending.client_id, &pending.scopes)
            .await
        {
            return server_error(&e);
        }
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
    if let Err(e) = ui.requests.update(&form.request, &pending).await {
        return server_error(&e);
    }
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/authorize/resume?request={}", form.request),
        ))
        .finish()
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
