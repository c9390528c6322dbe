//! Scopes in words a person understands: the consent page and the account's connected apps
//! say the same.

/// A scope in words a person understands.
pub fn describe(scope: &str) -> String {
    match scope {
        "openid" => crate::t("scope-openid"),
        "profile" => crate::t("scope-profile"),
        "email" => crate::t("scope-email"),
        "address" => crate::t("scope-address"),
        "phone" => crate::t("scope-phone"),
        "offline_access" => crate::t("scope-offline-access"),
        "roles" => crate::t("scope-roles"),
        "groups" => crate::t("scope-groups"),
        other => crate::t1("scope-other", "name", other),
    }
}
