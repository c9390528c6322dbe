use std::collections::HashMap;
use std::path::Path;

use super::*;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn err(pairs: &[(&str, &str)]) -> ConfigError {
    Config::load(None, env(pairs)).unwrap_err()
}

#[test]
fn no_file_and_no_environment_gives_the_defaults() {
    let c = Config::load(None, HashMap::new()).unwrap();
    assert_eq!(c, Config::default());
    assert_eq!(c.issuer, "http://localhost:8080");
    assert_eq!(c.database.url, "sqlite://data/gatehouse.db?mode=rwc");
    assert_eq!(c.master_key_path(), Path::new("data/master.key"));
}

#[test]
fn environment_overrides_every_section_with_typed_values() {
    let c = Config::load(
        None,
        env(&[
            ("GATEHOUSE__ISSUER", "https://id.example.com/"),
            ("GATEHOUSE__SERVER__WORKERS", "3"),
            ("GATEHOUSE__DATABASE__URL", "postgres://u@db/gh"),
            ("GATEHOUSE__CACHE__REDIS_URL", "redis://cache:6379"),
            ("GATEHOUSE__LOG__FORMAT", "json"),
            ("GATEHOUSE__PASSWORD__MEMORY_KIB", "65536"),
            ("GATEHOUSE__KEYS__ALGORITHMS", "RS256,ES256"),
            ("GATEHOUSE__SERVER__TRUSTED_PROXIES", "10.0.0.0/8, ::1"),
            ("GATEHOUSE_CONFIG", "ignored.toml"),
            ("UNRELATED", "x"),
        ]),
    )
    .unwrap();
    assert_eq!(c.issuer, "https://id.example.com");
    assert_eq!(c.server.workers, 3);
    assert_eq!(c.database.url, "postgres://u@db/gh");
    assert_eq!(c.cache.redis_url, "redis://cache:6379");
    assert_eq!(c.log.format, LogFormat::Json);
    assert_eq!(c.password.memory_kib, 65536);
    assert_eq!(c.keys.algorithms, ["RS256", "ES256"]);
    assert_eq!(c.trusted_proxies().unwrap().len(), 2);
}

#[test]
fn each_bad_value_names_its_key() {
    let cases = [
        ("GATEHOUSE__DATABASE__URL", "nope", "database.url"),
        ("GATEHOUSE__ISSUER", "localhost:8080", "issuer"),
        ("GATEHOUSE__ISSUER", "http://id.example.com", "issuer"),
        ("GATEHOUSE__ISSUER", "https://id.example.com/?x=1", "issuer"),
        ("GATEHOUSE__ISSUER", "https://id.example.com/#f", "issuer"),
        ("GATEHOUSE__SERVER__BIND", "everywhere", "server.bind"),
        (
            "GATEHOUSE__SERVER__TRUSTED_PROXIES",
            "10.0.0.0/33",
            "server.trusted_proxies",
        ),
        ("GATEHOUSE__CACHE__REDIS_URL", "http://x", "cache.redis_url"),
        (
            "GATEHOUSE__SECRETS__MASTER_KEY",
            "short",
            "secrets.master_key",
        ),
        ("GATEHOUSE__LOG__LEVEL", "info,[", "log.level"),
        (
            "GATEHOUSE__UI__DEFAULT_LANGUAGE",
            "nl",
            "ui.default_language",
        ),
        (
            "GATEHOUSE__BOOTSTRAP__ADMIN_EMAIL",
            "admin",
            "bootstrap.admin_email",
        ),
        (
            "GATEHOUSE__PASSWORD__MEMORY_KIB",
            "1",
            "password.memory_kib",
        ),
        ("GATEHOUSE__KEYS__ALGORITHMS", "ES256", "keys.algorithms"),
        (
            "GATEHOUSE__KEYS__ALGORITHMS",
            "RS256,HS256",
            "keys.algorithms",
        ),
        (
            "GATEHOUSE__BRANDING__PRODUCT_NAME",
            " ",
            "branding.product_name",
        ),
        (
            "GATEHOUSE__BRANDING__PRODUCT_NAME",
            "Acme\nCloud",
            "branding.product_name",
        ),
        (
            "GATEHOUSE__BRANDING__PRIMARY_COLOR",
            "red",
            "branding.primary_color",
        ),
        (
            "GATEHOUSE__BRANDING__PRIMARY_COLOR",
            "#12345g",
            "branding.primary_color",
        ),
        (
            "GATEHOUSE__BRANDING__LOGO",
            "/etc/logo.png",
            "branding.logo",
        ),
        ("GATEHOUSE__BRANDING__LOGO", "../logo.png", "branding.logo"),
        ("GATEHOUSE__BRANDING__LOGO", "logo.gif", "branding.logo"),
        (
            "GATEHOUSE__BRANDING__STYLESHEET",
            "theme.txt",
            "branding.stylesheet",
        ),
        (
            "GATEHOUSE__FEDERATION__TIMEOUT_SECS",
            "0",
            "federation.timeout_secs",
        ),
        (
            "GATEHOUSE__FEDERATION__FLOW_TTL_SECS",
            "100000",
            "federation.flow_ttl_secs",
        ),
    ];
    for (var, value, key) in cases {
        let e = err(&[(var, value)]);
        assert_eq!(e.key, key, "{var}={value}: {e}");
    }
}

