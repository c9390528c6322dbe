//! The OAuth 2.0 / OpenID Connect protocol: discovery, JWKS, authorization (pushed or not),
//! token, userinfo, introspection, revocation, RP-initiated logout and device authorization
//! (RFC 8628). Handlers parse the request, call the
//! protocol functions and map results to responses; pages are rendered through [`Pages`].

pub mod authorize;
pub mod authzen;
pub mod bearer;
pub mod client_auth;
pub mod cors;
pub mod decryption_key;
pub mod device;
pub mod discovery;
pub mod dpop;
pub mod encryption;
pub mod end_session;
pub mod error;
pub mod id_token_hint;
pub mod introspection;
pub mod jwks;
pub mod jwt;
pub mod limits;
pub mod logout_token;
pub mod pages;
pub mod par;
pub mod params;
pub mod provider;
pub mod registration;
pub mod resources;
pub mod revocation;
pub mod role_claims;
pub mod token;
pub mod userinfo;

use actix_web::web;

pub use pages::{LogoutApp, Pages};
pub use provider::{Provider, RefreshBinding, Settings};

/// Paths of the protocol endpoints (relative to the issuer).
pub mod paths {
    /// OpenID Provider metadata.
    pub const DISCOVERY: &str = "/.well-known/openid-configuration";
    /// RFC 8414 authorization server metadata.
    pub const AS_METADATA: &str = "/.well-known/oauth-authorization-server";
    /// JWKS.
    pub const JWKS: &str = "/jwks";
    /// Authorization endpoint.
    pub const AUTHORIZE: &str = "/authorize";
    /// Continuation of a parked authorization request after sign-in or consent.
    pub const AUTHORIZE_RESUME: &str = "/authorize/resume";
    /// Token endpoint.
    pub const TOKEN: &str = "/token";
    /// Pushed authorization request endpoint (RFC 9126).
    pub const PAR: &str = "/par";
    /// Userinfo endpoint.
    pub const USERINFO: &str = "/userinfo";
    /// Introspection endpoint.
    pub const INTROSPECT: &str = "/introspect";
    /// Revocation endpoint.
    pub const REVOKE: &str = "/revoke";
    /// RP-initiated logout.
    pub const END_SESSION: &str = "/end_session";
    /// Where the hosted sign-in page lives (served by login-ui).
    pub const LOGIN: &str = "/login";
    /// Where the hosted consent page lives (served by login-ui).
    pub const CONSENT: &str = "/consent";
    /// Device authorization endpoint (RFC 8628 3.1).
    pub const DEVICE_AUTHORIZATION: &str = "/device_authorization";
    /// Where a person enters a device's user code (served by login-ui; RFC 8628 3.3).
    pub const DEVICE: &str = "/device";
    /// AuthZEN single decision.
    pub const ACCESS_EVALUATION: &str = "/access/v1/evaluation";
    /// AuthZEN batch decisions.
    pub const ACCESS_EVALUATIONS: &str = "/access/v1/evaluations";
    /// AuthZEN policy decision point metadata.
    pub const AUTHZEN_METADATA: &str = "/.well-known/authzen-configuration";
    /// Dynamic client registration (RFC 7591); `/{client_id}` below it is the client
    /// configuration endpoint (RFC 7592). `/register` is the hosted sign-up page.
    pub const REGISTER: &str = "/connect/register";
}

/// Mounts the protocol routes. Expects `web::Data<Provider>` in app data.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        paths::DISCOVERY,
        web::get().to(discovery::openid_configuration),
    )
    .route(paths::AS_METADATA, web::get().to(discovery::oauth_metadata))
    .route(paths::JWKS, web::get().to(jwks::jwks))
    .route(paths::AUTHORIZE, web::get().to(authorize::get))
    .route(paths::AUTHORIZE, web::post().to(authorize::post))
    .route(paths::AUTHORIZE_RESUME, web::get().to(authorize::resume))
    .route(paths::TOKEN, web::post().to(token::token))
    .route(paths::PAR, web::post().to(par::push))
    .route(paths::PAR, web::route().to(par::other_method))
    .route(paths::TOKEN, options().to(cors::preflight_post))
    .route(
        paths::DEVICE_AUTHORIZATION,
        web::post().to(device::device_authorization),
    )
    .route(paths::DEVICE_AUTHORIZATION, web::get().to(device::not_post))
    .route(
        paths::DEVICE_AUTHORIZATION,
        options().to(cors::preflight_post),
    )
    .route(paths::USERINFO, web::get().to(userinfo::get))
    .route(paths::USERINFO, web::post().to(userinfo::post))
    .route(paths::USERINFO, options().to(cors::preflight_get_post))
    .route(paths::INTROSPECT, web::post().to(introspection::introspect))
    .route(paths::REVOKE, web::post().to(revocation::revoke))
    .route(paths::REVOKE, options().to(cors::preflight_post))
    .route(paths::END_SESSION, web::get().to(end_session::get))
    .route(paths::END_SESSION, web::post().to(end_session::post))
    .route(
        paths::ACCESS_EVALUATION,
        web::post().to(authzen::evaluation),
    )
    .route(
        paths::ACCESS_EVALUATIONS,
        web::post().to(authzen::evaluations),
    )
    .route(paths::AUTHZEN_METADATA, web::get().to(authzen::metadata))
    .route(paths::REGISTER, web::post().to(registration::register))
    .route(paths::REGISTER, web::route().to(registration::other_method))
    .service(
        web::resource(format!("{}/{{client_id}}", paths::REGISTER))
            .route(web::get().to(registration::read))
            .route(web::put().to(registration::update))
            .route(web::delete().to(registration::delete))
            .route(web::route().to(registration::other_method)),
    );
}

fn options() -> actix_web::Route {
    web::method(actix_web::http::Method::OPTIONS)
}
