//! Signing in through another identity provider (an "upstream"): the button's start, the
//! upstream's answer at the callback (GET, or a cross-site POST of `response_mode=form_post`:
//! the sign-in's state is on the server, so the answer needs no cookie), the account decision
//! of `domain::federation`, and the page where a person proves an existing account with its
//! password before an upstream identity is linked to it. The protocol itself is the
//! [`domain::federation::UpstreamProtocol`] the binary gives the pages.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::entities::user;
use domain::federation::{
    Claim, FlowStart, NewFlow, ProofReason, Refusal, Resolution, Upstream, UpstreamAnswer,
    UpstreamError, UpstreamIdentity, assurance, redirect_uri,
};
use domain::users::UserStatus;
use serde::{Deserialize, Serialize};

use crate::LoginUi;
use crate::flow::acr::ACR_MULTI_FACTOR;
use crate::flow::completion::{Factors, complete};
use crate::flow::next_step::{Target, next_step, required};
use crate::flow::purpose::{SignInFor, purpose};
use crate::flow::signed_in::SignedInForm;
use crate::web::audit::{record, with_client};
use crate::web::csp::Csp;
use crate::web::csrf_form::{CsrfForm, has_csrf};
use crate::web::errors::{PageError, PageResult};
use crate::web::{csrf, render};

/// The cookie that ties the upstream's answer to the browser that started the sign-in.
const BROWSER_COOKIE: &str = "gatehouse_upstream";
/// How long a person has to prove an account before the identity is forgotten.
const PROOF_TTL: std::time::Duration = std::time::Duration::from_secs(600);
/// How long the answer of a link sign-in waits for the browser to come back same-site.
const LINKING_TTL: std::time::Duration = std::time::Duration::from_secs(300);
/// The account page that lists links, where a link sign-in starts and ends.
const LINKED_PAGE: &str = "/account/linked";

/// An upstream as a sign-in button.
#[derive(Debug, Clone)]
pub(crate) struct Button {
    pub(crate) name: String,
    pub(crate) display_name: String,
}

/// The buttons of the sign-in page for `client_id` (none: Gatehouse's own pages).
pub(crate) async fn buttons(ui: &LoginUi, client_id: Option<&str>) -> Vec<Button> {
    match ui.federation.upstreams.offered_to(client_id).await {
        Ok(ups) => ups
            .into_iter()
            .map(|u| Button {
                name: u.name,
                display_name: u.display_name,
            })
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "cannot list the upstream identity providers");
            Vec::new()
        }
    }
}

/// Where `idp_hint` sends the sign-in of the parked request `request_id`, if it names an
/// upstream offered to its client. The hint is used once: it is taken off the request, so
/// that coming back to the sign-in page (after an upstream error) offers every way in.
pub(crate) async fn hinted(
    ui: &LoginUi,
    request_id: &str,
    pending: &mut domain::authorization::PendingRequest,
) -> Result<Option<String>, domain::Error> {
    let Some(hint) = pending.idp_hint.take() else {
        return Ok(None);
    };
    ui.requests.update(request_id, pending).await?;
    let offered = ui
        .federation
        .upstreams
        .find(&hint)
        .await?
        .filter(|u| u.offered_to(Some(&pending.client_id)));
    Ok(offered.map(|u| start_path(&u.name, request_id, "")))
}

fn start_path(name: &str, request: &str, next: &str) -> String {
    let mut url = format!("/login/upstream/{name}?");
    url.push_str(
        &url::form_urlencoded::Serializer::new(String::new())
            .append_pair("request", request)
            .append_pair("next", next)
            .finish(),
    );
    url
}

/// The sign-in page to go back to.
fn back_to_sign_in(request: &str, next: &str) -> String {
    let (name, value) = if request.is_empty() {
        ("next", next)
    } else {
        ("request", request)
    };
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish();
    format!("/login?{query}")
}

#[derive(Template)]
#[template(path = "upstream_error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
    back: &'a str,
    back_label: &'a str,
}

/// The text of the way back: to the account page, or to signing in.
fn back_label(back: &str) -> String {
    if back.starts_with("/account") {
        crate::t("link-back-to-account")
    } else {
        crate::t("upstream-back")
    }
}

/// Why an upstream sign-in stopped, as the audit log and the page say it.
struct Failure<'a> {
    upstream: Option<&'a Upstream>,
    client_id: Option<&'a str>,
    kind: &'static str,
    reason: String,
    status: StatusCode,
    message: String,
    back: String,
}

async fn fail(ui: &LoginUi, req: &HttpRequest, f: Failure<'_>) -> HttpResponse {
    fail_for(ui, req, f, None).await
}

