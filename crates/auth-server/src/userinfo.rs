//! The userinfo endpoint (OIDC Core 5.3): claims of the token's user, by scope and by the
//! `claims` request parameter; signed when the client registered an algorithm.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use domain::keys::KeyAlg;
use domain::users::{UserStatus, claims};
use serde_json::Value;

use crate::encryption::Payload;
use crate::error::OAuthError;
use crate::params::Params;
use crate::{Provider, bearer, cors, dpop, jwt, role_claims};

/// `GET /userinfo` with `Authorization: Bearer` or `Authorization: DPoP` and a proof.
pub async fn get(provider: web::Data<Provider>, req: HttpRequest) -> HttpResponse {
    let (res, client_id) = match bearer_header(&req) {
        Ok(token) => serve(&provider, &req, token).await,
        Err(e) => (e.response(), None),
    };
    with_cors(&provider, &req, client_id, res).await
}

/// CORS headers for the token's client's allowed origins; the page may read the
/// `WWW-Authenticate` challenge and the DPoP nonce (added here when nonces are on).
async fn with_cors(
    provider: &Provider,
    req: &HttpRequest,
    client_id: Option<String>,
    res: HttpResponse,
) -> HttpResponse {
    let res = dpop::with_nonce(provider, res);
    cors::decorate(
        provider,
        req,
        || client_id,
        Some("WWW-Authenticate, DPoP-Nonce"),
        res,
    )
    .await
}

/// `POST /userinfo`: the token in the header or (form body) as `access_token`.
pub async fn post(
    provider: web::Data<Provider>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (res, client_id) = answer_post(&provider, &req, &body).await;
    with_cors(&provider, &req, client_id, res).await
}

async fn answer_post(
    provider: &Provider,
    req: &HttpRequest,
    body: &[u8],
) -> (HttpResponse, Option<String>) {
    let header_token = match bearer_header(req) {
        Ok(t) => t,
        Err(e) => return (e.response(), None),
    };
    let form_token = if crate::token::require_form(req).is_ok() {
        match Params::parse(body) {
            Ok(p) => p.get("access_token").map(str::to_owned),
            Err(e) => {
                let res = challenge(
                    StatusCode::BAD_REQUEST,
                    Some(("invalid_request", &e.to_string())),
                );
                return (res, None);
            }
        }
    } else {
        None
    };
    match (header_token, form_token) {
        (Some(_), Some(_)) => (
            challenge(
                StatusCode::BAD_REQUEST,
                Some(("invalid_request", "send the token in one place only")),
            ),
            None,
        ),
        (a, b) => serve(provider, req, a.or(b.map(|t| (Scheme::Bearer, t)))).await,
    }
}

/// How an access token was presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `Bearer` (RFC 6750), or the form body.
    Bearer,
    /// `DPoP` (RFC 9449 7.1), with a proof in the `DPoP` header.
    Dpop,
}

/// The token of the `Authorization` header and its scheme (case-insensitive), if any
/// (RFC 6750 2.1, RFC 9449 7.1).
pub fn bearer_header(req: &HttpRequest) -> Result<Option<(Scheme, String)>, BadAuthorization> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| BadAuthorization::Malformed)?;
    let (scheme, token) = text.split_once(' ').ok_or(BadAuthorization::NotBearer)?;
    let token = token.trim();
    let scheme = if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Scheme::Dpop
    } else {
        return Err(BadAuthorization::NotBearer);
    };
    if token.is_empty() {
        return Err(BadAuthorization::NotBearer);
    }
    Ok(Some((scheme, token.to_owned())))
}

/// An `Authorization` header that carries no usable bearer token.
#[derive(Debug, Clone, Copy)]
pub enum BadAuthorization {
    /// Not visible ASCII.
    Malformed,
    /// Another scheme, or an empty token.
    NotBearer,
}

