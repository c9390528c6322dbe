//! Signing in by email ("email me a sign-in link"): Gatehouse mails a 6-digit code and a
//! single-use link, valid 10 minutes; either one signs in (and a user with an authenticator
//! app still gives its code). The request page answers the same for every address; mails are
//! limited per account (one a minute) and per IP address.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::entities::user;
use domain::users::{NewToken, Purpose, normalize_email};
use serde::Deserialize;

use super::second_factor::count_wrong_code;
use crate::LoginUi;
use crate::flow::acr::ACR_SINGLE_FACTOR;
use crate::flow::completion::{Factors, may_sign_in};
use crate::flow::next_action::after_token;
use crate::flow::next_step::next_step;
use crate::flow::purpose::purpose;
use crate::io::mail;
use crate::web::audit::record;
use crate::web::csp::Csp;
use crate::web::csrf_form::{CsrfForm, has_csrf};
use crate::web::errors::{PageError, PageResult};
use crate::web::render::{self, end_page};
use crate::web::{csrf, throttle};

/// How long the code and link work.
const TTL: Duration = Duration::from_secs(600);
/// Least time between two sign-in mails to one account.
const COOLDOWN: Duration = Duration::from_secs(60);
/// Wrong codes allowed for one account before its codes stop working.
const MAX_ATTEMPTS: i64 = 5;

#[derive(Template)]
#[template(path = "email_sign_in.html")]
struct RequestPage<'a> {
    csrf: &'a str,
    request: &'a str,
    next: &'a str,
}

#[derive(Template)]
#[template(path = "email_code.html")]
struct CodePage<'a> {
    csrf: &'a str,
    request: &'a str,
    next: &'a str,
    email: &'a str,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "email_link.html")]
struct LinkPage<'a> {
    csrf: &'a str,
    token: &'a str,
}

/// Where the sign-in goes afterwards.
#[derive(Debug, Deserialize)]
pub struct Target {
    #[serde(default)]
    request: String,
    #[serde(default)]
    next: String,
}

/// The request form.
#[derive(Debug, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    next: String,
}

/// The code form.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    next: String,
}

/// The link's query and confirmation form.
#[derive(Debug, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
}

/// `GET /login/email?request=…&next=…`
pub async fn show(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    target: web::Query<Target>,
) -> PageResult {
    let (token, cookie) = csrf::issue(&ui, &req);
    let view = RequestPage {
        csrf: &token,
        request: &target.request,
        next: &target.next,
    };
    let csp = Csp::page().in_flow_of(&ui, &target.request).await;
    Ok(csrf::attach(
        render::page(StatusCode::OK, &view, &csp),
        cookie,
    ))
}

fn code_page(
    ui: &LoginUi,
    req: &HttpRequest,
    status: StatusCode,
    form: (&str, &str, &str),
    error: Option<&str>,
    csp: &Csp,
) -> HttpResponse {
    let (token, cookie) = csrf::issue(ui, req);
    let (email, request, next) = form;
    let view = CodePage {
        csrf: &token,
        request,
        next,
        email,
        error,
    };
    csrf::attach(render::page(status, &view, csp), cookie)
}

/// `POST /login/email`: mails a code and a link (to an account that may sign in), then asks
/// for the code. The same page for every address.
pub async fn request(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<RequestForm>,
) -> PageResult {
    // The code form is answered by a redirect to the client.
    let csp = Csp::page().in_flow_of(&ui, &form.request).await;
    let Ok(email) = normalize_email(&form.email) else {
        return Ok(code_page(
            &ui,
            &req,
            StatusCode::UNPROCESSABLE_ENTITY,
            (&form.email, &form.request, &form.next),
            Some(crate::t("error-email-invalid").as_str()),
            &csp,
        ));
    };
    if let Err(wait) = throttle::mail_allowed(&ui, &req, "email-sign-in", &email).await {
        return Ok(wait.page());
    }
    // The per-account work (lookup, code, mail, audit) runs after the answer, so that the
    // answer's timing is the same whether or not the address has an account.
    let work = (ui.clone(), req.clone(), email.clone());
    let (request, next) = (form.request.clone(), form.next.clone());
    actix_web::rt::spawn(crate::i18n::carry(async move {
        let (ui, req, email) = work;
        if let Err(e) = mail_code(&ui, &req, &email, &request, &next).await {
            tracing::error!(error = %e, "cannot mail a sign-in code");
        }
    }));
    Ok(code_page(
        &ui,
        &req,
        StatusCode::OK,
        (&email, &form.request, &form.next),
        None,
        &csp,
    ))
}

