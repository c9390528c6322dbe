//! A mock of the preset providers' quirks for the federation tests, on its own loopback port:
//!
//! - Apple: discovery at `/`, an authorization endpoint that answers `response_mode=form_post`
//!   with a page whose form carries the `user` field (when told to), and a token endpoint that
//!   verifies the client secret: an ES256 JWT checked with the configured public key, `kid`,
//!   `iss` (team id), `sub` (client id), `aud` `https://appleid.apple.com`, `iat` and `exp`.
//! - Microsoft Entra: discovery at `/{tenant}/v2.0/` naming the issuer template
//!   `{base}/{tenantid}/v2.0`; the ID token's `iss` and `tid` are whatever the test says.
//! - GitHub (`/user`, `/user/emails`: 404 when told there is no access), Facebook (`/me`) and
//!   X (`/2/users/me`) profiles; a token endpoint that answers in form encoding unless asked
//!   for JSON (as GitHub does) and always requires PKCE S256.
//!
//! Plain std sockets on threads of its own, like [`crate::upstream::MockUpstream`].

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use josekit::jwk::Jwk;
use josekit::jws::{ES256, JwsHeader};
use josekit::jwt::JwtPayload;
use serde_json::{Value, json};
use sha2::Digest as _;

/// The client Gatehouse is at the mock.
pub const CLIENT_ID: &str = "gatehouse-at-preset-mock";
/// Its secret (every preset but Apple).
pub const CLIENT_SECRET: &str = "preset-mock-client-secret";

/// What the mock checks of Apple's client secret.
#[derive(Debug, Clone)]
pub struct AppleCheck {
    /// The team id (`iss`).
    pub team_id: String,
    /// The key id (`kid`).
    pub key_id: String,
    /// The public key the secret must verify with.
    pub public_key: Jwk,
}

/// How the mock answers; tests change it between sign-ins.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// OpenID Connect presets: the ID token's claims besides aud, exp, iat and nonce (`iss`
    /// defaults to the mock's base URL).
    pub id_claims: Value,
    /// OAuth 2.0 presets: the profile endpoint's answer.
    pub profile: Value,
    /// GitHub's `/user/emails`; `None`: 404, as without the `user:email` scope.
    pub emails: Option<Value>,
    /// Apple's `user` field, put in the form_post answer.
    pub apple_user: Option<String>,
    /// Verify the client secret as Apple does.
    pub apple: Option<AppleCheck>,
}

/// A token request as the mock received it.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The `Accept` header.
    pub accept: Option<String>,
    /// The form fields.
    pub form: HashMap<String, String>,
}

/// A request to a profile endpoint.
#[derive(Debug, Clone)]
pub struct ProfileRequest {
    /// The path.
    pub path: String,
    /// Its query parameters.
    pub query: HashMap<String, String>,
}

#[derive(Debug, Clone)]
struct Issued {
    nonce: Option<String>,
    challenge: Option<String>,
    redirect_uri: String,
    id_claims: Value,
}

#[derive(Debug, Default)]
struct Inner {
    behaviour: Behaviour,
    codes: HashMap<String, Issued>,
    access_tokens: Vec<String>,
    token_requests: Vec<TokenRequest>,
    authorize_queries: Vec<HashMap<String, String>>,
    profile_requests: Vec<ProfileRequest>,
}

/// The mock provider.
#[derive(Debug, Clone)]
pub struct PresetMock {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    inner: Arc<Mutex<Inner>>,
    kid: String,
    private: Jwk,
    public: Jwk,
}

