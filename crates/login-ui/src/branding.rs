//! The operator's branding (`[branding]`): a product name, logo, primary colour and extra
//! stylesheet on every page and mail.
//!
//! Pages read the branding of the server answering the request from a per-request scope
//! ([`scope`], set by the binary around every request) rather than from a field of each of
//! the many page structs; outside a scope (unit tests, the command line) it is the default.

use std::future::Future;
use std::sync::{Arc, LazyLock};

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::LoginUi;

/// What the operator configured, with the files already read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branding {
    /// Shown on every page and mail, and the authenticator apps' issuer label.
    pub product_name: String,
    /// The logo served at `/branding/logo`.
    pub logo: Option<Logo>,
    /// The colour of buttons and focus rings.
    pub primary_color: Option<Rgb>,
    /// The operator's extra stylesheet.
    pub stylesheet: Option<String>,
}

/// A logo file's bytes and media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    /// `image/png`, `image/svg+xml`, `image/jpeg` or `image/webp`.
    pub content_type: &'static str,
    /// The file.
    pub bytes: Arc<[u8]>,
}

impl Logo {
    /// The media type of a logo file named `path`, from its extension; `None` for a kind we
    /// do not serve.
    pub fn content_type_of(path: &str) -> Option<&'static str> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        Some(match ext.as_str() {
            "png" => "image/png",
            "svg" => "image/svg+xml",
            "jpg" | "jpeg" => "image/jpeg",
            "webp" => "image/webp",
            _ => return None,
        })
    }
}

/// An sRGB colour written `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub [u8; 3]);

impl Rgb {
    /// Parses `#rrggbb` (exactly: it ends up in a stylesheet).
    pub fn parse(s: &str) -> Option<Self> {
        let hex = s.strip_prefix('#')?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Self([byte(0)?, byte(2)?, byte(4)?]))
    }

    /// WCAG 2 relative luminance.
    fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.0;
        0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    /// Black or white, whichever reads better on this colour (button text).
    pub fn text_color(self) -> Self {
        let l = self.luminance();
        // Contrast ratios against white (luminance 1) and black (luminance 0).
        let on_white = 1.05 / (l + 0.05);
        let on_black = (l + 0.05) / 0.05;
        if on_white >= on_black {
            Self([255, 255, 255])
        } else {
            Self([0, 0, 0])
        }
    }
}

impl std::fmt::Display for Rgb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

impl Default for Branding {
    fn default() -> Self {
        Self {
            product_name: "Gatehouse".into(),
            logo: None,
            primary_color: None,
            stylesheet: None,
        }
    }
}

impl Branding {
    /// The stylesheet served at `/branding/style.css`: the primary colour, then the
    /// operator's own rules; `None` when neither is configured.
    pub fn theme_css(&self) -> Option<String> {
        if self.primary_color.is_none() && self.stylesheet.is_none() {
            return None;
        }
        let mut css = String::new();
        if let Some(c) = self.primary_color {
            css.push_str(&format!(
                ":root {{ --accent: {c}; --on-accent: {}; }}\n",
                c.text_color()
            ));
        }
        if let Some(extra) = &self.stylesheet {
            css.push_str(extra);
        }
        Some(css)
    }

    /// Whether pages link `/branding/style.css`.
    pub fn has_theme(&self) -> bool {
        self.primary_color.is_some() || self.stylesheet.is_some()
    }

    /// A short fingerprint of the theme, so that a changed configuration is not hidden by a
    /// cached stylesheet.
    pub fn theme_version(&self) -> String {
        use std::hash::{Hash as _, Hasher as _};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.theme_css().hash(&mut h);
        format!("{:08x}", h.finish() as u32)
    }

