//! The scenarios: what one connection sends per step, and what it prepares first.

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};

use crate::Options;

/// Per-connection state.
pub struct Worker {
    http: reqwest::Client,
    access_token: String,
    refresh_token: String,
    /// Requests sent, to spread `decision` over the resources.
    sent: u64,
}

fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .build()?)
}

impl Worker {
    /// Sets the connection up (signs in once for the token scenarios).
    pub async fn prepare(o: &Options) -> anyhow::Result<Self> {
        let mut w = Worker {
            http: client()?,
            access_token: String::new(),
            refresh_token: String::new(),
            sent: 0,
        };
        if matches!(
            o.scenario.as_str(),
            "refresh" | "userinfo" | "introspection"
        ) {
            let tokens = sign_in(&w.http, o).await?;
            w.access_token = tokens["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            w.refresh_token = tokens["refresh_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
        Ok(w)
    }

    /// One request (or one whole sign-in).
    pub async fn step(&mut self, o: &Options) -> anyhow::Result<()> {
        let url = |p: &str| format!("{}{p}", o.base);
        let res = match o.scenario.as_str() {
            "discovery" => {
                self.http
                    .get(url("/.well-known/openid-configuration"))
                    .send()
                    .await?
            }
            "jwks" => self.http.get(url("/jwks")).send().await?,
            "client_credentials" => {
                self.http
                    .post(url("/token"))
                    .basic_auth(&o.client_id, Some(&o.client_secret))
                    .form(&[("grant_type", "client_credentials")])
                    .send()
                    .await?
            }
            "userinfo" => {
                self.http
                    .get(url("/userinfo"))
                    .bearer_auth(&self.access_token)
                    .send()
                    .await?
            }
            "decision" => {
                // Documents 0-999: the ACL gives the user a relation on each (bench/run.sh).
                self.sent = self.sent.wrapping_add(1);
                let id = (self.sent % 1000).to_string();
                self.http
                    .post(url("/access/v1/evaluation"))
                    .basic_auth(&o.client_id, Some(&o.client_secret))
                    .json(&serde_json::json!({
                        "subject": { "type": "user", "id": o.email },
                        "action": { "name": if self.sent.is_multiple_of(2) { "read" } else { "write" } },
                        "resource": { "type": "Document", "id": id,
                                      "properties": { "owner_domain": "localhost", "public": false, "classification": 1 } },
                    }))
                    .send()
                    .await?
            }
            "introspection" => {
                self.http
                    .post(url("/introspect"))
                    .basic_auth(&o.client_id, Some(&o.client_secret))
                    .form(&[("token", self.access_token.as_str())])
                    .send()
                    .await?
            }
            "refresh" => {
                let res = self
                    .http
                    .post(url("/token"))
                    .basic_auth(&o.client_id, Some(&o.client_secret))
                    .form(&[
                        ("grant_type", "refresh_token"),
                        ("refresh_token", self.refresh_token.as_str()),
                    ])
                    .send()
                    .await?;
                if !res.status().is_success() {
                    bail!("refresh failed: {}", res.status());
                }
                let body: serde_json::Value = res.json().await?;
                self.refresh_token = body["refresh_token"]
                    .as_str()
                    .context("no refresh token")?
                    .to_owned();
                return Ok(());
            }
            "signin" => {
                sign_in(&self.http, o).await?;
                return Ok(());
            }
            other => bail!("unknown scenario {other}"),
        };
        if !res.status().is_success() {
            bail!("status {}", res.status());
        }
        res.bytes().await?;
        Ok(())
    }
}

/// A whole browser sign-in: authorize → sign-in page → password → code → tokens.
/// The client is first-party, so no consent page. Each sign-in is a new browser (its own
/// cookies) on the worker's connection: building an HTTP client per sign-in would spend the
/// load generator's CPU reading the system's CA certificates, on the cores being measured.
pub async fn sign_in(http: &reqwest::Client, o: &Options) -> anyhow::Result<serde_json::Value> {
    let mut browser = Browser::default();
    let mut authorize = url::Url::parse(&format!("{}/authorize", o.base))?;
    authorize
        .query_pairs_mut()
        .append_pair("client_id", &o.client_id)
        .append_pair("redirect_uri", &o.redirect_uri)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile offline_access")
        .append_pair("state", "bench");
    let login = location(browser.send(http.get(authorize)).await?)?;
    let page = browser
        .send(http.get(format!("{}{login}", o.base)))
        .await?
        .text()
        .await?;
    let field = |name: &str| -> anyhow::Result<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = page.find(&marker).context("field missing")? + marker.len();
        let end = page[start..].find('"').context("field unterminated")? + start;
        Ok(page[start..end].to_owned())
    };
    let form = http.post(format!("{}/login", o.base)).form(&[
        ("csrf", field("csrf")?.as_str()),
        ("request", field("request")?.as_str()),
        ("email", o.email.as_str()),
        ("password", o.password.as_str()),
    ]);
    let resume = location(browser.send(form).await?)?;
    let redirect = location(
        browser
            .send(http.get(format!("{}{resume}", o.base)))
            .await?,
    )?;
    let code = url::Url::parse(&redirect)?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .context("no code")?;
    let res = http
        .post(format!("{}/token", o.base))
        .basic_auth(&o.client_id, Some(&o.client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", o.redirect_uri.as_str()),
        ])
        .send()
        .await?;
    if !res.status().is_success() {
        bail!("token request failed: {}", res.status());
    }
    Ok(res.json().await?)
}

/// One browser's cookies (all on one host and path here), sent with each request.
#[derive(Default)]
struct Browser {
    cookies: BTreeMap<String, String>,
}

impl Browser {
    async fn send(&mut self, req: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
        let header = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let req = if header.is_empty() {
            req
        } else {
            req.header("cookie", header)
        };
        let res = req.send().await?;
        for set in res.headers().get_all("set-cookie") {
            let pair = set.to_str()?.split(';').next().unwrap_or_default();
            match pair.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
                Some((name, "")) => {
                    self.cookies.remove(name);
                }
                Some((name, value)) => {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
                None => {}
            }
        }
        Ok(res)
    }
}

fn location(res: reqwest::Response) -> anyhow::Result<String> {
    if !res.status().is_redirection() {
        bail!("expected a redirect, got {}", res.status());
    }
    Ok(res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .context("no Location")?
        .to_owned())
}
