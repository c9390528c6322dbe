//! A relying party and a browser for the protocol tests: the `openidconnect` crate as the
//! certified-style client, and a cookie-keeping HTTP client that fills in the hosted pages.

use std::collections::HashMap;

use openidconnect::core::{CoreClient, CoreProviderMetadata};
use openidconnect::{
    ClientId, ClientSecret, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, RedirectUrl,
};

use crate::TestServer;

/// The error of [`http_client`].
#[derive(Debug)]
pub struct HttpError(pub String);

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HttpError {}

/// The HTTP client the `openidconnect` crate calls (reqwest 0.13, no redirects).
pub async fn http_client(
    request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, HttpError> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| HttpError(e.to_string()))?;
    let (parts, body) = request.into_parts();
    let mut req = client
        .request(parts.method, parts.uri.to_string())
        .body(body);
    for (name, value) in &parts.headers {
        req = req.header(name, value);
    }
    let res = req.send().await.map_err(|e| HttpError(e.to_string()))?;
    let mut builder = http::Response::builder().status(res.status());
    for (name, value) in res.headers() {
        builder = builder.header(name, value);
    }
    let bytes = res.bytes().await.map_err(|e| HttpError(e.to_string()))?;
    builder
        .body(bytes.to_vec())
        .map_err(|e| HttpError(e.to_string()))
}

/// A client built from discovery, with the endpoints Gatehouse advertises.
pub type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Discovers the provider and builds a client for `client_id` / `secret`.
pub async fn discover(
    server: &TestServer,
    client_id: &str,
    secret: Option<&str>,
    redirect_uri: &str,
) -> (CoreProviderMetadata, Client) {
    let metadata = CoreProviderMetadata::discover_async(
        IssuerUrl::new(server.base.clone()).expect("issuer URL"),
        &http_client,
    )
    .await
    .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(client_id.to_owned()),
        secret.map(|s| ClientSecret::new(s.to_owned())),
    )
    .set_redirect_uri(RedirectUrl::new(redirect_uri.to_owned()).expect("redirect URI"));
    (metadata, client)
}

/// Where a navigation ended.
#[derive(Debug, Clone)]
pub enum Landing {
    /// A redirect (or form_post) to a URL outside the provider, with its parameters.
    Client {
        /// The URL without the parameters Gatehouse added.
        url: String,
        /// `code`, `state`, `iss`, `error`, ... from the query or the posted form.
        params: HashMap<String, String>,
    },
    /// A page of the provider.
    Page {
        /// Status code.
        status: u16,
        /// The page's URL.
        url: String,
        /// The HTML.
        body: String,
    },
}

impl Landing {
    /// The parameters sent to the client; panics on a page.
    pub fn params(&self) -> &HashMap<String, String> {
        match self {
            Landing::Client { params, .. } => params,
            Landing::Page { status, url, body } => {
                panic!("expected a response to the client, got page {status} {url}: {body}")
            }
        }
    }

    /// The page's HTML; panics on a client response.
    pub fn page(&self) -> (u16, &str, &str) {
        match self {
            Landing::Page { status, url, body } => (*status, url, body),
            Landing::Client { url, params } => {
                panic!("expected a page, went to {url} with {params:?}")
            }
        }
    }
}

/// A browser: keeps cookies, follows the provider's redirects, fills in its forms.
#[derive(Debug, Clone)]
pub struct Browser {
    /// The HTTP client with the cookie jar.
    pub http: reqwest::Client,
    base: String,
}

impl Browser {
    /// A new browser (empty cookie jar) for `server`.
    pub fn new(server: &TestServer) -> Self {
        Self {
            http: server.browser(),
            base: server.base.clone(),
        }
    }

