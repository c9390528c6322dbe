//! Setting up an authenticator app and showing recovery codes: the same pages on the account
//! page and during a sign-in that a policy requires a second factor for.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use qrcode::QrCode;
use qrcode::render::svg;

use serde::Deserialize;

use crate::LoginUi;
use crate::web::csp::Csp;
use crate::web::csrf_form::has_csrf;
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
struct CodesPage<'a> {
    codes: &'a [String],
    /// The codes again, in the form (only to show them once more should it be refused).
    codes_field: String,
    /// The codes as a text file (a `data:` URL for the download link).
    download: String,
    csrf: &'a str,
    /// Where "I have saved them" is sent: [`CodesStep::action`].
    action: &'static str,
    /// During sign-in (the button finishes it), else on the account page.
    signing_in: bool,
    /// Why the form was refused: the box was not ticked.
    error: Option<String>,
}

/// Where the recovery codes are shown: after setting up during a sign-in (the form finishes
/// it), or on the account page (the form goes back to the two-step section).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodesStep {
    SignIn,
    Account,
}

impl CodesStep {
    fn action(self) -> &'static str {
        match self {
            Self::SignIn => "/login/mfa/continue",
            Self::Account => "/account/mfa/recovery-codes/saved",
        }
    }
}

/// The "I have saved them" form under the recovery codes: the box, and the codes themselves
/// (to show them again, never to check anything: they are stored hashed).
#[derive(Debug, Deserialize)]
pub struct SavedForm {
    #[serde(default)]
    csrf: String,
    /// "I have saved them": any value when ticked.
    #[serde(default)]
    saved: Option<String>,
    /// The codes shown, separated by spaces.
    #[serde(default)]
    codes: String,
}

has_csrf!(SavedForm);

impl SavedForm {
    /// Whether the user ticked "I have saved them".
    pub(crate) fn ticked(&self) -> bool {
        self.saved.as_deref().is_some_and(|v| !v.is_empty())
    }

    /// The codes the form carried, as codes look (at most twenty, lower-case letters, digits
    /// and dashes), to show them again.
    pub(crate) fn codes(&self) -> Vec<String> {
        self.codes
            .split_whitespace()
            .filter(|c| {
                c.len() <= 32
                    && c.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            })
            .take(20)
            .map(str::to_owned)
            .collect()
    }
}

/// The recovery codes page of `step` for the account `email`, under `csp` (scripts allowed:
/// the copy button), with the form's `error` when the box was not ticked.
pub(crate) fn codes_page(
    ui: &LoginUi,
    req: &HttpRequest,
    email: &str,
    codes: &[String],
    step: CodesStep,
    error: Option<String>,
    csp: &Csp,
) -> HttpResponse {
    let (token, cookie) = match step {
        CodesStep::SignIn => csrf::issue(ui, req),
        CodesStep::Account => csrf::issue_signed_in(ui, req),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let view = CodesPage {
        codes,
        codes_field: codes.join(" "),
        download: codes_file(ui, email, codes),
        csrf: &token,
        action: step.action(),
        signing_in: step == CodesStep::SignIn,
        error,
    };
    csrf::attach(render::page(status, &view, csp), cookie)
}

/// The refusal of an unticked "I have saved them".
pub(crate) fn not_saved() -> String {
    crate::t("account-codes-not-saved")
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
pub(crate) fn wrong_setup_code() -> String {
    crate::t("mfa-setup-code-wrong")
}

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
