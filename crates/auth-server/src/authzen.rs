//! The decision API: OpenID AuthZEN Authorization API 1.0 at `/access/v1/evaluation` and
//! `/access/v1/evaluations`, answered from the calling resource server's Cedar policy set.
//!
//! The caller authenticates as the resource server: HTTP Basic with its client secret, or a
//! bearer access token it obtained with client_credentials. Each resource server only ever
//! evaluates its own policy set. A service without a client of its own may instead present
//! an API key holding the permission [`DECIDE_PERMISSION`] as a bearer token, and names the
//! resource server whose policy set answers with the `resource_server` query parameter.

mod request;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, ResponseError, web};
use domain::audit::AuditEvent;
use domain::policies::{Decision, Evaluation, RequestFacts};
use serde_json::{Value, json};

use crate::error::OAuthError;
use crate::{Provider, bearer, limits};
use request::{Batch, Parts, Semantic, Single};

/// Largest accepted decision request.
const BODY_LIMIT: usize = 256 * 1024;
/// Most questions in one batch.
const MAX_EVALUATIONS: usize = 1_000;
/// The permission an API key needs to ask for decisions.
pub const DECIDE_PERMISSION: &str = "policies:decide";

/// Why a decision request was refused as a whole.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The caller did not authenticate, or is over its budget.
    #[error(transparent)]
    Auth(#[from] OAuthError),
    /// The body is not a decision request.
    #[error("{0}")]
    BadRequest(String),
    /// The caller has no policy set.
    #[error("no policy set is stored for this client: see `gatehouse policy set`")]
    NoPolicySet,
    /// The caller authenticated but may not ask.
    #[error("{0}")]
    Forbidden(String),
}

impl From<domain::Error> for Refusal {
    fn from(e: domain::Error) -> Self {
        match e {
            domain::Error::NotFound("policy set") => Refusal::NoPolicySet,
            domain::Error::Invalid { .. } => Refusal::BadRequest(e.to_string()),
            other => Refusal::Auth(other.into()),
        }
    }
}

impl ResponseError for Refusal {
    fn status_code(&self) -> StatusCode {
        match self {
            Refusal::Auth(e) => e.status_code(),
            Refusal::BadRequest(_) => StatusCode::BAD_REQUEST,
            Refusal::NoPolicySet | Refusal::Forbidden(_) => StatusCode::FORBIDDEN,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Refusal::Auth(e) => {
                let mut res = e.error_response();
                if e.status_code() == StatusCode::UNAUTHORIZED {
                    res.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        header::HeaderValue::from_static("Basic realm=\"gatehouse\", Bearer"),
                    );
                }
                res
            }
            other => HttpResponse::build(other.status_code()).json(json!({
                "error": if other.status_code() == StatusCode::FORBIDDEN { "access_denied" } else { "invalid_request" },
                "error_description": other.to_string(),
            })),
        }
    }
}