#[test]
fn type_errors_and_unknown_keys_are_named_in_the_message() {
    let e = err(&[("GATEHOUSE__SERVER__WORKERS", "many")]);
    assert!(e.to_string().contains("server.workers"), "{e}");
    let e = err(&[("GATEHOUSE__DATABSE__URL", "sqlite://x")]);
    assert!(e.to_string().contains("databse"), "{e}");
}

#[test]
fn loopback_issuers_may_use_http() {
    for issuer in [
        "http://127.0.0.1:8080",
        "http://[::1]:9000/idp",
        "http://localhost",
    ] {
        let c = Config::load(None, env(&[("GATEHOUSE__ISSUER", issuer)])).unwrap();
        assert_eq!(c.issuer, issuer);
    }
}

fn shipped_file() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/gatehouse.toml")
}

#[test]
fn the_shipped_file_holds_the_defaults_and_documents_every_key() {
    let mut expected = Config::default();
    // The file shows a 2-core machine's value for this machine-dependent default.
    expected.password.max_concurrent = 2;
    let mut c = Config::load(Some(&shipped_file()), HashMap::new()).unwrap();
    c.password.max_concurrent = 2;
    assert_eq!(c, expected);

    let text = std::fs::read_to_string(shipped_file()).unwrap();
    let value = serde_json::to_value(Config::default()).unwrap();
    for (section, body) in value.as_object().unwrap() {
        match body.as_object() {
            Some(keys) => {
                assert!(
                    text.contains(&format!("[{section}]")),
                    "[{section}] missing"
                );
                for (key, inner) in keys {
                    // A nested table (`[secrets.vault]`) documents its own keys; a map
                    // (`by_role = {}`) is one key.
                    if let Some(inner) = inner
                        .as_object()
                        .filter(|_| !text.contains(&format!("\n{key} = ")))
                    {
                        let header = format!("[{section}.{key}]");
                        assert!(text.contains(&header), "{header} missing");
                        for k in inner.keys() {
                            assert!(
                                text.contains(&format!("\n{k} = ")),
                                "{section}.{key}.{k} missing"
                            );
                        }
                        continue;
                    }
                    assert!(
                        text.contains(&format!("\n{key} = ")),
                        "{section}.{key} missing"
                    );
                }
            }
            None => assert!(
                text.contains(&format!("\n{section} = ")),
                "{section} missing"
            ),
        }
    }
}

#[test]
fn environment_beats_the_file_and_a_missing_file_is_an_error() {
    let c = Config::load(
        Some(&shipped_file()),
        env(&[("GATEHOUSE__SERVER__BIND", "127.0.0.1:9999")]),
    )
    .unwrap();
    assert_eq!(c.server.bind, "127.0.0.1:9999");
    let e = Config::load(
        Some(Path::new("/nonexistent/gatehouse.toml")),
        HashMap::new(),
    )
    .unwrap_err();
    assert_eq!(e.key, "--config");
}

