//! Recovery codes: ten single-use codes, shown once, stored as keyed hashes.

use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, Set};

use super::kind;
use super::mfa::Mfa;
use crate::entities::credential;
use crate::{Result, now};

/// How many codes a set has.
pub const CODES: usize = 10;
const PURPOSE: &str = "recovery_code";
/// 32 lower-case letters and digits without look-alikes (no o, 1, l, i): an index is 5 bits,
/// so a random byte maps onto it without bias.
const ALPHABET: &[u8; 32] = b"abcdefghjkmnpqrstuvwxyz023456789";

/// A code as the user types it, reduced to its characters (case, spaces and dashes ignored).
fn normalize(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A new code: `xxxxx-xxxxx` (10 characters, about 50 bits).
fn generate() -> String {
    let bytes = crate::random::bytes::<10>();
    let chars: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b & 31)]))
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

impl Mfa {
    /// Replaces the user's recovery codes with a new set; returns the codes (shown once).
    pub async fn new_recovery_codes(&self, user_id: &str) -> Result<Vec<String>> {
        let codes: Vec<String> = (0..CODES).map(|_| generate()).collect();
        let txn = crate::store::begin_write(&self.db).await?;
        credential::Entity::delete_many()
            .filter(credential::Column::UserId.eq(user_id))
            .filter(credential::Column::Kind.eq(kind::RECOVERY_CODE))
            .exec(&txn)
            .await?;
        let rows = codes.iter().map(|c| credential::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            user_id: Set(user_id.to_owned()),
            kind: Set(kind::RECOVERY_CODE.to_owned()),
            name: Set(None),
            secret: Set(self.secrets.keyed_hash(PURPOSE, &normalize(c))),
            data: Set(None),
            created_at: Set(now()),
            last_used_at: Set(None),
        });
        credential::Entity::insert_many(rows).exec(&txn).await?;
        txn.commit().await?;
        Ok(codes)
    }

    /// Uses a recovery code: true (and the code is gone) when it was one of the user's.
    pub async fn use_recovery_code(&self, user_id: &str, code: &str) -> Result<bool> {
        let code = normalize(code);
        if code.len() != 10 {
            return Ok(false);
        }
        let deleted = credential::Entity::delete_many()
            .filter(credential::Column::UserId.eq(user_id))
            .filter(credential::Column::Kind.eq(kind::RECOVERY_CODE))
            .filter(credential::Column::Secret.eq(self.secrets.keyed_hash(PURPOSE, &code)))
            .exec(&self.db)
            .await?;
        Ok(deleted.rows_affected == 1)
    }

    /// Removes the user's recovery codes.
    pub async fn remove_recovery_codes(&self, user_id: &str) -> Result<u64> {
        Ok(credential::Entity::delete_many()
            .filter(credential::Column::UserId.eq(user_id))
            .filter(credential::Column::Kind.eq(kind::RECOVERY_CODE))
            .exec(&self.db)
            .await?
            .rows_affected)
    }
}
