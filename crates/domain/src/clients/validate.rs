//! The rules a client registration must follow.

use url::Url;

use super::NewClient;
use crate::{Error, Result};

/// Grant types Gatehouse implements.
pub const GRANT_TYPES: &[&str] = &[
    "authorization_code",
    "refresh_token",
    "client_credentials",
    TOKEN_EXCHANGE,
    DEVICE_CODE,
];
/// The grant type of RFC 8693 token exchange.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The grant type of the RFC 8628 device authorization grant.
pub const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Response types Gatehouse implements.
pub const RESPONSE_TYPES: &[&str] = &["code"];
/// Token endpoint authentication methods Gatehouse implements.
pub const AUTH_METHODS: &[&str] = &[
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "none",
];
/// The methods that authenticate with a shared secret Gatehouse hands out at registration.
pub const SECRET_METHODS: &[&str] = &[
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
];
/// JWS algorithms Gatehouse signs with.
pub const SIGNING_ALGS: &[&str] = &["RS256", "PS256", "ES256", "EdDSA"];
/// Access token formats.
pub const ACCESS_TOKEN_FORMATS: &[&str] = &["jwt", "opaque"];

/// The scopes a client may request when registration names none.
pub fn default_scopes() -> Vec<String> {
    [
        "openid",
        "profile",
        "email",
        "address",
        "phone",
        "offline_access",
        "roles",
        "groups",
    ]
    .map(String::from)
    .to_vec()
}

/// A registration after defaults and checks.
#[derive(Debug)]
pub(crate) struct Checked {
    pub name: String,
    pub auth_method: String,
    pub grant_types: Vec<String>,
    pub response_types: Vec<String>,
    pub scopes: Vec<String>,
    pub access_token_format: String,
    pub id_token_alg: String,
    pub userinfo_alg: Option<String>,
    pub access_token_alg: String,
    pub allowed_origins: Vec<String>,
    pub resources: Vec<String>,
}

/// A resource indicator: an absolute URI without a fragment (RFC 8707 2).
fn check_resource(uri: &str) -> Result<()> {
    let ok = uri.len() <= 2048
        && Url::parse(uri).is_ok_and(|u| u.fragment().is_none() && !u.cannot_be_a_base());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "resource",
            format!("{uri:?} must be an absolute URI without a fragment"),
        ))
    }
}

