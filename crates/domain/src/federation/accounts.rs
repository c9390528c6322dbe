//! Which local account an upstream identity signs in.
//!
//! A linked identity signs in its account. Otherwise the upstream's first-sign-in policy
//! decides: `deny` refuses; `create` makes a new account (its address verified only if the
//! upstream says so and is trusted for it); an address that belongs to a local account
//! (under `link`, or `create` when the address is taken) is linked automatically only when
//! the upstream says `email_verified`, the upstream is trusted for email, and the local
//! address is verified; otherwise the person must prove the local account (its password)
//! before the identity is linked. An upstream-supplied address is never enough on its own:
//! that is how accounts are taken over.

use sea_orm::{ActiveModelTrait as _, Set};

use super::links::{Links, insert_link, new_link};
use super::protocol::UpstreamIdentity;
use super::upstreams::{FirstLogin, Upstream};
use crate::entities::user;
use crate::users::{NewUser, UserStatus, normalize_email};
use crate::{Error, Result};

/// How the identity reached its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Through an existing link.
    Linked,
    /// A new account was created with the link.
    Created,
    /// The identity was linked to the account with its address (every condition held).
    AutoLinked,
    /// The guest signed in in the browser became an account with the link (where a new
    /// account would have been made), keeping its `sub`.
    FromGuest,
}

impl Arrival {
    /// The name in audit events.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Linked => "linked",
            Self::Created => "created",
            Self::AutoLinked => "auto_linked",
            Self::FromGuest => "from_guest",
        }
    }
}

/// Why an account with the identity's address must be proven before linking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofReason {
    /// The upstream does not say the address is verified.
    UpstreamEmailUnverified,
    /// The upstream's word on addresses is not trusted.
    UpstreamNotTrusted,
    /// The local account's own address is not verified.
    LocalEmailUnverified,
}

impl ProofReason {
    /// The reason in audit events.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UpstreamEmailUnverified => "upstream email unverified",
            Self::UpstreamNotTrusted => "upstream not trusted for email",
            Self::LocalEmailUnverified => "local email unverified",
        }
    }
}

/// Why the identity may not sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The upstream's policy is `deny` and the identity has no link.
    Denied,
    /// The upstream gave no usable email address, which linking to an account needs.
    NoEmail,
    /// The policy is `link` and no account has the address.
    NoAccount,
    /// Linking needs proof, and the account has no password to prove it with.
    CannotProve(ProofReason),
}

impl Refusal {
    /// The reason in audit events.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Denied => "first sign-in denied",
            Self::NoEmail => "no email from upstream",
            Self::NoAccount => "no account to link",
            Self::CannotProve(_) => "account has no password to prove",
        }
    }
}

/// The decision for an identity.
#[derive(Debug, Clone)]
pub enum Resolution {
    /// Sign this account in.
    SignIn {
        /// The account.
        user: Box<user::Model>,
        /// How it was reached.
        arrival: Arrival,
    },
    /// An account has the address, but linking needs the person to prove it (password).
    Prove {
        /// The account to prove.
        user: Box<user::Model>,
        /// Why automatic linking was not allowed.
        reason: ProofReason,
    },
    /// No sign-in.
    Refused(Refusal),
}

impl Links {
    /// Decides which account `identity` (verified by the protocol) signs in through
    /// `upstream`; creates the account and its link (one transaction) or the automatic
    /// link when that is the decision. Where a new account would be made and a `guest` is
    /// signed in in the browser, the guest becomes that account instead (registering through
    /// the upstream keeps the guest's `sub`).
    pub async fn resolve(
        &self,
        upstream: &Upstream,
        identity: &UpstreamIdentity,
        guest: Option<&user::Model>,
    ) -> Result<Resolution> {
        if let Some(link) = self.find(&identity.issuer, &identity.subject).await? {
            let user = self
                .users
                .find(&link.user_id)
                .await?
                .ok_or(Error::NotFound("user"))?;
            self.touch(&link, identity.email.as_deref()).await?;
            return Ok(Resolution::SignIn {
                user: Box::new(user),
                arrival: Arrival::Linked,
            });
        }
        if upstream.first_login == FirstLogin::Deny {
            return Ok(Resolution::Refused(Refusal::Denied));
        }
        let Some(email) = identity
            .email
            .as_deref()
            .and_then(|e| normalize_email(e).ok())
        else {
            // Without an address there is no account to link to; `create` makes one
            // without an address (X, for one, usually gives none).
            if upstream.first_login != FirstLogin::Create {
                return Ok(Resolution::Refused(Refusal::NoEmail));
            }
            return self.create(upstream, identity, None, guest).await;
        };
        match self.users.find_by_email(&email).await? {
            Some(user) => self.link_existing(upstream, identity, user).await,
            None if upstream.first_login == FirstLogin::Create => {
                self.create(upstream, identity, Some(&email), guest).await
            }
            None => Ok(Resolution::Refused(Refusal::NoAccount)),
        }
    }

