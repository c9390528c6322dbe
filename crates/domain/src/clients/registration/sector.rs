//! The fetch of a `sector_identifier_uri` (OIDC Core 8.1): a JSON array of the redirect URIs
//! the client's sector covers, read under the SSRF guard of webhooks, at most 64 KiB within
//! five seconds.

use reqwest::header;

use crate::events::ssrf;
use crate::{Error, Result};

const FIELD: &str = "sector_identifier_uri";
/// The largest document read.
const MAX_BYTES: usize = 64 * 1024;

/// The URIs the document at `uri` lists.
pub(super) async fn fetch(
    http: &reqwest::Client,
    uri: &str,
    allow_private: bool,
) -> Result<Vec<String>> {
    let bad = |why: String| Error::invalid(FIELD, why);
    let url = ssrf::check_url(uri, allow_private).map_err(|e| match e {
        Error::Invalid { reason, .. } => bad(format!("cannot be fetched: {reason}")),
        other => other,
    })?;
    let mut res = http
        .get(url)
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| bad(format!("cannot be fetched: {}", error_chain(&e))))?;
    if !res.status().is_success() {
        return Err(bad(format!("answered HTTP {}", res.status().as_u16())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| bad(format!("cannot be read: {}", error_chain(&e))))?
    {
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(bad("is larger than 64 KiB".into()));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice::<Vec<String>>(&body)
        .map_err(|_| bad("must be a JSON array of redirect URIs".into()))
}

/// An error and its causes, in one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
