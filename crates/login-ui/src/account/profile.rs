//! The profile section's form: names, picture, language, time zone, phone number.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::audit::AuditEvent;
use serde::Deserialize;

use super::console::{Section, back};
use super::{profile_form, refuse, require_form};
use crate::LoginUi;
use crate::web::audit::record;
use crate::web::errors::server_error;

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
    form: web::Form<ProfileForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    let mut profile = match profile_form::check(&form) {
        Ok(p) => p,
        Err(problems) => {
            let typed = profile_form::typed(&form);
            return refuse(&ui, &req, &me, Section::Profile, problems, typed).await;
        }
    };
    if profile.phone_number.as_deref() != me.user.phone_number.as_deref().or(Some("")) {
        // A new number is not verified.
        profile.phone_number_verified = Some(false);
    }
    if let Err(e) = ui.users.update_profile(&me.user.id, profile).await {
        return server_error(&e);
    }
    record(
        &ui,
        &req,
        AuditEvent::success("user.profile_updated").subject(me.user.id),
    )
    .await;
    back("profile")
}
