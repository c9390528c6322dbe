//! Upstream identity providers and their claim-to-role mapping rules (`gatehouse:admin`).
//! The federation services audit each change themselves, naming the acting administrator.

use serde::Serialize;

use super::{Access, Actor, Admin, Area, version_of};
use crate::Result;
use crate::federation::{Mapping, NewMapping, NewUpstream, Upstream, UpstreamChanges};

/// An upstream as administration shows it: never its client secret or private key (only
/// whether they are stored), with the redirect URI to register at it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UpstreamView {
    /// The upstream.
    #[serde(flatten)]
    pub upstream: Upstream,
    /// The redirect URI to register at the provider (one for every upstream).
    pub redirect_uri: String,
}

/// The version of an upstream for `ETag` and `If-Match`.
pub fn upstream_version(u: &Upstream) -> String {
    version_of(u.updated_at)
}

impl Admin {
    fn upstream_view(&self, upstream: Upstream) -> UpstreamView {
        UpstreamView {
            upstream,
            redirect_uri: crate::federation::redirect_uri(&self.parts.issuer),
        }
    }

    /// Every upstream, by name.
    pub async fn list_upstreams(&self, actor: &Actor) -> Result<Vec<UpstreamView>> {
        actor.require(Area::System, Access::Read)?;
        Ok(self
            .parts
            .upstreams
            .list()
            .await?
            .into_iter()
            .map(|u| self.upstream_view(u))
            .collect())
    }

    /// One upstream, by name.
    pub async fn upstream(&self, actor: &Actor, name: &str) -> Result<UpstreamView> {
        actor.require(Area::System, Access::Read)?;
        Ok(self.upstream_view(self.parts.upstreams.get(name).await?))
    }

    /// Adds an upstream: a generic OpenID Connect provider, or a preset with its settings.
    pub async fn create_upstream(&self, actor: &Actor, new: NewUpstream) -> Result<UpstreamView> {
        actor.require(Area::System, Access::Write)?;
        let made = self.parts.upstreams.create(new, actor).await?;
        Ok(self.upstream_view(made))
    }

    /// Changes the settings `changes` names; `expected` is the version of an `If-Match`.
    pub async fn update_upstream(
        &self,
        actor: &Actor,
        name: &str,
        changes: UpstreamChanges,
        expected: Option<&str>,
    ) -> Result<UpstreamView> {
        actor.require(Area::System, Access::Write)?;
        let updated = self
            .parts
            .upstreams
            .update_if(name, changes, actor.into(), expected)
            .await?;
        Ok(self.upstream_view(updated))
    }

    /// Deletes an upstream with its links (the accounts stay) and its mapping rules (the
    /// grants they made go first).
    pub async fn delete_upstream(&self, actor: &Actor, name: &str) -> Result<UpstreamView> {
        actor.require(Area::System, Access::Write)?;
        let up = self.parts.upstreams.get(name).await?;
        self.parts.mappings.remove_all(&up, actor).await?;
        let gone = self.parts.upstreams.delete(name, actor).await?;
        Ok(self.upstream_view(gone))
    }

    /// The mapping rules of an upstream, oldest first.
    pub async fn upstream_mappings(&self, actor: &Actor, name: &str) -> Result<Vec<Mapping>> {
        actor.require(Area::System, Access::Read)?;
        let up = self.parts.upstreams.get(name).await?;
        self.parts.mappings.list(&up).await
    }

    /// Adds a mapping rule to an upstream (applied at each sign-in through it).
    pub async fn add_upstream_mapping(
        &self,
        actor: &Actor,
        name: &str,
        new: NewMapping,
    ) -> Result<Mapping> {
        actor.require(Area::System, Access::Write)?;
        let up = self.parts.upstreams.get(name).await?;
        self.parts.mappings.add(&up, new, actor).await
    }

    /// Removes a mapping rule of an upstream, taking back the grants it made (unless another
    /// rule holds them too).
    pub async fn remove_upstream_mapping(
        &self,
        actor: &Actor,
        name: &str,
        id: &str,
    ) -> Result<Mapping> {
        actor.require(Area::System, Access::Write)?;
        let up = self.parts.upstreams.get(name).await?;
        self.parts.mappings.remove(&up, id, actor).await
    }
}
