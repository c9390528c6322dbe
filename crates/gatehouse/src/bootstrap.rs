//! First start: the administrator account on an empty database.

use anyhow::Context as _;
use domain::audit::AuditEvent;
use domain::roles::ADMIN_ROLE;
use domain::users::{NewUser, UserStatus};

use crate::services::Services;

/// The environment variable that sets the first administrator's password.
pub const PASSWORD_ENV: &str = "GATEHOUSE_BOOTSTRAP_ADMIN_PASSWORD";

/// The administrator created on first start, with the password to show once.
#[derive(Clone)]
pub struct BootstrapAdmin {
    /// Sign-in email.
    pub email: String,
    /// The password; `None` when it came from the environment (not echoed back).
    pub generated_password: Option<String>,
}

impl std::fmt::Debug for BootstrapAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapAdmin")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// Creates the administrator when no user exists yet; `None` on every later start.
pub async fn ensure_admin(
    services: &Services,
    password_from_env: Option<String>,
) -> anyhow::Result<Option<BootstrapAdmin>> {
    if !services.users.list().await?.is_empty() {
        return Ok(None);
    }
    let email = services.config.bootstrap.admin_email.clone();
    let (password, generated) = match password_from_env.filter(|p| !p.is_empty()) {
        Some(p) => (p, false),
        None => (domain::random::password(), true),
    };
    let user = services
        .users
        .create(NewUser {
            email: email.clone(),
            password: Some(password.clone()),
            email_verified: true,
            display_name: Some("Administrator".into()),
            status: UserStatus::Active,
        })
        .await
        .context("cannot create the bootstrap administrator")?;
    let configured = &services.config.bootstrap.admin_roles;
    let roles = std::iter::once(ADMIN_ROLE).chain(
        configured
            .iter()
            .map(String::as_str)
            .filter(|r| *r != ADMIN_ROLE),
    );
    for role in roles {
        services.roles.ensure(role).await?;
        services.roles.grant(role, &email).await?;
    }
    services
        .audit
        .record(
            AuditEvent::success("user.bootstrap_admin_created")
                .subject(user.id.clone())
                .data(serde_json::json!({ "password_source": if generated { "generated" } else { "environment" } })),
        )
        .await?;
    Ok(Some(BootstrapAdmin {
        email,
        generated_password: generated.then_some(password),
    }))
}