/// [`fail`], with the account concerned (a signed-in person's link) as the event's subject.
async fn fail_for(
    ui: &LoginUi,
    req: &HttpRequest,
    f: Failure<'_>,
    subject: Option<&str>,
) -> HttpResponse {
    let mut event = with_client(AuditEvent::failure(f.kind, f.reason), f.client_id);
    if let Some(up) = f.upstream {
        event = event.data(serde_json::json!({ "upstream": up.name, "issuer": up.issuer }));
    }
    if let Some(user_id) = subject {
        event = event.subject(user_id.to_owned());
    }
    record(ui, req, event).await;
    let title = match f.upstream {
        Some(up) => crate::t1("upstream-error-title", "provider", up.display_name.as_str()),
        None => crate::t("upstream-error-title-generic"),
    };
    render::page(
        f.status,
        &ErrorPage {
            title: &title,
            message: &f.message,
            back: &f.back,
            back_label: &back_label(&f.back),
        },
        &Csp::page(),
    )
}

/// Query of `GET /login/upstream/{name}`.
#[derive(Debug, Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    request: String,
    #[serde(default)]
    next: String,
}

/// `GET /login/upstream/{name}?request=ID` (or `?next=/account`): the button. Stores the
/// sign-in's state, nonce and PKCE verifier and sends the browser to the upstream.
pub async fn start(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    name: web::Path<String>,
    query: web::Query<StartQuery>,
) -> PageResult {
    let Some(purpose) = purpose(&ui, &query.request, &query.next).await else {
        return Err(PageError::RequestExpired);
    };
    let (client_id, request, next) = match &purpose {
        SignInFor::Authorize(p) => (
            Some(p.client_id.clone()),
            query.request.clone(),
            String::new(),
        ),
        SignInFor::Local(next) => (None, String::new(), next.clone()),
    };
    let back = back_to_sign_in(&request, &next);
    let found = ui.federation.upstreams.find(&name).await?;
    let Some(upstream) = found.filter(|u| u.offered_to(client_id.as_deref())) else {
        return Ok(fail(
            &ui,
            &req,
            Failure {
                upstream: None,
                client_id: client_id.as_deref(),
                kind: "upstream.failed",
                reason: format!("no upstream {name:?} offered here"),
                status: StatusCode::NOT_FOUND,
                message: crate::t("upstream-error-unknown"),
                back,
            },
        )
        .await);
    };
    let begin = Begin {
        upstream: &upstream,
        client_id: client_id.as_deref(),
        request: &request,
        next: &next,
        link_session: None,
        back,
    };
    send_to_upstream(&ui, &req, begin).await
}

/// A sign-in (or link sign-in) about to be sent to an upstream.
struct Begin<'a> {
    upstream: &'a Upstream,
    client_id: Option<&'a str>,
    request: &'a str,
    next: &'a str,
    link_session: Option<&'a str>,
    back: String,
}

/// Stores the sign-in's state, nonce and PKCE verifier and sends the browser to the upstream.
async fn send_to_upstream(ui: &LoginUi, req: &HttpRequest, b: Begin<'_>) -> PageResult {
    let (upstream, client_id, request, next) = (b.upstream, b.client_id, b.request, b.next);
    if let Err(wait) = crate::web::throttle::upstream_start_allowed(ui, req).await {
        return Ok(wait.page());
    }
    let start = FlowStart::generate();
    let callback = redirect_uri(&ui.settings.issuer);
    let client = ui.federation.upstreams.client(upstream, &callback)?;
    let location = match ui.upstream_protocol.begin(&client, &start).await {
        Ok(url) => url,
        Err(e) => {
            tracing::warn!(upstream = %upstream.name, error = %e, "cannot start an upstream sign-in");
            return Ok(protocol_failure(ui, req, upstream, client_id, &e, b.back).await);
        }
    };
    // One binding value per browser, kept across sign-ins (two tabs do not undo each other).
    let existing = req
        .cookie(BROWSER_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| (20..=64).contains(&v.len()));
    let binding = existing.clone().unwrap_or_else(domain::random::token::<24>);
    ui.federation
        .flows
        .save(
            &start,
            NewFlow {
                upstream_id: &upstream.id,
                request_id: (!request.is_empty()).then_some(request),
                next: (!next.is_empty()).then_some(next),
                browser: Some(&binding),
                link_session: b.link_session,
            },
        )
        .await?;
    let mut event = AuditEvent::success("upstream.started")
        .data(serde_json::json!({ "upstream": upstream.name, "link": b.link_session.is_some() }));
    if b.link_session.is_some()
        && let Some(me) = crate::flow::signed_in::signed_in(ui, req).await?
    {
        event = event.subject(me.user.id);
    }
    record(ui, req, with_client(event, client_id)).await;
    let mut res = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish();
    if existing.is_none() {
        // A cross-site POST (form_post) carries only a `SameSite=None` cookie, which browsers
        // accept only with `Secure`: on an http (loopback) issuer, `Lax`.
        let secure = ui.settings.secure_cookies;
        let cookie = Cookie::build(BROWSER_COOKIE, binding)
            .path("/login/upstream")
            .http_only(true)
            .secure(secure)
            .same_site(if secure {
                SameSite::None
            } else {
                SameSite::Lax
            })
            .finish();
        if let Err(e) = res.add_cookie(&cookie) {
            tracing::error!(error = %e, "cannot set the upstream binding cookie");
        }
    }
    Ok(res)
}

