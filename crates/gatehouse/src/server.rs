//! Starting and stopping the HTTP server.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use domain::keys::SharedKeyRing;
use domain::store::Exclusive;
use tokio::task::JoinHandle;

use crate::bootstrap::{self, BootstrapAdmin};
use crate::config::{Config, RegistrationMode};
use crate::http;
use crate::services::Services;

/// How the server is started.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Stop gracefully on SIGTERM/SIGINT (the binary); tests stop it through the handle.
    pub handle_signals: bool,
    /// The first administrator's password (`GATEHOUSE_BOOTSTRAP_ADMIN_PASSWORD`).
    pub bootstrap_password: Option<String>,
}

/// A started server.
#[derive(Debug)]
pub struct RunningServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The administrator created by this start, if the database was empty.
    pub bootstrap_admin: Option<BootstrapAdmin>,
    /// The services it runs on (tests use them to look inside).
    pub services: Services,
    /// The management listener's address (`server.management_bind`), if any.
    pub management_addr: Option<SocketAddr>,
    handle: ServerHandle,
    server: JoinHandle<std::io::Result<()>>,
    management: Option<(ServerHandle, JoinHandle<std::io::Result<()>>)>,
    key_reload: JoinHandle<()>,
    purge: Option<JoinHandle<()>>,
    usage_flush: JoinHandle<()>,
    vault_renewal: Option<JoinHandle<()>>,
    mail: JoinHandle<()>,
    events: JoinHandle<()>,
    /// Wakes the mail worker after this node queued a mail.
    pub mail_waker: std::sync::Arc<tokio::sync::Notify>,
}

impl RunningServer {
    /// Waits until the server stops (after a signal, or [`RunningServer::stop`]).
    pub async fn wait(self) -> anyhow::Result<()> {
        let result = self.server.await;
        if let Some((handle, task)) = self.management {
            handle.stop(true).await;
            let _ = task.await;
        }
        self.key_reload.abort();
        if let Some(purge) = &self.purge {
            purge.abort();
        }
        self.usage_flush.abort();
        if let Some(renewal) = &self.vault_renewal {
            renewal.abort();
        }
        self.mail.abort();
        self.events.abort();
        result.context("server task failed")??;
        Ok(())
    }

    /// Stops accepting connections; `graceful` lets in-flight requests finish first.
    pub async fn stop(self, graceful: bool) -> anyhow::Result<()> {
        self.handle.stop(graceful).await;
        self.wait().await
    }
}

/// Binds `server.bind` and starts serving.
pub async fn start(config: Config, options: StartOptions) -> anyhow::Result<RunningServer> {
    let listener = TcpListener::bind(&config.server.bind)
        .with_context(|| format!("cannot listen on {} (server.bind)", config.server.bind))?;
    start_on(listener, config, options).await
}

