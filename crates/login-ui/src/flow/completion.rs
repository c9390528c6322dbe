//! The end of every sign-in: the browser session starts, the sign-in is audited (and a new
//! device is told by mail), and the browser goes back to the authorization request or to
//! the local page it came from.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use domain::audit::AuditEvent;
use domain::entities::user;
use domain::sessions::{COOKIE_NAME, NewSession};

use super::purpose::SignInFor;
use super::session_cookie::session_cookie;
use crate::LoginUi;
use crate::web::audit::{record, with_client};
use crate::web::errors::PageResult;
use crate::web::request::{client_ip_text as client_ip, user_agent};

/// How the user proved who they are.
pub(crate) struct Factors {
    /// RFC 8176 method references.
    pub(crate) amr: Vec<String>,
    /// The authentication context class reached.
    pub(crate) acr: &'static str,
    /// The user asked to stay signed in.
    pub(crate) remember: bool,
}

/// Starts the browser session, audits the sign-in, and sends the browser on: back to the
/// authorization request, or to the local page it came from.
pub(crate) async fn complete(
    ui: &LoginUi,
    req: &HttpRequest,
    user: &user::Model,
    factors: Factors,
    mut purpose: SignInFor,
    request_id: &str,
) -> PageResult {
    let client_id = match &purpose {
        SignInFor::Authorize(p) => Some(p.client_id.clone()),
        SignInFor::Local(_) => None,
    };
    let (secret, session_id) = sign_in(ui, req, user, &factors).await?;
    crate::web::audit::count_sign_in(&factors.amr.join("+"), "success");
    let mut event = with_client(
        AuditEvent::success("login.succeeded")
            .subject(user.id.clone())
            .data(serde_json::json!({ "amr": factors.amr, "acr": factors.acr })),
        client_id.as_deref(),
    );
    event.session_id = Some(session_id.clone());
    record(ui, req, event).await;
    if ui.settings.new_sign_in_alert {
        alert_if_new_device(ui, req, user, &session_id).await;
    }
    let location = match &mut purpose {
        SignInFor::Authorize(pending) => {
            pending.signed_in_session = Some(session_id);
            ui.requests.update(request_id, pending).await?;
            format!("/authorize/resume?request={request_id}")
        }
        SignInFor::Local(next) => next.clone(),
    };
    let mut res = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish();
    let mut cookie = session_cookie(ui, secret);
    if factors.remember {
        // Outlives the browser's restart; without it, a cookie for this browser run only.
        let lifetime = ui.sessions.policy().lifetime(true);
        let seconds = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
        cookie.set_max_age(actix_web::cookie::time::Duration::seconds(seconds));
    }
    if let Err(e) = res.add_cookie(&cookie) {
        tracing::error!(error = %e, "cannot set the session cookie");
    }
    Ok(res)
}

/// Mails the user when they signed in with a browser (browser and system) none of their
/// earlier sessions used. The very first sign-in is not news.
async fn alert_if_new_device(
    ui: &LoginUi,
    req: &HttpRequest,
    user: &user::Model,
    session_id: &str,
) {
    let agent = user_agent(req).unwrap_or_default();
    let device = crate::web::device::parse(&agent);
    let earlier = match ui.sessions.recent_user_agents(&user.id, session_id).await {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "cannot read earlier sessions");
            return;
        }
    };
    if earlier.is_empty()
        || earlier
            .iter()
            .any(|ua| crate::web::device::parse(ua.as_deref().unwrap_or_default()) == device)
    {
        return;
    }
    let when = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap_or_default();
    let device = device.to_string();
    let ip = client_ip(req).unwrap_or_default();
    let seen = crate::io::mail::SignInSeen {
        when: &when,
        device: &device,
        ip: &ip,
    };
    let name = user.display_name.as_deref();
    if let Some(to) = user.email.as_deref() {
        let alert = crate::i18n::Lang::for_user(user.locale.as_deref())
            .scope(|| crate::io::mail::new_sign_in(to, name, &seen));
        crate::io::mail::send(ui, alert).await;
    }
    record(
        ui,
        req,
        AuditEvent::success("login.new_device_alerted").subject(user.id.clone()),
    )
    .await;
}

/// Starts (or renews, with a fresh cookie value) the browser session.
pub(crate) async fn sign_in(
    ui: &LoginUi,
    req: &HttpRequest,
    user: &user::Model,
    factors: &Factors,
) -> Result<(String, String), domain::Error> {
    let current = match req.cookie(COOKIE_NAME) {
        Some(c) => ui.sessions.find_live(c.value()).await?,
        None => None,
    };
    let (secret, row) = ui
        .sessions
        .sign_in(
            NewSession {
                user_id: user.id.clone(),
                amr: factors.amr.clone(),
                acr: Some(factors.acr.to_owned()),
                remember: factors.remember,
                ip: client_ip(req),
                user_agent: user_agent(req),
                lifetime: user.guest.then_some(ui.settings.guest_session_ttl),
            },
            current.as_ref(),
        )
        .await?;
    Ok((secret, row.id))
}

/// Whether `user` may sign in now (the domain's rule, with this server's setting for
/// accounts whose address is not verified yet).
pub(crate) fn may_sign_in(ui: &LoginUi, user: &user::Model) -> bool {
    domain::signin_rules::may_sign_in(
        user,
        time::OffsetDateTime::now_utc(),
        ui.settings.pending_may_sign_in,
    )
}
