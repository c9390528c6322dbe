//! Who may use the console: a signed-in person holding an administrative role, whose session
//! was signed in with a second factor (unless `admin.require_mfa` is off). `Console` is the
//! extractor of the pages, `ConsoleForm<T>` of the forms (it checks the CSRF token too).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use domain::admin::{Actor, Principal, Via};
use serde::de::DeserializeOwned;

use super::errors::ConsoleError;
use crate::LoginUi;
use crate::flow::signed_in::{SignedIn, signed_in};
use crate::web::csrf;
use crate::web::csrf_form::{Binding as _, HasCsrf, Session, login_ui};
use crate::web::errors::PageError;
use crate::web::request::client_ip_text;

/// An administrator at the console: the signed-in browser, the actor its roles make, and the
/// CSRF token of its forms.
pub struct Console {
    /// The pages' state.
    pub(crate) ui: web::Data<LoginUi>,
    /// The signed-in browser.
    pub(crate) me: SignedIn,
    /// Who acts, with the roles in force.
    pub(crate) actor: Actor,
    /// The token for the hidden field of every form.
    pub(crate) csrf: String,
}

/// The console's `next` after signing in: where the browser was going, on this origin.
fn sign_in_first(req: &HttpRequest) -> PageError {
    let next = match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    };
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", &next)
        .finish();
    PageError::SeeOther(format!("/login?{query}"))
}

/// The administrator behind the request, or why not.
async fn console(req: &HttpRequest) -> Result<Console, ConsoleError> {
    let ui = login_ui(req)?;
    let Some(me) = signed_in(&ui, req).await? else {
        // A form posted without a session starts over at the page it came from.
        return Err(sign_in_first(req).into());
    };
    let roles = ui.roles.roles_of(&me.user.id).await?;
    let mut actor = Actor::new(Principal::User(me.user.id.clone()), &roles, Via::Console);
    if !actor.is_admin_of_anything() {
        return Err(ConsoleError::NotAdmin);
    }
    if ui.settings.admin_require_mfa {
        let amr: Vec<String> = serde_json::from_value(me.session.amr.clone()).unwrap_or_default();
        if !domain::federation::shows_second_factor(&amr) {
            return Err(ConsoleError::NeedsSecondFactor);
        }
    }
    actor.ip = client_ip_text(req);
    actor.request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (csrf, _) = csrf::issue_signed_in(&ui, req);
    Ok(Console {
        ui,
        me,
        actor,
        csrf,
    })
}

impl FromRequest for Console {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { console(&req).await })
    }
}

/// An administrator's form: the form is read, its CSRF token checked against the session,
/// then the administrator checked as [`Console`] does.
pub struct ConsoleForm<T> {
    /// The administrator.
    pub(crate) at: Console,
    /// The form's fields.
    pub(crate) form: T,
}

impl<T> FromRequest for ConsoleForm<T>
where
    T: DeserializeOwned + HasCsrf + 'static,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<T>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let form = form.await?.into_inner();
            let ui = login_ui(&req)?;
            if signed_in(&ui, &req)
                .await
                .map_err(PageError::from)?
                .is_none()
            {
                return Err(PageError::SeeOther("/login?next=/admin".into()).into());
            }
            if !Session::verify(&ui, &req, form.csrf()) {
                return Err(PageError::FormExpired.into());
            }
            let at = console(&req).await?;
            Ok(Self { at, form })
        })
    }
}