/// What an upstream sends back (RFC 6749 §4.1.2, RFC 9207's `iss`; Apple's `user`).
#[derive(Debug, Deserialize)]
pub struct Answer {
    #[serde(default)]
    state: String,
    code: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    iss: Option<String>,
    /// Apple: the person's name (JSON), on the first sign-in only.
    user: Option<String>,
}

/// Largest Apple `user` field kept (a name and an address); a larger one is ignored.
const MAX_USER_FIELD: usize = 4096;

/// `GET /login/upstream/callback`
pub async fn callback_get(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    answer: web::Query<Answer>,
) -> PageResult {
    callback(&ui, &req, answer.into_inner()).await.map(bounce)
}

/// `POST /login/upstream/callback` (`response_mode=form_post`; no CSRF token: the single-use
/// state on the server is what ties the answer to its sign-in).
pub async fn callback_post(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    answer: web::Form<Answer>,
) -> PageResult {
    callback(&ui, &req, answer.into_inner()).await.map(bounce)
}

#[derive(Template)]
#[template(path = "upstream_continue.html")]
struct Continue<'a> {
    location: &'a str,
}

/// Turns a redirect to one of our pages into a page that goes there itself. The upstream's
/// answer arrives by a cross-site navigation; a redirect would stay in that navigation, in
/// which browsers send no `SameSite=Strict` cookie (the second step's). A navigation started
/// by our own page is same-site again. Cookies set by the answer stay on the page.
fn bounce(res: HttpResponse) -> HttpResponse {
    if res.status() != StatusCode::SEE_OTHER {
        return res;
    }
    let Some(location) = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .filter(|l| l.starts_with('/') && !l.starts_with("//"))
        .map(str::to_owned)
    else {
        return res;
    };
    let mut page = render::page(
        StatusCode::OK,
        &Continue {
            location: &location,
        },
        &Csp::page(),
    );
    for cookie in res.cookies() {
        if let Err(e) = page.add_cookie(&cookie) {
            tracing::error!(error = %e, "cannot carry a cookie over to the continue page");
        }
    }
    page
}