/// Starts serving on an already bound listener: migrations, keys, first administrator, HTTP.
pub async fn start_on(
    listener: TcpListener,
    config: Config,
    options: StartOptions,
) -> anyhow::Result<RunningServer> {
    // Before anything counts: counts made without a recorder are lost.
    http::metrics::handle();
    let services = Services::open(config).await?;
    let cache = services.cache().await?;
    // One node at a time: nodes starting together on a new database would each create
    // signing keys and the first administrator.
    let (keys, bootstrap_admin) = services
        .store
        .exclusively(Exclusive::StartUp, async {
            let keys = services.key_ring().await?;
            let admin = bootstrap::ensure_admin(&services, options.bootstrap_password).await?;
            Ok::<_, anyhow::Error>((keys, admin))
        })
        .await?;
    warn_about_clients_without_keys(&services, &keys).await?;
    let key_reload = spawn_key_reload(&services, keys.clone());
    let purge = spawn_purge(&services);
    let usage_flush = spawn_usage_flush(&services);
    let vault_renewal = services
        .vault
        .clone()
        .and_then(crate::secrets::spawn_renewal);
    let mut mail_config = services.config.mail.clone();
    mail_config.file_dir = services.config.mail_dir().display().to_string();
    let mailer = crate::mail::Mailer::new(&mail_config, services.outbox.clone())
        .context("cannot set up mail delivery (mail.*)")?;
    let mail_waker = mailer.waker();
    let mail = mailer.spawn();
    let events = crate::events::start(&services, keys.clone()).await?;

    let config = &services.config;
    let https = config.issuer.starts_with("https://");
    let store = web::Data::new(services.store.clone());
    let outbox = web::Data::new(services.outbox.clone());
    let cache = web::Data::new(cache);
    let limiter = domain::ratelimit::RateLimiter::for_cache(&cache);
    let provider = web::Data::new(provider(
        &services,
        keys,
        (cache.get_ref().clone(), limiter),
    )?);
    let sms = crate::sms::sender(&services.config.sms, &services.config.data_dir)
        .context("cannot set up text messages (sms.*)")?;
    let geoip = geoip(&services.config.session.geoip_database).await?;
    let branding = Arc::new(
        services
            .config
            .branding
            .load(&services.config.data_dir)
            .await?,
    );
    let client_address = http::ClientAddress::new(services.config.trusted_proxies()?);
    let connection_cap = http::ConnectionCap::new(
        services.config.server.max_connections_per_ip,
        services.config.trusted_proxies()?,
    );
    let body_timeout = http::BodyTimeout::new(Duration::from_secs(
        services.config.server.body_timeout_secs,
    ));
    let ui = web::Data::new(login_ui(
        &services,
        mail_waker.clone(),
        (cache.get_ref().clone(), provider.limiter.clone()),
        (sms, geoip),
        branding.clone(),
        Arc::new(
            federation::OidcUpstreams::new(services.config.federation.timeout())
                .map_err(|e| anyhow::anyhow!("cannot set up the upstream HTTP client: {e}"))?,
        ),
    ));
    // With a management listener, `/metrics` is served there only.
    let metrics_on_main = config.server.management_bind.is_empty();
    let management = management_server(
        &config.server,
        options.handle_signals,
        (&store, &outbox),
        &cache,
    )?;
    let admin_api = admin_api::AdminApi {
        admin: services.admin(),
        provider: provider.clone().into_inner(),
        require_mfa: config.admin.require_mfa,
    };
    let mut server = HttpServer::new(move || {
        let branding = branding.clone();
        let admin_api = admin_api.clone();
        App::new()
            .app_data(store.clone())
            .app_data(outbox.clone())
            .app_data(cache.clone())
            .app_data(provider.clone())
            .app_data(ui.clone())
            .app_data(web::FormConfig::default().limit(FORM_LIMIT))
            .app_data(web::PayloadConfig::default().limit(FORM_LIMIT))
            .configure(http::routes)
            .configure(|cfg| admin_api::configure(cfg, admin_api))
            .configure(|cfg| {
                if metrics_on_main {
                    http::metrics_route(cfg);
                }
            })
            .default_service(web::to(crate::pages::not_found))
            .wrap(body_timeout)
            .wrap(http::RequestIdHeader)
            .wrap(http::request_logger())
            // Outside the logger, so the request log names the client the proxies vouch for.
            .wrap(client_address.clone())
            // Just inside the security headers, so that every error answer carries them.
            .wrap(http::ErrorBodies)
            // Outside the error bodies, so that every answer (errors too) is counted.
            .wrap(actix_web::middleware::from_fn(
                http::metrics::record_request,
            ))
            // Outside the error bodies, so that every page and mail of the request is in
            // its language.
            .wrap(actix_web::middleware::from_fn(login_ui::i18n::negotiate))
            .wrap(http::security_headers(https))
            // Outermost: every page rendered while answering (error pages too) shows this
            // server's branding.
            .wrap_fn(move |req, srv| {
                use actix_web::dev::Service as _;
                login_ui::branding::scope(branding.clone(), srv.call(req))
            })
    })
    .on_connect(move |conn, data| connection_cap.on_connect(conn, data))
    .shutdown_timeout(config.server.shutdown_timeout_secs);
    if config.server.workers > 0 {
        server = server.workers(config.server.workers);
    }
    if !options.handle_signals {
        server = server.disable_signals();
    }
    let addr = listener.local_addr()?;
    let server = server
        .listen(listener)
        .with_context(|| format!("cannot serve on {addr}"))?
        .run();
    let handle = server.handle();
    tracing::info!(%addr, issuer = %config.issuer, "gatehouse listening");
    let (management_addr, management) = match management {
        Some((addr, server)) => (Some(addr), Some((server.handle(), tokio::spawn(server)))),
        None => (None, None),
    };
    Ok(RunningServer {
        addr,
        management_addr,
        management,
        bootstrap_admin,
        services,
        handle,
        server: tokio::spawn(server),
        key_reload,
        purge,
        usage_flush,
        vault_renewal,
        mail,
        events,
        mail_waker,
    })
}

