//! Roles and groups together: effective roles through nested groups and composite roles,
//! client roles, cycles refused.

use super::*;
use crate::backend_tests;
use crate::clients::{Clients, NewClient};
use crate::credentials::password::{PasswordHasher, PasswordParams};
use crate::entities::user;
use crate::groups::Groups;
use crate::secrets::MasterKey;
use crate::users::{NewUser, UserStatus, Users};
use crate::{Error, Store};

async fn person(store: &Store, email: &str) -> user::Model {
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
            email_verified: true,
            display_name: None,
            status: UserStatus::Active,
        })
        .await
        .unwrap()
}

async fn client(store: &Store, name: &str) -> String {
    let clients = Clients::new(store, MasterKey::generate().secret_box());
    let (c, _) = clients
        .create(NewClient {
            name: name.into(),
            redirect_uris: vec!["https://app.example/cb".into()],
            ..NewClient::default()
        })
        .await
        .unwrap();
    c.client_id
}

fn global(name: &str) -> RoleName {
    RoleName {
        client_id: None,
        name: name.into(),
    }
}

backend_tests! {
    async fn a_role_created_by_two_at_once_exists_once_and_the_other_hears_conflict(store: Store) {
        let roles = Roles::new(&store);
        let attempts: Vec<_> = (0..6)
            .map(|_| {
                let roles = roles.clone();
                tokio::spawn(async move { roles.ensure("gatehouse:users").await })
            })
            .collect();
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(r) => assert_eq!(r.name, "gatehouse:users"),
                Err(e) => assert!(matches!(e, Error::Conflict("role")), "{e}"),
            }
        }
        let held: Vec<_> = roles.list().await.unwrap().into_iter().filter(|r| r.name == "gatehouse:users").collect();
        assert_eq!(held.len(), 1);
    }

    async fn create_grant_and_read_back(store: Store) {
        let roles = Roles::new(&store);
        let user = person(&store, "bob@example.com").await;
        roles.create("editor", &["posts:write".into(), "posts:read".into()]).await.unwrap();
        roles.create("viewer", &["posts:read".into()]).await.unwrap();
        roles.grant("editor", "bob@example.com").await.unwrap();
        roles.grant("editor", "bob@example.com").await.unwrap();
        roles.grant("viewer", "BOB@example.com").await.unwrap();
        assert_eq!(roles.roles_of(&user.id).await.unwrap(), ["editor", "viewer"]);
        assert_eq!(roles.permissions_of(&user.id).await.unwrap(), ["posts:read", "posts:write"]);
        roles.revoke_from(None, "viewer", &RoleGrantee::User("bob@example.com".into())).await.unwrap();
        assert_eq!(roles.roles_of(&user.id).await.unwrap(), ["editor"]);
        assert!(matches!(
            roles.revoke_from(None, "viewer", &RoleGrantee::User("bob@example.com".into())).await,
            Err(Error::NotFound("grant"))
        ));
    }

    async fn bad_names_duplicates_and_unknowns_are_refused(store: Store) {
        let roles = Roles::new(&store);
        person(&store, "bob@example.com").await;
        assert!(matches!(roles.create("Bad Name", &[]).await, Err(Error::Invalid { field: "role", .. })));
        assert!(matches!(roles.create("ok", &["NOPE!".into()]).await, Err(Error::Invalid { field: "permission", .. })));
        assert!(matches!(roles.create("ok", &["no-action".into()]).await, Err(Error::Invalid { field: "permission", .. })));
        assert!(roles.list().await.unwrap().is_empty(), "a refused role left a row");
        roles.create("ops", &[]).await.unwrap();
        assert!(matches!(roles.create("ops", &[]).await, Err(Error::Conflict("role"))));
        assert!(matches!(roles.grant("nope", "bob@example.com").await, Err(Error::NotFound("role"))));
        assert!(matches!(roles.grant("ops", "nobody@example.com").await, Err(Error::NotFound("user"))));
        assert!(matches!(roles.create_in(Some("no-such-client"), "ops", &[]).await, Err(Error::NotFound("client"))));
        assert!(matches!(roles.add_permission(None, "ops", "bad").await, Err(Error::Invalid { field: "permission", .. })));
    }

    async fn client_roles_share_names_across_clients_and_land_under_their_client(store: Store) {
        let roles = Roles::new(&store);
        let user = person(&store, "ann@example.com").await;
        let a = client(&store, "A").await;
        let b = client(&store, "B").await;
        roles.create("admin", &[]).await.unwrap();
        roles.create_in(Some(&a), "admin", &["a-docs:write".into()]).await.unwrap();
        roles.create_in(Some(&b), "admin", &[]).await.unwrap();
        assert!(matches!(roles.create_in(Some(&a), "admin", &[]).await, Err(Error::Conflict("role"))));
        roles.grant_to(Some(&a), "admin", &RoleGrantee::User("ann@example.com".into())).await.unwrap();
        let e = roles.effective(&user.id).await.unwrap();
        assert!(e.roles.is_empty(), "a client role counted as global: {e:?}");
        assert_eq!(e.client_roles.get(&a).unwrap(), &["admin"]);
        assert!(!e.client_roles.contains_key(&b));
        assert_eq!(e.permissions, ["a-docs:write"]);
        roles.delete(Some(&a), "admin").await.unwrap();
        assert!(roles.effective(&user.id).await.unwrap().client_roles.is_empty());
        assert!(roles.get(None, "admin").await.is_ok(), "deleting a client role took the global one");
    }

    async fn composite_roles_are_followed_and_cycles_refused(store: Store) {
        let roles = Roles::new(&store);
        let user = person(&store, "cy@example.com").await;
        roles.create("reader", &["docs:read".into()]).await.unwrap();
        roles.create("writer", &["docs:write".into()]).await.unwrap();
        roles.create("owner", &["docs:delete".into()]).await.unwrap();
        roles.include(&global("writer"), &global("reader")).await.unwrap();
        roles.include(&global("owner"), &global("writer")).await.unwrap();
        roles.grant("owner", "cy@example.com").await.unwrap();
        let e = roles.effective(&user.id).await.unwrap();
        assert_eq!(e.roles, ["owner", "reader", "writer"]);
        assert_eq!(e.permissions, ["docs:delete", "docs:read", "docs:write"]);
        for (outer, inner) in [("reader", "owner"), ("reader", "writer"), ("owner", "owner")] {
            assert!(
                matches!(roles.include(&global(outer), &global(inner)).await, Err(Error::Invalid { field: "include", .. })),
                "{outer} including {inner} was accepted"
            );
        }
        let shown = roles.show(None, "owner").await.unwrap();
        assert_eq!(shown.includes, [global("writer")]);
        assert_eq!(shown.users, ["cy@example.com"]);
        roles.exclude(&global("owner"), &global("writer")).await.unwrap();
        assert_eq!(roles.roles_of(&user.id).await.unwrap(), ["owner"]);
    }

    async fn nested_groups_give_their_roles_and_paths_and_cycles_are_refused(store: Store) {
        let roles = Roles::new(&store);
        let groups = Groups::new(&store);
        let user = person(&store, "dev@example.com").await;
        let other = person(&store, "ops@example.com").await;
        groups.create("eng", None).await.unwrap();
        groups.create("backend", Some("eng")).await.unwrap();
        groups.create("db", None).await.unwrap();
        groups.add_subgroup("backend", "db").await.unwrap();
        assert!(matches!(groups.create("eng", None).await, Err(Error::Conflict("group"))));
        for (parent, child) in [("db", "eng"), ("backend", "eng"), ("eng", "eng")] {
            assert!(
                matches!(groups.add_subgroup(parent, child).await, Err(Error::Invalid { field: "subgroup", .. })),
                "{child} under {parent} was accepted"
            );
        }
        roles.create("staff", &["wiki:read".into()]).await.unwrap();
        roles.create("deployer", &["prod:deploy".into()]).await.unwrap();
        roles.create("dba", &[]).await.unwrap();
        roles.grant_to(None, "staff", &RoleGrantee::Group("eng".into())).await.unwrap();
        roles.grant_to(None, "deployer", &RoleGrantee::Group("backend".into())).await.unwrap();
        roles.grant_to(None, "dba", &RoleGrantee::Group("db".into())).await.unwrap();
        groups.add_member("backend", "dev@example.com").await.unwrap();
        groups.add_member("backend", "dev@example.com").await.unwrap();
        groups.add_member("eng", "ops@example.com").await.unwrap();

        let e = roles.effective(&user.id).await.unwrap();
        assert_eq!(e.groups, ["/eng/backend"]);
        assert_eq!(e.roles, ["deployer", "staff"], "the enclosing group's role is held, the subgroup's is not");
        assert_eq!(e.permissions, ["prod:deploy", "wiki:read"]);
        let o = roles.effective(&other.id).await.unwrap();
        assert_eq!((o.groups.as_slice(), o.roles.as_slice()), (&["/eng".to_owned()][..], &["staff".to_owned()][..]));

        let listed: Vec<String> = groups.list().await.unwrap().into_iter().map(|g| g.path).collect();
        assert_eq!(listed, ["/eng", "/eng/backend", "/eng/backend/db"]);
        let shown = groups.show("backend").await.unwrap();
        assert_eq!((shown.members.as_slice(), shown.subgroups.as_slice()), (&["dev@example.com".to_owned()][..], &["db".to_owned()][..]));
        assert!(matches!(groups.delete("eng").await, Err(Error::WrongState(_))));

        groups.remove_member("backend", "dev@example.com").await.unwrap();
        assert!(roles.effective(&user.id).await.unwrap().roles.is_empty());
        assert!(matches!(groups.remove_member("backend", "dev@example.com").await, Err(Error::NotFound("member"))));
        roles.revoke_from(None, "staff", &RoleGrantee::Group("eng".into())).await.unwrap();
        assert!(roles.roles_of(&other.id).await.unwrap().is_empty());
    }
}

