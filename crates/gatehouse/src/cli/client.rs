//! `gatehouse client ...`

use clap::{Args, Subcommand};
use domain::admin::{Actor, ClientPatch};
use domain::clients::{Client, ClientMetadata, NewClient};
use domain::keys::KeyAlg;
use serde::Serialize;

use super::output;
use crate::services::Services;

/// Client commands.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client (a redirect URI is required for the authorization_code grant).
    Create(Box<CreateArgs>),
    /// List clients.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one client.
    Show {
        /// The client_id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change settings of a registered client, keeping its client_id and secret. Only the
    /// options given change; a repeatable option given replaces the whole list.
    Update(Box<UpdateArgs>),
    /// Give a confidential client a new secret (printed once); the old one keeps working
    /// for the grace period.
    RotateSecret {
        /// The client_id.
        id: String,
        /// How long the old secret keeps working, e.g. 24h (at most 30d; 0: it stops now).
        #[arg(long, value_name = "DURATION", value_parser = super::apikey::parse_duration, default_value = "0s")]
        grace: std::time::Duration,
        /// Print JSON (`client_secret` and every field).
        #[arg(long)]
        json: bool,
    },
    /// Refuse the client everywhere (as if unknown), keeping its settings.
    Disable {
        /// The client_id.
        id: String,
        /// Print the client as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Accept a disabled client again.
    Enable {
        /// The client_id.
        id: String,
        /// Print the client as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a client with its codes, tokens and consents.
    Delete {
        /// The client_id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Initial access tokens for dynamic client registration (RFC 7591).
    #[command(subcommand)]
    InitialToken(super::initial_token::InitialTokenCommand),
}

/// The fields `client update` may change (each optional).
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The client_id.
    id: String,
    /// Name shown on the login and consent pages.
    #[arg(long)]
    name: Option<String>,
    /// Exact redirect URI (repeatable; replaces the list).
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Option<Vec<String>>,
    /// Exact post-logout redirect URI (repeatable; replaces the list).
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    post_logout_redirect_uris: Option<Vec<String>>,
    /// Allowed grant type (repeatable; replaces the list).
    #[arg(long = "grant-type", value_name = "TYPE")]
    grant_types: Option<Vec<String>>,
    /// Allowed response type (repeatable; replaces the list).
    #[arg(long = "response-type", value_name = "TYPE")]
    response_types: Option<Vec<String>>,
    /// Scope the client may request (repeatable; replaces the list).
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Option<Vec<String>>,
    /// client_secret_basic or client_secret_post.
    #[arg(long, value_name = "METHOD")]
    token_endpoint_auth_method: Option<String>,
    /// jwt or opaque.
    #[arg(long, value_name = "FORMAT")]
    access_token_format: Option<String>,
    /// ID token signing algorithm.
    #[arg(long, value_name = "ALG")]
    id_token_signed_response_alg: Option<String>,
    /// Userinfo signing algorithm ("": plain JSON).
    #[arg(long, value_name = "ALG")]
    userinfo_signed_response_alg: Option<String>,
    /// JWT access token signing algorithm.
    #[arg(long, value_name = "ALG")]
    access_token_signing_alg: Option<String>,
    /// Refuse authorization requests without PKCE.
    #[arg(long, value_name = "true|false")]
    require_pkce: Option<bool>,
    /// Users must use a second factor.
    #[arg(long, value_name = "true|false")]
    require_mfa: Option<bool>,
    /// A first-party client (may skip consent when configured).
    #[arg(long, value_name = "true|false")]
    first_party: Option<bool>,
    /// Home page ("" clears).
    #[arg(long, value_name = "URI")]
    client_uri: Option<String>,
    /// Logo ("" clears).
    #[arg(long, value_name = "URI")]
    logo_uri: Option<String>,
    /// Privacy policy ("" clears).
    #[arg(long, value_name = "URI")]
    policy_uri: Option<String>,
    /// Terms of service ("" clears).
    #[arg(long, value_name = "URI")]
    tos_uri: Option<String>,
    /// Back-channel logout endpoint ("" clears).
    #[arg(long, value_name = "URI")]
    backchannel_logout_uri: Option<String>,
    /// Logout tokens must carry `sid`.
    #[arg(long, value_name = "true|false")]
    backchannel_logout_session_required: Option<bool>,
    /// Front-channel logout page ("" clears).
    #[arg(long, value_name = "URI")]
    frontchannel_logout_uri: Option<String>,
    /// The front-channel logout page gets `iss` and `sid`.
    #[arg(long, value_name = "true|false")]
    frontchannel_logout_session_required: Option<bool>,
    /// Web origin allowed to call the token endpoints from a browser (repeatable; replaces
    /// the list; give "" alone for the default).
    #[arg(long = "allowed-origin", value_name = "URL")]
    allowed_origins: Option<Vec<String>>,
    /// Resource the client may ask tokens for (repeatable; replaces the list).
    #[arg(long = "resource", value_name = "URI")]
    resources: Option<Vec<String>>,
    /// Token exchange without an actor token.
    #[arg(long, value_name = "true|false")]
    allow_impersonation: Option<bool>,
    /// Guest sign-ins.
    #[arg(long, value_name = "true|false")]
    allow_guests: Option<bool>,
    /// Accept only pushed authorization requests (RFC 9126) at /authorize.
    #[arg(long, value_name = "true|false")]
    require_pushed_authorization_requests: Option<bool>,
    /// Require DPoP-bound access tokens (RFC 9449): token requests without a proof fail.
    #[arg(long, value_name = "true|false")]
    dpop_bound_access_tokens: Option<bool>,
    /// Token kinds that carry the role and group claims: comma-separated access_token,
    /// id_token, userinfo, or `none`.
    #[arg(long = "role-claims-in", value_delimiter = ',', value_name = "KINDS")]
    role_claims_in: Option<Vec<String>>,
    /// Keys, algorithms, encryption, profile and subject type.
    #[command(flatten)]
    metadata: MetadataArgs,
    /// Print the client as JSON.
    #[arg(long)]
    json: bool,
}

impl UpdateArgs {
    /// The change as the admin operation takes it.
    fn patch(self) -> ClientPatch {
        let no_empty = |v: Vec<String>| v.into_iter().filter(|s| !s.is_empty()).collect();
        ClientPatch {
            name: self.name,
            public: None,
            redirect_uris: self.redirect_uris,
            post_logout_redirect_uris: self.post_logout_redirect_uris,
            grant_types: self.grant_types,
            response_types: self.response_types,
            scopes: self.scopes,
            token_endpoint_auth_method: self.token_endpoint_auth_method,
            access_token_format: self.access_token_format,
            id_token_signed_response_alg: self.id_token_signed_response_alg,
            userinfo_signed_response_alg: self.userinfo_signed_response_alg,
            access_token_signing_alg: self.access_token_signing_alg,
            first_party: self.first_party,
            require_pkce: self.require_pkce,
            require_mfa: self.require_mfa,
            client_uri: self.client_uri,
            logo_uri: self.logo_uri,
            policy_uri: self.policy_uri,
            tos_uri: self.tos_uri,
            backchannel_logout_uri: self.backchannel_logout_uri,
            backchannel_logout_session_required: self.backchannel_logout_session_required,
            frontchannel_logout_uri: self.frontchannel_logout_uri,
            frontchannel_logout_session_required: self.frontchannel_logout_session_required,
            allowed_origins: self.allowed_origins.map(no_empty),
            resources: self.resources,
            allow_impersonation: self.allow_impersonation,
            role_claims: self.role_claims_in.map(role_claim_kinds),
            allow_guests: self.allow_guests,
            require_pushed_authorization_requests: self.require_pushed_authorization_requests,
            dpop_bound_access_tokens: self.dpop_bound_access_tokens,
            ..self.metadata.into_patch()
        }
    }
}

/// The registration metadata of the OpenID and OAuth registration specs (keys,
/// algorithms, encryption, profile, subject type): the same options on `client create` and
/// `client update` (where `""`, or `{}` for `--jwks`, clears one).
#[derive(Debug, Args)]
pub struct MetadataArgs {
    /// The client's public keys as a JWK Set in JSON (for private_key_jwt and signed
    /// request objects); or use --jwks-uri.
    #[arg(long, value_name = "JSON", value_parser = parse_json)]
    jwks: Option<serde_json::Value>,
    /// Where the client publishes its public keys (https).
    #[arg(long, value_name = "URI")]
    jwks_uri: Option<String>,
    /// The one algorithm accepted for the client's assertions (private_key_jwt: RS256,
    /// PS256, ES256, EdDSA; client_secret_jwt: HS256).
    #[arg(long, value_name = "ALG")]
    token_endpoint_auth_signing_alg: Option<String>,
    /// The one algorithm accepted for the client's request objects (`none`: unsigned).
    #[arg(long, value_name = "ALG")]
    request_object_signing_alg: Option<String>,
    /// Encrypt ID tokens to the client's key: RSA-OAEP-256, RSA-OAEP, ECDH-ES,
    /// ECDH-ES+A128KW or ECDH-ES+A256KW (needs --jwks or --jwks-uri).
    #[arg(long, value_name = "ALG")]
    id_token_encrypted_response_alg: Option<String>,
    /// Content encryption of encrypted ID tokens: A128CBC-HS256 (default), A128GCM, A256GCM.
    #[arg(long, value_name = "ENC")]
    id_token_encrypted_response_enc: Option<String>,
    /// Encrypt userinfo answers to the client's key (algorithms as for ID tokens).
    #[arg(long, value_name = "ALG")]
    userinfo_encrypted_response_alg: Option<String>,
    /// Content encryption of encrypted userinfo answers (default A128CBC-HS256).
    #[arg(long, value_name = "ENC")]
    userinfo_encrypted_response_enc: Option<String>,
    /// Algorithm of JARM authorization responses (`response_mode=jwt`); default RS256.
    #[arg(long, value_name = "ALG")]
    authorization_signed_response_alg: Option<String>,
    /// `fapi2`: hold the client to the FAPI 2.0 Security Profile (pushed requests, PKCE,
    /// private_key_jwt, DPoP-bound tokens, PS256/ES256/EdDSA, 60 s codes).
    #[arg(long, value_name = "PROFILE")]
    profile: Option<String>,
    /// `public` (default) or `pairwise`: a different `sub` per sector.
    #[arg(long, value_name = "TYPE")]
    subject_type: Option<String>,
    /// https URL of a JSON array of the client's redirect URIs; its host is the pairwise
    /// sector.
    #[arg(long, value_name = "URI")]
    sector_identifier_uri: Option<String>,
}

impl MetadataArgs {
    /// The metadata of a new client (other fields: defaults).
    fn into_metadata(self) -> ClientMetadata {
        ClientMetadata {
            jwks: self.jwks,
            jwks_uri: self.jwks_uri,
            token_endpoint_auth_signing_alg: self.token_endpoint_auth_signing_alg,
            request_object_signing_alg: self.request_object_signing_alg,
            id_token_encrypted_response_alg: self.id_token_encrypted_response_alg,
            id_token_encrypted_response_enc: self.id_token_encrypted_response_enc,
            userinfo_encrypted_response_alg: self.userinfo_encrypted_response_alg,
            userinfo_encrypted_response_enc: self.userinfo_encrypted_response_enc,
            authorization_signed_response_alg: self.authorization_signed_response_alg,
            profile: self.profile,
            subject_type: self.subject_type,
            sector_identifier_uri: self.sector_identifier_uri,
            ..ClientMetadata::default()
        }
    }

    /// The change to an existing client (other fields: unchanged).
    fn into_patch(self) -> ClientPatch {
        ClientPatch {
            jwks: self.jwks,
            jwks_uri: self.jwks_uri,
            token_endpoint_auth_signing_alg: self.token_endpoint_auth_signing_alg,
            request_object_signing_alg: self.request_object_signing_alg,
            id_token_encrypted_response_alg: self.id_token_encrypted_response_alg,
            id_token_encrypted_response_enc: self.id_token_encrypted_response_enc,
            userinfo_encrypted_response_alg: self.userinfo_encrypted_response_alg,
            userinfo_encrypted_response_enc: self.userinfo_encrypted_response_enc,
            authorization_signed_response_alg: self.authorization_signed_response_alg,
            profile: self.profile,
            subject_type: self.subject_type,
            sector_identifier_uri: self.sector_identifier_uri,
            ..ClientPatch::default()
        }
    }
}

/// Every registration field of `client create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Name shown on the login and consent pages.
    #[arg(long)]
    name: String,
    /// Exact redirect URI (repeatable).
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Vec<String>,
    /// Exact post-logout redirect URI (repeatable).
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    post_logout_redirect_uris: Vec<String>,
    /// A public client: no secret, PKCE required.
    #[arg(long)]
    public: bool,
    /// Allowed grant type (repeatable): authorization_code, refresh_token, client_credentials,
    /// urn:ietf:params:oauth:grant-type:token-exchange,
    /// urn:ietf:params:oauth:grant-type:device_code.
    #[arg(long = "grant-type", value_name = "TYPE")]
    grant_types: Vec<String>,
    /// Allowed response type (repeatable): code.
    #[arg(long = "response-type", value_name = "TYPE")]
    response_types: Vec<String>,
    /// A scope the client may request (repeatable); default the standard OIDC scopes.
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// client_secret_basic (default) or client_secret_post (a client with a secret may use
    /// either), or none (public clients).
    #[arg(long, value_name = "METHOD")]
    token_endpoint_auth_method: Option<String>,
    /// jwt (default) or opaque.
    #[arg(long, value_name = "FORMAT")]
    access_token_format: Option<String>,
    /// RS256 (default), PS256, ES256 or EdDSA.
    #[arg(long, value_name = "ALG")]
    id_token_signed_response_alg: Option<String>,
    /// Sign userinfo responses with this algorithm (default: plain JSON).
    #[arg(long, value_name = "ALG")]
    userinfo_signed_response_alg: Option<String>,
    /// Algorithm of JWT access tokens: RS256 (default), PS256, ES256 or EdDSA.
    #[arg(long, value_name = "ALG")]
    access_token_signing_alg: Option<String>,
    /// Refuse authorization requests without PKCE (public clients always need it).
    #[arg(long)]
    require_pkce: bool,
    /// Users signing in to this client must use a second factor (set one up if they have none).
    #[arg(long)]
    require_mfa: bool,
    /// A first-party client: may skip consent when configured.
    #[arg(long)]
    first_party: bool,
    /// Home page of the client.
    #[arg(long, value_name = "URI")]
    client_uri: Option<String>,
    /// Logo shown on the login and consent pages.
    #[arg(long, value_name = "URI")]
    logo_uri: Option<String>,
    /// Privacy policy.
    #[arg(long, value_name = "URI")]
    policy_uri: Option<String>,
    /// Terms of service.
    #[arg(long, value_name = "URI")]
    tos_uri: Option<String>,
    /// Back-channel logout endpoint: receives a logout token when a session the client
    /// signed in to ends.
    #[arg(long, value_name = "URI")]
    backchannel_logout_uri: Option<String>,
    /// The client requires `sid` in logout tokens (Gatehouse always sends it).
    #[arg(long)]
    backchannel_logout_session_required: bool,
    /// Front-channel logout page, loaded in an iframe of the signed-out page.
    #[arg(long, value_name = "URI")]
    frontchannel_logout_uri: Option<String>,
    /// Load the front-channel logout page with `iss` and `sid`.
    #[arg(long)]
    frontchannel_logout_session_required: bool,
    /// A web origin (scheme://host[:port]) allowed to call /token, /userinfo and /revoke from
    /// a browser (repeatable); default for public clients: their redirect URIs' origins.
    #[arg(long = "allowed-origin", value_name = "URL")]
    allowed_origins: Vec<String>,
    /// A resource (RFC 8707, absolute URI) the client may ask tokens for with `resource` or
    /// `audience` (repeatable); none: tokens are for the client itself.
    #[arg(long = "resource", value_name = "URI")]
    resources: Vec<String>,
    /// Allow token exchange without an actor token (impersonation) for this client.
    #[arg(long)]
    allow_impersonation: bool,
    /// Let the client start guest sign-ins (`guest=true`): an account without address or
    /// credential, which can register later keeping its `sub`.
    #[arg(long)]
    allow_guests: bool,
    /// Accept only pushed authorization requests (RFC 9126, POST /par first) at /authorize.
    #[arg(long)]
    require_pushed_authorization_requests: bool,
    /// Require DPoP-bound access tokens (RFC 9449): token requests without a DPoP proof
    /// are refused.
    #[arg(long)]
    dpop_bound_access_tokens: bool,
    /// Token kinds that carry the role and group claims (scopes `roles`, `groups`):
    /// comma-separated access_token, id_token, userinfo, or `none`; default all three.
    #[arg(long = "role-claims-in", value_delimiter = ',', value_name = "KINDS")]
    role_claims_in: Option<Vec<String>>,
    /// Keys, algorithms, encryption, profile and subject type.
    #[command(flatten)]
    metadata: MetadataArgs,
    /// Print client_id and client_secret (and every field) as JSON.
    #[arg(long)]
    json: bool,
}

/// A JSON argument, parsed.
fn parse_json(text: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))
}