/// The management listener (`server.management_bind`): metrics and probes for operators,
/// on an address the public does not reach. `None` when not configured.
fn management_server(
    server: &crate::config::ServerConfig,
    handle_signals: bool,
    (store, outbox): (
        &web::Data<domain::store::Store>,
        &web::Data<domain::mail::Outbox>,
    ),
    cache: &web::Data<domain::cache::Cache>,
) -> anyhow::Result<Option<(SocketAddr, actix_web::dev::Server)>> {
    if server.management_bind.is_empty() {
        return Ok(None);
    }
    let listener = TcpListener::bind(&server.management_bind).with_context(|| {
        format!(
            "cannot listen on {} (server.management_bind)",
            server.management_bind
        )
    })?;
    let addr = listener.local_addr()?;
    let (store, outbox, cache) = (store.clone(), outbox.clone(), cache.clone());
    let mut management = HttpServer::new(move || {
        App::new()
            .app_data(store.clone())
            .app_data(outbox.clone())
            .app_data(cache.clone())
            .configure(http::management_routes)
    })
    .workers(1)
    .shutdown_timeout(server.shutdown_timeout_secs);
    if !handle_signals {
        management = management.disable_signals();
    }
    let running = management
        .listen(listener)
        .with_context(|| format!("cannot serve on {addr}"))?
        .run();
    tracing::info!(%addr, "management listener (metrics, probes)");
    Ok(Some((addr, running)))
}

/// Names every client that asks for a signing algorithm no active key has: its token
/// requests fail until `keys.algorithms` includes it. A warning, not a refusal to start: the
/// other clients keep working.
async fn warn_about_clients_without_keys(
    services: &Services,
    keys: &SharedKeyRing,
) -> anyhow::Result<()> {
    let ring = keys.current();
    let clients = services
        .clients
        .list()
        .await
        .context("cannot list the clients")?;
    for client in clients {
        let access = (client.access_token_format != "opaque")
            .then_some(client.access_token_signing_alg.as_str());
        let chosen = [
            (
                "id_token_signed_response_alg",
                Some(client.id_token_signed_response_alg.as_str()),
            ),
            (
                "userinfo_signed_response_alg",
                client.userinfo_signed_response_alg.as_deref(),
            ),
            ("access_token_signing_alg", access),
        ];
        for (field, alg) in chosen {
            let Some(alg) = alg else { continue };
            let signs = domain::keys::KeyAlg::parse(alg)
                .ok()
                .and_then(|a| ring.active(a))
                .is_some();
            if !signs {
                tracing::warn!(
                    client_id = %client.client_id,
                    field,
                    alg,
                    "this client's tokens cannot be signed: no active {alg} key (add it to keys.algorithms)"
                );
            }
        }
    }
    Ok(())
}

/// Largest accepted request body: forms and token requests are small.
const FORM_LIMIT: usize = 64 * 1024;

