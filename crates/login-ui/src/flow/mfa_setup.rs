//! Setting up an authenticator app and showing recovery codes: the same pages on the account
//! page and during a sign-in that a policy requires a second factor for.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use qrcode::QrCode;
use qrcode::render::svg;

use crate::LoginUi;
use crate::web::csp::Csp;
use crate::web::{csrf, render};

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
pub(crate) struct CodesPage<'a> {
    pub(crate) codes: &'a [String],
    /// The codes as a text file (a `data:` URL for the download link).
    pub(crate) download: String,
    /// During sign-in: the form that finishes it.
    pub(crate) continue_csrf: Option<&'a str>,
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

/// The authenticator-app setup page (QR code, the key in groups) with its form.
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
pub(crate) fn codes_file(ui: &LoginUi, email: &str, codes: &[String]) -> String {
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
