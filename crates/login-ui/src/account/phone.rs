//! Phone numbers on the account page: verifying one with a texted code, and turning text-
//! message codes on or off as a second factor.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::users::Purpose;
use serde::Deserialize;

use super::{ButtonForm, Reentered, SignedInForm, done, page_with_error, reenter};
use crate::LoginUi;
use crate::io::sms;
use crate::web::csp::Csp;
use crate::web::csrf_form::has_csrf;
use crate::web::errors::PageResult;
use crate::web::{csrf, render};

#[derive(Template)]
#[template(path = "phone_code.html")]
struct CodePage<'a> {
    csrf: &'a str,
    phone: &'a str,
    error: Option<&'a str>,
}

/// The code form.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// The removal form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

fn code_page(
    ui: &LoginUi,
    req: &HttpRequest,
    status: StatusCode,
    phone: &str,
    error: Option<&str>,
) -> HttpResponse {
    let (token, cookie) = csrf::issue_signed_in(ui, req);
    let view = CodePage {
        csrf: &token,
        phone,
        error,
    };
    csrf::attach(render::page(status, &view, &Csp::page()), cookie)
}

/// `POST /account/phone/verify`: texts a code to the profile's phone number.
pub async fn verify(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, .. }: SignedInForm<ButtonForm>,
) -> PageResult {
    if ui.sms.is_none() {
        return Ok(page_with_error(
            &ui,
            &req,
            &me,
            "phone",
            &crate::t("account-sms-unavailable"),
        )
        .await);
    }
    let Some(phone) = me.user.phone_number.as_deref().and_then(sms::e164) else {
        let message = crate::t("account-sms-phone-first");
        return Ok(page_with_error(&ui, &req, &me, "phone", &message).await);
    };
    sms::text_code(&ui, &me.user, &phone, Purpose::VerifyPhone).await?;
    Ok(code_page(&ui, &req, StatusCode::OK, &phone, None))
}

/// `POST /account/phone/confirm`: the texted code marks the number verified.
pub async fn confirm(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<CodeForm>,
) -> PageResult {
    let used = ui
        .tokens
        .redeem_code(Purpose::VerifyPhone, &me.user.id, &form.code)
        .await?;
    let phone = used.and_then(|t| {
        t.data.and_then(|d| {
            d.get("phone")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        })
    });
    let Some(phone) = phone else {
        let shown = me.user.phone_number.clone().unwrap_or_default();
        let message = crate::t("account-phone-code-wrong");
        return Ok(code_page(
            &ui,
            &req,
            StatusCode::UNPROCESSABLE_ENTITY,
            &shown,
            Some(&message),
        ));
    };
    ui.users.set_phone_verified(&me.user.id, &phone).await?;
    done(
        &ui,
        &req,
        AuditEvent::success("user.phone_verified").subject(me.user.id.clone()),
        "phone",
    )
    .await
}

/// `POST /account/mfa/sms`: texted codes become a second factor (verified number needed).
pub async fn enable(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, .. }: SignedInForm<ButtonForm>,
) -> PageResult {
    if !me.user.phone_number_verified || ui.sms.is_none() {
        return Ok(page_with_error(
            &ui,
            &req,
            &me,
            "mfa",
            &crate::t("account-sms-verify-phone-first"),
        )
        .await);
    }
    ui.mfa.enable_sms(&me.user.id).await?;
    let event = AuditEvent::success("mfa.enrolled")
        .subject(me.user.id.clone())
        .data(serde_json::json!({ "factor": "sms" }));
    done(&ui, &req, event, "mfa_sms").await
}

/// `POST /account/mfa/sms/remove`: with the password, texted codes stop being a factor.
pub async fn disable(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<PasswordForm>,
) -> PageResult {
    match reenter(&ui, &req, &me, &form.password, ("remove sms", "two-step")).await? {
        Reentered::Right => {}
        Reentered::Wrong => {
            return Ok(page_with_error(
                &ui,
                &req,
                &me,
                "sms_password",
                &crate::t("account-wrong-password"),
            )
            .await);
        }
        Reentered::Respond(res) => return Ok(res),
    }
    ui.mfa.disable_sms(&me.user.id).await?;
    let event = AuditEvent::success("mfa.removed")
        .subject(me.user.id.clone())
        .data(serde_json::json!({ "factor": "sms" }));
    done(&ui, &req, event, "mfa_sms_removed").await
}

has_csrf!(CodeForm, PasswordForm);
