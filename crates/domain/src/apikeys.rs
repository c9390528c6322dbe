//! API keys: long-lived bearer credentials of a user or a service account, carrying a subset
//! of the owner's permissions. Only a keyed hash of each key is stored; the key is shown
//! once, at creation or rotation.

mod format;
mod owner;
mod service;
mod usage;

pub use format::{KEY_LEN, PREFIX, crc32, looks_like_key, parse as parse_key};
pub use owner::{Owner, roles_and_permissions};
pub use service::{ApiKey, ApiKeys, NewApiKey, Verification, VerifiedKey};

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::{EntityTrait as _, Set};

    use super::*;
    use crate::credentials::password::{PasswordHasher, PasswordParams};
    use crate::entities::{api_key, user};
    use crate::roles::{ADMIN_ROLE, Roles};
    use crate::secrets::MasterKey;
    use crate::service_accounts::ServiceAccounts;
    use crate::users::{NewUser, UserStatus, Users};
    use crate::{Error, Store, backend_tests};

    const DAY: Duration = Duration::from_secs(86_400);

    async fn user(store: &Store, email: &str) -> user::Model {
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

    /// Alice holds `docs:read` and `docs:write`; returns her id and the service.
    async fn alice(store: &Store) -> (String, ApiKeys) {
        let u = user(store, "alice@example.com").await;
        let roles = Roles::new(store);
        roles
            .create("editor", &["docs:read".into(), "docs:write".into()])
            .await
            .unwrap();
        roles.grant("editor", "alice@example.com").await.unwrap();
        let keys = ApiKeys::new(store, MasterKey::generate().secret_box(), 90 * DAY);
        (u.id, keys)
    }

    fn new_key(owner: &Owner, permissions: &[&str]) -> NewApiKey {
        NewApiKey {
            name: "ci".into(),
            owner: owner.clone(),
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            expires_in: 30 * DAY,
            rate_limit_per_minute: None,
        }
    }

    fn valid(v: Verification) -> VerifiedKey {
        match v {
            Verification::Valid(k) => *k,
            other => panic!("expected a valid key, got {other:?}"),
        }
    }

    backend_tests! {
        async fn a_key_verifies_and_only_its_keyed_hash_is_stored(store: Store) {
            let (uid, keys) = alice(&store).await;
            let owner = Owner::User(uid);
            let (made, key) = keys.create(new_key(&owner, &["docs:read"])).await.unwrap();
            assert!(key.starts_with(&format!("gk_{}_", made.id)));
            assert!(parse_key(&key).is_some());
            let row = api_key::Entity::find_by_id(made.id.clone()).one(store.db()).await.unwrap().unwrap();
            let (_, secret) = parse_key(&key).unwrap();
            assert!(!row.secret_hash.contains(secret) && !format!("{row:?}").contains(&key), "the database never holds the key");
            let v = valid(keys.verify(&key).await.unwrap());
            assert_eq!(v.permissions, ["docs:read"]);
            assert_eq!(v.roles, ["editor"]);
            // A key with the right shape and checksum but another secret is refused.
            let (forged, _) = format::new_key(&made.id);
            assert!(matches!(keys.verify(&forged).await.unwrap(), Verification::Invalid));
        }

        async fn permissions_beyond_the_owners_and_lifetimes_beyond_the_maximum_are_refused(store: Store) {
            let (uid, keys) = alice(&store).await;
            let owner = Owner::User(uid);
            let err = keys.create(new_key(&owner, &["docs:read", "billing:admin"])).await.unwrap_err();
            assert!(matches!(&err, Error::Invalid { field: "permission", reason } if reason.contains("billing:admin")), "{err}");
            let mut long = new_key(&owner, &["docs:read"]);
            long.expires_in = 91 * DAY;
            assert!(matches!(keys.create(long).await, Err(Error::Invalid { field: "expires_in", .. })));
            let mut none = new_key(&owner, &["docs:read"]);
            none.expires_in = Duration::ZERO;
            assert!(matches!(keys.create(none).await, Err(Error::Invalid { field: "expires_in", .. })));
            assert!(keys.list(None).await.unwrap().is_empty(), "nothing was stored");
        }

        async fn expired_and_revoked_keys_stop_working(store: Store) {
            let (uid, keys) = alice(&store).await;
            let owner = Owner::User(uid);
            let (made, key) = keys.create(new_key(&owner, &["docs:read"])).await.unwrap();
            api_key::Entity::update(api_key::ActiveModel {
                id: Set(made.id.clone()),
                expires_at: Set(crate::now() - time::Duration::seconds(1)),
                ..Default::default()
            }).exec(store.db()).await.unwrap();
            assert!(matches!(keys.verify(&key).await.unwrap(), Verification::Invalid), "expired");
            let (made, key) = keys.create(new_key(&owner, &["docs:read"])).await.unwrap();
            valid(keys.verify(&key).await.unwrap());
            keys.revoke(&made.id).await.unwrap();
            assert!(matches!(keys.verify(&key).await.unwrap(), Verification::Revoked(_)));
        }

        async fn rotation_keeps_the_old_key_for_the_grace_only(store: Store) {
            let (uid, keys) = alice(&store).await;
            let owner = Owner::User(uid);
            let (old, old_key) = keys.create(new_key(&owner, &["docs:read"])).await.unwrap();
            let (new, new_key_text) = keys.rotate(&old.id, Duration::from_secs(3600)).await.unwrap();
            assert_ne!(new.id, old.id);
            assert_eq!(new.permissions, old.permissions);
            valid(keys.verify(&old_key).await.unwrap());
            valid(keys.verify(&new_key_text).await.unwrap());
            let old_now = keys.get(&old.id).await.unwrap();
            assert_eq!(old_now.replaced_by.as_deref(), Some(new.id.as_str()));
            assert!(old_now.expires_at <= crate::now() + time::Duration::seconds(3600), "grace ends the old key");
            assert!(keys.rotate(&old.id, Duration::ZERO).await.is_err(), "a rotated key is not rotated again");
            // Without grace the new key's predecessor stops at once.
            let (_, newest) = keys.rotate(&new.id, Duration::ZERO).await.unwrap();
            assert!(matches!(keys.verify(&new_key_text).await.unwrap(), Verification::Revoked(_)));
            valid(keys.verify(&newest).await.unwrap());
        }

        async fn uses_are_written_in_batches(store: Store) {
            let (uid, keys) = alice(&store).await;
            let (made, key) = keys.create(new_key(&Owner::User(uid), &["docs:read"])).await.unwrap();
            for _ in 0..3 {
                valid(keys.verify(&key).await.unwrap());
            }
            assert_eq!(keys.get(&made.id).await.unwrap().use_count, 0, "no write per use");
            assert_eq!(keys.flush_usage().await.unwrap(), 1);
            let after = keys.get(&made.id).await.unwrap();
            assert_eq!(after.use_count, 3);
            assert!(after.last_used_at.is_some());
        }

        async fn service_accounts_belong_to_admins_and_hold_roles(store: Store) {
            let (uid, keys) = alice(&store).await;
            let accounts = ServiceAccounts::new(&store);
            let err = accounts.create("ci-bot", &uid, &["editor".into()], None).await.unwrap_err();
            assert!(matches!(err, Error::Invalid { field: "owner", .. }), "{err}");
            Roles::new(&store).ensure(ADMIN_ROLE).await.unwrap();
            Roles::new(&store).grant(ADMIN_ROLE, "alice@example.com").await.unwrap();
            let sa = accounts.create("ci-bot", &uid, &["editor".into()], None).await.unwrap();
            assert_eq!(sa.roles, ["editor"]);
            assert!(matches!(accounts.create("ci-bot", &uid, &[], None).await, Err(Error::Conflict(_))));
            let owner = Owner::ServiceAccount(sa.id.clone());
            assert!(keys.create(new_key(&owner, &["docs:delete"])).await.is_err());
            let (_, key) = keys.create(new_key(&owner, &["docs:write"])).await.unwrap();
            let v = valid(keys.verify(&key).await.unwrap());
            assert_eq!(v.subject, format!("sa:{}", sa.id));
            accounts.delete("ci-bot").await.unwrap();
            assert!(matches!(keys.verify(&key).await.unwrap(), Verification::Invalid), "its keys went with it");
        }
    }
}
