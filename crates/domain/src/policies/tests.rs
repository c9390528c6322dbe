use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::{Map, Value, json};
use time::macros::datetime;

use super::*;
use crate::clients::{Clients, NewClient};
use crate::credentials::password::{PasswordHasher, PasswordParams};
use crate::roles::Roles;
use crate::secrets::MasterKey;
use crate::users::{NewUser, UserStatus, Users};
use crate::{Error, Store, backend_tests};

const SCHEMA: &str = r#"namespace Docs {
  entity Document = { owner_domain: String, public: Bool };
  entity Folder;
  action read, write appliesTo {
    principal: [Gatehouse::User],
    resource: [Document, Folder],
    context: { gatehouse: Gatehouse::Request },
  };
}
"#;

const POLICIES: &str = r#"@id("verified-read-public")
permit(principal, action == Docs::Action::"read", resource is Docs::Document)
when { principal.email_verified && resource.public };

@id("owners")
permit(principal in Gatehouse::Relation::"owner", action, resource);

@id("folder-readers")
permit(principal in Gatehouse::Relation::"reader", action == Docs::Action::"read", resource is Docs::Folder);

@id("same-domain-read")
permit(principal, action == Docs::Action::"read", resource is Docs::Document)
when { principal.email_domain == resource.owner_domain };

@id("office-hours")
forbid(principal, action == Docs::Action::"write", resource)
unless { context.gatehouse.hour >= 9 && context.gatehouse.hour < 17 };
"#;

async fn user(store: &Store, email: &str, verified: bool) -> String {
    let hasher = PasswordHasher::new(&PasswordParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
        max_concurrent: 1,
    })
    .unwrap();
    Users::new(store, hasher)
        .create(NewUser {
            email: email.into(),
            password: None,
            email_verified: verified,
            display_name: None,
            status: UserStatus::Active,
        })
        .await
        .unwrap()
        .subject
}

