//! Wires the protocol's page needs to the hosted pages: the protocol crate never builds
//! HTML and the pages crate never speaks the protocol; the binary joins them here.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

/// The hosted pages, as the protocol's [`auth_server::Pages`].
#[derive(Debug, Clone, Copy, Default)]
pub struct HostedPages;

impl auth_server::Pages for HostedPages {
    fn error(&self, status: StatusCode, error: &str, description: &str) -> HttpResponse {
        login_ui::render::error(status, error, description)
    }

    fn form_post(&self, action: &str, params: &[(&str, String)]) -> HttpResponse {
        login_ui::render::form_post(action, params)
    }

    fn logout_confirm(
        &self,
        action: &str,
        fields: &[(&str, String)],
        app: Option<&auth_server::LogoutApp>,
    ) -> HttpResponse {
        login_ui::render::logout_confirm(
            action,
            fields,
            app.map(|a| a.name.as_str()),
            app.and_then(|a| a.uri.as_deref()),
        )
    }

    fn logged_out(
        &self,
        app: Option<&auth_server::LogoutApp>,
        frames: &[String],
        next: Option<&str>,
    ) -> HttpResponse {
        let back = app.and_then(|a| a.uri.as_deref().map(|uri| (a.name.as_str(), uri)));
        login_ui::render::logged_out_with_frames(back, frames, next)
    }
}

/// Unknown paths: a page for browsers (they ask for HTML), an empty 404 for every other
/// client (the error-body middleware gives it its short text).
pub async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    let wants_html = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && req.method() == actix_web::http::Method::GET {
        login_ui::render::not_found()
    } else {
        HttpResponse::NotFound().finish()
    }
}
