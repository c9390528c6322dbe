//! Deleting what can no longer be used. Parked authorization requests and sign-ins sent to
//! upstream identity providers go when they expire; pushed authorization requests a
//! retention period after they expired (a sign-in started in time uses them up later);
//! codes, device authorizations, grants (with their refresh tokens), access tokens, browser sessions, mailed
//! single-use tokens and delivered or abandoned mail go a retention period after they ended,
//! so that reuse detection, the new-device alert and support still see recent ones. Without
//! this, every sign-in and every refresh adds rows that stay forever. Audit events are not
//! touched: how long to keep them is the operator's decision.

use std::time::Duration;

use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use sea_orm::{ColumnTrait as _, Condition, DatabaseConnection, EntityTrait, QueryFilter as _};

use crate::entities::{
    access_token, authorization_code, authorization_request, browser_session, device_authorization,
    mail_outbox, pushed_authorization_request, refresh_token, refresh_token_family, upstream_flow,
    user, user_token,
};
use crate::{Result, Store, now};

/// The purge: what it deletes is fixed; how long ended rows are kept is configured.
#[derive(Debug, Clone)]
pub struct Purge {
    db: DatabaseConnection,
    retain: Duration,
    retain_sessions: Duration,
    guests_idle: Option<Duration>,
}

/// How many rows one run deleted, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    /// Expired parked authorization requests.
    pub authorization_requests: u64,
    /// Pushed authorization requests (RFC 9126) that expired unused.
    pub pushed_authorization_requests: u64,
    /// Authorization codes.
    pub codes: u64,
    /// Device authorizations (RFC 8628).
    pub device_authorizations: u64,
    /// Grants; their refresh tokens go with them.
    pub grants: u64,
    /// Access token records.
    pub access_tokens: u64,
    /// Browser sessions.
    pub sessions: u64,
    /// Mailed single-use tokens (verification, reset, invitation, sign-in codes).
    pub user_tokens: u64,
    /// Delivered or abandoned mail.
    pub mail: u64,
    /// Expired sign-ins sent to upstream identity providers.
    pub upstream_flows: u64,
    /// Guest accounts nobody used for the configured time.
    pub guests: u64,
}

impl Purged {
    /// Rows deleted in all.
    pub fn total(&self) -> u64 {
        self.authorization_requests
            + self.pushed_authorization_requests
            + self.codes
            + self.device_authorizations
            + self.grants
            + self.access_tokens
            + self.sessions
            + self.user_tokens
            + self.mail
            + self.upstream_flows
            + self.guests
    }
}

impl Purge {
    /// Builds the purge; rows that ended more than `retain` ago are deleted, browser sessions
    /// `retain_sessions` after they ended (the new-device alert compares each sign-in with the
    /// browsers of the user's kept sessions, so these are kept longer).
    pub fn new(store: &Store, retain: Duration, retain_sessions: Duration) -> Self {
        Self {
            db: store.db().clone(),
            retain,
            retain_sessions,
            guests_idle: None,
        }
    }

    /// Also deletes guest accounts nobody has used for `idle`: made before then, with no
    /// browser session seen and no refresh token issued since. Their sessions, grants and
    /// tokens go with them.
    pub fn with_guests(mut self, idle: Duration) -> Self {
        self.guests_idle = Some(idle);
        self
    }

