//! The hosted, server-rendered pages: sign-in, consent, logout confirmation and errors.
//! Usable without JavaScript, CSRF-protected, templates auto-escaped (askama).

pub mod assets;
pub mod consent;
pub mod csrf;
pub mod login;
pub mod mail;
pub mod register;
pub mod render;
pub mod state;

use actix_web::web;

pub use state::{LoginUi, Registration, RegistrationMode, UiSettings};

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
        .route("/static/gatehouse.css", web::get().to(assets::css))
        .route("/static/autosubmit.js", web::get().to(assets::autosubmit));
}