impl BadAuthorization {
    /// The RFC 6750 answer.
    pub fn response(self) -> HttpResponse {
        match self {
            Self::Malformed => challenge(
                StatusCode::BAD_REQUEST,
                Some(("invalid_request", "malformed Authorization header")),
            ),
            // RFC 6750 3.1: an unsupported authentication method is a request without
            // authentication, answered with a bare challenge and no error code.
            Self::NotBearer => challenge(StatusCode::UNAUTHORIZED, None),
        }
    }
}

/// A 401/400/403 with `WWW-Authenticate: Bearer` (RFC 6750 3).
fn challenge(status: StatusCode, error: Option<(&str, &str)>) -> HttpResponse {
    challenge_for(Scheme::Bearer, status, error)
}

/// A 401/400/403 with the `WWW-Authenticate` challenge of `scheme` (RFC 6750 3, RFC 9449
/// 7.1). A bare challenge names both schemes.
fn challenge_for(scheme: Scheme, status: StatusCode, error: Option<(&str, &str)>) -> HttpResponse {
    let algs = format!("algs=\"{}\"", dpop::ALGS.join(" "));
    let value = match (scheme, error) {
        (Scheme::Bearer, Some((code, description))) => format!(
            "Bearer realm=\"gatehouse\", error=\"{code}\", error_description=\"{}\"",
            description.replace('"', "'")
        ),
        (Scheme::Dpop, Some((code, description))) => format!(
            "DPoP {algs}, error=\"{code}\", error_description=\"{}\"",
            description.replace('"', "'")
        ),
        (_, None) => "Bearer realm=\"gatehouse\"".to_owned(),
    };
    let mut res = HttpResponse::build(status);
    res.insert_header((header::WWW_AUTHENTICATE, value));
    if error.is_none() {
        res.append_header((header::WWW_AUTHENTICATE, format!("DPoP {algs}")));
    }
    match error {
        Some((code, description)) => res.json(serde_json::json!({
            "error": code, "error_description": description
        })),
        None => res.finish(),
    }
}

fn invalid_token(description: &str) -> HttpResponse {
    challenge(
        StatusCode::UNAUTHORIZED,
        Some(("invalid_token", description)),
    )
}

/// The answer, and the client of the token when it is active (for CORS).
async fn serve(
    provider: &Provider,
    req: &HttpRequest,
    presented: Option<(Scheme, String)>,
) -> (HttpResponse, Option<String>) {
    let Some((scheme, token)) = presented else {
        return (challenge(StatusCode::UNAUTHORIZED, None), None);
    };
    let t = match bearer::inspect(provider, &token).await {
        Ok(Some(t)) => t,
        Ok(None) => {
            let res = challenge_for(
                scheme,
                StatusCode::UNAUTHORIZED,
                Some((
                    "invalid_token",
                    "the access token is invalid, expired or revoked",
                )),
            );
            return (res, None);
        }
        Err(e) => return (actix_web::ResponseError::error_response(&e), None),
    };
    let client_id = Some(t.client_id.clone());
    if let Err(refusal) = holder_of_key(provider, req, scheme, &token, &t).await {
        return (refusal, client_id);
    }
    let res = match claims_for(provider, t).await {
        Ok(Ok(response)) => response,
        Ok(Err(refusal)) => refusal,
        Err(e) => actix_web::ResponseError::error_response(&e),
    };
    (res, client_id)
}

