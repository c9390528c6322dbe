//! Device authorizations (RFC 8628): a device without a browser asks for one, a person
//! approves or denies it on another device by typing the short user code, and the device
//! polls with its device code until it gets tokens. Both codes are stored as keyed hashes;
//! the redemption is a single atomic claim, like an authorization code's.

use std::time::Duration;

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, Set, sea_query::Expr,
};

use crate::entities::device_authorization;
use crate::secrets::SecretBox;
use crate::{Error, Result, Store, now, random};

const DEVICE_PURPOSE: &str = "device_code";
const USER_PURPOSE: &str = "device_user_code";

/// The letters of user codes: consonants only (no vowels, so no words; no look-alikes such
/// as 0/O or 1/I), as RFC 8628 6.1 suggests.
pub const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
/// Letters in a user code: 20^8, about 34.5 bits, against a brute-force limited page.
const USER_CODE_LEN: usize = 8;
/// Seconds added to the polling interval by each `slow_down` (RFC 8628 3.5).
pub const SLOW_DOWN_SECS: i32 = 5;
/// The polling interval never grows past this.
const MAX_INTERVAL_SECS: i32 = 300;

/// Where a device authorization stands.
pub mod status {
    /// Waiting for the person.
    pub const PENDING: &str = "pending";
    /// Approved, not yet redeemed.
    pub const APPROVED: &str = "approved";
    /// Denied by the person.
    pub const DENIED: &str = "denied";
    /// Tokens were issued for it.
    pub const REDEEMED: &str = "redeemed";
}

/// What a device asked for.
#[derive(Debug, Clone)]
pub struct NewDeviceAuthorization {
    /// The client that asked.
    pub client_id: String,
    /// Scopes asked for, space-separated (already checked against the client's).
    pub scope: String,
    /// Resource indicators (RFC 8707) asked for; empty: the default audience.
    pub resources: Vec<String>,
}

/// A new device authorization, as answered to the device (the only time its codes exist
/// in clear).
#[derive(Debug, Clone)]
pub struct IssuedDeviceAuthorization {
    /// The device code the device polls with.
    pub device_code: String,
    /// The user code as shown to the person: `XXXX-XXXX`.
    pub user_code: String,
    /// How long both codes live.
    pub expires_in: Duration,
    /// Seconds the device waits between polls.
    pub interval: u32,
}

/// The approving person's sign-in, carried into the tokens as an authorization code would.
#[derive(Debug, Clone)]
pub struct DeviceApproval {
    /// The person's account.
    pub user_id: String,
    /// Their browser session (logging out ends what the device got).
    pub session_id: String,
    /// When they authenticated.
    pub auth_time: time::OffsetDateTime,
    /// ACR reached.
    pub acr: Option<String>,
    /// Methods used.
    pub amr: Vec<String>,
}

/// The answer to one poll of the device.
#[derive(Debug)]
pub enum DevicePoll {
    /// Approved: claimed now, by this poll only; issue the tokens (boxed: the row dwarfs
    /// the other variants).
    Approved(Box<device_authorization::Model>),
    /// The person has not decided yet.
    Pending,
    /// Polled sooner than the interval: the interval grew by [`SLOW_DOWN_SECS`].
    SlowDown,
    /// The person denied it.
    Denied,
    /// Expired before it was redeemed.
    Expired,
    /// Unknown, another client's, or already redeemed.
    Invalid,
}

/// The device authorization service.
#[derive(Debug, Clone)]
pub struct DeviceAuthorizations {
    db: DatabaseConnection,
    secrets: SecretBox,
    ttl: Duration,
    interval: u32,
}

/// A user code as typed (any case, with `-` or spaces) in its canonical form: eight
/// letters of [`USER_CODE_ALPHABET`], upper case. `None` when it cannot be one.
pub fn normalize_user_code(typed: &str) -> Option<String> {
    if typed.len() > 64 {
        return None;
    }
    let code: String = typed
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid =
        code.len() == USER_CODE_LEN && code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b));
    valid.then_some(code)
}

/// A canonical user code as shown: `XXXX-XXXX`.
pub fn display_user_code(code: &str) -> String {
    let (a, b) = code.split_at(code.len().min(USER_CODE_LEN / 2));
    format!("{a}-{b}")
}

fn new_user_code() -> String {
    let mut out = String::with_capacity(USER_CODE_LEN);
    // Rejection sampling keeps the distribution uniform.
    let limit = 256 - (256 % USER_CODE_ALPHABET.len());
    while out.len() < USER_CODE_LEN {
        for b in random::bytes::<16>() {
            if usize::from(b) < limit && out.len() < USER_CODE_LEN {
                out.push(char::from(
                    USER_CODE_ALPHABET[usize::from(b) % USER_CODE_ALPHABET.len()],
                ));
            }
        }
    }
    out
}

