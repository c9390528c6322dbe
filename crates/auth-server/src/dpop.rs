//! DPoP (RFC 9449): proof verification at `/token`, `/par` and `/userinfo`, the RFC 7638
//! key thumbprint that binds tokens to a key, the `jti` replay check and server nonces.

mod nonce;
mod proof;
mod thumbprint;

use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::http::header::{HeaderName, HeaderValue};

pub use proof::{ALGS, ProofError};
pub use thumbprint::{is_thumbprint, jwk_thumbprint};

use crate::Provider;
use crate::error::{ErrorCode, OAuthError};

/// The request header carrying the proof.
pub const HEADER: &str = "dpop";
/// The response header carrying the server nonce.
pub const NONCE_HEADER: &str = "dpop-nonce";

/// Why a request's DPoP proof was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The proof itself: `invalid_dpop_proof` or `use_dpop_nonce`.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// The replay cache could not answer.
    #[error(transparent)]
    Server(#[from] OAuthError),
}

impl Refusal {
    /// The answer at the token and PAR endpoints (RFC 9449 5.1, 8): an OAuth error.
    pub fn into_oauth(self) -> OAuthError {
        match self {
            Refusal::Proof(ProofError::Invalid(why)) => {
                OAuthError::new(ErrorCode::InvalidDpopProof, why)
            }
            Refusal::Proof(ProofError::UseNonce) => OAuthError::new(
                ErrorCode::UseDpopNonce,
                "send the DPoP proof again with the nonce of the DPoP-Nonce header",
            ),
            Refusal::Server(e) => e,
        }
    }
}

/// Verifies the request's DPoP proof for the endpoint at `path`, with `access_token` at a
/// resource endpoint. `Ok(None)` when the request has no `DPoP` header; otherwise the
/// thumbprint of the proof's key. A proof is good once: its `jti` is remembered for as
/// long as its `iat` could be accepted.
pub async fn verify(
    provider: &Provider,
    req: &HttpRequest,
    path: &str,
    access_token: Option<&str>,
) -> Result<Option<String>, Refusal> {
    let mut headers = req.headers().get_all(HEADER);
    let Some(value) = headers.next() else {
        return Ok(None);
    };
    if headers.next().is_some() {
        return Err(ProofError::Invalid("send one DPoP header".into()).into());
    }
    let text = value
        .to_str()
        .map_err(|_| ProofError::Invalid("the DPoP header is not ASCII".into()))?;
    let url = provider.url(path);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let max_skew = i64::try_from(provider.settings.dpop_max_skew.as_secs()).unwrap_or(60);
    let fresh = |n: &str| nonce::is_fresh(&provider.secrets, n, now);
    let rules = proof::Rules {
        now,
        max_skew,
        nonce: provider
            .settings
            .dpop_nonce
            .then_some(&fresh as &dyn Fn(&str) -> bool),
    };
    let request = proof::Request {
        method: req.method().as_str(),
        url: &url,
        access_token,
    };
    let checked = proof::check(text.trim(), &request, &rules)?;
    // Every `iat` accepted lies within the skew either side of now: remembering the `jti`
    // for twice the skew (and a second) outlasts the proof.
    let window = Duration::from_secs(provider.settings.dpop_max_skew.as_secs() * 2 + 1);
    let first = provider
        .cache
        .set_if_absent(
            &format!("dpop:jti:{}:{}", checked.jkt, checked.jti),
            b"1",
            window,
        )
        .await
        .map_err(OAuthError::from)?;
    if !first {
        return Err(ProofError::Invalid("the proof was used before (jti replayed)".into()).into());
    }
    Ok(Some(checked.jkt))
}

/// Adds the current server nonce to `res` when nonces are required (RFC 9449 8.1): the
/// client takes it from any answer of the endpoints that check proofs.
pub fn with_nonce(provider: &Provider, mut res: HttpResponse) -> HttpResponse {
    if provider.settings.dpop_nonce {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if let Ok(value) = HeaderValue::from_str(&nonce::current(&provider.secrets, now)) {
            res.headers_mut()
                .insert(HeaderName::from_static(NONCE_HEADER), value);
        }
    }
    res
}

/// A token's `token_type`: `DPoP` when bound to a key (RFC 9449 5), else `Bearer`.
pub fn token_type(dpop_jkt: Option<&str>) -> &'static str {
    if dpop_jkt.is_some() { "DPoP" } else { "Bearer" }
}
