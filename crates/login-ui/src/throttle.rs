//! Limits on requests that make Gatehouse send mail to an address a stranger typed in: a
//! per-IP budget in the cache and a per-account cooldown from the token store.

use actix_web::HttpRequest;
use domain::users::Purpose;

use crate::LoginUi;

const HOUR: std::time::Duration = std::time::Duration::from_secs(3600);

/// Counts a request from the client's IP in `bucket`; false once the hourly budget is spent.
/// A cache failure lets the request through: the per-account cooldown still protects inboxes.
pub async fn ip_allows(ui: &LoginUi, req: &HttpRequest, bucket: &str) -> bool {
    let Some(ip) = crate::client_ip(req) else {
        return true;
    };
    let key = format!("throttle:{bucket}:{ip}");
    match ui.cache.incr(&key, HOUR).await {
        Ok(n) => n <= i64::from(ui.settings.recovery.max_per_ip_per_hour),
        Err(e) => {
            tracing::error!(error = %e, "cannot count a request for rate limiting");
            true
        }
    }
}

/// Whether the account got a `purpose` mail within the cooldown (so no other is sent yet).
pub async fn cooling_down(ui: &LoginUi, purpose: Purpose, user_id: &str) -> bool {
    match ui.tokens.last_issued(purpose, user_id).await {
        Ok(Some(at)) => time::OffsetDateTime::now_utc() - at < ui.settings.recovery.cooldown,
        Ok(None) => false,
        Err(e) => {
            // Unknown: better one mail too few than a flood.
            tracing::error!(error = %e, "cannot read when the last mail was sent");
            true
        }
    }
}
