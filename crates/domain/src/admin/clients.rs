//! Administering clients: register, edit every field without changing the `client_id`,
//! rotate the secret with a grace period, enable or disable, delete.

use std::time::Duration;

use sea_orm::{
    ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use serde::Deserialize;
use serde_json::json;

use super::views::version_of;
use super::{Access, Actor, Admin, Area, Page, PageRequest};
use crate::audit::AuditEvent;
use crate::clients::{Client, NewClient};
use crate::entities::client;
use crate::{Error, Result};

/// The longest grace period of an old secret.
pub const MAX_SECRET_GRACE: Duration = Duration::from_secs(30 * 86_400);

/// Changes to a client: a field left out stays as it is; a list given replaces the list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientPatch {
    /// Display name.
    pub name: Option<String>,
    /// A public client (no secret, PKCE); fixed at registration.
    pub public: Option<bool>,
    /// Exact redirect URIs.
    pub redirect_uris: Option<Vec<String>>,
    /// Exact post-logout redirect URIs.
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// Allowed grant types.
    pub grant_types: Option<Vec<String>>,
    /// Allowed response types.
    pub response_types: Option<Vec<String>>,
    /// Scopes it may request.
    pub scopes: Option<Vec<String>>,
    /// `client_secret_basic` or `client_secret_post` (confidential clients).
    pub token_endpoint_auth_method: Option<String>,
    /// `jwt` or `opaque`.
    pub access_token_format: Option<String>,
    /// ID token signing algorithm.
    pub id_token_signed_response_alg: Option<String>,
    /// Signed userinfo algorithm (`""`: plain JSON).
    pub userinfo_signed_response_alg: Option<String>,
    /// JWT access token signing algorithm.
    pub access_token_signing_alg: Option<String>,
    /// Consent may be skipped.
    pub first_party: Option<bool>,
    /// PKCE required (always for public clients).
    pub require_pkce: Option<bool>,
    /// A second factor required of users.
    pub require_mfa: Option<bool>,
    /// Home page (`""` clears).
    pub client_uri: Option<String>,
    /// Logo (`""` clears).
    pub logo_uri: Option<String>,
    /// Privacy policy (`""` clears).
    pub policy_uri: Option<String>,
    /// Terms of service (`""` clears).
    pub tos_uri: Option<String>,
    /// Back-channel logout endpoint (`""` clears).
    pub backchannel_logout_uri: Option<String>,
    /// Logout tokens must carry `sid`.
    pub backchannel_logout_session_required: Option<bool>,
    /// Front-channel logout page (`""` clears).
    pub frontchannel_logout_uri: Option<String>,
    /// The front-channel logout page gets `iss` and `sid`.
    pub frontchannel_logout_session_required: Option<bool>,
    /// Browser origins (CORS); `[]`: the default.
    pub allowed_origins: Option<Vec<String>>,
    /// Resource indicators it may ask for.
    pub resources: Option<Vec<String>>,
    /// Token exchange without an actor token.
    pub allow_impersonation: Option<bool>,
    /// Token kinds that carry role claims.
    pub role_claims: Option<Vec<String>>,
    /// Guest sign-ins allowed.
    pub allow_guests: Option<bool>,
    /// Only pushed authorization requests (RFC 9126) accepted.
    pub require_pushed_authorization_requests: Option<bool>,
    /// The client's public keys as a JWK Set (`{}` clears).
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<serde_json::Value>,
    /// Where the client publishes its public keys (`""` clears).
    pub jwks_uri: Option<String>,
    /// The one algorithm of its client assertions (`""`: any that fits the key).
    pub token_endpoint_auth_signing_alg: Option<String>,
    /// The one algorithm of its request objects (`""`: any signed one).
    pub request_object_signing_alg: Option<String>,
    /// Encrypt ID tokens with this key management algorithm (`""`: unencrypted).
    pub id_token_encrypted_response_alg: Option<String>,
    /// Their content encryption (`""`: A128CBC-HS256).
    pub id_token_encrypted_response_enc: Option<String>,
    /// Encrypt userinfo answers with this key management algorithm (`""`: unencrypted).
    pub userinfo_encrypted_response_alg: Option<String>,
    /// Their content encryption (`""`: A128CBC-HS256).
    pub userinfo_encrypted_response_enc: Option<String>,
    /// The algorithm of JARM responses (`""`: RS256).
    pub authorization_signed_response_alg: Option<String>,
    /// `fapi2`: held to the FAPI 2.0 Security Profile (`""`: none).
    pub profile: Option<String>,
    /// `public` or `pairwise` (`""`: public).
    pub subject_type: Option<String>,
    /// The pairwise sector's redirect URI list (`""` clears).
    pub sector_identifier_uri: Option<String>,
    /// Access tokens must be DPoP-bound (RFC 9449).
    pub dpop_bound_access_tokens: Option<bool>,
}

