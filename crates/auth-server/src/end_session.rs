//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): end the browser session
//! and the tokens issued under it; redirect only to a registered post-logout URI.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use domain::audit::AuditEvent;
use domain::clients::Client;
use domain::entities::browser_session;
use domain::sessions::COOKIE_NAME;

use crate::id_token_hint::{self, IdTokenHint};
use crate::pages::LogoutApp;
use crate::params::Params;
use crate::{Provider, paths};

const CSRF_PURPOSE: &str = "logout_confirmation";
const CSRF_FIELD: &str = "logout_csrf";

/// `GET /end_session`
pub async fn get(provider: web::Data<Provider>, req: HttpRequest) -> HttpResponse {
    handle(&provider, &req, req.query_string().as_bytes(), false).await
}

/// `POST /end_session`: a logout request sent as a form, or the user's confirmation.
pub async fn post(
    provider: web::Data<Provider>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    handle(&provider, &req, &body, true).await
}

/// A validated logout request.
struct Logout {
    /// The valid `id_token_hint`.
    hint: Option<IdTokenHint>,
    /// The `id_token_hint` as sent.
    hint_raw: Option<String>,
    /// Where to go afterwards: registered for the client, with the state added.
    redirect: Option<String>,
    /// The raw parameters, carried through the confirmation form.
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
    /// The application named by the hint or the `client_id`.
    app: Option<LogoutApp>,
}

/// Why a logout request is not carried out.
enum Refusal {
    /// The request is wrong: the message is for the user.
    Bad(String),
    /// Something failed on our side: logged, never shown.
    Internal(domain::Error),
}

impl From<&str> for Refusal {
    fn from(message: &str) -> Self {
        Self::Bad(message.to_owned())
    }
}

impl From<String> for Refusal {
    fn from(message: String) -> Self {
        Self::Bad(message)
    }
}

async fn handle(provider: &Provider, req: &HttpRequest, raw: &[u8], posted: bool) -> HttpResponse {
    let params = match Params::parse(raw) {
        Ok(p) => p,
        Err(e) => return bad(provider, &format!("The logout request is malformed: {e}.")),
    };
    let logout = match validate(provider, &params).await {
        Ok(l) => l,
        Err(Refusal::Bad(message)) => return bad(provider, &message),
        Err(Refusal::Internal(e)) => return internal(provider, &e),
    };
    let cookie = req.cookie(COOKIE_NAME).map(|c| c.value().to_owned());
    if posted && cookie.is_none() {
        // A cross-site POST does not carry the SameSite=Lax session cookie, so its absence
        // does not mean the browser is signed out. A top-level GET does carry it: go there
        // and decide with the cookie, rather than claim a logout that did not happen.
        return bounce_to_get(&logout);
    }
    let session = match &cookie {
        Some(value) => match provider.sessions.find_live(value).await {
            Ok(s) => s,
            Err(e) => return internal(provider, &e),
        },
        None => None,
    };
    let confirmed = match (params.get(CSRF_FIELD), &cookie) {
        (Some(token), Some(value)) => {
            provider
                .secrets
                .verify_keyed_hash(CSRF_PURPOSE, value, token)
        }
        _ => false,
    };
    let Some(session) = session else {
        // No live session behind this browser's cookie (or no cookie on a GET, which a
        // signed-in browser always sends): it is signed out.
        return finish(provider, &logout, &[]);
    };
    let user = match provider.users.find(&session.user_id).await {
        Ok(u) => u,
        Err(e) => return internal(provider, &e),
    };
    // The hint's `sub` is the one its client sees (pairwise or not).
    let hint_client = match logout.client_id.as_deref() {
        Some(id) if logout.hint.is_some() => match provider.clients.find(id).await {
            Ok(c) => c,
            Err(e) => return internal(provider, &e),
        },
        _ => None,
    };
    let hint_matches = logout.hint.as_ref().is_some_and(|hint| {
        hint.sid.as_deref() == Some(session.id.as_str())
            || user
                .as_ref()
                .zip(hint_client.as_ref())
                .is_some_and(|(u, c)| provider.subject_for(c, &u.subject) == hint.sub)
    });
    if hint_matches || confirmed {
        if let Err(e) = end(provider, &session, logout.client_id.as_deref()).await {
            return internal(provider, &e);
        }
        let frames = match frontchannel_frames(provider, &session.id).await {
            Ok(frames) => frames,
            Err(e) => return internal(provider, &e),
        };
        return finish(provider, &logout, &frames);
    }
    // No proof the request comes from the user's application: ask the user.
    let Some(value) = cookie else {
        return finish(provider, &logout, &[]);
    };
    let mut fields = vec![(
        CSRF_FIELD,
        provider.secrets.keyed_hash(CSRF_PURPOSE, &value),
    )];
    for (name, v) in [
        ("client_id", &logout.client_id),
        ("post_logout_redirect_uri", &logout.post_logout_redirect_uri),
        ("state", &logout.state),
    ] {
        if let Some(v) = v {
            fields.push((name, v.clone()));
        }
    }
    provider
        .pages
        .logout_confirm(paths::END_SESSION, &fields, logout.app.as_ref())
}

