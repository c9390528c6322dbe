//! The one place that builds a Content-Security-Policy: every page, the form_post response
//! and the default header of every other response use [`Csp`].

use std::fmt;

/// A Content-Security-Policy, built from what a response needs and rendered as the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csp {
    /// Our stylesheet and images (ours, https client logos, data: icons).
    styles: bool,
    /// Our scripts.
    scripts: bool,
    /// `fetch` to us (the passkey and proof-of-work scripts ask us for options).
    connect: bool,
    /// The origins of a third-party CAPTCHA service (scripts, styles, frames, fetch).
    captcha: Option<String>,
    /// Forms may post to us.
    form_self: bool,
    /// Other targets forms may post (or be redirected) to.
    form_sources: Vec<String>,
    /// Origins the page may frame (front-channel logout pages of applications).
    frame_sources: Vec<String>,
}

impl Csp {
    /// Responses that are not pages (JSON, redirects, text): nothing loads, nothing frames us.
    pub const fn bare() -> Self {
        Self {
            styles: false,
            scripts: false,
            connect: false,
            captcha: None,
            form_self: true,
            form_sources: Vec::new(),
            frame_sources: Vec::new(),
        }
    }

    /// An ordinary page: our styles and images, forms posting only to us, no scripts.
    pub const fn page() -> Self {
        Self {
            styles: true,
            scripts: false,
            connect: false,
            captcha: None,
            form_self: true,
            form_sources: Vec::new(),
            frame_sources: Vec::new(),
        }
    }

    /// The auto-submitting form of `response_mode=form_post`: our script, and the form posts
    /// only to the origin of `action` (the client's verified redirect URI), not even to us.
    pub fn form_post(action: &str) -> Self {
        Self {
            scripts: true,
            form_self: false,
            form_sources: source_of(action).into_iter().collect(),
            ..Self::bare()
        }
    }

    /// Allows our scripts (`/static/*.js`) and their requests to us.
    #[must_use]
    pub fn scripts(mut self) -> Self {
        self.scripts = true;
        self.connect = true;
        self
    }

    /// Allows a CAPTCHA service's widget: `origins` (space-separated, from configuration)
    /// may provide scripts, styles (inline too, the widgets need them) and frames.
    #[must_use]
    pub fn captcha(mut self, origins: &str) -> Self {
        self = self.scripts();
        self.captcha = Some(origins.to_owned());
        self
    }

    /// Lets the page's forms end at `redirect_uri`: Chromium applies `form-action` to every
    /// redirect after a form is sent, so a form answered by a redirect to the client (sign-in,
    /// consent, the second step, logout) needs the client's origin. Only a verified redirect
    /// URI of the flow may be given here, never user input.
    #[must_use]
    pub fn form_action(mut self, redirect_uri: &str) -> Self {
        if let Some(source) = source_of(redirect_uri)
            && !self.form_sources.contains(&source)
        {
            self.form_sources.push(source);
        }
        self
    }

    /// Lets the page frame `uri`'s origin exactly (http(s) only): the front-channel logout
    /// pages of the applications a session used, taken from their registrations, never from
    /// the request.
    #[must_use]
    pub fn frame(mut self, uri: &str) -> Self {
        let web = url::Url::parse(uri).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if web
            && let Some(source) = source_of(uri)
            && !self.frame_sources.contains(&source)
        {
            self.frame_sources.push(source);
        }
        self
    }
}

impl Default for Csp {
    fn default() -> Self {
        Self::page()
    }
}

/// The CSP source expression matching exactly the origin of `uri`: `scheme://host[:port]`
/// for http(s), or the scheme alone for a native app's private-use scheme (RFC 8252 §7.1,
/// where the scheme is the whole origin). Schemes that can carry content are never allowed.
fn source_of(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    match url.scheme() {
        "http" | "https" => {
            let origin = url.origin();
            origin.is_tuple().then(|| origin.ascii_serialization())
        }
        "javascript" | "data" | "blob" | "filesystem" | "about" | "file" | "ws" | "wss" => None,
        scheme => Some(format!("{scheme}:")),
    }
}