/// Applies defaults and checks every field; errors name the field.
pub(crate) fn check(new: &NewClient) -> Result<Checked> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::invalid("name", "must be 1 to 200 characters"));
    }
    let grant_types = or_default(&new.grant_types, &["authorization_code", "refresh_token"]);
    one_of_each("grant_type", &grant_types, GRANT_TYPES)?;
    let uses_code = grant_types.iter().any(|g| g == "authorization_code");
    let response_types = if uses_code {
        or_default(&new.response_types, &["code"])
    } else {
        new.response_types.clone()
    };
    one_of_each("response_type", &response_types, RESPONSE_TYPES)?;
    if uses_code && new.redirect_uris.is_empty() {
        return Err(Error::invalid(
            "redirect_uri",
            "at least one is required for the authorization_code grant",
        ));
    }
    for uri in &new.redirect_uris {
        check_redirect_uri("redirect_uri", uri)?;
        check_for_application_type(uri, new.metadata.application_type.as_deref())?;
    }
    for uri in &new.post_logout_redirect_uris {
        check_redirect_uri("post_logout_redirect_uri", uri)?;
    }
    let auth_method = match (&new.token_endpoint_auth_method, new.public) {
        (None, true) => "none".to_owned(),
        (None, false) => "client_secret_basic".to_owned(),
        (Some(m), public) => {
            one_of("token_endpoint_auth_method", m, AUTH_METHODS)?;
            if public != (m == "none") {
                return Err(Error::invalid(
                    "token_endpoint_auth_method",
                    "is \"none\" exactly when the client is public",
                ));
            }
            m.clone()
        }
    };
    new.metadata.check(&auth_method)?;
    // OIDC Core 8.1: without a sector_identifier_uri the redirect URIs' one host is the
    // sector; several hosts would make it ambiguous.
    if new.metadata.subject_type() == "pairwise" && new.metadata.sector_identifier_uri.is_none() {
        let mut hosts: Vec<_> = new
            .redirect_uris
            .iter()
            .filter_map(|u| super::subjects::host_of(u))
            .collect();
        hosts.sort();
        hosts.dedup();
        if hosts.len() > 1 {
            return Err(Error::invalid(
                "sector_identifier_uri",
                "pairwise subjects with redirect URIs on several hosts need a sector_identifier_uri",
            ));
        }
    }
    if new.public
        && let Some(g) = grant_types
            .iter()
            .find(|g| *g == "client_credentials" || *g == TOKEN_EXCHANGE)
    {
        return Err(Error::invalid(
            "grant_type",
            format!("{g} needs a confidential client"),
        ));
    }
    let scopes = if new.scopes.is_empty() {
        default_scopes()
    } else {
        new.scopes.clone()
    };
    for s in &scopes {
        if s.is_empty()
            || !s
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        {
            return Err(Error::invalid(
                "scope",
                format!("{s:?} is not a valid scope token"),
            ));
        }
    }
    let fapi2 = new.metadata.is_fapi2();
    let alg = |field: &'static str, v: &Option<String>| -> Result<String> {
        let v = v
            .clone()
            .unwrap_or_else(|| new.metadata.default_signing_alg().to_owned());
        one_of(
            field,
            &v,
            if fapi2 {
                super::metadata::FAPI2_SIGNING_ALGS
            } else {
                SIGNING_ALGS
            },
        )?;
        Ok(v)
    };
    let access_token_format = new
        .access_token_format
        .clone()
        .unwrap_or_else(|| "jwt".to_owned());
    one_of(
        "access_token_format",
        &access_token_format,
        ACCESS_TOKEN_FORMATS,
    )?;
    let userinfo_alg = match &new.userinfo_signed_response_alg {
        Some(a) => Some(alg("userinfo_signed_response_alg", &Some(a.clone()))?),
        None => None,
    };
    for (field, uri) in [
        ("client_uri", &new.client_uri),
        ("logo_uri", &new.logo_uri),
        ("policy_uri", &new.policy_uri),
        ("tos_uri", &new.tos_uri),
    ] {
        if let Some(uri) = uri {
            check_web_uri(field, uri)?;
        }
    }
    // Logout endpoints are called with parameters (back-channel: a POST body; front-channel:
    // `iss` and `sid` in the query), so a fragment would be meaningless (both specs forbid it).
    for (field, uri) in [
        ("backchannel_logout_uri", &new.backchannel_logout_uri),
        ("frontchannel_logout_uri", &new.frontchannel_logout_uri),
    ] {
        if let Some(uri) = uri {
            check_web_uri(field, uri)?;
            if uri.contains('#') {
                return Err(Error::invalid(
                    field,
                    format!("{uri:?} must not have a fragment"),
                ));
            }
        }
    }
    for origin in &new.allowed_origins {
        check_origin(origin)?;
    }
    let allowed_origins = if new.allowed_origins.is_empty() {
        super::model::default_origins(new.public, &new.redirect_uris)
    } else {
        let mut v = new.allowed_origins.clone();
        v.dedup();
        v
    };
    let mut resources = Vec::new();
    for r in &new.resources {
        check_resource(r)?;
        if !resources.contains(r) {
            resources.push(r.clone());
        }
    }
    Ok(Checked {
        resources,
        allowed_origins,
        name: name.to_owned(),
        auth_method,
        grant_types,
        response_types,
        scopes,
        access_token_format,
        id_token_alg: alg(
            "id_token_signed_response_alg",
            &new.id_token_signed_response_alg,
        )?,
        userinfo_alg,
        access_token_alg: alg("access_token_signing_alg", &new.access_token_signing_alg)?,
    })
}

