//! Error answers that would go out empty (404 for an unknown path, 405, extractor errors)
//! get a short text body; the security headers around this middleware apply to them.
//! (The 400 and 431 that actix's HTTP/1 codec sends for an unreadable request head never
//! reach any service: see `docs/operations.md`.)

use std::future::{Ready, ready};

use actix_web::Error;
use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::{Method, header};
use futures_util::future::LocalBoxFuture;

/// The middleware; wrap it just inside the security headers.
#[derive(Debug, Clone, Copy, Default)]
pub struct ErrorBodies;

impl<S, B> Transform<S, ServiceRequest> for ErrorBodies
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = ErrorBodiesMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ErrorBodiesMiddleware { service }))
    }
}

/// The service [`ErrorBodies`] wraps around the app.
#[derive(Debug)]
pub struct ErrorBodiesMiddleware<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for ErrorBodiesMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let head = req.method() == Method::HEAD;
        let fut = self.service.call(req);
        Box::pin(async move {
            let res = fut.await?;
            let empty = matches!(
                res.response().body().size(),
                BodySize::None | BodySize::Sized(0)
            );
            if head || !empty || res.status().as_u16() < 400 {
                return Ok(res.map_into_left_body());
            }
            let status = res.status();
            Ok(res.map_body(|response, _| {
                response.headers.insert(
                    header::CONTENT_TYPE,
                    header::HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                let text = format!(
                    "{} {}\n",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("Error")
                );
                EitherBody::right(BoxBody::new(text))
            }))
        })
    }
}