#[test]
fn finding_d_environment_strings_stay_exactly_as_given() {
    let c = Config::load(
        None,
        env(&[
            ("GATEHOUSE__SMS__FROM", "+15551234567"),
            ("GATEHOUSE__MAIL__SMTP_PASSWORD", "007123"),
            ("GATEHOUSE__MAIL__SMTP_USERNAME", "true"),
            ("GATEHOUSE__SMS__HTTP_PASSWORD", "1e3"),
            ("GATEHOUSE__SMS__HTTP_USERNAME", "a,b"),
            ("GATEHOUSE__MAIL__SMTP_PORT", "2525"),
            ("GATEHOUSE__SESSION__NEW_SIGN_IN_ALERT", "false"),
        ]),
    )
    .unwrap();
    assert_eq!(c.sms.from, "+15551234567");
    assert_eq!(c.mail.smtp_password, "007123");
    assert_eq!(c.mail.smtp_username, "true");
    assert_eq!(c.sms.http_password, "1e3");
    assert_eq!(c.sms.http_username, "a,b", "only list keys are split");
    // Numbers and booleans are still read as such.
    assert_eq!(c.mail.smtp_port, 2525);
    assert!(!c.session.new_sign_in_alert);
}

#[test]
fn finding_d_every_list_key_is_comma_separated() {
    let c = Config::load(
        None,
        env(&[
            ("GATEHOUSE__KEYS__ALGORITHMS", "RS256, ES256"),
            (
                "GATEHOUSE__REGISTRATION__ALLOWED_EMAIL_DOMAINS",
                "example.com,example.org",
            ),
            ("GATEHOUSE__MFA__REQUIRED_ROLES", "admin,007"),
            ("GATEHOUSE__SERVER__TRUSTED_PROXIES", "10.0.0.0/8,::1"),
        ]),
    )
    .unwrap();
    assert_eq!(c.keys.algorithms, ["RS256", "ES256"]);
    assert_eq!(
        c.registration.allowed_email_domains,
        ["example.com", "example.org"]
    );
    assert_eq!(c.mfa.required_roles, ["admin", "007"]);
    assert_eq!(c.server.trusted_proxies, ["10.0.0.0/8", "::1"]);
    // An empty value is an empty list.
    let c = Config::load(None, env(&[("GATEHOUSE__MFA__REQUIRED_ROLES", "")])).unwrap();
    assert!(c.mfa.required_roles.is_empty());
    // Every Vec key of the configuration is a list key.
    let value = serde_json::to_value(Config::default()).unwrap();
    for (section, body) in value.as_object().unwrap() {
        for (key, v) in body.as_object().into_iter().flatten() {
            if v.is_array() {
                let dotted = format!("{section}.{key}");
                assert!(
                    LIST_KEYS.contains(&dotted.as_str()),
                    "{dotted} is not in LIST_KEYS"
                );
            }
        }
    }
}

