//! The JSON Web Key Set endpoint (RFC 7517): public keys only, serialized once per key load.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::Provider;

/// Clients may cache the set this long. Rotation publishes the next key one rotation ahead,
/// so a cached set always holds the key that signs.
const MAX_AGE_SECS: u32 = 300;

/// `GET /jwks`
pub async fn jwks(provider: web::Data<Provider>) -> HttpResponse {
    let body = provider.keys.current().jwks_json();
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CACHE_CONTROL,
            format!("public, max-age={MAX_AGE_SECS}"),
        ))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(web::Bytes::from_owner(body))
}
