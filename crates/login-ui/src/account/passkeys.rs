//! Passkeys on the account page: adding and removing them. The browser side is
//! `web/static/webauthn.js`: it asks a `begin` endpoint for options (JSON), runs the
//! ceremony, and posts the result with the form.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use domain::audit::AuditEvent;
use domain::credentials::Passkeys;
use serde::Deserialize;
use webauthn_rs::prelude::RegisterPublicKeyCredential;

use super::{ButtonForm, SignedIn, SignedInForm, console, done, page_with_error, require_form};
use crate::LoginUi;
use crate::web::audit::record;
use crate::web::csrf_form::has_csrf;
use crate::web::errors::{PageError, PageResult};
use crate::web::fields::check_name;
use crate::web::json::{begun, json_error};

fn service(ui: &LoginUi) -> Option<&Passkeys> {
    ui.passkeys.as_ref()
}

/// The form that finishes a ceremony.
#[derive(Debug, Deserialize)]
pub struct FinishForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: String,
    #[serde(default)]
    name: String,
}

/// `POST /account/passkeys/begin` (JSON answer): options to create a passkey.
pub async fn begin_registration(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<ButtonForm>,
) -> PageResult {
    let Some(passkeys) = service(&ui) else {
        return Ok(json_error(
            StatusCode::NOT_FOUND,
            "passkeys need the issuer to be a domain name",
        ));
    };
    let me: SignedIn = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(_) => return Ok(json_error(StatusCode::FORBIDDEN, "sign in again")),
    };
    let name = me
        .user
        .display_name
        .clone()
        .unwrap_or_else(|| me.user.label());
    let (options, ceremony) = passkeys
        .begin_registration(&me.user.id, &me.user.label(), &name)
        .await?;
    Ok(begun(ceremony, options))
}

/// `POST /account/passkeys/finish`: stores the new passkey under the name given.
pub async fn finish_registration(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<FinishForm>,
) -> PageResult {
    let Some(passkeys) = service(&ui) else {
        return Ok(page_with_error(
            &ui,
            &req,
            &me,
            "passkeys",
            &crate::t("account-passkeys-unavailable"),
        )
        .await);
    };
    let name = form.name.trim();
    let name = if name.is_empty() { "Passkey" } else { name };
    if check_name(name).is_err() {
        return Ok(page_with_error(
            &ui,
            &req,
            &me,
            "passkeys",
            &crate::t("account-passkeys-name-invalid"),
        )
        .await);
    }
    let Ok(credential) = serde_json::from_str::<RegisterPublicKeyCredential>(&form.credential)
    else {
        return Ok(page_with_error(
            &ui,
            &req,
            &me,
            "passkeys",
            &crate::t("account-passkeys-unreadable"),
        )
        .await);
    };
    match passkeys
        .finish_registration(&me.user.id, &form.ceremony, &credential, name)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return Ok(page_with_error(
                &ui,
                &req,
                &me,
                "passkeys",
                &crate::t("account-passkeys-unverified"),
            )
            .await);
        }
        Err(e) => return Err(e.into()),
    }
    let event = AuditEvent::success("mfa.enrolled")
        .subject(me.user.id.clone())
        .data(serde_json::json!({ "factor": "passkey", "name": name }));
    done(&ui, &req, event, "passkey").await
}

/// The removal form.
#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
}

/// `POST /account/passkeys/remove`
pub async fn remove(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<RemoveForm>,
) -> PageResult {
    let Some(passkeys) = service(&ui) else {
        return Err(PageError::FormExpired);
    };
    match passkeys.remove(&me.user.id, &form.id).await {
        Ok(true) => {
            let event = AuditEvent::success("mfa.removed")
                .subject(me.user.id.clone())
                .data(serde_json::json!({ "factor": "passkey" }));
            record(&ui, &req, event).await;
        }
        Ok(false) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(console::back("passkey_removed"))
}

has_csrf!(FinishForm, RemoveForm);
