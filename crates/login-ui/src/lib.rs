//! The hosted, server-rendered pages: sign-in, consent, the device page, logout confirmation
//! and errors.
//! Usable without JavaScript, CSRF-protected, templates auto-escaped (askama).

//!
//! Folders by what a person does, with one-way imports (see `docs/development.md`):
//! [`web`] (what every page uses) ← [`flow`] (the sign-in state) ← the page families
//! [`signin`], [`account`], [`enrol`], [`consent`], [`device`] and [`admin`], which never
//! import each other.
//! [`io`] (CAPTCHA, mail, text messages) serves them all.

pub mod account;
pub mod admin;
pub mod branding;
pub mod consent;
pub mod device;
pub mod enrol;
pub mod flow;
pub mod i18n;
pub mod io;
pub mod signin;
pub mod state;
pub mod web;

use actix_web::web as aweb;

pub use i18n::{lang_tag, t, t1, t2};
// The paths the binary uses, unchanged by the folders.
pub use io::{captcha, mail, sms};
pub use state::{LoginUi, Recovery, Registration, RegistrationMode, UiSettings};
pub use web::request::client_ip;
pub use web::{csp, geoip, render};

use account::{
    apps, console, data, email, linked, mfa, passkeys, password, phone, profile, sessions,
};
use enrol::{invitation, register, register_api, reset};
use signin::{email_code, passkey, second_factor, upstream};
use web::assets;

/// Largest form or JSON body a page accepts.
const BODY_LIMIT: usize = 64 * 1024;

/// A resource whose unreadable forms (invalid UTF-8, wrong encoding, too large) get an error
/// page, and whose JSON bodies get a JSON error.
fn resource(path: &str) -> actix_web::Resource {
    aweb::resource(path)
        .app_data(
            aweb::FormConfig::default()
                .limit(BODY_LIMIT)
                .error_handler(|e, _| {
                    let res = web::render::error(
                        actix_web::http::StatusCode::BAD_REQUEST,
                        "invalid_request",
                        &crate::t("error-form-unreadable"),
                    );
                    actix_web::error::InternalError::from_response(e, res).into()
                }),
        )
        .app_data(
            aweb::JsonConfig::default()
                .limit(BODY_LIMIT)
                .error_handler(|e, _| {
                    let res = actix_web::HttpResponse::BadRequest().json(serde_json::json!({
                        "error": "invalid_request",
                        "error_description": "the body is not a JSON object with the expected fields",
                    }));
                    actix_web::error::InternalError::from_response(e, res).into()
                }),
        )
}

