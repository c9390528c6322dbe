//! Well-known upstreams ("presets"): Google, Microsoft Entra, Apple, GitHub, Facebook and X.
//! What storage needs of them lives here (the name, the fixed issuer identifier that keys
//! their links, the default button text and scopes, whether they speak OpenID Connect, and
//! their settings); the endpoints and the protocol quirks are the `federation` crate's.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A well-known upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Google (OpenID Connect).
    Google,
    /// Microsoft Entra ID (OpenID Connect, multi-tenant issuer).
    Microsoft,
    /// Sign in with Apple (OpenID Connect, a signed client secret, `form_post`).
    Apple,
    /// GitHub (OAuth 2.0 and its REST API).
    Github,
    /// Facebook (OAuth 2.0 and the Graph API).
    Facebook,
    /// X, formerly Twitter (OAuth 2.0 with PKCE and its v2 API).
    X,
}

/// The tenant placeholder of Microsoft's multi-tenant issuer.
pub const TENANT_PLACEHOLDER: &str = "{tenantid}";

impl Preset {
    /// Every preset.
    pub const ALL: [Self; 6] = [
        Self::Google,
        Self::Microsoft,
        Self::Apple,
        Self::Github,
        Self::Facebook,
        Self::X,
    ];

    /// `google`, `microsoft`, `apple`, `github`, `facebook` or `x`.
    pub fn parse(text: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == text)
            .ok_or_else(|| {
                Error::invalid(
                    "preset",
                    "must be google, microsoft, apple, github, facebook or x",
                )
            })
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Microsoft => "microsoft",
            Self::Apple => "apple",
            Self::Github => "github",
            Self::Facebook => "facebook",
            Self::X => "x",
        }
    }

    /// The issuer identifier its links are keyed on (for OpenID Connect presets, the
    /// issuer whose discovery document is fetched).
    pub fn issuer(self) -> &'static str {
        match self {
            Self::Google => "https://accounts.google.com",
            Self::Microsoft => "https://login.microsoftonline.com/{tenantid}/v2.0",
            Self::Apple => "https://appleid.apple.com",
            Self::Github => "https://github.com",
            Self::Facebook => "https://www.facebook.com",
            Self::X => "https://x.com",
        }
    }

    /// The default text of the sign-in button.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Google => "Google",
            Self::Microsoft => "Microsoft",
            Self::Apple => "Apple",
            Self::Github => "GitHub",
            Self::Facebook => "Facebook",
            Self::X => "X",
        }
    }

    /// Whether it speaks OpenID Connect (an ID token); otherwise OAuth 2.0 and a profile API.
    pub fn is_oidc(self) -> bool {
        matches!(self, Self::Google | Self::Microsoft | Self::Apple)
    }

    /// The scopes asked when none are configured.
    pub fn default_scopes(self) -> &'static [&'static str] {
        match self {
            Self::Google | Self::Microsoft => &["openid", "email", "profile"],
            Self::Apple => &["openid", "name", "email"],
            Self::Github => &["read:user", "user:email"],
            Self::Facebook => &["public_profile", "email"],
            // `users.read` needs `tweet.read` too.
            Self::X => &["users.read", "tweet.read"],
        }
    }
}

/// A preset's non-secret settings (stored as JSON, shown by `idp show`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PresetSettings {
    /// Microsoft: the tenant whose discovery document is used: `common` (default),
    /// `organizations`, `consumers` or a tenant id; a tenant id also limits sign-ins to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Microsoft: only ID tokens of these tenants (`tid`) are accepted (empty: any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_tenants: Vec<String>,
    /// Apple: the team id (the `iss` of the client secret Gatehouse signs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apple_team_id: Option<String>,
    /// Apple: the id of the private key (the `kid` of the client secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apple_key_id: Option<String>,
}

impl PresetSettings {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The preset of a new upstream, its settings and (Apple) its private key.
#[derive(Clone)]
pub struct PresetSetup {
    /// The preset.
    pub preset: Preset,
    /// Its settings.
    pub settings: PresetSettings,
    /// Apple: the PKCS#8 PEM private key that signs the client secret (stored encrypted).
    pub private_key: Option<String>,
}

impl PresetSetup {
    /// The preset with no settings.
    pub fn plain(preset: Preset) -> Self {
        Self {
            preset,
            settings: PresetSettings::default(),
            private_key: None,
        }
    }
}

impl std::fmt::Debug for PresetSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PresetSetup")
            .field("preset", &self.preset)
            .field("settings", &self.settings)
            .field("has_private_key", &self.private_key.is_some())
            .finish()
    }
}

/// A short identifier (tenant, team id, key id): 1-100 of letters, digits, `.`, `-`, `_`.
fn check_identifier(field: &'static str, text: &str) -> Result<String> {
    let text = text.trim();
    let ok = (1..=100).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(text.to_owned())
    } else {
        Err(Error::invalid(
            field,
            "must be 1 to 100 of letters, digits, '.', '-' and '_'",
        ))
    }
}

/// Checks a private key: a PKCS#8 PEM EC P-256 key (Apple's `.p8` file).
pub(crate) fn check_private_key(pem: &str) -> Result<()> {
    if pem.len() > 8192 {
        return Err(Error::invalid("private_key", "is longer than 8192 bytes"));
    }
    josekit::jws::ES256
        .signer_from_pem(pem.trim().as_bytes())
        .map(|_| ())
        .map_err(|_| {
            Error::invalid(
                "private_key",
                "must be a PKCS#8 PEM EC P-256 private key (Apple's .p8 file)",
            )
        })
}

/// Checks `settings` for `preset`: only the preset's own settings, each well-formed, and
/// what it cannot work without.
pub(crate) fn check_settings(
    preset: Option<Preset>,
    settings: &PresetSettings,
    has_private_key: bool,
) -> Result<PresetSettings> {
    let microsoft = preset == Some(Preset::Microsoft);
    let apple = preset == Some(Preset::Apple);
    if !microsoft && (settings.tenant.is_some() || !settings.allowed_tenants.is_empty()) {
        return Err(Error::invalid(
            "tenant",
            "is a setting of the microsoft preset only",
        ));
    }
    if !apple
        && (settings.apple_team_id.is_some() || settings.apple_key_id.is_some() || has_private_key)
    {
        return Err(Error::invalid(
            "apple_team_id",
            "the team id, key id and private key are settings of the apple preset only",
        ));
    }
    let mut out = PresetSettings {
        tenant: settings
            .tenant
            .as_deref()
            .map(|t| check_identifier("tenant", t))
            .transpose()?,
        allowed_tenants: settings
            .allowed_tenants
            .iter()
            .map(|t| check_identifier("allowed_tenants", t))
            .collect::<Result<_>>()?,
        apple_team_id: settings
            .apple_team_id
            .as_deref()
            .map(|t| check_identifier("apple_team_id", t))
            .transpose()?,
        apple_key_id: settings
            .apple_key_id
            .as_deref()
            .map(|t| check_identifier("apple_key_id", t))
            .transpose()?,
    };
    out.allowed_tenants.sort();
    out.allowed_tenants.dedup();
    if apple && (out.apple_team_id.is_none() || out.apple_key_id.is_none() || !has_private_key) {
        return Err(Error::invalid(
            "apple_team_id",
            "the apple preset needs the team id, the key id and the private key",
        ));
    }
    Ok(out)
}