async fn mail_code(
    ui: &LoginUi,
    req: &HttpRequest,
    email: &str,
    request: &str,
    next: &str,
) -> Result<(), domain::Error> {
    let Some(user) = ui.users.find_by_email(email).await? else {
        return Ok(());
    };
    let Some(to) = user.email.clone() else {
        return Ok(());
    };
    if !may_sign_in(ui, &user) {
        return Ok(());
    }
    if crate::web::throttle::cooling_down(ui, Purpose::EmailSignIn, &user.id, COOLDOWN).await {
        return Ok(());
    }
    let (code, code_hash) = ui.tokens.new_code();
    // The client too: a link used after the request expired still leads back to its app.
    let client = crate::flow::resume::client_of(ui, request).await;
    let token = ui
        .tokens
        .issue_new(NewToken {
            purpose: Purpose::EmailSignIn,
            user_id: Some(&user.id),
            email: &to,
            data: Some(serde_json::json!({
                "code_hash": code_hash, "request": request, "next": next, "client": client,
            })),
            ttl: TTL,
        })
        .await?;
    let link = format!("{}/login/email/verify?token={token}", ui.settings.issuer);
    // An unproven address is not greeted with a name its registrant chose.
    let name = user.display_name.as_deref().filter(|_| user.email_verified);
    let message = crate::i18n::Lang::for_user(user.locale.as_deref())
        .scope(|| mail::email_sign_in(&to, name, &code, &link, TTL));
    mail::send(ui, message).await;
    record(
        ui,
        req,
        AuditEvent::success("login.email_code_sent").subject(user.id),
    )
    .await;
    Ok(())
}

/// Signs the user in after the mailed code or link: through the second step when they have
/// an authenticator app.
async fn finish(
    ui: &LoginUi,
    req: &HttpRequest,
    user: &user::Model,
    request: &str,
    next: &str,
) -> PageResult {
    let Some(purpose) = purpose(ui, request, next).await else {
        return Err(PageError::RequestExpired);
    };
    let first = Factors {
        amr: vec!["otp".into()],
        acr: ACR_SINGLE_FACTOR,
        remember: false,
    };
    let target = crate::flow::next_step::Target { request, next };
    // The mailbox is one factor; a trusted browser does not replace the second one here.
    next_step(ui, req, user, purpose, target, first, false).await
}

