//! The CAPTCHA on registration, password reset, and sign-in after repeated failures: the
//! built-in proof of work, or server-side verification with hCaptcha, Cloudflare Turnstile
//! or reCAPTCHA, by configuration.

use std::time::Duration;

use domain::captcha::ProofOfWork;
use serde::Deserialize;

/// A third-party CAPTCHA service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// hCaptcha.
    HCaptcha,
    /// Cloudflare Turnstile.
    Turnstile,
    /// Google reCAPTCHA (v2 checkbox).
    ReCaptcha,
}

impl Provider {
    /// The service's verification endpoint.
    pub fn default_verify_url(self) -> &'static str {
        match self {
            Provider::HCaptcha => "https://api.hcaptcha.com/siteverify",
            Provider::Turnstile => "https://challenges.cloudflare.com/turnstile/v0/siteverify",
            Provider::ReCaptcha => "https://www.google.com/recaptcha/api/siteverify",
        }
    }

    fn script(self) -> &'static str {
        match self {
            Provider::HCaptcha => "https://js.hcaptcha.com/1/api.js",
            Provider::Turnstile => "https://challenges.cloudflare.com/turnstile/v0/api.js",
            Provider::ReCaptcha => "https://www.google.com/recaptcha/api.js",
        }
    }

    /// The origins its widget loads scripts, frames and requests from.
    fn origins(self) -> &'static str {
        match self {
            Provider::HCaptcha => "https://hcaptcha.com https://*.hcaptcha.com",
            Provider::Turnstile => "https://challenges.cloudflare.com",
            Provider::ReCaptcha => "https://www.google.com https://www.gstatic.com",
        }
    }

    fn class(self) -> &'static str {
        match self {
            Provider::HCaptcha => "h-captcha",
            Provider::Turnstile => "cf-turnstile",
            Provider::ReCaptcha => "g-recaptcha",
        }
    }
}

/// A third-party CAPTCHA with its keys.
#[derive(Debug, Clone)]
pub struct RemoteCaptcha {
    /// Which service.
    pub provider: Provider,
    /// The public site key for the widget.
    pub site_key: String,
    /// The secret key for verification.
    pub secret: String,
    /// The verification endpoint (the service's own unless overridden).
    pub verify_url: String,
    /// The HTTP client.
    pub http: reqwest::Client,
}

/// The configured CAPTCHA.
#[derive(Debug, Clone)]
pub enum Captcha {
    /// None: forms are sent without a challenge.
    Off,
    /// The built-in proof of work.
    ProofOfWork(Box<ProofOfWork>),
    /// A third-party service.
    Remote(RemoteCaptcha),
}

/// What a page template needs to show the widget.
#[derive(Debug, Clone)]
pub struct Widget {
    /// True for the proof of work, false for a third-party widget.
    pub pow: bool,
    /// The proof-of-work challenge.
    pub challenge: String,
    /// The third-party widget's site key.
    pub site_key: String,
    /// The third-party widget's script.
    pub script: &'static str,
    /// The third-party widget's element class.
    pub class: &'static str,
}

/// The CAPTCHA fields a form may carry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CaptchaFields {
    /// The proof-of-work challenge.
    #[serde(default)]
    pub pow_challenge: String,
    /// The proof-of-work solution.
    #[serde(default)]
    pub pow_solution: String,
    /// hCaptcha's token.
    #[serde(default, rename = "h-captcha-response")]
    pub hcaptcha: String,
    /// Turnstile's token.
    #[serde(default, rename = "cf-turnstile-response")]
    pub turnstile: String,
    /// reCAPTCHA's token.
    #[serde(default, rename = "g-recaptcha-response")]
    pub recaptcha: String,
}

/// Why a CAPTCHA could not be checked (as opposed to being wrong).
#[derive(Debug, thiserror::Error)]
pub enum CaptchaError {
    /// The cache behind single use failed.
    #[error("cannot record a used challenge: {0}")]
    Cache(#[from] domain::Error),
    /// The service did not answer usably.
    #[error("cannot reach the CAPTCHA service: {0}")]
    Remote(String),
}

#[derive(Debug, Deserialize)]
struct SiteVerify {
    success: bool,
}

impl Captcha {
    /// Whether any CAPTCHA is configured.
    pub fn is_on(&self) -> bool {
        !matches!(self, Captcha::Off)
    }

    /// The widget for a form (a fresh challenge for the proof of work).
    pub fn widget(&self) -> Option<Widget> {
        match self {
            Captcha::Off => None,
            Captcha::ProofOfWork(p) => Some(Widget {
                pow: true,
                challenge: p.issue(),
                site_key: String::new(),
                script: "/static/pow.js",
                class: "",
            }),
            Captcha::Remote(r) => Some(Widget {
                pow: false,
                challenge: String::new(),
                site_key: r.site_key.clone(),
                script: r.provider.script(),
                class: r.provider.class(),
            }),
        }
    }

    /// What `csp` must allow for a page showing the widget.
    pub fn csp(&self, csp: crate::web::csp::Csp) -> crate::web::csp::Csp {
        match self {
            Captcha::Off => csp,
            Captcha::ProofOfWork(_) => csp.scripts(),
            Captcha::Remote(r) => csp.captcha(r.provider.origins()),
        }
    }

    /// Whether the submitted fields pass. A third-party service that cannot be reached is an
    /// error, which callers treat as a failure (fail closed).
    pub async fn verify(
        &self,
        fields: &CaptchaFields,
        remote_ip: Option<&str>,
    ) -> Result<bool, CaptchaError> {
        match self {
            Captcha::Off => Ok(true),
            Captcha::ProofOfWork(p) => Ok(p
                .verify(&fields.pow_challenge, &fields.pow_solution)
                .await?),
            Captcha::Remote(r) => {
                let response = match r.provider {
                    Provider::HCaptcha => &fields.hcaptcha,
                    Provider::Turnstile => &fields.turnstile,
                    Provider::ReCaptcha => &fields.recaptcha,
                };
                if response.is_empty() || response.len() > 4096 {
                    return Ok(false);
                }
                let mut form = vec![("secret", r.secret.as_str()), ("response", response)];
                if let Some(ip) = remote_ip {
                    form.push(("remoteip", ip));
                }
                let request = r
                    .http
                    .post(&r.verify_url)
                    .timeout(Duration::from_secs(5))
                    .form(&form);
                let answer: SiteVerify = domain::telemetry::send(request)
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .map_err(|e| CaptchaError::Remote(e.to_string()))?
                    .json()
                    .await
                    .map_err(|e| CaptchaError::Remote(e.to_string()))?;
                Ok(answer.success)
            }
        }
    }
}

/// Verifies and logs: true when the form may go on. Errors count as failures.
pub async fn passes(
    ui: &crate::LoginUi,
    req: &actix_web::HttpRequest,
    fields: &CaptchaFields,
) -> bool {
    let ip = crate::web::request::client_ip(req).map(|ip| ip.to_string());
    match ui.captcha.verify(fields, ip.as_deref()).await {
        Ok(ok) => ok,
        Err(e) => {
            tracing::error!(error = %e, "CAPTCHA verification failed; refusing the form");
            false
        }
    }
}

/// The message shown when the CAPTCHA did not pass.
pub fn failed() -> String {
    crate::t("error-captcha-failed")
}