fn settings(config: &Config) -> auth_server::Settings {
    auth_server::Settings {
        issuer: config.issuer.clone(),
        access_token_ttl: Duration::from_secs(config.tokens.access_token_ttl_secs),
        id_token_ttl: Duration::from_secs(config.tokens.id_token_ttl_secs),
        first_party_skip_consent: config.consent.skip_for_first_party,
        secure_cookies: config.issuer.starts_with("https://"),
        refresh_binding: match config.tokens.refresh_binding {
            crate::config::RefreshBindingPolicy::Allow => auth_server::RefreshBinding::Allow,
            crate::config::RefreshBindingPolicy::Reauthenticate => {
                auth_server::RefreshBinding::Reauthenticate
            }
            crate::config::RefreshBindingPolicy::Revoke => auth_server::RefreshBinding::Revoke,
        },
        mfa_policy: mfa_policy(config),
        decision_audit_rate: config.policies.decision_audit_rate,
        require_pushed_authorization_requests: config.oauth.require_pushed_authorization_requests,
        dpop_nonce: config.oauth.dpop_nonce,
        dpop_max_skew: Duration::from_secs(config.oauth.dpop_max_skew_secs),
    }
}

/// The rate limits of `[rate_limit]`.
fn limits(config: &Config) -> domain::ratelimit::Limits {
    use domain::ratelimit::Quota;
    let r = &config.rate_limit;
    let secs = Duration::from_secs;
    domain::ratelimit::Limits {
        client_auth_per_client: Quota::new(
            r.client_auth_failures_per_client,
            secs(r.client_auth_window_secs),
        ),
        client_auth_per_ip: Quota::new(
            r.client_auth_failures_per_ip,
            secs(r.client_auth_window_secs),
        ),
        password_per_ip: Quota::new(r.password_per_ip, secs(r.password_window_secs)),
        password_per_account: Quota::new(r.password_per_account, secs(r.password_window_secs)),
        password_per_ip_account: Quota::new(
            r.password_per_ip_account,
            secs(r.password_window_secs),
        ),
        password_max_delay: Duration::from_millis(r.password_max_delay_ms),
        mail_per_ip: Quota::new(r.mail_per_ip, secs(r.mail_window_secs)),
        mail_per_address: Quota::new(r.mail_per_address, secs(r.mail_window_secs)),
        code_guesses_per_account: Quota::new(
            r.code_guesses_per_account,
            secs(r.code_guesses_window_secs),
        ),
        code_lockout: domain::users::LockoutPolicy {
            threshold: r.code_failures_lock_after,
            duration: secs(config.accounts.lockout_secs),
        },
        authorize_per_ip: Quota::new(r.authorize_per_ip, secs(r.authorize_window_secs)),
        device_codes_per_ip: Quota::new(r.device_codes_per_ip, secs(r.device_codes_window_secs)),
        device_codes_per_session: Quota::new(
            r.device_codes_per_session,
            secs(r.device_codes_window_secs),
        ),
        registrations_per_ip: Quota::new(r.registrations_per_ip, secs(r.registrations_window_secs)),
    }
}

fn provider(
    services: &Services,
    keys: SharedKeyRing,
    (cache, limiter): (domain::cache::Cache, domain::ratelimit::RateLimiter),
) -> anyhow::Result<auth_server::Provider> {
    let algs = services.config.key_algorithms()?;
    let client_keys =
        domain::clients::ClientKeys::new(services.config.oauth.allow_private_client_urls)
            .context("cannot build the client key fetcher")?;
    Ok(auth_server::Provider {
        settings: settings(&services.config),
        discovery: auth_server::discovery::Documents::build(
            &services.config.issuer,
            &algs,
            &login_ui::i18n::Lang::supported_tags(),
            services.config.oauth.require_pushed_authorization_requests,
        )
        .with_registration(
            &services.config.issuer,
            services.registrations.policy() != domain::clients::RegistrationPolicy::Off,
        ),
        clients: services.clients.clone(),
        registrations: services.registrations.clone(),
        users: services.users.clone(),
        roles: services.roles.clone(),
        sessions: services.sessions.clone(),
        requests: services.requests.clone(),
        pushed: services.pushed.clone(),
        consents: services.consents.clone(),
        codes: services.codes.clone(),
        grants: services.grants.clone(),
        devices: services.devices.clone(),
        access_tokens: services.access_tokens.clone(),
        api_keys: services.api_keys.clone(),
        policies: services.policies.clone(),
        role_budgets: auth_server::limits::RoleBudgets {
            by_role: services.config.rate_limit.by_role.clone(),
            window: Duration::from_secs(services.config.rate_limit.by_role_window_secs),
        },
        audit: services.audit.clone(),
        keys,
        secrets: services.secrets.clone(),
        pages: std::sync::Arc::new(crate::pages::HostedPages),
        limiter,
        limits: limits(&services.config),
        cache,
        client_keys,
        decryption_key: auth_server::decryption_key::DecryptionKey::derive(&services.secrets)
            .map_err(|e| anyhow::anyhow!("cannot derive the request object key: {e}"))?,
    })
}

