//! Signing in with a passkey without a username. The browser side is
//! `web/static/webauthn.js`: it asks the `begin` endpoint for options (JSON), runs the
//! ceremony, and posts the result with the form.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use domain::audit::AuditEvent;
use domain::credentials::Passkeys;
use serde::Deserialize;
use webauthn_rs::prelude::PublicKeyCredential;

use crate::LoginUi;
use crate::flow::acr::{ACR_MULTI_FACTOR, key_amr};
use crate::flow::completion::{Factors, complete, may_sign_in};
use crate::flow::purpose::purpose;
use crate::web::audit::record;
use crate::web::csrf;
use crate::web::csrf_form::{CsrfForm, has_csrf};
use crate::web::errors::{PageError, PageResult};
use crate::web::json::{begun, json_error};

fn service(ui: &LoginUi) -> Option<&Passkeys> {
    ui.passkeys.as_ref()
}

/// The form that asks for and finishes the ceremony.
#[derive(Debug, Deserialize)]
pub struct FinishForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    next: String,
}

/// `POST /login/passkey/begin` (JSON answer): options for a usernameless sign-in.
pub async fn begin_sign_in(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<FinishForm>,
) -> PageResult {
    if !csrf::verify(&ui, &req, &form.csrf) {
        return Ok(json_error(
            StatusCode::FORBIDDEN,
            "the form expired; reload the page",
        ));
    }
    let Some(passkeys) = service(&ui) else {
        return Ok(json_error(
            StatusCode::NOT_FOUND,
            "passkeys need the issuer to be a domain name",
        ));
    };
    let (options, ceremony) = passkeys.begin_discoverable().await?;
    Ok(begun(ceremony, options))
}

/// `POST /login/passkey/finish`: signs in whoever the passkey belongs to.
pub async fn finish_sign_in(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<FinishForm>,
) -> PageResult {
    let Some(passkeys) = service(&ui) else {
        return Err(PageError::FormExpired);
    };
    let refused = || {
        crate::web::render::error(
            StatusCode::UNAUTHORIZED,
            "access_denied",
            &crate::t("error-passkey-sign-in-failed"),
        )
    };
    let Ok(credential) = serde_json::from_str::<PublicKeyCredential>(&form.credential) else {
        return Ok(refused());
    };
    let used = match passkeys
        .finish_discoverable(&form.ceremony, &credential)
        .await
    {
        Ok(Some(u)) => u,
        Ok(None) => {
            record(
                &ui,
                &req,
                AuditEvent::failure("login.failed", "passkey not verified"),
            )
            .await;
            return Ok(refused());
        }
        Err(e) => return Err(e.into()),
    };
    let user = match ui.users.find(&used.user_id).await {
        Ok(Some(u)) => u,
        Ok(None) => return Ok(refused()),
        Err(e) => return Err(e.into()),
    };
    if !may_sign_in(&ui, &user) {
        return Ok(refused());
    }
    let Some(purpose) = purpose(&ui, &form.request, &form.next).await else {
        return Err(PageError::RequestExpired);
    };
    // A passkey with user verification is two factors in one: something held, and the
    // PIN or biometric that unlocks it.
    let factors = Factors {
        amr: vec![key_amr(&used).into(), "user".into(), "mfa".into()],
        acr: ACR_MULTI_FACTOR,
        remember: false,
    };
    complete(&ui, &req, &user, factors, purpose, &form.request).await
}

has_csrf!(FinishForm);