impl ClientPatch {
    /// The names of the fields it sets (for the audit event).
    pub fn fields(&self) -> Vec<&'static str> {
        let mut set = Vec::new();
        macro_rules! names {
            ($($f:ident),*) => {$( if self.$f.is_some() { set.push(stringify!($f)); } )*};
        }
        names!(
            name,
            public,
            redirect_uris,
            post_logout_redirect_uris,
            grant_types,
            response_types,
            scopes,
            token_endpoint_auth_method,
            access_token_format,
            id_token_signed_response_alg,
            userinfo_signed_response_alg,
            access_token_signing_alg,
            first_party,
            require_pkce,
            require_mfa,
            client_uri,
            logo_uri,
            policy_uri,
            tos_uri,
            backchannel_logout_uri,
            backchannel_logout_session_required,
            frontchannel_logout_uri,
            frontchannel_logout_session_required,
            allowed_origins,
            resources,
            allow_impersonation,
            role_claims,
            allow_guests,
            require_pushed_authorization_requests,
            jwks,
            jwks_uri,
            token_endpoint_auth_signing_alg,
            request_object_signing_alg,
            authorization_signed_response_alg,
            id_token_encrypted_response_alg,
            id_token_encrypted_response_enc,
            userinfo_encrypted_response_alg,
            userinfo_encrypted_response_enc,
            profile,
            subject_type,
            sector_identifier_uri,
            dpop_bound_access_tokens
        );
        set
    }

    /// `new` with the patch applied.
    pub fn apply(self, mut new: NewClient) -> NewClient {
        let clearable = |v: String| (!v.is_empty()).then_some(v);
        macro_rules! set {
            ($($f:ident),*) => {$( if let Some(v) = self.$f { new.$f = v; } )*};
        }
        macro_rules! set_some {
            ($($f:ident),*) => {$( if let Some(v) = self.$f { new.$f = Some(v); } )*};
        }
        macro_rules! set_clearable {
            ($($f:ident),*) => {$( if let Some(v) = self.$f { new.$f = clearable(v); } )*};
        }
        set!(
            name,
            public,
            redirect_uris,
            post_logout_redirect_uris,
            grant_types,
            response_types,
            scopes,
            first_party,
            require_pkce,
            require_mfa,
            allowed_origins,
            resources,
            allow_impersonation,
            allow_guests,
            backchannel_logout_session_required,
            frontchannel_logout_session_required,
            require_pushed_authorization_requests,
            dpop_bound_access_tokens
        );
        set_some!(
            token_endpoint_auth_method,
            access_token_format,
            id_token_signed_response_alg,
            access_token_signing_alg,
            role_claims
        );
        set_clearable!(
            userinfo_signed_response_alg,
            client_uri,
            logo_uri,
            policy_uri,
            tos_uri,
            backchannel_logout_uri,
            frontchannel_logout_uri
        );
        let meta = &mut new.metadata;
        if let Some(v) = self.jwks {
            meta.jwks = v.as_object().is_none_or(|o| !o.is_empty()).then_some(v);
        }
        macro_rules! set_meta {
            ($($f:ident),*) => {$( if let Some(v) = self.$f { meta.$f = clearable(v); } )*};
        }
        set_meta!(
            jwks_uri,
            token_endpoint_auth_signing_alg,
            request_object_signing_alg,
            authorization_signed_response_alg,
            id_token_encrypted_response_alg,
            id_token_encrypted_response_enc,
            userinfo_encrypted_response_alg,
            userinfo_encrypted_response_enc,
            profile,
            subject_type,
            sector_identifier_uri
        );
        new
    }
}

