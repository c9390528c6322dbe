//! What a user's authorization produces: one-time codes, device authorizations, grants (refresh-token families)
//! with their rotating refresh tokens, and the access tokens issued under them.

mod access;
mod codes;
pub mod device;
mod refresh;
pub(crate) mod revoke;

pub use access::{AccessRecord, AccessTokens, NewAccessToken, PlannedAccess};
pub use codes::{Codes, NewCode, Presented, Redemption};
pub use device::{
    DeviceApproval, DeviceAuthorizations, DevicePoll, IssuedDeviceAuthorization,
    NewDeviceAuthorization,
};
pub use refresh::{Grants, NewGrant, Rotation};

/// How a list of resource indicators is stored: JSON, or NULL when empty.
pub(crate) fn resources_column(resources: &[String]) -> Option<serde_json::Value> {
    (!resources.is_empty()).then(|| resources.into())
}

/// The resource indicators stored in a code or grant row (none: the default audience).
pub fn resources_of(column: Option<&serde_json::Value>) -> Vec<String> {
    column
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::Store;
    use crate::backend_tests;
    use crate::consents::tests::user_and_client;
    use crate::secrets::MasterKey;
    use crate::sessions::{BrowserSessions, NewSession, SessionPolicy};

    struct Kit {
        codes: Codes,
        grants: Grants,
        access: AccessTokens,
        sessions: BrowserSessions,
        user: String,
        client: String,
    }

    async fn kit(store: &Store) -> Kit {
        let sb = MasterKey::generate().secret_box();
        let (user, client) = user_and_client(store).await;
        Kit {
            codes: Codes::new(store, sb.clone(), Duration::from_secs(60)),
            grants: Grants::new(store, sb.clone(), Duration::from_secs(3600)),
            access: AccessTokens::new(store, sb.clone()),
            sessions: BrowserSessions::new(
                store,
                sb,
                SessionPolicy {
                    idle_timeout: Duration::from_secs(600),
                    absolute_timeout: Duration::from_secs(3600),
                    remember_timeout: Duration::from_secs(36000),
                },
            ),
            user,
            client,
        }
    }

    /// What a token request presents for a code made by [`new_code`].
    const AS_ISSUED: Presented<'static> = Presented {
        redirect_uri: "https://app.example/cb",
        code_challenge: None,
        dpop_jkt: None,
    };

    fn new_code(k: &Kit, session_id: Option<String>) -> NewCode {
        NewCode {
            client_id: k.client.clone(),
            user_id: k.user.clone(),
            session_id,
            redirect_uri: "https://app.example/cb".into(),
            scope: "openid offline_access".into(),
            nonce: Some("n".into()),
            code_challenge: None,
            code_challenge_method: None,
            claims: None,
            auth_time: crate::now(),
            acr: None,
            amr: vec!["pwd".into()],
            resources: vec![],
            dpop_jkt: None,
        }
    }

    fn new_grant(k: &Kit, code_hash: Option<String>, session_id: Option<String>) -> NewGrant {
        NewGrant {
            client_id: k.client.clone(),
            user_id: k.user.clone(),
            session_id,
            code_hash,
            scope: "openid offline_access".into(),
            claims: None,
            auth_time: crate::now(),
            acr: None,
            amr: vec!["pwd".into()],
            resources: vec![],
            fingerprint: None,
            not_after: None,
            dpop_jkt: None,
        }
    }

    fn access(
        k: &Kit,
        family: Option<String>,
        session: Option<String>,
        code: Option<String>,
    ) -> NewAccessToken {
        NewAccessToken {
            client_id: k.client.clone(),
            user_id: Some(k.user.clone()),
            session_id: session,
            family_id: family,
            code_hash: code,
            scope: "openid".into(),
            claims: None,
        }
    }

    /// Records an opaque access token; returns its `jti` and value.
    async fn record(k: &Kit, new: NewAccessToken) -> (String, String) {
        let planned = k.access.plan(true, Duration::from_secs(600), None);
        k.access.record(&planned, new).await.unwrap();
        (planned.jti, planned.value.unwrap())
    }

    fn plan(k: &Kit) -> PlannedAccess {
        k.access.plan(false, Duration::from_secs(600), None)
    }

    backend_tests! {
        async fn a_code_redeems_once_and_reuse_revokes_what_it_issued(store: Store) {
            let k = kit(&store).await;
            let code = k.codes.issue(new_code(&k, None)).await.unwrap();
            assert!(matches!(k.codes.redeem(&code, "other-client", AS_ISSUED).await.unwrap(), Redemption::Invalid));
            let Redemption::Redeemed(row) = k.codes.redeem(&code, &k.client, AS_ISSUED).await.unwrap() else { panic!("first redemption") };
            assert_ne!(row.code_hash, code, "only the hash is stored");
            let family = k.grants.start(new_grant(&k, Some(row.code_hash.clone()), None)).await.unwrap();
            let (jti, opaque) = record(&k, access(&k, Some(family.id.clone()), None, Some(row.code_hash.clone()))).await;
            assert!(k.access.by_opaque(&opaque).await.unwrap().unwrap().active);
            assert!(matches!(k.codes.redeem(&code, &k.client, AS_ISSUED).await.unwrap(), Redemption::Reused(_)));
            assert!(!k.access.by_jti(&jti).await.unwrap().unwrap().active, "access token revoked on code reuse");
            assert!(k.grants.get(&family.id).await.unwrap().unwrap().revoked_at.is_some(), "grant revoked on code reuse");
            assert!(matches!(k.codes.redeem("nonsense", &k.client, AS_ISSUED).await.unwrap(), Redemption::Invalid));
        }

        async fn finding_f_a_code_presented_with_another_binding_stays_redeemable(store: Store) {
            let k = kit(&store).await;
            let mut bound = new_code(&k, None);
            bound.code_challenge = Some("challenge".into());
            bound.code_challenge_method = Some("S256".into());
            let code = k.codes.issue(bound).await.unwrap();
            let presented = |redirect_uri: &'static str, code_challenge: Option<&'static str>| Presented { redirect_uri, code_challenge, dpop_jkt: None };
            for wrong in [
                presented("https://app.example/cb", Some("other")),
                presented("https://app.example/cb", None),
                presented("https://app.example/other", Some("challenge")),
            ] {
                assert!(matches!(k.codes.redeem(&code, &k.client, wrong).await.unwrap(), Redemption::Mismatch(_)), "{wrong:?}");
            }
            let right = presented("https://app.example/cb", Some("challenge"));
            assert!(matches!(k.codes.redeem(&code, &k.client, right).await.unwrap(), Redemption::Redeemed(_)));
            // Once really redeemed, any presentation is a reuse.
            let wrong = presented("https://app.example/cb", Some("other"));
            assert!(matches!(k.codes.redeem(&code, &k.client, wrong).await.unwrap(), Redemption::Reused(_)));
            assert!(matches!(k.codes.redeem(&code, &k.client, right).await.unwrap(), Redemption::Reused(_)));
        }

        async fn refresh_tokens_rotate_and_reuse_revokes_the_family(store: Store) {
            let k = kit(&store).await;
            let family = k.grants.start(new_grant(&k, None, None)).await.unwrap();
            let first = k.grants.issue_refresh(&family).await.unwrap();
            assert!(matches!(k.grants.rotate(&first, "other", &plan(&k)).await.unwrap(), Rotation::Invalid));
            let planned = k.access.plan(true, Duration::from_secs(600), Some("openid".into()));
            let Rotation::Rotated { token: second, family: rotated, user } = k.grants.rotate(&first, &k.client, &planned).await.unwrap() else { panic!("rotation") };
            assert_ne!(first, second);
            assert_eq!(rotated.id, family.id);
            assert_eq!(user.map(|u| u.id), Some(k.user.clone()), "the grant's user comes along");
            // The planned access token was recorded with the rotation, under the grant.
            let recorded = k.access.by_opaque(planned.value.as_deref().unwrap()).await.unwrap().unwrap();
            assert!(recorded.active);
            assert_eq!((recorded.row.jti.as_str(), recorded.row.scope.as_str()), (planned.jti.as_str(), "openid"));
            assert_eq!(recorded.row.family_id.as_deref(), Some(family.id.as_str()));
            assert_eq!(recorded.row.user_id.as_deref(), Some(k.user.as_str()));
            assert!(k.grants.active_family(&first).await.unwrap().is_none(), "rotated token is spent");
            assert!(k.grants.active_family(&second).await.unwrap().is_some());
            assert!(matches!(k.grants.rotate(&first, &k.client, &plan(&k)).await.unwrap(), Rotation::Reused { .. }));
            assert!(!k.access.by_jti(&planned.jti).await.unwrap().unwrap().active, "its access tokens went with the family");
            assert!(matches!(k.grants.rotate(&second, &k.client, &plan(&k)).await.unwrap(), Rotation::Invalid), "family revoked");
        }

        async fn a_retry_within_the_reuse_grace_replaces_the_unused_successor(store: Store) {
            let mut k = kit(&store).await;
            k.grants = k.grants.clone().with_reuse_grace(Duration::from_secs(30));
            let family = k.grants.start(new_grant(&k, None, None)).await.unwrap();
            let first = k.grants.issue_refresh(&family).await.unwrap();
            let Rotation::Rotated { token: lost, .. } = k.grants.rotate(&first, &k.client, &plan(&k)).await.unwrap() else { panic!("first use") };
            // The answer never reached the client, which presents the same token again.
            assert!(matches!(k.grants.rotate(&first, "other-client", &plan(&k)).await.unwrap(), Rotation::Invalid));
            let Rotation::Rotated { token: retried, .. } = k.grants.rotate(&first, &k.client, &plan(&k)).await.unwrap() else { panic!("a retry within the grace") };
            assert!(k.grants.active_family(&lost).await.unwrap().is_none(), "the successor nobody received is replaced");
            assert!(k.grants.active_family(&retried).await.unwrap().is_some());
            // Once the successor is used, the old token is reuse again: the grant goes.
            let Rotation::Rotated { token: third, .. } = k.grants.rotate(&retried, &k.client, &plan(&k)).await.unwrap() else { panic!("the retried token works") };
            assert!(matches!(k.grants.rotate(&first, &k.client, &plan(&k)).await.unwrap(), Rotation::Reused { .. }));
            assert!(k.grants.active_family(&third).await.unwrap().is_none());
            assert!(k.grants.get(&family.id).await.unwrap().unwrap().revoked_at.is_some());
        }

        async fn a_retry_after_the_reuse_grace_is_reuse(store: Store) {
            let mut k = kit(&store).await;
            k.grants = k.grants.clone().with_reuse_grace(Duration::from_nanos(1));
            let family = k.grants.start(new_grant(&k, None, None)).await.unwrap();
            let first = k.grants.issue_refresh(&family).await.unwrap();
            let Rotation::Rotated { .. } = k.grants.rotate(&first, &k.client, &plan(&k)).await.unwrap() else { panic!("first use") };
            assert!(matches!(k.grants.rotate(&first, &k.client, &plan(&k)).await.unwrap(), Rotation::Reused { .. }));
        }

        async fn two_concurrent_uses_of_one_refresh_token_rotate_once_and_revoke_the_family(store: Store) {
            let k = kit(&store).await;
            let family = k.grants.start(new_grant(&k, None, None)).await.unwrap();
            let token = k.grants.issue_refresh(&family).await.unwrap();
            let (a, b) = (plan(&k), plan(&k));
            let (first, second) = tokio::join!(
                k.grants.rotate(&token, &k.client, &a),
                k.grants.rotate(&token, &k.client, &b),
            );
            let outcomes = [first.unwrap(), second.unwrap()];
            let rotated: Vec<_> = outcomes.iter().filter_map(|o| match o {
                Rotation::Rotated { token, .. } => Some(token.clone()),
                _ => None,
            }).collect();
            assert_eq!(rotated.len(), 1, "exactly one use wins: {outcomes:?}");
            assert_eq!(outcomes.iter().filter(|o| matches!(o, Rotation::Reused { .. })).count(), 1, "{outcomes:?}");
            assert!(k.grants.get(&family.id).await.unwrap().unwrap().revoked_at.is_some(), "the loser revoked the family");
            assert!(k.grants.active_family(&rotated[0]).await.unwrap().is_none(), "the winner's token died with it");
        }

        async fn a_device_authorization_is_approved_once_and_redeemed_once(store: Store) {
            let k = kit(&store).await;
            let devices = DeviceAuthorizations::new(&store, MasterKey::generate().secret_box(), Duration::from_secs(600), 5);
            let issued = devices.start(NewDeviceAuthorization {
                client_id: k.client.clone(), scope: "openid".into(), resources: vec![],
            }).await.unwrap();
            assert!(matches!(devices.poll(&issued.device_code, &k.client).await.unwrap(), DevicePoll::Pending));
            assert!(matches!(devices.poll(&issued.device_code, &k.client).await.unwrap(), DevicePoll::SlowDown), "polled at once");
            assert!(matches!(devices.poll(&issued.device_code, "other-client").await.unwrap(), DevicePoll::Invalid));
            let typed = issued.user_code.to_lowercase().replace('-', " ");
            let row = devices.pending(&typed).await.unwrap().expect("found by the typed code");
            assert_eq!(row.interval_secs, 10, "slow_down added five seconds");
            assert_ne!(row.device_code_hash, issued.device_code, "only the hash is stored");
            let approval = DeviceApproval {
                user_id: k.user.clone(), session_id: "sid".into(), auth_time: crate::now(), acr: None,
                amr: vec!["pwd".into()],
            };
            assert!(devices.approve(&issued.user_code, approval.clone()).await.unwrap().is_some());
            assert!(devices.approve(&issued.user_code, approval).await.unwrap().is_none(), "decided once");
            assert!(devices.deny(&issued.user_code, &k.user).await.unwrap().is_none());
            assert!(devices.pending(&issued.user_code).await.unwrap().is_none());
            let (a, b) = tokio::join!(
                devices.poll(&issued.device_code, &k.client),
                devices.poll(&issued.device_code, &k.client),
            );
            let won = [a.unwrap(), b.unwrap()].into_iter().filter(|p| matches!(p, DevicePoll::Approved(_))).count();
            assert_eq!(won, 1, "two concurrent polls, one redemption");
            assert!(matches!(devices.poll(&issued.device_code, &k.client).await.unwrap(), DevicePoll::Invalid));
        }

        async fn a_denied_or_expired_device_authorization_says_so(store: Store) {
            let k = kit(&store).await;
            let sb = MasterKey::generate().secret_box();
            let new = || NewDeviceAuthorization { client_id: k.client.clone(), scope: "openid".into(), resources: vec![] };
            let devices = DeviceAuthorizations::new(&store, sb.clone(), Duration::from_secs(600), 5);
            let denied = devices.start(new()).await.unwrap();
            assert!(devices.deny(&denied.user_code, &k.user).await.unwrap().is_some());
            assert!(matches!(devices.poll(&denied.device_code, &k.client).await.unwrap(), DevicePoll::Denied));
            let brief = DeviceAuthorizations::new(&store, sb, Duration::ZERO, 5);
            let expired = brief.start(new()).await.unwrap();
            assert!(brief.pending(&expired.user_code).await.unwrap().is_none());
            assert!(matches!(brief.poll(&expired.device_code, &k.client).await.unwrap(), DevicePoll::Expired));
            assert!(matches!(brief.poll("nonsense", &k.client).await.unwrap(), DevicePoll::Invalid));
        }

        async fn ending_a_session_revokes_its_grants_and_tokens(store: Store) {
            let k = kit(&store).await;
            let (secret, session) = k.sessions.sign_in(NewSession {
                user_id: k.user.clone(), amr: vec!["pwd".into()], acr: None, ip: None, user_agent: None, remember: false,
                lifetime: None,
            }, None).await.unwrap();
            assert_eq!(k.sessions.find_live(&secret).await.unwrap().unwrap().id, session.id);
            let (secret2, renewed) = k.sessions.sign_in(NewSession {
                user_id: k.user.clone(), amr: vec!["pwd".into()], acr: None, ip: None, user_agent: None, remember: false,
                lifetime: None,
            }, Some(&session)).await.unwrap();
            assert_eq!(renewed.id, session.id, "same user keeps the sid");
            assert!(k.sessions.find_live(&secret).await.unwrap().is_none(), "old cookie value is dead (no fixation)");
            let family = k.grants.start(new_grant(&k, None, Some(session.id.clone()))).await.unwrap();
            let refresh = k.grants.issue_refresh(&family).await.unwrap();
            let (jti, _) = record(&k, access(&k, Some(family.id.clone()), Some(session.id.clone()), None)).await;
            k.sessions.end(&session.id).await.unwrap();
            assert!(k.sessions.find_live(&secret2).await.unwrap().is_none());
            assert!(!k.access.by_jti(&jti).await.unwrap().unwrap().active);
            assert!(matches!(k.grants.rotate(&refresh, &k.client, &plan(&k)).await.unwrap(), Rotation::Invalid));
        }
    }
}
