//! A mock upstream OpenID Connect provider for the federation tests, on its own loopback
//! port: discovery, JWKS, an authorization endpoint that approves at once (redirecting with
//! a code, or an error when told to), a token endpoint (client_secret_basic, PKCE S256
//! checked, codes single use) issuing ID tokens signed ES256 with josekit, and userinfo.
//! Each test sets the identity of the next sign-in and how the upstream misbehaves.
//!
//! Plain std sockets on threads of its own: it serves tests of any runtime.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use josekit::jws::{ES256, JwsHeader};
use josekit::jwt::JwtPayload;
use serde_json::{Value, json};
use sha2::Digest as _;

/// The client Gatehouse is at the mock.
pub const CLIENT_ID: &str = "gatehouse-at-mock";
/// Its secret.
pub const CLIENT_SECRET: &str = "mock-upstream-client-secret";

/// How the mock answers; tests change it between sign-ins.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// The claims of the next sign-in's ID token besides iss, aud, exp, iat and nonce
    /// (`sub`, `email`, `email_verified`, `name`, ...), and any other claim, nested ones too
    /// (`groups`, `realm_access: { roles }`, `amr`, `acr`); userinfo answers the same.
    pub identity: Value,
    /// Answer the authorization request with this error instead of a code.
    pub authorize_error: Option<String>,
    /// Put another nonce in the ID token.
    pub wrong_nonce: bool,
    /// Answer the token request with HTTP 503.
    pub token_down: bool,
    /// Sign the next ID token with a new key (published in the JWKS from now on).
    pub rotate_key: bool,
    /// Answer on a page of the mock that the person submits (instead of a redirect): the
    /// answer then arrives by a navigation another site started, as from a real upstream's
    /// consent page. `true`: a form POSTed to the redirect URI (`response_mode=form_post`).
    pub answer_by_form_post: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            identity: json!({ "sub": "mock-user" }),
            authorize_error: None,
            wrong_nonce: false,
            token_down: false,
            rotate_key: false,
            answer_by_form_post: false,
        }
    }
}

/// A token request as the mock received it.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The form fields.
    pub form: HashMap<String, String>,
}

#[derive(Debug, Clone)]
struct Issued {
    nonce: Option<String>,
    challenge: Option<String>,
    redirect_uri: String,
    claims: Value,
}

#[derive(Debug)]
struct Key {
    kid: String,
    private: josekit::jwk::Jwk,
    public: josekit::jwk::Jwk,
}

#[derive(Debug, Default)]
struct Inner {
    behaviour: Behaviour,
    keys: Vec<Key>,
    codes: HashMap<String, Issued>,
    access_tokens: HashMap<String, Value>,
    token_requests: Vec<TokenRequest>,
    authorize_queries: Vec<HashMap<String, String>>,
}

/// The mock provider.
#[derive(Debug, Clone)]
pub struct MockUpstream {
    /// `http://127.0.0.1:PORT`, its issuer.
    pub issuer: String,
    inner: Arc<Mutex<Inner>>,
}

fn new_key() -> Key {
    let pair = ES256.generate_key_pair().expect("EC key");
    let kid = format!("k{}", domain::random::token::<6>());
    let (mut private, mut public) = (pair.to_jwk_private_key(), pair.to_jwk_public_key());
    for jwk in [&mut private, &mut public] {
        jwk.set_key_id(&kid);
        jwk.set_algorithm("ES256");
        jwk.set_key_use("sig");
    }
    Key {
        kid,
        private,
        public,
    }
}