async fn resource_server(store: &Store) -> String {
    let (client, _) = Clients::new(store, MasterKey::generate().secret_box())
        .create(NewClient {
            name: "docs".into(),
            redirect_uris: vec!["https://docs.example/cb".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    client.client_id
}

fn ask(subject: &str, action: &str, resource: &str, properties: Value) -> Evaluation {
    let (ty, id) = parse_resource(resource).unwrap();
    Evaluation {
        subject: subject.into(),
        action: action.into(),
        resource_type: ty,
        resource_id: id,
        resource_properties: properties.as_object().cloned().unwrap_or_default(),
        context: Map::new(),
        authentication: None,
    }
}

fn at(now: time::OffsetDateTime) -> RequestFacts {
    RequestFacts {
        now,
        client_id: "docs".into(),
        ip: "192.0.2.1".into(),
    }
}

const NOON: time::OffsetDateTime = datetime!(2026-12-01 12:00 UTC);
const NIGHT: time::OffsetDateTime = datetime!(2026-12-01 22:00 UTC);

fn doc(domain: &str, public: bool) -> Value {
    json!({ "owner_domain": domain, "public": public })
}

#[test]
fn a_schema_breaking_policy_is_refused_with_its_line_and_column() {
    let broken = format!(
        "{POLICIES}\npermit(principal, action, resource is Docs::Document)\nwhen {{ resource.colour == \"red\" }};\n"
    );
    let Err(Error::Invalid { field, reason }) = compile(SCHEMA, &broken) else {
        panic!("accepted a policy naming an attribute the schema lacks");
    };
    assert_eq!(field, "policies");
    let line = POLICIES.lines().count() + 3;
    assert!(reason.contains(&format!("line {line}, column")), "{reason}");
    assert!(reason.contains("colour"), "{reason}");

    let Err(Error::Invalid { field, reason }) =
        compile(SCHEMA, "permit(principal, action, resource)\nwhen { true ;")
    else {
        panic!("accepted a syntax error");
    };
    assert_eq!(field, "policies");
    assert!(reason.starts_with("line 2, column"), "{reason}");

    let Err(Error::Invalid { field, reason }) = compile(
        "namespace Docs {\n  entity Document = { x: Strin };\n}",
        POLICIES,
    ) else {
        panic!("accepted a schema with an unknown type");
    };
    assert_eq!(field, "schema");
    assert!(reason.contains("Strin"), "{reason}");
}

#[test]
fn policy_ids_come_from_the_id_annotation() {
    let c = compile(SCHEMA, POLICIES).unwrap();
    assert_eq!(
        c.policy_ids,
        [
            "verified-read-public",
            "owners",
            "folder-readers",
            "same-domain-read",
            "office-hours"
        ]
    );
    assert!(matches!(c.action("read"), Ok(a) if a.to_string() == r#"Docs::Action::"read""#));
    assert!(matches!(c.entity_type("Document"), Ok(t) if t.to_string() == "Docs::Document"));
    assert!(matches!(
        c.action("delete"),
        Err(Error::Invalid {
            field: "action",
            ..
        })
    ));
    assert!(
        matches!(c.entity_type("User"), Err(Error::Invalid { .. })),
        "Gatehouse's own types are not resources"
    );
}

#[test]
fn resources_are_named_type_colon_id_or_in_cedar_form() {
    assert_eq!(
        parse_resource("Document:42").unwrap(),
        ("Document".into(), "42".into())
    );
    assert_eq!(
        parse_resource(r#"Docs::Document::"a:b""#).unwrap(),
        ("Docs::Document".into(), "a:b".into())
    );
    assert!(parse_resource("42").is_err());
    assert!(parse_resource("Bad Type:1").is_err());
    assert!(parse_resource("Document:").is_err());
}

backend_tests! {
    async fn attributes_acl_roles_and_time_decide(store: Store) {
        let rs = resource_server(&store).await;
        let policies = Policies::new(&store, std::time::Duration::from_secs(5));
        let set = policies.set(&rs, SCHEMA, POLICIES).await.unwrap();
        assert_eq!(set.version, 1);
        let alice = user(&store, "alice@example.com", true).await;
        let bob = user(&store, "bob@other.example", false).await;

        // ABAC on user attributes: verified readers of public documents; same domain.
        let d = policies.decide(&rs, &ask(&alice, "read", "Document:1", doc("else.example", true)), &at(NOON)).await.unwrap();
        assert!(d.decision);
        assert_eq!(d.reasons, ["verified-read-public"]);
        let d = policies.decide(&rs, &ask(&bob, "read", "Document:1", doc("else.example", true)), &at(NOON)).await.unwrap();
        assert!(!d.decision, "bob's address is not verified");
        let d = policies.decide(&rs, &ask("bob@other.example", "read", "Document:1", doc("other.example", false)), &at(NOON)).await.unwrap();
        assert!(d.decision, "the subject may be named by email");
        assert_eq!(d.reasons, ["same-domain-read"]);

        // ACL ownership: alice owns document 42, not 43; bob owns nothing.
        policies.acl().add(&rs, &AclSubject::User("alice@example.com".into()), "owner", "Docs::Document", "42").await.unwrap();
        let write = |who: &str, id: &str, when| {
            let q = ask(who, "write", &format!("Document:{id}"), doc("x.example", false));
            let p = policies.clone();
            let rs = rs.clone();
            async move { p.decide(&rs, &q, &at(when)).await.unwrap() }
        };
        let d = write(&alice, "42", NOON).await;
        assert!(d.decision);
        assert_eq!(d.reasons, ["owners"]);
        assert!(!write(&alice, "43", NOON).await.decision);
        assert!(!write(&bob, "42", NOON).await.decision);
        // Time of day: writing is forbidden outside office hours, even for the owner.
        let d = write(&alice, "42", NIGHT).await;
        assert!(!d.decision);
        assert_eq!(d.reasons, ["office-hours"]);

        // ACL through a role: editors may read folder 7.
        let roles = Roles::new(&store);
        roles.create("editor", &[]).await.unwrap();
        policies.acl().add(&rs, &AclSubject::Role("editor".into()), "reader", "Docs::Folder", "7").await.unwrap();
        let folder = ask(&bob, "read", "Folder:7", json!({}));
        assert!(!policies.decide(&rs, &folder, &at(NOON)).await.unwrap().decision);
        roles.grant("editor", "bob@other.example").await.unwrap();
        let d = policies.decide(&rs, &folder, &at(NOON)).await.unwrap();
        assert!(d.decision, "{d:?}");
        assert_eq!(d.reasons, ["folder-readers"]);
        assert_eq!(policies.acl().list(&rs, Some(("Docs::Folder", "7"))).await.unwrap().len(), 1);

        // ACL through a group: members of /eng/backend are members of /eng, which reads folder 9.
        let groups = crate::groups::Groups::new(&store);
        groups.create("eng", None).await.unwrap();
        groups.create("backend", Some("eng")).await.unwrap();
        policies.acl().add(&rs, &AclSubject::Group("eng".into()), "reader", "Docs::Folder", "9").await.unwrap();
        let folder9 = ask(&alice, "read", "Folder:9", json!({}));
        assert!(!policies.decide(&rs, &folder9, &at(NOON)).await.unwrap().decision);
        groups.add_member("backend", "alice@example.com").await.unwrap();
        assert!(policies.decide(&rs, &folder9, &at(NOON)).await.unwrap().decision, "through the enclosing group");
        let listed = policies.acl().list(&rs, Some(("Docs::Folder", "9"))).await.unwrap();
        assert_eq!((listed[0].subject_kind.as_str(), listed[0].subject_name.as_str()), ("group", "eng"));

        // Unknown subjects are denied; unknown actions and bad attributes are errors.
        assert!(!policies.decide(&rs, &ask("nobody", "read", "Document:1", doc("x", true)), &at(NOON)).await.unwrap().decision);
        assert!(matches!(
            policies.decide(&rs, &ask(&alice, "delete", "Document:1", doc("x", true)), &at(NOON)).await,
            Err(Error::Invalid { field: "action", .. })
        ));
        assert!(matches!(
            policies.decide(&rs, &ask(&alice, "read", "Document:1", json!({"public": "yes"})), &at(NOON)).await,
            Err(Error::Invalid { field: "resource.properties", .. })
        ));
    }

    async fn a_refused_set_keeps_the_stored_one(store: Store) {
        let rs = resource_server(&store).await;
        let policies = Policies::new(&store, std::time::Duration::from_secs(5));
        assert!(matches!(policies.decide(&rs, &ask("x", "read", "Document:1", json!({})), &at(NOON)).await, Err(Error::NotFound("policy set"))));
        policies.set(&rs, SCHEMA, POLICIES).await.unwrap();
        assert!(policies.set(&rs, SCHEMA, "permit(principal, action, resource) when { resource.nope };").await.is_err());
        let kept = policies.get(&rs).await.unwrap().unwrap();
        assert_eq!((kept.version, kept.policies.as_str()), (1, POLICIES));
        assert!(matches!(policies.set("no-such-client", SCHEMA, POLICIES).await, Err(Error::NotFound("client"))));
        // Another node (a second service on the same store) sees a change at its next check.
        let other = Policies::new(&store, std::time::Duration::ZERO);
        let alice = user(&store, "alice@example.com", true).await;
        let q = ask(&alice, "read", "Document:1", doc("x", true));
        assert!(other.decide(&rs, &q, &at(NOON)).await.unwrap().decision);
        policies.set(&rs, SCHEMA, "forbid(principal, action, resource);").await.unwrap();
        assert!(!other.decide(&rs, &q, &at(NOON)).await.unwrap().decision);
        policies.delete(&rs).await.unwrap();
        assert!(matches!(other.decide(&rs, &q, &at(NOON)).await, Err(Error::NotFound("policy set"))));
    }

    async fn principals_and_relations_are_remembered_until_a_change(store: Store) {
        let rs = resource_server(&store).await;
        let policies = Policies::new(&store, std::time::Duration::from_secs(60));
        policies.set(&rs, SCHEMA, POLICIES).await.unwrap();
        let alice = user(&store, "alice@example.com", true).await;
        let folder = ask(&alice, "read", "Folder:7", json!({}));
        let decide = |q: Evaluation| {
            let (p, rs) = (policies.clone(), rs.clone());
            async move { p.decide(&rs, &q, &at(NOON)).await.unwrap().decision }
        };
        assert!(!decide(folder.clone()).await);

        // Another node (its own store on the same database): this node keeps what it read.
        let other = store.detached();
        Roles::new(&other).create("editor", &[]).await.unwrap();
        Roles::new(&other).grant("editor", "alice@example.com").await.unwrap();
        Policies::new(&other, std::time::Duration::ZERO).acl().add(&rs, &AclSubject::Role("editor".into()), "reader", "Docs::Folder", "7").await.unwrap();
        assert!(!decide(folder.clone()).await, "remembered for the time-to-live");
        assert!(Policies::new(&other, std::time::Duration::ZERO).decide(&rs, &folder, &at(NOON)).await.unwrap().decision, "a node that remembers nothing sees it");

        // A change on this node applies at once: a role, an ACL entry, an account status.
        Roles::new(&store).revoke_from(None, "editor", &crate::roles::RoleGrantee::User("alice@example.com".into())).await.unwrap();
        assert!(!decide(folder.clone()).await);
        Roles::new(&store).grant("editor", "alice@example.com").await.unwrap();
        assert!(decide(folder.clone()).await);
        policies.acl().remove(&rs, &AclSubject::Role("editor".into()), "reader", "Docs::Folder", "7").await.unwrap();
        assert!(!decide(folder.clone()).await);
        policies.acl().add(&rs, &AclSubject::User("alice@example.com".into()), "reader", "Docs::Folder", "7").await.unwrap();
        assert!(decide(folder.clone()).await);
        let hasher = PasswordHasher::new(&PasswordParams { memory_kib: 1024, iterations: 1, parallelism: 1, max_concurrent: 1 }).unwrap();
        Users::new(&store, hasher).set_status("alice@example.com", UserStatus::Suspended, None).await.unwrap();
        assert!(!decide(folder).await, "a suspended account is denied at once");
    }

    async fn how_the_subject_signed_in_decides_when_the_token_is_shown(store: Store) {
        let rs = resource_server(&store).await;
        let policies = Policies::new(&store, std::time::Duration::from_secs(5));
        let strong = r#"@id("strong-write")
permit(principal, action == Docs::Action::"write", resource)
when { principal has amr && (principal.amr.contains("hwk") || principal.amr.contains("otp")) };

@id("any-read")
permit(principal, action == Docs::Action::"read", resource);
"#;
        policies.set(&rs, SCHEMA, strong).await.unwrap();
        let alice = user(&store, "alice@example.com", true).await;
        let mut q = ask(&alice, "write", "Document:1", doc("x", false));
        assert!(!policies.decide(&rs, &q, &at(NOON)).await.unwrap().decision, "unknown: not strong");
        let alice_id = crate::entities::user::Entity::find().filter(crate::entities::user::Column::Subject.eq(alice.clone())).one(store.db()).await.unwrap().unwrap().id;
        q.authentication = Some(Authentication { user_id: Some(alice_id.clone()), acr: Some("urn:gatehouse:acr:pwd".into()), amr: vec!["pwd".into()], auth_time: Some(1) });
        assert!(!policies.decide(&rs, &q, &at(NOON)).await.unwrap().decision, "a password alone");
        q.authentication = Some(Authentication { user_id: Some(alice_id), acr: None, amr: vec!["pwd".into(), "otp".into()], auth_time: None });
        let d = policies.decide(&rs, &q, &at(NOON)).await.unwrap();
        assert!(d.decision);
        assert_eq!(d.reasons, ["strong-write"]);
        let bob = user(&store, "bob@example.com", true).await;
        let mut other = q.clone();
        other.subject = bob;
        assert!(
            matches!(policies.decide(&rs, &other, &at(NOON)).await, Err(Error::Invalid { field: "subject.properties.token", .. })),
            "alice's token does not speak for bob"
        );
        q.action = "read".into();
        q.authentication = None;
        assert!(policies.decide(&rs, &q, &at(NOON)).await.unwrap().decision);
    }
}