/// `POST /login/email/code`
pub async fn code(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<CodeForm>,
) -> PageResult {
    let csp = Csp::page().in_flow_of(&ui, &form.request).await;
    let again = |message: &str| {
        code_page(
            &ui,
            &req,
            StatusCode::UNAUTHORIZED,
            (&form.email, &form.request, &form.next),
            Some(message),
            &csp,
        )
    };
    let wrong = &crate::t("error-code-wrong-mailed");
    let user = match normalize_email(&form.email) {
        Ok(email) => {
            // Per typed address, known or not, so that the limit tells nothing about accounts.
            let guess =
                crate::web::throttle::code_guess_allowed(&ui, &format!("email:{email}")).await;
            if let Err(wait) = guess {
                let message = crate::t1("error-too-many-codes", "wait", wait.words());
                let res = code_page(
                    &ui,
                    &req,
                    StatusCode::TOO_MANY_REQUESTS,
                    (&form.email, &form.request, &form.next),
                    Some(&message),
                    &csp,
                );
                return Ok(wait.on(res));
            }
            ui.users.find_by_email(&email).await?
        }
        Err(_) => None,
    };
    let Some(user) = user.filter(|u| may_sign_in(&ui, u)) else {
        return Ok(again(wrong));
    };
    let attempts = ui
        .cache
        .incr(&format!("email-code-attempts:{}", user.id), TTL)
        .await
        .unwrap_or(i64::MAX);
    if attempts > MAX_ATTEMPTS {
        if let Err(e) = ui
            .tokens
            .revoke_for_user(Purpose::EmailSignIn, &user.id)
            .await
        {
            tracing::error!(error = %e, "cannot void sign-in codes");
        }
        return Ok(again(&crate::t("error-too-many-wrong-codes-mailed")));
    }
    let used = ui
        .tokens
        .redeem_code(Purpose::EmailSignIn, &user.id, &form.code)
        .await?;
    if used.is_none() {
        record(
            &ui,
            &req,
            AuditEvent::failure("login.failed", "wrong email code").subject(user.id.clone()),
        )
        .await;
        count_wrong_code(&ui, &req, &user).await;
        return Ok(again(wrong));
    }
    // The mailbox alone must not clear wrong second-factor codes: only when it is the whole
    // sign-in (no second factor follows) does a correct code reset the count.
    if !ui.mfa.enrollment(&user.id).await.is_ok_and(|e| e.any())
        && let Err(e) = ui.users.record_good_second_factor(&user.id).await
    {
        tracing::error!(error = %e, "cannot clear the count of wrong codes");
    }
    if let Err(e) = ui
        .cache
        .delete(&format!("email-code-attempts:{}", user.id))
        .await
    {
        tracing::warn!(error = %e, "cannot reset the code attempts");
    }
    finish(&ui, &req, &user, &form.request, &form.next).await
}

/// `GET /login/email/verify?token=…`: a button (mail scanners follow links).
pub async fn link_page(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<LinkForm>,
) -> PageResult {
    let (token, cookie) = csrf::issue(&ui, &req);
    let view = LinkPage {
        csrf: &token,
        token: &query.token,
    };
    // The button is answered by a redirect to the client the link's sign-in is for.
    let request = match ui.tokens.peek(Purpose::EmailSignIn, &query.token).await {
        Ok(Some(t)) => t
            .data
            .as_ref()
            .and_then(|d| d.get("request"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned),
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a sign-in link");
            None
        }
    };
    let csp = Csp::page()
        .in_flow_of(&ui, request.as_deref().unwrap_or_default())
        .await;
    Ok(csrf::attach(
        render::page(StatusCode::OK, &view, &csp),
        cookie,
    ))
}

/// `POST /login/email/verify`
pub async fn link(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<LinkForm>,
) -> PageResult {
    // A dead link leads on to where it was for: the application, else the account or sign-in.
    let dead = async |data: Option<serde_json::Value>| -> PageResult {
        let next = after_token(&ui, &req, data.as_ref()).await;
        Ok(end_page(
            StatusCode::BAD_REQUEST,
            &crate::t("link-broken-title"),
            &crate::t("error-email-link-broken"),
            &next,
        ))
    };
    let used = match ui.tokens.consume(Purpose::EmailSignIn, &form.token).await {
        Ok(Some(t)) => t,
        Ok(None) => {
            let spent = ui
                .tokens
                .find_any(Purpose::EmailSignIn, &form.token)
                .await?;
            return dead(spent.and_then(|t| t.data)).await;
        }
        Err(e) => return Err(e.into()),
    };
    let user = match used.user_id.as_deref() {
        Some(id) => ui.users.find(id).await?,
        None => None,
    };
    let Some(user) =
        user.filter(|u| may_sign_in(&ui, u) && u.email.as_deref() == Some(used.email.as_str()))
    else {
        return dead(used.data.clone()).await;
    };
    let field = |name: &str| {
        used.data
            .as_ref()
            .and_then(|d| d.get(name))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    finish(&ui, &req, &user, &field("request"), &field("next")).await
}

has_csrf!(CodeForm, LinkForm, RequestForm);