impl MockUpstream {
    /// Starts the mock on a free loopback port; it lives as long as the process.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the mock upstream");
        let issuer = format!("http://{}", listener.local_addr().expect("address"));
        let mock = Self {
            issuer,
            inner: Arc::new(Mutex::new(Inner {
                keys: vec![new_key()],
                ..Inner::default()
            })),
        };
        let serving = mock.clone();
        std::thread::Builder::new()
            .name("mock-upstream".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let mock = serving.clone();
                    let _ = std::thread::Builder::new()
                        .name("mock-upstream-conn".into())
                        .spawn(move || mock.serve(stream));
                }
            })
            .expect("mock upstream thread");
        mock
    }

    /// Changes how the mock answers.
    pub fn set(&self, change: impl FnOnce(&mut Behaviour)) {
        change(&mut self.inner.lock().expect("mock").behaviour);
    }

    /// The identity of the next sign-in (the `sub`, `email`, ... claims).
    pub fn sign_in_as(&self, identity: Value) {
        self.set(|b| b.identity = identity);
    }

    /// The token requests received so far.
    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.inner.lock().expect("mock").token_requests.clone()
    }

    /// The authorization requests received so far (their query parameters).
    pub fn authorize_queries(&self) -> Vec<HashMap<String, String>> {
        self.inner.lock().expect("mock").authorize_queries.clone()
    }

    fn serve(&self, stream: TcpStream) {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        let Ok(clone) = stream.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(clone);
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let mut headers = HashMap::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length.min(1 << 20)];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let answer = match (method.as_str(), path) {
            ("GET", "/.well-known/openid-configuration") => self.discovery(),
            ("GET", "/jwks") => self.jwks(),
            ("GET", "/authorize") => self.authorize(&parse(query)),
            ("POST", "/token") => self.token(&headers, &parse(&String::from_utf8_lossy(&body))),
            ("GET", "/userinfo") => self.userinfo(&headers),
            _ => response(404, "text/plain", "not found", &[]),
        };
        let mut stream = stream;
        let _ = stream.write_all(answer.as_bytes());
    }

    fn discovery(&self) -> String {
        let i = &self.issuer;
        let doc = json!({
            "issuer": i,
            "authorization_endpoint": format!("{i}/authorize"),
            "token_endpoint": format!("{i}/token"),
            "userinfo_endpoint": format!("{i}/userinfo"),
            "jwks_uri": format!("{i}/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile"],
        });
        json_response(200, &doc)
    }

    fn jwks(&self) -> String {
        let inner = self.inner.lock().expect("mock");
        let keys: Vec<Value> = inner
            .keys
            .iter()
            .map(|k| serde_json::to_value(k.public.as_ref()).expect("jwk json"))
            .collect();
        json_response(200, &json!({ "keys": keys }))
    }

    fn authorize(&self, q: &HashMap<String, String>) -> String {
        let mut inner = self.inner.lock().expect("mock");
        inner.authorize_queries.push(q.clone());
        let Some(redirect) = q.get("redirect_uri") else {
            return response(400, "text/plain", "no redirect_uri", &[]);
        };
        if q.get("client_id").map(String::as_str) != Some(CLIENT_ID)
            || q.get("response_type").map(String::as_str) != Some("code")
        {
            return response(400, "text/plain", "wrong client or response type", &[]);
        }
        let mut url = url::Url::parse(redirect).expect("redirect URI");
        let mut answer: Vec<(String, String)> = Vec::new();
        {
            let mut pairs = url.query_pairs_mut();
            let mut pairs = Pairs(&mut pairs, &mut answer);
            if let Some(error) = &inner.behaviour.authorize_error {
                pairs.append_pair("error", error);
                pairs.append_pair("error_description", "the mock was told to refuse");
            } else {
                let code = domain::random::token::<16>();
                let issued = Issued {
                    nonce: q.get("nonce").cloned(),
                    challenge: (q.get("code_challenge_method").map(String::as_str) == Some("S256"))
                        .then(|| q.get("code_challenge").cloned())
                        .flatten(),
                    redirect_uri: redirect.clone(),
                    claims: inner.behaviour.identity.clone(),
                };
                inner.codes.insert(code.clone(), issued);
                pairs.append_pair("code", &code);
            }
            if let Some(state) = q.get("state") {
                pairs.append_pair("state", state);
            }
            pairs.append_pair("iss", &self.issuer);
        }
        if inner.behaviour.answer_by_form_post {
            let fields: String = answer
                .iter()
                .map(|(n, v)| format!("<input type=\"hidden\" name=\"{n}\" value=\"{v}\">"))
                .collect();
            let page = format!(
                "<!doctype html><title>Mock upstream</title><form method=\"post\" action=\"{redirect}\">{fields}<button id=\"approve\" type=\"submit\">Approve</button></form>"
            );
            return response(200, "text/html; charset=utf-8", &page, &[]);
        }
        response(302, "text/plain", "", &[("Location", url.as_str())])
    }

    fn token(&self, headers: &HashMap<String, String>, form: &HashMap<String, String>) -> String {
        let mut inner = self.inner.lock().expect("mock");
        let authorization = headers.get("authorization").cloned();
        inner.token_requests.push(TokenRequest {
            authorization: authorization.clone(),
            form: form.clone(),
        });
        if inner.behaviour.token_down {
            return response(503, "text/plain", "down", &[]);
        }
        let expected = format!(
            "Basic {}",
            STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
        );
        if authorization.as_deref() != Some(expected.as_str()) {
            return json_response(401, &json!({ "error": "invalid_client" }));
        }
        let invalid_grant = || json_response(400, &json!({ "error": "invalid_grant" }));
        let Some(issued) = form.get("code").and_then(|c| inner.codes.remove(c)) else {
            return invalid_grant();
        };
        if form.get("redirect_uri") != Some(&issued.redirect_uri) {
            return invalid_grant();
        }
        let presented = form
            .get("code_verifier")
            .map(|v| URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(v.as_bytes())));
        if issued.challenge.is_none() || presented != issued.challenge {
            return invalid_grant();
        }
        if inner.behaviour.rotate_key {
            inner.behaviour.rotate_key = false;
            inner.keys.push(new_key());
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut claims = issued.claims.as_object().cloned().unwrap_or_default();
        claims.insert("iss".into(), json!(self.issuer));
        claims.insert("aud".into(), json!(CLIENT_ID));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + 300));
        let nonce = if inner.behaviour.wrong_nonce {
            Some("not-the-nonce-that-was-sent".to_owned())
        } else {
            issued.nonce
        };
        if let Some(n) = nonce {
            claims.insert("nonce".into(), json!(n));
        }
        let key = inner.keys.last().expect("a key");
        let mut header = JwsHeader::new();
        header.set_token_type("JWT");
        header.set_key_id(&key.kid);
        let signer = ES256.signer_from_jwk(&key.private).expect("signer");
        let payload = JwtPayload::from_map(claims.clone()).expect("payload");
        let id_token = josekit::jwt::encode_with_signer(&payload, &header, &signer).expect("sign");
        let access_token = domain::random::token::<16>();
        inner
            .access_tokens
            .insert(access_token.clone(), issued.claims.clone());
        json_response(
            200,
            &json!({
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }),
        )
    }

    fn userinfo(&self, headers: &HashMap<String, String>) -> String {
        let inner = self.inner.lock().expect("mock");
        let token = headers
            .get("authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .unwrap_or_default();
        match inner.access_tokens.get(token) {
            Some(claims) => json_response(200, claims),
            None => json_response(401, &json!({ "error": "invalid_token" })),
        }
    }
}