    /// `message` in the operator's branding, as every mail is: the plain-text part signed
    /// with the product name (a last line); the HTML part headed by the logo (referenced on
    /// the `issuer`, `{issuer}/branding/logo`, when one is configured and the issuer is an
    /// absolute http(s) URL) or else the product name, under a bar of the primary colour,
    /// its action links (`<a class="button"`) drawn as buttons of that colour, and signed
    /// with the product name. Mail clients drop stylesheets: every style is inline.
    pub fn sign(&self, issuer: &str, mut message: domain::mail::Message) -> domain::mail::Message {
        message.text = format!("{}\n-- \n{}\n", message.text.trim_end(), self.product_name);
        let name = escape_html(&self.product_name);
        let accent = self.primary_color.unwrap_or(DEFAULT_ACCENT);
        let on_accent = accent.text_color();
        let issuer = issuer.trim_end_matches('/');
        let logo_url = (self.logo.is_some()
            && (issuer.starts_with("https://") || issuer.starts_with("http://")))
        .then(|| format!("{}/branding/logo", escape_html(issuer)));
        let brand = match logo_url {
            Some(src) => format!(
                "<img src=\"{src}\" alt=\"{name}\" style=\"max-height:48px;max-width:200px;border:0\">"
            ),
            None => format!(
                "<span style=\"font-size:20px;font-weight:bold;color:#1a1a1a\">{name}</span>"
            ),
        };
        let header = format!(
            "<body style=\"margin:0;padding:16px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;background:#ffffff\">\n\
             <div style=\"border-top:6px solid {accent};padding:12px 0 8px\">{brand}</div>\n"
        );
        let button = format!(
            "<a class=\"button\" style=\"display:inline-block;padding:10px 18px;border-radius:6px;background:{accent};color:{on_accent};font-weight:bold;text-decoration:none\" href="
        );
        let footer = format!("<p style=\"color:#555\">{name}</p>\n</body>");
        let mut html = message
            .html
            .replacen("<body>", &header, 1)
            .replace("<a class=\"button\" href=", &button);
        html = match html.rfind("</body>") {
            Some(at) => format!("{}{}{}", &html[..at], footer, &html[at + 7..]),
            None => format!("{html}{footer}"),
        };
        message.html = html;
        message
    }
}

/// Gatehouse's own blue (`--accent` of the stylesheet), when no primary colour is set.
const DEFAULT_ACCENT: Rgb = Rgb([0x23, 0x57, 0xc6]);

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

tokio::task_local! {
    static CURRENT: Arc<Branding>;
}

static DEFAULT: LazyLock<Arc<Branding>> = LazyLock::new(|| Arc::new(Branding::default()));

/// Runs `request` (a request's handling) with `branding` as the pages' branding.
pub fn scope<F: Future>(branding: Arc<Branding>, request: F) -> impl Future<Output = F::Output> {
    CURRENT.scope(branding, request)
}

/// The branding of the request being answered (the default outside [`scope`]).
pub fn current() -> Arc<Branding> {
    CURRENT
        .try_with(Arc::clone)
        .unwrap_or_else(|_| Arc::clone(&DEFAULT))
}

/// `GET /branding/logo`
pub async fn logo(ui: web::Data<LoginUi>) -> HttpResponse {
    match &ui.settings.branding.logo {
        Some(logo) => HttpResponse::Ok()
            .content_type(logo.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            // An SVG opened on its own must not run script or load anything.
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; sandbox",
            ))
            .body(logo.bytes.to_vec()),
        None => HttpResponse::NotFound().finish(),
    }
}

