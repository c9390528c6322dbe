//! The JSON Web Key Set endpoint (RFC 7517): public keys only, serialized once per key load.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::Provider;

/// Clients may cache the set this long. Rotation publishes the next key one rotation ahead,
/// so a cached set always holds the key that signs.
const MAX_AGE_SECS: u32 = 300;

/// `GET /jwks`
pub async fn jwks(provider: web::Data<Provider>) -> HttpResponse {
    let signing = provider.keys.current().jwks_json();
    let body = with_key(&signing, provider.decryption_key.public_jwk());
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CACHE_CONTROL,
            format!("public, max-age={MAX_AGE_SECS}"),
        ))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(body)
}

/// The signing keys' set (`{"keys":[…]}`) with `extra` appended to its keys.
fn with_key(set: &[u8], extra: &serde_json::Value) -> Vec<u8> {
    let mut doc: serde_json::Value =
        serde_json::from_slice(set).unwrap_or_else(|_| serde_json::json!({ "keys": [] }));
    if let Some(keys) = doc.get_mut("keys").and_then(|k| k.as_array_mut()) {
        keys.push(extra.clone());
    }
    serde_json::to_vec(&doc).unwrap_or_else(|_| set.to_vec())
}
