//! `gatehouse purge`

use domain::audit::AuditEvent;

use super::output;
use crate::services::Services;

/// Runs one purge and prints how many rows of each kind it deleted.
pub async fn run(services: &Services, json: bool) -> anyhow::Result<()> {
    let purged = services.purge.run().await?;
    services
        .audit
        .record(
            AuditEvent::success("maintenance.purged")
                .data(serde_json::json!({ "deleted": purged, "via": "cli" })),
        )
        .await?;
    if json {
        return output::json(&purged);
    }
    let rows: Vec<Vec<String>> = [
        ("authorization requests", purged.authorization_requests),
        (
            "pushed authorization requests",
            purged.pushed_authorization_requests,
        ),
        ("authorization codes", purged.codes),
        ("device authorizations", purged.device_authorizations),
        ("grants (with their refresh tokens)", purged.grants),
        ("access tokens", purged.access_tokens),
        ("browser sessions", purged.sessions),
        ("mailed one-time tokens", purged.user_tokens),
        ("mail", purged.mail),
        ("upstream sign-ins", purged.upstream_flows),
    ]
    .into_iter()
    .map(|(what, n)| vec![what.to_owned(), n.to_string()])
    .collect();
    output::table(&["ended rows", "deleted"], &rows);
    Ok(())
}
