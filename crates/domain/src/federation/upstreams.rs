//! Configured upstreams: creating, listing, changing and deleting them (each audited), and
//! their client secrets, encrypted at rest.

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::presets::{
    Preset, PresetSettings, PresetSetup, TENANT_PLACEHOLDER, check_private_key, check_settings,
};
use crate::audit::{AuditEvent, AuditLog};
use crate::entities::{client, upstream};
use crate::secrets::SecretBox;
use crate::{Error, Result, Store, now};

/// What happens when someone signs in through an upstream for the first time (no link yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FirstLogin {
    /// A new local account is created (or, when the address is taken, linking applies).
    Create,
    /// Only an existing local account, linked under the strict rule, may be signed in.
    Link,
    /// Nobody without a link gets in.
    Deny,
}

impl FirstLogin {
    /// `create`, `link` or `deny`.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "create" => Ok(Self::Create),
            "link" => Ok(Self::Link),
            "deny" => Ok(Self::Deny),
            _ => Err(Error::invalid(
                "first_login",
                "must be create, link or deny",
            )),
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Link => "link",
            Self::Deny => "deny",
        }
    }
}

/// Endpoints that replace what the upstream's discovery document says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Endpoints {
    /// `authorization_endpoint`
    pub authorization: Option<String>,
    /// `token_endpoint`
    pub token: Option<String>,
    /// `userinfo_endpoint`
    pub userinfo: Option<String>,
    /// `jwks_uri`
    pub jwks: Option<String>,
    /// GitHub: the address list (`/user/emails`).
    pub emails: Option<String>,
}

/// An upstream as administrators and the pages see it (never its client secret).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Upstream {
    /// Id.
    pub id: String,
    /// Short unique name, in URLs (`/login/upstream/{name}`) and commands.
    pub name: String,
    /// The name on the sign-in button.
    pub display_name: String,
    /// The issuer (its discovery document is at `{issuer}/.well-known/openid-configuration`;
    /// for an OAuth 2.0-only preset, the identifier its links are keyed on).
    pub issuer: String,
    /// The well-known provider it is, if any (none: a generic OpenID Connect provider).
    pub preset: Option<Preset>,
    /// The preset's settings.
    pub settings: PresetSettings,
    /// Whether a private key is stored (Apple).
    pub has_private_key: bool,
    /// Endpoint overrides (for OAuth 2.0-only presets, `userinfo` is the profile endpoint).
    pub endpoints: Endpoints,
    /// Gatehouse's client id at the upstream.
    pub client_id: String,
    /// Whether a client secret is stored.
    pub has_client_secret: bool,
    /// Scopes asked for.
    pub scopes: Vec<String>,
    /// The first-sign-in policy.
    pub first_login: FirstLogin,
    /// Whether the upstream's `email_verified` is believed (for new accounts and linking).
    pub trusted_for_email: bool,
    /// Whether the upstream's `acr` counts for step-up (the session's `acr`).
    pub trusted_for_acr: bool,
    /// Whether the upstream's second factor (its `amr`) stands in for the local one.
    pub trusted_for_mfa: bool,
    /// Whether it is offered.
    pub enabled: bool,
    /// The clients whose sign-in pages offer it; empty: every client.
    pub allowed_clients: Vec<String>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
    #[serde(skip)]
    sealed_secret: Option<String>,
    #[serde(skip)]
    sealed_key: Option<String>,
}

impl Upstream {
    /// Whether the sign-in page for `client_id` (none: Gatehouse's own pages) offers it.
    pub fn offered_to(&self, client_id: Option<&str>) -> bool {
        self.enabled
            && (self.allowed_clients.is_empty()
                || client_id.is_some_and(|c| self.allowed_clients.iter().any(|a| a == c)))
    }

