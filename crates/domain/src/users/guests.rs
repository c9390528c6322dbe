//! Guest accounts: made for an application that lets people start without signing up. A
//! guest has no address and no credential, only its `sub`, so the application can attach
//! data to it; it may later register (an address and a password) and keeps that `sub`. A
//! guest nobody has used for a while is deleted by the purge.

use sea_orm::{ActiveModelTrait as _, Set};

use super::service::{blank_row, password_row, unique_to_conflict};
use super::{NewUser, UserStatus, Users, normalize_email};
use crate::entities::user;
use crate::{Error, Result, now};

impl Users {
    /// A new guest account: active, no address, no credential.
    pub async fn create_guest(&self) -> Result<user::Model> {
        let mut row = blank_row(None, false, None, UserStatus::Active)?;
        row.guest = Set(true);
        Ok(row.insert(self.db()).await?)
    }

    /// Turns the guest `user_id` into an ordinary account with `new`'s address, password
    /// and name, keeping its id and `sub` (and so everything the applications attached to
    /// it). `Conflict` when the address is taken; `WrongState` when it is not a guest.
    pub async fn register_guest(&self, user_id: &str, new: NewUser) -> Result<user::Model> {
        let email = normalize_email(&new.email)?;
        let password_hash = match &new.password {
            Some(p) => Some(self.hash_password(p).await?),
            None => None,
        };
        let found = self.find(user_id).await?.ok_or(Error::NotFound("user"))?;
        if !found.guest {
            return Err(Error::WrongState("the account is not a guest".into()));
        }
        if self.find_by_email(&email).await?.is_some() {
            return Err(Error::Conflict("user"));
        }
        // The checked name, as a new account would have it.
        let named = blank_row(None, false, new.display_name.as_deref(), new.status)?;
        let txn = crate::store::begin_write(self.db()).await?;
        let mut row: user::ActiveModel = found.into();
        row.email = Set(Some(email));
        row.email_verified = Set(new.email_verified);
        row.status = Set(new.status.as_str().to_owned());
        row.display_name = named.display_name;
        row.guest = Set(false);
        row.updated_at = Set(now());
        let updated = row.update(&txn).await.map_err(unique_to_conflict)?;
        if let Some(hash) = password_hash {
            password_row(&updated.id, hash).insert(&txn).await?;
        }
        txn.commit().await?;
        Ok(updated)
    }
}

#[cfg(test)]
mod tests {
    use crate::Error;
    use crate::backend_tests;
    use crate::consents::tests::{hasher, user_and_client};
    use crate::users::{NewUser, UserStatus, Users};

    fn registration(email: &str) -> NewUser {
        NewUser {
            email: email.into(),
            password: Some("correct horse battery staple".into()),
            email_verified: false,
            display_name: Some("Gail Guest".into()),
            status: UserStatus::Pending,
        }
    }

    backend_tests! {
        async fn a_guest_registers_and_keeps_its_sub(store: Store) {
            let users = Users::new(&store, hasher());
            let guest = users.create_guest().await.unwrap();
            assert!(guest.guest && guest.email.is_none() && !guest.email_verified);
            assert_eq!(guest.status, UserStatus::Active.as_str());
            let other = users.create_guest().await.unwrap();
            assert_ne!(guest.subject, other.subject, "each guest its own sub");

            // c@example.com is taken: refused, the guest stays a guest.
            let (taken, _) = user_and_client(&store).await;
            let taken = users.find(&taken).await.unwrap().unwrap();
            let refused = users.register_guest(&guest.id, registration(taken.email.as_deref().unwrap())).await;
            assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
            assert!(users.find(&guest.id).await.unwrap().unwrap().guest);

            let registered = users.register_guest(&guest.id, registration("Gail@Example.com")).await.unwrap();
            assert_eq!((registered.id.as_str(), registered.subject.as_str()), (guest.id.as_str(), guest.subject.as_str()));
            assert!(!registered.guest);
            assert_eq!(registered.email.as_deref(), Some("gail@example.com"));
            assert_eq!(registered.status, UserStatus::Pending.as_str());
            assert_eq!(registered.display_name.as_deref(), Some("Gail Guest"));
            assert!(users.check_password(&guest.id, "correct horse battery staple").await.unwrap());

            // Only once, and never for an ordinary account.
            let again = users.register_guest(&guest.id, registration("gail2@example.com")).await;
            assert!(matches!(again, Err(Error::WrongState(_))), "{again:?}");
            let ordinary = users.register_guest(&taken.id, registration("x@example.com")).await;
            assert!(matches!(ordinary, Err(Error::WrongState(_))), "{ordinary:?}");
        }
    }
}
