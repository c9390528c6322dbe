//! "Download my data": everything stored about a user, as one JSON document, without a
//! secret (no password hash, no token, no key material).

use sea_orm::{ColumnTrait as _, Condition, EntityTrait as _, QueryFilter as _, QueryOrder as _};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Users;
use crate::entities::{
    audit_event, browser_session, client, consent, credential, refresh_token_family, role,
    upstream, upstream_link, user_role,
};
use crate::{Error, Result};

fn at(t: OffsetDateTime) -> Value {
    t.format(&Rfc3339).map_or(Value::Null, Value::String)
}

fn at_opt(t: Option<OffsetDateTime>) -> Value {
    t.map_or(Value::Null, at)
}

impl Users {
    /// The export of everything stored about `user_id`.
    pub async fn export(&self, user_id: &str) -> Result<Value> {
        let db = self.db();
        let u = self.find(user_id).await?.ok_or(Error::NotFound("user"))?;
        let role_ids: Vec<String> = user_role::Entity::find()
            .filter(user_role::Column::UserId.eq(user_id))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.role_id)
            .collect();
        let roles: Vec<String> = role::Entity::find()
            .filter(role::Column::Id.is_in(role_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.name)
            .collect();
        let credentials: Vec<Value> = credential::Entity::find()
            .filter(credential::Column::UserId.eq(user_id))
            .all(db)
            .await?
            .into_iter()
            // The kind, name and dates only: `secret` and `data` hold key material.
            .map(|c| {
                json!({
                    "kind": c.kind,
                    "name": c.name,
                    "created_at": at(c.created_at),
                    "last_used_at": at_opt(c.last_used_at),
                })
            })
            .collect();
        let sessions: Vec<Value> = browser_session::Entity::find()
            .filter(browser_session::Column::UserId.eq(user_id))
            .order_by_desc(browser_session::Column::CreatedAt)
            .all(db)
            .await?
            .into_iter()
            .map(|s| {
                json!({
                    "id": s.id,
                    "signed_in_at": at(s.auth_time),
                    "methods": s.amr,
                    "ip": s.ip,
                    "user_agent": s.user_agent,
                    "created_at": at(s.created_at),
                    "last_seen_at": at(s.last_seen_at),
                    "expires_at": at(s.expires_at),
                    "ended_at": at_opt(s.revoked_at),
                })
            })
            .collect();
        let client_names = |id: &str, clients: &[client::Model]| {
            clients.iter().find(|c| c.id == id).map(|c| c.name.clone())
        };
        let clients = client::Entity::find().all(db).await?;
        let consents: Vec<Value> = consent::Entity::find()
            .filter(consent::Column::UserId.eq(user_id))
            .all(db)
            .await?
            .into_iter()
            .map(|c| {
                json!({
                    "client_id": c.client_id,
                    "client_name": client_names(&c.client_id, &clients),
                    "scopes": c.scopes,
                    "granted_at": at(c.created_at),
                    "updated_at": at(c.updated_at),
                    "revoked_at": at_opt(c.revoked_at),
                })
            })
            .collect();
        let grants: Vec<Value> = refresh_token_family::Entity::find()
            .filter(refresh_token_family::Column::UserId.eq(user_id))
            .order_by_desc(refresh_token_family::Column::CreatedAt)
            .all(db)
            .await?
            .into_iter()
            .map(|g| {
                json!({
                    "client_id": g.client_id,
                    "scope": g.scope,
                    "created_at": at(g.created_at),
                    "expires_at": at(g.expires_at),
                    "revoked_at": at_opt(g.revoked_at),
                    "revoked_reason": g.revoked_reason,
                })
            })
            .collect();
        let upstreams = upstream::Entity::find().all(db).await?;
        let linked: Vec<Value> = upstream_link::Entity::find()
            .filter(upstream_link::Column::UserId.eq(user_id))
            .order_by_asc(upstream_link::Column::CreatedAt)
            .all(db)
            .await?
            .into_iter()
            .map(|l| {
                let provider = upstreams.iter().find(|u| u.id == l.upstream_id);
                json!({
                    "provider": provider.map(|u| u.display_name.clone()),
                    "issuer": l.issuer,
                    "subject": l.subject,
                    "email": l.email,
                    "linked_at": at(l.created_at),
                    "last_used_at": at_opt(l.last_used_at),
                })
            })
            .collect();
        let events: Vec<Value> = audit_event::Entity::find()
            .filter(
                Condition::any()
                    .add(audit_event::Column::SubjectUserId.eq(user_id))
                    .add(audit_event::Column::ActorUserId.eq(user_id)),
            )
            .order_by_asc(audit_event::Column::OccurredAt)
            .all(db)
            .await?
            .into_iter()
            .map(|e| {
                json!({
                    "occurred_at": at(e.occurred_at),
                    "kind": e.kind,
                    "outcome": e.outcome,
                    "reason": e.reason,
                    "client_id": e.client_id,
                    "ip": e.ip,
                    "user_agent": e.user_agent,
                })
            })
            .collect();
        Ok(json!({
            "exported_at": at(crate::now()),
            "account": {
                "id": u.id,
                "subject": u.subject,
                "email": u.email,
                "email_verified": u.email_verified,
                "status": u.status,
                "created_at": at(u.created_at),
                "updated_at": at(u.updated_at),
            },
            "profile": {
                "name": u.display_name,
                "given_name": u.given_name,
                "family_name": u.family_name,
                "middle_name": u.middle_name,
                "nickname": u.nickname,
                "preferred_username": u.preferred_username,
                "picture": u.picture,
                "website": u.website,
                "gender": u.gender,
                "birthdate": u.birthdate,
                "locale": u.locale,
                "zoneinfo": u.zoneinfo,
                "phone_number": u.phone_number,
                "phone_number_verified": u.phone_number_verified,
                "address": u.address,
            },
            "roles": roles,
            "sign_in_methods": credentials,
            "linked_accounts": linked,
            "sessions": sessions,
            "connected_apps": consents,
            "grants": grants,
            "audit_events": events,
        }))
    }
}
