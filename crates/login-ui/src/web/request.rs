//! What a request tells about its sender: IP address and user agent.

use actix_web::HttpRequest;
use actix_web::http::header;

/// The client's IP address: what the binary's trusted-proxy middleware determined
/// ([`domain::net::ClientIp`]), else the socket peer.
pub fn client_ip(req: &HttpRequest) -> Option<std::net::IpAddr> {
    use actix_web::HttpMessage as _;
    domain::net::ClientIp::or_peer(req.extensions().get(), req.peer_addr())
}

/// The client's IP address as text (for audit events and sessions).
pub(crate) fn client_ip_text(req: &HttpRequest) -> Option<String> {
    client_ip(req).map(|ip| ip.to_string())
}

/// The `User-Agent` header, cut to 512 characters.
pub(crate) fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(512).collect())
}
