//! `gatehouse idp ...`: upstream identity providers people may sign in through.

use anyhow::Context as _;
use clap::{Args, Subcommand};
use domain::admin::{Actor, UpstreamView};
use domain::federation::{
    Endpoints, FirstLogin, MappingTarget, NewMapping, NewUpstream, Preset, PresetSettings,
    PresetSetup, UpstreamChanges,
};

use super::output;
use crate::services::Services;

/// Identity provider commands. Every command takes `--json`.
#[derive(Debug, Subcommand)]
pub enum IdpCommand {
    /// Add an OpenID Connect provider or a preset (google, microsoft, apple, github, facebook,
    /// x). Prints the redirect URI to register at it.
    Create(Box<CreateArgs>),
    /// List the providers.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one provider (never its client secret).
    Show {
        /// The provider's name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change a provider's settings.
    Update(Box<UpdateArgs>),
    /// Delete a provider with its account links and mapping rules (the accounts stay; the
    /// grants its rules made go).
    Delete {
        /// The provider's name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Claim-to-role mapping rules of a provider.
    #[command(subcommand)]
    Mapping(MappingCommand),
}

/// `gatehouse idp mapping ...`: rules that grant a role, or a group membership, to whoever
/// signs in through the provider with a claim of a given value (applied at every sign-in).
#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Add a rule: the claim at PATH is VALUE (or an array holding it) -> a role or a group.
    Add {
        /// The provider's name.
        name: String,
        /// A dot path into the provider's claims: groups, realm_access.roles, hd.
        #[arg(long, value_name = "PATH")]
        claim: String,
        /// The value the claim must be, or an array claim must hold.
        #[arg(long, value_name = "VALUE")]
        value: String,
        /// The global role granted.
        #[arg(
            long,
            value_name = "ROLE",
            required_unless_present = "group",
            conflicts_with = "group"
        )]
        role: Option<String>,
        /// The group joined.
        #[arg(long, value_name = "GROUP")]
        group: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List a provider's rules.
    List {
        /// The provider's name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a rule, and the grants it made (unless another rule holds them too).
    Remove {
        /// The provider's name.
        name: String,
        /// The rule's id (see `idp mapping list`).
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Endpoint overrides (tests, sovereign clouds): they replace what discovery says.
#[derive(Debug, Args)]
pub struct EndpointArgs {
    /// authorization_endpoint override (empty with `update`: none).
    #[arg(long, value_name = "URL")]
    authorization_endpoint: Option<String>,
    /// token_endpoint override.
    #[arg(long, value_name = "URL")]
    token_endpoint: Option<String>,
    /// userinfo_endpoint override.
    #[arg(long, value_name = "URL")]
    userinfo_endpoint: Option<String>,
    /// jwks_uri override.
    #[arg(long, value_name = "URL")]
    jwks_uri: Option<String>,
    /// GitHub: the address list endpoint override (default https://api.github.com/user/emails).
    /// For the OAuth 2.0 presets (github, facebook, x), --userinfo-endpoint overrides the
    /// profile endpoint.
    #[arg(long, value_name = "URL")]
    emails_endpoint: Option<String>,
}

/// Preset settings (Microsoft, Apple).
#[derive(Debug, Args)]
pub struct PresetArgs {
    /// microsoft: the tenant whose discovery document is used: common (default),
    /// organizations, consumers, or a tenant id (which then is the only tenant accepted).
    #[arg(long, value_name = "TENANT")]
    tenant: Option<String>,
    /// microsoft: accept ID tokens of this tenant id only (repeatable; default any tenant).
    #[arg(long = "allowed-tenant", value_name = "TENANT_ID")]
    allowed_tenants: Vec<String>,
    /// apple: the team id (the issuer of the client secret Gatehouse signs).
    #[arg(long, value_name = "TEAM_ID")]
    apple_team_id: Option<String>,
    /// apple: the id of the Sign in with Apple private key.
    #[arg(long, value_name = "KEY_ID")]
    apple_key_id: Option<String>,
    /// apple: the private key file (.p8, PKCS#8 PEM); stored encrypted, never shown.
    #[arg(long, value_name = "PATH")]
    apple_private_key_file: Option<std::path::PathBuf>,
}

/// Every field of `idp create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Short unique name (a-z, 0-9, - and _), in URLs and commands.
    #[arg(long)]
    name: String,
    /// The issuer URL (its discovery document is at ISSUER/.well-known/openid-configuration).
    /// With --preset: the preset's unless given (for OAuth 2.0 presets, the identifier that
    /// keys the links).
    #[arg(long, value_name = "URL", required_unless_present = "preset")]
    issuer: Option<String>,
    /// A well-known provider: google, microsoft, apple, github, facebook or x.
    #[arg(long, value_name = "PRESET", value_parser = ["google", "microsoft", "apple", "github", "facebook", "x"])]
    preset: Option<String>,
    #[command(flatten)]
    settings: PresetArgs,
    /// Gatehouse's client id at the provider.
    #[arg(long)]
    client_id: String,
    /// Read the client secret from standard input (never from the command line).
    #[arg(long)]
    client_secret_stdin: bool,
    /// A scope to ask for (repeatable; default openid email profile, or the preset's; openid
    /// is always asked of OpenID Connect providers).
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// The text of the sign-in button (default: the name).
    #[arg(long)]
    display_name: Option<String>,
    /// First sign-in without a link: create an account, link to an existing one (strictly),
    /// or deny.
    #[arg(long, value_name = "POLICY", default_value = "create", value_parser = ["create", "link", "deny"])]
    first_login: String,
    /// Believe the provider's email_verified (for new accounts and automatic linking).
    #[arg(long)]
    trusted_for_email: bool,
    /// Honour the provider's acr for step-up (multi-factor assurance).
    #[arg(long)]
    trusted_for_acr: bool,
    /// Let the provider's second factor (shown by its amr) stand in for the local one.
    #[arg(long)]
    trusted_for_mfa: bool,
    /// Only the sign-in pages of this client offer it (repeatable; default every client).
    #[arg(long = "allowed-client", value_name = "CLIENT_ID")]
    allowed_clients: Vec<String>,
    /// Add it switched off.
    #[arg(long)]
    disabled: bool,
    #[command(flatten)]
    endpoints: EndpointArgs,
    /// Print JSON (with `redirect_uri`).
    #[arg(long)]
    json: bool,
}

/// Every field of `idp update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The provider's name.
    name: String,
    /// The issuer URL.
    #[arg(long, value_name = "URL")]
    issuer: Option<String>,
    /// Gatehouse's client id at the provider.
    #[arg(long)]
    client_id: Option<String>,
    /// Read a new client secret from standard input.
    #[arg(long)]
    client_secret_stdin: bool,
    /// The scopes to ask for (repeatable; replaces the list).
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// The text of the sign-in button.
    #[arg(long)]
    display_name: Option<String>,
    /// create, link or deny.
    #[arg(long, value_name = "POLICY", value_parser = ["create", "link", "deny"])]
    first_login: Option<String>,
    /// Believe the provider's email_verified: true or false.
    #[arg(long, value_name = "BOOL")]
    trusted_for_email: Option<bool>,
    /// Honour the provider's acr for step-up: true or false.
    #[arg(long, value_name = "BOOL")]
    trusted_for_acr: Option<bool>,
    /// Let the provider's second factor stand in for the local one: true or false.
    #[arg(long, value_name = "BOOL")]
    trusted_for_mfa: Option<bool>,
    /// Offer it on the sign-in page: true or false.
    #[arg(long, value_name = "BOOL")]
    enabled: Option<bool>,
    /// Only these clients offer it (repeatable; replaces the list).
    #[arg(long = "allowed-client", value_name = "CLIENT_ID")]
    allowed_clients: Vec<String>,
    /// Every client offers it (clears the allow-list).
    #[arg(long, conflicts_with = "allowed_clients")]
    all_clients: bool,
    /// microsoft: accept every tenant again (clears --allowed-tenant).
    #[arg(long, conflicts_with = "allowed_tenants")]
    all_tenants: bool,
    #[command(flatten)]
    settings: PresetArgs,
    #[command(flatten)]
    endpoints: EndpointArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn print(up: &UpstreamView) -> anyhow::Result<()> {
    let value = serde_json::to_value(up)?;
    if let Some(fields) = value.as_object() {
        for (k, v) in fields {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(" "),
                serde_json::Value::Object(o) => o
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                other => other.to_string(),
            };
            println!("{k:<20} {text}");
        }
    }
    Ok(())
}

/// The private key file's text (read off the async executor).
async fn private_key(path: Option<std::path::PathBuf>) -> anyhow::Result<Option<String>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let text = tokio::fs::read_to_string(&path)
        .await
        .with_context(|| format!("cannot read the private key file {}", path.display()))?;
    Ok(Some(text))
}

