//! Administering dynamic client registration: the initial access tokens (RFC 7591 3) that
//! admit registrations when `oauth.dynamic_registration = "token"`.

use std::time::Duration;

use serde_json::json;

use super::{Access, Actor, Admin, Area};
use crate::Result;
use crate::audit::AuditEvent;
use crate::clients::InitialToken;

impl Admin {
    /// A new initial access token living `ttl`, admitting `max_uses` registrations (none:
    /// any number until it expires). Returns it with the token (shown once).
    pub async fn create_initial_token(
        &self,
        actor: &Actor,
        ttl: Duration,
        max_uses: Option<u32>,
    ) -> Result<(InitialToken, String)> {
        actor.require(Area::Clients, Access::Write)?;
        let (view, token) = self
            .parts
            .registrations
            .create_initial_token(ttl, max_uses, actor.audit_id())
            .await?;
        self.audit(
            actor,
            AuditEvent::success("initial_token.created"),
            json!({ "id": view.id, "max_uses": max_uses, "expires_at": view.expires_at.unix_timestamp() }),
        )
        .await?;
        Ok((view, token))
    }

    /// Every initial access token, newest first.
    pub async fn list_initial_tokens(&self, actor: &Actor) -> Result<Vec<InitialToken>> {
        actor.require(Area::Clients, Access::Read)?;
        self.parts.registrations.list_initial_tokens().await
    }

    /// Revokes an initial access token; clients registered with it stay.
    pub async fn revoke_initial_token(&self, actor: &Actor, id: &str) -> Result<InitialToken> {
        actor.require(Area::Clients, Access::Write)?;
        let view = self.parts.registrations.revoke_initial_token(id).await?;
        self.audit(
            actor,
            AuditEvent::success("initial_token.revoked"),
            json!({ "id": id }),
        )
        .await?;
        Ok(view)
    }
}
