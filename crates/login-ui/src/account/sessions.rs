//! The sessions section: ending one, the others, or all sessions; signing out; the list as
//! JSON.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use domain::audit::AuditEvent;
use time::format_description::well_known::Rfc3339;

use super::console::{self, back};
use super::{ButtonForm, ItemForm, SignedIn, SignedInForm, done};
use crate::LoginUi;
use crate::flow::session_cookie::removed_session_cookie;
use crate::web::audit::record;
use crate::web::errors::PageResult;
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

/// The front-channel logout URLs of the applications this browser's session (just ended)
/// signed in to: the signed-out page loads them.
async fn frontchannel_frames(ui: &LoginUi, session_id: &str) -> Result<Vec<String>, domain::Error> {
    Ok(ui
        .sessions
        .clients_used(session_id)
        .await?
        .iter()
        .filter_map(|c| c.frontchannel_logout_url(&ui.settings.issuer, session_id))
        .collect())
}

/// `POST /account/sessions/end`: ends one of the user's other sessions.
pub async fn end_session(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<ItemForm>,
) -> PageResult {
    if ui
        .sessions
        .end_of_user(&me.user.id, &form.session_id)
        .await?
    {
        let mut event = AuditEvent::success("session.ended").subject(me.user.id);
        event.session_id = Some(form.session_id.clone());
        return done(&ui, &req, event, "session").await;
    }
    // Not theirs, or unknown: nothing to say about other people's sessions.
    Ok(back("session"))
}

/// `POST /account/sessions/end-others`
pub async fn end_others(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, .. }: SignedInForm<ItemForm>,
) -> PageResult {
    end_other_sessions(&ui, &me).await?;
    let event = AuditEvent::success("session.ended_others").subject(me.user.id);
    done(&ui, &req, event, "sessions").await
}

fn when(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// `GET /account/sessions.json`: the user's live sessions, for scripts and apps of the
/// user's own (same-origin; needs the session cookie).
pub async fn sessions_json(ui: web::Data<LoginUi>, me: SignedIn) -> PageResult {
    let sessions = ui.sessions.live_of_user(&me.user.id).await?;
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
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "sessions": list })))
}

/// `POST /account/sessions/end-all`: ends every session, this one included.
pub async fn end_all(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, .. }: SignedInForm<ButtonForm>,
) -> PageResult {
    end_other_sessions(&ui, &me).await?;
    ui.sessions.end(&me.session.id).await?;
    let frames = frontchannel_frames(&ui, &me.session.id).await?;
    record(
        &ui,
        &req,
        AuditEvent::success("session.ended_all").subject(me.user.id),
    )
    .await;
    let mut res = render::logged_out_with_frames(None, &frames, None);
    if let Err(e) = res.add_cookie(&removed_session_cookie(&ui)) {
        tracing::warn!(error = %e, "cannot clear the session cookie");
    }
    Ok(res)
}

/// `POST /account/sign-out`: ends this browser's session and its tokens.
pub async fn sign_out(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, .. }: SignedInForm<ButtonForm>,
) -> PageResult {
    ui.sessions.end(&me.session.id).await?;
    let frames = frontchannel_frames(&ui, &me.session.id).await?;
    let mut event = AuditEvent::success("logout").subject(me.user.id);
    event.session_id = Some(me.session.id);
    record(&ui, &req, event).await;
    let mut res = render::logged_out_with_frames(None, &frames, None);
    if let Err(e) = res.add_cookie(&removed_session_cookie(&ui)) {
        tracing::warn!(error = %e, "cannot clear the session cookie");
    }
    Ok(res)
}
