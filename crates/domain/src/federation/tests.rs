use std::time::Duration;

use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use super::*;
use crate::audit::AuditLog;
use crate::credentials::password::{PasswordHasher, PasswordParams};
use crate::entities::{audit_event, upstream, upstream_flow, upstream_link};
use crate::secrets::MasterKey;
use crate::users::{NewUser, UserStatus, Users};
use crate::{Error, Store, backend_tests};

pub(super) fn users(store: &Store) -> Users {
    let hasher = PasswordHasher::new(&PasswordParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
        max_concurrent: 1,
    })
    .unwrap();
    Users::new(store, hasher)
}

pub(super) fn federation(store: &Store) -> Federation {
    Federation::new(
        store,
        MasterKey::generate().secret_box(),
        AuditLog::new(store),
        users(store),
        Duration::from_secs(600),
    )
}

pub(super) fn new_upstream(name: &str, first_login: FirstLogin, trusted: bool) -> NewUpstream {
    NewUpstream {
        name: name.into(),
        display_name: Some(format!("{name} login")),
        issuer: "https://idp.example".into(),
        preset: None,
        endpoints: Endpoints::default(),
        client_id: "gatehouse".into(),
        client_secret: Some("upstream-secret-value".into()),
        scopes: vec![],
        first_login,
        trusted_for_email: trusted,
        trusted_for_acr: false,
        trusted_for_mfa: false,
        enabled: true,
        allowed_clients: vec![],
    }
}

pub(super) fn identity(subject: &str, email: Option<&str>, verified: bool) -> UpstreamIdentity {
    UpstreamIdentity {
        issuer: "https://idp.example".into(),
        subject: subject.into(),
        email: email.map(str::to_owned),
        email_verified: verified,
        name: Some("Uma Upstream".into()),
        given_name: Some("Uma".into()),
        family_name: Some("Upstream".into()),
        amr: vec![],
        acr: None,
        claims: serde_json::Map::new(),
    }
}

pub(super) async fn local_user(
    store: &Store,
    email: &str,
    password: bool,
    verified: bool,
) -> String {
    users(store)
        .create(NewUser {
            email: email.into(),
            password: password.then(|| "a local password".to_owned()),
            email_verified: verified,
            display_name: None,
            status: UserStatus::Active,
        })
        .await
        .unwrap()
        .id
}

async fn links_count(store: &Store) -> usize {
    upstream_link::Entity::find()
        .all(store.db())
        .await
        .unwrap()
        .len()
}

/// An upstream as the pages see it, for tests of pure rules.
pub(super) fn sample_upstream() -> Upstream {
    Upstream::sample()
}

fn signed_in(r: Resolution) -> (crate::entities::user::Model, Arrival) {
    match r {
        Resolution::SignIn { user, arrival } => (*user, arrival),
        other => panic!("expected a sign-in, got {other:?}"),
    }
}

