//! The HTTP client the `openidconnect` crate calls: reqwest 0.13, no redirects, short
//! timeouts and a cap on what an upstream may send back.

use std::time::Duration;

/// Largest response body accepted from an upstream (discovery, JWKS, token, userinfo).
const MAX_BODY: usize = 1024 * 1024;

/// Why an HTTP exchange with an upstream failed.
#[derive(Debug)]
pub struct HttpError(pub String);

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HttpError {}

/// The client, shared by every upstream.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
}

impl Http {
    /// A client that gives up after `timeout` per request.
    pub fn new(timeout: Duration) -> Result<Self, HttpError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .timeout(timeout)
            .user_agent(concat!("Gatehouse/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HttpError(e.to_string()))?;
        Ok(Self { client })
    }

    /// Sends `request` and reads the response (at most [`MAX_BODY`] bytes).
    pub async fn send(
        &self,
        request: openidconnect::HttpRequest,
    ) -> Result<openidconnect::HttpResponse, HttpError> {
        let (parts, body) = request.into_parts();
        let mut req = self
            .client
            .request(parts.method, parts.uri.to_string())
            .body(body);
        for (name, value) in &parts.headers {
            req = req.header(name, value);
        }
        let mut res = domain::telemetry::send(req)
            .await
            .map_err(|e| HttpError(format!("{}: {e}", parts.uri)))?;
        let mut builder = openidconnect::http::Response::builder().status(res.status());
        for (name, value) in res.headers() {
            builder = builder.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| HttpError(format!("{}: {e}", parts.uri)))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(HttpError(format!(
                    "{}: the response is larger than {MAX_BODY} bytes",
                    parts.uri
                )));
            }
            body.extend_from_slice(&chunk);
        }
        builder.body(body).map_err(|e| HttpError(e.to_string()))
    }
}

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<openidconnect::HttpResponse, HttpError>>
                + Send
                + 'c,
        >,
    >;

    fn call(&'c self, request: openidconnect::HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