impl fmt::Display for Csp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra = self.captcha.as_deref().map(|o| format!(" {o}"));
        let extra = extra.as_deref().unwrap_or_default();
        f.write_str("default-src 'none'")?;
        if self.styles || self.captcha.is_some() {
            let inline = if self.captcha.is_some() {
                " 'unsafe-inline'"
            } else {
                ""
            };
            write!(f, "; style-src 'self'{extra}{inline}")?;
            f.write_str("; img-src 'self' https: data:")?;
        }
        if self.scripts {
            write!(f, "; script-src 'self'{extra}")?;
        }
        let captcha_frames = if self.scripts { extra } else { "" };
        if !captcha_frames.is_empty() || !self.frame_sources.is_empty() {
            write!(f, "; frame-src{captcha_frames}")?;
            for source in &self.frame_sources {
                write!(f, " {source}")?;
            }
        }
        if self.connect {
            write!(f, "; connect-src 'self'{extra}")?;
        }
        f.write_str("; form-action")?;
        if self.form_self {
            f.write_str(" 'self'")?;
        }
        for source in &self.form_sources {
            write!(f, " {source}")?;
        }
        if !self.form_self && self.form_sources.is_empty() {
            f.write_str(" 'none'")?;
        }
        f.write_str("; frame-ancestors 'none'; base-uri 'none'")
    }
}

#[cfg(test)]
mod tests {
    use super::Csp;

    #[test]
    fn an_ordinary_page_posts_only_to_us_and_runs_no_script() {
        assert_eq!(
            Csp::page().to_string(),
            "default-src 'none'; style-src 'self'; img-src 'self' https: data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        );
    }

    #[test]
    fn a_page_of_a_flow_adds_exactly_the_clients_origin() {
        let csp = Csp::page()
            .scripts()
            .form_action("http://127.0.0.1:8081/cb?x=1#f")
            .form_action("http://127.0.0.1:8081/other");
        assert_eq!(
            csp.to_string(),
            "default-src 'none'; style-src 'self'; img-src 'self' https: data:; \
             script-src 'self'; connect-src 'self'; form-action 'self' http://127.0.0.1:8081; \
             frame-ancestors 'none'; base-uri 'none'"
        );
        let https = Csp::page().form_action("https://app.example.com:443/cb");
        assert!(
            https
                .to_string()
                .contains("form-action 'self' https://app.example.com;")
        );
    }

    #[test]
    fn native_schemes_are_named_and_content_schemes_never() {
        let app = Csp::page().form_action("com.example.app:/oauth2redirect");
        assert!(
            app.to_string()
                .contains("form-action 'self' com.example.app:;")
        );
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "not a url",
            "file:///etc",
        ] {
            assert!(
                Csp::page()
                    .form_action(bad)
                    .to_string()
                    .contains("form-action 'self';")
            );
        }
    }

    #[test]
    fn form_post_posts_only_to_the_client() {
        assert_eq!(
            Csp::form_post("https://rp.example/cb").to_string(),
            "default-src 'none'; script-src 'self'; form-action https://rp.example; \
             frame-ancestors 'none'; base-uri 'none'"
        );
        assert!(
            Csp::form_post("nonsense")
                .to_string()
                .contains("form-action 'none';")
        );
    }

    #[test]
    fn captcha_origins_get_scripts_styles_frames_and_fetch() {
        let o = "https://hcaptcha.com https://*.hcaptcha.com";
        assert_eq!(
            Csp::page().captcha(o).to_string(),
            format!(
                "default-src 'none'; style-src 'self' {o} 'unsafe-inline'; img-src 'self' https: data:; \
                 script-src 'self' {o}; frame-src {o}; connect-src 'self' {o}; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'"
            )
        );
    }

    #[test]
    fn frames_are_exactly_the_origins_given_and_only_web_ones() {
        let csp = Csp::page()
            .scripts()
            .frame("https://rp.example/logout?x=1")
            .frame("https://rp.example/other")
            .frame("http://127.0.0.1:8081/fc")
            .frame("javascript:alert(1)")
            .frame("com.example.app:/logout");
        assert_eq!(
            csp.to_string(),
            "default-src 'none'; style-src 'self'; img-src 'self' https: data:; \
             script-src 'self'; frame-src https://rp.example http://127.0.0.1:8081; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        );
        assert!(!Csp::page().to_string().contains("frame-src"));
    }

    #[test]
    fn bare_is_the_default_header() {
        assert_eq!(
            Csp::bare().to_string(),
            "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        );
    }
}