/// The answer of an upstream: claim its sign-in, check it, redeem the code, verify the ID
/// token, decide the account, and carry on as after a password.
async fn callback(ui: &LoginUi, req: &HttpRequest, answer: Answer) -> PageResult {
    let generic = |kind, reason: &str, message: &str| Failure {
        upstream: None,
        client_id: None,
        kind,
        reason: reason.to_owned(),
        status: StatusCode::BAD_REQUEST,
        message: crate::t(message),
        back: "/login".to_owned(),
    };
    let flow = match ui.federation.flows.claim(&answer.state).await? {
        Claim::Claimed(flow) => flow,
        Claim::Replayed { .. } => {
            return Ok(fail(
                ui,
                req,
                generic(
                    "upstream.failed",
                    "replayed callback",
                    "upstream-error-replayed",
                ),
            )
            .await);
        }
        Claim::Expired { .. } => {
            return Ok(fail(
                ui,
                req,
                generic("upstream.failed", "expired state", "upstream-error-expired"),
            )
            .await);
        }
        Claim::Unknown => {
            return Ok(fail(
                ui,
                req,
                generic("upstream.failed", "unknown state", "upstream-error-state"),
            )
            .await);
        }
    };
    let request = flow.request_id.clone().unwrap_or_default();
    let next = flow.next.clone().unwrap_or_default();
    let back = if flow.link_session.is_some() {
        LINKED_PAGE.to_owned()
    } else {
        back_to_sign_in(&request, &next)
    };
    let Some(purpose) = purpose(ui, &request, &next).await else {
        return Err(PageError::RequestExpired);
    };
    let client_id = match &purpose {
        SignInFor::Authorize(p) => Some(p.client_id.clone()),
        SignInFor::Local(_) => None,
    };
    let client_id = client_id.as_deref();
    let found = ui
        .federation
        .upstreams
        .find_by_id(&flow.upstream_id)
        .await?;
    let Some(upstream) = found.filter(|u| u.offered_to(client_id)) else {
        return Ok(fail(
            ui,
            req,
            Failure {
                client_id,
                back,
                status: StatusCode::NOT_FOUND,
                ..generic(
                    "upstream.failed",
                    "upstream removed or disabled",
                    "upstream-error-unknown",
                )
            },
        )
        .await);
    };
    let failure = |reason: String, message: String| Failure {
        upstream: Some(&upstream),
        client_id,
        kind: "upstream.failed",
        reason,
        status: StatusCode::BAD_REQUEST,
        message,
        back: back.clone(),
    };
    let provider = upstream.display_name.as_str();
    let cookie = req.cookie(BROWSER_COOKIE);
    if ui
        .federation
        .flows
        .other_browser(&flow, cookie.as_ref().map(|c| c.value()))
    {
        let f = failure(
            "state of another browser".into(),
            crate::t("upstream-error-state"),
        );
        return Ok(fail(ui, req, f).await);
    }
    if let Some(error) = &answer.error {
        let e = UpstreamError::Refused {
            error: error.chars().take(64).collect(),
            description: answer.error_description.clone(),
        };
        return Ok(protocol_failure(ui, req, &upstream, client_id, &e, back.clone()).await);
    }
    // RFC 9207: an answer that names its issuer must name this upstream's (mix-up defence).
    if answer
        .iss
        .as_deref()
        .is_some_and(|iss| !upstream.issuer_matches(iss))
    {
        let f = failure(
            "issuer mismatch".into(),
            crate::t1("upstream-error-token", "provider", provider),
        );
        return Ok(fail(ui, req, f).await);
    }
    let Some(code) = answer
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 2048)
    else {
        let e = UpstreamError::Refused {
            error: "no code".into(),
            description: None,
        };
        return Ok(protocol_failure(ui, req, &upstream, client_id, &e, back.clone()).await);
    };
    let callback = redirect_uri(&ui.settings.issuer);
    let client = ui.federation.upstreams.client(&upstream, &callback)?;
    let answer = UpstreamAnswer {
        code: code.to_owned(),
        user: answer.user.filter(|u| u.len() <= MAX_USER_FIELD),
    };
    let identity = match ui.upstream_protocol.finish(&client, &flow, &answer).await {
        Ok(identity) => identity,
        Err(e) => {
            tracing::warn!(upstream = %upstream.name, error = %e, "upstream sign-in failed");
            return Ok(protocol_failure(ui, req, &upstream, client_id, &e, back.clone()).await);
        }
    };
    if let Some(session_id) = flow.link_session.clone() {
        return park_link(ui, &upstream, identity, session_id).await;
    }
    let target = Target {
        request: &request,
        next: &next,
    };
    decide(ui, req, &upstream, identity, purpose, target).await
}

/// The page and audit event of a protocol failure.
async fn protocol_failure(
    ui: &LoginUi,
    req: &HttpRequest,
    upstream: &Upstream,
    client_id: Option<&str>,
    e: &UpstreamError,
    back: String,
) -> HttpResponse {
    let provider = upstream.display_name.as_str();
    let (message, status) = match e {
        UpstreamError::Unavailable(_) => (
            crate::t1("upstream-error-unavailable", "provider", provider),
            StatusCode::BAD_GATEWAY,
        ),
        UpstreamError::Refused { error, .. } => (
            crate::t2(
                "upstream-error-refused",
                "provider",
                provider,
                "error",
                error.as_str(),
            ),
            StatusCode::BAD_REQUEST,
        ),
        UpstreamError::InvalidToken(_) => (
            crate::t1("upstream-error-token", "provider", provider),
            StatusCode::BAD_GATEWAY,
        ),
        UpstreamError::NonceMismatch => (
            crate::t1("upstream-error-nonce", "provider", provider),
            StatusCode::BAD_REQUEST,
        ),
    };
    let reason = match e {
        UpstreamError::Refused { error, .. } => format!("{}: {error}", e.reason()),
        _ => e.reason().to_owned(),
    };
    fail(
        ui,
        req,
        Failure {
            upstream: Some(upstream),
            client_id,
            kind: "upstream.failed",
            reason,
            status,
            message,
            back,
        },
    )
    .await
}