    /// Deletes everything that ended long enough ago. Safe to run on several nodes at once.
    pub async fn run(&self) -> Result<Purged> {
        let at = now();
        let before = at - self.retain;
        let sessions_before = at - self.retain_sessions;
        // First, while their sessions are still there to tell how recently they were used.
        let guests = match self.guests_idle {
            Some(idle) => self.abandoned_guests(at - idle).await?,
            None => 0,
        };
        Ok(Purged {
            guests,
            authorization_requests: self
                .delete::<authorization_request::Entity>(
                    Condition::all().add(authorization_request::Column::ExpiresAt.lt(at)),
                )
                .await?,
            pushed_authorization_requests: self
                .delete::<pushed_authorization_request::Entity>(
                    Condition::all()
                        .add(pushed_authorization_request::Column::ExpiresAt.lt(before)),
                )
                .await?,
            codes: self
                .delete::<authorization_code::Entity>(
                    Condition::all().add(authorization_code::Column::ExpiresAt.lt(before)),
                )
                .await?,
            device_authorizations: self
                .delete::<device_authorization::Entity>(
                    Condition::all().add(device_authorization::Column::ExpiresAt.lt(before)),
                )
                .await?,
            grants: self
                .delete::<refresh_token_family::Entity>(
                    Condition::any()
                        .add(refresh_token_family::Column::ExpiresAt.lt(before))
                        .add(refresh_token_family::Column::RevokedAt.lt(before)),
                )
                .await?,
            access_tokens: self
                .delete::<access_token::Entity>(
                    Condition::all().add(access_token::Column::ExpiresAt.lt(before)),
                )
                .await?,
            sessions: self
                .delete::<browser_session::Entity>(
                    Condition::any()
                        .add(browser_session::Column::ExpiresAt.lt(sessions_before))
                        .add(browser_session::Column::RevokedAt.lt(sessions_before)),
                )
                .await?,
            user_tokens: self
                .delete::<user_token::Entity>(
                    Condition::all().add(user_token::Column::ExpiresAt.lt(before)),
                )
                .await?,
            mail: self
                .delete::<mail_outbox::Entity>(
                    Condition::any()
                        .add(mail_outbox::Column::SentAt.lt(before))
                        .add(mail_outbox::Column::FailedAt.lt(before)),
                )
                .await?,
            upstream_flows: self
                .delete::<upstream_flow::Entity>(
                    Condition::all().add(upstream_flow::Column::ExpiresAt.lt(at)),
                )
                .await?,
        })
    }

    async fn abandoned_guests(&self, since: time::OffsetDateTime) -> Result<u64> {
        let recent_session = Query::select()
            .column(browser_session::Column::UserId)
            .from(browser_session::Entity)
            .and_where(Expr::col(browser_session::Column::LastSeenAt).gt(since))
            .to_owned();
        let recent_refresh = Query::select()
            .column((
                refresh_token_family::Entity,
                refresh_token_family::Column::UserId,
            ))
            .from(refresh_token_family::Entity)
            .inner_join(
                refresh_token::Entity,
                Expr::col((refresh_token::Entity, refresh_token::Column::FamilyId)).equals((
                    refresh_token_family::Entity,
                    refresh_token_family::Column::Id,
                )),
            )
            .and_where(
                Expr::col((refresh_token::Entity, refresh_token::Column::CreatedAt)).gt(since),
            )
            .to_owned();
        self.delete::<user::Entity>(
            Condition::all()
                .add(user::Column::Guest.eq(true))
                .add(user::Column::CreatedAt.lt(since))
                .add(user::Column::Id.not_in_subquery(recent_session))
                .add(user::Column::Id.not_in_subquery(recent_refresh)),
        )
        .await
    }

