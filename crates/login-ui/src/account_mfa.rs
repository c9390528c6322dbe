//! Second factors on the account page: set up and remove an authenticator app, make new
//! recovery codes (shown once).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;

use crate::account::{CsrfForm, SignedIn, require_form};
use crate::csp::Csp;
use crate::login::{record, server_error};
use crate::render;
use crate::{LoginUi, csrf};

#[derive(Template)]
#[template(path = "mfa_totp.html")]
struct TotpPage<'a> {
    csrf: &'a str,
    qr_svg: &'a str,
    secret: &'a str,
    /// The key in groups of four, to type by hand.
    secret_grouped: String,
    /// The name the app lists the account under.
    issuer: &'a str,
    error: Option<&'a str>,
    /// Where the code is sent.
    action: &'a str,
    /// Why the page is shown during sign-in (a policy), if it is.
    required: bool,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct CodesPage<'a> {
    codes: &'a [String],
    /// The codes as a text file (a `data:` URL for the download link).
    download: String,
    /// During sign-in: the form that finishes it.
    continue_csrf: Option<&'a str>,
}

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

fn qr(uri: &str) -> String {
    QrCode::new(uri.as_bytes())
        .map(|c| {
            c.render::<svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

/// The message for a wrong code while setting up.
pub(crate) const WRONG_SETUP_CODE: &str =
    "That code is not right. Enter the 6 digits your app shows now.";

/// The key echoed back by the setup form, reduced to base32 characters (only to show the
/// page again; the stored, encrypted secret is what is checked).
pub(crate) fn clean_secret(raw: &str) -> String {
    raw.chars()
        .filter(char::is_ascii_alphanumeric)
        .take(64)
        .collect()
}

/// Where the authenticator-app setup page sends its code, and why it is shown.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SetupForm<'a> {
    /// The form action.
    pub(crate) action: &'a str,
    /// Shown because a policy requires a second factor, during sign-in.
    pub(crate) required: bool,
}

const ACCOUNT_SETUP: SetupForm<'static> = SetupForm {
    action: "/account/mfa/totp/confirm",
    required: false,
};

pub(crate) fn totp_page(
    ui: &LoginUi,
    req: &HttpRequest,
    status: StatusCode,
    setup: (&str, &str),
    error: Option<&str>,
    form: SetupForm<'_>,
    csp: &Csp,
) -> HttpResponse {
    let (uri, secret) = setup;
    // The account's form is a signed-in one; the sign-in flow's is not (yet).
    let (token, cookie) = if form.action.starts_with("/account/") {
        csrf::issue_signed_in(ui, req)
    } else {
        csrf::issue(ui, req)
    };
    let view = TotpPage {
        csrf: &token,
        qr_svg: &qr(uri),
        secret,
        secret_grouped: grouped(secret),
        issuer: ui.mfa.issuer(),
        error,
        action: form.action,
        required: form.required,
    };
    csrf::attach(render::page(status, &view, csp), cookie)
}

/// A key in groups of four characters (`JBSW Y3DP EHPK 3PXP`), easier to copy by hand;
/// apps ignore the spaces.
fn grouped(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The otpauth URI for a secret (re-derived to show the form again after a wrong code), under
/// the same issuer label as the one the setup began with.
pub(crate) fn otpauth_uri(ui: &LoginUi, email: &str, secret: &str) -> String {
    let issuer = ui.mfa.issuer();
    let mut url =
        url::Url::parse("otpauth://totp/").unwrap_or_else(|_| unreachable!("a valid URL"));
    url.set_path(&format!("{issuer}:{email}"));
    url.query_pairs_mut()
        .append_pair("secret", secret)
        .append_pair("issuer", issuer);
    url.to_string()
}

/// The recovery codes as a text file, as a `data:` URL: the download needs nothing kept on
/// the server (the codes are stored hashed) and works without JavaScript.
fn codes_file(ui: &LoginUi, email: &str, codes: &[String]) -> String {
    use base64::Engine as _;
    let title = crate::t2(
        "account-codes-file-title",
        "email",
        email,
        "site",
        ui.mfa.issuer(),
    );
    let mut text = format!("{title}\n{}\n\n", crate::t("account-codes-file-hint"));
    for c in codes {
        text.push_str(c);
        text.push('\n');
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("data:text/plain;charset=utf-8;base64,{b64}")
}

/// `POST /account/mfa/totp`: starts setting up an authenticator app.
pub async fn begin_totp(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let me: SignedIn = match require_form(&ui, &req, form.csrf()).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    let setup = match ui.mfa.begin_totp(&me.user.id, &me.user.email).await {
        Ok(s) => s,
        Err(e) => return server_error(&e),
    };
    let shown = (setup.otpauth_uri.as_str(), setup.secret_base32.as_str());
    totp_page(
        &ui,
        &req,
        StatusCode::OK,
        shown,
        None,
        ACCOUNT_SETUP,
        &Csp::page(),
    )
}

/// `POST /account/mfa/totp/confirm`: a code from the app turns it on; the first time, the
/// recovery codes are made and shown.
pub async fn confirm_totp(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<ConfirmForm>,
) -> HttpResponse {
    let me: SignedIn = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    match ui
        .mfa
        .confirm_totp(&me.user.id, &me.user.email, &form.code)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            let secret = clean_secret(&form.secret);
            let uri = otpauth_uri(&ui, &me.user.email, &secret);
            let shown = (uri.as_str(), secret.as_str());
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return totp_page(
                &ui,
                &req,
                status,
                shown,
                Some(WRONG_SETUP_CODE),
                ACCOUNT_SETUP,
                &Csp::page(),
            );
        }
        Err(e) => return server_error(&e),
    }
    record(
        &ui,
        &req,
        AuditEvent::success("mfa.enrolled")
            .subject(me.user.id.clone())
            .data(serde_json::json!({ "factor": "totp" })),
    )
    .await;
    let left = match ui.mfa.enrollment(&me.user.id).await {
        Ok(e) => e.recovery_codes_left,
        Err(e) => return server_error(&e),
    };
    if left > 0 {
        return crate::account::console::back("mfa");
    }
    new_codes_page(&ui, &req, &me).await
}

async fn new_codes_page(ui: &LoginUi, req: &HttpRequest, me: &SignedIn) -> HttpResponse {
    let codes = match ui.mfa.new_recovery_codes(&me.user.id).await {
        Ok(c) => c,
        Err(e) => return server_error(&e),
    };
    record(
        ui,
        req,
        AuditEvent::success("mfa.recovery_codes_created").subject(me.user.id.clone()),
    )
    .await;
    let view = CodesPage {
        codes: &codes,
        download: codes_file(ui, &me.user.email, &codes),
        continue_csrf: None,
    };
    // The copy button is a script.
    render::page(StatusCode::OK, &view, &Csp::page().scripts())
}

/// `POST /account/mfa/recovery-codes`: a new set of recovery codes, replacing the old.
pub async fn new_recovery_codes(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let me: SignedIn = match require_form(&ui, &req, form.csrf()).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    new_codes_page(&ui, &req, &me).await
}

/// `POST /account/mfa/totp/remove`: with the password, removes the authenticator app and
/// the recovery codes.
pub async fn remove_totp(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<RemoveForm>,
) -> HttpResponse {
    let me: SignedIn = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    match crate::account::reenter(&ui, &req, &me, &form.password, "remove totp").await {
        Ok(true) => {}
        Ok(false) => {
            return crate::account::page_with_error(
                &ui,
                &req,
                &me,
                "mfa_password",
                "The password is not correct.",
            )
            .await;
        }
        Err(res) => return res,
    }
    let removed = ui.mfa.remove_totp(&me.user.id).await;
    let codes = ui.mfa.remove_recovery_codes(&me.user.id).await;
    if let Err(e) = removed.and(codes) {
        return server_error(&e);
    }
    record(
        &ui,
        &req,
        AuditEvent::success("mfa.removed")
            .subject(me.user.id.clone())
            .data(serde_json::json!({ "factor": "totp" })),
    )
    .await;
    crate::account::console::back("mfa_removed")
}

/// `POST /account/mfa/trusted-browsers/forget`: every browser asks for the code again.
pub async fn forget_browsers(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let me: SignedIn = match require_form(&ui, &req, form.csrf()).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    crate::trusted_device::forget_all(&ui, &me.user.id).await;
    record(
        &ui,
        &req,
        AuditEvent::success("mfa.browsers_forgotten").subject(me.user.id.clone()),
    )
    .await;
    crate::account::console::back("browsers")
}

/// The recovery codes page shown after setting up during sign-in, with the form that
/// finishes the sign-in, under `csp` (the page's policy in its flow).
pub(crate) fn codes_then_continue(
    ui: &LoginUi,
    req: &HttpRequest,
    email: &str,
    codes: &[String],
    csp: &Csp,
) -> HttpResponse {
    let (token, cookie) = csrf::issue(ui, req);
    let view = CodesPage {
        codes,
        download: codes_file(ui, email, codes),
        continue_csrf: Some(&token),
    };
    csrf::attach(render::page(StatusCode::OK, &view, csp), cookie)
}