/// Applies the account decision to a verified identity.
async fn decide(
    ui: &LoginUi,
    req: &HttpRequest,
    upstream: &Upstream,
    identity: UpstreamIdentity,
    purpose: SignInFor,
    target: Target<'_>,
) -> PageResult {
    let client_id = match &purpose {
        SignInFor::Authorize(p) => Some(p.client_id.clone()),
        SignInFor::Local(_) => None,
    };
    let client_id = client_id.as_deref();
    let back = back_to_sign_in(target.request, target.next);
    let provider = upstream.display_name.as_str();
    let data = serde_json::json!({
        "upstream": upstream.name,
        "issuer": identity.issuer,
        "upstream_subject": identity.subject,
    });
    let guest = crate::signin::guest::current_guest(ui, req).await?;
    match ui
        .federation
        .links
        .resolve(upstream, &identity, guest.as_ref())
        .await?
    {
        Resolution::SignIn { user, arrival } => {
            use domain::federation::Arrival;
            if arrival != Arrival::Linked {
                if arrival == Arrival::Created {
                    let event = AuditEvent::success("user.created")
                        .subject(user.id.clone())
                        .data(serde_json::json!({ "via": "upstream", "upstream": upstream.name }));
                    record(ui, req, with_client(event, client_id)).await;
                }
                if arrival == Arrival::FromGuest {
                    let event = AuditEvent::success("user.registered")
                        .subject(user.id.clone())
                        .data(serde_json::json!({ "from_guest": true, "via": "upstream", "upstream": upstream.name }));
                    record(ui, req, with_client(event, client_id)).await;
                }
                let mut d = data.clone();
                d["how"] = arrival.as_str().into();
                let event = AuditEvent::success("upstream.linked")
                    .subject(user.id.clone())
                    .data(d);
                record(ui, req, with_client(event, client_id)).await;
            }
            signed_in(ui, req, &user, &identity, None, purpose, target, upstream).await
        }
        Resolution::Prove { user, reason } => {
            let event = AuditEvent::failure("upstream.link_required", reason.as_str())
                .subject(user.id.clone())
                .data(data);
            record(ui, req, with_client(event, client_id)).await;
            let token = domain::random::token::<32>();
            let proof = Proof {
                upstream_id: upstream.id.clone(),
                user_id: user.id.clone(),
                identity,
                reason: reason_key(reason).to_owned(),
                request: target.request.to_owned(),
                next: target.next.to_owned(),
            };
            let bytes =
                serde_json::to_vec(&proof).map_err(|e| domain::Error::Corrupt(e.to_string()))?;
            ui.cache.set(&proof_key(&token), &bytes, PROOF_TTL).await?;
            Ok(link_page(
                ui,
                req,
                &proof,
                &token,
                &user.label(),
                provider,
                None,
                StatusCode::OK,
            ))
        }
        Resolution::Refused(refusal) => {
            let event = AuditEvent::failure("upstream.refused", refusal.as_str()).data(data);
            record(ui, req, with_client(event, client_id)).await;
            let key = match refusal {
                Refusal::Denied => "upstream-error-denied",
                Refusal::NoEmail => "upstream-error-no-email",
                Refusal::NoAccount => "upstream-error-no-account",
                Refusal::CannotProve(_) => "upstream-error-cannot-prove",
            };
            let title = crate::t1("upstream-error-title", "provider", provider);
            Ok(render::page(
                StatusCode::FORBIDDEN,
                &ErrorPage {
                    title: &title,
                    message: &crate::t1(key, "provider", provider),
                    back: &back,
                    back_label: &back_label(&back),
                },
                &Csp::page(),
            ))
        }
    }
}

/// The account may sign in: its claim-to-role mapping applied, the second factor when due
/// (unless the upstream is trusted for MFA and did one), consent, back to the application.
/// `also` is a method proved here besides the upstream's (`pwd` of a linking proof).
#[allow(clippy::too_many_arguments)]
async fn signed_in(
    ui: &LoginUi,
    req: &HttpRequest,
    user: &user::Model,
    identity: &UpstreamIdentity,
    also: Option<&str>,
    purpose: SignInFor,
    target: Target<'_>,
    upstream: &Upstream,
) -> PageResult {
    let client_id = match &purpose {
        SignInFor::Authorize(p) => Some(p.client_id.clone()),
        SignInFor::Local(_) => None,
    };
    let status =
        UserStatus::at(user, time::OffsetDateTime::now_utc()).unwrap_or(UserStatus::Disabled);
    if let Some(refusal) = super::password::refusal(ui, status, user) {
        let event = AuditEvent::failure("login.failed", format!("account {status}"))
            .subject(user.id.clone())
            .data(serde_json::json!({ "upstream": upstream.name }));
        record(ui, req, with_client(event, client_id.as_deref())).await;
        let title = crate::t1(
            "upstream-error-title",
            "provider",
            upstream.display_name.as_str(),
        );
        let back = back_to_sign_in(target.request, target.next);
        return Ok(render::page(
            StatusCode::FORBIDDEN,
            &ErrorPage {
                title: &title,
                message: &refusal,
                back: &back,
                back_label: &back_label(&back),
            },
            &Csp::page(),
        ));
    }
    ui.federation
        .mappings
        .apply(upstream, &user.id, &identity.claims)
        .await?;
    let counts = assurance(upstream, identity);
    let mut amr = counts.amr;
    if let Some(method) = also
        && !amr.iter().any(|m| m == method)
    {
        amr.insert(1, method.to_owned());
    }
    let first = Factors {
        amr,
        acr: counts.acr,
        remember: false,
    };
    // Multi-factor assurance from the upstream (its trusted `acr`, or its trusted second
    // factor) satisfies step-up; a client or policy requiring MFA takes the second factor
    // only (the upstream trusted for MFA showed one), else it is asked here.
    if counts.acr == ACR_MULTI_FACTOR
        && (counts.second_factor || !required(ui, user, &purpose).await?)
    {
        return complete(ui, req, user, first, purpose, target.request).await;
    }
    next_step(ui, req, user, purpose, target, first, true).await
}