/// The `--role-claims-in` list, with `none` meaning no token kind.
fn role_claim_kinds(given: Vec<String>) -> Vec<String> {
    given
        .into_iter()
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty() && k != "none")
        .collect()
}

impl From<CreateArgs> for NewClient {
    fn from(a: CreateArgs) -> Self {
        NewClient {
            name: a.name,
            redirect_uris: a.redirect_uris,
            post_logout_redirect_uris: a.post_logout_redirect_uris,
            public: a.public,
            grant_types: a.grant_types,
            response_types: a.response_types,
            scopes: a.scopes,
            token_endpoint_auth_method: a.token_endpoint_auth_method,
            access_token_format: a.access_token_format,
            id_token_signed_response_alg: a.id_token_signed_response_alg,
            userinfo_signed_response_alg: a.userinfo_signed_response_alg,
            access_token_signing_alg: a.access_token_signing_alg,
            first_party: a.first_party,
            require_pkce: a.require_pkce,
            require_mfa: a.require_mfa,
            client_uri: a.client_uri,
            logo_uri: a.logo_uri,
            policy_uri: a.policy_uri,
            tos_uri: a.tos_uri,
            backchannel_logout_uri: a.backchannel_logout_uri,
            backchannel_logout_session_required: a.backchannel_logout_session_required,
            frontchannel_logout_uri: a.frontchannel_logout_uri,
            frontchannel_logout_session_required: a.frontchannel_logout_session_required,
            allowed_origins: a.allowed_origins,
            resources: a.resources,
            allow_impersonation: a.allow_impersonation,
            allow_guests: a.allow_guests,
            require_pushed_authorization_requests: a.require_pushed_authorization_requests,
            dpop_bound_access_tokens: a.dpop_bound_access_tokens,
            role_claims: a.role_claims_in.map(role_claim_kinds),
            metadata: a.metadata.into_metadata(),
        }
    }
}