    /// Whether `iss` names this upstream: its issuer, or for a multi-tenant issuer (with
    /// `{tenantid}`) the issuer with a tenant in the placeholder's place.
    pub fn issuer_matches(&self, iss: &str) -> bool {
        match self.issuer.split_once(TENANT_PLACEHOLDER) {
            None => iss == self.issuer,
            Some((before, after)) => {
                iss == self.issuer
                    || iss
                        .strip_prefix(before)
                        .and_then(|rest| rest.strip_suffix(after))
                        .is_some_and(|tenant| {
                            !tenant.is_empty()
                                && tenant
                                    .chars()
                                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                        })
            }
        }
    }

    /// Whether it speaks OpenID Connect (generic upstreams and the OIDC presets).
    pub fn is_oidc(&self) -> bool {
        self.preset.is_none_or(Preset::is_oidc)
    }
}

#[cfg(test)]
impl Upstream {
    /// An enabled upstream trusted for nothing, for tests of pure rules.
    pub(crate) fn sample() -> Self {
        let at = now();
        Self {
            id: "up-1".into(),
            name: "corp".into(),
            display_name: "Corp".into(),
            issuer: "https://idp.example".into(),
            endpoints: Endpoints::default(),
            client_id: "gatehouse".into(),
            has_client_secret: false,
            scopes: vec!["openid".into()],
            first_login: FirstLogin::Create,
            trusted_for_email: false,
            trusted_for_acr: false,
            trusted_for_mfa: false,
            enabled: true,
            allowed_clients: Vec::new(),
            created_at: at,
            updated_at: at,
            sealed_secret: None,
            preset: None,
            settings: PresetSettings::default(),
            has_private_key: false,
            sealed_key: None,
        }
    }
}

impl TryFrom<upstream::Model> for Upstream {
    type Error = Error;

