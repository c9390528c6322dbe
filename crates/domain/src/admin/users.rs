//! Administering accounts: list, show, create, update, password, state, sessions, factors,
//! deletion.

use sea_orm::sea_query::{Expr, ExprTrait as _, Func, LikeExpr};
use sea_orm::{
    ColumnTrait as _, Condition, EntityTrait as _, PaginatorTrait as _, QueryFilter as _,
    QueryOrder as _, QuerySelect as _,
};
use serde_json::json;

use super::views::{ConsentView, FactorView, SessionView, UserDetail, UserView, version_of};
use super::{ADMIN, Access, Actor, Admin, Area, Page, PageRequest, Principal};
use crate::audit::AuditEvent;
use crate::credentials::kind;
use crate::entities::{credential, role, user, user_role};
use crate::users::{NewUser, Profile, UserStatus};
use crate::{Error, Result, now};

/// Which accounts to list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Part of the address or the name (case-insensitive).
    pub search: Option<String>,
    /// Only accounts in this state.
    pub status: Option<UserStatus>,
}

/// An account an administrator creates.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Sign-in address.
    pub email: String,
    /// Initial password (checked against the policy); none: the person sets one through a
    /// reset link or signs in another way.
    pub password: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Whether the address is known to be theirs.
    pub email_verified: bool,
    /// Existing global roles to grant.
    pub roles: Vec<String>,
}

/// A change of an account's state.
#[derive(Debug, Clone)]
pub enum StateChange {
    /// Locked until a time (none: until unlocked).
    Lock {
        /// End of the lock.
        until: Option<time::OffsetDateTime>,
    },
    /// Lock lifted.
    Unlock,
    /// Suspended with a reason: sessions and tokens end.
    Suspend {
        /// Why (shown to administrators).
        reason: String,
    },
    /// Disabled: sessions and tokens end.
    Disable,
    /// Back to active from suspended, disabled or locked.
    Reactivate,
}

/// The longest profile value an administrator may set.
const MAX_FIELD: usize = 200;

impl Admin {
    /// Accounts in id order (creation order), one page at a time.
    pub async fn list_users(
        &self,
        actor: &Actor,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<UserView>> {
        actor.require(Area::Users, Access::Read)?;
        let limit = page.limit()?;
        let mut query = user::Entity::find().order_by_asc(user::Column::Id);
        if let Some(after) = page.after()? {
            query = query.filter(user::Column::Id.gt(after));
        }
        if let Some(status) = filter.status {
            query = query.filter(user::Column::Status.eq(status.as_str()));
        }
        if let Some(search) = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            if search.chars().count() > MAX_FIELD {
                return Err(Error::invalid("search", "is too long"));
            }
            let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
            let like = |col: user::Column| {
                Expr::expr(Func::lower(Expr::col(col)))
                    .like(LikeExpr::new(pattern.clone()).escape('\\'))
            };
            query = query.filter(
                Condition::any()
                    .add(like(user::Column::Email))
                    .add(like(user::Column::DisplayName))
                    .add(like(user::Column::PreferredUsername))
                    .add(user::Column::Id.eq(search))
                    .add(user::Column::Subject.eq(search)),
            );
        }
        let rows = query.limit(limit + 1).all(&self.db).await?;
        let mut views = Vec::with_capacity(rows.len());
        let page = Page::from_rows(rows, limit, |u| u.id.clone(), |u| u);
        for u in page.items {
            let roles = self.parts.roles.roles_of(&u.id).await?;
            views.push(UserView::new(u, roles));
        }
        Ok(Page {
            items: views,
            next_cursor: page.next_cursor,
        })
    }

    /// One account (by address, id or `sub`) as a short view.
    pub async fn user(&self, actor: &Actor, key: &str) -> Result<UserView> {
        actor.require(Area::Users, Access::Read)?;
        let u = self.parts.users.resolve(key).await?;
        self.view(u).await
    }

    /// One account with its factors, sessions, links and consents.
    pub async fn user_detail(&self, actor: &Actor, key: &str) -> Result<UserDetail> {
        actor.require(Area::Users, Access::Read)?;
        let u = self.parts.users.resolve(key).await?;
        let id = u.id.clone();
        let credentials = credential::Entity::find()
            .filter(credential::Column::UserId.eq(&id))
            .order_by_asc(credential::Column::CreatedAt)
            .all(&self.db)
            .await?;
        let has_password = credentials.iter().any(|c| c.kind == kind::PASSWORD);
        let recovery_codes_left = credentials
            .iter()
            .filter(|c| c.kind == kind::RECOVERY_CODE)
            .count() as u64;
        let factors = credentials
            .into_iter()
            .filter(|c| matches!(c.kind.as_str(), kind::TOTP | kind::SMS | kind::PASSKEY))
            .filter(|c| c.kind != kind::TOTP || crate::credentials::totp_confirmed(c))
            .map(FactorView::from)
            .collect();
        let links = self.links.of_user(&id).await?;
        Ok(UserDetail {
            user: self.view(u).await?,
            has_password,
            factors,
            recovery_codes_left,
            sessions: self.sessions_of(&id).await?,
            links,
            consents: self
                .parts
                .consents
                .of_user(&id)
                .await?
                .into_iter()
                .map(ConsentView::from)
                .collect(),
        })
    }

