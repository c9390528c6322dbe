//! The client's address behind reverse proxies: `Forwarded`, `X-Forwarded-For` and
//! `X-Forwarded-Proto` are believed only when the socket peer is a trusted proxy
//! (`server.trusted_proxies`); the rightmost hop that is not a trusted proxy is the client.

use std::future::{Ready, ready};
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{HeaderMap, HeaderName};
use actix_web::{Error, HttpMessage as _};
use domain::net::{ClientIp, IpNet};

/// The scheme the client used, as a trusted proxy reported it (`Forwarded: proto=` or
/// `X-Forwarded-Proto`); absent when the peer is not a trusted proxy or said nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardedProto(pub &'static str);

/// Middleware that puts [`ClientIp`] (and [`ForwardedProto`] when known) into every
/// request's extensions.
#[derive(Debug, Clone, Default)]
pub struct ClientAddress {
    trusted: Arc<Vec<IpNet>>,
}

impl ClientAddress {
    /// Believes forwarding headers from peers in `trusted` only.
    pub fn new(trusted: Vec<IpNet>) -> Self {
        Self {
            trusted: Arc::new(trusted),
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for ClientAddress
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = ClientAddressMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ClientAddressMiddleware {
            service: Rc::new(service),
            trusted: self.trusted.clone(),
        }))
    }
}

/// The service [`ClientAddress`] wraps around the app.
#[derive(Debug)]
pub struct ClientAddressMiddleware<S> {
    service: Rc<S>,
    trusted: Arc<Vec<IpNet>>,
}

impl<S, B> Service<ServiceRequest> for ClientAddressMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = S::Future;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if let Some(peer) = req.peer_addr() {
            let (ip, proto) = resolve(peer, req.headers(), &self.trusted);
            req.extensions_mut().insert(ClientIp(ip));
            if let Some(proto) = proto {
                req.extensions_mut().insert(ForwardedProto(proto));
            }
        }
        self.service.call(req)
    }
}

/// The client's address and, when a trusted proxy said, its scheme.
fn resolve(
    peer: SocketAddr,
    headers: &HeaderMap,
    trusted: &[IpNet],
) -> (IpAddr, Option<&'static str>) {
    let peer = peer.ip().to_canonical();
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return (peer, None);
    }
    let forwarded = values(headers, &actix_web::http::header::FORWARDED);
    let (hops, protos): (Vec<Option<IpAddr>>, Vec<Option<&'static str>>) = if forwarded.is_empty() {
        let hops = values(headers, &HeaderName::from_static("x-forwarded-for"))
            .iter()
            .map(|v| node(v))
            .collect();
        let proto = values(headers, &HeaderName::from_static("x-forwarded-proto"))
            .last()
            .and_then(|v| scheme(v));
        return walk(peer, hops, &is_trusted, |_| proto);
    } else {
        forwarded
            .iter()
            .map(|element| forwarded_element(element))
            .unzip()
    };
    walk(peer, hops, &is_trusted, |i| i.and_then(|i| protos[i]))
}

/// Walks the hops right to left from the trusted peer; stops at the first address that is
/// not a trusted proxy (or that cannot be read: the proxy that named it is then the client).
fn walk(
    peer: IpAddr,
    hops: Vec<Option<IpAddr>>,
    is_trusted: &dyn Fn(IpAddr) -> bool,
    proto_of: impl Fn(Option<usize>) -> Option<&'static str>,
) -> (IpAddr, Option<&'static str>) {
    let mut client = peer;
    let mut adopted = None;
    for (i, hop) in hops.iter().enumerate().rev() {
        if !is_trusted(client) {
            break;
        }
        match hop {
            Some(ip) => {
                client = ip.to_canonical();
                adopted = Some(i);
            }
            None => break,
        }
    }
    (client, proto_of(adopted))
}

/// Every comma-separated value of every `name` header line, in order.
fn values(headers: &HeaderMap, name: &HeaderName) -> Vec<String> {
    headers
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .flat_map(split_outside_quotes)
        .collect()
}

