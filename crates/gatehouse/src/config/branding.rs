//! `[branding]`: the operator's product name, logo, colour and stylesheet, checked at start
//! and read from the data directory once.

use std::path::{Component, Path};
use std::sync::Arc;

use anyhow::Context as _;
use login_ui::branding::{Branding, Logo, Rgb};
use serde::{Deserialize, Serialize};

use super::ConfigError;

/// Largest logo file served.
const MAX_LOGO_BYTES: u64 = 512 * 1024;
/// Largest extra stylesheet served.
const MAX_STYLESHEET_BYTES: u64 = 256 * 1024;
/// Longest product name (it heads every page and signs every mail).
const MAX_NAME_CHARS: usize = 64;

/// `[branding]`: files are read from `data_dir` once at start and served by Gatehouse.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrandingConfig {
    /// The name shown on every page and mail, and the authenticator apps' issuer label.
    pub product_name: String,
    /// A logo file in `data_dir` (`.png`, `.svg`, `.jpg`, `.jpeg`, `.webp`); empty: none.
    pub logo: String,
    /// The colour of buttons and focus rings, `#rrggbb`; empty: Gatehouse's blue.
    pub primary_color: String,
    /// An extra stylesheet (`.css`) in `data_dir`, loaded after Gatehouse's own; empty: none.
    pub stylesheet: String,
}

impl Default for BrandingConfig {
    fn default() -> Self {
        Self {
            product_name: "Gatehouse".into(),
            logo: String::new(),
            primary_color: String::new(),
            stylesheet: String::new(),
        }
    }
}

impl BrandingConfig {
    /// Checks every value (not the files: [`Self::load`] reads them).
    pub fn validate(&mut self) -> Result<(), ConfigError> {
        self.product_name = self.product_name.trim().to_owned();
        let name = &self.product_name;
        if name.is_empty()
            || name.chars().count() > MAX_NAME_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(ConfigError::new(
                "branding.product_name",
                format!("must be 1 to {MAX_NAME_CHARS} characters, without control characters"),
            ));
        }
        if !self.primary_color.is_empty() && Rgb::parse(&self.primary_color).is_none() {
            return Err(ConfigError::new(
                "branding.primary_color",
                "must be #rrggbb (six hexadecimal digits), e.g. #2357c6",
            ));
        }
        if !self.logo.is_empty() {
            inside_data_dir("branding.logo", &self.logo)?;
            if Logo::content_type_of(&self.logo).is_none() {
                return Err(ConfigError::new(
                    "branding.logo",
                    "must be a .png, .svg, .jpg, .jpeg or .webp file",
                ));
            }
        }
        if !self.stylesheet.is_empty() {
            inside_data_dir("branding.stylesheet", &self.stylesheet)?;
            if !self.stylesheet.to_ascii_lowercase().ends_with(".css") {
                return Err(ConfigError::new(
                    "branding.stylesheet",
                    "must be a .css file",
                ));
            }
        }
        Ok(())
    }

    /// The branding the pages show, reading the logo and stylesheet under `data_dir` (off the
    /// async executor).
    pub async fn load(&self, data_dir: &Path) -> anyhow::Result<Branding> {
        let logo = if self.logo.is_empty() {
            None
        } else {
            let bytes = read(data_dir.join(&self.logo), MAX_LOGO_BYTES)
                .await
                .context("branding.logo")?;
            Some(Logo {
                content_type: Logo::content_type_of(&self.logo).unwrap_or("image/png"),
                bytes: Arc::from(bytes),
            })
        };
        let stylesheet = if self.stylesheet.is_empty() {
            None
        } else {
            let bytes = read(data_dir.join(&self.stylesheet), MAX_STYLESHEET_BYTES)
                .await
                .context("branding.stylesheet")?;
            Some(String::from_utf8(bytes).context("branding.stylesheet is not UTF-8")?)
        };
        Ok(Branding {
            product_name: self.product_name.clone(),
            logo,
            primary_color: Rgb::parse(&self.primary_color),
            stylesheet,
        })
    }
}

/// A relative path that stays inside the data directory.
fn inside_data_dir(key: &str, path: &str) -> Result<(), ConfigError> {
    let inside = Path::new(path)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if inside {
        Ok(())
    } else {
        Err(ConfigError::new(
            key,
            "must be a file name relative to data_dir (no absolute path, no ..)",
        ))
    }
}

async fn read(path: std::path::PathBuf, limit: u64) -> anyhow::Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || {
        let len = std::fs::metadata(&path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        anyhow::ensure!(
            len <= limit,
            "{} is {len} bytes, more than the {limit} allowed",
            path.display()
        );
        std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
    })
    .await?
}
