//! Passkeys on the pages: adding and removing them on the account page, signing in with one
//! without a username, and using one as the second step. The browser side is
//! `web/static/webauthn.js`: it asks a `begin` endpoint for options (JSON), runs the
//! ceremony, and posts the result with the form.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use domain::audit::AuditEvent;
use domain::credentials::{PasskeyUse, Passkeys};
use serde::Deserialize;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use crate::account::{CsrfForm, SignedIn, page_with_error, require_form};
use crate::login::{
    ACR_MULTI_FACTOR, Factors, complete, expired, expired_form, purpose, record, server_error,
};
use crate::{LoginUi, csrf};

fn json_error(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "error": message }))
}

fn begun(ceremony: String, options: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "ceremony": ceremony, "options": options }))
}

fn service(ui: &LoginUi) -> Option<&Passkeys> {
    ui.passkeys.as_ref()
}

/// What the ceremony's result tells about the authenticator (RFC 8176).
pub(crate) fn key_amr(used: &PasskeyUse) -> &'static str {
    if used.backup_eligible { "swk" } else { "hwk" }
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
    #[serde(default)]
    request: String,
    #[serde(default)]
    next: String,
}

/// `POST /account/passkeys/begin` (JSON answer): options to create a passkey.
pub async fn begin_registration(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let Some(passkeys) = service(&ui) else {
        return json_error(
            StatusCode::NOT_FOUND,
            "passkeys need the issuer to be a domain name",
        );
    };
    let me: SignedIn = match require_form(&ui, &req, form.csrf()).await {
        Ok(me) => me,
        Err(_) => return json_error(StatusCode::FORBIDDEN, "sign in again"),
    };
    let name = me
        .user
        .display_name
        .clone()
        .unwrap_or_else(|| me.user.email.clone());
    match passkeys
        .begin_registration(&me.user.id, &me.user.email, &name)
        .await
    {
        Ok((options, ceremony)) => begun(ceremony, options),
        Err(e) => server_error(&e),
    }
}

/// `POST /account/passkeys/finish`: stores the new passkey under the name given.
pub async fn finish_registration(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<FinishForm>,
) -> HttpResponse {
    let me: SignedIn = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    let Some(passkeys) = service(&ui) else {
        return page_with_error(
            &ui,
            &req,
            &me,
            "passkeys",
            "Passkeys are not available here.",
        )
        .await;
    };
    let name = form.name.trim();
    let name = if name.is_empty() { "Passkey" } else { name };
    if crate::register::check_name(name).is_err() {
        return page_with_error(
            &ui,
            &req,
            &me,
            "passkeys",
            "Name the passkey with up to 200 letters, digits and spaces.",
        )
        .await;
    }
    let Ok(credential) = serde_json::from_str::<RegisterPublicKeyCredential>(&form.credential)
    else {
        return page_with_error(
            &ui,
            &req,
            &me,
            "passkeys",
            "The passkey could not be read. Try again.",
        )
        .await;
    };
    match passkeys
        .finish_registration(&me.user.id, &form.ceremony, &credential, name)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return page_with_error(
                &ui,
                &req,
                &me,
                "passkeys",
                "The passkey could not be verified. Try again.",
            )
            .await;
        }
        Err(e) => return server_error(&e),
    }
    let event = AuditEvent::success("mfa.enrolled")
        .subject(me.user.id.clone())
        .data(serde_json::json!({ "factor": "passkey", "name": name }));
    record(&ui, &req, event).await;
    crate::account::console::back("passkey")
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
    form: web::Form<RemoveForm>,
) -> HttpResponse {
    let me: SignedIn = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    let Some(passkeys) = service(&ui) else {
        return expired_form();
    };
    match passkeys.remove(&me.user.id, &form.id).await {
        Ok(true) => {
            let event = AuditEvent::success("mfa.removed")
                .subject(me.user.id.clone())
                .data(serde_json::json!({ "factor": "passkey" }));
            record(&ui, &req, event).await;
        }
        Ok(false) => {}
        Err(e) => return server_error(&e),
    }
    crate::account::console::back("passkey_removed")
}

/// `POST /login/passkey/begin` (JSON answer): options for a usernameless sign-in.
pub async fn begin_sign_in(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<FinishForm>,
) -> HttpResponse {
    if !csrf::verify(&ui, &req, &form.csrf) {
        return json_error(StatusCode::FORBIDDEN, "the form expired; reload the page");
    }
    let Some(passkeys) = service(&ui) else {
        return json_error(
            StatusCode::NOT_FOUND,
            "passkeys need the issuer to be a domain name",
        );
    };
    match passkeys.begin_discoverable().await {
        Ok((options, ceremony)) => begun(ceremony, options),
        Err(e) => server_error(&e),
    }
}

/// `POST /login/passkey/finish`: signs in whoever the passkey belongs to.
pub async fn finish_sign_in(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<FinishForm>,
) -> HttpResponse {
    if !csrf::verify(&ui, &req, &form.csrf) {
        return expired_form();
    }
    let Some(passkeys) = service(&ui) else {
        return expired_form();
    };
    let refused = || {
        crate::render::error(
            StatusCode::UNAUTHORIZED,
            "access_denied",
            &crate::t("error-passkey-sign-in-failed"),
        )
    };
    let Ok(credential) = serde_json::from_str::<PublicKeyCredential>(&form.credential) else {
        return refused();
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
            return refused();
        }
        Err(e) => return server_error(&e),
    };
    let user = match ui.users.find(&used.user_id).await {
        Ok(Some(u)) => u,
        Ok(None) => return refused(),
        Err(e) => return server_error(&e),
    };
    let may = matches!(
        domain::users::UserStatus::at(&user, time::OffsetDateTime::now_utc()),
        Ok(domain::users::UserStatus::Active)
    ) || (ui.settings.pending_may_sign_in
        && matches!(
            domain::users::UserStatus::at(&user, time::OffsetDateTime::now_utc()),
            Ok(domain::users::UserStatus::Pending)
        ));
    if !may {
        return refused();
    }
    let Some(purpose) = purpose(&ui, &form.request, &form.next).await else {
        return expired();
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