/// A newly created client with its one-time secret.
#[derive(Debug, Serialize)]
struct Created {
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    #[serde(flatten)]
    client: Client,
}

/// Refuses a signing algorithm that no key signs with: tokens for the client would fail.
/// The keys are those of `keys.algorithms` (created at start) and any active in the database.
async fn check_algorithms(services: &Services, new: &NewClient) -> anyhow::Result<()> {
    let mut available = services.config.key_algorithms()?;
    for key in services.keys.list().await? {
        if key.state == "active"
            && let Ok(alg) = KeyAlg::parse(&key.alg)
        {
            available.push(alg);
        }
    }
    let opaque = new.access_token_format.as_deref() == Some("opaque");
    let chosen = [
        (
            "id_token_signed_response_alg",
            &new.id_token_signed_response_alg,
        ),
        (
            "userinfo_signed_response_alg",
            &new.userinfo_signed_response_alg,
        ),
        (
            "access_token_signing_alg",
            if opaque {
                &None
            } else {
                &new.access_token_signing_alg
            },
        ),
    ];
    for (field, alg) in chosen {
        // Unknown names are refused by the registration's own validation.
        let Some(alg) = alg.as_deref().and_then(|a| KeyAlg::parse(a).ok()) else {
            continue;
        };
        if !available.contains(&alg) {
            let mut names: Vec<&str> = available.iter().map(|a| a.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            anyhow::bail!(
                "{field}: there is no {alg} signing key (keys.algorithms is {}); add {alg} to \
                 keys.algorithms and restart the server first, or choose one of those",
                names.join(", ")
            );
        }
    }
    Ok(())
}

/// Runs a client command.
pub async fn run(services: &Services, cmd: ClientCommand) -> anyhow::Result<()> {
    match cmd {
        ClientCommand::Create(args) => {
            let json = args.json;
            let new: NewClient = (*args).into();
            check_algorithms(services, &new).await?;
            let (client, secret) = services
                .admin()
                .create_client(&Actor::operator(), new)
                .await?;
            if json {
                return output::json(&Created {
                    client_secret: secret,
                    client,
                });
            }
            println!("client_id:     {}", client.client_id);
            match secret {
                Some(s) => {
                    println!("client_secret: {s}\n(the secret is shown only now: store it safely)")
                }
                None => println!("public client: no secret; PKCE (S256) is required"),
            }
            Ok(())
        }
        ClientCommand::List { json } => {
            let clients = services.clients.list().await?;
            if json {
                return output::json(&clients);
            }
            let rows: Vec<Vec<String>> = clients
                .into_iter()
                .map(|c| {
                    vec![
                        c.client_id,
                        c.name,
                        if c.public { "public" } else { "confidential" }.to_owned(),
                        c.grant_types.join(","),
                        c.redirect_uris.join(" "),
                    ]
                })
                .collect();
            output::table(
                &["CLIENT_ID", "NAME", "TYPE", "GRANTS", "REDIRECT URIS"],
                &rows,
            );
            Ok(())
        }
        ClientCommand::Show { id, json } => {
            let client = services.clients.get(&id).await?;
            if json {
                return output::json(&client);
            }
            let value = serde_json::to_value(&client)?;
            if let Some(fields) = value.as_object() {
                for (k, v) in fields {
                    let shown = match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    println!("{k:<30} {shown}");
                }
            }
            Ok(())
        }
        ClientCommand::Update(args) => {
            let (id, json) = (args.id.clone(), args.json);
            let patch = args.patch();
            let new = patch
                .clone()
                .apply(services.clients.get_any(&id).await?.to_new());
            check_algorithms(services, &new).await?;
            let client = services
                .admin()
                .update_client(&Actor::operator(), &id, patch, None)
                .await?;
            if json {
                return output::json(&client);
            }
            println!("updated client {id}");
            Ok(())
        }
        ClientCommand::RotateSecret { id, grace, json } => {
            let (client, secret) = services
                .admin()
                .rotate_client_secret(&Actor::operator(), &id, grace, None)
                .await?;
            if json {
                return output::json(&Created {
                    client_secret: Some(secret),
                    client,
                });
            }
            println!("client_secret: {secret}");
            match client.previous_secret_expires_at {
                Some(until) => println!("the previous secret works until {}", output::time(until)),
                None => println!("the previous secret no longer works"),
            }
            Ok(())
        }
        ClientCommand::Disable { id, json } => toggle(services, &id, false, json).await,
        ClientCommand::Enable { id, json } => toggle(services, &id, true, json).await,
        ClientCommand::InitialToken(cmd) => super::initial_token::run(services, cmd).await,
        ClientCommand::Delete { id, json } => {
            services
                .admin()
                .delete_client(&Actor::operator(), &id)
                .await?;
            if json {
                return output::json(&serde_json::json!({ "deleted": id }));
            }
            println!("deleted client {id}");
            Ok(())
        }
    }
}

/// `client enable` / `client disable`.
async fn toggle(services: &Services, id: &str, enable: bool, json: bool) -> anyhow::Result<()> {
    let client = services
        .admin()
        .set_client_enabled(&Actor::operator(), id, enable, None)
        .await?;
    if json {
        return output::json(&client);
    }
    println!(
        "{} client {id}",
        if enable { "enabled" } else { "disabled" }
    );
    Ok(())
}
