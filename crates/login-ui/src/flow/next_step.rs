//! What follows a verified first factor: the second step, setting one up, or the session.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use domain::entities::user;

use super::acr::ACR_MULTI_FACTOR;
use super::completion::{Factors, complete};
use super::pending_step::{COOKIE, Pending, save};
use super::purpose::SignInFor;
use crate::LoginUi;
use crate::web::errors::PageResult;

/// Where a sign-in goes once finished: an authorization request, or a local page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    /// The parked authorization request's id (empty for a local sign-in).
    pub(crate) request: &'a str,
    /// The local page.
    pub(crate) next: &'a str,
}

/// Whether the policy requires a second factor of `user` for this sign-in.
pub(crate) async fn required(
    ui: &LoginUi,
    user: &user::Model,
    purpose: &SignInFor,
) -> Result<bool, domain::Error> {
    let policy = &ui.settings.mfa_policy;
    let client_requires = match purpose {
        SignInFor::Authorize(p) => ui
            .clients
            .find(&p.client_id)
            .await?
            .is_some_and(|c| c.require_mfa),
        SignInFor::Local(_) => false,
    };
    if policy.required_for_all || client_requires {
        return Ok(true);
    }
    if policy.required_roles.is_empty() {
        return Ok(false);
    }
    Ok(policy.requires(&ui.roles.roles_of(&user.id).await?, false))
}

/// What follows a verified first factor: the second step (for a user who has one, unless
/// this browser is trusted and nothing asks for it), setting one up (when the policy
/// requires one and the user has none), or the session.
pub(crate) async fn next_step(
    ui: &LoginUi,
    req: &HttpRequest,
    user: &user::Model,
    purpose: SignInFor,
    target: Target<'_>,
    first: Factors,
    may_trust: bool,
) -> PageResult {
    let enrollment = ui.mfa.enrollment(&user.id).await?;
    let required = required(ui, user, &purpose).await?;
    let asked = matches!(&purpose, SignInFor::Authorize(p) if p.acr_values.iter().any(|a| a == ACR_MULTI_FACTOR));
    let request = target.request;
    if enrollment.any() {
        let trusted = may_trust
            && !required
            && !asked
            && crate::flow::trusted_device::trusted(ui, req, &user.id).await;
        if !trusted {
            return start(ui, user, target, &first, false).await;
        }
    } else if required {
        return start(ui, user, target, &first, true).await;
    }
    complete(ui, req, user, first, purpose, request).await
}

/// Parks the sign-in verified by its `first` factor and sends the browser to the second
/// step.
pub(crate) async fn start(
    ui: &LoginUi,
    user: &user::Model,
    target: Target<'_>,
    first: &Factors,
    setup: bool,
) -> PageResult {
    let token = domain::random::token::<32>();
    let pending = Pending {
        user_id: user.id.clone(),
        request: target.request.to_owned(),
        next: target.next.to_owned(),
        remember: first.remember,
        setup,
        set_up: false,
        first_amr: first.amr.clone(),
    };
    save(ui, &token, &pending).await?;
    let cookie = Cookie::build(COOKIE, token)
        .path("/login")
        .http_only(true)
        .secure(ui.settings.secure_cookies)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::seconds(300))
        .finish();
    let location = if setup {
        "/login/mfa/setup"
    } else {
        "/login/mfa"
    };
    let mut res = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish();
    if let Err(e) = res.add_cookie(&cookie) {
        tracing::error!(error = %e, "cannot set the second-step cookie");
    }
    Ok(res)
}
