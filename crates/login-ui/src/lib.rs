//! The hosted, server-rendered pages: sign-in, consent, logout confirmation and errors.
//! Usable without JavaScript, CSRF-protected, templates auto-escaped (askama).

pub mod account;
pub mod assets;
pub mod consent;
pub mod csrf;
pub mod invitation;
pub mod login;
pub mod mail;
pub mod recovery;
pub mod register;
pub mod render;
pub mod state;
pub mod throttle;

use actix_web::web;

pub use state::{LoginUi, Recovery, Registration, RegistrationMode, UiSettings};

/// Mounts the pages. Expects `web::Data<LoginUi>` in app data.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login::show))
        .route("/login", web::post().to(login::submit))
        .route("/consent", web::get().to(consent::show))
        .route("/consent", web::post().to(consent::submit))
        .route("/register", web::get().to(register::show))
        .route("/register", web::post().to(register::submit))
        .route("/verify-email", web::get().to(register::verify_page))
        .route("/verify-email", web::post().to(register::verify))
        .route("/verify-email/resend", web::get().to(register::resend_page))
        .route("/verify-email/resend", web::post().to(register::resend))
        .route("/forgot-password", web::get().to(recovery::forgot_page))
        .route("/forgot-password", web::post().to(recovery::forgot))
        .route("/reset-password", web::get().to(recovery::reset_page))
        .route("/reset-password", web::post().to(recovery::reset))
        .route("/invitation", web::get().to(invitation::show))
        .route("/invitation", web::post().to(invitation::accept))
        .route("/account", web::get().to(account::show))
        .route("/account/profile", web::post().to(account::save_profile))
        .route(
            "/account/password",
            web::post().to(account::change_password),
        )
        .route("/account/email", web::post().to(account::change_email))
        .route(
            "/account/email/confirm",
            web::get().to(account::confirm_email_page),
        )
        .route(
            "/account/email/confirm",
            web::post().to(account::confirm_email),
        )
        .route(
            "/account/apps/disconnect",
            web::post().to(account::disconnect_app),
        )
        .route(
            "/account/sessions/end",
            web::post().to(account::end_session),
        )
        .route(
            "/account/sessions/end-others",
            web::post().to(account::end_others),
        )
        .route("/account/sign-out", web::post().to(account::sign_out))
        .route("/account/export", web::get().to(account::export))
        .route("/account/delete", web::post().to(account::delete))
        .route("/static/gatehouse.css", web::get().to(assets::css))
        .route("/static/autosubmit.js", web::get().to(assets::autosubmit));
}
