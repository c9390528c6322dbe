//! Approximate locations of IP addresses ("Lyon, France") for the session list, from a
//! MaxMind-format database file (GeoLite2-City or compatible) when one is configured.

use std::net::IpAddr;
use std::sync::Arc;

use maxminddb::{PathElement, Reader};

/// A loaded location database.
#[derive(Clone)]
pub struct GeoIp {
    reader: Arc<Reader<Vec<u8>>>,
}

impl std::fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoIp").finish_non_exhaustive()
    }
}

impl GeoIp {
    /// Reads the database file (call off the async executor: it is file I/O).
    pub fn open(path: &std::path::Path) -> Result<Self, String> {
        Reader::open_readfile(path)
            .map(|r| Self {
                reader: Arc::new(r),
            })
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// "City, Country" (or what of it is known) for `ip`, if the database knows it.
    pub fn locate(&self, ip: &str) -> Option<String> {
        let ip: IpAddr = ip.parse().ok()?;
        let found = self.reader.lookup(ip).ok()?;
        let text = |path: &[PathElement<'_>]| found.decode_path::<String>(path).ok().flatten();
        let city = text(&[
            PathElement::Key("city"),
            PathElement::Key("names"),
            PathElement::Key("en"),
        ]);
        let country = text(&[
            PathElement::Key("country"),
            PathElement::Key("names"),
            PathElement::Key("en"),
        ])
        .or_else(|| text(&[PathElement::Key("country"), PathElement::Key("iso_code")]));
        match (city, country) {
            (Some(c), Some(k)) => Some(format!("{c}, {k}")),
            (c, k) => c.or(k),
        }
    }
}
