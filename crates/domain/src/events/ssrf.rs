//! The guard against webhooks aimed at internal services (SSRF): delivery URLs must be
//! https, and no delivery connects to a loopback, private, link-local, unique-local, CGNAT,
//! multicast or unspecified address. Names are checked on the addresses they resolve to
//! when the connection is made ([`GuardedResolver`]), so a name that resolved to a public
//! address at creation and to an internal one later (DNS rebinding) is refused too.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::LazyLock;

use crate::net::IpNet;
use crate::{Error, Result};

/// Ranges no webhook may reach unless private addresses are allowed.
static FORBIDDEN: LazyLock<Vec<IpNet>> = LazyLock::new(|| {
    [
        "0.0.0.0/8",      // "this network", unspecified
        "10.0.0.0/8",     // private
        "100.64.0.0/10",  // carrier-grade NAT
        "127.0.0.0/8",    // loopback
        "169.254.0.0/16", // link-local (cloud metadata services)
        "172.16.0.0/12",  // private
        "192.0.0.0/24",   // IETF protocol assignments
        "192.168.0.0/16", // private
        "198.18.0.0/15",  // benchmarking
        "224.0.0.0/4",    // multicast
        "240.0.0.0/4",    // reserved, broadcast
        "::/128",         // unspecified
        "::1/128",        // loopback
        "fc00::/7",       // unique-local
        "fe80::/10",      // link-local
        "fec0::/10",      // site-local (deprecated)
        "ff00::/8",       // multicast
    ]
    .iter()
    .filter_map(|net| net.parse().ok())
    .collect()
});

/// Whether a delivery may not connect to `ip` (IPv4-mapped and NAT64 addresses are judged by
/// the IPv4 address they carry).
pub fn is_forbidden(ip: IpAddr) -> bool {
    let ip = match ip.to_canonical() {
        IpAddr::V6(v6) if v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] => {
            let [.., a, b] = v6.segments();
            IpAddr::V4(Ipv4Addr::from((u32::from(a) << 16) | u32::from(b)))
        }
        other => other,
    };
    FORBIDDEN.iter().any(|net| net.contains(ip))
}

/// Checks a delivery URL: absolute, https (http only when private addresses are allowed),
/// no credentials, and not a literal forbidden address. Returns it normalised.
pub fn check_url(text: &str, allow_private: bool) -> Result<url::Url> {
    let url = url::Url::parse(text.trim())
        .map_err(|e| Error::invalid("url", format!("not an absolute URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => {
            return Err(Error::invalid(
                "url",
                "must be https (http only with webhooks.allow_private_addresses)",
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid("url", "must not carry credentials"));
    }
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(_)) => None,
        None => return Err(Error::invalid("url", "has no host")),
    };
    if let Some(ip) = literal
        && !allow_private
        && is_forbidden(ip)
    {
        return Err(Error::invalid(
            "url",
            format!("{ip} is a loopback, private, link-local or otherwise internal address"),
        ));
    }
    Ok(url)
}

/// The scheme, host and port of a delivery URL, for audit events, logs and mails: paths and
/// queries of webhook URLs often carry a token of the receiver.
pub fn origin(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| "(unparsable URL)".into())
}

/// Resolves names for the delivery client and drops every forbidden address; a name with
/// nothing else left fails to resolve. Resolution runs on Tokio's blocking pool.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    /// Let private addresses through (tests, development).
    pub allow_private: bool,
}

/// Why a name was refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0} resolves only to internal addresses, which outbound requests (webhooks, client URLs) may not reach"
)]
pub struct Refused(String);

impl GuardedResolver {
    /// The addresses `host` may be reached at.
    pub async fn resolve_host(&self, host: &str) -> std::io::Result<Vec<SocketAddr>> {
        let all: Vec<SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
        let allowed: Vec<SocketAddr> = all
            .into_iter()
            .filter(|a| self.allow_private || !is_forbidden(a.ip()))
            .collect();
        if allowed.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                Refused(host.to_owned()),
            ));
        }
        Ok(allowed)
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = *self;
        Box::pin(async move {
            let addrs = resolver.resolve_host(name.as_str()).await?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}
