//! The endpoints of the OAuth 2.0-only presets and how Gatehouse authenticates at their token
//! endpoints. Every endpoint can be overridden per upstream (tests, other clouds); for these
//! presets the `userinfo` override is the profile endpoint.

use domain::federation::{Preset, Upstream, UpstreamError, check_url};

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientAuth {
    /// HTTP Basic (RFC 6749 §2.3.1).
    Basic,
    /// `client_id` and `client_secret` in the form.
    Post,
}

/// Where an OAuth 2.0-only upstream is talked to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthEndpoints {
    pub(crate) authorization: String,
    pub(crate) token: String,
    /// Who signed in (GitHub `/user`, Facebook `/me`, X `/2/users/me`).
    pub(crate) profile: String,
    /// GitHub's address list.
    pub(crate) emails: Option<String>,
    pub(crate) auth: ClientAuth,
}

/// Facebook's Graph API version.
const GRAPH: &str = "v23.0";

/// The fields asked of Facebook's `/me` (it sends only `id` and `name` unless asked).
pub(crate) const FACEBOOK_FIELDS: &str = "id,name,email,first_name,last_name";

fn defaults(preset: Preset) -> Option<OAuthEndpoints> {
    let owned = |a: &str, t: &str, p: &str, e: Option<&str>, auth| OAuthEndpoints {
        authorization: a.to_owned(),
        token: t.to_owned(),
        profile: p.to_owned(),
        emails: e.map(str::to_owned),
        auth,
    };
    match preset {
        Preset::Github => Some(owned(
            "https://github.com/login/oauth/authorize",
            "https://github.com/login/oauth/access_token",
            "https://api.github.com/user",
            Some("https://api.github.com/user/emails"),
            ClientAuth::Post,
        )),
        Preset::Facebook => Some(owned(
            &format!("https://www.facebook.com/{GRAPH}/dialog/oauth"),
            &format!("https://graph.facebook.com/{GRAPH}/oauth/access_token"),
            &format!("https://graph.facebook.com/{GRAPH}/me"),
            None,
            ClientAuth::Post,
        )),
        Preset::X => Some(owned(
            "https://x.com/i/oauth2/authorize",
            "https://api.x.com/2/oauth2/token",
            "https://api.x.com/2/users/me",
            None,
            ClientAuth::Basic,
        )),
        Preset::Google | Preset::Microsoft | Preset::Apple => None,
    }
}

/// The endpoints of an OAuth 2.0-only upstream: its preset's, with the overrides applied.
pub(crate) fn oauth_endpoints(up: &Upstream) -> Result<OAuthEndpoints, UpstreamError> {
    let Some(mut e) = up.preset.and_then(defaults) else {
        return Err(UpstreamError::Unavailable(format!(
            "{} is not an OAuth 2.0 preset",
            up.name
        )));
    };
    let o = &up.endpoints;
    let url = |field: &'static str, v: &String| {
        check_url(field, v).map_err(|e| UpstreamError::Unavailable(e.to_string()))
    };
    if let Some(v) = &o.authorization {
        e.authorization = url("authorization_endpoint", v)?;
    }
    if let Some(v) = &o.token {
        e.token = url("token_endpoint", v)?;
    }
    if let Some(v) = &o.userinfo {
        e.profile = url("userinfo_endpoint", v)?;
    }
    if let Some(v) = &o.emails {
        e.emails = Some(url("emails_endpoint", v)?);
    }
    if up.preset == Some(Preset::Facebook) {
        e.profile = with_fields(&e.profile);
    }
    Ok(e)
}

/// Facebook's profile URL with the `fields` it must be asked for (unless the URL names them).
fn with_fields(profile: &str) -> String {
    match url::Url::parse(profile) {
        Ok(mut u) if !u.query_pairs().any(|(k, _)| k == "fields") => {
            u.query_pairs_mut().append_pair("fields", FACEBOOK_FIELDS);
            u.to_string()
        }
        _ => profile.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn facebook_is_asked_for_its_fields_once() {
        assert_eq!(
            with_fields("https://graph.facebook.com/v23.0/me"),
            "https://graph.facebook.com/v23.0/me?fields=id%2Cname%2Cemail%2Cfirst_name%2Clast_name"
        );
        let named = "https://graph.example/me?fields=id,email";
        assert_eq!(with_fields(named), named);
    }
}
