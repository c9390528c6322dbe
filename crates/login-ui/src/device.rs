//! The device page (`/device`, RFC 8628 3.3): a signed-in person types the user code a TV,
//! console or command-line tool shows, sees which application asks for what (in the consent
//! page's words), and allows or denies it. The decision goes to the domain's device
//! authorizations; the device picks it up at the token endpoint. Every code entered is
//! counted against the shared rate limiter per IP address and per session.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::clients::Client;
use domain::grants::DeviceApproval;
use domain::grants::device::{display_user_code, normalize_user_code};
use domain::signin_rules::ACR_MULTI_FACTOR;
use serde::Deserialize;

use crate::LoginUi;
use crate::flow::signed_in::{SignedIn, SignedInForm, signed_in};
use crate::web::audit::record;
use crate::web::csp::Csp;
use crate::web::csrf_form::has_csrf;
use crate::web::errors::PageResult;
use crate::web::scopes::describe;
use crate::web::throttle::device_code_allowed;
use crate::web::{csrf, render};

#[derive(Template)]
#[template(path = "device.html")]
struct EntryPage<'a> {
    user_code: &'a str,
    email: &'a str,
    csrf: &'a str,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "device_confirm.html")]
struct ConfirmPage<'a> {
    client: &'a Client,
    user_code: &'a str,
    scopes: Vec<String>,
    email: &'a str,
    csrf: &'a str,
}

/// Query of `GET /device`.
#[derive(Debug, Deserialize)]
pub struct DeviceQuery {
    #[serde(default)]
    user_code: String,
}

/// The code form.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user_code: String,
}

/// The Allow / Deny form.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user_code: String,
    #[serde(default)]
    decision: String,
}

has_csrf!(CodeForm, DecisionForm);

/// `GET /device[?user_code=XXXX-XXXX]`: the code form, prefilled; signing in first.
pub async fn show(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<DeviceQuery>,
) -> PageResult {
    // Only a well-formed code travels through the sign-in (and is shown prefilled).
    let code = normalize_user_code(&query.user_code).map(|c| display_user_code(&c));
    let Some(me) = signed_in(&ui, &req).await? else {
        let back = match &code {
            Some(c) => format!("/device?user_code={c}"),
            None => "/device".to_owned(),
        };
        let mut to = url::form_urlencoded::Serializer::new(String::new());
        to.append_pair("next", &back);
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/login?{}", to.finish())))
            .finish());
    };
    Ok(entry(
        &ui,
        &req,
        &me,
        code.as_deref().unwrap_or_default(),
        None,
    ))
}

/// `POST /device`: looks the code up; the confirmation, or the form again.
pub async fn submit(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<CodeForm>,
) -> PageResult {
    if let Err(wait) = device_code_allowed(&ui, &req, &me.session.id).await {
        return Ok(wait.page());
    }
    let Some(row) = ui.devices.pending(&form.user_code).await? else {
        return Ok(invalid_code(&ui, &req, &me, &form.user_code));
    };
    let client = ui.clients.get(&row.client_id).await?;
    let user_code = normalize_user_code(&form.user_code)
        .map(|c| display_user_code(&c))
        .unwrap_or_default();
    let (token, cookie) = csrf::issue_signed_in(&ui, &req);
    let label = me.user.label();
    let page = ConfirmPage {
        client: &client,
        user_code: &user_code,
        scopes: row.scope.split(' ').map(describe).collect(),
        email: &label,
        csrf: &token,
    };
    Ok(csrf::attach(
        render::page(StatusCode::OK, &page, &Csp::page()),
        cookie,
    ))
}

