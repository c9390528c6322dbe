//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): end the browser session
//! and the tokens issued under it; redirect only to a registered post-logout URI.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use domain::audit::AuditEvent;
use domain::clients::Client;
use domain::entities::browser_session;
use domain::sessions::COOKIE_NAME;
use serde_json::Value;

use crate::params::Params;
use crate::{Provider, jwt, paths};

const CSRF_PURPOSE: &str = "logout_confirmation";
const CSRF_FIELD: &str = "logout_csrf";

/// `GET /end_session`
pub async fn get(provider: web::Data<Provider>, req: HttpRequest) -> HttpResponse {
    handle(&provider, &req, req.query_string().as_bytes()).await
}

/// `POST /end_session`: a logout request sent as a form, or the user's confirmation.
pub async fn post(
    provider: web::Data<Provider>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    handle(&provider, &req, &body).await
}

/// A validated logout request.
struct Logout {
    /// The `sub` and `sid` of a valid `id_token_hint`.
    hint: Option<(String, Option<String>)>,
    /// Where to go afterwards: registered for the client, with the state added.
    redirect: Option<String>,
    /// The raw parameters, carried through the confirmation form.
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

async fn handle(provider: &Provider, req: &HttpRequest, raw: &[u8]) -> HttpResponse {
    let params = match Params::parse(raw) {
        Ok(p) => p,
        Err(e) => return bad(provider, &format!("The logout request is malformed: {e}.")),
    };
    let logout = match validate(provider, &params).await {
        Ok(l) => l,
        Err(message) => return bad(provider, &message),
    };
    let cookie = req.cookie(COOKIE_NAME).map(|c| c.value().to_owned());
    let session = match &cookie {
        Some(value) => match provider.sessions.find_live(value).await {
            Ok(s) => s,
            Err(e) => return bad(provider, &format!("Cannot read the session: {e}")),
        },
        None => None,
    };
    let confirmed = match (params.get(CSRF_FIELD), &cookie) {
        (Some(token), Some(value)) => {
            provider
                .secrets
                .verify_keyed_hash(CSRF_PURPOSE, value, token)
        }
        (Some(_), None) => true, // nothing left to end: the session is already gone
        _ => false,
    };
    let Some(session) = session else {
        return finish(provider, &logout);
    };
    let user = match provider.users.find(&session.user_id).await {
        Ok(u) => u,
        Err(e) => return bad(provider, &format!("Cannot read the account: {e}")),
    };
    let hint_matches = logout.hint.as_ref().is_some_and(|(sub, sid)| {
        sid.as_deref() == Some(session.id.as_str())
            || user.as_ref().is_some_and(|u| &u.subject == sub)
    });
    if hint_matches || confirmed {
        if let Err(e) = end(provider, &session, logout.client_id.as_deref()).await {
            return bad(provider, &format!("Cannot end the session: {e}"));
        }
        return finish(provider, &logout);
    }
    // No proof the request comes from the user's application: ask the user.
    let Some(value) = cookie else {
        return finish(provider, &logout);
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
    provider.pages.logout_confirm(paths::END_SESSION, &fields)
}

async fn validate(provider: &Provider, params: &Params) -> Result<Logout, String> {
    let mut client_id = params.get("client_id").map(str::to_owned);
    let hint = match params.get("id_token_hint") {
        None => None,
        Some(token) => {
            let ring = provider.keys.current();
            let (claims, _) = jwt::verify(&ring, token)
                .ok_or("The id_token_hint is not an ID token issued here.")?;
            if claims.get("iss").and_then(Value::as_str) != Some(provider.settings.issuer.as_str())
            {
                return Err("The id_token_hint was issued by someone else.".into());
            }
            let aud = match claims.get("aud") {
                Some(Value::String(a)) => a.clone(),
                Some(Value::Array(a)) => a
                    .first()
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                _ => String::new(),
            };
            if client_id.as_ref().is_some_and(|c| c != &aud) {
                return Err("The client_id does not match the id_token_hint.".into());
            }
            client_id = Some(aud);
            let sub = claims
                .get("sub")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let sid = claims.get("sid").and_then(Value::as_str).map(str::to_owned);
            Some((sub, sid))
        }
    };
    let client: Option<Client> = match &client_id {
        Some(id) => Some(
            provider
                .clients
                .find(id)
                .await
                .map_err(|e| e.to_string())?
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
            let mut url = url::Url::parse(uri).map_err(|e| e.to_string())?;
            if let Some(s) = &state {
                url.query_pairs_mut().append_pair("state", s);
            }
            Some(url.to_string())
        }
    };
    Ok(Logout {
        hint,
        redirect,
        client_id,
        post_logout_redirect_uri,
        state,
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

/// Clears the cookie, then redirects to the validated URI or shows the signed-out page.
fn finish(provider: &Provider, logout: &Logout) -> HttpResponse {
    let mut res = match &logout.redirect {
        Some(url) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, url.clone()))
            .finish(),
        None => provider.pages.logged_out(),
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