/// An identity waiting for the person to prove the account with its address.
#[derive(Debug, Serialize, Deserialize)]
struct Proof {
    upstream_id: String,
    user_id: String,
    identity: UpstreamIdentity,
    /// The message key saying why automatic linking was not allowed.
    reason: String,
    request: String,
    next: String,
}

fn proof_key(token: &str) -> String {
    format!("upstream-proof:{token}")
}

fn reason_key(reason: ProofReason) -> &'static str {
    match reason {
        ProofReason::UpstreamEmailUnverified => "upstream-link-why-unverified",
        ProofReason::UpstreamNotTrusted => "upstream-link-why-untrusted",
        ProofReason::LocalEmailUnverified => "upstream-link-why-local",
    }
}

#[derive(Template)]
#[template(path = "upstream_link.html")]
struct LinkPage<'a> {
    provider: &'a str,
    email: &'a str,
    why: &'a str,
    proof: &'a str,
    csrf: &'a str,
    error: Option<&'a str>,
    back: &'a str,
}

#[allow(clippy::too_many_arguments)]
fn link_page(
    ui: &LoginUi,
    req: &HttpRequest,
    proof: &Proof,
    token: &str,
    email: &str,
    provider: &str,
    error: Option<&str>,
    status: StatusCode,
) -> HttpResponse {
    let (csrf_token, cookie) = csrf::issue(ui, req);
    let why = crate::t1(&proof.reason, "provider", provider);
    let back = back_to_sign_in(&proof.request, &proof.next);
    let page = LinkPage {
        provider,
        email,
        why: &why,
        proof: token,
        csrf: &csrf_token,
        error,
        back: &back,
    };
    csrf::attach(render::page(status, &page, &Csp::page()), cookie)
}

/// The password proof form.
#[derive(Debug, Deserialize)]
pub struct ProveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    proof: String,
    #[serde(default)]
    password: String,
}

has_csrf!(ProveForm);

