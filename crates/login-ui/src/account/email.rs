//! The email section: a new address is confirmed by a link mailed to it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::users::{Purpose, normalize_email};
use serde::Deserialize;

use super::console::{Problems, Section, Typed};
use super::{Reentered, SignedInForm, done, reenter, refuse};
use crate::LoginUi;
use crate::flow::next_action::signed_in_or_not;
use crate::io::mail;
use crate::web::audit::record;
use crate::web::csp::Csp;
use crate::web::csrf;
use crate::web::csrf_form::{CsrfForm, has_csrf};
use crate::web::errors::PageResult;
use crate::web::render::{self, Next, end_page};

#[derive(Template)]
#[template(path = "confirm_email_change.html")]
struct ConfirmEmailPage<'a> {
    csrf: &'a str,
    token: &'a str,
    email: &'a str,
}

/// The email change form.
#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    new_email: String,
    #[serde(default)]
    password: String,
}

/// `POST /account/email`: mails a confirmation link to the new address. The answer is the
/// same whether or not another account uses it (that owner is told by mail instead).
pub async fn change_email(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<EmailForm>,
) -> PageResult {
    // Both fields are checked, so that every problem shows at once.
    let mut problems = Problems::default();
    let new_email = match normalize_email(&form.new_email) {
        Ok(e) if me.user.email.as_deref() == Some(e.as_str()) => {
            problems.add("new_email", crate::t("account-email-error-same"));
            e
        }
        Ok(e) => e,
        Err(_) => {
            problems.add("new_email", crate::t("account-email-error-invalid"));
            String::new()
        }
    };
    match reenter(&ui, &req, &me, &form.password, "change email").await? {
        Reentered::Right => {}
        Reentered::Wrong => problems.add("email_password", crate::t("account-password-wrong")),
        Reentered::SignedOut(res) => return Ok(res),
    }
    if !problems.is_empty() {
        let typed = Typed::default().keep("new_email", &form.new_email);
        return Ok(refuse(&ui, &req, &me, Section::Email, problems, typed).await);
    }
    match ui.users.find_by_email(&new_email).await {
        Ok(Some(_)) => {
            mail::already_registered_once(&ui, &new_email).await;
        }
        Ok(None) => {
            let ttl = ui.settings.recovery.email_change_ttl;
            let issued = ui
                .tokens
                .issue(Purpose::ChangeEmail, &me.user.id, &new_email, ttl)
                .await;
            let token = issued?;
            let issuer = &ui.settings.issuer;
            mail::send(&ui, mail::change_email(issuer, &new_email, &token, ttl)).await;
        }
        Err(e) => return Err(e.into()),
    }
    done(
        &ui,
        &req,
        AuditEvent::success("user.email_change_requested").subject(me.user.id),
        "email",
    )
    .await
}

/// The confirmation link's query and form.
#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
}

/// The page of a confirmation link that does not work, leading to the account page (or to
/// sign in first).
async fn email_link_dead(ui: &LoginUi, req: &HttpRequest) -> HttpResponse {
    end_page(
        StatusCode::BAD_REQUEST,
        &crate::t("link-broken-title"),
        &crate::t("email-change-link-broken"),
        &signed_in_or_not(ui, req).await,
    )
}

/// `GET /account/email/confirm?token=...`: a confirmation button (mail scanners follow links).
pub async fn confirm_email_page(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<ConfirmForm>,
) -> PageResult {
    let row = match ui.tokens.peek(Purpose::ChangeEmail, &query.token).await {
        Ok(Some(row)) => row,
        Ok(None) => return Ok(email_link_dead(&ui, &req).await),
        Err(e) => return Err(e.into()),
    };
    let (token, cookie) = csrf::issue(&ui, &req);
    let view = ConfirmEmailPage {
        csrf: &token,
        token: &query.token,
        email: &row.email,
    };
    Ok(csrf::attach(
        render::page(StatusCode::OK, &view, &Csp::page()),
        cookie,
    ))
}

/// `POST /account/email/confirm`: moves the account to the new address and tells the old.
pub async fn confirm_email(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<ConfirmForm>,
) -> PageResult {
    let used = match ui.tokens.consume(Purpose::ChangeEmail, &form.token).await {
        Ok(Some(t)) => t,
        Ok(None) => return Ok(email_link_dead(&ui, &req).await),
        Err(e) => return Err(e.into()),
    };
    let Some(user_id) = used.user_id else {
        return Ok(email_link_dead(&ui, &req).await);
    };
    let (before, after) = match ui.users.change_email(&user_id, &used.email).await {
        Ok(pair) => pair,
        Err(domain::Error::Conflict(_)) => {
            return Ok(end_page(
                StatusCode::CONFLICT,
                &crate::t("email-change-taken-title"),
                &crate::t("email-change-taken"),
                &signed_in_or_not(&ui, &req).await,
            ));
        }
        Err(domain::Error::NotFound(_)) => return Ok(email_link_dead(&ui, &req).await),
        Err(e) => return Err(e.into()),
    };
    let name = after.display_name.as_deref();
    // The link may be opened signed out: the account's saved language, else the page's.
    let lang = crate::i18n::Lang::for_user(after.locale.as_deref());
    // An account that had no address has nobody to tell.
    if let (Some(old), Some(new)) = (before.email.as_deref(), after.email.as_deref()) {
        let changed = lang.scope(|| mail::email_changed(old, name, new));
        mail::send(&ui, changed).await;
    }
    record(
        &ui,
        &req,
        AuditEvent::success("user.email_changed").subject(after.id),
    )
    .await;
    let next = match signed_in_or_not(&ui, &req).await {
        // The account page shows the new address.
        n if n.href == "/account" => Next {
            href: "/account/email".into(),
            ..n
        },
        n => n,
    };
    Ok(end_page(
        StatusCode::OK,
        &crate::t("email-change-done-title"),
        &crate::t("email-change-done"),
        &next,
    ))
}

has_csrf!(ConfirmForm, EmailForm);