#[tokio::test]
async fn branding_files_are_read_from_the_data_directory() {
    let dir = std::env::temp_dir().join(format!("gh-branding-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("brand")).unwrap();
    std::fs::write(dir.join("brand/logo.svg"), "<svg/>").unwrap();
    std::fs::write(dir.join("brand/extra.css"), "h1 { color: teal }").unwrap();
    let config = BrandingConfig {
        product_name: "Acme".into(),
        logo: "brand/logo.svg".into(),
        primary_color: "#FFD700".into(),
        stylesheet: "brand/extra.css".into(),
    };
    let b = config.load(&dir).await.unwrap();
    assert_eq!(b.product_name, "Acme");
    let logo = b.logo.as_ref().unwrap();
    assert_eq!(
        (logo.content_type, &*logo.bytes),
        ("image/svg+xml", &b"<svg/>"[..])
    );
    assert_eq!(
        b.theme_css().as_deref(),
        Some(":root { --accent: #ffd700; --on-accent: #000000; }\nh1 { color: teal }")
    );
    let missing = BrandingConfig {
        logo: "brand/none.png".into(),
        ..config
    };
    let e = missing.load(&dir).await.unwrap_err();
    assert!(format!("{e:#}").contains("branding.logo"), "{e:#}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn federation_timeouts_come_from_the_configuration() {
    let c = Config::load(None, HashMap::new()).unwrap();
    assert_eq!(c.federation.timeout(), std::time::Duration::from_secs(10));
    assert_eq!(c.federation.flow_ttl(), std::time::Duration::from_secs(600));
    let c = Config::load(
        None,
        env(&[
            ("GATEHOUSE__FEDERATION__TIMEOUT_SECS", "3"),
            ("GATEHOUSE__FEDERATION__FLOW_TTL_SECS", "60"),
        ]),
    )
    .unwrap();
    assert_eq!(c.federation.timeout(), std::time::Duration::from_secs(3));
    assert_eq!(c.federation.flow_ttl(), std::time::Duration::from_secs(60));
}

proptest::proptest! {
    /// Any values for real keys, as environment variables: a configuration or an error
    /// naming the problem, never a panic; what loads is valid.
    #[test]
    fn prop_environment_values(
        values in proptest::collection::vec((0usize..12, "[ -~]{0,30}"), 0..6)
    ) {
        const KEYS: [&str; 12] = [
            "GATEHOUSE__SERVER__BIND", "GATEHOUSE__SERVER__WORKERS",
            "GATEHOUSE__SERVER__TRUSTED_PROXIES", "GATEHOUSE__SERVER__MANAGEMENT_BIND",
            "GATEHOUSE__ISSUER", "GATEHOUSE__DATABASE__URL",
            "GATEHOUSE__DATABASE__MAX_CONNECTIONS", "GATEHOUSE__SESSION__IDLE_TIMEOUT_SECS",
            "GATEHOUSE__GUESTS__SESSION_TTL_SECS", "GATEHOUSE__FEDERATION__TIMEOUT_SECS",
            "GATEHOUSE__POLICIES__DECISION_AUDIT_RATE", "GATEHOUSE__REGISTRATION__MODE",
        ];
        let env: HashMap<String, String> = values
            .into_iter()
            .map(|(k, v)| (KEYS[k].to_owned(), v))
            .collect();
        if let Ok(config) = Config::load(None, env) {
            proptest::prop_assert!(config.server.bind.parse::<std::net::SocketAddr>().is_ok());
            proptest::prop_assert!(!config.issuer.ends_with('/'));
            proptest::prop_assert!(config.database.max_connections > 0);
        }
    }
}

/// `[rate_limit]` with every limit switched off, as Memcached requires.
const NO_RATE_LIMITS: [(&str, &str); 12] = [
    (
        "GATEHOUSE__RATE_LIMIT__CLIENT_AUTH_FAILURES_PER_CLIENT",
        "0",
    ),
    ("GATEHOUSE__RATE_LIMIT__CLIENT_AUTH_FAILURES_PER_IP", "0"),
    ("GATEHOUSE__RATE_LIMIT__PASSWORD_PER_IP", "0"),
    ("GATEHOUSE__RATE_LIMIT__PASSWORD_PER_ACCOUNT", "0"),
    ("GATEHOUSE__RATE_LIMIT__PASSWORD_PER_IP_ACCOUNT", "0"),
    ("GATEHOUSE__RATE_LIMIT__MAIL_PER_IP", "0"),
    ("GATEHOUSE__RATE_LIMIT__MAIL_PER_ADDRESS", "0"),
    ("GATEHOUSE__RATE_LIMIT__CODE_GUESSES_PER_ACCOUNT", "0"),
    ("GATEHOUSE__RATE_LIMIT__AUTHORIZE_PER_IP", "0"),
    ("GATEHOUSE__RATE_LIMIT__DEVICE_CODES_PER_IP", "0"),
    ("GATEHOUSE__RATE_LIMIT__DEVICE_CODES_PER_SESSION", "0"),
    ("GATEHOUSE__RATE_LIMIT__REGISTRATIONS_PER_IP", "0"),
];

#[test]
fn memcached_without_rate_limits_is_accepted() {
    let mut pairs = NO_RATE_LIMITS.to_vec();
    pairs.push(("GATEHOUSE__CACHE__MEMCACHED_URL", "memcache://cache:11211"));
    let c = Config::load(None, env(&pairs)).unwrap();
    assert_eq!(c.cache.memcached_url, "memcache://cache:11211");
}

#[test]
fn memcached_refuses_rate_limits_and_names_them() {
    // The defaults switch rate limits on: Memcached cannot share them.
    let e = err(&[("GATEHOUSE__CACHE__MEMCACHED_URL", "memcache://cache:11211")]);
    assert_eq!(e.key, "cache.memcached_url");
    assert!(e.reason.contains("need Redis"), "{}", e.reason);
    assert!(
        e.reason.contains("rate_limit.password_per_ip"),
        "{}",
        e.reason
    );

    // One limit left on is enough to refuse, and it is the one named.
    let mut pairs = NO_RATE_LIMITS.to_vec();
    pairs.retain(|(k, _)| !k.ends_with("MAIL_PER_ADDRESS"));
    pairs.push(("GATEHOUSE__CACHE__MEMCACHED_URL", "memcache://cache:11211"));
    let e = err(&pairs);
    assert_eq!(e.key, "cache.memcached_url");
    assert!(
        e.reason.ends_with("rate_limit.mail_per_address"),
        "{}",
        e.reason
    );
}

#[test]
fn memcached_and_redis_together_are_refused() {
    let mut pairs = NO_RATE_LIMITS.to_vec();
    pairs.push(("GATEHOUSE__CACHE__MEMCACHED_URL", "memcache://cache:11211"));
    pairs.push(("GATEHOUSE__CACHE__REDIS_URL", "redis://cache:6379"));
    let e = err(&pairs);
    assert_eq!(e.key, "cache.memcached_url");
    assert!(e.reason.contains("cache.redis_url"), "{}", e.reason);

    let mut pairs = NO_RATE_LIMITS.to_vec();
    pairs.push(("GATEHOUSE__CACHE__MEMCACHED_URL", "redis://cache:6379"));
    assert_eq!(err(&pairs).key, "cache.memcached_url");
}

#[test]
fn memcached_refuses_role_budgets() {
    let mut c = Config::load(None, env(&NO_RATE_LIMITS)).unwrap();
    c.cache.memcached_url = "memcache://cache:11211".into();
    assert!(c.clone().validated().is_ok());
    c.rate_limit.by_role.insert("default".into(), 100);
    let e = c.validated().unwrap_err();
    assert!(
        e.reason.ends_with("rate_limit.by_role.default"),
        "{}",
        e.reason
    );
}

#[test]
fn the_database_acquire_timeout_is_bounded() {
    let c = Config::load(
        None,
        env(&[("GATEHOUSE__DATABASE__ACQUIRE_TIMEOUT_SECS", "2")]),
    )
    .unwrap();
    assert_eq!(c.database.acquire_timeout_secs, 2);
    for bad in ["0", "301"] {
        let e = err(&[("GATEHOUSE__DATABASE__ACQUIRE_TIMEOUT_SECS", bad)]);
        assert_eq!(e.key, "database.acquire_timeout_secs");
    }
}

#[test]
fn dpop_options_load_and_the_skew_is_bounded() {
    let c = Config::load(
        None,
        env(&[
            ("GATEHOUSE__OAUTH__DPOP_NONCE", "true"),
            ("GATEHOUSE__OAUTH__DPOP_MAX_SKEW_SECS", "30"),
        ]),
    )
    .unwrap();
    assert!(c.oauth.dpop_nonce);
    assert_eq!(c.oauth.dpop_max_skew_secs, 30);
    let d = Config::load(None, env(&[])).unwrap();
    assert!(!d.oauth.dpop_nonce, "off by default");
    assert_eq!(d.oauth.dpop_max_skew_secs, 60);
    for bad in ["0", "301"] {
        let e = err(&[("GATEHOUSE__OAUTH__DPOP_MAX_SKEW_SECS", bad)]);
        assert_eq!(e.key, "oauth.dpop_max_skew_secs");
    }
}

#[test]
fn the_refresh_reuse_grace_is_at_most_a_minute() {
    let c = Config::load(
        None,
        env(&[("GATEHOUSE__TOKENS__REFRESH_REUSE_GRACE_SECS", "10")]),
    )
    .unwrap();
    assert_eq!(c.tokens.refresh_reuse_grace_secs, 10);
    let e = err(&[("GATEHOUSE__TOKENS__REFRESH_REUSE_GRACE_SECS", "61")]);
    assert_eq!(e.key, "tokens.refresh_reuse_grace_secs");
}

#[test]
fn telemetry_is_off_by_default_and_checks_its_keys() {
    let c = Config::load(None, HashMap::new()).unwrap();
    assert_eq!(c.telemetry.traces_url(), None, "off by default");
    assert_eq!(c.telemetry.service_name, "gatehouse");
    assert!((c.telemetry.sample_ratio - 1.0).abs() < f64::EPSILON);

    let c = Config::load(
        None,
        env(&[
            (
                "GATEHOUSE__TELEMETRY__OTLP_ENDPOINT",
                "http://collector:4318/",
            ),
            ("GATEHOUSE__TELEMETRY__SERVICE_NAME", "idp-eu"),
            ("GATEHOUSE__TELEMETRY__SAMPLE_RATIO", "0.25"),
            ("GATEHOUSE__TELEMETRY__HEADERS__AUTHORIZATION", "Bearer abc"),
        ]),
    )
    .unwrap();
    assert_eq!(
        c.telemetry.traces_url().as_deref(),
        Some("http://collector:4318/v1/traces")
    );
    assert_eq!(c.telemetry.service_name, "idp-eu");
    assert!((c.telemetry.sample_ratio - 0.25).abs() < f64::EPSILON);
    assert_eq!(c.telemetry.headers["authorization"], "Bearer abc");

    for (key, value, named) in [
        ("OTLP_ENDPOINT", "collector:4318", "telemetry.otlp_endpoint"),
        (
            "OTLP_ENDPOINT",
            "ftp://collector",
            "telemetry.otlp_endpoint",
        ),
        (
            "OTLP_ENDPOINT",
            "http://c:4318/?x=1",
            "telemetry.otlp_endpoint",
        ),
        ("SAMPLE_RATIO", "1.5", "telemetry.sample_ratio"),
        ("SAMPLE_RATIO", "-0.1", "telemetry.sample_ratio"),
        ("SERVICE_NAME", " ", "telemetry.service_name"),
        ("HEADERS__AUTHORIZATION", "a\u{7f}b", "telemetry.headers"),
    ] {
        let var = format!("GATEHOUSE__TELEMETRY__{key}");
        assert_eq!(err(&[(var.as_str(), value)]).key, named, "{key}={value}");
    }
}

const VAULT: (&str, &str) = ("GATEHOUSE__SECRETS__VAULT__ADDRESS", "https://vault:8200");
const VAULT_PROVIDER: (&str, &str) = ("GATEHOUSE__SECRETS__PROVIDER", "vault");

#[test]
fn vault_with_a_token_from_the_environment_is_accepted() {
    let c = Config::load(
        None,
        env(&[
            VAULT_PROVIDER,
            VAULT,
            ("GATEHOUSE__SECRETS__VAULT__TOKEN", "s.secret-token"),
            ("GATEHOUSE__SECRETS__VAULT__TIMEOUT_SECS", "3"),
        ]),
    )
    .unwrap();
    assert_eq!(c.secrets.provider, SecretsProvider::Vault);
    assert_eq!(c.secrets.vault.mount, "transit");
    assert_eq!(c.secrets.vault.transit_key, "gatehouse");
    assert_eq!(c.secrets.vault.timeout_secs, 3);
    assert_eq!(c.secrets.vault.token, "s.secret-token");
    // Debug output (which may reach a log) never shows the token.
    assert!(!format!("{c:?}").contains("s.secret-token"));
}

#[test]
fn vault_with_approle_is_accepted() {
    let c = Config::load(
        None,
        env(&[
            VAULT_PROVIDER,
            VAULT,
            ("GATEHOUSE__SECRETS__VAULT__ROLE_ID", "role"),
            (
                "GATEHOUSE__SECRETS__VAULT__SECRET_ID_FILE",
                "/run/secret-id",
            ),
        ]),
    )
    .unwrap();
    assert_eq!(c.secrets.vault.role_id, "role");
}

#[test]
fn bad_vault_settings_name_their_key() {
    let token = ("GATEHOUSE__SECRETS__VAULT__TOKEN", "t");
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[VAULT_PROVIDER], "secrets.vault.address"),
        (
            &[
                VAULT_PROVIDER,
                ("GATEHOUSE__SECRETS__VAULT__ADDRESS", "vault:8200"),
                token,
            ],
            "secrets.vault.address",
        ),
        (&[VAULT_PROVIDER, VAULT], "secrets.vault.token"),
        (
            &[
                VAULT_PROVIDER,
                VAULT,
                token,
                ("GATEHOUSE__SECRETS__VAULT__TOKEN_FILE", "/t"),
            ],
            "secrets.vault.token_file",
        ),
        (
            &[
                VAULT_PROVIDER,
                VAULT,
                token,
                ("GATEHOUSE__SECRETS__VAULT__ROLE_ID", "r"),
            ],
            "secrets.vault.role_id",
        ),
        (
            &[
                VAULT_PROVIDER,
                VAULT,
                ("GATEHOUSE__SECRETS__VAULT__ROLE_ID", "r"),
            ],
            "secrets.vault.secret_id",
        ),
        (
            &[
                VAULT_PROVIDER,
                VAULT,
                ("GATEHOUSE__SECRETS__VAULT__SECRET_ID", "s"),
            ],
            "secrets.vault.role_id",
        ),
        (
            &[
                VAULT_PROVIDER,
                VAULT,
                token,
                ("GATEHOUSE__SECRETS__VAULT__TRANSIT_KEY", "a/b"),
            ],
            "secrets.vault.transit_key",
        ),
        (
            &[
                VAULT_PROVIDER,
                VAULT,
                token,
                ("GATEHOUSE__SECRETS__VAULT__MOUNT", "/transit/"),
            ],
            "secrets.vault.mount",
        ),
        (
            &[
                VAULT_PROVIDER,
                VAULT,
                token,
                ("GATEHOUSE__SECRETS__VAULT__TIMEOUT_SECS", "0"),
            ],
            "secrets.vault.timeout_secs",
        ),
        // Filled in for `secrets wrap` while the provider is still the file: checked too.
        (&[VAULT], "secrets.vault.token"),
        (&[("GATEHOUSE__SECRETS__PROVIDER", "aws")], "config"),
    ];
    for (pairs, key) in cases {
        let e = err(pairs);
        assert_eq!(&e.key, key, "{pairs:?}: {e}");
    }
}

#[test]
fn webhooks_and_events_default_to_safe_values_and_refuse_bad_ones() {
    let c = Config::load(None, HashMap::new()).unwrap();
    assert!(
        !c.webhooks.allow_private_addresses,
        "SSRF guard on by default"
    );
    assert_eq!(c.webhooks.disable_after_days, 3);
    assert_eq!(c.webhooks.timeout_secs, 10);
    assert!(c.events.amqp_url.is_empty() && c.events.nats_url.is_empty());
    assert_eq!(c.events.amqp_exchange, "gatehouse.events");
    assert_eq!(c.events.nats_subject_prefix, "gatehouse.events");
    let c = Config::load(
        None,
        env(&[
            ("GATEHOUSE__WEBHOOKS__ALLOW_PRIVATE_ADDRESSES", "true"),
            ("GATEHOUSE__WEBHOOKS__DISABLE_AFTER_DAYS", "7"),
            (
                "GATEHOUSE__EVENTS__AMQP_URL",
                "amqp://guest:guest@127.0.0.1:5672/%2f",
            ),
            ("GATEHOUSE__EVENTS__NATS_URL", "nats://127.0.0.1:4222"),
            ("GATEHOUSE__EVENTS__NATS_SUBJECT_PREFIX", "idp.events"),
        ]),
    )
    .unwrap();
    assert!(c.webhooks.allow_private_addresses);
    assert_eq!(c.webhooks.disable_after_days, 7);
    assert_eq!(c.events.nats_subject_prefix, "idp.events");
    for (var, value, key) in [
        (
            "GATEHOUSE__WEBHOOKS__DISABLE_AFTER_DAYS",
            "0",
            "webhooks.disable_after_days",
        ),
        (
            "GATEHOUSE__WEBHOOKS__TIMEOUT_SECS",
            "0",
            "webhooks.timeout_secs",
        ),
        (
            "GATEHOUSE__WEBHOOKS__POLL_INTERVAL_MS",
            "5",
            "webhooks.poll_interval_ms",
        ),
        (
            "GATEHOUSE__EVENTS__AMQP_URL",
            "http://mq",
            "events.amqp_url",
        ),
        (
            "GATEHOUSE__EVENTS__AMQP_EXCHANGE",
            "",
            "events.amqp_exchange",
        ),
        (
            "GATEHOUSE__EVENTS__NATS_URL",
            "redis://x",
            "events.nats_url",
        ),
        (
            "GATEHOUSE__EVENTS__NATS_SUBJECT_PREFIX",
            "events.>",
            "events.nats_subject_prefix",
        ),
        (
            "GATEHOUSE__EVENTS__NATS_SUBJECT_PREFIX",
            "a..b",
            "events.nats_subject_prefix",
        ),
    ] {
        assert_eq!(err(&[(var, value)]).key, key, "{var}={value}");
    }
}
