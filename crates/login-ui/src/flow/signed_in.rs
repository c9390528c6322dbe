//! The signed-in browser: its live session and account, as extractors. `SignedIn` sends a
//! browser without one to sign in; `SignedInForm<T>` does that first, then checks the form's
//! CSRF token (bound to the session), in that order, as the account pages always did.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use domain::entities::{browser_session, user};
use domain::sessions::COOKIE_NAME;
use serde::de::DeserializeOwned;

use crate::LoginUi;
use crate::web::csrf_form::{Binding as _, HasCsrf, Session, login_ui};
use crate::web::errors::PageError;

/// Where a browser without a session goes: sign in, then the account page.
const SIGN_IN: &str = "/login?next=/account";

/// The signed-in browser: its session and account.
pub struct SignedIn {
    pub(crate) session: browser_session::Model,
    pub(crate) user: user::Model,
}

/// The live session and account behind the session cookie, if any.
pub(crate) async fn signed_in(
    ui: &LoginUi,
    req: &HttpRequest,
) -> Result<Option<SignedIn>, domain::Error> {
    let Some(cookie) = req.cookie(COOKIE_NAME) else {
        return Ok(None);
    };
    let Some(session) = ui.sessions.find_live(cookie.value()).await? else {
        return Ok(None);
    };
    Ok(ui
        .users
        .find(&session.user_id)
        .await?
        .map(|user| SignedIn { session, user }))
}

/// The signed-in account, or the error that sends the browser to sign in.
pub(crate) async fn require(ui: &LoginUi, req: &HttpRequest) -> Result<SignedIn, PageError> {
    match signed_in(ui, req).await? {
        Some(s) => Ok(s),
        None => Err(PageError::SeeOther(SIGN_IN.to_owned())),
    }
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let ui = login_ui(&req)?;
            require(&ui, &req).await
        })
    }
}

/// A signed-in browser's form: the session first (else: sign in), then the form's token,
/// which must be the one bound to that session (else: the form expired).
pub struct SignedInForm<T> {
    /// The signed-in browser.
    pub(crate) me: SignedIn,
    /// The form's fields.
    pub(crate) form: T,
}

impl<T> FromRequest for SignedInForm<T>
where
    T: DeserializeOwned + HasCsrf + 'static,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<T>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            // An unreadable form is refused first, as by the form extractor it replaces.
            let form = form.await?.into_inner();
            let ui = login_ui(&req)?;
            let me = require(&ui, &req).await?;
            if !Session::verify(&ui, &req, form.csrf()) {
                return Err(PageError::FormExpired.into());
            }
            Ok(Self { me, form })
        })
    }
}
