//! What a (validated) authorization request needs next: sign-in, consent, or a code.

use domain::authorization::PendingRequest;
use domain::entities::{browser_session, user};
use domain::users::UserStatus;

use crate::Provider;
use crate::authorize::ACR_MULTI_FACTOR;
use crate::error::{ErrorCode, OAuthError};

/// The next step of an authorization request.
#[derive(Debug)]
pub enum Decision {
    /// The user must sign in (again).
    Login,
    /// The user must consent.
    Consent,
    /// Everything is in place: issue a code.
    Issue {
        /// The browser session (boxed, like the user: they dwarf the other variants).
        session: Box<browser_session::Model>,
        /// The signed-in user.
        user: Box<user::Model>,
    },
    /// The request ends with this error, sent to the client.
    Fail(OAuthError),
}

/// Decides the next step from the request, the browser session and stored consent.
pub async fn decide(
    provider: &Provider,
    req: &PendingRequest,
    session: Option<browser_session::Model>,
) -> Result<Decision, OAuthError> {
    // A decision taken on the consent page holds only for the browser session that took it:
    // whoever else holds the request id resumes it as if nothing had been decided.
    let decided_here =
        |s: &browser_session::Model| req.consent_session.as_deref() == Some(s.id.as_str());
    if req.consent_denied && session.as_ref().is_some_and(decided_here) {
        return Ok(Decision::Fail(OAuthError::new(
            ErrorCode::AccessDenied,
            "the user did not allow the request",
        )));
    }
    let silent = req.prompt.iter().any(|p| p == "none");
    let user = match &session {
        Some(s) => provider.users.find(&s.user_id).await?.filter(|u| {
            UserStatus::at(u, time::OffsetDateTime::now_utc()).is_ok_and(UserStatus::keeps_tokens)
        }),
        None => None,
    };
    let (Some(session), Some(user)) = (session, user) else {
        return Ok(silent_or(silent, ErrorCode::LoginRequired, Decision::Login));
    };
    // Only a sign-in made for this very request satisfies prompt=login and max_age.
    let auth_time = session.auth_time.unix_timestamp();
    let fresh = req.signed_in_session.as_deref() == Some(session.id.as_str());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let too_old = req
        .max_age
        .is_some_and(|max| now.saturating_sub(auth_time) > i64::try_from(max).unwrap_or(i64::MAX));
    let forced = req
        .prompt
        .iter()
        .any(|p| p == "login" || p == "select_account");
    // The hint's `sub` is the one this client sees (pairwise or not).
    let other_user = match &req.id_token_hint_sub {
        Some(sub) => match provider.clients.find(&req.client_id).await? {
            Some(client) => sub != &provider.subject_for(&client, &user.subject),
            None => true,
        },
        None => false,
    };
    // Step-up: a request for multi-factor assurance that the session does not have needs a
    // new sign-in, which asks for the second factor (an account without one signs in again
    // and gets the single-factor `acr`, as the claim then says).
    let multi_factor = session.acr.as_deref() == Some(ACR_MULTI_FACTOR);
    let step_up = req.acr_values.iter().any(|a| a == ACR_MULTI_FACTOR) && !multi_factor;
    // A policy requiring a second factor is not satisfied by a fresh single-factor sign-in
    // either (the sign-in pages make users set one up, so this does not loop).
    if !multi_factor && mfa_required(provider, req, &user).await? {
        return Ok(silent_or(silent, ErrorCode::LoginRequired, Decision::Login));
    }
    if other_user || (!fresh && (forced || too_old || step_up)) {
        return Ok(silent_or(silent, ErrorCode::LoginRequired, Decision::Login));
    }
    let consented_here = req.consent_given && decided_here(&session);
    if !consented_here && needs_consent(provider, req, &user).await? {
        return Ok(silent_or(
            silent,
            ErrorCode::ConsentRequired,
            Decision::Consent,
        ));
    }
    Ok(Decision::Issue {
        session: Box::new(session),
        user: Box::new(user),
    })
}

/// Whether the policy requires a second factor of `user` signing in to the request's client.
async fn mfa_required(
    provider: &Provider,
    req: &PendingRequest,
    user: &user::Model,
) -> Result<bool, OAuthError> {
    let policy = &provider.settings.mfa_policy;
    let client_requires = provider
        .clients
        .find(&req.client_id)
        .await?
        .is_some_and(|c| c.require_mfa);
    if policy.required_for_all || client_requires {
        return Ok(true);
    }
    if policy.required_roles.is_empty() {
        return Ok(false);
    }
    let roles = provider.roles.roles_of(&user.id).await?;
    Ok(policy.requires(&roles, false))
}

fn silent_or(silent: bool, code: ErrorCode, interactive: Decision) -> Decision {
    if silent {
        let description = match code {
            ErrorCode::LoginRequired => "the user must sign in",
            _ => "the user must consent",
        };
        Decision::Fail(OAuthError::new(code, description))
    } else {
        interactive
    }
}

async fn needs_consent(
    provider: &Provider,
    req: &PendingRequest,
    user: &user::Model,
) -> Result<bool, OAuthError> {
    if req.prompt.iter().any(|p| p == "consent") {
        return Ok(true);
    }
    let client = provider.clients.get(&req.client_id).await?;
    if client.first_party && provider.settings.first_party_skip_consent {
        return Ok(false);
    }
    Ok(!provider
        .consents
        .covers(&user.id, &client.client_id, &req.scopes)
        .await?)
}
