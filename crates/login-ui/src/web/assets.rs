//! Static assets, compiled into the binary.

use actix_web::HttpResponse;
use actix_web::http::header;

const CSS: &str = include_str!("../../../../web/static/gatehouse.css");
const AUTOSUBMIT: &str = include_str!("../../../../web/static/autosubmit.js");
const FAVICON: &str = include_str!("../../../../web/static/favicon.svg");
const POW: &str = include_str!("../../../../web/static/pow.js");
const WEBAUTHN: &str = include_str!("../../../../web/static/webauthn.js");
const COPY: &str = include_str!("../../../../web/static/copy.js");
const FRONTCHANNEL: &str = include_str!("../../../../web/static/frontchannel.js");

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}

/// `GET /static/gatehouse.css`
pub async fn css() -> HttpResponse {
    asset("text/css; charset=utf-8", CSS)
}

/// `GET /static/autosubmit.js`
pub async fn autosubmit() -> HttpResponse {
    asset("text/javascript; charset=utf-8", AUTOSUBMIT)
}

/// `GET /static/pow.js`: the proof-of-work CAPTCHA solver.
pub async fn pow() -> HttpResponse {
    asset("text/javascript; charset=utf-8", POW)
}

/// `GET /static/webauthn.js`: the passkey ceremonies.
pub async fn webauthn() -> HttpResponse {
    asset("text/javascript; charset=utf-8", WEBAUTHN)
}

/// `GET /favicon.svg`: the pages' icon.
pub async fn favicon() -> HttpResponse {
    asset("image/svg+xml", FAVICON)
}

/// `GET /static/copy.js`: the copy buttons (recovery codes).
pub async fn copy() -> HttpResponse {
    asset("text/javascript; charset=utf-8", COPY)
}

/// `GET /static/frontchannel.js`: continues from the signed-out page once the front-channel
/// logout frames have loaded.
pub async fn frontchannel() -> HttpResponse {
    asset("text/javascript; charset=utf-8", FRONTCHANNEL)
}