/// `POST /login/upstream/link`: the password of the account with the upstream's address.
/// Right, the identity held on the server for this proof (never one the form names) is
/// linked, once; then the sign-in goes on with `fed` and `pwd`.
pub async fn prove(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<ProveForm>,
) -> PageResult {
    let form = form.into_inner();
    if form.proof.is_empty() || form.proof.len() > 64 {
        return Err(PageError::RequestExpired);
    }
    let key = proof_key(&form.proof);
    let Some(bytes) = ui.cache.get(&key).await? else {
        return Err(PageError::RequestExpired);
    };
    let proof: Proof =
        serde_json::from_slice(&bytes).map_err(|e| domain::Error::Corrupt(e.to_string()))?;
    let Some(upstream) = ui
        .federation
        .upstreams
        .find_by_id(&proof.upstream_id)
        .await?
    else {
        return Err(PageError::RequestExpired);
    };
    let Some(user) = ui.users.find(&proof.user_id).await? else {
        return Err(PageError::RequestExpired);
    };
    let Some(purpose) = purpose(&ui, &proof.request, &proof.next).await else {
        return Err(PageError::RequestExpired);
    };
    let client_id = match &purpose {
        SignInFor::Authorize(p) => Some(p.client_id.clone()),
        SignInFor::Local(_) => None,
    };
    let provider = upstream.display_name.as_str();
    let label = user.label();
    let retry = |message: &str, status| {
        link_page(
            &ui,
            &req,
            &proof,
            &form.proof,
            &label,
            provider,
            Some(message),
            status,
        )
    };
    match crate::web::throttle::password_allowed(&ui, &req, &label).await {
        Err(wait) => {
            let message = crate::t1("error-too-many-sign-ins", "wait", wait.words());
            return Ok(wait.on(retry(&message, StatusCode::TOO_MANY_REQUESTS)));
        }
        Ok(delay) if !delay.is_zero() => tokio::time::sleep(delay).await,
        Ok(_) => {}
    }
    let right = form.password.len() <= domain::users::MAX_PASSWORD_LEN
        && ui.users.check_password(&user.id, &form.password).await?;
    if !right {
        let event = AuditEvent::failure("upstream.proof_failed", "wrong password")
            .subject(user.id.clone())
            .data(serde_json::json!({ "upstream": upstream.name }));
        record(&ui, &req, with_client(event, client_id.as_deref())).await;
        if let Ok(true) = ui
            .users
            .record_failed_password(&user.id, ui.settings.lockout)
            .await
        {
            let event = AuditEvent::failure("user.locked", "too many failed sign-ins")
                .subject(user.id.clone());
            record(&ui, &req, event).await;
        }
        return Ok(retry(
            &crate::t("upstream-link-wrong-password"),
            StatusCode::UNAUTHORIZED,
        ));
    }
    // Spent here: a proof links one identity, once.
    if !ui.cache.delete(&key).await? {
        return Err(PageError::RequestExpired);
    }
    ui.users.record_good_password(&user).await?;
    let linked = ui
        .federation
        .links
        .link(&user.id, &upstream, &proof.identity)
        .await;
    let back = back_to_sign_in(&proof.request, &proof.next);
    match linked {
        Ok(_) => {}
        Err(domain::Error::Conflict(_)) => {
            return Ok(fail(
                &ui,
                &req,
                Failure {
                    upstream: Some(&upstream),
                    client_id: client_id.as_deref(),
                    kind: "upstream.failed",
                    reason: "identity already linked".into(),
                    status: StatusCode::CONFLICT,
                    message: crate::t1("upstream-error-already-linked", "provider", provider),
                    back,
                },
            )
            .await);
        }
        Err(e) => return Err(e.into()),
    }
    let event = AuditEvent::success("upstream.linked")
        .subject(user.id.clone())
        .data(serde_json::json!({
            "upstream": upstream.name,
            "issuer": proof.identity.issuer,
            "upstream_subject": proof.identity.subject,
            "how": "password",
        }));
    record(&ui, &req, with_client(event, client_id.as_deref())).await;
    let target = Target {
        request: &proof.request,
        next: &proof.next,
    };
    let identity = &proof.identity;
    signed_in(
        &ui,
        &req,
        &user,
        identity,
        Some("pwd"),
        purpose,
        target,
        &upstream,
    )
    .await
}

/// The form of a "Link" button on the account page.
#[derive(Debug, Deserialize)]
pub struct LinkStartForm {
    #[serde(default)]
    csrf: String,
}

has_csrf!(LinkStartForm);

/// An error page of the account's links, with the way back to them.
async fn link_failure(
    ui: &LoginUi,
    req: &HttpRequest,
    (upstream, user_id): (Option<&Upstream>, Option<&str>),
    reason: &str,
    status: StatusCode,
    message: String,
) -> HttpResponse {
    let f = Failure {
        upstream,
        client_id: None,
        kind: "upstream.link_failed",
        reason: reason.to_owned(),
        status,
        message,
        back: LINKED_PAGE.to_owned(),
    };
    fail_for(ui, req, f, user_id).await
}

/// `POST /login/upstream/{name}/link` (the account page's "Link" button): a sign-in at the
/// upstream in *link* mode, bound to this browser session; its answer links the identity to
/// this account and never signs anyone in.
pub async fn link_start(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    name: web::Path<String>,
    SignedInForm { me, form: _ }: SignedInForm<LinkStartForm>,
) -> PageResult {
    let found = ui.federation.upstreams.find(&name).await?;
    let Some(upstream) = found.filter(|u| u.offered_to(None)) else {
        let reason = format!("no upstream {name:?} offered here");
        let message = crate::t("upstream-error-unknown");
        let who = (None, Some(me.user.id.as_str()));
        return Ok(link_failure(&ui, &req, who, &reason, StatusCode::NOT_FOUND, message).await);
    };
    let mine = ui.federation.links.of_user(&me.user.id).await?;
    if mine.iter().any(|l| l.upstream == upstream.name) {
        let message = crate::t1(
            "upstream-link-error-yours",
            "provider",
            upstream.display_name.as_str(),
        );
        let reason = "account already linked to this upstream";
        return Ok(link_failure(
            &ui,
            &req,
            (Some(&upstream), Some(me.user.id.as_str())),
            reason,
            StatusCode::CONFLICT,
            message,
        )
        .await);
    }
    let begin = Begin {
        upstream: &upstream,
        client_id: None,
        request: "",
        next: LINKED_PAGE,
        link_session: Some(&me.session.id),
        back: LINKED_PAGE.to_owned(),
    };
    send_to_upstream(&ui, &req, begin).await
}

