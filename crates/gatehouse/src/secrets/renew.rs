//! Keeping the Vault token alive while the server runs. The master key is already unwrapped in
//! memory, so a failure here changes nothing for the running node: it is logged as a warning,
//! and retried, because the next start (or `secrets rewrap`) needs a working login.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::vault::{Lease, Vault};

/// The shortest pause between two attempts.
const MIN_WAIT: Duration = Duration::from_secs(1);
/// The longest pause after a failed attempt.
const MAX_RETRY: Duration = Duration::from_secs(30);

/// Starts renewing the token before its TTL ends (at two thirds of it); `None` for a token
/// that never expires.
pub fn spawn_renewal(vault: Arc<Vault>) -> Option<JoinHandle<()>> {
    let lease = vault.lease();
    if lease.ttl.is_zero() {
        tracing::debug!("the Vault token does not expire: nothing to renew");
        return None;
    }
    Some(tokio::spawn(run(vault, lease)))
}

async fn run(vault: Arc<Vault>, mut lease: Lease) {
    let mut expires = Instant::now() + lease.ttl;
    let mut wait = renew_after(lease.ttl);
    loop {
        tokio::time::sleep(wait).await;
        match vault.refresh().await {
            Ok(fresh) => {
                lease = fresh;
                expires = Instant::now() + lease.ttl;
                tracing::info!(ttl_secs = lease.ttl.as_secs(), "renewed the Vault token");
                if lease.ttl.is_zero() {
                    return;
                }
                wait = renew_after(lease.ttl);
            }
            Err(e) => {
                let left = expires.saturating_duration_since(Instant::now());
                tracing::warn!(
                    address = %vault.address(),
                    error = %e,
                    token_ttl_left_secs = left.as_secs(),
                    "cannot renew the Vault token: this node keeps serving with the master \
                     key it unwrapped at start; the next start needs Vault"
                );
                if left.is_zero() && !vault.can_log_in_again() {
                    tracing::warn!(
                        address = %vault.address(),
                        "the Vault token has expired and cannot be replaced: renewal stops; \
                         give the next start a fresh token (secrets.vault.token or token_file)"
                    );
                    return;
                }
                wait = (left / 3).clamp(MIN_WAIT, MAX_RETRY);
            }
        }
    }
}

/// When to renew a lease of `ttl`: at two thirds of it.
fn renew_after(ttl: Duration) -> Duration {
    (ttl * 2 / 3).max(MIN_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_comes_at_two_thirds_of_the_ttl_and_never_sooner_than_a_second() {
        assert_eq!(
            renew_after(Duration::from_secs(3600)),
            Duration::from_secs(2400)
        );
        assert_eq!(renew_after(Duration::from_secs(1)), MIN_WAIT);
    }
}
