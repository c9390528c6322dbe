//! Second factors on the account page: set up and remove an authenticator app, make new
//! recovery codes (shown once).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use domain::audit::AuditEvent;
use serde::Deserialize;

use super::{
    ButtonForm, Reentered, SignedIn, SignedInForm, console, done, page_with_error, reenter,
};
use crate::LoginUi;
use crate::flow::mfa_setup::{
    CodesStep, SavedForm, SetupForm, clean_secret, codes_page, not_saved, otpauth_uri, totp_page,
    wrong_setup_code,
};
use crate::flow::trusted_device;
use crate::web::audit::record;
use crate::web::csp::Csp;
use crate::web::csrf_form::has_csrf;
use crate::web::errors::PageResult;

/// The confirmation form.
#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    secret: String,
}

/// The removal form.
#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

const ACCOUNT_SETUP: SetupForm<'static> = SetupForm {
    action: "/account/mfa/totp/confirm",
    required: false,
};

/// `POST /account/mfa/totp`: starts setting up an authenticator app.
pub async fn begin_totp(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, .. }: SignedInForm<ButtonForm>,
) -> PageResult {
    let setup = ui.mfa.begin_totp(&me.user.id, &me.user.label()).await?;
    let shown = (setup.otpauth_uri.as_str(), setup.secret_base32.as_str());
    Ok(totp_page(
        &ui,
        &req,
        StatusCode::OK,
        shown,
        None,
        ACCOUNT_SETUP,
        &Csp::page(),
    ))
}

/// `POST /account/mfa/totp/confirm`: a code from the app turns it on; the first time, the
/// recovery codes are made and shown.
pub async fn confirm_totp(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<ConfirmForm>,
) -> PageResult {
    match ui
        .mfa
        .confirm_totp(&me.user.id, &me.user.label(), &form.code)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            let secret = clean_secret(&form.secret);
            let uri = otpauth_uri(&ui, &me.user.label(), &secret);
            let shown = (uri.as_str(), secret.as_str());
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(totp_page(
                &ui,
                &req,
                status,
                shown,
                Some(&wrong_setup_code()),
                ACCOUNT_SETUP,
                &Csp::page(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    record(
        &ui,
        &req,
        AuditEvent::success("mfa.enrolled")
            .subject(me.user.id.clone())
            .data(serde_json::json!({ "factor": "totp" })),
    )
    .await;
    let left = ui.mfa.enrollment(&me.user.id).await?.recovery_codes_left;
    if left > 0 {
        return Ok(console::back("mfa"));
    }
    new_codes_page(&ui, &req, &me).await
}

async fn new_codes_page(ui: &LoginUi, req: &HttpRequest, me: &SignedIn) -> PageResult {
    let codes = ui.mfa.new_recovery_codes(&me.user.id).await?;
    record(
        ui,
        req,
        AuditEvent::success("mfa.recovery_codes_created").subject(me.user.id.clone()),
    )
    .await;
    // The copy button is a script.
    Ok(codes_page(
        ui,
        req,
        &me.user.label(),
        &codes,
        CodesStep::Account,
        None,
        &Csp::page().scripts(),
    ))
}

/// `POST /account/mfa/recovery-codes/saved`: "I have saved them" ticked, back to the
/// two-step section; not ticked, the codes again with the refusal.
pub async fn codes_saved(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<SavedForm>,
) -> PageResult {
    if !form.ticked() {
        let codes = form.codes();
        return Ok(codes_page(
            &ui,
            &req,
            &me.user.label(),
            &codes,
            CodesStep::Account,
            Some(not_saved()),
            &Csp::page().scripts(),
        ));
    }
    let event = AuditEvent::success("mfa.recovery_codes_saved").subject(me.user.id.clone());
    done(&ui, &req, event, "codes_saved").await
}

/// `POST /account/mfa/recovery-codes`: a new set of recovery codes, replacing the old.
pub async fn new_recovery_codes(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, .. }: SignedInForm<ButtonForm>,
) -> PageResult {
    new_codes_page(&ui, &req, &me).await
}

/// `POST /account/mfa/totp/remove`: with the password, removes the authenticator app and
/// the recovery codes.
pub async fn remove_totp(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<RemoveForm>,
) -> PageResult {
    match reenter(&ui, &req, &me, &form.password, "remove totp").await? {
        Reentered::Right => {}
        Reentered::Wrong => {
            return Ok(page_with_error(
                &ui,
                &req,
                &me,
                "mfa_password",
                &crate::t("account-wrong-password"),
            )
            .await);
        }
        Reentered::SignedOut(res) => return Ok(res),
    }
    let removed = ui.mfa.remove_totp(&me.user.id).await;
    let codes = ui.mfa.remove_recovery_codes(&me.user.id).await;
    removed.and(codes)?;
    let event = AuditEvent::success("mfa.removed")
        .subject(me.user.id.clone())
        .data(serde_json::json!({ "factor": "totp" }));
    done(&ui, &req, event, "mfa_removed").await
}

/// `POST /account/mfa/trusted-browsers/forget`: every browser asks for the code again.
pub async fn forget_browsers(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, .. }: SignedInForm<ButtonForm>,
) -> PageResult {
    trusted_device::forget_all(&ui, &me.user.id).await;
    done(
        &ui,
        &req,
        AuditEvent::success("mfa.browsers_forgotten").subject(me.user.id.clone()),
        "browsers",
    )
    .await
}

has_csrf!(ConfirmForm, RemoveForm);