fn secret(from_stdin: bool) -> anyhow::Result<Option<String>> {
    if !from_stdin {
        return Ok(None);
    }
    super::password::read_stdin("client secret").map(Some)
}

/// Runs an identity provider command (through administration, as the operator).
pub async fn run(services: &Services, cmd: IdpCommand) -> anyhow::Result<()> {
    let admin = services.admin();
    let operator = Actor::operator();
    match cmd {
        IdpCommand::Create(args) => {
            let a = *args;
            let key = private_key(a.settings.apple_private_key_file).await?;
            let preset = match a.preset.as_deref() {
                Some(p) => Some(PresetSetup {
                    preset: Preset::parse(p)?,
                    settings: PresetSettings {
                        tenant: a.settings.tenant,
                        allowed_tenants: a.settings.allowed_tenants,
                        apple_team_id: a.settings.apple_team_id,
                        apple_key_id: a.settings.apple_key_id,
                    },
                    private_key: key,
                }),
                None => {
                    if a.settings.tenant.is_some()
                        || !a.settings.allowed_tenants.is_empty()
                        || a.settings.apple_team_id.is_some()
                        || a.settings.apple_key_id.is_some()
                        || key.is_some()
                    {
                        anyhow::bail!(
                            "--tenant, --allowed-tenant and --apple-* are settings of a --preset"
                        );
                    }
                    None
                }
            };
            let made = admin
                .create_upstream(
                    &operator,
                    NewUpstream {
                        name: a.name,
                        display_name: a.display_name,
                        issuer: a.issuer.unwrap_or_default(),
                        preset,
                        endpoints: Endpoints {
                            authorization: a.endpoints.authorization_endpoint,
                            token: a.endpoints.token_endpoint,
                            userinfo: a.endpoints.userinfo_endpoint,
                            jwks: a.endpoints.jwks_uri,
                            emails: a.endpoints.emails_endpoint,
                        },
                        client_id: a.client_id,
                        client_secret: secret(a.client_secret_stdin)?,
                        scopes: a.scopes,
                        first_login: FirstLogin::parse(&a.first_login)?,
                        trusted_for_email: a.trusted_for_email,
                        trusted_for_acr: a.trusted_for_acr,
                        trusted_for_mfa: a.trusted_for_mfa,
                        enabled: !a.disabled,
                        allowed_clients: a.allowed_clients,
                    },
                )
                .await?;
            if a.json {
                return output::json(&made);
            }
            println!("created identity provider {}", made.upstream.name);
            println!(
                "register this redirect URI at the provider: {}",
                made.redirect_uri
            );
            Ok(())
        }
        IdpCommand::List { json } => {
            let all = admin.list_upstreams(&operator).await?;
            if json {
                return output::json(&all);
            }
            let yes = |b: bool| if b { "yes" } else { "no" }.to_owned();
            let rows: Vec<Vec<String>> = all
                .into_iter()
                .map(|UpstreamView { upstream: u, .. }| {
                    let trusted: Vec<&str> = [
                        (u.trusted_for_email, "email"),
                        (u.trusted_for_acr, "acr"),
                        (u.trusted_for_mfa, "mfa"),
                    ]
                    .into_iter()
                    .filter_map(|(on, what)| on.then_some(what))
                    .collect();
                    vec![
                        u.name,
                        u.display_name,
                        u.preset.map_or("oidc", Preset::as_str).to_owned(),
                        u.issuer,
                        u.first_login.as_str().to_owned(),
                        if trusted.is_empty() {
                            "-".to_owned()
                        } else {
                            trusted.join(",")
                        },
                        yes(u.enabled),
                    ]
                })
                .collect();
            output::table(
                &[
                    "NAME",
                    "BUTTON",
                    "PRESET",
                    "ISSUER",
                    "FIRST LOGIN",
                    "TRUSTED FOR",
                    "ENABLED",
                ],
                &rows,
            );
            Ok(())
        }
        IdpCommand::Show { name, json } => {
            let up = admin.upstream(&operator, &name).await?;
            if json {
                return output::json(&up);
            }
            print(&up)
        }
        IdpCommand::Update(args) => {
            let a = *args;
            let e = a.endpoints;
            let p = a.settings;
            let changes = UpstreamChanges {
                display_name: a.display_name,
                issuer: a.issuer,
                authorization_endpoint: e.authorization_endpoint,
                token_endpoint: e.token_endpoint,
                userinfo_endpoint: e.userinfo_endpoint,
                jwks_uri: e.jwks_uri,
                emails_endpoint: e.emails_endpoint,
                tenant: p.tenant,
                allowed_tenants: if a.all_tenants {
                    Some(Vec::new())
                } else {
                    (!p.allowed_tenants.is_empty()).then_some(p.allowed_tenants)
                },
                apple_team_id: p.apple_team_id,
                apple_key_id: p.apple_key_id,
                private_key: private_key(p.apple_private_key_file).await?,
                client_id: a.client_id,
                client_secret: secret(a.client_secret_stdin)?,
                scopes: (!a.scopes.is_empty()).then_some(a.scopes),
                first_login: a
                    .first_login
                    .as_deref()
                    .map(FirstLogin::parse)
                    .transpose()?,
                trusted_for_email: a.trusted_for_email,
                trusted_for_acr: a.trusted_for_acr,
                trusted_for_mfa: a.trusted_for_mfa,
                enabled: a.enabled,
                allowed_clients: if a.all_clients {
                    Some(Vec::new())
                } else {
                    (!a.allowed_clients.is_empty()).then_some(a.allowed_clients)
                },
            };
            let up = admin
                .update_upstream(&operator, &a.name, changes, None)
                .await?;
            if a.json {
                return output::json(&up);
            }
            println!("updated identity provider {}", up.upstream.name);
            Ok(())
        }
        IdpCommand::Delete { name, json } => {
            let gone = admin.delete_upstream(&operator, &name).await?;
            if json {
                return output::json(&serde_json::json!({ "deleted": gone }));
            }
            println!("deleted identity provider {}", gone.upstream.name);
            Ok(())
        }
        IdpCommand::Mapping(cmd) => mapping(services, cmd).await,
    }
}

