//! What every page uses: rendering and its security headers (CSP), CSRF, error pages, audit
//! and request helpers, rate limits, devices and places, static assets. Nothing here knows
//! about a sign-in or a page family: `web` ← `flow` ← the page families.

pub mod assets;
pub(crate) mod audit;
pub mod csp;
pub mod csrf;
pub mod csrf_form;
pub mod device;
pub mod errors;
pub(crate) mod fields;
pub mod geoip;
pub(crate) mod json;
pub mod render;
pub(crate) mod request;
pub(crate) mod scopes;
pub mod throttle;
