//! `gatehouse user ...`

use clap::Subcommand;
use domain::admin::Actor;
use domain::audit::AuditEvent;
use domain::entities::user;
use domain::users::{NewToken, NewUser, Profile, Purpose, UserStatus, normalize_email};
use serde::Serialize;

use super::{output, password};
use crate::services::Services;

/// User account commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (the password is read from stdin or a prompt, never from argv).
    Create {
        /// Sign-in email.
        #[arg(long)]
        email: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Grant this role (repeatable; the role must exist).
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Mark the email address as verified.
        #[arg(long)]
        verified: bool,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Print the created account as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List accounts.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Search accounts by address, name, username, id or sub, optionally in one state, a page
    /// at a time (the next page's cursor is printed last).
    Search {
        /// Part of the address or name (case-insensitive), or an exact id or sub; empty: all.
        #[arg(default_value = "")]
        query: String,
        /// Only accounts in this state (active, pending, locked, suspended, disabled).
        #[arg(long)]
        status: Option<String>,
        /// Accounts per page (1 to 500).
        #[arg(long, default_value_t = 50)]
        limit: u64,
        /// The cursor the previous page printed.
        #[arg(long)]
        cursor: Option<String>,
        /// Print JSON (`items` and `next_cursor`).
        #[arg(long)]
        json: bool,
    },
    /// Show everything an administrator helps with: second factors and passkeys, recovery
    /// codes left, live sessions, linked sign-ins and consents.
    Detail {
        /// Email, id or sub of the account.
        user: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove one second factor or passkey (its id as `user detail` shows it).
    RemoveFactor {
        /// Email, id or sub of the account.
        user: String,
        /// The factor's id.
        factor: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one account with its roles.
    Show {
        /// Email of the account.
        email: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change profile claims of an account ("" clears one).
    Update {
        /// Email, id or sub of the account.
        user: String,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Given name.
        #[arg(long)]
        given_name: Option<String>,
        /// Family name.
        #[arg(long)]
        family_name: Option<String>,
        /// Preferred username.
        #[arg(long)]
        preferred_username: Option<String>,
        /// Locale (BCP 47, e.g. fr-CA).
        #[arg(long)]
        locale: Option<String>,
        /// Time zone (IANA, e.g. Europe/Paris).
        #[arg(long)]
        zoneinfo: Option<String>,
        /// Phone number.
        #[arg(long)]
        phone_number: Option<String>,
        /// Print the account as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set an account's password (read from stdin or a prompt; the password policy applies).
    /// Its sessions and tokens end unless --keep-sessions.
    SetPassword {
        /// Email, id or sub of the account.
        user: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Keep the account's sessions and tokens.
        #[arg(long)]
        keep_sessions: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Mark an account's address as verified (a pending account becomes active).
    VerifyEmail {
        /// Email, id or sub of the account.
        user: String,
        /// Print the account as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List an account's live browser sessions.
    Sessions {
        /// Email, id or sub of the account.
        user: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// End an account's sessions (all, or one with --session), revoking their tokens.
    EndSessions {
        /// Email, id or sub of the account.
        user: String,
        /// Only this session id.
        #[arg(long, value_name = "ID")]
        session: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Reset two-step verification: remove the authenticator app, SMS, recovery codes and
    /// passkeys of someone who lost them (they set up again at the next sign-in that needs it).
    ResetMfa {
        /// Email, id or sub of the account.
        user: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Mail the person a password reset link (as "forgot password" does); a running server
    /// sends it.
    SendReset {
        /// Email, id or sub of the account.
        user: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Disable an account: it can no longer sign in.
    Disable {
        /// Email of the account.
        email: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Lock an account: password sign-in is refused, its sessions and tokens keep working.
    Lock {
        /// Email of the account.
        email: String,
        /// Unlock by itself after this many minutes (default: until `user unlock`).
        #[arg(long, value_name = "MINUTES")]
        minutes: Option<u32>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Unlock a locked account and clear its failed sign-in count.
    Unlock {
        /// Email of the account.
        email: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Suspend an account: no sign-in, and its sessions and tokens end at once.
    Suspend {
        /// Email of the account.
        email: String,
        /// Why (kept with the account and in the audit log; not shown to the user).
        #[arg(long)]
        reason: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make a suspended, disabled or locked account active again.
    Reactivate {
        /// Email of the account.
        email: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete an account: erase its personal data, credentials, sessions and grants, and
    /// pseudonymise it in the audit log.
    Delete {
        /// Email of the account.
        email: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print everything stored about an account, as JSON (no secrets).
    Export {
        /// Email of the account.
        email: String,
        /// Accepted for symmetry: the export is always JSON.
        #[arg(long)]
        json: bool,
    },
    /// Invite someone by mail: the link (valid 7 days by default) lets them set a password
    /// and lands them signed in.
    Invite {
        /// Email to invite.
        email: String,
        /// A role the account gets (repeatable).
        #[arg(long = "role")]
        roles: Vec<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the open invitations.
    Invitations {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke the open invitations to an address.
    RevokeInvitation {
        /// The invited email.
        email: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// An account as printed: profile and state, never credentials.
#[derive(Debug, Serialize)]
struct UserView {
    id: String,
    sub: String,
    email: Option<String>,
    email_verified: bool,
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_reason: Option<String>,
    name: Option<String>,
    roles: Vec<String>,
    created_at: String,
}

async fn view(services: &Services, u: user::Model) -> anyhow::Result<UserView> {
    Ok(UserView {
        roles: services.roles.roles_of(&u.id).await?,
        id: u.id,
        sub: u.subject,
        email: u.email,
        email_verified: u.email_verified,
        status: u.status,
        status_reason: u.status_reason,
        name: u.display_name,
        created_at: output::time(u.created_at),
    })
}

/// Runs a user command.
pub async fn run(services: &Services, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Create {
            email,
            password_stdin,
            roles,
            verified,
            name,
            json,
        } => {
            for role in &roles {
                if !services
                    .roles
                    .list()
                    .await?
                    .iter()
                    .any(|r| r.client_id.is_none() && &r.name == role)
                {
                    anyhow::bail!(
                        "role {role:?} does not exist: create it with `gatehouse role create`"
                    );
                }
            }
            let password = password::read(password_stdin)?;
            password::check(services, password.clone(), &email, name.as_deref()).await?;
            let created = services
                .users
                .create(NewUser {
                    email,
                    password: Some(password),
                    email_verified: verified,
                    display_name: name,
                    status: UserStatus::Active,
                })
                .await?;
            for role in &roles {
                services.roles.grant(role, &created.label()).await?;
            }
            audit(services, "user.created", &created.id).await?;
            let shown = view(services, created).await?;
            if json {
                output::json(&shown)
            } else {
                println!(
                    "created user {} (id {})",
                    shown.email.as_deref().unwrap_or("-"),
                    shown.id
                );
                Ok(())
            }
        }
        UserCommand::List { json } => {
            let mut views = Vec::new();
            for u in services.users.list().await? {
                views.push(view(services, u).await?);
            }
            if json {
                return output::json(&views);
            }
            let rows: Vec<Vec<String>> = views
                .into_iter()
                .map(|v| {
                    vec![
                        v.email.unwrap_or_else(|| format!("(sub {})", v.sub)),
                        v.status,
                        v.email_verified.to_string(),
                        v.roles.join(","),
                        v.created_at,
                    ]
                })
                .collect();
            output::table(&["EMAIL", "STATUS", "VERIFIED", "ROLES", "CREATED"], &rows);
            Ok(())
        }
        UserCommand::Update {
            user,
            name,
            given_name,
            family_name,
            preferred_username,
            locale,
            zoneinfo,
            phone_number,
            json,
        } => {
            let profile = Profile {
                display_name: name,
                given_name,
                family_name,
                preferred_username,
                locale,
                zoneinfo,
                phone_number,
                ..Profile::default()
            };
            let updated = services
                .admin()
                .update_user(&Actor::operator(), &user, profile, None)
                .await?;
            if json {
                return output::json(&updated);
            }
            println!(
                "updated {}",
                updated.email.as_deref().unwrap_or(&updated.id)
            );
            Ok(())
        }
        UserCommand::SetPassword {
            user,
            password_stdin,
            keep_sessions,
            json,
        } => {
            let password = password::read(password_stdin)?;
            services
                .admin()
                .set_user_password(&Actor::operator(), &user, &password, keep_sessions)
                .await?;
            if json {
                return output::json(
                    &serde_json::json!({ "password_set": true, "sessions_ended": !keep_sessions }),
                );
            }
            println!(
                "password set{}",
                if keep_sessions {
                    ""
                } else {
                    "; the account's sessions and tokens have ended"
                }
            );
            Ok(())
        }
        UserCommand::VerifyEmail { user, json } => {
            let v = services
                .admin()
                .verify_user_email(&Actor::operator(), &user)
                .await?;
            if json {
                return output::json(&v);
            }
            println!("{} is verified", v.email.as_deref().unwrap_or(&v.id));
            Ok(())
        }
        UserCommand::Sessions { user, json } => {
            let sessions = services
                .admin()
                .user_sessions(&Actor::operator(), &user)
                .await?;
            if json {
                return output::json(&sessions);
            }
            let rows: Vec<Vec<String>> = sessions
                .into_iter()
                .map(|s| {
                    vec![
                        s.id,
                        output::time(s.auth_time),
                        output::time(s.last_seen_at),
                        s.ip.unwrap_or_default(),
                        s.user_agent.unwrap_or_default(),
                    ]
                })
                .collect();
            output::table(
                &["SESSION", "SIGNED IN", "LAST SEEN", "IP", "BROWSER"],
                &rows,
            );
            Ok(())
        }
        UserCommand::EndSessions {
            user,
            session,
            json,
        } => {
            let ended = services
                .admin()
                .end_user_sessions(&Actor::operator(), &user, session.as_deref())
                .await?;
            if json {
                return output::json(&serde_json::json!({ "ended": ended }));
            }
            println!("ended {ended} session(s)");
            Ok(())
        }
        UserCommand::SendReset { user, json } => {
            services
                .admin()
                .send_password_reset(&Actor::operator(), &user)
                .await?;
            if json {
                return output::json(&serde_json::json!({ "queued": true }));
            }
            println!("a reset link is queued; a running server mails it");
            Ok(())
        }
        UserCommand::Search {
            query,
            status,
            limit,
            cursor,
            json,
        } => {
            let filter = domain::admin::UserFilter {
                search: Some(query).filter(|q| !q.trim().is_empty()),
                status: status.as_deref().map(UserStatus::parse).transpose()?,
            };
            let page = domain::admin::PageRequest {
                cursor,
                limit: Some(limit),
            };
            let found = services
                .admin()
                .list_users(&Actor::operator(), &filter, &page)
                .await?;
            if json {
                return output::json(&found);
            }
            let rows: Vec<Vec<String>> = found
                .items
                .into_iter()
                .map(|v| {
                    vec![
                        v.id,
                        v.email.unwrap_or_default(),
                        v.status,
                        v.roles.join(","),
                        output::time(v.created_at),
                    ]
                })
                .collect();
            output::table(&["ID", "EMAIL", "STATUS", "ROLES", "CREATED"], &rows);
            if let Some(next) = found.next_cursor {
                println!("next page: --cursor {next}");
            }
            Ok(())
        }
        UserCommand::Detail { user, json } => {
            let detail = services
                .admin()
                .user_detail(&Actor::operator(), &user)
                .await?;
            if json {
                return output::json(&detail);
            }
            println!(
                "{} ({}), {}",
                detail.user.email.as_deref().unwrap_or(&detail.user.sub),
                detail.user.id,
                detail.user.status
            );
            println!("\nsecond factors and passkeys:");
            let factors: Vec<Vec<String>> = detail
                .factors
                .iter()
                .map(|f| {
                    vec![
                        f.id.clone(),
                        f.kind.clone(),
                        f.name.clone().unwrap_or_default(),
                        output::time(f.created_at),
                    ]
                })
                .collect();
            output::table(&["ID", "KIND", "NAME", "ADDED"], &factors);
            println!("recovery codes left: {}", detail.recovery_codes_left);
            println!("\nsessions: {}", detail.sessions.len());
            println!("\nlinked sign-ins:");
            for l in &detail.links {
                println!(
                    "  {} ({})",
                    l.upstream,
                    l.email.as_deref().unwrap_or(&l.subject)
                );
            }
            println!("\nconsents:");
            for c in &detail.consents {
                println!("  {}: {}", c.client_id, c.scopes);
            }
            Ok(())
        }
        UserCommand::RemoveFactor { user, factor, json } => {
            services
                .admin()
                .remove_user_factor(&Actor::operator(), &user, &factor)
                .await?;
            if json {
                return output::json(&serde_json::json!({ "removed": factor }));
            }
            println!("removed the factor {factor}");
            Ok(())
        }
        UserCommand::ResetMfa { user, json } => {
            let removed = services
                .admin()
                .reset_user_mfa(&Actor::operator(), &user)
                .await?;
            if json {
                return output::json(&serde_json::json!({ "removed": removed }));
            }
            println!("removed {removed} second-factor credential(s)");
            Ok(())
        }
        UserCommand::Show { email, json } => {
            let shown = view(services, services.users.resolve(&email).await?).await?;
            if json {
                return output::json(&shown);
            }
            let rows = [
                ("id", shown.id),
                ("sub", shown.sub),
                ("email", shown.email.unwrap_or_default()),
                ("email_verified", shown.email_verified.to_string()),
                ("status", shown.status),
                ("status_reason", shown.status_reason.unwrap_or_default()),
                ("name", shown.name.unwrap_or_default()),
                ("roles", shown.roles.join(", ")),
                ("created_at", shown.created_at),
            ];
            for (k, v) in rows {
                println!("{k:<15} {v}");
            }
            Ok(())
        }
        UserCommand::Disable { email, json } => {
            let u = services
                .users
                .set_status(
                    &email,
                    UserStatus::Disabled,
                    Some("disabled by an administrator".into()),
                )
                .await?;
            audit(services, "user.disabled", &u.id).await?;
            if json {
                return output::json(&view(services, u).await?);
            }
            println!("disabled {}", u.label());
            Ok(())
        }
        UserCommand::Lock {
            email,
            minutes,
            json,
        } => {
            let until = minutes
                .map(|m| time::OffsetDateTime::now_utc() + time::Duration::minutes(i64::from(m)));
            let u = services.users.lock(&email, until, None).await?;
            audit(services, "user.locked", &u.id).await?;
            if json {
                return output::json(&view(services, u).await?);
            }
            match until {
                Some(t) => println!("locked {} until {}", u.label(), output::time(t)),
                None => println!("locked {} until `gatehouse user unlock`", u.label()),
            }
            Ok(())
        }
        UserCommand::Unlock { email, json } => {
            let u = services.users.unlock(&email).await?;
            audit(services, "user.unlocked", &u.id).await?;
            if json {
                return output::json(&view(services, u).await?);
            }
            println!("unlocked {}", u.label());
            Ok(())
        }
        UserCommand::Suspend {
            email,
            reason,
            json,
        } => {
            if reason.trim().is_empty() || reason.len() > 500 {
                anyhow::bail!("--reason must be 1 to 500 characters");
            }
            let u = services
                .users
                .set_status(&email, UserStatus::Suspended, Some(reason))
                .await?;
            audit(services, "user.suspended", &u.id).await?;
            if json {
                return output::json(&view(services, u).await?);
            }
            println!(
                "suspended {}; its sessions and tokens have ended",
                u.label()
            );
            Ok(())
        }
        UserCommand::Reactivate { email, json } => {
            let found = services.users.get_by_email(&email).await?;
            if found.status == UserStatus::Active.as_str()
                || found.status == UserStatus::Pending.as_str()
            {
                anyhow::bail!(
                    "{} is {}, not suspended, disabled or locked",
                    found.label(),
                    found.status
                );
            }
            let u = services
                .users
                .set_status(&email, UserStatus::Active, None)
                .await?;
            audit(services, "user.reactivated", &u.id).await?;
            if json {
                return output::json(&view(services, u).await?);
            }
            println!("reactivated {}", u.label());
            Ok(())
        }
        UserCommand::Delete { email, json } => {
            let u = services.users.get_by_email(&email).await?;
            let alias = services.users.erase(&u.id, &services.secrets).await?;
            audit(services, "user.deleted", &alias).await?;
            if json {
                return output::json(&serde_json::json!({ "deleted": true, "audit_alias": alias }));
            }
            println!(
                "deleted {}; the audit log refers to it as {alias}",
                u.label()
            );
            Ok(())
        }
        // The export is JSON either way.
        UserCommand::Export { email, json: _ } => {
            let u = services.users.get_by_email(&email).await?;
            let data = services.users.export(&u.id).await?;
            audit(services, "user.data_exported", &u.id).await?;
            println!("{}", serde_json::to_string_pretty(&data)?);
            Ok(())
        }
        UserCommand::Invite { email, roles, json } => {
            let (email, ttl) = invite(services, &email, roles).await?;
            if json {
                return output::json(&serde_json::json!({
                    "invited": email, "expires_in_secs": ttl.as_secs(),
                }));
            }
            println!(
                "invited {email}; the mail is queued and a running server sends it (the link expires in {} days)",
                ttl.as_secs().div_ceil(86_400)
            );
            Ok(())
        }
        UserCommand::Invitations { json } => invitations(services, json).await,
        UserCommand::RevokeInvitation { email, json } => {
            let email = normalize_email(&email)?;
            let n = services
                .tokens
                .revoke_for_email(Purpose::Invitation, &email)
                .await?;
            if n == 0 {
                anyhow::bail!("no open invitation to {email}");
            }
            services
                .audit
                .record(
                    AuditEvent::success("invitation.revoked")
                        .data(serde_json::json!({ "via": "cli", "count": n })),
                )
                .await?;
            if json {
                return output::json(&serde_json::json!({ "email": email, "revoked": n }));
            }
            println!("revoked {n} invitation(s) to {email}");
            Ok(())
        }
    }
}

/// Mails an invitation with its single-use link; returns the normalized address and how
/// long the link works.
pub async fn invite(
    services: &Services,
    email: &str,
    roles: Vec<String>,
) -> anyhow::Result<(String, std::time::Duration)> {
    let email = normalize_email(email)?;
    if services.users.find_by_email(&email).await?.is_some() {
        anyhow::bail!("{email} already has an account");
    }
    let known = services.roles.list().await?;
    for role in &roles {
        if !known
            .iter()
            .any(|r| r.client_id.is_none() && &r.name == role)
        {
            anyhow::bail!("role {role:?} does not exist: create it with `gatehouse role create`");
        }
    }
    let ttl = std::time::Duration::from_secs(services.config.registration.invitation_ttl_secs);
    let token = services
        .tokens
        .issue_new(NewToken {
            purpose: Purpose::Invitation,
            user_id: None,
            email: &email,
            data: Some(serde_json::json!({ "roles": roles })),
            ttl,
        })
        .await?;
    // Nobody has chosen a language yet: the operator's default.
    let issuer = &services.config.issuer;
    let message = services
        .config
        .ui
        .default_language()
        .scope(|| login_ui::mail::invitation(issuer, &email, &token, ttl))?;
    // In the operator's branding, as the server's own mails are.
    let branding = services
        .config
        .branding
        .load(&services.config.data_dir)
        .await?;
    services
        .outbox
        .enqueue(branding.sign(issuer, message))
        .await?;
    services
        .audit
        .record(
            AuditEvent::success("invitation.sent")
                .data(serde_json::json!({ "via": "cli", "roles": roles })),
        )
        .await?;
    Ok((email, ttl))
}

/// An open invitation as printed.
#[derive(Debug, Serialize)]
struct InvitationView {
    email: String,
    roles: serde_json::Value,
    created_at: String,
    expires_at: String,
}

async fn invitations(services: &Services, json: bool) -> anyhow::Result<()> {
    let open: Vec<InvitationView> = services
        .tokens
        .open(Purpose::Invitation)
        .await?
        .into_iter()
        .map(|t| InvitationView {
            email: t.email,
            roles: t
                .data
                .and_then(|d| d.get("roles").cloned())
                .unwrap_or_else(|| serde_json::json!([])),
            created_at: output::time(t.created_at),
            expires_at: output::time(t.expires_at),
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&open)?);
        return Ok(());
    }
    if open.is_empty() {
        println!("no open invitations");
    }
    for i in open {
        println!(
            "{}\troles={}\tsent={}\texpires={}",
            i.email, i.roles, i.created_at, i.expires_at
        );
    }
    Ok(())
}

async fn audit(services: &Services, kind: &'static str, user_id: &str) -> anyhow::Result<()> {
    services
        .audit
        .record(
            AuditEvent::success(kind)
                .subject(user_id)
                .data(serde_json::json!({ "via": "cli" })),
        )
        .await?;
    Ok(())
}
