//! Upstream identity providers (generic OIDC/OAuth 2.0 and presets). Nothing is implemented
//! in this crate yet.
