//! Rules of signing in that the protocol and the pages share: the authentication context
//! classes, who may sign in, and the texted code's cooldown.

use std::time::Duration;

use time::OffsetDateTime;

use crate::entities::user;
use crate::error::Result;
use crate::users::{NewToken, Purpose, UserStatus, UserTokens};

/// A guest: nobody proved who they are (ISO/IEC 29115 level 0).
pub const ACR_GUEST: &str = "urn:gatehouse:loa:0";
/// A password (or other single factor) sign-in.
pub const ACR_SINGLE_FACTOR: &str = "urn:gatehouse:loa:1";
/// A sign-in with a second factor.
pub const ACR_MULTI_FACTOR: &str = "urn:gatehouse:loa:2";
/// Authentication context classes: a guest, one factor, and (with MFA) two.
pub const ACR_VALUES: &[&str] = &[ACR_GUEST, ACR_SINGLE_FACTOR, ACR_MULTI_FACTOR];
/// The `amr` of a guest sign-in (not an RFC 8176 value: nothing was verified).
pub const AMR_GUEST: &str = "guest";

/// Whether an account in `status` may sign in: an active one, and a pending one (email not
/// yet verified) when `pending_may_sign_in`.
pub fn status_may_sign_in(status: UserStatus, pending_may_sign_in: bool) -> bool {
    match status {
        UserStatus::Active => true,
        UserStatus::Pending => pending_may_sign_in,
        UserStatus::Locked | UserStatus::Suspended | UserStatus::Disabled => false,
    }
}

/// Whether `user` may sign in at `at` (see [`status_may_sign_in`]); an unreadable status
/// may not.
pub fn may_sign_in(user: &user::Model, at: OffsetDateTime, pending_may_sign_in: bool) -> bool {
    UserStatus::at(user, at).is_ok_and(|s| status_may_sign_in(s, pending_may_sign_in))
}

/// How long a texted code works.
pub const SMS_CODE_TTL: Duration = Duration::from_secs(600);
/// Least time between two texts of one purpose to one account.
pub const SMS_COOLDOWN: Duration = Duration::from_secs(60);

/// Issues a 6-digit code for `purpose` to be texted to `phone`, unless one was issued to the
/// account less than [`SMS_COOLDOWN`] ago: the code to send, or `None` (cooling down).
pub async fn issue_sms_code(
    tokens: &UserTokens,
    user: &user::Model,
    phone: &str,
    purpose: Purpose,
) -> Result<Option<String>> {
    if let Some(at) = tokens.last_issued(purpose, &user.id).await?
        && OffsetDateTime::now_utc() - at < SMS_COOLDOWN
    {
        return Ok(None);
    }
    let (code, code_hash) = tokens.new_code();
    tokens
        .issue_new(NewToken {
            purpose,
            user_id: Some(&user.id),
            email: user.email.as_deref().unwrap_or_default(),
            data: Some(serde_json::json!({ "code_hash": code_hash, "phone": phone })),
            ttl: SMS_CODE_TTL,
        })
        .await?;
    Ok(Some(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_active_and_allowed_pending_accounts_sign_in() {
        assert!(status_may_sign_in(UserStatus::Active, false));
        assert!(status_may_sign_in(UserStatus::Pending, true));
        assert!(!status_may_sign_in(UserStatus::Pending, false));
        for s in [
            UserStatus::Locked,
            UserStatus::Suspended,
            UserStatus::Disabled,
        ] {
            assert!(!status_may_sign_in(s, true));
        }
    }
}
