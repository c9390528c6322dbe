//! Accepting an invitation (`/invitation?token=...`): the invitee chooses a password and
//! lands signed in, with the roles the invitation carries.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::audit::AuditEvent;
use domain::users::{NewUser, Purpose, UserStatus};
use serde::Deserialize;

use crate::LoginUi;
use crate::flow::acr::ACR_SINGLE_FACTOR;
use crate::flow::completion::{Factors, complete};
use crate::flow::purpose::SignInFor;
use crate::web::audit::record;
use crate::web::csp::Csp;
use crate::web::csrf;
use crate::web::csrf_form::{CsrfForm, has_csrf};
use crate::web::errors::PageResult;
use crate::web::fields::check_name;
use crate::web::render::{self, Next, end_page};

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage<'a> {
    csrf: &'a str,
    token: &'a str,
    email: &'a str,
    name: &'a str,
    min_length: usize,
    error: Option<&'a str>,
    name_error: Option<String>,
    password_error: Option<String>,
}

/// The invitation link's query.
#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The acceptance form.
#[derive(Debug, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

fn dead() -> HttpResponse {
    end_page(
        StatusCode::BAD_REQUEST,
        &crate::t("invitation-broken-title"),
        &crate::t("invitation-broken"),
        &Next::sign_in(),
    )
}

/// The roles an invitation grants (its `data.roles`).
fn roles_of(row: &domain::entities::user_token::Model) -> Vec<String> {
    row.data
        .as_ref()
        .and_then(|d| d.get("roles"))
        .and_then(|r| serde_json::from_value(r.clone()).ok())
        .unwrap_or_default()
}

/// `GET /invitation?token=...`
pub async fn show(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<TokenQuery>,
) -> PageResult {
    let row = match ui.tokens.peek(Purpose::Invitation, &query.token).await {
        Ok(Some(row)) => row,
        Ok(None) => return Ok(dead()),
        Err(e) => return Err(e.into()),
    };
    let (csrf_token, cookie) = csrf::issue(&ui, &req);
    let view = InvitationPage {
        csrf: &csrf_token,
        token: &query.token,
        email: &row.email,
        name: "",
        min_length: ui.settings.password_policy.min_length,
        error: None,
        name_error: None,
        password_error: None,
    };
    Ok(csrf::attach(
        render::page(StatusCode::OK, &view, &Csp::page()),
        cookie,
    ))
}

/// `POST /invitation`: creates the account, grants the roles, signs the invitee in.
pub async fn accept(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: CsrfForm<AcceptForm>,
) -> PageResult {
    let row = match ui.tokens.peek(Purpose::Invitation, &form.token).await {
        Ok(Some(row)) => row,
        Ok(None) => return Ok(dead()),
        Err(e) => return Err(e.into()),
    };
    let name = form.name.trim();
    let name_error = check_name(name).err();
    let password_error = ui
        .settings
        .password_policy
        .check(&form.password, &[row.email.as_str(), name])
        .err()
        .map(|e| crate::i18n::password_rejection(&e));
    if name_error.is_some() || password_error.is_some() {
        let (csrf_token, cookie) = csrf::issue(&ui, &req);
        let correct_fields = crate::t("error-correct-fields");
        let view = InvitationPage {
            csrf: &csrf_token,
            token: &form.token,
            email: &row.email,
            name: &form.name,
            min_length: ui.settings.password_policy.min_length,
            error: Some(&correct_fields),
            name_error,
            password_error,
        };
        return Ok(csrf::attach(
            render::page(StatusCode::UNPROCESSABLE_ENTITY, &view, &Csp::page()),
            cookie,
        ));
    }
    let used = match ui.tokens.consume(Purpose::Invitation, &form.token).await {
        Ok(Some(t)) => t,
        Ok(None) => return Ok(dead()),
        Err(e) => return Err(e.into()),
    };
    let created = ui
        .users
        .create(NewUser {
            email: used.email.clone(),
            password: Some(form.password.clone()),
            // The link was mailed to this address: opening it proves the mailbox.
            email_verified: true,
            display_name: (!name.is_empty()).then(|| name.to_owned()),
            status: UserStatus::Active,
        })
        .await;
    let user = match created {
        Ok(u) => u,
        Err(domain::Error::Conflict(_)) => {
            return Ok(end_page(
                StatusCode::CONFLICT,
                &crate::t("invitation-exists-title"),
                &crate::t("invitation-exists"),
                &Next::sign_in(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    for role in roles_of(&used) {
        if let Err(e) = ui.roles.grant(&role, &used.email).await {
            // A role deleted since the invitation is skipped, not fatal to the account.
            tracing::warn!(error = %e, role = %role, "cannot grant an invited role");
        }
    }
    record(
        &ui,
        &req,
        AuditEvent::success("invitation.accepted")
            .subject(user.id.clone())
            .data(serde_json::json!({ "roles": roles_of(&used) })),
    )
    .await;
    let factors = Factors {
        amr: vec!["pwd".into()],
        acr: ACR_SINGLE_FACTOR,
        remember: false,
    };
    let to_account = SignInFor::Local("/account".into());
    complete(&ui, &req, &user, factors, to_account, "").await
}

has_csrf!(AcceptForm);