    /// Creates an account.
    pub async fn create_user(&self, actor: &Actor, new: NewAccount) -> Result<UserView> {
        actor.require(Area::Users, Access::Write)?;
        if !new.roles.is_empty() {
            // Granting roles is system administration unless the actor may do everything.
            actor.require(Area::System, Access::Write)?;
        }
        let known = self.parts.roles.list().await?;
        for role in &new.roles {
            if !known
                .iter()
                .any(|r| r.client_id.is_none() && &r.name == role)
            {
                return Err(Error::invalid(
                    "roles",
                    format!("role {role:?} does not exist"),
                ));
            }
        }
        if let Some(p) = &new.password {
            self.check_password(p, &[new.email.as_str(), new.name.as_deref().unwrap_or("")])
                .await?;
        }
        let created = self
            .parts
            .users
            .create(NewUser {
                email: new.email,
                password: new.password,
                email_verified: new.email_verified,
                display_name: new.name,
                status: UserStatus::Active,
            })
            .await?;
        for role in &new.roles {
            self.parts
                .roles
                .grant_to(
                    None,
                    role,
                    &crate::roles::RoleGrantee::User(created.id.clone()),
                )
                .await?;
        }
        self.audit(
            actor,
            AuditEvent::success("user.created").subject(&created.id),
            json!({ "roles": new.roles }),
        )
        .await?;
        self.view(created).await
    }

    /// Changes profile claims (a `None` field stays, an empty one is cleared). With
    /// `expected` (the version an `ETag` gave), refused as stale when the account changed.
    pub async fn update_user(
        &self,
        actor: &Actor,
        key: &str,
        profile: Profile,
        expected: Option<&str>,
    ) -> Result<UserView> {
        actor.require(Area::Users, Access::Write)?;
        let found = self.parts.users.resolve(key).await?;
        check_version(found.updated_at, expected, "user")?;
        let fields = check_profile(&profile)?;
        let updated = self
            .parts
            .users
            .update_profile_if(&found.id, profile, found.updated_at)
            .await?;
        self.audit(
            actor,
            AuditEvent::success("user.updated").subject(&updated.id),
            json!({ "fields": fields }),
        )
        .await?;
        self.view(updated).await
    }

    /// Sets a password (checked against the policy); the account's sessions and tokens end
    /// unless `keep_sessions`.
    pub async fn set_user_password(
        &self,
        actor: &Actor,
        key: &str,
        password: &str,
        keep_sessions: bool,
    ) -> Result<()> {
        actor.require(Area::Users, Access::Write)?;
        let found = self.parts.users.resolve(key).await?;
        let context = [
            found.email.as_deref().unwrap_or(""),
            found.display_name.as_deref().unwrap_or(""),
        ];
        self.check_password(password, &context).await?;
        self.parts.users.set_password(&found.id, password).await?;
        if !keep_sessions {
            self.parts
                .users
                .sign_out_everywhere(&found.id, "password set by an administrator")
                .await?;
        }
        self.audit(
            actor,
            AuditEvent::success("user.password_set").subject(&found.id),
            json!({ "sessions_ended": !keep_sessions }),
        )
        .await
    }

    /// Marks the account's address as verified (a pending account becomes active).
    pub async fn verify_user_email(&self, actor: &Actor, key: &str) -> Result<UserView> {
        actor.require(Area::Users, Access::Write)?;
        let found = self.parts.users.resolve(key).await?;
        let Some(email) = found.email.clone() else {
            return Err(Error::WrongState("the account has no address".into()));
        };
        let updated = self.parts.users.confirm_email(&found.id, &email).await?;
        self.audit(
            actor,
            AuditEvent::success("user.email_verified").subject(&updated.id),
            json!({}),
        )
        .await?;
        self.view(updated).await
    }