impl DeviceAuthorizations {
    /// Builds the service: codes live `ttl`; devices poll every `interval` seconds.
    pub fn new(store: &Store, secrets: SecretBox, ttl: Duration, interval: u32) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
            ttl,
            interval,
        }
    }

    /// Stores a new device authorization and returns its codes.
    pub async fn start(&self, new: NewDeviceAuthorization) -> Result<IssuedDeviceAuthorization> {
        let device_code = random::token::<32>();
        let at = now();
        // A user code equal to a stored one (one chance in billions per live code) is
        // refused by the unique index: draw another.
        for _ in 0..3 {
            let user_code = new_user_code();
            let inserted = device_authorization::ActiveModel {
                device_code_hash: Set(self.secrets.keyed_hash(DEVICE_PURPOSE, &device_code)),
                user_code_hash: Set(self.secrets.keyed_hash(USER_PURPOSE, &user_code)),
                client_id: Set(new.client_id.clone()),
                scope: Set(new.scope.clone()),
                resources: Set(super::resources_column(&new.resources)),
                status: Set(status::PENDING.to_owned()),
                user_id: Set(None),
                session_id: Set(None),
                auth_time: Set(None),
                acr: Set(None),
                amr: Set(None),
                interval_secs: Set(i32::try_from(self.interval).unwrap_or(i32::MAX)),
                last_poll_at: Set(None),
                created_at: Set(at),
                expires_at: Set(at + self.ttl),
                decided_at: Set(None),
            }
            .insert(&self.db)
            .await;
            match inserted {
                Ok(_) => {
                    return Ok(IssuedDeviceAuthorization {
                        device_code,
                        user_code: display_user_code(&user_code),
                        expires_in: self.ttl,
                        interval: self.interval,
                    });
                }
                Err(e)
                    if matches!(
                        e.sql_err(),
                        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                    ) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict("user code"))
    }

    fn user_code_hash(&self, typed: &str) -> Option<String> {
        normalize_user_code(typed).map(|c| self.secrets.keyed_hash(USER_PURPOSE, &c))
    }

    /// The pending, unexpired authorization a typed user code names, if any.
    pub async fn pending(&self, user_code: &str) -> Result<Option<device_authorization::Model>> {
        let Some(hash) = self.user_code_hash(user_code) else {
            return Ok(None);
        };
        Ok(device_authorization::Entity::find()
            .filter(device_authorization::Column::UserCodeHash.eq(hash))
            .filter(device_authorization::Column::Status.eq(status::PENDING))
            .filter(device_authorization::Column::ExpiresAt.gt(now()))
            .one(&self.db)
            .await?)
    }

    /// Approves the pending authorization of `user_code` with the person's sign-in; `None`
    /// when there is none (unknown, expired, or decided already).
    pub async fn approve(
        &self,
        user_code: &str,
        approval: DeviceApproval,
    ) -> Result<Option<device_authorization::Model>> {
        let Some(hash) = self.user_code_hash(user_code) else {
            return Ok(None);
        };
        let at = now();
        let amr: serde_json::Value = approval.amr.into();
        let decided = device_authorization::Entity::update_many()
            .col_expr(
                device_authorization::Column::Status,
                Expr::value(status::APPROVED),
            )
            .col_expr(
                device_authorization::Column::UserId,
                Expr::value(Some(approval.user_id)),
            )
            .col_expr(
                device_authorization::Column::SessionId,
                Expr::value(Some(approval.session_id)),
            )
            .col_expr(
                device_authorization::Column::AuthTime,
                Expr::value(Some(approval.auth_time)),
            )
            .col_expr(device_authorization::Column::Acr, Expr::value(approval.acr))
            .col_expr(device_authorization::Column::Amr, Expr::value(Some(amr)))
            .col_expr(
                device_authorization::Column::DecidedAt,
                Expr::value(Some(at)),
            )
            .filter(device_authorization::Column::UserCodeHash.eq(hash))
            .filter(device_authorization::Column::Status.eq(status::PENDING))
            .filter(device_authorization::Column::ExpiresAt.gt(at))
            .exec_with_returning(&self.db)
            .await?;
        Ok(decided.into_iter().next())
    }

    /// Denies the pending authorization of `user_code` on behalf of `user_id`; `None` when
    /// there is none.
    pub async fn deny(
        &self,
        user_code: &str,
        user_id: &str,
    ) -> Result<Option<device_authorization::Model>> {
        let Some(hash) = self.user_code_hash(user_code) else {
            return Ok(None);
        };
        let at = now();
        let decided = device_authorization::Entity::update_many()
            .col_expr(
                device_authorization::Column::Status,
                Expr::value(status::DENIED),
            )
            .col_expr(
                device_authorization::Column::UserId,
                Expr::value(Some(user_id.to_owned())),
            )
            .col_expr(
                device_authorization::Column::DecidedAt,
                Expr::value(Some(at)),
            )
            .filter(device_authorization::Column::UserCodeHash.eq(hash))
            .filter(device_authorization::Column::Status.eq(status::PENDING))
            .filter(device_authorization::Column::ExpiresAt.gt(at))
            .exec_with_returning(&self.db)
            .await?;
        Ok(decided.into_iter().next())
    }

    /// One poll of the device with `device_code` for `client_id`. An approved
    /// authorization is claimed atomically: of two concurrent polls only one gets it.
    pub async fn poll(&self, device_code: &str, client_id: &str) -> Result<DevicePoll> {
        if device_code.is_empty() || device_code.len() > 128 {
            return Ok(DevicePoll::Invalid);
        }
        let hash = self.secrets.keyed_hash(DEVICE_PURPOSE, device_code);
        let at = now();
        // One statement: claim it only if it is this client's, approved and unexpired.
        let claimed = device_authorization::Entity::update_many()
            .col_expr(
                device_authorization::Column::Status,
                Expr::value(status::REDEEMED),
            )
            .col_expr(
                device_authorization::Column::LastPollAt,
                Expr::value(Some(at)),
            )
            .filter(device_authorization::Column::DeviceCodeHash.eq(hash.clone()))
            .filter(device_authorization::Column::ClientId.eq(client_id))
            .filter(device_authorization::Column::Status.eq(status::APPROVED))
            .filter(device_authorization::Column::ExpiresAt.gt(at))
            .exec_with_returning(&self.db)
            .await?;
        if let Some(row) = claimed.into_iter().next() {
            return Ok(DevicePoll::Approved(Box::new(row)));
        }
        let Some(row) = device_authorization::Entity::find_by_id(hash.clone())
            .one(&self.db)
            .await?
        else {
            return Ok(DevicePoll::Invalid);
        };
        if row.client_id != client_id || row.status == status::REDEEMED {
            return Ok(DevicePoll::Invalid);
        }
        if row.expires_at <= at {
            return Ok(DevicePoll::Expired);
        }
        match row.status.as_str() {
            status::DENIED => return Ok(DevicePoll::Denied),
            // Approved between the claim and the read: the next poll gets it.
            status::APPROVED => return Ok(DevicePoll::Pending),
            _ => {}
        }
        let interval = time::Duration::seconds(i64::from(row.interval_secs));
        let too_soon = row.last_poll_at.is_some_and(|last| at - last < interval);
        let next_interval = if too_soon {
            row.interval_secs
                .saturating_add(SLOW_DOWN_SECS)
                .min(MAX_INTERVAL_SECS)
        } else {
            row.interval_secs
        };
        // Compare-and-set on the last poll: of concurrent polls one is counted, and the
        // others were too fast by definition.
        let last = match row.last_poll_at {
            Some(t) => device_authorization::Column::LastPollAt.eq(t),
            None => device_authorization::Column::LastPollAt.is_null(),
        };
        let updated = device_authorization::Entity::update_many()
            .col_expr(
                device_authorization::Column::LastPollAt,
                Expr::value(Some(at)),
            )
            .col_expr(
                device_authorization::Column::IntervalSecs,
                Expr::value(next_interval),
            )
            .filter(device_authorization::Column::DeviceCodeHash.eq(hash))
            .filter(device_authorization::Column::Status.eq(status::PENDING))
            .filter(last)
            .exec(&self.db)
            .await?;
        if too_soon || updated.rows_affected == 0 {
            Ok(DevicePoll::SlowDown)
        } else {
            Ok(DevicePoll::Pending)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_are_read_in_any_case_with_dashes_and_spaces() {
        assert_eq!(
            normalize_user_code("bcdf-ghjk").as_deref(),
            Some("BCDFGHJK")
        );
        assert_eq!(
            normalize_user_code(" BCDF GHJK ").as_deref(),
            Some("BCDFGHJK")
        );
        assert_eq!(normalize_user_code("BCDFGHJK").as_deref(), Some("BCDFGHJK"));
        assert_eq!(
            normalize_user_code("BCDF-GHJA"),
            None,
            "a vowel is never in a code"
        );
        assert_eq!(normalize_user_code("BCDF-GHJ"), None);
        assert_eq!(normalize_user_code("BCDF-GHJKL"), None);
        assert_eq!(normalize_user_code(""), None);
        assert_eq!(display_user_code("BCDFGHJK"), "BCDF-GHJK");
    }

    #[test]
    fn new_user_codes_use_the_alphabet_and_differ() {
        let a = new_user_code();
        assert_eq!(normalize_user_code(&display_user_code(&a)), Some(a.clone()));
        assert_ne!(a, new_user_code());
    }

    proptest::proptest! {
        /// Any typed text: a canonical code or `None`, never a panic.
        #[test]
        fn prop_normalize_any_text(text in ".{0,80}") {
            if let Some(code) = normalize_user_code(&text) {
                proptest::prop_assert_eq!(code.len(), USER_CODE_LEN);
                proptest::prop_assert_eq!(normalize_user_code(&display_user_code(&code)), Some(code));
            }
        }
    }
}