fn or_default(given: &[String], default: &[&str]) -> Vec<String> {
    if given.is_empty() {
        default.iter().map(|s| (*s).to_owned()).collect()
    } else {
        let mut v = given.to_vec();
        v.dedup();
        v
    }
}

fn one_of(field: &'static str, value: &str, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{value:?} is not one of {}", allowed.join(", ")),
        ))
    }
}

fn one_of_each(field: &'static str, values: &[String], allowed: &[&str]) -> Result<()> {
    values.iter().try_for_each(|v| one_of(field, v, allowed))
}

/// Redirect URIs: absolute, no fragment (RFC 6749 3.1.2), and https unless the host is a
/// loopback address or the scheme is a private-use one (native apps, RFC 8252).
fn check_redirect_uri(field: &'static str, uri: &str) -> Result<()> {
    let url = Url::parse(uri)
        .map_err(|e| Error::invalid(field, format!("{uri:?} is not an absolute URI: {e}")))?;
    if url.fragment().is_some() {
        return Err(Error::invalid(
            field,
            format!("{uri:?} must not have a fragment"),
        ));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        "http" => Err(Error::invalid(
            field,
            format!("{uri:?} must use https (plain http only on a loopback host)"),
        )),
        "javascript" | "data" | "file" | "vbscript" => Err(Error::invalid(
            field,
            format!("{uri:?} uses a forbidden scheme"),
        )),
        _ => Ok(()),
    }
}