    /// Locks, unlocks, suspends, disables or reactivates the account.
    pub async fn change_user_state(
        &self,
        actor: &Actor,
        key: &str,
        change: StateChange,
    ) -> Result<UserView> {
        actor.require(Area::Users, Access::Write)?;
        let found = self.parts.users.resolve(key).await?;
        let users = &self.parts.users;
        let (kind, updated) = match change {
            StateChange::Lock { until } => {
                self.keep_an_administrator(actor, &found, "lock").await?;
                if until.is_some_and(|t| t <= now()) {
                    return Err(Error::invalid("until", "is in the past"));
                }
                ("user.locked", users.lock(&found.id, until, None).await?)
            }
            StateChange::Unlock => ("user.unlocked", users.unlock(&found.id).await?),
            StateChange::Suspend { reason } => {
                self.keep_an_administrator(actor, &found, "suspend").await?;
                let reason = reason.trim().to_owned();
                if reason.is_empty() || reason.chars().count() > 500 {
                    return Err(Error::invalid("reason", "must be 1 to 500 characters"));
                }
                let u = users
                    .set_status(&found.id, UserStatus::Suspended, Some(reason))
                    .await?;
                ("user.suspended", u)
            }
            StateChange::Disable => {
                self.keep_an_administrator(actor, &found, "disable").await?;
                let u = users
                    .set_status(
                        &found.id,
                        UserStatus::Disabled,
                        Some("disabled by an administrator".into()),
                    )
                    .await?;
                ("user.disabled", u)
            }
            StateChange::Reactivate => {
                if found.status == UserStatus::Active.as_str()
                    || found.status == UserStatus::Pending.as_str()
                {
                    return Err(Error::WrongState(format!(
                        "the account is {}, not suspended, disabled or locked",
                        found.status
                    )));
                }
                let u = users
                    .set_status(&found.id, UserStatus::Active, None)
                    .await?;
                ("user.reactivated", u)
            }
        };
        self.audit(
            actor,
            AuditEvent::success(kind).subject(&updated.id),
            json!({}),
        )
        .await?;
        self.view(updated).await
    }

    /// Erases the account as self-deletion does. Returns the pseudonym the audit log keeps.
    pub async fn delete_user(&self, actor: &Actor, key: &str) -> Result<String> {
        actor.require(Area::Users, Access::Write)?;
        let found = self.parts.users.resolve(key).await?;
        self.keep_an_administrator(actor, &found, "delete").await?;
        let alias = self
            .parts
            .users
            .erase(&found.id, &self.parts.secrets)
            .await?;
        self.audit(
            actor,
            AuditEvent::success("user.deleted").subject(&alias),
            json!({}),
        )
        .await?;
        Ok(alias)
    }

    /// The account's live sessions, most recent first.
    pub async fn user_sessions(&self, actor: &Actor, key: &str) -> Result<Vec<SessionView>> {
        actor.require(Area::Users, Access::Read)?;
        let found = self.parts.users.resolve(key).await?;
        self.sessions_of(&found.id).await
    }

    /// Ends one session of the account (`Some`) or all of them; returns how many ended.
    pub async fn end_user_sessions(
        &self,
        actor: &Actor,
        key: &str,
        session_id: Option<&str>,
    ) -> Result<u64> {
        actor.require(Area::Users, Access::Write)?;
        let found = self.parts.users.resolve(key).await?;
        let ended = match session_id {
            Some(sid) => {
                if !self.parts.sessions.end_of_user(&found.id, sid).await? {
                    return Err(Error::NotFound("session"));
                }
                1
            }
            None => {
                let live = self.parts.sessions.live_of_user(&found.id).await?.len() as u64;
                self.parts
                    .users
                    .sign_out_everywhere(&found.id, "ended by an administrator")
                    .await?;
                live
            }
        };
        self.audit(
            actor,
            AuditEvent::success("session.ended_by_admin").subject(&found.id),
            json!({ "session": session_id, "count": ended }),
        )
        .await?;
        Ok(ended)
    }

    /// Removes one second factor or passkey by its id.
    pub async fn remove_user_factor(
        &self,
        actor: &Actor,
        key: &str,
        factor_id: &str,
    ) -> Result<()> {
        actor.require(Area::Users, Access::Write)?;
        let found = self.parts.users.resolve(key).await?;
        let removed = credential::Entity::delete_many()
            .filter(credential::Column::UserId.eq(&found.id))
            .filter(credential::Column::Id.eq(factor_id))
            .filter(credential::Column::Kind.is_in([kind::TOTP, kind::SMS, kind::PASSKEY]))
            .exec(&self.db)
            .await?
            .rows_affected;
        if removed == 0 {
            return Err(Error::NotFound("factor"));
        }
        self.audit(
            actor,
            AuditEvent::success("mfa.removed_by_admin").subject(&found.id),
            json!({ "factor": factor_id }),
        )
        .await
    }

