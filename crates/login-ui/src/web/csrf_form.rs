//! `CsrfForm<T>`: a form extractor that checks the CSRF token before the handler runs, so
//! that a form handler cannot forget it. A refused token answers the "form expired" page
//! ([`PageError::FormExpired`]), as the checks written by hand did.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use super::csrf;
use super::errors::PageError;
use crate::LoginUi;

/// A form with a CSRF token field.
pub trait HasCsrf {
    /// The submitted CSRF token.
    fn csrf(&self) -> &str;
}

/// Implements [`HasCsrf`] for forms whose token is their `csrf` field.
macro_rules! has_csrf {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::web::csrf_form::HasCsrf for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })+
    };
}
pub(crate) use has_csrf;

/// Which token a form carries: how [`CsrfForm`] checks it.
pub trait Binding: 'static {
    /// Whether `field` is the right token for this browser.
    fn verify(ui: &LoginUi, req: &HttpRequest, field: &str) -> bool;
}

/// The sign-in flow's token, bound to the CSRF cookie ([`csrf::issue`]).
pub struct Flow;

impl Binding for Flow {
    fn verify(ui: &LoginUi, req: &HttpRequest, field: &str) -> bool {
        csrf::verify(ui, req, field)
    }
}

/// A signed-in page's token, bound to the session cookie ([`csrf::issue_signed_in`]).
pub struct Session;

impl Binding for Session {
    fn verify(ui: &LoginUi, req: &HttpRequest, field: &str) -> bool {
        csrf::verify_signed_in(ui, req, field)
    }
}

/// A form whose CSRF token was checked (`B`: how).
pub struct CsrfForm<T, B: Binding = Flow>(pub(crate) T, PhantomData<B>);

impl<T, B: Binding> CsrfForm<T, B> {
    /// The form's fields.
    pub(crate) fn into_inner(self) -> T {
        self.0
    }
}

impl<T, B: Binding> std::ops::Deref for CsrfForm<T, B> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// The pages' state, from the app data.
pub(crate) fn login_ui(req: &HttpRequest) -> Result<web::Data<LoginUi>, PageError> {
    req.app_data::<web::Data<LoginUi>>()
        .cloned()
        .ok_or_else(|| {
            PageError::Server(domain::Error::WrongState(
                "the pages' state is missing".into(),
            ))
        })
}

/// Parses the form (an unreadable one gets the form error page of the resource's
/// `FormConfig`) and checks its token.
pub(crate) async fn checked_form<T, B>(
    req: HttpRequest,
    form: <web::Form<T> as FromRequest>::Future,
) -> Result<T, actix_web::Error>
where
    T: DeserializeOwned + HasCsrf + 'static,
    B: Binding,
{
    let form = form.await?.into_inner();
    let ui = login_ui(&req)?;
    if !B::verify(&ui, &req, form.csrf()) {
        return Err(PageError::FormExpired.into());
    }
    Ok(form)
}

impl<T, B> FromRequest for CsrfForm<T, B>
where
    T: DeserializeOwned + HasCsrf + 'static,
    B: Binding,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<T>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let form = checked_form::<T, B>(req, form).await?;
            Ok(CsrfForm(form, PhantomData))
        })
    }
}