/// `GET /branding/style.css`
pub async fn style(ui: web::Data<LoginUi>) -> HttpResponse {
    match ui.settings.branding.theme_css() {
        Some(css) => HttpResponse::Ok()
            .content_type("text/css; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(css),
        None => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_exactly_hash_and_six_hex_digits() {
        assert_eq!(Rgb::parse("#1A2b3c"), Some(Rgb([0x1a, 0x2b, 0x3c])));
        assert_eq!(
            Rgb::parse("#1a2b3c").map(|c| c.to_string()).as_deref(),
            Some("#1a2b3c")
        );
        for bad in [
            "1a2b3c",
            "#1a2b3",
            "#1a2b3c0",
            "#gggggg",
            "red",
            "#1a2b3c;}",
            "",
        ] {
            assert_eq!(Rgb::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn button_text_is_whichever_of_black_and_white_contrasts_more() {
        assert_eq!(Rgb([0x23, 0x57, 0xc6]).text_color(), Rgb([255, 255, 255]));
        assert_eq!(Rgb([0xff, 0xd7, 0x00]).text_color(), Rgb([0, 0, 0]));
    }

    #[test]
    fn the_theme_holds_the_colour_then_the_operators_rules() {
        assert_eq!(Branding::default().theme_css(), None);
        let b = Branding {
            primary_color: Rgb::parse("#ffd700"),
            stylesheet: Some(".card { border-width: 3px }".into()),
            ..Branding::default()
        };
        assert_eq!(
            b.theme_css().as_deref(),
            Some(":root { --accent: #ffd700; --on-accent: #000000; }\n.card { border-width: 3px }")
        );
        assert_ne!(b.theme_version(), Branding::default().theme_version());
    }

    fn mail(html: &str) -> domain::mail::Message {
        domain::mail::Message {
            kind: "x",
            to: "a@example.com".into(),
            subject: "s".into(),
            text: "Hello\n\n".into(),
            html: html.into(),
        }
    }

    #[test]
    fn mails_are_signed_with_the_escaped_product_name() {
        let b = Branding {
            product_name: "A&B <Cloud>".into(),
            ..Branding::default()
        };
        let m = b.sign(
            "https://id.example",
            mail("<html><body><p>Hello</p></body></html>"),
        );
        assert_eq!(m.text, "Hello\n-- \nA&B <Cloud>\n");
        assert!(
            m.html
                .ends_with("<p style=\"color:#555\">A&amp;B &lt;Cloud&gt;</p>\n</body></html>"),
            "{}",
            m.html
        );
        // Headed by the name (no logo), under Gatehouse's blue.
        assert!(
            m.html.contains("border-top:6px solid #2357c6"),
            "{}",
            m.html
        );
        assert!(
            m.html.contains(">A&amp;B &lt;Cloud&gt;</span></div>"),
            "{}",
            m.html
        );
        assert_eq!(m.html.matches("<body").count(), 1, "{}", m.html);
    }

    #[test]
    fn html_mails_carry_the_logo_on_the_issuer_and_the_primary_colour() {
        let b = Branding {
            product_name: "Acme".into(),
            logo: Some(Logo {
                content_type: "image/png",
                bytes: Arc::from(&b"png"[..]),
            }),
            primary_color: Rgb::parse("#ffd700"),
            stylesheet: None,
        };
        let html = "<html><body><p><a class=\"button\" href=\"https://id.example/x\">Go</a></p></body></html>";
        let m = b.sign("https://id.example/", mail(html));
        assert!(
            m.html.contains(
                "<img src=\"https://id.example/branding/logo\" alt=\"Acme\" style=\"max-height:48px;max-width:200px;border:0\">"
            ),
            "{}",
            m.html
        );
        assert!(
            m.html.contains("border-top:6px solid #ffd700"),
            "{}",
            m.html
        );
        // The action is a button of the colour, with the text colour that reads on it.
        assert!(
            m.html.contains("background:#ffd700;color:#000000;font-weight:bold;text-decoration:none\" href=\"https://id.example/x\">Go</a>"),
            "{}",
            m.html
        );
        // An issuer that is not an absolute URL cannot carry the logo: the name instead.
        let m = b.sign("id.example", mail(html));
        assert!(!m.html.contains("<img"), "{}", m.html);
        assert!(m.html.contains(">Acme</span>"), "{}", m.html);
    }

    #[tokio::test]
    async fn pages_see_the_branding_of_their_scope() {
        assert_eq!(current().product_name, "Gatehouse");
        let acme = Arc::new(Branding {
            product_name: "Acme".into(),
            ..Branding::default()
        });
        let name = scope(acme, async { current().product_name.clone() }).await;
        assert_eq!(name, "Acme");
    }
}