/// A link sign-in's verified identity, waiting for its browser to come back same-site.
#[derive(Debug, Serialize, Deserialize)]
struct Linking {
    upstream_id: String,
    session_id: String,
    identity: UpstreamIdentity,
}

fn linking_key(token: &str) -> String {
    format!("upstream-linking:{token}")
}

/// The answer of a link sign-in: the identity waits on the server, and the browser comes
/// back by a same-site navigation (a cross-site answer, a `form_post` above all, may carry no
/// session cookie) to [`link_finish`], which checks the session.
async fn park_link(
    ui: &LoginUi,
    upstream: &Upstream,
    identity: UpstreamIdentity,
    session_id: String,
) -> PageResult {
    let token = domain::random::token::<32>();
    let parked = Linking {
        upstream_id: upstream.id.clone(),
        session_id,
        identity,
    };
    let bytes = serde_json::to_vec(&parked).map_err(|e| domain::Error::Corrupt(e.to_string()))?;
    ui.cache
        .set(&linking_key(&token), &bytes, LINKING_TTL)
        .await?;
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", &token)
        .finish();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/login/upstream/linking?{query}")))
        .finish())
}

/// Query of `GET /login/upstream/linking`.
#[derive(Debug, Deserialize)]
pub struct LinkingQuery {
    #[serde(default)]
    token: String,
}

/// `GET /login/upstream/linking?token=…`: links the identity of a link sign-in to the
/// account of the session that started it, once. Any other browser or session, or an
/// identity linked already (to any account), gets a page saying so and nothing changes.
pub async fn link_finish(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<LinkingQuery>,
) -> PageResult {
    if query.token.is_empty() || query.token.len() > 64 {
        return Err(PageError::RequestExpired);
    }
    let key = linking_key(&query.token);
    let Some(bytes) = ui.cache.get(&key).await? else {
        return Err(PageError::RequestExpired);
    };
    // Spent at once: one answer links once.
    if !ui.cache.delete(&key).await? {
        return Err(PageError::RequestExpired);
    }
    let parked: Linking =
        serde_json::from_slice(&bytes).map_err(|e| domain::Error::Corrupt(e.to_string()))?;
    let Some(upstream) = ui
        .federation
        .upstreams
        .find_by_id(&parked.upstream_id)
        .await?
    else {
        return Err(PageError::RequestExpired);
    };
    let provider = upstream.display_name.as_str();
    let identity = &parked.identity;
    let me = crate::flow::signed_in::signed_in(&ui, &req).await?;
    let Some(me) = me.filter(|m| m.session.id == parked.session_id) else {
        let message = crate::t1("upstream-link-error-session", "provider", provider);
        let reason = "not the session that started the link";
        return Ok(link_failure(
            &ui,
            &req,
            (Some(&upstream), None),
            reason,
            StatusCode::FORBIDDEN,
            message,
        )
        .await);
    };
    let taken = |yours: bool| {
        let key = if yours {
            "upstream-link-error-yours"
        } else {
            "upstream-link-error-taken"
        };
        crate::t1(key, "provider", provider)
    };
    if let Some(existing) = ui
        .federation
        .links
        .find(&identity.issuer, &identity.subject)
        .await?
    {
        let message = taken(existing.user_id == me.user.id);
        let reason = "identity already linked";
        return Ok(link_failure(
            &ui,
            &req,
            (Some(&upstream), Some(me.user.id.as_str())),
            reason,
            StatusCode::CONFLICT,
            message,
        )
        .await);
    }
    match ui
        .federation
        .links
        .link(&me.user.id, &upstream, identity)
        .await
    {
        Ok(_) => {}
        Err(domain::Error::Conflict(_)) => {
            let reason = "identity already linked";
            return Ok(link_failure(
                &ui,
                &req,
                (Some(&upstream), Some(me.user.id.as_str())),
                reason,
                StatusCode::CONFLICT,
                taken(false),
            )
            .await);
        }
        Err(e) => return Err(e.into()),
    }
    let mut event = AuditEvent::success("upstream.linked")
        .subject(me.user.id.clone())
        .data(serde_json::json!({
            "upstream": upstream.name,
            "issuer": identity.issuer,
            "upstream_subject": identity.subject,
            "how": "account",
            "via": "account",
        }));
    event.session_id = Some(me.session.id.clone());
    record(&ui, &req, event).await;
    ui.federation
        .mappings
        .apply(&upstream, &me.user.id, &identity.claims)
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("{LINKED_PAGE}?done=linked")))
        .finish())
}
