//! Client addresses: the IP a request came from (the socket peer, or what a trusted reverse
//! proxy says), and the address ranges of trusted proxies.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// The client's IP address, as the HTTP layer determined it: the socket peer, or the
/// rightmost untrusted hop named by trusted proxies (`server.trusted_proxies`). The binary
/// puts it into each request's extensions; read it with [`ClientIp::or_peer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The address in `extension` if the HTTP layer set one, else the socket peer's.
    pub fn or_peer(extension: Option<&ClientIp>, peer: Option<SocketAddr>) -> Option<IpAddr> {
        extension
            .map(|c| c.0)
            .or_else(|| peer.map(|p| p.ip()))
            .map(|ip| ip.to_canonical())
    }
}

impl fmt::Display for ClientIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An address range in CIDR notation (`10.0.0.0/8`, `fd00::/8`); a bare address is a range
/// of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// Why a CIDR range did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an IP address or CIDR range (e.g. 10.0.0.0/8, fd00::/8, 192.0.2.7)")]
pub struct IpNetError(pub String);

impl IpNet {
    /// Whether `ip` is in the range (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_matches(&net.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_matches(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

fn prefix_matches(net: &[u8], ip: &[u8], prefix: u8) -> bool {
    let full = usize::from(prefix / 8);
    let rest = prefix % 8;
    if net[..full] != ip[..full] {
        return false;
    }
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    net[full] & mask == ip[full] & mask
}

impl FromStr for IpNet {
    type Err = IpNetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || IpNetError(s.to_owned());
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| err())?;
        let addr = addr.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().map_err(|_| err())?
            }
            Some(_) => return Err(err()),
            None => max,
        };
        if prefix > max {
            return Err(err());
        }
        Ok(Self { addr, prefix })
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_contain_their_addresses_only() {
        let net: IpNet = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.255.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(
            net.contains(ip("::ffff:10.1.0.9")),
            "IPv4-mapped counts as IPv4"
        );
        let odd: IpNet = "192.0.2.128/25".parse().unwrap();
        assert!(odd.contains(ip("192.0.2.200")) && !odd.contains(ip("192.0.2.127")));
        let one: IpNet = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let v6: IpNet = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert!(!v6.contains(ip("10.1.0.1")));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.5")));
    }

    #[test]
    fn bad_ranges_are_refused() {
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0/8",
            "fd00::/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "x",
        ] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_extension_wins_over_the_peer() {
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let client = ClientIp(ip("198.51.100.7"));
        assert_eq!(
            ClientIp::or_peer(Some(&client), Some(peer)),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(ClientIp::or_peer(None, Some(peer)), Some(ip("127.0.0.1")));
        assert_eq!(ClientIp::or_peer(None, None), None);
    }
}
