//! `gatehouse serve`

use crate::bootstrap::PASSWORD_ENV;
use crate::config::Config;
use crate::server::{StartOptions, start};

/// Starts the server and runs until SIGTERM/SIGINT, letting in-flight requests finish.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let issuer = config.issuer.clone();
    let server = start(
        config,
        StartOptions {
            handle_signals: true,
            bootstrap_password: std::env::var(PASSWORD_ENV).ok(),
        },
    )
    .await?;
    println!("Gatehouse is running on http://{}", server.addr);
    println!("  issuer:    {issuer}");
    println!("  discovery: {issuer}/.well-known/openid-configuration");
    if let Some(admin) = &server.bootstrap_admin {
        println!();
        println!("First start: created the administrator account");
        println!("  email:    {}", admin.email);
        match &admin.generated_password {
            Some(p) => {
                println!("  password: {p}\n  (shown only this once: store it, then change it)")
            }
            None => println!("  password: from {PASSWORD_ENV}"),
        }
    }
    server.wait().await?;
    tracing::info!("gatehouse stopped");
    Ok(())
}
