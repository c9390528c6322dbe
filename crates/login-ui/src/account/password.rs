//! The password section's form: a new password, with the current one re-entered.

use actix_web::{HttpRequest, web};
use domain::audit::AuditEvent;
use serde::Deserialize;

use super::console::{Problems, Section, Typed};
use super::sessions::end_other_sessions;
use super::{Reentered, SignedInForm, done, reenter, refuse};
use crate::LoginUi;
use crate::flow::trusted_device;
use crate::io::mail;
use crate::web::audit::record;
use crate::web::csrf_form::has_csrf;
use crate::web::errors::PageResult;

/// The password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// `POST /account/password`
pub async fn change_password(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<PasswordForm>,
) -> PageResult {
    // Both fields are checked, so that every problem shows at once.
    let mut problems = Problems::default();
    let context = [me.user.email.as_deref().unwrap_or_default()];
    if let Err(e) = ui
        .settings
        .password_policy
        .check(&form.new_password, &context)
    {
        problems.add("new_password", crate::i18n::password_rejection(&e));
    }
    match reenter(&ui, &req, &me, &form.current_password, "change password").await? {
        Reentered::Right => {}
        Reentered::Wrong => {
            record(
                &ui,
                &req,
                AuditEvent::failure("password.change_failed", "wrong current password")
                    .subject(me.user.id.clone()),
            )
            .await;
            problems.add("current_password", crate::t("account-password-wrong"));
        }
        Reentered::SignedOut(res) => return Ok(res),
    }
    if !problems.is_empty() {
        // Passwords are never sent back into a page.
        return Ok(refuse(
            &ui,
            &req,
            &me,
            Section::Password,
            problems,
            Typed::default(),
        )
        .await);
    }
    ui.users
        .set_password(&me.user.id, &form.new_password)
        .await?;
    end_other_sessions(&ui, &me).await?;
    trusted_device::forget_all(&ui, &me.user.id).await;
    let name = me.user.display_name.as_deref();
    if let Some(to) = me.user.email.as_deref() {
        mail::send(&ui, mail::password_changed(to, name, "changed")).await;
    }
    let event = AuditEvent::success("password.changed").subject(me.user.id);
    done(&ui, &req, event, "password").await
}

has_csrf!(PasswordForm);
