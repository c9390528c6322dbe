//! The sessions section: ending one, the others, or all sessions; signing out; the list as
//! JSON.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::audit::AuditEvent;
use time::format_description::well_known::Rfc3339;

use super::console::{self, back};
use super::{CsrfForm, ItemForm, SignedIn, require, require_form};
use crate::LoginUi;
use crate::flow::session_cookie::removed_session_cookie;
use crate::web::audit::record;
use crate::web::errors::server_error;
use crate::web::{device, render};

/// Ends every session of the user except `keep`.
pub(super) async fn end_other_sessions(ui: &LoginUi, me: &SignedIn) -> Result<(), domain::Error> {
    for s in ui.sessions.live_of_user(&me.user.id).await? {
        if s.id != me.session.id {
            ui.sessions.end(&s.id).await?;
        }
    }
    Ok(())
}

/// `POST /account/sessions/end`: ends one of the user's other sessions.
pub async fn end_session(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<ItemForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    match ui.sessions.end_of_user(&me.user.id, &form.session_id).await {
        Ok(true) => {
            let mut event = AuditEvent::success("session.ended").subject(me.user.id);
            event.session_id = Some(form.session_id.clone());
            record(&ui, &req, event).await;
            back("session")
        }
        // Not theirs, or unknown: nothing to say about other people's sessions.
        Ok(false) => back("session"),
        Err(e) => server_error(&e),
    }
}

/// `POST /account/sessions/end-others`
pub async fn end_others(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<ItemForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    if let Err(e) = end_other_sessions(&ui, &me).await {
        return server_error(&e);
    }
    record(
        &ui,
        &req,
        AuditEvent::success("session.ended_others").subject(me.user.id),
    )
    .await;
    back("sessions")
}

fn when(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// `GET /account/sessions.json`: the user's live sessions, for scripts and apps of the
/// user's own (same-origin; needs the session cookie).
pub async fn sessions_json(ui: web::Data<LoginUi>, req: HttpRequest) -> HttpResponse {
    let me = match require(&ui, &req).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    let sessions = match ui.sessions.live_of_user(&me.user.id).await {
        Ok(s) => s,
        Err(e) => return server_error(&e),
    };
    let list: Vec<serde_json::Value> = sessions
        .into_iter()
        .map(|s| {
            let device = device::parse(s.user_agent.as_deref().unwrap_or_default());
            serde_json::json!({
                "id": s.id,
                "current": s.id == me.session.id,
                "created_at": when(s.created_at),
                "last_active_at": when(s.last_seen_at),
                "signed_in_at": when(s.auth_time),
                "expires_at": when(s.expires_at),
                "location": console::locate(&ui, s.ip.as_deref()),
                "ip": s.ip,
                "browser": device.browser,
                "os": device.os,
                "user_agent": s.user_agent,
                "amr": s.amr,
                "acr": s.acr,
            })
        })
        .collect();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "sessions": list }))
}

/// `POST /account/sessions/end-all`: ends every session, this one included.
pub async fn end_all(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    if let Err(e) = end_other_sessions(&ui, &me).await {
        return server_error(&e);
    }
    if let Err(e) = ui.sessions.end(&me.session.id).await {
        return server_error(&e);
    }
    record(
        &ui,
        &req,
        AuditEvent::success("session.ended_all").subject(me.user.id),
    )
    .await;
    let mut res = render::logged_out();
    if let Err(e) = res.add_cookie(&removed_session_cookie(&ui)) {
        tracing::warn!(error = %e, "cannot clear the session cookie");
    }
    res
}

/// `POST /account/sign-out`: ends this browser's session and its tokens.
pub async fn sign_out(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    if let Err(e) = ui.sessions.end(&me.session.id).await {
        return server_error(&e);
    }
    let mut event = AuditEvent::success("logout").subject(me.user.id);
    event.session_id = Some(me.session.id);
    record(&ui, &req, event).await;
    let mut res = render::logged_out();
    if let Err(e) = res.add_cookie(&removed_session_cookie(&ui)) {
        tracing::warn!(error = %e, "cannot clear the session cookie");
    }
    res
}