    /// Resets the second factor: removes the authenticator app, SMS codes, recovery codes and
    /// passkeys, and clears the wrong-code count, so the person enrols again at next sign-in
    /// (when a second factor is required of them).
    pub async fn reset_user_mfa(&self, actor: &Actor, key: &str) -> Result<u64> {
        actor.require(Area::Users, Access::Write)?;
        let found = self.parts.users.resolve(key).await?;
        let txn = crate::store::begin_write(&self.db).await?;
        let removed = credential::Entity::delete_many()
            .filter(credential::Column::UserId.eq(&found.id))
            .filter(credential::Column::Kind.is_in([
                kind::TOTP,
                kind::SMS,
                kind::PASSKEY,
                kind::RECOVERY_CODE,
            ]))
            .exec(&txn)
            .await?
            .rows_affected;
        user::Entity::update_many()
            .col_expr(user::Column::FailedSecondFactors, Expr::value(0))
            .filter(user::Column::Id.eq(&found.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.audit(
            actor,
            AuditEvent::success("mfa.reset_by_admin").subject(&found.id),
            json!({ "removed": removed }),
        )
        .await?;
        Ok(removed)
    }

    /// Refuses an administrator shutting themselves out, and anyone shutting out the last
    /// active account holding `gatehouse:admin` directly: nobody could administer afterwards.
    pub(super) async fn keep_an_administrator(
        &self,
        actor: &Actor,
        target: &user::Model,
        what: &'static str,
    ) -> Result<()> {
        if actor.principal == Principal::User(target.id.clone()) {
            return Err(Error::WrongState(format!(
                "an administrator cannot {what} their own account here"
            )));
        }
        let held = self.parts.roles.effective(&target.id).await?.roles;
        if !held.iter().any(|r| r == ADMIN) {
            return Ok(());
        }
        let Some(role) = role::Entity::find()
            .filter(role::Column::Name.eq(ADMIN))
            .filter(role::Column::ClientId.is_null())
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        let holders: Vec<String> = user_role::Entity::find()
            .filter(user_role::Column::RoleId.eq(role.id))
            .filter(user_role::Column::UserId.ne(&target.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|g| g.user_id)
            .collect();
        let others = user::Entity::find()
            .filter(user::Column::Id.is_in(holders))
            .filter(user::Column::Status.eq(UserStatus::Active.as_str()))
            .count(&self.db)
            .await?;
        if others == 0 {
            return Err(Error::WrongState(format!(
                "this is the last active account holding {ADMIN}: grant it to another account before you {what} this one"
            )));
        }
        Ok(())
    }

    async fn view(&self, u: user::Model) -> Result<UserView> {
        let roles = self.parts.roles.roles_of(&u.id).await?;
        Ok(UserView::new(u, roles))
    }

    async fn sessions_of(&self, user_id: &str) -> Result<Vec<SessionView>> {
        Ok(self
            .parts
            .sessions
            .live_of_user(user_id)
            .await?
            .into_iter()
            .map(SessionView::from)
            .collect())
    }

    /// The password policy, off the executor (zxcvbn is CPU work).
    pub(super) async fn check_password(&self, password: &str, context: &[&str]) -> Result<()> {
        let policy = self.parts.password_policy;
        let password = password.to_owned();
        let context: Vec<String> = context
            .iter()
            .filter(|c| !c.is_empty())
            .map(|c| (*c).to_owned())
            .collect();
        tokio::task::spawn_blocking(move || {
            let words: Vec<&str> = context.iter().map(String::as_str).collect();
            policy.check(&password, &words)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
        .map_err(|e| Error::invalid("password", e.to_string()))
    }
}

/// Refuses a stale `If-Match`.
pub(crate) fn check_version(
    current: time::OffsetDateTime,
    expected: Option<&str>,
    what: &'static str,
) -> Result<()> {
    match expected {
        Some(v) if v != version_of(current) => Err(Error::Stale(what)),
        _ => Ok(()),
    }
}

/// The names of the fields the profile sets, after checking their length.
fn check_profile(p: &Profile) -> Result<Vec<&'static str>> {
    let fields: [(&'static str, &Option<String>); 13] = [
        ("name", &p.display_name),
        ("given_name", &p.given_name),
        ("family_name", &p.family_name),
        ("middle_name", &p.middle_name),
        ("nickname", &p.nickname),
        ("preferred_username", &p.preferred_username),
        ("picture", &p.picture),
        ("website", &p.website),
        ("gender", &p.gender),
        ("birthdate", &p.birthdate),
        ("locale", &p.locale),
        ("zoneinfo", &p.zoneinfo),
        ("phone_number", &p.phone_number),
    ];
    let mut set = Vec::new();
    for (name, value) in fields {
        if let Some(v) = value {
            if v.chars().count() > MAX_FIELD || v.chars().any(char::is_control) {
                return Err(Error::invalid(
                    name,
                    "must be at most 200 characters, no control characters",
                ));
            }
            set.push(name);
        }
    }
    if p.address.is_some() {
        set.push("address");
    }
    if p.phone_number_verified.is_some() {
        set.push("phone_number_verified");
    }
    if set.is_empty() {
        return Err(Error::invalid("profile", "names no field to change"));
    }
    Ok(set)
}

/// `%`, `_` and `\` taken literally in a LIKE pattern escaped with `\`.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
