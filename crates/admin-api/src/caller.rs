//! Who calls the admin API: a bearer access token of Gatehouse carrying `gatehouse:*`
//! scopes for a user holding those roles (signed in with a second factor), or an API key
//! whose owner holds `gatehouse:*` roles.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, http::header, web};
use domain::admin::{Access, Actor, Area, Principal, Via};
use domain::apikeys::{Owner, Verification};

use crate::AdminApi;
use crate::problem::ApiError;

/// An authenticated administrator (any `gatehouse:*` role in force).
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    /// The caller [`authenticate`] found before the handler ran (the admin API: before any
    /// body is read); elsewhere (SCIM, whose handlers read raw bodies) identified here.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let known = req.extensions().get::<Caller>().cloned();
        let req = req.clone();
        Box::pin(async move {
            match known {
                Some(caller) => Ok(caller),
                None => identify(&req).await,
            }
        })
    }
}

/// Middleware of the admin scope: authenticates the caller and requires some administrative
/// role, answering 401 or 403 before anything else happens; the caller is kept for the
/// handlers.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let checked = identify(req.request()).await.and_then(|caller| {
        // The route's area, checked before any body is read (the domain checks again).
        let (area, access) = area_of(req.path(), req.method());
        caller.0.require(area, access)?;
        Ok(caller)
    });
    match checked {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err(e) => Ok(req.error_response(e)),
    }
}

/// The area a route of the API touches, by its first segment, and whether it changes
/// anything (every method but GET and HEAD).
fn area_of(path: &str, method: &actix_web::http::Method) -> (Area, Access) {
    let rest = path.strip_prefix(crate::PREFIX).unwrap_or(path);
    let area = match rest.trim_start_matches('/').split('/').next() {
        Some("users") => Area::Users,
        // Initial access tokens admit client registrations.
        Some("clients" | "initial-tokens") => Area::Clients,
        Some("audit") => Area::Audit,
        _ => Area::System,
    };
    let read = matches!(
        *method,
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    );
    (area, if read { Access::Read } else { Access::Write })
}

/// Who the request comes from, with some administrative role in force.
async fn identify(req: &HttpRequest) -> Result<Caller, ApiError> {
    let api = req
        .app_data::<web::Data<AdminApi>>()
        .cloned()
        .ok_or_else(|| ApiError::Domain(domain::Error::Task("admin API not configured".into())))?;
    let token = bearer(req)?;
    let mut actor = if domain::apikeys::looks_like_key(token) {
        by_api_key(&api, token).await?
    } else {
        by_access_token(&api, token).await?
    };
    actor.ip = domain::net::ClientIp::or_peer(req.extensions().get(), req.peer_addr())
        .map(|ip| ip.to_string());
    actor.request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if !actor.is_admin_of_anything() {
        return Err(domain::Error::Forbidden(format!(
            "this needs one of the roles {}",
            domain::admin::ADMIN_ROLES.join(", ")
        ))
        .into());
    }
    Ok(Caller(actor))
}

fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::Unauthenticated("send Authorization: Bearer <token or API key>".into())
        })?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::Unauthenticated("malformed Authorization header".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthenticated("use the Bearer scheme".into()));
    }
    Ok(token.trim())
}

async fn by_api_key(api: &AdminApi, presented: &str) -> Result<Actor, ApiError> {
    let verified = match api.provider.api_keys.verify(presented).await? {
        Verification::Valid(v) => v,
        Verification::Revoked(_) | Verification::Invalid => {
            return Err(ApiError::Unauthenticated("the API key is not valid".into()));
        }
    };
    let principal = match verified.key.owner() {
        Owner::User(id) => Principal::User(id),
        Owner::ServiceAccount(id) => Principal::ServiceAccount(id),
    };
    let mut actor = Actor::new(principal, &verified.roles, Via::Api);
    actor.api_key_id = Some(verified.key.id.clone());
    Ok(actor)
}

async fn by_access_token(api: &AdminApi, token: &str) -> Result<Actor, ApiError> {
    let inspected = auth_server::bearer::inspect(&api.provider, token)
        .await
        .map_err(|e| ApiError::Unauthenticated(e.to_string()))?
        .ok_or_else(|| ApiError::Unauthenticated("the access token is not active".into()))?;
    let Some(user_id) = inspected.user_id.clone() else {
        return Err(domain::Error::Forbidden(
            "a client's own token cannot administer: use an administrator's token or an API key"
                .into(),
        )
        .into());
    };
    // The token's scopes narrow what the user's roles allow.
    let scopes: Vec<String> = inspected.scope.split(' ').map(str::to_owned).collect();
    let held = api.provider.roles.effective(&user_id).await?.roles;
    let in_force: Vec<String> = held.into_iter().filter(|r| scopes.contains(r)).collect();
    if api.require_mfa && !in_force.is_empty() && !second_factor(api, &inspected).await? {
        return Err(domain::Error::Forbidden(
            "administration needs a sign-in with a second factor".into(),
        )
        .into());
    }
    Ok(Actor::new(Principal::User(user_id), &in_force, Via::Api))
}

/// Whether the sign-in behind the token used a second factor: the JWT's `amr`, or the
/// browser session's for an opaque token.
async fn second_factor(
    api: &AdminApi,
    inspected: &auth_server::bearer::Inspected,
) -> Result<bool, ApiError> {
    let amr: Vec<String> = match (&inspected.authentication, &inspected.session_id) {
        (Some(a), _) => a.amr.clone(),
        (None, Some(sid)) => match api.provider.sessions.get(sid).await? {
            Some(s) => serde_json::from_value(s.amr).unwrap_or_default(),
            None => Vec::new(),
        },
        (None, None) => Vec::new(),
    };
    Ok(domain::federation::shows_second_factor(&amr))
}