/// The RBAC migration rebuilds `roles` on SQLite: grants, permissions and API key owners'
/// roles written before it must survive (foreign keys would otherwise cascade the drop).
#[tokio::test]
async fn existing_grants_survive_the_rbac_migration_on_sqlite() {
    use migration::{Migrator, MigratorTrait as _};
    use sea_orm::ConnectionTrait as _;

    let db = crate::testing::TestDatabase::create(crate::testing::Backend::Sqlite)
        .await
        .unwrap();
    let store = Store::connect(&db.url, 5).await.unwrap();
    let before = Migrator::migrations()
        .iter()
        .position(|m| m.name() == "m20261201_700003_rbac")
        .unwrap();
    Migrator::up(store.db(), Some(u32::try_from(before).unwrap()))
        .await
        .unwrap();
    // The schema of then: a row written by hand (today's model has later columns).
    let user_id = "u-old";
    store
        .db()
        .execute_unprepared(
            "INSERT INTO users (id, subject, email, status, created_at, updated_at) \
             VALUES ('u-old', 's-old', 'old@example.com', 'active', \
             '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .await
        .unwrap();
    for sql in [
        "INSERT INTO roles (id, name, created_at) VALUES ('r1', 'legacy', '2026-01-01T00:00:00Z')",
        "INSERT INTO permissions (id, name, created_at) VALUES ('p1', 'old:read', '2026-01-01T00:00:00Z')",
        "INSERT INTO role_permissions (role_id, permission_id) VALUES ('r1', 'p1')",
    ] {
        store.db().execute_unprepared(sql).await.unwrap();
    }
    let grant = format!("INSERT INTO user_roles (user_id, role_id) VALUES ('{user_id}', 'r1')");
    store.db().execute_unprepared(&grant).await.unwrap();
    store.migrate().await.unwrap();
    let roles = Roles::new(&store);
    let e = roles.effective(user_id).await.unwrap();
    assert_eq!(
        (e.roles.as_slice(), e.permissions.as_slice()),
        (&["legacy".to_owned()][..], &["old:read".to_owned()][..])
    );
    assert!(matches!(
        roles.create("legacy", &[]).await,
        Err(Error::Conflict("role"))
    ));
    // Foreign keys are on again: a grant to a missing role is refused.
    assert!(
        store
            .db()
            .execute_unprepared(&grant.replace("'r1'", "'nope'"))
            .await
            .is_err()
    );
}