    fn try_from(m: upstream::Model) -> Result<Self> {
        let strings = |v: serde_json::Value, what: &str| -> Result<Vec<String>> {
            serde_json::from_value(v).map_err(|e| Error::Corrupt(format!("upstream {what}: {e}")))
        };
        Ok(Self {
            scopes: strings(m.scopes, "scopes")?,
            allowed_clients: match m.allowed_clients {
                Some(v) => strings(v, "allowed clients")?,
                None => Vec::new(),
            },
            first_login: FirstLogin::parse(&m.first_login)
                .map_err(|_| Error::Corrupt(format!("upstream first_login {}", m.first_login)))?,
            has_client_secret: m.client_secret.is_some(),
            sealed_secret: m.client_secret,
            preset: m
                .preset
                .as_deref()
                .map(Preset::parse)
                .transpose()
                .map_err(|_| Error::Corrupt(format!("upstream preset {:?}", m.preset)))?,
            settings: match m.settings {
                Some(v) => serde_json::from_value(v)
                    .map_err(|e| Error::Corrupt(format!("upstream settings: {e}")))?,
                None => PresetSettings::default(),
            },
            has_private_key: m.private_key.is_some(),
            sealed_key: m.private_key,
            endpoints: Endpoints {
                authorization: m.authorization_endpoint,
                token: m.token_endpoint,
                userinfo: m.userinfo_endpoint,
                jwks: m.jwks_uri,
                emails: m.emails_endpoint,
            },
            id: m.id,
            name: m.name,
            display_name: m.display_name,
            issuer: m.issuer,
            client_id: m.client_id,
            trusted_for_email: m.trusted_for_email,
            trusted_for_acr: m.trusted_for_acr,
            trusted_for_mfa: m.trusted_for_mfa,
            enabled: m.enabled,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// What an administrator gives to add an upstream.
#[derive(Debug, Clone)]
pub struct NewUpstream {
    /// Short unique name: 1-40 of a-z, 0-9, `-` and `_`, starting with a letter or digit.
    pub name: String,
    /// The button's text (default: the preset's provider, or the name).
    pub display_name: Option<String>,
    /// The issuer URL (https; http only on a loopback host). Empty with a preset: the
    /// preset's.
    pub issuer: String,
    /// A well-known provider and its settings (none: a generic OpenID Connect provider).
    pub preset: Option<PresetSetup>,
    /// Endpoint overrides.
    pub endpoints: Endpoints,
    /// Gatehouse's client id at the upstream.
    pub client_id: String,
    /// Gatehouse's client secret at the upstream.
    pub client_secret: Option<String>,
    /// Scopes (default `openid email profile`, or the preset's; `openid` is always asked
    /// of OpenID Connect upstreams).
    pub scopes: Vec<String>,
    /// The first-sign-in policy.
    pub first_login: FirstLogin,
    /// Believe the upstream's `email_verified`.
    pub trusted_for_email: bool,
    /// Honour the upstream's `acr` for step-up.
    pub trusted_for_acr: bool,
    /// Let the upstream's second factor stand in for the local one.
    pub trusted_for_mfa: bool,
    /// Offered on the sign-in page.
    pub enabled: bool,
    /// Only these clients offer it (empty: every client).
    pub allowed_clients: Vec<String>,
}

/// Changes to an upstream: a `None` field stays as it is; an empty endpoint text removes
/// the override; an empty client list allows every client.
#[derive(Debug, Clone, Default)]
pub struct UpstreamChanges {
    /// The button's text.
    pub display_name: Option<String>,
    /// The issuer.
    pub issuer: Option<String>,
    /// `authorization_endpoint` override (empty: none).
    pub authorization_endpoint: Option<String>,
    /// `token_endpoint` override (empty: none).
    pub token_endpoint: Option<String>,
    /// `userinfo_endpoint` override (empty: none).
    pub userinfo_endpoint: Option<String>,
    /// `jwks_uri` override (empty: none).
    pub jwks_uri: Option<String>,
    /// GitHub's address list endpoint override (empty: none).
    pub emails_endpoint: Option<String>,
    /// Microsoft: the tenant (empty: `common`).
    pub tenant: Option<String>,
    /// Microsoft: the tenants accepted (empty: any).
    pub allowed_tenants: Option<Vec<String>>,
    /// Apple: the team id.
    pub apple_team_id: Option<String>,
    /// Apple: the key id.
    pub apple_key_id: Option<String>,
    /// Apple: a new private key (PKCS#8 PEM).
    pub private_key: Option<String>,
    /// The client id.
    pub client_id: Option<String>,
    /// A new client secret.
    pub client_secret: Option<String>,
    /// The scopes.
    pub scopes: Option<Vec<String>>,
    /// The first-sign-in policy.
    pub first_login: Option<FirstLogin>,
    /// Believe the upstream's `email_verified`.
    pub trusted_for_email: Option<bool>,
    /// Honour the upstream's `acr` for step-up.
    pub trusted_for_acr: Option<bool>,
    /// Let the upstream's second factor stand in for the local one.
    pub trusted_for_mfa: Option<bool>,
    /// Offered on the sign-in page.
    pub enabled: Option<bool>,
    /// The clients that offer it (empty: every client).
    pub allowed_clients: Option<Vec<String>>,
}

/// Who changes an upstream or a mapping rule, for the audit event.
#[derive(Debug, Clone, Copy)]
pub enum ChangedBy<'a> {
    /// A surface named in the event's `via` (start-up, tests).
    Via(&'a str),
    /// An administrator: the event names the actor, its surface, IP and request as every
    /// administrative operation's does.
    Admin(&'a crate::admin::Actor),
}

impl<'a> From<&'a str> for ChangedBy<'a> {
    fn from(via: &'a str) -> Self {
        Self::Via(via)
    }
}

impl<'a> From<&'a crate::admin::Actor> for ChangedBy<'a> {
    fn from(actor: &'a crate::admin::Actor) -> Self {
        Self::Admin(actor)
    }
}

impl ChangedBy<'_> {
    /// `event` with `data` and who did it.
    pub(crate) fn event(self, event: AuditEvent, data: serde_json::Value) -> AuditEvent {
        match self {
            Self::Admin(actor) => actor.event(event, data),
            Self::Via(via) => {
                let mut data = data;
                if let Some(fields) = data.as_object_mut() {
                    fields.insert("via".into(), via.into());
                }
                event.data(data)
            }
        }
    }
}

/// The upstream service. Every change is audited (`upstream.created`, `upstream.updated`,
/// `upstream.deleted`) with who made it.
#[derive(Debug, Clone)]
pub struct Upstreams {
    db: DatabaseConnection,
    secrets: SecretBox,
    audit: AuditLog,
}

fn secret_context(id: &str) -> String {
    format!("upstream:{id}")
}

fn key_context(id: &str) -> String {
    format!("upstream-key:{id}")
}

fn check_name(name: &str) -> Result<()> {
    let ok = (1..=40).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "name",
            "must be 1 to 40 of a-z, 0-9, - and _, starting with a letter or digit",
        ))
    }
}