fn login_ui(
    services: &Services,
    mail_waker: Arc<tokio::sync::Notify>,
    (cache, limiter): (domain::cache::Cache, domain::ratelimit::RateLimiter),
    (sms, geoip): (login_ui::sms::Sms, Option<login_ui::geoip::GeoIp>),
    branding: Arc<login_ui::branding::Branding>,
    upstream_protocol: Arc<dyn domain::federation::UpstreamProtocol>,
) -> login_ui::LoginUi {
    let config = &services.config;
    login_ui::LoginUi {
        settings: login_ui::UiSettings {
            secure_cookies: services.config.issuer.starts_with("https://"),
            lockout: domain::users::LockoutPolicy {
                threshold: services.config.accounts.lockout_threshold,
                duration: Duration::from_secs(services.config.accounts.lockout_secs),
            },
            pending_may_sign_in: services.config.accounts.pending_may_sign_in,
            max_password_reentries: services.config.accounts.max_password_reentries,
            default_language: services.config.ui.default_language(),
            issuer: config.issuer.clone(),
            registration: login_ui::Registration {
                mode: match config.registration.mode {
                    RegistrationMode::Open => login_ui::RegistrationMode::Open,
                    RegistrationMode::InviteOnly => login_ui::RegistrationMode::InviteOnly,
                    RegistrationMode::Disabled => login_ui::RegistrationMode::Disabled,
                },
                allowed_email_domains: config.registration.allowed_email_domains.clone(),
                verification_ttl: Duration::from_secs(config.registration.verification_ttl_secs),
            },
            password_policy: config.password_policy(),
            recovery: login_ui::Recovery {
                reset_ttl: Duration::from_secs(config.recovery.reset_ttl_secs),
                cooldown: Duration::from_secs(config.recovery.cooldown_secs),
                invitation_ttl: Duration::from_secs(config.registration.invitation_ttl_secs),
                email_change_ttl: Duration::from_secs(config.recovery.email_change_ttl_secs),
            },
            captcha_after_failures: config.captcha.login_after_failures,
            new_sign_in_alert: config.session.new_sign_in_alert,
            trusted_device_days: config.session.trusted_device_days,
            guest_session_ttl: Duration::from_secs(config.guests.session_ttl_secs),
            mfa_policy: mfa_policy(config),
            limits: limits(config),
            branding,
            admin_require_mfa: config.admin.require_mfa,
        },
        limiter,
        users: services.users.clone(),
        sessions: services.sessions.clone(),
        requests: services.requests.clone(),
        consents: services.consents.clone(),
        clients: services.clients.clone(),
        devices: services.devices.clone(),
        audit: services.audit.clone(),
        secrets: services.secrets.clone(),
        tokens: services.tokens.clone(),
        outbox: services.outbox.clone(),
        mail_waker,
        captcha: captcha(services, cache.clone()),
        mfa: domain::credentials::Mfa::new(
            &services.store,
            services.secrets.clone(),
            cache.clone(),
            // The label authenticator apps list the account under.
            &config.branding.product_name,
        ),
        sms,
        geoip,
        passkeys: domain::credentials::Passkeys::new(
            &services.store,
            cache.clone(),
            &config.issuer,
        ),
        cache,
        roles: services.roles.clone(),
        federation: services.federation.clone(),
        upstream_protocol,
        admin: services.admin(),
    }
}