/// Runs a mapping command.
async fn mapping(services: &Services, cmd: MappingCommand) -> anyhow::Result<()> {
    let admin = services.admin();
    let operator = Actor::operator();
    match cmd {
        MappingCommand::Add {
            name,
            claim,
            value,
            role,
            group,
            json,
        } => {
            let target = match (role, group) {
                (Some(r), _) => MappingTarget::Role(r),
                (None, Some(g)) => MappingTarget::Group(g),
                (None, None) => anyhow::bail!("give --role or --group"),
            };
            let made = admin
                .add_upstream_mapping(
                    &operator,
                    &name,
                    NewMapping {
                        claim,
                        value,
                        target,
                    },
                )
                .await?;
            if json {
                return output::json(&made);
            }
            println!("added mapping {} to identity provider {name}", made.id);
            Ok(())
        }
        MappingCommand::List { name, json } => {
            let all = admin.upstream_mappings(&operator, &name).await?;
            if json {
                return output::json(&all);
            }
            let rows: Vec<Vec<String>> = all
                .into_iter()
                .map(|m| {
                    let to = match (m.role, m.group) {
                        (Some(r), _) => format!("role {r}"),
                        (None, Some(g)) => format!("group {g}"),
                        (None, None) => "-".to_owned(),
                    };
                    vec![m.id, m.claim, m.value, to]
                })
                .collect();
            output::table(&["ID", "CLAIM", "VALUE", "GIVES"], &rows);
            Ok(())
        }
        MappingCommand::Remove { name, id, json } => {
            let gone = admin.remove_upstream_mapping(&operator, &name, &id).await?;
            if json {
                return output::json(&serde_json::json!({ "removed": gone }));
            }
            println!("removed mapping {} of identity provider {name}", gone.id);
            Ok(())
        }
    }
}