/// Checks an upstream URL: absolute, https (http only on a loopback host, for tests and
/// development), no fragment, no credentials.
pub fn check_url(field: &'static str, text: &str) -> Result<String> {
    let url = url::Url::parse(text.trim())
        .map_err(|_| Error::invalid(field, format!("{text:?} is not an absolute URL")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !scheme_ok || url.host().is_none() {
        return Err(Error::invalid(
            field,
            "must be an https URL (http only on a loopback host)",
        ));
    }
    if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(
            field,
            "must not carry a fragment or credentials",
        ));
    }
    if text.len() > 2000 {
        return Err(Error::invalid(field, "is longer than 2000 characters"));
    }
    Ok(text.trim().to_owned())
}

fn check_display_name(text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 100 || text.chars().any(char::is_control) {
        return Err(Error::invalid(
            "display_name",
            "must be 1 to 100 characters",
        ));
    }
    Ok(text.to_owned())
}

fn check_client_id(text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() || text.len() > 512 || text.chars().any(char::is_control) {
        return Err(Error::invalid("client_id", "must be 1 to 512 characters"));
    }
    Ok(text.to_owned())
}

fn check_secret(text: &str) -> Result<()> {
    if text.is_empty() || text.len() > 8192 {
        return Err(Error::invalid("client_secret", "must be 1 to 8192 bytes"));
    }
    Ok(())
}

/// The scopes to ask, each once: for OpenID Connect `openid` first, default `openid email
/// profile`; a preset's own default otherwise.
fn check_scopes(given: &[String], preset: Option<Preset>) -> Result<Vec<String>> {
    let oidc = preset.is_none_or(Preset::is_oidc);
    let mut scopes = if oidc {
        vec!["openid".to_owned()]
    } else {
        Vec::new()
    };
    let given: Vec<&str> = if given.is_empty() {
        match preset {
            Some(p) => p.default_scopes().to_vec(),
            None => vec!["email", "profile"],
        }
    } else {
        given.iter().map(|s| s.trim()).collect()
    };
    for scope in given {
        let valid = !scope.is_empty()
            && scope.len() <= 200
            && scope
                .chars()
                .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\');
        if !valid {
            return Err(Error::invalid(
                "scope",
                format!("{scope:?} is not a scope token"),
            ));
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_owned());
        }
    }
    Ok(scopes)
}

fn optional_url(field: &'static str, given: Option<&str>) -> Result<Option<String>> {
    match given.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => check_url(field, text).map(Some),
    }
}