/// The location database, read off the executor, if one is configured.
async fn geoip(path: &str) -> anyhow::Result<Option<login_ui::geoip::GeoIp>> {
    if path.is_empty() {
        return Ok(None);
    }
    let path = std::path::PathBuf::from(path);
    let opened = tokio::task::spawn_blocking(move || login_ui::geoip::GeoIp::open(&path))
        .await
        .context("reading the GeoIP database panicked")?;
    opened
        .map(Some)
        .map_err(|e| anyhow::anyhow!("session.geoip_database: {e}"))
}

/// When a second factor is required.
fn mfa_policy(config: &Config) -> domain::credentials::MfaPolicy {
    domain::credentials::MfaPolicy {
        required_for_all: config.mfa.required_for_all,
        // Holders of the administrative roles set up a second factor at sign-in.
        required_roles: config
            .mfa
            .required_roles
            .iter()
            .cloned()
            .chain(
                config
                    .admin
                    .require_mfa
                    .then_some(domain::admin::ADMIN_ROLES.map(String::from))
                    .into_iter()
                    .flatten(),
            )
            .collect(),
    }
}

/// The CAPTCHA the configuration asks for.
fn captcha(services: &Services, cache: domain::cache::Cache) -> login_ui::captcha::Captcha {
    use crate::config::CaptchaProvider;
    use login_ui::captcha::{Captcha, Provider, RemoteCaptcha};
    let c = &services.config.captcha;
    let provider = match c.provider {
        CaptchaProvider::None => return Captcha::Off,
        CaptchaProvider::Pow => {
            return Captcha::ProofOfWork(Box::new(domain::captcha::ProofOfWork::new(
                services.secrets.clone(),
                cache,
                c.pow_difficulty,
                Duration::from_secs(c.pow_ttl_secs),
            )));
        }
        CaptchaProvider::Hcaptcha => Provider::HCaptcha,
        CaptchaProvider::Turnstile => Provider::Turnstile,
        CaptchaProvider::Recaptcha => Provider::ReCaptcha,
    };
    let verify_url = if c.verify_url.is_empty() {
        provider.default_verify_url().to_owned()
    } else {
        c.verify_url.clone()
    };
    Captcha::Remote(RemoteCaptcha {
        provider,
        site_key: c.site_key.clone(),
        secret: c.secret_key.clone(),
        verify_url,
        http: reqwest::Client::new(),
    })
}

/// Writes the API key use counts gathered in memory every `api_keys.usage_flush_secs`.
fn spawn_usage_flush(services: &Services) -> JoinHandle<()> {
    let keys = services.api_keys.clone();
    let every = Duration::from_secs(services.config.api_keys.usage_flush_secs.max(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = keys.flush_usage().await {
                tracing::error!(error = %e, "cannot write API key use counts");
            }
        }
    })
}

/// Deletes expired and ended rows every `maintenance.purge_interval_secs` (none when 0),
/// the first time right after start.
fn spawn_purge(services: &Services) -> Option<JoinHandle<()>> {
    let every = services.config.maintenance.purge_interval_secs;
    if every == 0 {
        return None;
    }
    let purge = services.purge.clone();
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(every));
        loop {
            tick.tick().await;
            match purge.run().await {
                Ok(purged) if purged.total() > 0 => {
                    tracing::info!(?purged, "purged expired and ended rows")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "cannot purge expired and ended rows"),
            }
        }
    }))
}

/// Reloads the signing keys periodically, so rotations by the CLI or another node take effect.
fn spawn_key_reload(services: &Services, ring: SharedKeyRing) -> JoinHandle<()> {
    let keys = services.keys.clone();
    let every = Duration::from_secs(services.config.keys.reload_interval_secs);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            match keys.load_ring().await {
                Ok(fresh) => ring.replace(fresh),
                Err(e) => {
                    tracing::error!(error = %e, "cannot reload signing keys; keeping the current ones")
                }
            }
        }
    })
}