/// `POST /access/v1/evaluation`
pub async fn evaluation(
    provider: web::Data<Provider>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Refusal> {
    let caller = caller(&provider, &req).await?;
    let single: Single = parse(&body)?;
    let include_reasons = single.options.include_reasons;
    let question = question(&provider, &caller, single.parts)
        .await?
        .map_err(Refusal::BadRequest)?;
    let facts = facts(&req, &caller);
    let decision = provider.policies.decide(&caller, &question, &facts).await?;
    audit(&provider, &caller, &question, &decision).await;
    Ok(HttpResponse::Ok().json(answer(&decision, include_reasons)))
}

/// `POST /access/v1/evaluations`
pub async fn evaluations(
    provider: web::Data<Provider>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Refusal> {
    let caller = caller(&provider, &req).await?;
    let batch: Batch = parse(&body)?;
    let include_reasons = batch.options.include_reasons;
    let facts = facts(&req, &caller);
    if batch.evaluations.is_empty() {
        // AuthZEN: without `evaluations` the request is a single evaluation.
        let question = question(&provider, &caller, batch.defaults)
            .await?
            .map_err(Refusal::BadRequest)?;
        let decision = provider.policies.decide(&caller, &question, &facts).await?;
        audit(&provider, &caller, &question, &decision).await;
        return Ok(HttpResponse::Ok().json(answer(&decision, include_reasons)));
    }
    if batch.evaluations.len() > MAX_EVALUATIONS {
        return Err(Refusal::BadRequest(format!(
            "at most {MAX_EVALUATIONS} evaluations per request"
        )));
    }
    let semantic = batch.options.evaluations_semantic;
    let mut answers = Vec::with_capacity(batch.evaluations.len());
    for parts in batch.evaluations {
        let outcome = match question(&provider, &caller, parts.or(&batch.defaults)).await? {
            Ok(question) => match provider.policies.decide(&caller, &question, &facts).await {
                Ok(d) => {
                    audit(&provider, &caller, &question, &d).await;
                    Ok(d)
                }
                Err(domain::Error::Invalid { field, reason }) => {
                    Err(format!("invalid {field}: {reason}"))
                }
                Err(other) => return Err(other.into()),
            },
            Err(message) => Err(message),
        };
        let stop = match &outcome {
            Ok(d) => match semantic {
                Semantic::ExecuteAll => false,
                Semantic::DenyOnFirstDeny => !d.decision,
                Semantic::PermitOnFirstPermit => d.decision,
            },
            Err(_) => semantic == Semantic::DenyOnFirstDeny,
        };
        answers.push(match outcome {
            Ok(d) => answer(&d, include_reasons),
            // A question that cannot be answered is denied, with the reason (AuthZEN §7.2).
            Err(message) => json!({
                "decision": false,
                "context": { "error": { "status": 400, "message": message } },
            }),
        });
        if stop {
            break;
        }
    }
    Ok(HttpResponse::Ok().json(json!({ "evaluations": answers })))
}

/// The question `parts` ask, with how the subject signed in when the caller showed the
/// subject's access token; `Ok(Err(why))` when the question itself is wrong.
async fn question(
    provider: &Provider,
    caller: &str,
    parts: Parts,
) -> Result<Result<Evaluation, String>, Refusal> {
    let asked = match parts.question() {
        Ok(a) => a,
        Err(why) => return Ok(Err(why)),
    };
    let mut evaluation = asked.evaluation;
    let Some(token) = asked.token else {
        return Ok(Ok(evaluation));
    };
    let inspected = bearer::inspect(provider, &token).await?;
    let Some((t, user_id)) = inspected.and_then(|t| t.user_id.clone().map(|u| (t, u))) else {
        return Ok(Err(
            "subject.properties.token is not an active access token of a user".into(),
        ));
    };
    // Like introspection: only the token's client or a resource it was issued for may
    // learn from it.
    let audience = match &t.aud {
        Some(Value::String(a)) => a == caller,
        Some(Value::Array(all)) => all.iter().any(|a| a.as_str() == Some(caller)),
        _ => false,
    };
    if t.client_id != caller && !audience {
        return Ok(Err(
            "subject.properties.token was not issued to or for this resource server".into(),
        ));
    }
    let mut authentication = match (&t.authentication, &t.session_id) {
        (Some(a), _) => a.clone(),
        (None, Some(sid)) => match provider.sessions.get(sid).await? {
            Some(s) => domain::policies::Authentication {
                user_id: None,
                acr: s.acr,
                amr: serde_json::from_value(s.amr).unwrap_or_default(),
                auth_time: Some(s.auth_time.unix_timestamp()),
            },
            None => domain::policies::Authentication::default(),
        },
        (None, None) => domain::policies::Authentication::default(),
    };
    authentication.user_id = Some(user_id);
    evaluation.authentication = Some(authentication);
    Ok(Ok(evaluation))
}

/// `GET /.well-known/authzen-configuration` (AuthZEN 1.0 §9: PDP metadata).
pub async fn metadata(provider: web::Data<Provider>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "policy_decision_point": provider.settings.issuer,
        "access_evaluation_endpoint": provider.url(crate::paths::ACCESS_EVALUATION),
        "access_evaluations_endpoint": provider.url(crate::paths::ACCESS_EVALUATIONS),
    }))
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Refusal> {
    if body.len() > BODY_LIMIT {
        return Err(Refusal::BadRequest("the request body is too large".into()));
    }
    serde_json::from_slice(body)
        .map_err(|e| Refusal::BadRequest(format!("the body is not an AuthZEN request: {e}")))
}

/// The authenticated resource server's client_id, after its request budget is spent.
async fn caller(provider: &Provider, req: &HttpRequest) -> Result<String, Refusal> {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let client_id = match authorization.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer")
                && domain::apikeys::looks_like_key(token.trim()) =>
        {
            return api_key_caller(provider, req, token.trim()).await;
        }
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            // Only a client's own token (client_credentials) speaks for it; a user's token
            // issued to the client does not.
            let inspected = bearer::inspect(provider, token.trim()).await?;
            match inspected {
                Some(t) if t.user_id.is_none() => {
                    let client = provider.clients.find(&t.client_id).await?;
                    match client {
                        Some(c) if !c.public => c.client_id,
                        _ => return Err(OAuthError::invalid_client().into()),
                    }
                }
                _ => {
                    return Err(OAuthError::new(
                        crate::error::ErrorCode::InvalidToken,
                        "the bearer token is not an active client_credentials access token",
                    )
                    .into());
                }
            }
        }
        _ => {
            let none = crate::params::Params::parse(b"")
                .map_err(|e| Refusal::BadRequest(e.to_string()))?;
            let client = limits::authenticate(provider, req, &none).await?;
            if client.public {
                return Err(OAuthError::invalid_client().into());
            }
            client.client_id
        }
    };
    limits::principal(provider, &format!("client:{client_id}"), &[], None).await?;
    Ok(client_id)
}