/// The narrower rule of a declared application type (OIDC Dynamic Client Registration 2):
/// a web client's redirect URIs are https; a native client's are http on a loopback host, a
/// private-use scheme, or https (claimed URLs, RFC 8252 7.2). [`check_redirect_uri`] ran
/// first, so the URI parses.
fn check_for_application_type(uri: &str, application_type: Option<&str>) -> Result<()> {
    let Ok(url) = Url::parse(uri) else {
        return Ok(());
    };
    // Other values are refused with their own field by the metadata's check.
    match (application_type, url.scheme()) {
        (Some("web"), scheme) if scheme != "https" => Err(Error::invalid(
            "redirect_uri",
            format!(
                "{uri:?} must use https for a web application (register application_type \"native\" for loopback and app schemes)"
            ),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn check_web_uri(field: &'static str, uri: &str) -> Result<()> {
    let url = Url::parse(uri)
        .map_err(|e| Error::invalid(field, format!("{uri:?} is not an absolute URI: {e}")))?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        _ => Err(Error::invalid(
            field,
            format!("{uri:?} must be an https URL"),
        )),
    }
}

/// A web origin as browsers send it in `Origin`: `scheme://host[:port]`, nothing more;
/// https, or http on a loopback host.
fn check_origin(origin: &str) -> Result<()> {
    let field = "allowed_origin";
    let url = Url::parse(origin)
        .map_err(|e| Error::invalid(field, format!("{origin:?} is not an origin: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        _ => {
            return Err(Error::invalid(
                field,
                format!("{origin:?} must use https (plain http only on a loopback host)"),
            ));
        }
    }
    let canonical = url.origin().ascii_serialization();
    if canonical != origin {
        return Err(Error::invalid(
            field,
            format!(
                "{origin:?} is not an origin (scheme://host[:port], no path, lowercase host, no default port): write {canonical:?}"
            ),
        ));
    }
    Ok(())
}

/// [`check_redirect_uri`] for the property tests.
#[cfg(test)]
pub(crate) fn check_redirect_uri_for_tests(uri: &str) -> Result<()> {
    check_redirect_uri("redirect_uri", uri)
}

/// [`check_origin`] for the property tests.
#[cfg(test)]
pub(crate) fn check_origin_for_tests(origin: &str) -> Result<()> {
    check_origin(origin)
}

/// Whether the URL's host is `localhost` or a loopback IP address.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web() -> NewClient {
        NewClient {
            name: "demo".into(),
            redirect_uris: vec!["http://127.0.0.1:9999/cb".into()],
            ..Default::default()
        }
    }

    #[test]
    fn defaults_are_a_confidential_code_client() {
        let c = check(&web()).unwrap();
        assert_eq!(c.auth_method, "client_secret_basic");
        assert_eq!(c.grant_types, ["authorization_code", "refresh_token"]);
        assert_eq!(c.response_types, ["code"]);
        assert_eq!(
            (c.id_token_alg.as_str(), c.access_token_format.as_str()),
            ("RS256", "jwt")
        );
        assert!(c.scopes.contains(&"openid".to_owned()));
    }

    #[test]
    fn a_fapi2_client_uses_private_key_jwt_and_fapi_algorithms() {
        let fapi = || NewClient {
            token_endpoint_auth_method: Some("private_key_jwt".into()),
            metadata: crate::clients::ClientMetadata {
                profile: Some("fapi2".into()),
                jwks_uri: Some("https://rp.example/jwks".into()),
                ..Default::default()
            },
            ..web()
        };
        let c = check(&fapi()).unwrap();
        assert_eq!(
            (c.id_token_alg.as_str(), c.access_token_alg.as_str()),
            ("PS256", "PS256"),
            "FAPI forbids RS256: PS256 is the default"
        );
        let rs256 = NewClient {
            id_token_signed_response_alg: Some("RS256".into()),
            ..fapi()
        };
        assert!(matches!(
            check(&rs256),
            Err(Error::Invalid {
                field: "id_token_signed_response_alg",
                ..
            })
        ));
        let secret = NewClient {
            token_endpoint_auth_method: None,
            ..fapi()
        };
        assert!(matches!(
            check(&secret),
            Err(Error::Invalid {
                field: "token_endpoint_auth_method",
                ..
            })
        ));
        let mut assertion_rs256 = fapi();
        assertion_rs256.metadata.token_endpoint_auth_signing_alg = Some("RS256".into());
        assert!(matches!(
            check(&assertion_rs256),
            Err(Error::Invalid {
                field: "token_endpoint_auth_signing_alg",
                ..
            })
        ));
        let mut unknown = fapi();
        unknown.metadata.profile = Some("fapi1".into());
        assert!(matches!(
            check(&unknown),
            Err(Error::Invalid {
                field: "profile",
                ..
            })
        ));
    }

    #[test]
    fn a_device_client_needs_no_redirect_uri_and_may_be_public() {
        let c = check(&NewClient {
            name: "tv".into(),
            public: true,
            grant_types: vec![DEVICE_CODE.into(), "refresh_token".into()],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.grant_types, [DEVICE_CODE, "refresh_token"]);
        assert!(c.response_types.is_empty());
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(NewClient, &str)> = vec![
            (
                NewClient {
                    name: " ".into(),
                    ..web()
                },
                "name",
            ),
            (
                NewClient {
                    redirect_uris: vec![],
                    ..web()
                },
                "redirect_uri",
            ),
            (
                NewClient {
                    redirect_uris: vec!["https://a.example/cb#x".into()],
                    ..web()
                },
                "redirect_uri",
            ),
            (
                NewClient {
                    backchannel_logout_uri: Some("https://a.example/bcl#x".into()),
                    ..web()
                },
                "backchannel_logout_uri",
            ),
            (
                NewClient {
                    frontchannel_logout_uri: Some("http://a.example/fcl".into()),
                    ..web()
                },
                "frontchannel_logout_uri",
            ),
            (
                NewClient {
                    frontchannel_logout_uri: Some("https://a.example/fcl#x".into()),
                    ..web()
                },
                "frontchannel_logout_uri",
            ),
            (
                NewClient {
                    redirect_uris: vec!["http://a.example/cb".into()],
                    ..web()
                },
                "redirect_uri",
            ),
            (
                NewClient {
                    redirect_uris: vec!["/relative".into()],
                    ..web()
                },
                "redirect_uri",
            ),
            (
                NewClient {
                    post_logout_redirect_uris: vec!["javascript:alert(1)".into()],
                    ..web()
                },
                "post_logout_redirect_uri",
            ),
            (
                NewClient {
                    grant_types: vec!["password".into()],
                    ..web()
                },
                "grant_type",
            ),
            (
                NewClient {
                    public: true,
                    grant_types: vec!["client_credentials".into()],
                    ..web()
                },
                "grant_type",
            ),
            (
                NewClient {
                    public: true,
                    token_endpoint_auth_method: Some("client_secret_basic".into()),
                    ..web()
                },
                "token_endpoint_auth_method",
            ),
            (
                NewClient {
                    id_token_signed_response_alg: Some("none".into()),
                    ..web()
                },
                "id_token_signed_response_alg",
            ),
            (
                NewClient {
                    access_token_format: Some("paseto".into()),
                    ..web()
                },
                "access_token_format",
            ),
            (
                NewClient {
                    logo_uri: Some("http://evil.example/x.png".into()),
                    ..web()
                },
                "logo_uri",
            ),
            (
                NewClient {
                    scopes: vec!["a b".into()],
                    ..web()
                },
                "scope",
            ),
            (
                NewClient {
                    allowed_origins: vec!["https://spa.example/app".into()],
                    ..web()
                },
                "allowed_origin",
            ),
            (
                NewClient {
                    allowed_origins: vec!["http://spa.example".into()],
                    ..web()
                },
                "allowed_origin",
            ),
            (
                NewClient {
                    allowed_origins: vec!["https://spa.example/".into()],
                    ..web()
                },
                "allowed_origin",
            ),
            (
                NewClient {
                    allowed_origins: vec!["*".into()],
                    ..web()
                },
                "allowed_origin",
            ),
        ];
        for (new, field) in cases {
            match check(&new) {
                Err(Error::Invalid { field: f, .. }) => assert_eq!(f, field, "{new:?}"),
                other => panic!("{new:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn allowed_origins_default_to_a_public_clients_redirect_origins() {
        let spa = NewClient {
            public: true,
            redirect_uris: vec![
                "https://spa.example/cb".into(),
                "https://spa.example/other".into(),
                "http://localhost:3000/cb".into(),
                "com.example.app:/cb".into(),
            ],
            ..web()
        };
        assert_eq!(
            check(&spa).unwrap().allowed_origins,
            ["https://spa.example", "http://localhost:3000"]
        );
        assert!(
            check(&web()).unwrap().allowed_origins.is_empty(),
            "confidential: none"
        );
        let given = NewClient {
            allowed_origins: vec!["https://app.example:8443".into()],
            ..spa
        };
        assert_eq!(
            check(&given).unwrap().allowed_origins,
            ["https://app.example:8443"]
        );
    }

    #[test]
    fn the_application_type_narrows_redirect_uris() {
        let typed = |t: &str, uri: &str| NewClient {
            redirect_uris: vec![uri.into()],
            metadata: crate::clients::ClientMetadata {
                application_type: Some(t.into()),
                ..Default::default()
            },
            ..web()
        };
        assert!(check(&typed("web", "https://rp.example/cb")).is_ok());
        for uri in ["http://127.0.0.1:9/cb", "com.example.app:/cb"] {
            assert!(check(&typed("web", uri)).is_err(), "web {uri}");
            assert!(check(&typed("native", uri)).is_ok(), "native {uri}");
        }
        assert!(check(&typed("native", "http://rp.example/cb")).is_err());
        match check(&typed("desktop", "https://rp.example/cb")) {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "application_type"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn native_and_service_clients_are_allowed() {
        let native = NewClient {
            public: true,
            redirect_uris: vec![
                "com.example.app:/callback".into(),
                "http://[::1]:8000/cb".into(),
            ],
            ..web()
        };
        assert_eq!(check(&native).unwrap().auth_method, "none");
        let service = NewClient {
            redirect_uris: vec![],
            grant_types: vec!["client_credentials".into()],
            ..web()
        };
        assert!(check(&service).unwrap().response_types.is_empty());
    }
}