impl PresetMock {
    /// Starts the mock on a free loopback port; it lives as long as the process.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the preset mock");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let pair = ES256.generate_key_pair().expect("EC key");
        let kid = format!("p{}", domain::random::token::<6>());
        let (mut private, mut public) = (pair.to_jwk_private_key(), pair.to_jwk_public_key());
        for jwk in [&mut private, &mut public] {
            jwk.set_key_id(&kid);
            jwk.set_algorithm("ES256");
            jwk.set_key_use("sig");
        }
        let mock = Self {
            base,
            inner: Arc::default(),
            kid,
            private,
            public,
        };
        let serving = mock.clone();
        std::thread::Builder::new()
            .name("preset-mock".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let mock = serving.clone();
                    let _ = std::thread::Builder::new()
                        .name("preset-mock-conn".into())
                        .spawn(move || mock.serve(stream));
                }
            })
            .expect("preset mock thread");
        mock
    }

    /// `url` under the mock.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Microsoft's issuer template at the mock.
    pub fn entra_issuer(&self) -> String {
        self.url("/{tenantid}/v2.0")
    }

    /// Changes how the mock answers.
    pub fn set(&self, change: impl FnOnce(&mut Behaviour)) {
        change(&mut self.inner.lock().expect("mock").behaviour);
    }

    /// The token requests received so far.
    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.inner.lock().expect("mock").token_requests.clone()
    }

    /// The authorization requests received so far (their query parameters).
    pub fn authorize_queries(&self) -> Vec<HashMap<String, String>> {
        self.inner.lock().expect("mock").authorize_queries.clone()
    }

    /// The profile requests received so far.
    pub fn profile_requests(&self) -> Vec<ProfileRequest> {
        self.inner.lock().expect("mock").profile_requests.clone()
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
            ("GET", "/.well-known/openid-configuration") => self.discovery(&self.base, false),
            ("GET", p) if p.ends_with("/v2.0/.well-known/openid-configuration") => {
                self.discovery(&self.entra_issuer(), true)
            }
            ("GET", "/jwks") => json_response(
                200,
                &json!({ "keys": [serde_json::to_value(self.public.as_ref()).expect("jwk")] }),
            ),
            ("GET", "/authorize") => self.authorize(&parse(query)),
            ("POST", "/token") => self.token(&headers, &parse(&String::from_utf8_lossy(&body))),
            ("GET", "/user" | "/user/emails" | "/me" | "/2/users/me") => {
                self.profile(path, &parse(query), &headers)
            }
            _ => response(404, "text/plain", "not found", &[]),
        };
        let mut stream = stream;
        let _ = stream.write_all(answer.as_bytes());
    }

    fn discovery(&self, issuer: &str, entra: bool) -> String {
        let b = &self.base;
        let auth_methods = if entra {
            json!(["client_secret_post", "client_secret_basic"])
        } else {
            json!(["client_secret_post"])
        };
        json_response(
            200,
            &json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{b}/authorize"),
                "token_endpoint": format!("{b}/token"),
                "jwks_uri": format!("{b}/jwks"),
                "response_types_supported": ["code"],
                "response_modes_supported": ["query", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["ES256"],
                "token_endpoint_auth_methods_supported": auth_methods,
                "scopes_supported": ["openid", "email", "name", "profile"],
            }),
        )
    }

    fn authorize(&self, q: &HashMap<String, String>) -> String {
        let mut inner = self.inner.lock().expect("mock");
        inner.authorize_queries.push(q.clone());
        let Some(redirect) = q.get("redirect_uri") else {
            return response(400, "text/plain", "no redirect_uri", &[]);
        };
        if q.get("client_id").map(String::as_str) != Some(CLIENT_ID)
            || q.get("response_type").map(String::as_str) != Some("code")
            || q.get("code_challenge_method").map(String::as_str) != Some("S256")
        {
            return response(
                400,
                "text/plain",
                "wrong client, response type or no PKCE",
                &[],
            );
        }
        let code = domain::random::token::<16>();
        let issued = Issued {
            nonce: q.get("nonce").cloned(),
            challenge: q.get("code_challenge").cloned(),
            redirect_uri: redirect.clone(),
            id_claims: inner.behaviour.id_claims.clone(),
        };
        inner.codes.insert(code.clone(), issued);
        let mut fields = vec![("code", code)];
        if let Some(state) = q.get("state") {
            fields.push(("state", state.clone()));
        }
        if q.get("response_mode").map(String::as_str) == Some("form_post") {
            if let Some(user) = &inner.behaviour.apple_user {
                fields.push(("user", user.clone()));
            }
            let inputs: String = fields
                .iter()
                .map(|(n, v)| {
                    format!(
                        "<input type=\"hidden\" name=\"{n}\" value=\"{}\">",
                        escape(v)
                    )
                })
                .collect();
            let page = format!(
                "<!doctype html><title>Mock Apple</title><form method=\"post\" action=\"{}\">{inputs}<button type=\"submit\">Continue</button></form>",
                escape(redirect)
            );
            return response(200, "text/html; charset=utf-8", &page, &[]);
        }
        let mut url = url::Url::parse(redirect).expect("redirect URI");
        url.query_pairs_mut().extend_pairs(fields.iter());
        response(302, "text/plain", "", &[("Location", url.as_str())])
    }

    /// Checks Apple's client secret; `Err` says why it is refused.
    fn check_apple_secret(check: &AppleCheck, secret: &str) -> Result<(), String> {
        let verifier = ES256
            .verifier_from_jwk(&check.public_key)
            .map_err(|e| e.to_string())?;
        let (payload, header) =
            josekit::jwt::decode_with_verifier(secret, &verifier).map_err(|e| e.to_string())?;
        if header.key_id() != Some(check.key_id.as_str()) {
            return Err(format!("kid {:?}", header.key_id()));
        }
        if payload.issuer() != Some(check.team_id.as_str()) {
            return Err(format!("iss {:?}", payload.issuer()));
        }
        if payload.subject() != Some(CLIENT_ID) {
            return Err(format!("sub {:?}", payload.subject()));
        }
        if payload.claim("aud") != Some(&json!("https://appleid.apple.com")) {
            return Err(format!("aud {:?}", payload.claim("aud")));
        }
        let now = std::time::SystemTime::now();
        let (Some(iat), Some(exp)) = (payload.issued_at(), payload.expires_at()) else {
            return Err("no iat or exp".into());
        };
        let skew = Duration::from_secs(60);
        if iat > now + skew || exp < now {
            return Err("not valid now".into());
        }
        if exp.duration_since(iat).unwrap_or_default() > Duration::from_secs(15_777_000) {
            return Err("valid for more than six months".into());
        }
        Ok(())
    }

    fn token(&self, headers: &HashMap<String, String>, form: &HashMap<String, String>) -> String {
        let mut inner = self.inner.lock().expect("mock");
        let authorization = headers.get("authorization").cloned();
        let accept = headers.get("accept").cloned();
        inner.token_requests.push(TokenRequest {
            authorization: authorization.clone(),
            accept: accept.clone(),
            form: form.clone(),
        });
        let client_ok = match &inner.behaviour.apple {
            Some(check) => {
                form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
                    && form
                        .get("client_secret")
                        .is_some_and(|s| Self::check_apple_secret(check, s).is_ok())
            }
            None => {
                let basic = format!(
                    "Basic {}",
                    STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
                );
                authorization.as_deref() == Some(basic.as_str())
                    || (form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
                        && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET))
            }
        };
        if !client_ok {
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
        let access_token = domain::random::token::<16>();
        inner.access_tokens.push(access_token.clone());
        let mut answer = json!({
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": 300,
        });
        if let Some(claims) = issued.id_claims.as_object() {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let mut claims = claims.clone();
            claims.entry("iss").or_insert_with(|| json!(self.base));
            claims.insert("aud".into(), json!(CLIENT_ID));
            claims.insert("iat".into(), json!(now));
            claims.insert("exp".into(), json!(now + 300));
            if let Some(n) = issued.nonce {
                claims.insert("nonce".into(), json!(n));
            }
            let mut header = JwsHeader::new();
            header.set_token_type("JWT");
            header.set_key_id(&self.kid);
            let signer = ES256.signer_from_jwk(&self.private).expect("signer");
            let payload = JwtPayload::from_map(claims).expect("payload");
            answer["id_token"] =
                json!(josekit::jwt::encode_with_signer(&payload, &header, &signer).expect("sign"));
        }
        // GitHub answers in form encoding unless the client asks for JSON.
        if !accept.is_some_and(|a| a.contains("application/json")) {
            let form = format!("access_token={access_token}&scope=&token_type=bearer");
            return response(200, "application/x-www-form-urlencoded", &form, &[]);
        }
        json_response(200, &answer)
    }

    fn profile(
        &self,
        path: &str,
        query: &HashMap<String, String>,
        headers: &HashMap<String, String>,
    ) -> String {
        let mut inner = self.inner.lock().expect("mock");
        inner.profile_requests.push(ProfileRequest {
            path: path.to_owned(),
            query: query.clone(),
        });
        let token = headers
            .get("authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !inner.access_tokens.iter().any(|t| t == token) {
            return json_response(401, &json!({ "message": "Bad credentials" }));
        }
        match path {
            "/user/emails" => match &inner.behaviour.emails {
                Some(list) => json_response(200, list),
                None => json_response(404, &json!({ "message": "Not Found" })),
            },
            _ => json_response(200, &inner.behaviour.profile),
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
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

/// The hidden fields and the action of the form on a form_post page.
pub fn form_post(page: &str) -> (String, Vec<(String, String)>) {
    let action = page
        .split("action=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(crate::rp::unescape)
        .expect("a form action");
    let fields = page
        .split("<input type=\"hidden\" name=\"")
        .skip(1)
        .filter_map(|rest| {
            let (name, rest) = rest.split_once('"')?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some((name.to_owned(), crate::rp::unescape(value)))
        })
        .collect();
    (action, fields)
}