/// RFC 9449 7: a DPoP-bound token is accepted only with the `DPoP` scheme and a proof of
/// its key over this request and this token; an unbound one only as a bearer token.
async fn holder_of_key(
    provider: &Provider,
    req: &HttpRequest,
    scheme: Scheme,
    token: &str,
    t: &bearer::Inspected,
) -> Result<(), HttpResponse> {
    let dpop_error = |code: &str, why: &str| {
        challenge_for(Scheme::Dpop, StatusCode::UNAUTHORIZED, Some((code, why)))
    };
    let Some(bound) = t.dpop_jkt.as_deref() else {
        return match scheme {
            Scheme::Bearer => Ok(()),
            Scheme::Dpop => Err(dpop_error(
                "invalid_token",
                "the access token is not DPoP-bound: present it as a Bearer token",
            )),
        };
    };
    if scheme == Scheme::Bearer {
        return Err(dpop_error(
            "invalid_token",
            "the access token is DPoP-bound: present it with the DPoP scheme and a proof",
        ));
    }
    match dpop::verify(provider, req, crate::paths::USERINFO, Some(token)).await {
        Ok(Some(jkt)) if jkt == bound => Ok(()),
        Ok(Some(_)) => Err(dpop_error(
            "invalid_dpop_proof",
            "the proof is not signed by the key the token is bound to",
        )),
        Ok(None) => Err(dpop_error(
            "invalid_dpop_proof",
            "a DPoP proof is required with a DPoP-bound token",
        )),
        Err(dpop::Refusal::Proof(dpop::ProofError::UseNonce)) => Err(dpop_error(
            "use_dpop_nonce",
            "send the DPoP proof again with the nonce of the DPoP-Nonce header",
        )),
        Err(dpop::Refusal::Proof(dpop::ProofError::Invalid(why))) => {
            Err(dpop_error("invalid_dpop_proof", &why))
        }
        Err(dpop::Refusal::Server(e)) => Err(actix_web::ResponseError::error_response(&e)),
    }
}

async fn claims_for(
    provider: &Provider,
    t: bearer::Inspected,
) -> Result<Result<HttpResponse, HttpResponse>, OAuthError> {
    let scopes: Vec<String> = t.scope.split(' ').map(str::to_owned).collect();
    if !scopes.iter().any(|s| s == "openid") {
        return Ok(Err(challenge(
            StatusCode::FORBIDDEN,
            Some(("insufficient_scope", "the token was not issued for openid")),
        )));
    }
    let user = match &t.user_id {
        Some(id) => provider.users.find(id).await?,
        None => None,
    };
    let Some(user) = user.filter(|u| {
        UserStatus::at(u, time::OffsetDateTime::now_utc()).is_ok_and(UserStatus::keeps_tokens)
    }) else {
        return Ok(Err(invalid_token("the token's account is not active")));
    };
    let requested = t.claims_request.as_ref().and_then(|c| c.get("userinfo"));
    let names = claims::released_names(&scopes, requested);
    // The client decides the `sub` (pairwise or not): a token whose client is gone or
    // disabled answers nothing.
    let Some(client) = provider.clients.find(&t.client_id).await? else {
        return Ok(Err(invalid_token("the token's client is not active")));
    };
    let mut body = claims::claims_of(&user, &names);
    body.insert(
        "sub".into(),
        provider.subject_for(&client, &user.subject).into(),
    );
    role_claims::add(provider, &client, &user.id, &t.scope, "userinfo", &mut body).await?;
    let encryption = client.metadata.userinfo_encryption();
    if client.userinfo_signed_response_alg.is_none() && encryption.is_none() {
        return Ok(Ok(HttpResponse::Ok().json(body)));
    }
    // A JWT answer (OIDC Core 5.3.2): signed, encrypted, or signed then encrypted.
    body.insert("iss".into(), Value::from(provider.settings.issuer.clone()));
    body.insert("aud".into(), Value::from(t.client_id.clone()));
    let (payload, kind) = match &client.userinfo_signed_response_alg {
        Some(alg) => (
            jwt::sign(&provider.keys.current(), KeyAlg::parse(alg)?, "JWT", body)?,
            Payload::SignedJwt,
        ),
        None => (Value::Object(body).to_string(), Payload::Json),
    };
    let answer = match encryption {
        Some((alg, enc)) => {
            crate::token::issue::encrypt_to(provider, &client, alg, enc, &payload, kind).await?
        }
        None => payload,
    };
    Ok(Ok(HttpResponse::Ok()
        .content_type("application/jwt")
        .body(answer)))
}