    async fn delete<E: EntityTrait>(&self, condition: Condition) -> Result<u64> {
        Ok(E::delete_many()
            .filter(condition)
            .exec(&self.db)
            .await?
            .rows_affected)
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::Expr;

    use super::*;
    use crate::authorization::{AuthorizationRequests, PushedRequests};
    use crate::backend_tests;
    use crate::consents::tests::user_and_client;
    use crate::entities::refresh_token;
    use crate::grants::{
        AccessTokens, Codes, Grants, NewAccessToken, NewCode, NewGrant, Redemption,
    };
    use crate::mail::{Message, Outbox, RetryPolicy};
    use crate::secrets::MasterKey;
    use crate::sessions::{BrowserSessions, NewSession, SessionPolicy};
    use crate::testing::pending_request as pending;
    use crate::users::{NewToken, Purpose, UserTokens};

    const DAY: Duration = Duration::from_secs(86_400);

    /// Moves a column of the rows matching `key` back by `days`.
    async fn age<E: EntityTrait>(store: &Store, column: E::Column, key: Condition, days: u32) {
        E::update_many()
            .col_expr(column, Expr::value(now() - DAY * days))
            .filter(key)
            .exec(store.db())
            .await
            .unwrap();
    }

    backend_tests! {
        async fn two_nodes_purging_at_once_both_succeed_and_delete_each_row_once(store: Store) {
            let (_, client) = user_and_client(&store).await;
            let requests = AuthorizationRequests::new(&store, Duration::from_secs(600));
            for _ in 0..30 {
                requests.save(&pending(&client)).await.unwrap();
            }
            let live = requests.save(&pending(&client)).await.unwrap();
            age::<authorization_request::Entity>(
                &store,
                authorization_request::Column::ExpiresAt,
                Condition::all().add(authorization_request::Column::Id.ne(live.clone())),
                1,
            )
            .await;
            let nodes = [
                Purge::new(&store, DAY * 7, DAY * 90),
                Purge::new(&store.detached(), DAY * 7, DAY * 90),
            ];
            let (a, b) = tokio::join!(nodes[0].run(), nodes[1].run());
            let (a, b) = (a.unwrap(), b.unwrap());
            assert_eq!(a.authorization_requests + b.authorization_requests, 30, "{a:?} {b:?}");
            assert!(requests.get(&live).await.unwrap().is_some(), "the live one stays");
        }

        async fn ended_rows_go_after_the_retention_and_live_ones_stay(store: Store) {
            let sb = MasterKey::generate().secret_box();
            let (user, client) = user_and_client(&store).await;
            let grants = Grants::new(&store, sb.clone(), DAY * 30);
            let access = AccessTokens::new(&store, sb.clone());
            let sessions = BrowserSessions::new(&store, sb.clone(), SessionPolicy {
                idle_timeout: DAY, absolute_timeout: DAY, remember_timeout: DAY * 14,
            });
            let grant = |session_id: Option<String>| NewGrant {
                client_id: client.clone(), user_id: user.clone(), session_id, code_hash: None,
                scope: "openid".into(), claims: None, auth_time: now(), acr: None, amr: vec![],
                fingerprint: None, not_after: None, resources: vec![], dpop_jkt: None,
            };
            let session = |ua: &str| NewSession {
                user_id: user.clone(), amr: vec![], acr: None, ip: None,
                user_agent: Some(ua.into()), remember: false,
                lifetime: None,
            };

            // Live: a session with its grant, refresh token and access token, a fresh request.
            let (_, live_session) = sessions.sign_in(session("live"), None).await.unwrap();
            let live = grants.start(grant(Some(live_session.id.clone()))).await.unwrap();
            let live_refresh = grants.issue_refresh(&live).await.unwrap();
            let planned = access.plan(false, Duration::from_secs(600), None);
            let new_access = |family_id: &str| NewAccessToken {
                client_id: client.clone(), user_id: Some(user.clone()), session_id: None,
                family_id: Some(family_id.to_owned()), code_hash: None, scope: "openid".into(), claims: None,
            };
            access.record(&planned, new_access(&live.id)).await.unwrap();
            let requests = AuthorizationRequests::new(&store, Duration::from_secs(600));
            let live_request = requests.save(&pending(&client)).await.unwrap();

            // Ended recently (inside the retention): kept.
            let recent = grants.start(grant(None)).await.unwrap();
            grants.revoke_family(&recent.id, "test").await.unwrap();

            // Ended long ago: a revoked grant with two refresh tokens, an expired access
            // token, an ended session, an expired request, a used mailed token, sent mail.
            let old = grants.start(grant(None)).await.unwrap();
            grants.issue_refresh(&old).await.unwrap();
            grants.issue_refresh(&old).await.unwrap();
            grants.revoke_family(&old.id, "test").await.unwrap();
            age::<refresh_token_family::Entity>(&store, refresh_token_family::Column::RevokedAt,
                Condition::all().add(refresh_token_family::Column::Id.eq(old.id.clone())), 8).await;
            let expired = access.plan(false, Duration::from_secs(600), None);
            access.record(&expired, new_access(&old.id)).await.unwrap();
            age::<access_token::Entity>(&store, access_token::Column::ExpiresAt,
                Condition::all().add(access_token::Column::Jti.eq(expired.jti.clone())), 8).await;
            let (_, old_session) = sessions.sign_in(session("old"), None).await.unwrap();
            sessions.end(&old_session.id).await.unwrap();
            age::<browser_session::Entity>(&store, browser_session::Column::RevokedAt,
                Condition::all().add(browser_session::Column::Id.eq(old_session.id.clone())), 40).await;
            // Sessions are kept longer than the rest: this one ended 8 days ago and stays.
            let (_, ended_session) = sessions.sign_in(session("ended"), None).await.unwrap();
            sessions.end(&ended_session.id).await.unwrap();
            age::<browser_session::Entity>(&store, browser_session::Column::RevokedAt,
                Condition::all().add(browser_session::Column::Id.eq(ended_session.id.clone())), 8).await;
            let old_request = requests.save(&pending(&client)).await.unwrap();
            age::<authorization_request::Entity>(&store, authorization_request::Column::ExpiresAt,
                Condition::all().add(authorization_request::Column::Id.eq(old_request.clone())), 1).await;
            let tokens = UserTokens::new(&store, sb.clone());
            tokens.issue_new(NewToken {
                purpose: Purpose::VerifyEmail, user_id: Some(&user), email: "c@example.com",
                data: None, ttl: DAY,
            }).await.unwrap();
            age::<user_token::Entity>(&store, user_token::Column::ExpiresAt, Condition::all(), 8).await;
            let sb_codes = sb.clone();
            let outbox = Outbox::new(&store, sb, RetryPolicy {
                first_backoff: Duration::from_secs(1), max_backoff: Duration::from_secs(1),
                max_attempts: 1, lease: Duration::from_secs(1),
            });
            let message = |kind| Message {
                kind, to: "c@example.com".into(), subject: "s".into(), text: "t".into(), html: "h".into(),
            };
            let sent = outbox.enqueue(message("sent")).await.unwrap();
            let unsent = outbox.enqueue(message("unsent")).await.unwrap();
            outbox.mark_sent(&sent).await.unwrap();
            age::<mail_outbox::Entity>(&store, mail_outbox::Column::SentAt,
                Condition::all().add(mail_outbox::Column::Id.eq(sent.clone())), 8).await;

            let codes = Codes::new(&store, sb_codes.clone(), Duration::from_secs(60));
            let code = |nonce: &str| NewCode {
                client_id: client.clone(), user_id: user.clone(), session_id: None,
                redirect_uri: "https://app.example/cb".into(), scope: "openid".into(),
                nonce: Some(nonce.into()), code_challenge: None, code_challenge_method: None,
                claims: None, auth_time: now(), acr: None, amr: vec![], resources: vec![], dpop_jkt: None,
            };
            codes.issue(code("old")).await.unwrap();
            age::<authorization_code::Entity>(&store, authorization_code::Column::ExpiresAt,
                Condition::all().add(authorization_code::Column::Nonce.eq("old")), 8).await;
            let fresh_code = codes.issue(code("fresh")).await.unwrap();

            let devices = crate::grants::DeviceAuthorizations::new(&store, sb_codes.clone(), Duration::from_secs(600), 5);
            let device = |scope: &str| crate::grants::NewDeviceAuthorization {
                client_id: client.clone(), scope: scope.into(), resources: vec![],
            };
            devices.start(device("old")).await.unwrap();
            age::<device_authorization::Entity>(&store, device_authorization::Column::ExpiresAt,
                Condition::all().add(device_authorization::Column::Scope.eq("old")), 8).await;
            let live_device = devices.start(device("live")).await.unwrap();

            // A sign-in sent to an upstream that expired unanswered, and one still waiting.
            let fed = crate::federation::Federation::new(&store, MasterKey::generate().secret_box(),
                crate::audit::AuditLog::new(&store), crate::users::Users::new(&store,
                    crate::credentials::password::PasswordHasher::new(&crate::credentials::password::PasswordParams {
                        memory_kib: 1024, iterations: 1, parallelism: 1, max_concurrent: 1,
                    }).unwrap()), Duration::from_secs(600));
            let up = fed.upstreams.create(crate::federation::NewUpstream {
                name: "idp".into(), display_name: None, issuer: "https://idp.example".into(), preset: None,
                endpoints: Default::default(), client_id: "c".into(), client_secret: None,
                scopes: vec![], first_login: crate::federation::FirstLogin::Create,
                trusted_for_email: false, trusted_for_acr: false, trusted_for_mfa: false, enabled: true,
                allowed_clients: vec![],
            }, "test").await.unwrap();
            let flow = |next: &'static str| crate::federation::NewFlow {
                upstream_id: &up.id, request_id: None, next: Some(next), browser: None, link_session: None,
            };
            let waiting = crate::federation::FlowStart::generate();
            fed.flows.save(&crate::federation::FlowStart::generate(), flow("/old")).await.unwrap();
            fed.flows.save(&waiting, flow("/waiting")).await.unwrap();
            age::<upstream_flow::Entity>(&store, upstream_flow::Column::ExpiresAt,
                Condition::all().add(upstream_flow::Column::Next.eq("/old")), 1).await;

            // Pushed requests: one expired beyond the retention goes; one expired within it
            // stays (a sign-in started in time still uses it up).
            let pushed = PushedRequests::new(&store);
            let old_pushed = pushed.push(&pending(&client)).await.unwrap();
            let recent_pushed = pushed.push(&pending(&client)).await.unwrap();
            let old_id = old_pushed.trim_start_matches(crate::authorization::REQUEST_URI_PREFIX).to_owned();
            age::<pushed_authorization_request::Entity>(&store, pushed_authorization_request::Column::ExpiresAt,
                Condition::all().add(pushed_authorization_request::Column::Id.eq(old_id.clone())), 8).await;
            age::<pushed_authorization_request::Entity>(&store, pushed_authorization_request::Column::ExpiresAt,
                Condition::all().add(pushed_authorization_request::Column::Id.ne(old_id)), 1).await;

            let purge = Purge::new(&store, DAY * 7, DAY * 30);
            let purged = purge.run().await.unwrap();
            assert_eq!(purged, Purged {
                authorization_requests: 1, pushed_authorization_requests: 1, codes: 1,
                device_authorizations: 1, grants: 1, access_tokens: 1, sessions: 1, user_tokens: 1,
                mail: 1, upstream_flows: 1, guests: 0,
            });
            assert_eq!(purged.total(), 10);
            assert!(pushed.consume(&recent_pushed).await.unwrap(), "the recent pushed request stays");
            assert!(!pushed.consume(&old_pushed).await.unwrap());
            assert!(matches!(fed.flows.claim(&waiting.state).await.unwrap(), crate::federation::Claim::Claimed(_)));
            // The old grant's refresh tokens went with it; everything live is still there.
            let refresh_rows = refresh_token::Entity::find().all(store.db()).await.unwrap();
            assert!(refresh_rows.iter().all(|r| r.family_id != old.id), "cascaded");
            assert!(grants.active_family(&live_refresh).await.unwrap().is_some());
            assert!(access.by_jti(&planned.jti).await.unwrap().unwrap().active);
            assert!(grants.get(&recent.id).await.unwrap().is_some(), "inside the retention");
            assert!(sessions.get(&live_session.id).await.unwrap().is_some());
            assert!(sessions.get(&ended_session.id).await.unwrap().is_some(), "session retention");
            assert!(sessions.get(&old_session.id).await.unwrap().is_none());
            assert!(requests.get(&live_request).await.unwrap().is_some());
            assert!(outbox.get(&unsent).await.unwrap().is_some());
            assert!(outbox.get(&sent).await.unwrap().is_none());
            assert!(devices.pending(&live_device.user_code).await.unwrap().is_some());
            assert!(matches!(codes.redeem(&fresh_code, &client, crate::grants::Presented { redirect_uri: "https://app.example/cb", code_challenge: None, dpop_jkt: None }).await.unwrap(), Redemption::Redeemed(_)));
            assert_eq!(purge.run().await.unwrap(), Purged::default(), "nothing left to purge");
        }

        async fn guests_nobody_used_go_and_the_others_stay(store: Store) {
            let sb = MasterKey::generate().secret_box();
            let (user, client) = user_and_client(&store).await;
            let users = crate::users::Users::new(&store, crate::consents::tests::hasher());
            let sessions = BrowserSessions::new(&store, sb.clone(), SessionPolicy {
                idle_timeout: DAY, absolute_timeout: DAY, remember_timeout: DAY * 14,
            });
            let grants = Grants::new(&store, sb.clone(), DAY * 30);
            let guest = || async { users.create_guest().await.unwrap().id };
            let (abandoned, browsing, refreshing, fresh) = (guest().await, guest().await, guest().await, guest().await);
            for id in [&abandoned, &browsing, &refreshing] {
                age::<user::Entity>(&store, user::Column::CreatedAt, Condition::all().add(user::Column::Id.eq(id.as_str())), 40).await;
            }
            // An old session for the abandoned guest, a recently seen one for another.
            let mut old_session = String::new();
            for id in [&abandoned, &browsing] {
                let (_, s) = sessions.sign_in(NewSession {
                    user_id: id.clone(), amr: vec!["guest".into()], acr: None, ip: None, user_agent: None,
                    remember: false, lifetime: None,
                }, None).await.unwrap();
                if id == &abandoned {
                    age::<browser_session::Entity>(&store, browser_session::Column::LastSeenAt, Condition::all().add(browser_session::Column::Id.eq(s.id.as_str())), 31).await;
                    old_session = s.id;
                }
            }
            // A refresh token issued lately keeps the third.
            let family = grants.start(NewGrant {
                client_id: client.clone(), user_id: refreshing.clone(), session_id: None, code_hash: None,
                scope: "openid".into(), claims: None, auth_time: now(), acr: None, amr: vec!["guest".into()],
                fingerprint: None, not_after: None, resources: vec![], dpop_jkt: None,
            }).await.unwrap();
            grants.issue_refresh(&family).await.unwrap();
            // An ordinary account as old as them, never used: not a guest, never purged here.
            age::<user::Entity>(&store, user::Column::CreatedAt, Condition::all().add(user::Column::Id.eq(user.as_str())), 40).await;

            let purge = Purge::new(&store, DAY * 7, DAY * 30).with_guests(DAY * 30);
            assert_eq!(purge.run().await.unwrap().guests, 1);
            assert!(users.find(&abandoned).await.unwrap().is_none(), "abandoned guest purged");
            assert!(sessions.get(&old_session).await.unwrap().is_none(), "its session with it");
            for kept in [&browsing, &refreshing, &fresh, &user] {
                assert!(users.find(kept).await.unwrap().is_some());
            }
            // Without `with_guests`, no guest goes.
            age::<browser_session::Entity>(&store, browser_session::Column::LastSeenAt, Condition::all(), 35).await;
            assert_eq!(Purge::new(&store, DAY * 7, DAY * 30).run().await.unwrap().guests, 0);
        }
    }
}
