//! Rendering templates into responses with the pages' security headers, and the pages the
//! protocol asks for (errors, form_post, logout).

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use askama::Template;

use crate::web::csp::Csp;

/// Renders `template` with `status` under `csp`. A template that fails to render is a
/// server error.
pub fn page(status: StatusCode, template: &impl Template, csp: &Csp) -> HttpResponse {
    match template.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, csp.to_string()))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("The page could not be shown.")
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    code: &'a str,
    description: &'a str,
}

/// An error page.
pub fn error(status: StatusCode, code: &str, description: &str) -> HttpResponse {
    let title = if status.is_server_error() {
        crate::t("error-title-server")
    } else {
        crate::t("error-title-request")
    };
    page(
        status,
        &ErrorPage {
            title: &title,
            code,
            description,
        },
        &Csp::page(),
    )
}

#[derive(Template)]
#[template(path = "form_post.html")]
struct FormPost<'a> {
    action: &'a str,
    params: &'a [(&'a str, String)],
}

/// The auto-submitting form of `response_mode=form_post` (OAuth 2.0 Form Post Response Mode).
pub fn form_post(action: &str, params: &[(&str, String)]) -> HttpResponse {
    // The form may post only to the client's verified redirect URI.
    page(
        StatusCode::OK,
        &FormPost { action, params },
        &Csp::form_post(action),
    )
}

#[derive(Template)]
#[template(path = "logout_confirm.html")]
struct LogoutConfirm<'a> {
    action: &'a str,
    fields: &'a [(&'a str, String)],
    /// The application asking, when the request names one.
    app_name: Option<&'a str>,
    /// Where Cancel goes: the application's home page, else the account page.
    cancel: &'a str,
}

/// Asks the user to confirm signing out. The protocol has checked that the
/// `post_logout_redirect_uri` among `fields` is registered for the client: the confirmation
/// is answered by a redirect there, so the form may end at its origin. The page names the
/// application `app_name` when known, and Cancel goes back to its `app_uri` (its
/// registered `client_uri`) or, without one, to the account page.
pub fn logout_confirm(
    action: &str,
    fields: &[(&str, String)],
    app_name: Option<&str>,
    app_uri: Option<&str>,
) -> HttpResponse {
    let csp = fields
        .iter()
        .filter(|(name, _)| *name == "post_logout_redirect_uri")
        .fold(Csp::page(), |csp, (_, uri)| csp.form_action(uri));
    let cancel = app_uri.unwrap_or("/account");
    page(
        StatusCode::OK,
        &LogoutConfirm {
            action,
            fields,
            app_name,
            cancel,
        },
        &csp,
    )
}

#[derive(Template)]
#[template(path = "logged_out.html")]
struct LoggedOut<'a> {
    next: &'a Next,
    /// Front-channel logout pages loaded in iframes.
    frames: &'a [String],
    /// The page continues by itself once the frames have loaded (our script).
    auto: bool,
}

/// The signed-out page. It leads back to the application `app` (its name and home page,
/// its registered `client_uri`) when the logout named one that has a home page, else to
/// signing in again.
pub fn logged_out(app: Option<(&str, &str)>) -> HttpResponse {
    logged_out_with_frames(app, &[], None)
}

/// The signed-out page of a logout that owes the applications the session used their
/// front-channel logout (OIDC Front-Channel Logout 1.0): each of `frames` (their registered
/// `frontchannel_logout_uri`, with `iss` and `sid` when asked) loads in an iframe, which
/// the CSP allows for exactly those origins. With `continue_to` (the verified post-logout
/// redirect URI) the page goes on there once the frames have loaded (a Continue link
/// without script); without it, it is [`logged_out`] with the frames.
pub fn logged_out_with_frames(
    app: Option<(&str, &str)>,
    frames: &[String],
    continue_to: Option<&str>,
) -> HttpResponse {
    let next = match (continue_to, app) {
        (Some(uri), _) => Next {
            href: uri.to_owned(),
            label: crate::t("action-continue"),
        },
        (None, Some((name, uri))) => Next::back_to(name, uri),
        (None, None) => Next {
            href: "/login?next=/account".into(),
            label: crate::t("logged-out-sign-in-again"),
        },
    };
    let auto = continue_to.is_some() && !frames.is_empty();
    let mut csp = frames.iter().fold(Csp::page(), |csp, f| csp.frame(f));
    if auto {
        csp = csp.scripts();
    }
    page(
        StatusCode::OK,
        &LoggedOut {
            next: &next,
            frames,
            auto,
        },
        &csp,
    )
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFound;

/// The page of an unknown path, with the ways on.
pub fn not_found() -> HttpResponse {
    page(StatusCode::NOT_FOUND, &NotFound, &Csp::page())
}

#[derive(Template)]
#[template(path = "locked.html")]
struct Locked<'a> {
    message: &'a str,
    /// The parked authorization request the sign-in is for (empty: none): the reset it
    /// links to leads back to it.
    request: &'a str,
}

/// The page of a locked account (shown only to someone who got the password right): the
/// `message` says for how long, and the page links to the password reset, which unlocks,
/// carrying the parked `request` (empty: none).
pub fn locked(status: StatusCode, message: &str, request: &str) -> HttpResponse {
    page(status, &Locked { message, request }, &Csp::page())
}

/// The sign-in page of the parked authorization `request` (empty: a plain sign-in).
pub fn sign_in_of(request: &str) -> String {
    if request.is_empty() {
        return "/login".to_owned();
    }
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("request", request);
    format!("/login?{}", query.finish())
}

/// The next action of an end page, shown as its one link: back to the application, to the
/// account page, or to sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    /// Where it goes: a path on this server, or an application's registered home page.
    pub href: String,
    /// What the link says.
    pub label: String,
}

impl Next {
    /// To sign in (then the account page).
    pub fn sign_in() -> Self {
        Self {
            href: "/login".into(),
            label: crate::t("next-sign-in"),
        }
    }

    /// Back to the sign-in page, of the parked authorization `request` when there is one
    /// (empty: none).
    pub fn back_to_sign_in(request: &str) -> Self {
        Self {
            href: sign_in_of(request),
            label: crate::t("link-back-to-sign-in"),
        }
    }

    /// To the account page.
    pub fn account() -> Self {
        Self {
            href: "/account".into(),
            label: crate::t("next-account"),
        }
    }

    /// Back to the application `name` at its home page `uri` (its registered `client_uri`).
    pub fn back_to(name: &str, uri: &str) -> Self {
        Self {
            href: uri.to_owned(),
            label: crate::t1("next-back-to-app", "client", name),
        }
    }
}

#[derive(Template)]
#[template(path = "notice.html")]
struct Notice<'a> {
    title: &'a str,
    message: &'a str,
    next: Option<&'a Next>,
}

/// A page with a title and one message (what happened, what to do next).
pub fn notice(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    page(
        status,
        &Notice {
            title,
            message,
            next: None,
        },
        &Csp::page(),
    )
}

/// An end page: a title, one message, and the `next` action as a link, so that nobody is
/// left on a page that leads nowhere.
pub fn end_page(status: StatusCode, title: &str, message: &str, next: &Next) -> HttpResponse {
    page(
        status,
        &Notice {
            title,
            message,
            next: Some(next),
        },
        &Csp::page(),
    )
}