/// Mounts the pages. Expects `web::Data<LoginUi>` in app data.
pub fn configure(cfg: &mut aweb::ServiceConfig) {
    cfg.service(
        resource("/login")
            .route(aweb::get().to(signin::password::show))
            .route(aweb::post().to(signin::password::submit)),
    );
    cfg.service(
        resource("/login/upstream/callback")
            .route(aweb::get().to(upstream::callback_get))
            .route(aweb::post().to(upstream::callback_post)),
    );
    cfg.service(resource("/login/upstream/link").route(aweb::post().to(upstream::prove)));
    cfg.service(resource("/login/upstream/linking").route(aweb::get().to(upstream::link_finish)));
    cfg.service(
        resource("/login/upstream/{name}/link").route(aweb::post().to(upstream::link_start)),
    );
    cfg.service(resource("/login/upstream/{name}").route(aweb::get().to(upstream::start)));
    cfg.service(
        resource("/login/email")
            .route(aweb::get().to(email_code::show))
            .route(aweb::post().to(email_code::request)),
    );
    cfg.service(resource("/login/email/code").route(aweb::post().to(email_code::code)));
    cfg.service(
        resource("/login/email/verify")
            .route(aweb::get().to(email_code::link_page))
            .route(aweb::post().to(email_code::link)),
    );
    cfg.service(resource("/login/mfa/sms").route(aweb::post().to(second_factor::send_sms)));
    cfg.service(
        resource("/login/mfa/setup")
            .route(aweb::get().to(second_factor::setup_page))
            .route(aweb::post().to(second_factor::setup)),
    );
    cfg.service(
        resource("/login/mfa/continue").route(aweb::post().to(second_factor::continue_after_setup)),
    );
    cfg.service(
        resource("/login/mfa")
            .route(aweb::get().to(second_factor::show))
            .route(aweb::post().to(second_factor::submit)),
    );
    cfg.service(
        resource("/consent")
            .route(aweb::get().to(consent::show))
            .route(aweb::post().to(consent::submit)),
    );
    cfg.service(
        resource("/device")
            .route(aweb::get().to(device::show))
            .route(aweb::post().to(device::submit)),
    );
    cfg.service(resource("/device/confirm").route(aweb::post().to(device::decide)));
    cfg.service(
        resource("/register")
            .route(aweb::get().to(register::show))
            .route(aweb::post().to(register::submit)),
    );
    cfg.service(resource("/api/register").route(aweb::post().to(register_api::register)));
    cfg.service(resource("/api/captcha").route(aweb::get().to(register_api::challenge)));
    cfg.service(
        resource("/verify-email")
            .route(aweb::get().to(register::verify_page))
            .route(aweb::post().to(register::verify)),
    );
    cfg.service(
        resource("/verify-email/resend")
            .route(aweb::get().to(register::resend_page))
            .route(aweb::post().to(register::resend)),
    );
    cfg.service(
        resource("/forgot-password")
            .route(aweb::get().to(reset::forgot_page))
            .route(aweb::post().to(reset::forgot)),
    );
    cfg.service(
        resource("/reset-password")
            .route(aweb::get().to(reset::reset_page))
            .route(aweb::post().to(reset::reset)),
    );
    cfg.service(
        resource("/invitation")
            .route(aweb::get().to(invitation::show))
            .route(aweb::post().to(invitation::accept)),
    );
    admin::configure(cfg);
    cfg.service(resource("/account").route(aweb::get().to(console::home)));
    cfg.service(
        resource("/account/profile")
            .route(aweb::get().to(console::show))
            .route(aweb::post().to(profile::save_profile)),
    );
    cfg.service(
        resource("/account/email")
            .route(aweb::get().to(console::show))
            .route(aweb::post().to(email::change_email)),
    );
    cfg.service(
        resource("/account/password")
            .route(aweb::get().to(console::show))
            .route(aweb::post().to(password::change_password)),
    );
    cfg.service(
        resource("/account/email/confirm")
            .route(aweb::get().to(email::confirm_email_page))
            .route(aweb::post().to(email::confirm_email)),
    );
    cfg.service(resource("/account/apps/disconnect").route(aweb::post().to(apps::disconnect_app)));
    cfg.service(resource("/account/sessions/end").route(aweb::post().to(sessions::end_session)));
    cfg.service(
        resource("/account/sessions/end-others").route(aweb::post().to(sessions::end_others)),
    );
    cfg.service(resource("/account/sessions.json").route(aweb::get().to(sessions::sessions_json)));
    cfg.service(resource("/account/sessions/end-all").route(aweb::post().to(sessions::end_all)));
    cfg.service(resource("/account/sign-out").route(aweb::post().to(sessions::sign_out)));
    cfg.service(resource("/account/export").route(aweb::get().to(data::export)));
    cfg.service(resource("/account/mfa/totp").route(aweb::post().to(mfa::begin_totp)));
    cfg.service(resource("/account/mfa/totp/confirm").route(aweb::post().to(mfa::confirm_totp)));
    cfg.service(resource("/account/mfa/totp/remove").route(aweb::post().to(mfa::remove_totp)));
    cfg.service(
        resource("/account/mfa/recovery-codes").route(aweb::post().to(mfa::new_recovery_codes)),
    );
    cfg.service(
        resource("/account/mfa/recovery-codes/saved").route(aweb::post().to(mfa::codes_saved)),
    );
    cfg.service(
        resource("/account/mfa/trusted-browsers/forget")
            .route(aweb::post().to(mfa::forget_browsers)),
    );
    cfg.service(resource("/account/phone/verify").route(aweb::post().to(phone::verify)));
    cfg.service(resource("/account/phone/confirm").route(aweb::post().to(phone::confirm)));
    cfg.service(resource("/account/mfa/sms").route(aweb::post().to(phone::enable)));
    cfg.service(resource("/account/mfa/sms/remove").route(aweb::post().to(phone::disable)));
    cfg.service(
        resource("/account/delete")
            .route(aweb::get().to(console::show))
            .route(aweb::post().to(data::delete)),
    );
    cfg.service(resource("/static/gatehouse.css").route(aweb::get().to(assets::css)));
    cfg.service(resource("/static/autosubmit.js").route(aweb::get().to(assets::autosubmit)));
    cfg.service(resource("/static/pow.js").route(aweb::get().to(assets::pow)));
    cfg.service(resource("/static/webauthn.js").route(aweb::get().to(assets::webauthn)));
    cfg.service(resource("/favicon.svg").route(aweb::get().to(assets::favicon)));
    cfg.service(resource("/branding/logo").route(aweb::get().to(branding::logo)));
    cfg.service(resource("/branding/style.css").route(aweb::get().to(branding::style)));
    cfg.service(
        resource("/account/passkeys/begin").route(aweb::post().to(passkeys::begin_registration)),
    );
    cfg.service(
        resource("/account/passkeys/finish").route(aweb::post().to(passkeys::finish_registration)),
    );
    cfg.service(resource("/account/passkeys/remove").route(aweb::post().to(passkeys::remove)));
    cfg.service(resource("/account/linked/unlink").route(aweb::post().to(linked::unlink)));
    cfg.service(resource("/login/passkey/begin").route(aweb::post().to(passkey::begin_sign_in)));
    cfg.service(resource("/login/passkey/finish").route(aweb::post().to(passkey::finish_sign_in)));
    cfg.service(
        resource("/login/mfa/passkey/begin").route(aweb::post().to(second_factor::begin_passkey)),
    );
    cfg.service(resource("/login/mfa/passkey").route(aweb::post().to(second_factor::passkey)));
    cfg.service(resource("/static/copy.js").route(aweb::get().to(assets::copy)));
    cfg.service(resource("/static/frontchannel.js").route(aweb::get().to(assets::frontchannel)));
    // Last, so that every address above wins: the account's other sections.
    cfg.service(resource("/account/{section}").route(aweb::get().to(console::show)));
}
