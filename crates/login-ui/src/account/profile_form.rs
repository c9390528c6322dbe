//! The profile form checked field by field: every problem is reported at once, with the
//! field it concerns, and the form comes back as typed.

use domain::users::Profile;

use super::checks;
use super::console::{Problems, Typed};
use super::profile::ProfileForm;
use crate::web::fields::check_name;

/// The profile in `form`, or every problem with it.
pub(crate) fn check(form: &ProfileForm) -> Result<Profile, Problems> {
    let mut problems = Problems::default();
    let mut plain = |id: &'static str, label: &str, v: &str| -> String {
        let v = v.trim();
        if let Err(e) = check_name(v) {
            problems.add(id, format!("{}: {e}", crate::t(label)));
        }
        v.to_owned()
    };
    let name = plain("name", "account-profile-name", &form.name);
    let given_name = plain("given_name", "account-profile-given-name", &form.given_name);
    let family_name = plain(
        "family_name",
        "account-profile-family-name",
        &form.family_name,
    );

    let picture = form.picture.trim();
    if !picture.is_empty() {
        let ok = picture.len() <= 2048
            && url::Url::parse(picture).is_ok_and(|u| u.scheme() == "https" && u.host().is_some());
        if !ok {
            problems.add("picture", crate::t("account-profile-error-picture"));
        }
    }
    let locale = match form.locale.trim() {
        "" => String::new(),
        typed => checks::language(typed).unwrap_or_else(|| {
            problems.add("locale", crate::t("account-profile-error-locale"));
            String::new()
        }),
    };
    let zoneinfo = match form.zoneinfo.trim() {
        "" => String::new(),
        typed => checks::time_zone(typed).unwrap_or_else(|| {
            problems.add("zoneinfo", crate::t("account-profile-error-zoneinfo"));
            String::new()
        }),
    };
    let phone = form.phone_number.trim();
    if !phone.is_empty() {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let ok = phone.len() <= 32
            && (6..=15).contains(&digits)
            && phone
                .chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (i == 0 && c == '+'));
        if !ok {
            problems.add("phone_number", crate::t("account-profile-error-phone"));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Profile {
        display_name: Some(name),
        given_name: Some(given_name),
        family_name: Some(family_name),
        picture: Some(picture.to_owned()),
        locale: Some(locale),
        zoneinfo: Some(zoneinfo),
        phone_number: Some(phone.to_owned()),
        ..Profile::default()
    })
}

/// The form as typed, to show it again.
pub(crate) fn typed(form: &ProfileForm) -> Typed {
    Typed::default()
        .keep("name", &form.name)
        .keep("given_name", &form.given_name)
        .keep("family_name", &form.family_name)
        .keep("picture", &form.picture)
        .keep("locale", &form.locale)
        .keep("zoneinfo", &form.zoneinfo)
        .keep("phone_number", &form.phone_number)
}
