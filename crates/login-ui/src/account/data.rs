//! "Your data" and "delete my account": the export, and erasing the account.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use domain::audit::AuditEvent;
use serde::Deserialize;

use super::console::{Problems, Section, Typed};
use super::{Reentered, SignedIn, SignedInForm, reenter, refuse};
use crate::LoginUi;
use crate::flow::session_cookie::removed_session_cookie;
use crate::io::mail;
use crate::web::audit::record;
use crate::web::csrf_form::has_csrf;
use crate::web::errors::PageResult;
use crate::web::render::{Next, end_page};

/// `GET /account/export`: everything stored about the user, as a JSON download.
pub async fn export(ui: web::Data<LoginUi>, req: HttpRequest, me: SignedIn) -> PageResult {
    let data = ui.users.export(&me.user.id).await?;
    record(
        &ui,
        &req,
        AuditEvent::success("user.data_exported").subject(me.user.id),
    )
    .await;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"my-account-data.json\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(serde_json::to_string_pretty(&data).unwrap_or_default()))
}

/// The deletion form.
#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

/// `POST /account/delete`: with the password re-entered, erases the account.
pub async fn delete(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<DeleteForm>,
) -> PageResult {
    match reenter(&ui, &req, &me, &form.password, "delete account").await? {
        Reentered::Right => {}
        Reentered::Wrong => {
            let problems = Problems::of("delete_password", crate::t("account-wrong-password"));
            return Ok(refuse(&ui, &req, &me, Section::Delete, problems, Typed::default()).await);
        }
        Reentered::SignedOut(res) => return Ok(res),
    }
    let alias = ui.users.erase(&me.user.id, &ui.secrets).await?;
    let mut event = AuditEvent::success("user.deleted").subject(alias);
    event.data = Some(serde_json::json!({ "by": "self" }));
    if let Err(e) = ui.audit.record(event).await {
        tracing::error!(error = %e, "cannot write an audit event");
    }
    let name = me.user.display_name.as_deref();
    if let Some(to) = me.user.email.as_deref() {
        mail::send(&ui, mail::account_deleted(to, name)).await;
    }
    // Signed out now, and without an account: signing in (or creating one) is what is left.
    let mut res = end_page(
        StatusCode::OK,
        &crate::t("account-deleted-title"),
        &crate::t("account-deleted"),
        &Next::sign_in(),
    );
    if let Err(e) = res.add_cookie(&removed_session_cookie(&ui)) {
        tracing::warn!(error = %e, "cannot clear the session cookie");
    }
    Ok(res)
}

has_csrf!(DeleteForm);