    /// A new browser whose connections come from `ip` (any 127.0.0.0/8 address works on
    /// Linux), for tests of per-IP limits.
    pub fn from_ip(server: &TestServer, ip: std::net::IpAddr) -> Self {
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .local_address(ip)
                .build()
                .expect("http client"),
            base: server.base.clone(),
        }
    }

    /// A new browser that sends `user_agent`.
    pub fn with_user_agent(server: &TestServer, user_agent: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(user_agent)
                .build()
                .expect("http client"),
            base: server.base.clone(),
        }
    }

    /// A new browser that sends `headers` with every request (e.g. `X-Forwarded-For`, as a
    /// reverse proxy in front of the server would).
    pub fn with_headers(server: &TestServer, headers: &[(&'static str, &str)]) -> Self {
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, value.parse().expect("header value"));
        }
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .default_headers(map)
                .build()
                .expect("http client"),
            base: server.base.clone(),
        }
    }

    /// GETs `url` and follows redirects while they stay on the provider.
    pub async fn open(&self, url: &str) -> Landing {
        let res = self.http.get(url).send().await.expect("GET");
        self.follow(res).await
    }

    /// POSTs a form to `url` and follows redirects.
    pub async fn post(&self, url: &str, form: &[(&str, &str)]) -> Landing {
        let res = self.http.post(url).form(form).send().await.expect("POST");
        self.follow(res).await
    }

    async fn follow(&self, mut res: reqwest::Response) -> Landing {
        for _ in 0..20 {
            let url = res.url().to_string();
            if res.status().is_redirection() {
                let location = res
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .expect("redirect has a Location")
                    .to_owned();
                let next = url::Url::parse(&url).unwrap().join(&location).unwrap();
                if !next.as_str().starts_with(&self.base) {
                    return client_landing(&next);
                }
                res = self.http.get(next.as_str()).send().await.expect("follow");
                continue;
            }
            let status = res.status().as_u16();
            let body = res.text().await.unwrap_or_default();
            if let Some(landing) = form_post_landing(&body) {
                return landing;
            }
            return Landing::Page { status, url, body };
        }
        panic!("redirect loop");
    }

    /// Fills in the sign-in page shown in `landing` and submits it.
    pub async fn sign_in(&self, landing: &Landing, email: &str, password: &str) -> Landing {
        let (_, _, body) = landing.page();
        assert!(
            body.contains("action=\"/login\""),
            "not the sign-in page: {body}"
        );
        let csrf = hidden(body, "csrf").expect("csrf field");
        let request = hidden(body, "request").expect("request field");
        self.post(
            &format!("{}/login", self.base),
            &[
                ("csrf", &csrf),
                ("request", &request),
                ("email", email),
                ("password", password),
            ],
        )
        .await
    }

    /// Answers the consent page shown in `landing`.
    pub async fn consent(&self, landing: &Landing, allow: bool) -> Landing {
        let (_, _, body) = landing.page();
        assert!(
            body.contains("action=\"/consent\""),
            "not the consent page: {body}"
        );
        let csrf = hidden(body, "csrf").expect("csrf field");
        let request = hidden(body, "request").expect("request field");
        let decision = if allow { "allow" } else { "deny" };
        self.post(
            &format!("{}/consent", self.base),
            &[
                ("csrf", &csrf),
                ("request", &request),
                ("decision", decision),
            ],
        )
        .await
    }

    /// Opens an authorization URL and goes through sign-in (when asked) and consent (when
    /// asked, allowing) until the provider answers the client.
    pub async fn authorize(&self, url: &str, email: &str, password: &str) -> Landing {
        let landing = self.open(url).await;
        self.complete(landing, email, password).await
    }

    /// Goes on from `landing` through sign-in and consent (allowing) until the provider
    /// answers the client (or shows a page that is neither).
    pub async fn complete(&self, mut landing: Landing, email: &str, password: &str) -> Landing {
        for _ in 0..3 {
            let Landing::Page { body, .. } = &landing else {
                return landing;
            };
            landing = if body.contains("action=\"/login\"") {
                self.sign_in(&landing, email, password).await
            } else if body.contains("action=\"/consent\"") {
                self.consent(&landing, true).await
            } else {
                return landing;
            };
        }
        landing
    }
}

fn client_landing(url: &url::Url) -> Landing {
    let params = url.query_pairs().into_owned().collect();
    let mut bare = url.clone();
    bare.set_query(None);
    Landing::Client {
        url: bare.to_string(),
        params,
    }
}

/// A form_post page: `<form method="post" action="..." id="response">` with hidden inputs.
fn form_post_landing(body: &str) -> Option<Landing> {
    if !body.contains("id=\"response\"") {
        return None;
    }
    let action = attr_after(body, "<form method=\"post\" action=\"")?;
    let mut params = HashMap::new();
    let mut rest = body;
    while let Some(i) = rest.find("<input type=\"hidden\" name=\"") {
        rest = &rest[i + "<input type=\"hidden\" name=\"".len()..];
        let name_end = rest.find('"')?;
        let name = unescape(&rest[..name_end]);
        let value = attr_after(rest, "value=\"")?;
        params.insert(name, value);
    }
    Some(Landing::Client {
        url: action,
        params,
    })
}

/// The value of the hidden input `name` in a page.
pub fn hidden(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    attr_after(body, &marker)
}

fn attr_after(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    let end = text[start..].find('"')? + start;
    Some(unescape(&text[start..end]))
}

/// Undoes askama's HTML escaping.
pub fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}
