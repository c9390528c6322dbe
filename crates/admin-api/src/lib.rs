//! The admin API: `/admin/api/v1` (JSON; errors as RFC 9457 problem details), its OpenAPI
//! 3.1 document at `/admin/api/openapi.json`, generated from the handlers below, and an API
//! explorer at `/admin/api/explorer/` served from assets built into the binary.
//!
//! Every operation is a call to [`domain::admin::Admin`], which checks the caller's roles
//! and audits it; this crate only authenticates, parses and answers.

mod audit;
mod caller;
mod clients;
mod etag;
mod idps;
mod initial_tokens;
mod policies;
mod problem;
mod scim;
mod system;
mod users;
mod webhooks;

use std::sync::Arc;

use actix_web::web;
use utoipa::OpenApi as _;

pub use caller::Caller;
pub use problem::{ApiError, Problem};
pub use scim::{SCIM_PREFIX, ScimError};

/// Where the API lives.
pub const PREFIX: &str = "/admin/api/v1";
/// Where its OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/admin/api/openapi.json";
/// Where the explorer is served.
pub const EXPLORER_PATH: &str = "/admin/api/explorer";

/// What the handlers need.
#[derive(Clone)]
pub struct AdminApi {
    /// The operations.
    pub admin: domain::admin::Admin,
    /// Token inspection, API keys, roles and sessions.
    pub provider: Arc<auth_server::Provider>,
    /// A user's token administers only after a sign-in with a second factor.
    pub require_mfa: bool,
}

impl std::fmt::Debug for AdminApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminApi")
            .field("require_mfa", &self.require_mfa)
            .finish_non_exhaustive()
    }
}

/// Declares the routes once: the same list registers the handlers and builds the document,
/// so a route cannot be served without being documented.
macro_rules! routes {
    ($($handler:path),* $(,)?) => {
        /// The OpenAPI document's source.
        #[derive(utoipa::OpenApi)]
        #[openapi(
            info(title = "Gatehouse admin API", description = "Administration of users, clients, the audit log, signing keys, roles, groups, service accounts, API keys, webhooks, upstream identity providers and policies. Authenticate with a Gatehouse access token whose scopes include the gatehouse:* roles you hold, or with an API key of an owner holding them."),
            paths($($handler),*),
            modifiers(&Security, &CommonErrors),
            tags((name = "users", description = "Accounts"), (name = "clients", description = "OAuth clients"), (name = "audit", description = "The audit log"), (name = "keys", description = "Signing keys"), (name = "roles", description = "Roles and grants"), (name = "groups", description = "Groups and members"), (name = "service-accounts", description = "Service accounts"), (name = "api-keys", description = "API keys"), (name = "webhooks", description = "Signed webhook subscriptions and their deliveries"), (name = "idps", description = "Upstream identity providers and their claim-to-role mapping rules"), (name = "policies", description = "Resource servers' Cedar policy sets and ACL relations")),
        )]
        struct Document;

        fn register(cfg: &mut web::ServiceConfig) {
            $( cfg.service($handler); )*
        }
    };
}

routes!(
    users::list_users,
    users::create_user,
    users::get_user,
    users::update_user,
    users::delete_user,
    users::set_password,
    users::change_state,
    users::sessions,
    users::end_sessions,
    users::end_session,
    users::remove_factor,
    users::reset_mfa,
    users::send_password_reset,
    clients::list_clients,
    clients::create_client,
    clients::get_client,
    clients::update_client,
    clients::delete_client,
    clients::rotate_secret,
    clients::enable_client,
    clients::disable_client,
    initial_tokens::list_initial_tokens,
    initial_tokens::create_initial_token,
    initial_tokens::revoke_initial_token,
    audit::search,
    audit::export,
    audit::verify,
    system::list_keys,
    system::rotate_keys,
    system::retire_key,
    system::list_roles,
    system::create_role,
    system::get_role,
    system::delete_role,
    system::add_permission,
    system::remove_permission,
    system::grant_role,
    system::revoke_role,
    system::include_role,
    system::exclude_role,
    system::list_groups,
    system::create_group,
    system::get_group,
    system::delete_group,
    system::add_member,
    system::remove_member,
    system::add_subgroup,
    system::remove_subgroup,
    system::list_service_accounts,
    system::create_service_account,
    system::delete_service_account,
    system::list_api_keys,
    system::create_api_key,
    system::revoke_api_key,
    webhooks::list_webhooks,
    webhooks::create_webhook,
    webhooks::get_webhook,
    webhooks::delete_webhook,
    webhooks::enable_webhook,
    webhooks::disable_webhook,
    webhooks::rotate_webhook_secret,
    webhooks::deliveries,
    idps::list_idps,
    idps::create_idp,
    idps::get_idp,
    idps::update_idp,
    idps::delete_idp,
    idps::list_mappings,
    idps::add_mapping,
    idps::remove_mapping,
    policies::get_policy_set,
    policies::set_policy_set,
    policies::delete_policy_set,
    policies::list_relations,
    policies::add_relation,
    policies::remove_relation,
);

