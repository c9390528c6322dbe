//! Tests of claim-to-role mapping, unlinking, the trust flags and the sign-in lifetime.

use std::time::Duration;

use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::json;

use super::tests::{federation, identity, local_user, new_upstream, users};
use super::*;
use crate::audit::AuditLog;
use crate::entities::{audit_event, user_group, user_role};
use crate::groups::Groups;
use crate::roles::Roles;
use crate::secrets::MasterKey;
use crate::{Error, Store, backend_tests};

fn claims(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match v {
        serde_json::Value::Object(m) => m,
        _ => panic!("an object"),
    }
}

async fn direct_roles(store: &Store, user_id: &str) -> Vec<String> {
    let ids: Vec<String> = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user_id))
        .all(store.db())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.role_id)
        .collect();
    let mut names = Vec::new();
    for id in ids {
        let r = crate::entities::role::Entity::find_by_id(id)
            .one(store.db())
            .await
            .unwrap()
            .unwrap();
        names.push(r.name);
    }
    names.sort();
    names
}

async fn in_group(store: &Store, user_id: &str) -> usize {
    user_group::Entity::find()
        .filter(user_group::Column::UserId.eq(user_id))
        .all(store.db())
        .await
        .unwrap()
        .len()
}

async fn kinds(store: &Store, prefix: &str) -> Vec<String> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Kind.starts_with(prefix))
        .all(store.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

fn rule(claim: &str, value: &str, target: MappingTarget) -> NewMapping {
    NewMapping {
        claim: claim.into(),
        value: value.into(),
        target,
    }
}

#[test]
fn claim_paths_walk_objects_and_match_values_or_array_members() {
    let c = claims(json!({
        "groups": ["staff", "ops"],
        "realm_access": { "roles": ["admin"] },
        "hd": "example.com",
        "https://example.com/roles": ["editor"],
        "level": 3,
        "email_verified": true,
    }));
    assert!(claim_matches(&c, "groups", "ops"));
    assert!(!claim_matches(&c, "groups", "op"));
    assert!(claim_matches(&c, "realm_access.roles", "admin"));
    assert!(
        !claim_matches(&c, "realm_access", "admin"),
        "an object is no value"
    );
    assert!(claim_matches(&c, "hd", "example.com"));
    assert!(
        claim_matches(&c, "https://example.com/roles", "editor"),
        "a claim name with dots"
    );
    assert!(claim_matches(&c, "level", "3"));
    assert!(claim_matches(&c, "email_verified", "true"));
    assert!(!claim_matches(&c, "missing.path", "x"));
}

backend_tests! {
    async fn mapping_rules_grant_and_take_back_only_their_own_grants(store: Store) {
        let fed = federation(&store);
        let up = fed.upstreams.create(new_upstream("corp", FirstLogin::Create, true), "test").await.unwrap();
        let roles = Roles::new(&store);
        let groups = Groups::new(&store);
        roles.create("admin", &[]).await.unwrap();
        roles.create("staff", &[]).await.unwrap();
        roles.create("auditor", &[]).await.unwrap();
        groups.create("ops", None).await.unwrap();
        let alice = local_user(&store, "alice@example.com", true, true).await;
        // A manual grant of a role a rule also gives: it must stay manual.
        roles.grant("staff", "alice@example.com").await.unwrap();

        let admin = fed.mappings.add(&up, rule("realm_access.roles", "admin", MappingTarget::Role("admin".into())), "test").await.unwrap();
        fed.mappings.add(&up, rule("groups", "staff", MappingTarget::Role("staff".into())), "test").await.unwrap();
        fed.mappings.add(&up, rule("hd", "example.com", MappingTarget::Group("ops".into())), "test").await.unwrap();
        // Two rules giving one role: it goes only when neither matches.
        fed.mappings.add(&up, rule("groups", "audit", MappingTarget::Role("auditor".into())), "test").await.unwrap();
        fed.mappings.add(&up, rule("groups", "compliance", MappingTarget::Role("auditor".into())), "test").await.unwrap();
        assert!(matches!(fed.mappings.add(&up, rule("groups", "x", MappingTarget::Role("nope".into())), "test").await, Err(Error::NotFound("role"))));
        assert!(matches!(fed.mappings.add(&up, rule("a..b", "x", MappingTarget::Group("ops".into())), "test").await, Err(Error::Invalid { field: "claim", .. })));
        let listed = fed.mappings.list(&up).await.unwrap();
        assert_eq!(listed.len(), 5);
        assert_eq!(listed[0].role.as_deref(), Some("admin"));
        assert_eq!(listed[2].group.as_deref(), Some("ops"));

        let generation = store.changes().generation();
        let first = claims(json!({
            "realm_access": { "roles": ["admin"] },
            "groups": ["staff", "audit", "compliance"],
            "hd": "example.com",
        }));
        let applied = fed.mappings.apply(&up, &alice, &first).await.unwrap();
        assert_eq!(applied.added, ["role:admin", "group:ops", "role:auditor"]);
        assert!(applied.removed.is_empty());
        assert!(store.changes().generation() > generation, "the policies memo sees the change");
        assert_eq!(direct_roles(&store, &alice).await, ["admin", "auditor", "staff"]);
        assert_eq!(in_group(&store, &alice).await, 1);
        // The same claims again: nothing to do.
        assert_eq!(fed.mappings.apply(&up, &alice, &first).await.unwrap(), Applied::default());

        // The upstream stops saying admin, staff and audit (compliance stays).
        let second = claims(json!({ "groups": ["compliance"], "hd": "example.com" }));
        let applied = fed.mappings.apply(&up, &alice, &second).await.unwrap();
        assert_eq!(applied.removed, ["role:admin"]);
        assert_eq!(direct_roles(&store, &alice).await, ["auditor", "staff"], "the manual staff grant stays; auditor held by the other rule");
        let applied = fed.mappings.apply(&up, &alice, &claims(json!({}))).await.unwrap();
        assert_eq!(applied.removed, ["group:ops", "role:auditor"]);
        assert_eq!(direct_roles(&store, &alice).await, ["staff"], "manual grants are never touched");
        assert_eq!(in_group(&store, &alice).await, 0);

        // Back again, then the rule goes: its grant goes with it.
        fed.mappings.apply(&up, &alice, &first).await.unwrap();
        assert!(direct_roles(&store, &alice).await.contains(&"admin".to_owned()));
        fed.mappings.remove(&up, &admin.id, "test").await.unwrap();
        assert!(!direct_roles(&store, &alice).await.contains(&"admin".to_owned()));
        assert!(matches!(fed.mappings.remove(&up, &admin.id, "test").await, Err(Error::NotFound("mapping"))));
        assert_eq!(fed.mappings.list(&up).await.unwrap().len(), 4);

        // Every rule of an upstream goes (before the upstream is deleted): their grants too.
        fed.mappings.apply(&up, &alice, &first).await.unwrap();
        assert!(direct_roles(&store, &alice).await.contains(&"auditor".to_owned()));
        assert_eq!(fed.mappings.remove_all(&up, "test").await.unwrap(), 4);
        assert_eq!(direct_roles(&store, &alice).await, ["staff"], "only the manual grant is left");
        assert_eq!(in_group(&store, &alice).await, 0);

        let audited = kinds(&store, "upstream.mapping.").await;
        assert_eq!(audited.iter().filter(|k| *k == "upstream.mapping.added").count(), 5, "{audited:?}");
        assert_eq!(audited.iter().filter(|k| *k == "upstream.mapping.removed").count(), 5, "{audited:?}");
        assert!(audited.iter().any(|k| k == "upstream.mapping.granted"));
        assert!(audited.iter().any(|k| k == "upstream.mapping.revoked"));
    }

    async fn the_last_way_to_sign_in_cannot_be_unlinked(store: Store) {
        let fed = federation(&store);
        let up = fed.upstreams.create(new_upstream("corp", FirstLogin::Create, true), "test").await.unwrap();
        let other = fed.upstreams.create(new_upstream("other", FirstLogin::Create, true), "test").await.unwrap();
        // No password, no passkey, an unverified address: the link is the only way in.
        let bob = local_user(&store, "bob@example.com", false, false).await;
        let first = fed.links.link(&bob, &up, &identity("b1", None, false)).await.unwrap();
        assert_eq!(fed.links.unlink(&bob, &first.id, false).await.unwrap(), Unlinked::LastWay);
        assert!(matches!(fed.links.unlink(&bob, &first.id, true).await.unwrap(), Unlinked::Removed(_)), "a verified address (sign-in codes) counts");
        let first = fed.links.link(&bob, &up, &identity("b1", None, false)).await.unwrap();
        // A second link counts, unless its upstream is switched off.
        let mut second_identity = identity("b2", None, false);
        second_identity.issuer = "https://other.example".into();
        let second = fed.links.link(&bob, &other, &second_identity).await.unwrap();
        fed.upstreams.update("other", UpstreamChanges { enabled: Some(false), ..Default::default() }, "test").await.unwrap();
        assert_eq!(fed.links.unlink(&bob, &first.id, false).await.unwrap(), Unlinked::LastWay);
        fed.upstreams.update("other", UpstreamChanges { enabled: Some(true), ..Default::default() }, "test").await.unwrap();
        assert!(matches!(fed.links.unlink(&bob, &first.id, false).await.unwrap(), Unlinked::Removed(l) if l.upstream == "corp"));
        assert_eq!(fed.links.unlink(&bob, &second.id, false).await.unwrap(), Unlinked::LastWay);
        // Someone else's link is not found; a password makes the last link removable.
        let carol = local_user(&store, "carol@example.com", true, false).await;
        assert_eq!(fed.links.unlink(&carol, &second.id, false).await.unwrap(), Unlinked::NotFound);
        let c1 = fed.links.link(&carol, &up, &identity("c1", None, false)).await.unwrap();
        assert!(matches!(fed.links.unlink(&carol, &c1.id, false).await.unwrap(), Unlinked::Removed(_)));
    }

    async fn a_link_flow_carries_its_session(store: Store) {
        let fed = federation(&store);
        let up = fed.upstreams.create(new_upstream("corp", FirstLogin::Create, true), "test").await.unwrap();
        let start = FlowStart::generate();
        fed.flows.save(&start, NewFlow { upstream_id: &up.id, request_id: None, next: Some("/account/linked"), browser: None, link_session: Some("session-1") }).await.unwrap();
        let Claim::Claimed(flow) = fed.flows.claim(&start.state).await.unwrap() else { panic!("claimed") };
        assert_eq!(flow.link_session.as_deref(), Some("session-1"));
    }

    async fn a_shorter_flow_lifetime_expires_sign_ins_sooner(store: Store) {
        let up = federation(&store).upstreams.create(new_upstream("corp", FirstLogin::Create, true), "test").await.unwrap();
        let with_ttl = |ttl| Federation::new(&store, MasterKey::generate().secret_box(), AuditLog::new(&store), users(&store), ttl);
        let flow = |fed: &Federation| {
            let start = FlowStart::generate();
            let fed = fed.clone();
            let id = up.id.clone();
            async move {
                fed.flows.save(&start, NewFlow { upstream_id: &id, request_id: None, next: None, browser: None, link_session: None }).await.unwrap();
                fed.flows.claim(&start.state).await.unwrap()
            }
        };
        // A lifetime of nothing: the sign-in is over before its answer comes.
        let none = with_ttl(Duration::ZERO);
        assert_eq!(none.flows.ttl(), Duration::ZERO);
        assert!(matches!(flow(&none).await, Claim::Expired { .. }));
        let long = with_ttl(Duration::from_secs(600));
        assert!(matches!(flow(&long).await, Claim::Claimed(_)));
    }
}

#[test]
fn an_upstream_is_believed_only_as_far_as_it_is_trusted() {
    use crate::signin_rules::{ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR};
    let mut up = super::tests::sample_upstream();
    let mut id = identity("s", None, false);
    id.amr = vec!["pwd".into(), "otp".into()];
    id.acr = Some(ACR_MULTI_FACTOR.into());

    // Trusted for nothing: `fed` only, one factor.
    let a = assurance(&up, &id);
    assert_eq!(a.amr, ["fed"]);
    assert_eq!(a.acr, ACR_SINGLE_FACTOR);
    assert!(!a.second_factor);

    // Trusted for acr: the upstream's multi-factor acr counts for step-up, not as the second
    // factor a client requires.
    up.trusted_for_acr = true;
    let a = assurance(&up, &id);
    assert_eq!(a.acr, ACR_MULTI_FACTOR);
    assert!(!a.second_factor);
    assert_eq!(a.amr, ["fed"]);
    id.acr = Some("urn:other:bronze".into());
    assert_eq!(
        assurance(&up, &id).acr,
        ACR_SINGLE_FACTOR,
        "an unknown acr is not honoured"
    );
    up.trusted_for_acr = false;

    // Trusted for MFA with a second factor in amr.
    up.trusted_for_mfa = true;
    let a = assurance(&up, &id);
    assert_eq!(a.amr, ["fed", "pwd", "otp", "mfa"]);
    assert_eq!(a.acr, ACR_MULTI_FACTOR);
    assert!(a.second_factor);
    // ... but one factor is not two.
    id.amr = vec!["otp".into()];
    let a = assurance(&up, &id);
    assert!(!a.second_factor);
    assert_eq!(a.acr, ACR_SINGLE_FACTOR);
    assert_eq!(a.amr, ["fed", "otp"]);
    id.amr = vec!["swk".into(), "pin".into(), "bad value!".into()];
    let a = assurance(&up, &id);
    assert!(a.second_factor, "a key with its PIN is two factors");
    assert_eq!(a.amr, ["fed", "swk", "pin", "mfa"], "odd values dropped");
    assert!(shows_second_factor(&["mfa".to_owned()]));
    assert!(
        !shows_second_factor(&["pwd".to_owned(), "kba".to_owned()]),
        "two things known are one kind"
    );
}
