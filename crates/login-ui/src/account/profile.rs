//! The profile section's form: names, picture, language, time zone, phone number.

use actix_web::{HttpRequest, web};
use domain::audit::AuditEvent;
use serde::Deserialize;

use super::console::Section;
use super::{SignedInForm, done, profile_form, refuse};
use crate::LoginUi;
use crate::web::csrf_form::has_csrf;
use crate::web::errors::PageResult;

/// The profile form.
#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) given_name: String,
    #[serde(default)]
    pub(super) family_name: String,
    #[serde(default)]
    pub(super) picture: String,
    #[serde(default)]
    pub(super) locale: String,
    #[serde(default)]
    pub(super) zoneinfo: String,
    #[serde(default)]
    pub(super) phone_number: String,
}

/// `POST /account/profile`
pub async fn save_profile(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<ProfileForm>,
) -> PageResult {
    let mut profile = match profile_form::check(&form) {
        Ok(p) => p,
        Err(problems) => {
            let typed = profile_form::typed(&form);
            return Ok(refuse(&ui, &req, &me, Section::Profile, problems, typed).await);
        }
    };
    if profile.phone_number.as_deref() != me.user.phone_number.as_deref().or(Some("")) {
        // A new number is not verified.
        profile.phone_number_verified = Some(false);
    }
    ui.users.update_profile(&me.user.id, profile).await?;
    done(
        &ui,
        &req,
        AuditEvent::success("user.profile_updated").subject(me.user.id),
        "profile",
    )
    .await
}

has_csrf!(ProfileForm);
