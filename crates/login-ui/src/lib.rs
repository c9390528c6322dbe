//! The hosted, server-rendered pages: sign-in, consent, logout confirmation and errors.
//! Usable without JavaScript, CSRF-protected, templates auto-escaped (askama).

pub mod account;
pub mod account_mfa;
pub mod assets;
pub mod branding;
pub mod captcha;
pub mod consent;
pub mod csp;
pub mod csrf;
pub mod device;
pub mod email_sign_in;
pub mod geoip;
pub mod i18n;
pub mod invitation;
pub mod login;
pub mod mail;
pub mod passkeys;
pub mod phone;
pub mod recovery;
pub mod register;
pub mod register_api;
pub mod render;
pub mod second_factor;
pub mod sms;
pub mod state;
pub mod throttle;
pub mod trusted_device;

use actix_web::web;

pub use i18n::{lang_tag, t, t1, t2};
pub use state::{LoginUi, Recovery, Registration, RegistrationMode, UiSettings};

/// The client's IP address: what the binary's trusted-proxy middleware determined
/// ([`domain::net::ClientIp`]), else the socket peer.
pub fn client_ip(req: &actix_web::HttpRequest) -> Option<std::net::IpAddr> {
    use actix_web::HttpMessage as _;
    domain::net::ClientIp::or_peer(req.extensions().get(), req.peer_addr())
}

/// Largest form or JSON body a page accepts.
const BODY_LIMIT: usize = 64 * 1024;