/// Adds the bearer security scheme.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A Gatehouse access token or an API key"))
                    .build(),
            ),
        );
    }
}

/// Documents on every operation the answers any of them may give: a path or header that
/// does not parse (400), no or bad credentials (401), roles that do not allow it (403),
/// something named that does not exist (404), and an unreachable database (503), each as
/// problem details.
struct CommonErrors;

impl utoipa::Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        let common = [
            ("400", "Invalid input (problem details)"),
            (
                "404",
                "Not found: the thing, or something the request names",
            ),
            ("401", "No or bad credentials"),
            ("403", "The caller's roles do not allow it"),
            ("503", "The database cannot be reached; retry later"),
        ];
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, description) in common {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem(description).into());
                }
            }
        }
    }
}

/// The OpenAPI 3.1 document, with every path under [`PREFIX`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = Document::openapi();
    let paths = std::mem::take(&mut doc.paths.paths);
    doc.paths.paths = paths
        .into_iter()
        .map(|(path, item)| (format!("{PREFIX}{path}"), item))
        .collect();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

/// Mounts the API, its document, the explorer, and SCIM provisioning at [`SCIM_PREFIX`].
pub fn configure(cfg: &mut web::ServiceConfig, api: AdminApi) {
    cfg.service(scim::scope(api.clone()));
    cfg.service(
        web::scope(PREFIX)
            .app_data(web::Data::new(api))
            .app_data(
                web::JsonConfig::default()
                    .limit(64 * 1024)
                    .error_handler(|e, _| ApiError::BadRequest(e.to_string()).into()),
            )
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| ApiError::BadRequest(e.to_string()).into()),
            )
            .app_data(
                web::PathConfig::default()
                    .error_handler(|e, _| ApiError::BadRequest(e.to_string()).into()),
            )
            .configure(register)
            .wrap(actix_web::middleware::from_fn(caller::authenticate))
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ApiError::Domain(domain::Error::NotFound(
                    "route",
                )))
            })),
    )
    .app_data(web::Data::new(Explorer {
        document: openapi(),
        config: Arc::new(utoipa_swagger_ui::Config::new([OPENAPI_PATH])),
    }))
    .route(OPENAPI_PATH, web::get().to(document))
    .route(
        EXPLORER_PATH,
        web::get().to(|| async {
            actix_web::HttpResponse::MovedPermanently()
                .insert_header((
                    actix_web::http::header::LOCATION,
                    format!("{EXPLORER_PATH}/"),
                ))
                .finish()
        }),
    )
    .route(
        &format!("{EXPLORER_PATH}/{{file:.*}}"),
        web::get().to(explorer),
    );
}

/// The document and the explorer's settings, made once.
struct Explorer {
    document: utoipa::openapi::OpenApi,
    config: Arc<utoipa_swagger_ui::Config<'static>>,
}

/// What the explorer's page may load: its own scripts and styles (it sets inline styles),
/// images it embeds, and calls to this origin. Nothing from elsewhere.
const EXPLORER_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

async fn document(explorer: web::Data<Explorer>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().json(&explorer.document)
}

/// The explorer's files, built into the binary (no CDN).
async fn explorer(
    file: web::Path<String>,
    explorer: web::Data<Explorer>,
) -> actix_web::HttpResponse {
    use actix_web::http::header;
    match utoipa_swagger_ui::serve(&file, explorer.config.clone()) {
        Ok(Some(found)) => {
            let mut res = actix_web::HttpResponse::Ok();
            res.content_type(found.content_type)
                .insert_header((header::CONTENT_SECURITY_POLICY, EXPLORER_CSP))
                .insert_header((header::CACHE_CONTROL, "no-cache"));
            if found.gzpipped {
                res.insert_header((header::CONTENT_ENCODING, "gzip"));
            }
            res.body(found.bytes.into_owned())
        }
        Ok(None) => actix_web::HttpResponse::NotFound().finish(),
        Err(e) => {
            tracing::error!(error = %e, "cannot serve the API explorer");
            actix_web::HttpResponse::InternalServerError().finish()
        }
    }
}