fn split_outside_quotes(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    out.push(current);
    out.into_iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

/// `for=` and `proto=` of one `Forwarded` element (RFC 7239).
fn forwarded_element(element: &str) -> (Option<IpAddr>, Option<&'static str>) {
    let mut ip = None;
    let mut proto = None;
    for pair in element.split(';') {
        let Some((key, value)) = pair.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"');
        match key.trim().to_ascii_lowercase().as_str() {
            "for" => ip = node(value),
            "proto" => proto = scheme(value),
            _ => {}
        }
    }
    (ip, proto)
}

/// An address, optionally with a port (`192.0.2.1:80`, `[2001:db8::1]:443`); `unknown` and
/// obfuscated identifiers are `None`.
fn node(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    value
        .parse::<IpAddr>()
        .ok()
        .or_else(|| value.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

fn scheme(value: &str) -> Option<&'static str> {
    match value.trim().to_ascii_lowercase().as_str() {
        "https" => Some("https"),
        "http" => Some("http"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    const PROXY: &str = "10.0.0.5:40000";

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let h = headers(&[
            ("x-forwarded-for", "198.51.100.7"),
            ("forwarded", "for=198.51.100.8;proto=https"),
            ("x-forwarded-proto", "https"),
        ]);
        let peer = "203.0.113.9:5000".parse().unwrap();
        assert_eq!(
            resolve(peer, &h, &nets(&["10.0.0.0/8"])),
            (ip("203.0.113.9"), None)
        );
        assert_eq!(resolve(peer, &h, &[]), (ip("203.0.113.9"), None));
    }

    #[test]
    fn the_rightmost_untrusted_hop_wins() {
        let trusted = nets(&["10.0.0.0/8", "192.0.2.0/24"]);
        // The leftmost entries were written by the client itself: not believed.
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1, 198.51.100.7"),
            ("x-forwarded-for", "192.0.2.10"),
            ("x-forwarded-proto", "https"),
        ]);
        assert_eq!(
            resolve(PROXY.parse().unwrap(), &h, &trusted),
            (ip("198.51.100.7"), Some("https"))
        );
        // Only trusted hops: the leftmost is the client.
        let h = headers(&[("x-forwarded-for", "10.1.1.1, 192.0.2.10")]);
        assert_eq!(
            resolve(PROXY.parse().unwrap(), &h, &trusted).0,
            ip("10.1.1.1")
        );
        // A garbled hop stops the walk at the proxy that wrote it.
        let h = headers(&[("x-forwarded-for", "198.51.100.7, garbage, 192.0.2.10")]);
        assert_eq!(
            resolve(PROXY.parse().unwrap(), &h, &trusted).0,
            ip("192.0.2.10")
        );
        // No header: the proxy itself.
        assert_eq!(
            resolve(PROXY.parse().unwrap(), &HeaderMap::new(), &trusted).0,
            ip("10.0.0.5")
        );
    }

    #[test]
    fn forwarded_is_read_with_ports_quotes_and_ipv6() {
        let trusted = nets(&["10.0.0.0/8"]);
        let h = headers(&[
            (
                "forwarded",
                "for=1.1.1.1;proto=http, for=\"[2001:db8:cafe::17]:4711\";proto=https",
            ),
            ("forwarded", "for=10.2.2.2:8080;proto=http;by=10.0.0.5"),
            // Ignored when Forwarded is present.
            ("x-forwarded-for", "198.51.100.99"),
        ]);
        assert_eq!(
            resolve(PROXY.parse().unwrap(), &h, &trusted),
            (ip("2001:db8:cafe::17"), Some("https"))
        );
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(
            resolve(PROXY.parse().unwrap(), &h, &trusted),
            (ip("10.0.0.5"), None)
        );
        let h = headers(&[("x-forwarded-for", "[2001:db8::1]:443, 198.51.100.3:1234")]);
        assert_eq!(
            resolve(PROXY.parse().unwrap(), &h, &trusted).0,
            ip("198.51.100.3")
        );
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_ranges() {
        let h = headers(&[("x-forwarded-for", "198.51.100.7")]);
        let peer = "[::ffff:10.0.0.5]:40000".parse().unwrap();
        assert_eq!(
            resolve(peer, &h, &nets(&["10.0.0.0/8"])).0,
            ip("198.51.100.7")
        );
    }
}
