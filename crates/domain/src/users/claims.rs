//! Standard OpenID Connect claims (OIDC Core 5.1) of a user, by scope (5.4) and by the
//! `claims` request parameter (5.5).

use serde_json::{Map, Value};

use crate::entities::user;

/// The claims each standard scope releases.
pub const SCOPE_CLAIMS: &[(&str, &[&str])] = &[
    (
        "profile",
        &[
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
        ],
    ),
    ("email", &["email", "email_verified"]),
    ("address", &["address"]),
    ("phone", &["phone_number", "phone_number_verified"]),
];

/// Every standard claim Gatehouse can release.
pub fn supported_claims() -> Vec<&'static str> {
    let mut all = vec!["sub"];
    for (_, claims) in SCOPE_CLAIMS {
        all.extend_from_slice(claims);
    }
    all
}

/// The claim names released for `scopes` plus those named in `requested` (a member of the
/// `claims` parameter, e.g. its `userinfo` object).
pub fn released_names(scopes: &[String], requested: Option<&Value>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (scope, claims) in SCOPE_CLAIMS {
        if scopes.iter().any(|s| s == scope) {
            names.extend(claims.iter().map(|c| (*c).to_owned()));
        }
    }
    if let Some(Value::Object(req)) = requested {
        for name in req.keys() {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

/// The values of the named claims the user has (absent claims are left out), plus `sub`.
pub fn claims_of(user: &user::Model, names: &[String]) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("sub".into(), Value::from(user.subject.clone()));
    for name in names {
        if let Some(v) = value_of(user, name) {
            out.insert(name.clone(), v);
        }
    }
    out
}

fn value_of(u: &user::Model, name: &str) -> Option<Value> {
    let text = |v: &Option<String>| v.clone().map(Value::from);
    match name {
        "name" => text(&u.display_name),
        "family_name" => text(&u.family_name),
        "given_name" => text(&u.given_name),
        "middle_name" => text(&u.middle_name),
        "nickname" => text(&u.nickname),
        "preferred_username" => text(&u.preferred_username),
        "picture" => text(&u.picture),
        "website" => text(&u.website),
        "gender" => text(&u.gender),
        "birthdate" => text(&u.birthdate),
        "zoneinfo" => text(&u.zoneinfo),
        "locale" => text(&u.locale),
        "updated_at" => Some(Value::from(u.updated_at.unix_timestamp())),
        "email" => text(&u.email),
        "email_verified" => u.email.as_ref().map(|_| Value::from(u.email_verified)),
        "address" => u.address.clone(),
        "phone_number" => text(&u.phone_number),
        "phone_number_verified" => u
            .phone_number
            .as_ref()
            .map(|_| Value::from(u.phone_number_verified)),
        _ => None,
    }
}