/// Sends a POSTed logout request to the GET endpoint, with the same parameters (the
/// confirmation token aside: it is only valid with the cookie, and the GET asks again).
fn bounce_to_get(logout: &Logout) -> HttpResponse {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(hint) = &logout.hint_raw {
        query.append_pair("id_token_hint", hint);
    }
    for (name, v) in [
        ("client_id", &logout.client_id),
        ("post_logout_redirect_uri", &logout.post_logout_redirect_uri),
        ("state", &logout.state),
    ] {
        if let Some(v) = v {
            query.append_pair(name, v);
        }
    }
    let query = query.finish();
    let location = if query.is_empty() {
        paths::END_SESSION.to_owned()
    } else {
        format!("{}?{query}", paths::END_SESSION)
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

async fn validate(provider: &Provider, params: &Params) -> Result<Logout, Refusal> {
    let mut client_id = params.get("client_id").map(str::to_owned);
    let hint_raw = params.get("id_token_hint").map(str::to_owned);
    let hint = match &hint_raw {
        None => None,
        Some(token) => {
            let hint = id_token_hint::verify(provider, token)
                .ok_or("The id_token_hint is not an ID token issued here.")?;
            match &client_id {
                Some(c) if !hint.issued_to(c) => {
                    return Err("The client_id does not match the id_token_hint.".into());
                }
                Some(_) => {}
                None => client_id = hint.audiences.first().cloned(),
            }
            Some(hint)
        }
    };
    let client: Option<Client> = match &client_id {
        Some(id) => Some(
            provider
                .clients
                .find(id)
                .await
                .map_err(Refusal::Internal)?
                .ok_or("The application is not registered here.")?,
        ),
        None => None,
    };
    let post_logout_redirect_uri = params.get("post_logout_redirect_uri").map(str::to_owned);
    let state = params.get("state").map(str::to_owned);
    let redirect = match (&post_logout_redirect_uri, &client) {
        (None, _) => None,
        (Some(_), None) => {
            return Err("post_logout_redirect_uri needs an id_token_hint or a client_id.".into());
        }
        (Some(uri), Some(c)) => {
            if !c.post_logout_redirect_uris.iter().any(|u| u == uri) {
                return Err(
                    "The post_logout_redirect_uri is not registered for this application.".into(),
                );
            }
            let mut url = url::Url::parse(uri)
                .map_err(|_| "The post_logout_redirect_uri is not a valid URL.")?;
            if let Some(s) = &state {
                url.query_pairs_mut().append_pair("state", s);
            }
            Some(url.to_string())
        }
    };
    let app = client.map(|c| LogoutApp {
        name: c.name,
        uri: c.client_uri,
    });
    Ok(Logout {
        hint,
        hint_raw,
        redirect,
        client_id,
        post_logout_redirect_uri,
        state,
        app,
    })
}

async fn end(
    provider: &Provider,
    session: &browser_session::Model,
    client_id: Option<&str>,
) -> Result<(), domain::Error> {
    provider.sessions.end(&session.id).await?;
    let mut event = AuditEvent::success("session.logout").subject(session.user_id.clone());
    event.session_id = Some(session.id.clone());
    if let Some(c) = client_id {
        event = event.client(c.to_owned());
    }
    provider.audit.record(event).await
}

/// The front-channel logout URLs (OIDC Front-Channel Logout 1.0 §2) of the applications
/// that signed in under the session, each with `iss` and `sid` when the client asked.
async fn frontchannel_frames(
    provider: &Provider,
    session_id: &str,
) -> Result<Vec<String>, domain::Error> {
    Ok(provider
        .sessions
        .clients_used(session_id)
        .await?
        .iter()
        .filter_map(|c| c.frontchannel_logout_url(&provider.settings.issuer, session_id))
        .collect())
}

/// Clears the cookie, then redirects to the validated URI or shows the signed-out page;
/// with front-channel logout `frames` to load, the page loads them and then continues to
/// the validated URI.
fn finish(provider: &Provider, logout: &Logout, frames: &[String]) -> HttpResponse {
    let mut res = match &logout.redirect {
        Some(url) if frames.is_empty() => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, url.clone()))
            .finish(),
        next => provider
            .pages
            .logged_out(logout.app.as_ref(), frames, next.as_deref()),
    };
    let removal = Cookie::build(COOKIE_NAME, "")
        .path("/")
        .http_only(true)
        .secure(provider.settings.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::ZERO)
        .finish();
    if let Err(e) = res.add_cookie(&removal) {
        tracing::warn!(error = %e, "cannot clear the session cookie");
    }
    res
}

fn bad(provider: &Provider, message: &str) -> HttpResponse {
    provider
        .pages
        .error(StatusCode::BAD_REQUEST, "invalid_request", message)
}

/// A failure on our side: logged with the request (its span carries the request id), and
/// a page that says nothing about it.
fn internal(provider: &Provider, e: &domain::Error) -> HttpResponse {
    if e.is_unavailable() {
        tracing::warn!(error = %e, "end-session unavailable: storage unreachable");
        let mut res = provider.pages.error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "The service is briefly unavailable. Please try again in a few seconds.",
        );
        res.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(crate::error::UNAVAILABLE_RETRY_AFTER_SECS),
        );
        return res;
    }
    tracing::error!(error = %e, "end-session failed");
    provider.pages.error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "Something went wrong on our side. Please try again.",
    )
}