impl Upstreams {
    /// Builds the service.
    pub fn new(store: &Store, secrets: SecretBox, audit: AuditLog) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
            audit,
        }
    }

    async fn check_clients(&self, clients: &[String]) -> Result<Option<serde_json::Value>> {
        if clients.is_empty() {
            return Ok(None);
        }
        let mut ids: Vec<String> = clients.iter().map(|c| c.trim().to_owned()).collect();
        ids.sort();
        ids.dedup();
        for id in &ids {
            if client::Entity::find_by_id(id.clone())
                .one(&self.db)
                .await?
                .is_none()
            {
                return Err(Error::invalid(
                    "allowed_clients",
                    format!("there is no client {id:?}"),
                ));
            }
        }
        Ok(Some(serde_json::Value::from(ids)))
    }

    async fn record(&self, kind: &'static str, up: &Upstream, by: ChangedBy<'_>) -> Result<()> {
        self.audit
            .record(by.event(
                AuditEvent::success(kind),
                json!({
                    "upstream": up.name,
                    "upstream_id": up.id,
                    "issuer": up.issuer,
                    "preset": up.preset.map(Preset::as_str),
                    "first_login": up.first_login.as_str(),
                    "trusted_for_email": up.trusted_for_email,
                    "trusted_for_acr": up.trusted_for_acr,
                    "trusted_for_mfa": up.trusted_for_mfa,
                    "enabled": up.enabled,
                }),
            ))
            .await
    }

    /// Adds an upstream. `by` names the caller in the audit event: an administrator, or a
    /// surface (`cli`, `test`).
    pub async fn create(&self, new: NewUpstream, by: impl Into<ChangedBy<'_>>) -> Result<Upstream> {
        let by = by.into();
        check_name(&new.name)?;
        let preset = new.preset.as_ref().map(|p| p.preset);
        let default_name = match preset {
            Some(p) => p.display_name(),
            None => new.name.as_str(),
        };
        let display_name = check_display_name(new.display_name.as_deref().unwrap_or(default_name))?;
        let issuer = match (new.issuer.trim(), preset) {
            ("", Some(p)) => check_url("issuer", p.issuer())?,
            (given, _) => check_url("issuer", given)?,
        };
        let (settings, private_key) = match &new.preset {
            Some(p) => (p.settings.clone(), p.private_key.clone()),
            None => (PresetSettings::default(), None),
        };
        let settings = check_settings(preset, &settings, private_key.is_some())?;
        if preset == Some(Preset::Apple) && new.client_secret.is_some() {
            return Err(Error::invalid(
                "client_secret",
                "the apple preset signs its own client secret with the private key",
            ));
        }
        let e = &new.endpoints;
        let id = uuid::Uuid::now_v7().to_string();
        let sealed_key = match &private_key {
            Some(pem) => {
                check_private_key(pem)?;
                Some(
                    self.secrets
                        .encrypt(pem.trim().as_bytes(), &key_context(&id))?,
                )
            }
            None => None,
        };
        let sealed = match &new.client_secret {
            Some(secret) => {
                check_secret(secret)?;
                Some(
                    self.secrets
                        .encrypt(secret.as_bytes(), &secret_context(&id))?,
                )
            }
            None => None,
        };
        let at = now();
        let row = upstream::ActiveModel {
            id: Set(id),
            name: Set(new.name.clone()),
            display_name: Set(display_name),
            issuer: Set(issuer),
            authorization_endpoint: Set(optional_url(
                "authorization_endpoint",
                e.authorization.as_deref(),
            )?),
            token_endpoint: Set(optional_url("token_endpoint", e.token.as_deref())?),
            userinfo_endpoint: Set(optional_url("userinfo_endpoint", e.userinfo.as_deref())?),
            jwks_uri: Set(optional_url("jwks_uri", e.jwks.as_deref())?),
            emails_endpoint: Set(optional_url("emails_endpoint", e.emails.as_deref())?),
            preset: Set(preset.map(|p| p.as_str().to_owned())),
            settings: Set((!settings.is_empty())
                .then(|| serde_json::to_value(&settings))
                .transpose()
                .map_err(|e| Error::Corrupt(e.to_string()))?),
            private_key: Set(sealed_key),
            client_id: Set(check_client_id(&new.client_id)?),
            client_secret: Set(sealed),
            scopes: Set(serde_json::Value::from(check_scopes(&new.scopes, preset)?)),
            first_login: Set(new.first_login.as_str().to_owned()),
            trusted_for_email: Set(new.trusted_for_email),
            trusted_for_acr: Set(new.trusted_for_acr),
            trusted_for_mfa: Set(new.trusted_for_mfa),
            enabled: Set(new.enabled),
            allowed_clients: Set(self.check_clients(&new.allowed_clients).await?),
            created_at: Set(at),
            updated_at: Set(at),
        };
        if self.find(&new.name).await?.is_some() {
            return Err(Error::Conflict("upstream"));
        }
        let made: Upstream = row
            .insert(&self.db)
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::Conflict("upstream"),
                _ => Error::Database(e),
            })?
            .try_into()?;
        self.record("upstream.created", &made, by).await?;
        Ok(made)
    }

    /// Every upstream, by name.
    pub async fn list(&self) -> Result<Vec<Upstream>> {
        upstream::Entity::find()
            .order_by_asc(upstream::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    /// The upstreams the sign-in page for `client_id` (none: Gatehouse's own pages) offers.
    pub async fn offered_to(&self, client_id: Option<&str>) -> Result<Vec<Upstream>> {
        Ok(upstream::Entity::find()
            .filter(upstream::Column::Enabled.eq(true))
            .order_by_asc(upstream::Column::DisplayName)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Upstream::try_from)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|u| u.offered_to(client_id))
            .collect())
    }

    /// The upstream named `name`, if any.
    pub async fn find(&self, name: &str) -> Result<Option<Upstream>> {
        if name.is_empty() || name.len() > 40 {
            return Ok(None);
        }
        upstream::Entity::find()
            .filter(upstream::Column::Name.eq(name))
            .one(&self.db)
            .await?
            .map(TryInto::try_into)
            .transpose()
    }

    /// The upstream named `name`, or `NotFound`.
    pub async fn get(&self, name: &str) -> Result<Upstream> {
        self.find(name).await?.ok_or(Error::NotFound("upstream"))
    }

    /// The upstream with this id, if any.
    pub async fn find_by_id(&self, id: &str) -> Result<Option<Upstream>> {
        upstream::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .map(TryInto::try_into)
            .transpose()
    }

    /// The upstream's client secret in clear, for the protocol.
    pub fn client_secret(&self, up: &Upstream) -> Result<Option<String>> {
        let Some(sealed) = &up.sealed_secret else {
            return Ok(None);
        };
        let bytes = self.secrets.decrypt(sealed, &secret_context(&up.id))?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| Error::Corrupt("upstream client secret is not UTF-8".into()))
    }

    /// The upstream's private key (PKCS#8 PEM) in clear, for the protocol (Apple).
    pub fn private_key(&self, up: &Upstream) -> Result<Option<String>> {
        let Some(sealed) = &up.sealed_key else {
            return Ok(None);
        };
        let bytes = self.secrets.decrypt(sealed, &key_context(&up.id))?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| Error::Corrupt("upstream private key is not UTF-8".into()))
    }

    /// The upstream as the protocol talks to it: with its secrets in clear.
    pub fn client<'a>(
        &self,
        up: &'a Upstream,
        redirect_uri: &'a str,
    ) -> Result<super::protocol::UpstreamClient<'a>> {
        Ok(super::protocol::UpstreamClient {
            upstream: up,
            client_secret: self.client_secret(up)?,
            private_key: self.private_key(up)?,
            redirect_uri,
        })
    }

    /// Changes an upstream.
    pub async fn update(
        &self,
        name: &str,
        changes: UpstreamChanges,
        by: impl Into<ChangedBy<'_>>,
    ) -> Result<Upstream> {
        self.update_if(name, changes, by.into(), None).await
    }

    /// Changes an upstream if its version (see [`crate::admin::version_of`] of
    /// `updated_at`) is still `expected` (none: whatever it is); `Stale` otherwise, also when
    /// it changes between reading and writing.
    pub async fn update_if(
        &self,
        name: &str,
        changes: UpstreamChanges,
        by: ChangedBy<'_>,
        expected: Option<&str>,
    ) -> Result<Upstream> {
        let found = upstream::Entity::find()
            .filter(upstream::Column::Name.eq(name))
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("upstream"))?;
        let id = found.id.clone();
        let read_at = found.updated_at;
        if expected.is_some_and(|v| v != crate::admin::version_of(read_at)) {
            return Err(Error::Stale("upstream"));
        }
        let current = Upstream::try_from(found.clone())?;
        let mut row: upstream::ActiveModel = found.into();
        if let Some(v) = changes.display_name {
            row.display_name = Set(check_display_name(&v)?);
        }
        if let Some(v) = changes.issuer {
            row.issuer = Set(check_url("issuer", &v)?);
        }
        if let Some(v) = changes.authorization_endpoint {
            row.authorization_endpoint = Set(optional_url("authorization_endpoint", Some(&v))?);
        }
        if let Some(v) = changes.token_endpoint {
            row.token_endpoint = Set(optional_url("token_endpoint", Some(&v))?);
        }
        if let Some(v) = changes.userinfo_endpoint {
            row.userinfo_endpoint = Set(optional_url("userinfo_endpoint", Some(&v))?);
        }
        if let Some(v) = changes.jwks_uri {
            row.jwks_uri = Set(optional_url("jwks_uri", Some(&v))?);
        }
        if let Some(v) = changes.emails_endpoint {
            row.emails_endpoint = Set(optional_url("emails_endpoint", Some(&v))?);
        }
        let mut settings = current.settings.clone();
        let blank = |v: String| Some(v).filter(|v| !v.trim().is_empty());
        if let Some(v) = changes.tenant {
            settings.tenant = blank(v);
        }
        if let Some(v) = changes.allowed_tenants {
            settings.allowed_tenants = v;
        }
        if let Some(v) = changes.apple_team_id {
            settings.apple_team_id = blank(v);
        }
        if let Some(v) = changes.apple_key_id {
            settings.apple_key_id = blank(v);
        }
        let has_key = current.has_private_key || changes.private_key.is_some();
        let settings = check_settings(current.preset, &settings, has_key)?;
        if settings != current.settings {
            row.settings = Set((!settings.is_empty())
                .then(|| serde_json::to_value(&settings))
                .transpose()
                .map_err(|e| Error::Corrupt(e.to_string()))?);
        }
        if let Some(pem) = changes.private_key {
            check_private_key(&pem)?;
            row.private_key = Set(Some(
                self.secrets
                    .encrypt(pem.trim().as_bytes(), &key_context(&id))?,
            ));
        }
        if let Some(v) = changes.client_id {
            row.client_id = Set(check_client_id(&v)?);
        }
        if let Some(secret) = changes.client_secret {
            check_secret(&secret)?;
            if current.preset == Some(Preset::Apple) {
                return Err(Error::invalid(
                    "client_secret",
                    "the apple preset signs its own client secret with the private key",
                ));
            }
            row.client_secret = Set(Some(
                self.secrets
                    .encrypt(secret.as_bytes(), &secret_context(&id))?,
            ));
        }
        if let Some(v) = changes.scopes {
            row.scopes = Set(serde_json::Value::from(check_scopes(&v, current.preset)?));
        }
        if let Some(v) = changes.first_login {
            row.first_login = Set(v.as_str().to_owned());
        }
        if let Some(v) = changes.trusted_for_email {
            row.trusted_for_email = Set(v);
        }
        if let Some(v) = changes.trusted_for_acr {
            row.trusted_for_acr = Set(v);
        }
        if let Some(v) = changes.trusted_for_mfa {
            row.trusted_for_mfa = Set(v);
        }
        if let Some(v) = changes.enabled {
            row.enabled = Set(v);
        }
        if let Some(v) = changes.allowed_clients {
            row.allowed_clients = Set(self.check_clients(&v).await?);
        }
        row.updated_at = Set(now());
        // Written only over the row as read: a change made meanwhile is not overwritten.
        let updated: Upstream = upstream::Entity::update(row)
            .validate()?
            .filter(upstream::Column::UpdatedAt.eq(read_at))
            .exec(&self.db)
            .await
            .map_err(|e| match e {
                sea_orm::DbErr::RecordNotUpdated => Error::Stale("upstream"),
                e => Error::Database(e),
            })?
            .try_into()?;
        self.record("upstream.updated", &updated, by).await?;
        Ok(updated)
    }

    /// Deletes an upstream with its links (the accounts stay) and its sign-ins in progress.
    pub async fn delete(&self, name: &str, by: impl Into<ChangedBy<'_>>) -> Result<Upstream> {
        let by = by.into();
        let found = self.get(name).await?;
        upstream::Entity::delete_by_id(found.id.clone())
            .exec(&self.db)
            .await?;
        self.record("upstream.deleted", &found, by).await?;
        Ok(found)
    }
}