backend_tests! {
    async fn presets_take_their_defaults_and_only_their_own_settings(store: Store) {
        let fed = federation(&store);
        let preset = |name: &str, setup: PresetSetup| NewUpstream {
            issuer: String::new(),
            display_name: None,
            preset: Some(setup),
            ..new_upstream(name, FirstLogin::Create, false)
        };
        let gh = fed.upstreams.create(preset("gh", PresetSetup::plain(Preset::Github)), "test").await.unwrap();
        assert_eq!((gh.issuer.as_str(), gh.display_name.as_str()), ("https://github.com", "GitHub"));
        assert_eq!(gh.scopes, ["read:user", "user:email"], "no openid for OAuth 2.0");
        assert!(!gh.is_oidc());
        assert_eq!(gh.preset, Some(Preset::Github));

        let ms = fed.upstreams.create(preset("ms", PresetSetup {
            preset: Preset::Microsoft,
            settings: PresetSettings { tenant: Some("organizations".into()), ..PresetSettings::default() },
            private_key: None,
        }), "test").await.unwrap();
        assert_eq!(ms.issuer, "https://login.microsoftonline.com/{tenantid}/v2.0");
        assert!(ms.is_oidc());
        assert!(ms.issuer_matches("https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"));
        assert!(ms.issuer_matches("https://login.microsoftonline.com/{tenantid}/v2.0"));
        assert!(!ms.issuer_matches("https://login.microsoftonline.com/a/b/v2.0"), "one tenant segment");
        assert!(!ms.issuer_matches("https://login.microsoftonline.com//v2.0"));
        assert!(!ms.issuer_matches("https://evil.example/x/v2.0"));
        assert!(gh.issuer_matches("https://github.com") && !gh.issuer_matches("https://github.com/x"));
        let ms = fed.upstreams.update("ms", UpstreamChanges {
            allowed_tenants: Some(vec!["t2".into(), "t1".into(), "t1".into()]),
            tenant: Some(String::new()),
            ..Default::default()
        }, "test").await.unwrap();
        assert_eq!(ms.settings, PresetSettings { tenant: None, allowed_tenants: vec!["t1".into(), "t2".into()], ..PresetSettings::default() });

        // Apple: team id, key id and a P-256 key, sealed; no client secret of its own.
        let pem = String::from_utf8(josekit::jws::ES256.generate_key_pair().unwrap().to_pem_private_key()).unwrap();
        let apple_settings = PresetSettings { apple_team_id: Some("TEAM".into()), apple_key_id: Some("KEY".into()), ..PresetSettings::default() };
        let apple = |key: Option<String>| PresetSetup { preset: Preset::Apple, settings: apple_settings.clone(), private_key: key };
        let with_secret = preset("apple", apple(Some(pem.clone())));
        assert!(matches!(fed.upstreams.create(with_secret, "test").await, Err(Error::Invalid { field: "client_secret", .. })));
        let no_key = NewUpstream { client_secret: None, ..preset("apple", apple(None)) };
        assert!(matches!(fed.upstreams.create(no_key, "test").await, Err(Error::Invalid { field: "apple_team_id", .. })));
        let bad_key = NewUpstream { client_secret: None, ..preset("apple", apple(Some("not a key".into()))) };
        assert!(matches!(fed.upstreams.create(bad_key, "test").await, Err(Error::Invalid { field: "private_key", .. })));
        let up = fed.upstreams.create(NewUpstream { client_secret: None, ..preset("apple", apple(Some(pem.clone()))) }, "test").await.unwrap();
        assert!(up.has_private_key && !up.has_client_secret);
        assert_eq!(up.scopes, ["openid", "name", "email"]);
        let row = upstream::Entity::find_by_id(up.id.clone()).one(store.db()).await.unwrap().unwrap();
        assert!(!row.private_key.unwrap().contains("PRIVATE KEY"), "encrypted at rest");
        let client = fed.upstreams.client(&up, "https://gh.example/cb").unwrap();
        assert_eq!(client.private_key.as_deref(), Some(pem.trim()));
        assert!(!serde_json::to_string(&up).unwrap().contains("PRIVATE KEY"));

        // Another preset's settings are refused.
        let stray = PresetSetup { preset: Preset::Google, settings: apple_settings.clone(), private_key: None };
        assert!(matches!(fed.upstreams.create(preset("g", stray), "test").await, Err(Error::Invalid { field: "apple_team_id", .. })));
        let stray = PresetSetup { preset: Preset::Google, settings: PresetSettings { tenant: Some("common".into()), ..PresetSettings::default() }, private_key: None };
        assert!(matches!(fed.upstreams.create(preset("g", stray), "test").await, Err(Error::Invalid { field: "tenant", .. })));
        assert!(matches!(fed.upstreams.update("gh", UpstreamChanges { tenant: Some("common".into()), ..Default::default() }, "test").await, Err(Error::Invalid { field: "tenant", .. })));
    }

    async fn upstreams_are_validated_audited_and_their_secret_is_sealed(store: Store) {
        let fed = federation(&store);
        let up = fed.upstreams.create(new_upstream("corp", FirstLogin::Link, true), "test").await.unwrap();
        assert_eq!(up.scopes, ["openid", "email", "profile"]);
        assert!(up.has_client_secret);
        let row = upstream::Entity::find_by_id(up.id.clone()).one(store.db()).await.unwrap().unwrap();
        let sealed = row.client_secret.unwrap();
        assert!(!sealed.contains("upstream-secret-value"), "encrypted at rest");
        assert_eq!(fed.upstreams.client_secret(&up).unwrap().as_deref(), Some("upstream-secret-value"));
        assert!(!serde_json::to_string(&up).unwrap().contains(&sealed), "never shown");

        assert!(matches!(fed.upstreams.create(new_upstream("corp", FirstLogin::Link, true), "test").await, Err(Error::Conflict(_))));
        let mut bad = new_upstream("Bad Name", FirstLogin::Create, false);
        assert!(matches!(fed.upstreams.create(bad.clone(), "test").await, Err(Error::Invalid { field: "name", .. })));
        bad.name = "plain".into();
        bad.issuer = "http://idp.example".into();
        assert!(matches!(fed.upstreams.create(bad.clone(), "test").await, Err(Error::Invalid { field: "issuer", .. })));
        bad.issuer = "http://127.0.0.1:8081".into();
        bad.allowed_clients = vec!["no-such-client".into()];
        assert!(matches!(fed.upstreams.create(bad.clone(), "test").await, Err(Error::Invalid { field: "allowed_clients", .. })));
        bad.allowed_clients = vec![];
        bad.scopes = vec!["email".into(), "openid".into(), "email".into()];
        let plain = fed.upstreams.create(bad, "test").await.unwrap();
        assert_eq!(plain.scopes, ["openid", "email"], "openid first, each once");

        let changed = fed.upstreams.update("corp", UpstreamChanges {
            display_name: Some("Corporate".into()),
            first_login: Some(FirstLogin::Deny),
            token_endpoint: Some("https://idp.example/token2".into()),
            client_secret: Some("rotated".into()),
            enabled: Some(false),
            ..Default::default()
        }, "test").await.unwrap();
        assert_eq!(changed.display_name, "Corporate");
        assert_eq!(changed.first_login, FirstLogin::Deny);
        assert_eq!(changed.endpoints.token.as_deref(), Some("https://idp.example/token2"));
        assert_eq!(fed.upstreams.client_secret(&changed).unwrap().as_deref(), Some("rotated"));
        assert!(fed.upstreams.offered_to(None).await.unwrap().iter().all(|u| u.name != "corp"), "disabled");
        let cleared = fed.upstreams.update("corp", UpstreamChanges {
            token_endpoint: Some(String::new()),
            ..Default::default()
        }, "test").await.unwrap();
        assert_eq!(cleared.endpoints.token, None);

        let deleted = fed.upstreams.delete("plain", "test").await.unwrap();
        assert_eq!(deleted.name, "plain");
        assert!(fed.upstreams.find("plain").await.unwrap().is_none());
        let kinds: Vec<String> = audit_event::Entity::find()
            .filter(audit_event::Column::Kind.starts_with("upstream."))
            .all(store.db()).await.unwrap()
            .into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds.iter().filter(|k| *k == "upstream.created").count(), 2, "{kinds:?}");
        assert_eq!(kinds.iter().filter(|k| *k == "upstream.updated").count(), 2, "{kinds:?}");
        assert_eq!(kinds.iter().filter(|k| *k == "upstream.deleted").count(), 1, "{kinds:?}");
    }

    async fn the_allow_list_limits_which_clients_offer_an_upstream(store: Store) {
        let fed = federation(&store);
        let (_, client_id) = crate::consents::tests::user_and_client(&store).await;
        let mut only = new_upstream("only", FirstLogin::Create, false);
        only.allowed_clients = vec![client_id.clone()];
        fed.upstreams.create(only, "test").await.unwrap();
        fed.upstreams.create(new_upstream("all", FirstLogin::Create, false), "test").await.unwrap();
        let names = |v: Vec<Upstream>| v.into_iter().map(|u| u.name).collect::<Vec<_>>();
        assert_eq!(names(fed.upstreams.offered_to(Some(&client_id)).await.unwrap()), ["all", "only"]);
        assert_eq!(names(fed.upstreams.offered_to(Some("other")).await.unwrap()), ["all"]);
        assert_eq!(names(fed.upstreams.offered_to(None).await.unwrap()), ["all"]);
    }

    async fn a_flow_is_claimed_once(store: Store) {
        let fed = federation(&store);
        let up = fed.upstreams.create(new_upstream("corp", FirstLogin::Create, false), "test").await.unwrap();
        let start = FlowStart::generate();
        fed.flows.save(&start, NewFlow { upstream_id: &up.id, request_id: Some("req"), next: None, browser: Some("cookie"), link_session: None }).await.unwrap();
        let row = upstream_flow::Entity::find().one(store.db()).await.unwrap().unwrap();
        assert_ne!(row.state_hash, start.state, "only a keyed hash of the state is stored");
        assert!(!row.pkce_verifier.contains(&start.pkce_verifier), "the verifier is encrypted");
        let Claim::Claimed(flow) = fed.flows.claim(&start.state).await.unwrap() else { panic!("first claim") };
        assert_eq!(flow.pkce_verifier, start.pkce_verifier);
        assert_eq!(flow.nonce, start.nonce);
        assert_eq!(flow.request_id.as_deref(), Some("req"));
        assert!(!fed.flows.other_browser(&flow, Some("cookie")));
        assert!(!fed.flows.other_browser(&flow, None), "a cross-site POST without the cookie");
        assert!(fed.flows.other_browser(&flow, Some("another")));
        assert!(matches!(fed.flows.claim(&start.state).await.unwrap(), Claim::Replayed { upstream_id } if upstream_id == up.id));
        assert!(matches!(fed.flows.claim("unknown").await.unwrap(), Claim::Unknown));

        let late = FlowStart::generate();
        fed.flows.save(&late, NewFlow { upstream_id: &up.id, request_id: None, next: Some("/account"), browser: None, link_session: None }).await.unwrap();
        upstream_flow::Entity::update_many()
            .col_expr(upstream_flow::Column::ExpiresAt, sea_orm::sea_query::Expr::value(crate::now() - time::Duration::seconds(1)))
            .filter(upstream_flow::Column::Next.eq("/account"))
            .exec(store.db()).await.unwrap();
        assert!(matches!(fed.flows.claim(&late.state).await.unwrap(), Claim::Expired { .. }));
    }

    async fn create_makes_one_account_and_the_link_finds_it_again(store: Store) {
        let fed = federation(&store);
        let untrusted = fed.upstreams.create(new_upstream("social", FirstLogin::Create, false), "test").await.unwrap();
        let (user, arrival) = signed_in(fed.links.resolve(&untrusted, &identity("u1", Some("New@Example.com"), true), None).await.unwrap());
        assert_eq!(arrival, Arrival::Created);
        assert_eq!(user.email.as_deref(), Some("new@example.com"));
        assert!(!user.email_verified, "the upstream is not trusted for email");
        assert_eq!(user.display_name.as_deref(), Some("Uma Upstream"));
        assert_eq!(user.given_name.as_deref(), Some("Uma"));
        // The same identity again: the same account, whatever its address says now.
        let (again, arrival) = signed_in(fed.links.resolve(&untrusted, &identity("u1", Some("changed@example.com"), true), None).await.unwrap());
        assert_eq!(arrival, Arrival::Linked);
        assert_eq!(again.id, user.id);
        assert_eq!(again.subject, user.subject);
        let links = fed.links.of_user(&user.id).await.unwrap();
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].email.as_deref(), Some("changed@example.com"));
        assert_eq!(links[0].upstream, "social");

        let trusted = fed.upstreams.create(new_upstream("trusted", FirstLogin::Create, true), "test").await.unwrap();
        let mut other = identity("u2", Some("verified@example.com"), true);
        other.issuer = "https://other.example".into();
        let (user, _) = signed_in(fed.links.resolve(&trusted, &other, None).await.unwrap());
        assert!(user.email_verified, "trusted and verified upstream address");
        let (user, _) = signed_in(fed.links.resolve(&trusted, &identity("u3", Some("unverified@example.com"), false), None).await.unwrap());
        assert!(!user.email_verified, "the upstream did not verify it");
        // Without a usable address, an account without one (X gives none).
        for (subject, email) in [("u4", None), ("u5", Some("not an address"))] {
            let (user, arrival) = signed_in(fed.links.resolve(&trusted, &identity(subject, email, true), None).await.unwrap());
            assert_eq!((user.email.as_deref(), user.email_verified, arrival), (None, false, Arrival::Created));
            let (again, _) = signed_in(fed.links.resolve(&trusted, &identity(subject, None, true), None).await.unwrap());
            assert_eq!(again.id, user.id, "the link finds it again");
        }
    }

    async fn linking_to_an_existing_address_is_strict(store: Store) {
        let fed = federation(&store);
        let trusted = fed.upstreams.create(new_upstream("trusted", FirstLogin::Link, true), "test").await.unwrap();
        let mut u = new_upstream("untrusted", FirstLogin::Link, false);
        u.issuer = "https://untrusted.example".into();
        let untrusted = fed.upstreams.create(u, "test").await.unwrap();
        let alice = local_user(&store, "alice@example.com", true, true).await;

        let prove = |r: Resolution| match r {
            Resolution::Prove { user, reason } => (user.id, reason),
            other => panic!("expected a proof, got {other:?}"),
        };
        // The upstream does not vouch for the address.
        let (id, reason) = prove(fed.links.resolve(&trusted, &identity("a1", Some("alice@example.com"), false), None).await.unwrap());
        assert_eq!((id.as_str(), reason), (alice.as_str(), ProofReason::UpstreamEmailUnverified));
        // The upstream vouches, but is not trusted to.
        let mut id_untrusted = identity("a1", Some("alice@example.com"), true);
        id_untrusted.issuer = "https://untrusted.example".into();
        let (_, reason) = prove(fed.links.resolve(&untrusted, &id_untrusted, None).await.unwrap());
        assert_eq!(reason, ProofReason::UpstreamNotTrusted);
        // The local address is not verified.
        local_user(&store, "bob@example.com", true, false).await;
        let (_, reason) = prove(fed.links.resolve(&trusted, &identity("b1", Some("bob@example.com"), true), None).await.unwrap());
        assert_eq!(reason, ProofReason::LocalEmailUnverified);
        // Nothing was linked by any of these.
        assert_eq!(links_count(&store).await, 0);
        // No password: nothing to prove with.
        local_user(&store, "nopw@example.com", false, false).await;
        assert!(matches!(fed.links.resolve(&trusted, &identity("n1", Some("nopw@example.com"), true), None).await.unwrap(),
            Resolution::Refused(Refusal::CannotProve(ProofReason::LocalEmailUnverified))));
        // Every condition holds: linked automatically.
        let (user, arrival) = signed_in(fed.links.resolve(&trusted, &identity("a2", Some("alice@example.com"), true), None).await.unwrap());
        assert_eq!((user.id.as_str(), arrival), (alice.as_str(), Arrival::AutoLinked));
        // The policy `link` never creates accounts.
        assert!(matches!(fed.links.resolve(&trusted, &identity("z", Some("nobody@example.com"), true), None).await.unwrap(),
            Resolution::Refused(Refusal::NoAccount)));
        // Nor, without an address, finds one.
        assert!(matches!(fed.links.resolve(&trusted, &identity("z", None, true), None).await.unwrap(),
            Resolution::Refused(Refusal::NoEmail)));
        // A proven link: the account gets a second identity.
        fed.links.link(&alice, &untrusted, &id_untrusted).await.unwrap();
        assert_eq!(fed.links.of_user(&alice).await.unwrap().len(), 2, "several links per account");
        assert!(matches!(fed.links.link(&alice, &untrusted, &id_untrusted).await, Err(Error::Conflict(_))), "one link per identity");
    }

    async fn proving_an_unverified_address_drops_the_links_made_on_it(store: Store) {
        let fed = federation(&store);
        let untrusted = fed.upstreams.create(new_upstream("social", FirstLogin::Create, false), "test").await.unwrap();
        // A stranger's identity claims the victim's address: an account is created, unverified.
        let (made, _) = signed_in(fed.links.resolve(&untrusted, &identity("stranger", Some("victim@example.com"), true), None).await.unwrap());
        assert!(!made.email_verified);
        // The mailbox owner resets the password: the stranger's link goes.
        users(&store).reset_password(&made.id, "the owner's new password").await.unwrap();
        assert_eq!(links_count(&store).await, 0);
        assert!(matches!(fed.links.resolve(&untrusted, &identity("stranger", Some("victim@example.com"), true), None).await.unwrap(),
            Resolution::Prove { reason: ProofReason::UpstreamNotTrusted, .. }), "the stranger now needs the password");
        // Confirming an address does the same; a verified account keeps its links.
        let (other, _) = signed_in(fed.links.resolve(&untrusted, &identity("s2", Some("second@example.com"), true), None).await.unwrap());
        users(&store).confirm_email(&other.id, "second@example.com").await.unwrap();
        assert_eq!(links_count(&store).await, 0);
        fed.links.link(&other.id, &untrusted, &identity("s2", None, false)).await.unwrap();
        users(&store).reset_password(&other.id, "another new password").await.unwrap();
        assert_eq!(links_count(&store).await, 1, "a verified account keeps its links");
    }

    async fn deny_refuses_unlinked_identities_only(store: Store) {
        let fed = federation(&store);
        let up = fed.upstreams.create(new_upstream("closed", FirstLogin::Deny, true), "test").await.unwrap();
        let alice = local_user(&store, "alice@example.com", true, true).await;
        assert!(matches!(fed.links.resolve(&up, &identity("d1", Some("alice@example.com"), true), None).await.unwrap(), Resolution::Refused(Refusal::Denied)));
        assert!(matches!(fed.links.resolve(&up, &identity("d2", Some("new@example.com"), true), None).await.unwrap(), Resolution::Refused(Refusal::Denied)));
        assert_eq!(links_count(&store).await, 0);
        fed.links.link(&alice, &up, &identity("d1", None, false)).await.unwrap();
        let (user, arrival) = signed_in(fed.links.resolve(&up, &identity("d1", None, false), None).await.unwrap());
        assert_eq!((user.id, arrival), (alice, Arrival::Linked));
    }

    async fn deleting_an_upstream_removes_its_links_not_the_accounts(store: Store) {
        let fed = federation(&store);
        let up = fed.upstreams.create(new_upstream("gone", FirstLogin::Create, true), "test").await.unwrap();
        let (user, _) = signed_in(fed.links.resolve(&up, &identity("g1", Some("g@example.com"), true), None).await.unwrap());
        fed.flows.save(&FlowStart::generate(), NewFlow { upstream_id: &up.id, request_id: None, next: None, browser: None, link_session: None }).await.unwrap();
        fed.upstreams.delete("gone", "test").await.unwrap();
        assert_eq!(links_count(&store).await, 0);
        assert!(upstream_flow::Entity::find().one(store.db()).await.unwrap().is_none());
        assert!(users(&store).find(&user.id).await.unwrap().is_some());
    }
    async fn a_guest_becomes_the_account_an_upstream_sign_in_would_create(store: Store) {
        let fed = federation(&store);
        let users = users(&store);
        let trusted = fed.upstreams.create(new_upstream("social", FirstLogin::Create, true), "test").await.unwrap();
        let guest = users.create_guest().await.unwrap();
        let (user, arrival) = signed_in(fed.links.resolve(&trusted, &identity("g1", Some("gina@example.com"), true), Some(&guest)).await.unwrap());
        assert_eq!(arrival, Arrival::FromGuest);
        assert_eq!((user.id.as_str(), user.subject.as_str()), (guest.id.as_str(), guest.subject.as_str()), "the guest keeps its sub");
        assert!(!user.guest);
        assert_eq!((user.email.as_deref(), user.email_verified), (Some("gina@example.com"), true));
        assert_eq!(user.display_name.as_deref(), Some("Uma Upstream"));
        assert_eq!(fed.links.of_user(&user.id).await.unwrap().len(), 1);
        // Later sign-ins find it through the link.
        let (again, arrival) = signed_in(fed.links.resolve(&trusted, &identity("g1", None, true), None).await.unwrap());
        assert_eq!((again.id.as_str(), arrival), (guest.id.as_str(), Arrival::Linked));

        // An identity linked already signs its own account in; the guest stays a guest.
        let other_guest = users.create_guest().await.unwrap();
        let (user, arrival) = signed_in(fed.links.resolve(&trusted, &identity("g1", None, true), Some(&other_guest)).await.unwrap());
        assert_eq!((user.id.as_str(), arrival), (guest.id.as_str(), Arrival::Linked));
        // So does an address with an account: the usual linking rule, not the guest.
        let alice = local_user(&store, "alice@example.com", true, true).await;
        let (user, arrival) = signed_in(fed.links.resolve(&trusted, &identity("g2", Some("alice@example.com"), true), Some(&other_guest)).await.unwrap());
        assert_eq!((user.id.as_str(), arrival), (alice.as_str(), Arrival::AutoLinked));
        assert!(users.find(&other_guest.id).await.unwrap().unwrap().guest);
        // An upstream without an address: the guest becomes an account without one.
        let (user, arrival) = signed_in(fed.links.resolve(&trusted, &identity("g3", None, true), Some(&other_guest)).await.unwrap());
        assert_eq!((user.id.as_str(), arrival, user.email.as_deref(), user.guest), (other_guest.id.as_str(), Arrival::FromGuest, None, false));
        // A guest that links an identity (from the account page) stops being a guest.
        let linking_guest = users.create_guest().await.unwrap();
        fed.links.link(&linking_guest.id, &trusted, &identity("g5", None, true)).await.unwrap();
        assert!(!users.find(&linking_guest.id).await.unwrap().unwrap().guest);
        // An ordinary account handed as "guest" is never taken over.
        let third = users.find(&alice).await.unwrap().unwrap();
        let (user, arrival) = signed_in(fed.links.resolve(&trusted, &identity("g4", Some("new4@example.com"), true), Some(&third)).await.unwrap());
        assert_eq!(arrival, Arrival::Created);
        assert_ne!(user.id, alice);
    }
}
