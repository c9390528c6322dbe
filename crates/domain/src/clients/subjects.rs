//! The `sub` a client sees (OIDC Core 8): the user's public subject, or for a client that
//! registered `subject_type: pairwise` a keyed hash of its sector and that subject, so that
//! clients of different sectors cannot link their users.

use url::Url;

use super::Client;
use crate::secrets::SecretBox;

/// The purpose under which pairwise subjects are keyed.
const PAIRWISE_PURPOSE: &str = "pairwise-subject";

impl Client {
    /// Whether the client gets pairwise subjects.
    pub fn is_pairwise(&self) -> bool {
        self.metadata.subject_type() == "pairwise"
    }

    /// The pairwise sector: the host of `sector_identifier_uri`, else of the redirect URIs
    /// (registration makes them share one host), else the client itself (a client without
    /// redirect URIs, such as a device).
    pub fn sector(&self) -> String {
        self.metadata
            .sector_identifier_uri
            .iter()
            .chain(self.redirect_uris.first())
            .find_map(|uri| host_of(uri))
            .unwrap_or_else(|| format!("client:{}", self.client_id))
    }

    /// The `sub` this client sees for the user whose public subject is `subject`.
    pub fn subject_for(&self, secrets: &SecretBox, subject: &str) -> String {
        if !self.is_pairwise() {
            return subject.to_owned();
        }
        secrets.keyed_hash(PAIRWISE_PURPOSE, &format!("{}\0{subject}", self.sector()))
    }
}

/// The host of an absolute URI (a custom-scheme redirect URI of a native app has one too,
/// or none, as `com.example.app:/cb`).
pub(crate) fn host_of(uri: &str) -> Option<String> {
    Url::parse(uri)
        .ok()?
        .host_str()
        .filter(|h| !h.is_empty())
        .map(str::to_ascii_lowercase)
}
