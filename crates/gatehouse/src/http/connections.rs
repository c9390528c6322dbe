//! Slow and crowded clients: a deadline on reading a request body (actix's own timeout covers
//! the request head only), and a cap on the open connections of one IP address.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::{Ready, ready};
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{Error, HttpMessage as _, HttpResponse};
use domain::net::IpNet;
use futures_util::StreamExt as _;
use futures_util::future::LocalBoxFuture;

/// Middleware answering `408 Request Timeout` (and closing the connection) when a request's
/// body has not fully arrived within the timeout (`server.body_timeout_secs`).
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout {
    timeout: Duration,
}

impl BodyTimeout {
    /// A body must arrive within `timeout` of its request head.
    pub fn new(timeout: Duration) -> Self {
        Self { timeout }
    }
}

impl<S, B> Transform<S, ServiceRequest> for BodyTimeout
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = BodyTimeoutMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(BodyTimeoutMiddleware {
            service,
            timeout: self.timeout,
        }))
    }
}

/// The service [`BodyTimeout`] wraps around the app.
#[derive(Debug)]
pub struct BodyTimeoutMiddleware<S> {
    service: S,
    timeout: Duration,
}

impl<S, B> Service<ServiceRequest> for BodyTimeoutMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let timed_out = Rc::new(Cell::new(false));
        // The extractors read the body through this stream: past the deadline it fails,
        // and the answer becomes a 408 below, whatever the extractor made of the error.
        let flag = timed_out.clone();
        let body = futures_util::stream::unfold(
            Some((req.take_payload(), flag)),
            move |state| async move {
                let (mut payload, flag) = state?;
                match tokio::time::timeout_at(deadline, payload.next()).await {
                    Ok(Some(item)) => Some((item, Some((payload, flag)))),
                    Ok(None) => None,
                    Err(_) => {
                        flag.set(true);
                        let e = std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "the request body did not arrive in time",
                        );
                        Some((Err(PayloadError::Io(e)), None))
                    }
                }
            },
        );
        req.set_payload(Payload::Stream {
            payload: Box::pin(body),
        });
        let fut = self.service.call(req);
        Box::pin(async move {
            let res = fut.await?;
            if !timed_out.get() {
                return Ok(res.map_into_left_body());
            }
            let (req, _) = res.into_parts();
            let answer = HttpResponse::RequestTimeout()
                .insert_header((header::CONNECTION, "close"))
                .content_type("text/plain; charset=utf-8")
                .body("408 Request Timeout: the request body did not arrive in time.\n");
            Ok(ServiceResponse::new(req, answer).map_into_right_body())
        })
    }
}

/// Counts open connections per IP address; a connection over `server.max_connections_per_ip`
/// is shut at once. Trusted proxies are not counted (every client behind them shares their
/// address).
#[derive(Debug, Clone)]
pub struct ConnectionCap {
    max: usize,
    exempt: Arc<Vec<IpNet>>,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// Held in a connection's data while it is open; gives its slot back when dropped.
#[derive(Debug)]
struct Slot {
    ip: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock()
            && let Some(n) = open.get_mut(&self.ip)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

impl ConnectionCap {
    /// At most `max` connections per address (0: no cap), none counted for `exempt`.
    pub fn new(max: usize, exempt: Vec<IpNet>) -> Self {
        Self {
            max,
            exempt: Arc::new(exempt),
            open: Arc::default(),
        }
    }

    /// The `HttpServer::on_connect` callback.
    pub fn on_connect(&self, conn: &dyn std::any::Any, data: &mut actix_web::dev::Extensions) {
        let Some(stream) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() else {
            return;
        };
        let Ok(peer) = stream.peer_addr() else {
            return;
        };
        let ip = peer.ip().to_canonical();
        if self.max == 0 || self.exempt.iter().any(|net| net.contains(ip)) {
            return;
        }
        let count = {
            let Ok(mut open) = self.open.lock() else {
                return;
            };
            let n = open.entry(ip).or_insert(0);
            *n += 1;
            *n
        };
        data.insert(Slot {
            ip,
            open: self.open.clone(),
        });
        if count > self.max {
            tracing::warn!(%ip, max = self.max, "too many connections from one address; closing one");
            let _ = socket2::SockRef::from(stream).shutdown(std::net::Shutdown::Both);
        }
    }
}