    /// The strict rule for an account that has the identity's address.
    async fn link_existing(
        &self,
        upstream: &Upstream,
        identity: &UpstreamIdentity,
        user: user::Model,
    ) -> Result<Resolution> {
        let reason = if !identity.email_verified {
            Some(ProofReason::UpstreamEmailUnverified)
        } else if !upstream.trusted_for_email {
            Some(ProofReason::UpstreamNotTrusted)
        } else if !user.email_verified {
            Some(ProofReason::LocalEmailUnverified)
        } else {
            None
        };
        let Some(reason) = reason else {
            insert_link(&self.db, new_link(&user.id, upstream, identity)).await?;
            return Ok(Resolution::SignIn {
                user: Box::new(user),
                arrival: Arrival::AutoLinked,
            });
        };
        if self.users.has_password(&user.id).await? {
            Ok(Resolution::Prove {
                user: Box::new(user),
                reason,
            })
        } else {
            Ok(Resolution::Refused(Refusal::CannotProve(reason)))
        }
    }

    /// A new account for `identity` and its link (or the `guest` made that account), in one
    /// transaction: either both exist afterwards or neither does.
    async fn create(
        &self,
        upstream: &Upstream,
        identity: &UpstreamIdentity,
        email: Option<&str>,
        guest: Option<&user::Model>,
    ) -> Result<Resolution> {
        let short = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty() && s.chars().count() <= 200)
                .map(str::to_owned)
        };
        let email_verified = identity.email_verified && upstream.trusted_for_email;
        if let Some(guest) = guest.filter(|g| g.guest) {
            let txn = crate::store::begin_write(&self.db).await?;
            let mut row: user::ActiveModel = guest.clone().into();
            row.guest = Set(false);
            row.email = Set(email.map(str::to_owned));
            row.email_verified = Set(email.is_some() && email_verified);
            if guest.display_name.is_none() {
                row.display_name = Set(short(&identity.name));
            }
            row.given_name = Set(short(&identity.given_name));
            row.family_name = Set(short(&identity.family_name));
            row.updated_at = Set(crate::now());
            let user = row.update(&txn).await.map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::Conflict("user"),
                _ => Error::Database(e),
            })?;
            insert_link(&txn, new_link(&user.id, upstream, identity)).await?;
            txn.commit().await?;
            return Ok(Resolution::SignIn {
                user: Box::new(user),
                arrival: Arrival::FromGuest,
            });
        }
        let mut row = match email {
            Some(email) => {
                self.users
                    .new_row(&NewUser {
                        email: email.to_owned(),
                        password: None,
                        email_verified,
                        display_name: short(&identity.name),
                        status: UserStatus::Active,
                    })
                    .await?
            }
            None => self
                .users
                .new_row_without_email(short(&identity.name).as_deref())?,
        };
        row.given_name = Set(short(&identity.given_name));
        row.family_name = Set(short(&identity.family_name));
        let txn = crate::store::begin_write(&self.db).await?;
        let user = row.insert(&txn).await.map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::Conflict("user"),
            _ => Error::Database(e),
        })?;
        insert_link(&txn, new_link(&user.id, upstream, identity)).await?;
        txn.commit().await?;
        Ok(Resolution::SignIn {
            user: Box::new(user),
            arrival: Arrival::Created,
        })
    }
}
