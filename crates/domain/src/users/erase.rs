//! "Delete my account": erases a user's personal data and credentials, revokes everything
//! they hold, and keeps the audit trail with the person pseudonymised.

use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use super::Users;
use crate::entities::{access_token, mail_outbox, user, user_token};
use crate::secrets::SecretBox;
use crate::{Error, Result};

/// What remains of an erased account in the audit log: a keyed hash of its id, so events
/// about one person still line up, but nothing leads back to them without the master key.
pub fn pseudonym(secrets: &SecretBox, user_id: &str) -> String {
    let hash = secrets.keyed_hash("erased-user", user_id);
    format!("erased:{}", &hash[..hash.len().min(22)])
}

impl Users {
    /// Erases the account `user_id`: the user row and, by cascade, its credentials, roles,
    /// sessions, consents, grants and mailed tokens; its access-token records, queued mail
    /// and open invitations to its address; and, in its audit events, the user id (replaced
    /// by a pseudonym), IP address, user agent and details. Returns the pseudonym.
    pub async fn erase(&self, user_id: &str, secrets: &SecretBox) -> Result<String> {
        let found = self.find(user_id).await?.ok_or(Error::NotFound("user"))?;
        let alias = pseudonym(secrets, user_id);
        let txn = crate::store::begin_write(self.db()).await?;
        // Revoke first, so that a node caching "live" answers sees the revocation marks.
        super::revoke::sign_out_everywhere(&txn, user_id, "deleted").await?;
        access_token::Entity::delete_many()
            .filter(access_token::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        if let Some(email) = &found.email {
            user_token::Entity::delete_many()
                .filter(user_token::Column::Email.eq(email))
                .exec(&txn)
                .await?;
            mail_outbox::Entity::delete_many()
                .filter(mail_outbox::Column::ToAddress.eq(email))
                .exec(&txn)
                .await?;
        }
        // Row by row, keeping what the audit chain needs to still verify these events.
        crate::audit::pseudonymise(&txn, user_id, &alias).await?;
        user::Entity::delete_by_id(user_id.to_owned())
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.changes.changed();
        Ok(alias)
    }
}
