//! Signing in through other identity providers ("upstreams"): their configuration (the client
//! secret encrypted at rest), the links of local accounts to upstream identities (several per
//! account, each keyed on the upstream's issuer and subject, never on an email address), the
//! server-side state of a sign-in sent to an upstream (single use), and the rule that decides
//! which local account an upstream identity signs in.
//!
//! The protocol that talks to an upstream is the [`UpstreamProtocol`] trait, implemented by
//! the `federation` crate and given to the pages by the binary.

mod accounts;
mod flows;
mod links;
mod mappings;
mod presets;
mod protocol;
mod trust;
mod upstreams;

#[cfg(test)]
mod stage2_tests;
#[cfg(test)]
mod tests;

pub use accounts::{Arrival, ProofReason, Refusal, Resolution};
pub use flows::{Claim, ClaimedFlow, FlowStart, Flows, NewFlow};
pub use links::{Links, Unlinked, UpstreamLink};
pub use mappings::{
    Applied, Mapping, MappingTarget, Mappings, NewMapping, claim_at, claim_matches,
};
pub use presets::{Preset, PresetSettings, PresetSetup, TENANT_PLACEHOLDER};
pub use protocol::{
    BoxFuture, UpstreamAnswer, UpstreamClient, UpstreamError, UpstreamIdentity, UpstreamProtocol,
};
pub use trust::{Assurance, assurance, shows_second_factor};
pub use upstreams::{
    ChangedBy, Endpoints, FirstLogin, NewUpstream, Upstream, UpstreamChanges, Upstreams, check_url,
};

use std::time::Duration;

use crate::Store;
use crate::audit::AuditLog;
use crate::secrets::SecretBox;
use crate::users::Users;

/// The path every upstream sends its answer to (one for all: the `state` names the sign-in).
pub const CALLBACK_PATH: &str = "/login/upstream/callback";

/// The redirect URI to register at every upstream, for the issuer `issuer`.
pub fn redirect_uri(issuer: &str) -> String {
    format!("{}{CALLBACK_PATH}", issuer.trim_end_matches('/'))
}

/// The authentication method reference (RFC 8176) of a sign-in through an upstream.
pub const AMR_FEDERATED: &str = "fed";

/// The services of federation, together.
#[derive(Debug, Clone)]
pub struct Federation {
    /// Configured upstreams.
    pub upstreams: Upstreams,
    /// Links of local accounts to upstream identities, and the first-sign-in rule.
    pub links: Links,
    /// Sign-ins waiting for an upstream's answer.
    pub flows: Flows,
    /// Claim-to-role mapping rules.
    pub mappings: Mappings,
}

impl Federation {
    /// Builds the services; a sign-in sent to an upstream must come back within `flow_ttl`.
    pub fn new(
        store: &Store,
        secrets: SecretBox,
        audit: AuditLog,
        users: Users,
        flow_ttl: Duration,
    ) -> Self {
        Self {
            upstreams: Upstreams::new(store, secrets.clone(), audit.clone()),
            links: Links::new(store, users),
            flows: Flows::new(store, secrets, flow_ttl),
            mappings: Mappings::new(store, audit),
        }
    }
}