/// Appends each answer parameter to the redirect URI's query and keeps it for a form.
struct Pairs<'a, 'b>(
    &'a mut url::form_urlencoded::Serializer<'b, url::UrlQuery<'b>>,
    &'a mut Vec<(String, String)>,
);

impl Pairs<'_, '_> {
    fn append_pair(&mut self, name: &str, value: &str) {
        self.0.append_pair(name, value);
        self.1.push((name.to_owned(), value.to_owned()));
    }
}

fn json_response(status: u16, value: &Value) -> String {
    response(status, "application/json", &value.to_string(), &[])
}

fn response(status: u16, kind: &str, body: &str, headers: &[(&str, &str)]) -> String {
    let reason = match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Error",
    };
    let extra: String = headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}\r\n"))
        .collect();
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n{extra}Connection: close\r\n\r\n{body}",
        body.len()
    )
}

fn parse(encoded: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(encoded.as_bytes())
        .into_owned()
        .collect()
}

/// Follows a browser's way from `url` across Gatehouse and upstreams: redirects, and the
/// continue page Gatehouse shows after an upstream's answer (`<meta http-equiv="refresh">`).
/// Stops at a page, or at a URL `stop` says yes to (not requested), returned as
/// `Landing::Client` with its query parameters.
pub async fn walk(
    http: &reqwest::Client,
    url: &str,
    stop: impl Fn(&str) -> bool,
) -> crate::rp::Landing {
    let mut url = url.to_owned();
    for _ in 0..30 {
        if stop(&url) {
            let parsed = url::Url::parse(&url).expect("URL");
            let params = parsed.query_pairs().into_owned().collect();
            let mut bare = parsed;
            bare.set_query(None);
            return crate::rp::Landing::Client {
                url: bare.to_string(),
                params,
            };
        }
        let res = http.get(&url).send().await.expect("GET");
        let here = res.url().clone();
        if res.status().is_redirection() {
            let location = res.headers()["location"].to_str().expect("Location");
            url = here.join(location).expect("redirect URL").to_string();
            continue;
        }
        let status = res.status().as_u16();
        let body = res.text().await.unwrap_or_default();
        if let Some(next) = meta_refresh(&body) {
            url = here.join(&next).expect("refresh URL").to_string();
            continue;
        }
        return crate::rp::Landing::Page {
            status,
            url: here.to_string(),
            body,
        };
    }
    panic!("redirect loop from {url}");
}

/// The target of a page's `<meta http-equiv="refresh" content="0;url=...">`.
pub fn meta_refresh(body: &str) -> Option<String> {
    let marker = "http-equiv=\"refresh\" content=\"0;url=";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(crate::rp::unescape(&body[start..end]))
}