/// A resource whose unreadable forms (invalid UTF-8, wrong encoding, too large) get an error
/// page, and whose JSON bodies get a JSON error.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path)
        .app_data(
            web::FormConfig::default()
                .limit(BODY_LIMIT)
                .error_handler(|e, _| {
                    let res = render::error(
                        actix_web::http::StatusCode::BAD_REQUEST,
                        "invalid_request",
                        &crate::t("error-form-unreadable"),
                    );
                    actix_web::error::InternalError::from_response(e, res).into()
                }),
        )
        .app_data(
            web::JsonConfig::default()
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
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/login")
            .route(web::get().to(login::show))
            .route(web::post().to(login::submit)),
    );
    cfg.service(
        resource("/login/email")
            .route(web::get().to(email_sign_in::show))
            .route(web::post().to(email_sign_in::request)),
    );
    cfg.service(resource("/login/email/code").route(web::post().to(email_sign_in::code)));
    cfg.service(
        resource("/login/email/verify")
            .route(web::get().to(email_sign_in::link_page))
            .route(web::post().to(email_sign_in::link)),
    );
    cfg.service(resource("/login/mfa/sms").route(web::post().to(second_factor::send_sms)));
    cfg.service(
        resource("/login/mfa/setup")
            .route(web::get().to(second_factor::setup_page))
            .route(web::post().to(second_factor::setup)),
    );
    cfg.service(
        resource("/login/mfa/continue").route(web::post().to(second_factor::continue_after_setup)),
    );
    cfg.service(
        resource("/login/mfa")
            .route(web::get().to(second_factor::show))
            .route(web::post().to(second_factor::submit)),
    );
    cfg.service(
        resource("/consent")
            .route(web::get().to(consent::show))
            .route(web::post().to(consent::submit)),
    );
    cfg.service(
        resource("/register")
            .route(web::get().to(register::show))
            .route(web::post().to(register::submit)),
    );
    cfg.service(resource("/api/register").route(web::post().to(register_api::register)));
    cfg.service(resource("/api/captcha").route(web::get().to(register_api::challenge)));
    cfg.service(
        resource("/verify-email")
            .route(web::get().to(register::verify_page))
            .route(web::post().to(register::verify)),
    );
    cfg.service(
        resource("/verify-email/resend")
            .route(web::get().to(register::resend_page))
            .route(web::post().to(register::resend)),
    );
    cfg.service(
        resource("/forgot-password")
            .route(web::get().to(recovery::forgot_page))
            .route(web::post().to(recovery::forgot)),
    );
    cfg.service(
        resource("/reset-password")
            .route(web::get().to(recovery::reset_page))
            .route(web::post().to(recovery::reset)),
    );
    cfg.service(
        resource("/invitation")
            .route(web::get().to(invitation::show))
            .route(web::post().to(invitation::accept)),
    );
    cfg.service(resource("/account").route(web::get().to(account::console::home)));
    cfg.service(
        resource("/account/profile")
            .route(web::get().to(account::console::show))
            .route(web::post().to(account::save_profile)),
    );
    cfg.service(
        resource("/account/email")
            .route(web::get().to(account::console::show))
            .route(web::post().to(account::change_email)),
    );
    cfg.service(
        resource("/account/password")
            .route(web::get().to(account::console::show))
            .route(web::post().to(account::change_password)),
    );
    cfg.service(
        resource("/account/email/confirm")
            .route(web::get().to(account::confirm_email_page))
            .route(web::post().to(account::confirm_email)),
    );
    cfg.service(
        resource("/account/apps/disconnect").route(web::post().to(account::disconnect_app)),
    );
    cfg.service(resource("/account/sessions/end").route(web::post().to(account::end_session)));
    cfg.service(
        resource("/account/sessions/end-others").route(web::post().to(account::end_others)),
    );
    cfg.service(resource("/account/sessions.json").route(web::get().to(account::sessions_json)));
    cfg.service(resource("/account/sessions/end-all").route(web::post().to(account::end_all)));
    cfg.service(resource("/account/sign-out").route(web::post().to(account::sign_out)));
    cfg.service(resource("/account/export").route(web::get().to(account::export)));
    cfg.service(resource("/account/mfa/totp").route(web::post().to(account_mfa::begin_totp)));
    cfg.service(
        resource("/account/mfa/totp/confirm").route(web::post().to(account_mfa::confirm_totp)),
    );
    cfg.service(
        resource("/account/mfa/totp/remove").route(web::post().to(account_mfa::remove_totp)),
    );
    cfg.service(
        resource("/account/mfa/recovery-codes")
            .route(web::post().to(account_mfa::new_recovery_codes)),
    );
    cfg.service(
        resource("/account/mfa/trusted-browsers/forget")
            .route(web::post().to(account_mfa::forget_browsers)),
    );
    cfg.service(resource("/account/phone/verify").route(web::post().to(phone::verify)));
    cfg.service(resource("/account/phone/confirm").route(web::post().to(phone::confirm)));
    cfg.service(resource("/account/mfa/sms").route(web::post().to(phone::enable)));
    cfg.service(resource("/account/mfa/sms/remove").route(web::post().to(phone::disable)));
    cfg.service(
        resource("/account/delete")
            .route(web::get().to(account::console::show))
            .route(web::post().to(account::delete)),
    );
    cfg.service(resource("/static/gatehouse.css").route(web::get().to(assets::css)));
    cfg.service(resource("/static/autosubmit.js").route(web::get().to(assets::autosubmit)));
    cfg.service(resource("/static/pow.js").route(web::get().to(assets::pow)));
    cfg.service(resource("/static/webauthn.js").route(web::get().to(assets::webauthn)));
    cfg.service(resource("/favicon.svg").route(web::get().to(assets::favicon)));
    cfg.service(resource("/branding/logo").route(web::get().to(branding::logo)));
    cfg.service(resource("/branding/style.css").route(web::get().to(branding::style)));
    cfg.service(
        resource("/account/passkeys/begin").route(web::post().to(passkeys::begin_registration)),
    );
    cfg.service(
        resource("/account/passkeys/finish").route(web::post().to(passkeys::finish_registration)),
    );
    cfg.service(resource("/account/passkeys/remove").route(web::post().to(passkeys::remove)));
    cfg.service(resource("/login/passkey/begin").route(web::post().to(passkeys::begin_sign_in)));
    cfg.service(resource("/login/passkey/finish").route(web::post().to(passkeys::finish_sign_in)));
    cfg.service(
        resource("/login/mfa/passkey/begin").route(web::post().to(second_factor::begin_passkey)),
    );
    cfg.service(resource("/login/mfa/passkey").route(web::post().to(second_factor::passkey)));
    cfg.service(resource("/static/copy.js").route(web::get().to(assets::copy)));
    // Last, so that every address above wins: the account's other sections.
    cfg.service(resource("/account/{section}").route(web::get().to(account::console::show)));
}
