//! Erasing a person from the audit log without breaking its hash chain.

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, Set,
};

use super::chain;
use crate::Result;
use crate::entities::audit_event::{self, Column};

/// Replaces `user_id` by `alias` wherever it is the actor or the subject of an event, and
/// clears those events' IP address, user agent and details. A chained row first keeps the
/// digest of its personal fields as written ([`chain`]), so the chain still verifies the
/// rest of the row.
pub(crate) async fn pseudonymise(
    db: &impl ConnectionTrait,
    user_id: &str,
    alias: &str,
) -> Result<()> {
    let rows = audit_event::Entity::find()
        .filter(
            Condition::any()
                .add(Column::SubjectUserId.eq(user_id))
                .add(Column::ActorUserId.eq(user_id)),
        )
        .all(db)
        .await?;
    for row in rows {
        let digest = match (&row.personal_digest, &row.hash) {
            (Some(kept), _) => Some(kept.clone()),
            (None, Some(_)) => Some(chain::personal_digest(&row)),
            (None, None) => None,
        };
        let rename = |v: &Option<String>| {
            if v.as_deref() == Some(user_id) {
                Some(alias.to_owned())
            } else {
                v.clone()
            }
        };
        let (actor, subject) = (rename(&row.actor_user_id), rename(&row.subject_user_id));
        let mut active = row.into_active_model();
        active.actor_user_id = Set(actor);
        active.subject_user_id = Set(subject);
        active.ip = Set(None);
        active.user_agent = Set(None);
        active.data = Set(None);
        active.personal_digest = Set(digest);
        active.update(db).await?;
    }
    Ok(())
}