/// The resource server an API key asks for (its `resource_server` query parameter), after
/// the key is verified to hold [`DECIDE_PERMISSION`] and its budgets are spent.
async fn api_key_caller(
    provider: &Provider,
    req: &HttpRequest,
    presented: &str,
) -> Result<String, Refusal> {
    let verified = match provider.api_keys.verify(presented).await? {
        domain::apikeys::Verification::Valid(v) => v,
        domain::apikeys::Verification::Revoked(key) => {
            let event =
                AuditEvent::failure("apikey.used_after_revocation", "revoked key presented")
                    .data(json!({ "api_key": key.id, "owner_type": key.owner_type, "owner_id": key.owner_id, "at": "decision" }));
            if let Err(e) = provider.audit.record(event).await {
                tracing::warn!(error = %e, "could not audit the use of a revoked API key");
            }
            return Err(invalid_key().into());
        }
        domain::apikeys::Verification::Invalid => return Err(invalid_key().into()),
    };
    let limit = verified
        .key
        .rate_limit_per_minute
        .map(|n| (verified.key.id.as_str(), n));
    limits::principal(provider, &verified.subject, &verified.roles, limit).await?;
    if !verified.permissions.iter().any(|p| p == DECIDE_PERMISSION) {
        return Err(Refusal::Forbidden(format!(
            "the API key does not hold the permission {DECIDE_PERMISSION}"
        )));
    }
    let resource_server = web::Query::<ResourceServer>::from_query(req.query_string())
        .map(|q| q.into_inner().resource_server)
        .unwrap_or_default();
    if resource_server.is_empty() {
        return Err(Refusal::BadRequest(
            "an API key names the resource server whose policies answer: ?resource_server=CLIENT_ID"
                .into(),
        ));
    }
    match provider.clients.find(&resource_server).await? {
        Some(c) => Ok(c.client_id),
        None => Err(Refusal::BadRequest(format!(
            "unknown resource_server {resource_server:?}"
        ))),
    }
}

/// The query of a decision request made with an API key.
#[derive(Debug, Default, serde::Deserialize)]
struct ResourceServer {
    #[serde(default)]
    resource_server: String,
}

fn invalid_key() -> OAuthError {
    OAuthError::new(
        crate::error::ErrorCode::InvalidToken,
        "the API key is not active",
    )
}

fn facts(req: &HttpRequest, caller: &str) -> RequestFacts {
    let ip = domain::net::ClientIp::or_peer(req.extensions().get(), req.peer_addr())
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    RequestFacts {
        now: time::OffsetDateTime::now_utc(),
        client_id: caller.to_owned(),
        ip,
    }
}

fn answer(d: &Decision, include_reasons: bool) -> Value {
    let mut context = serde_json::Map::new();
    if include_reasons {
        context.insert("reasons".into(), json!(d.reasons));
    }
    if !d.errors.is_empty() {
        context.insert("errors".into(), json!(d.errors));
    }
    if context.is_empty() {
        json!({ "decision": d.decision })
    } else {
        json!({ "decision": d.decision, "context": context })
    }
}

/// Writes a sample of decisions (`policies.decision_audit_rate`), and every one whose
/// policies failed to evaluate, to the audit log. A failure to write is logged, not fatal.
async fn audit(provider: &Provider, caller: &str, q: &Evaluation, d: &Decision) {
    let outcome = match (d.errors.is_empty(), d.decision) {
        (false, _) => "error",
        (true, true) => "allow",
        (true, false) => "deny",
    };
    metrics::counter!("gatehouse_decisions_total", "decision" => outcome).increment(1);
    let rate = provider.settings.decision_audit_rate;
    let draw = f64::from(u32::from_le_bytes(domain::random::bytes::<4>())) / f64::from(u32::MAX);
    if d.errors.is_empty() && draw >= rate {
        return;
    }
    let event = AuditEvent::success("authz.decision")
        .client(caller.to_owned())
        .data(json!({
            "subject": q.subject,
            "action": q.action,
            "resource": format!("{}:{}", q.resource_type, q.resource_id),
            "decision": d.decision,
            "reasons": d.reasons,
            "errors": d.errors,
        }));
    if let Err(e) = provider.audit.record(event).await {
        tracing::warn!(error = %e, "could not audit a policy decision");
    }
}