/// `POST /device/confirm`: Allow or Deny, with the session's sign-in.
pub async fn decide(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<DecisionForm>,
) -> PageResult {
    let allow = match form.decision.as_str() {
        "allow" => true,
        "deny" => false,
        _ => {
            return Ok(render::error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &crate::t("consent-choose"),
            ));
        }
    };
    // Counted too: deciding is another way of trying a code.
    if let Err(wait) = device_code_allowed(&ui, &req, &me.session.id).await {
        return Ok(wait.page());
    }
    let Some(pending) = ui.devices.pending(&form.user_code).await? else {
        return Ok(invalid_code(&ui, &req, &me, &form.user_code));
    };
    let client = ui.clients.get(&pending.client_id).await?;
    if allow && !second_factor_satisfied(&ui, &me, &client).await? {
        return Ok(render::notice(
            StatusCode::FORBIDDEN,
            &crate::t1("consent-title", "client", &client.name),
            &crate::t1("device-needs-second-factor", "client", &client.name),
        ));
    }
    let decided = if allow {
        let amr: Vec<String> = serde_json::from_value(me.session.amr.clone()).unwrap_or_default();
        ui.devices
            .approve(
                &form.user_code,
                DeviceApproval {
                    user_id: me.user.id.clone(),
                    session_id: me.session.id.clone(),
                    auth_time: me.session.auth_time,
                    acr: me.session.acr.clone(),
                    amr,
                },
            )
            .await?
    } else {
        ui.devices.deny(&form.user_code, &me.user.id).await?
    };
    // Decided by another tab in the meantime, or expired: as an unknown code.
    let Some(row) = decided else {
        return Ok(invalid_code(&ui, &req, &me, &form.user_code));
    };
    let scopes: Vec<&str> = row.scope.split(' ').collect();
    if allow {
        // As on the consent page: the application shows among the account's connected
        // apps, where access can be withdrawn.
        let owned: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        ui.consents
            .grant(&me.user.id, &client.client_id, &owned)
            .await?;
    }
    let event = if allow {
        AuditEvent::success("device.approved")
    } else {
        AuditEvent::failure("device.denied", "the user denied the device")
    };
    record(
        &ui,
        &req,
        event
            .subject(me.user.id.clone())
            .client(client.client_id.clone())
            .data(serde_json::json!({ "scopes": scopes })),
    )
    .await;
    let (title, message) = if allow {
        ("device-approved-title", "device-approved")
    } else {
        ("device-denied-title", "device-denied")
    };
    Ok(render::notice(
        StatusCode::OK,
        &crate::t(title),
        &crate::t1(message, "client", &client.name),
    ))
}

/// The code form for `me`, with `user_code` filled in and an optional error.
fn entry(
    ui: &LoginUi,
    req: &HttpRequest,
    me: &SignedIn,
    user_code: &str,
    error: Option<String>,
) -> HttpResponse {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let (token, cookie) = csrf::issue_signed_in(ui, req);
    let label = me.user.label();
    let page = EntryPage {
        user_code,
        email: &label,
        csrf: &token,
        error,
    };
    csrf::attach(render::page(status, &page, &Csp::page()), cookie)
}

/// The form again, saying the code is not valid: the same answer for a malformed, unknown,
/// expired or already decided code.
fn invalid_code(ui: &LoginUi, req: &HttpRequest, me: &SignedIn, typed: &str) -> HttpResponse {
    // What was typed is shown back (escaped by the template), bounded.
    let typed: String = typed.chars().take(20).collect();
    entry(ui, req, me, &typed, Some(crate::t("device-code-invalid")))
}

/// Whether the session's sign-in satisfies a second-factor requirement of the policy or of
/// the client, as `/authorize` would demand it.
async fn second_factor_satisfied(
    ui: &LoginUi,
    me: &SignedIn,
    client: &Client,
) -> Result<bool, domain::Error> {
    if me.session.acr.as_deref() == Some(ACR_MULTI_FACTOR) {
        return Ok(true);
    }
    let policy = &ui.settings.mfa_policy;
    if policy.required_for_all || client.require_mfa {
        return Ok(false);
    }
    if policy.required_roles.is_empty() {
        return Ok(true);
    }
    Ok(!policy.requires(&ui.roles.roles_of(&me.user.id).await?, false))
}