impl Admin {
    /// Clients in id order, one page at a time.
    pub async fn list_clients(&self, actor: &Actor, page: &PageRequest) -> Result<Page<Client>> {
        actor.require(Area::Clients, Access::Read)?;
        let limit = page.limit()?;
        let mut query = client::Entity::find().order_by_asc(client::Column::Id);
        if let Some(after) = page.after()? {
            query = query.filter(client::Column::Id.gt(after));
        }
        let rows = query.limit(limit + 1).all(&self.db).await?;
        let page = Page::from_rows(rows, limit, |c| c.id.clone(), |c| c);
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(Client::try_from)
                .collect::<Result<_>>()?,
            next_cursor: page.next_cursor,
        })
    }

    /// One client, enabled or not.
    pub async fn client(&self, actor: &Actor, client_id: &str) -> Result<Client> {
        actor.require(Area::Clients, Access::Read)?;
        self.parts.clients.get_any(client_id).await
    }

    /// Registers a client; returns it with its secret (shown once).
    pub async fn create_client(
        &self,
        actor: &Actor,
        new: NewClient,
    ) -> Result<(Client, Option<String>)> {
        actor.require(Area::Clients, Access::Write)?;
        let (client, secret) = self.parts.clients.create(new).await?;
        self.audit(
            actor,
            AuditEvent::success("client.created").client(&client.client_id),
            json!({ "public": client.public }),
        )
        .await?;
        Ok((client, secret))
    }

    /// Changes the fields `patch` sets, checked like a registration; the `client_id` and
    /// secret stay. `expected` is the version of an `If-Match`.
    pub async fn update_client(
        &self,
        actor: &Actor,
        client_id: &str,
        patch: ClientPatch,
        expected: Option<&str>,
    ) -> Result<Client> {
        actor.require(Area::Clients, Access::Write)?;
        let found = self.parts.clients.get_any(client_id).await?;
        super::users::check_version(found.updated_at, expected, "client")?;
        let fields = patch.fields();
        if fields.is_empty() {
            return Err(Error::invalid("client", "the change names no field"));
        }
        let new = patch.apply(found.to_new());
        let updated = self
            .parts
            .clients
            .update(client_id, new, Some(found.updated_at))
            .await?;
        self.audit(
            actor,
            AuditEvent::success("client.updated").client(client_id),
            json!({ "fields": fields }),
        )
        .await?;
        Ok(updated)
    }

    /// A new secret; the old one keeps working for `grace` (at most 30 days).
    pub async fn rotate_client_secret(
        &self,
        actor: &Actor,
        client_id: &str,
        grace: Duration,
        expected: Option<&str>,
    ) -> Result<(Client, String)> {
        actor.require(Area::Clients, Access::Write)?;
        if grace > MAX_SECRET_GRACE {
            return Err(Error::invalid("grace", "must be at most 30 days"));
        }
        let found = self.parts.clients.get_any(client_id).await?;
        super::users::check_version(found.updated_at, expected, "client")?;
        let rotated = self
            .parts
            .clients
            .rotate_secret(client_id, grace, Some(found.updated_at))
            .await?;
        self.audit(
            actor,
            AuditEvent::success("client.secret_rotated").client(client_id),
            json!({ "grace_secs": grace.as_secs() }),
        )
        .await?;
        Ok(rotated)
    }

    /// Enables or disables a client.
    pub async fn set_client_enabled(
        &self,
        actor: &Actor,
        client_id: &str,
        enabled: bool,
        expected: Option<&str>,
    ) -> Result<Client> {
        actor.require(Area::Clients, Access::Write)?;
        let found = self.parts.clients.get_any(client_id).await?;
        super::users::check_version(found.updated_at, expected, "client")?;
        let updated = self
            .parts
            .clients
            .set_enabled(client_id, enabled, Some(found.updated_at))
            .await?;
        let kind = if enabled {
            "client.enabled"
        } else {
            "client.disabled"
        };
        self.audit(
            actor,
            AuditEvent::success(kind).client(client_id),
            json!({}),
        )
        .await?;
        Ok(updated)
    }

    /// Deletes a client and, by cascade, its codes, tokens and consents.
    pub async fn delete_client(&self, actor: &Actor, client_id: &str) -> Result<()> {
        actor.require(Area::Clients, Access::Write)?;
        self.parts.clients.delete(client_id).await?;
        self.audit(
            actor,
            AuditEvent::success("client.deleted").client(client_id),
            json!({}),
        )
        .await
    }
}

/// The version of a client for `ETag`.
pub fn client_version(c: &Client) -> String {
    version_of(c.updated_at)
}
