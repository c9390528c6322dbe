//! Black-box tests: Gatehouse started in-process on loopback, driven over real HTTP.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod a11y;
mod account_console;
mod account_states;
mod accounts;
mod api_keys;
mod bad_input;
mod branding;
mod browser;
mod captcha;
mod conformance_basic;
mod conformance_config;
mod conformance_logout;
mod cors;
mod decisions;
mod email_sign_in;
mod end_pages;
mod federation;
mod federation_accounts;
mod happy_flow;
mod house;
mod interop;
mod languages;
mod login_pages;
mod mail;
mod mfa;
mod nodes;
mod rate_limits;
mod rbac;
mod refresh_binding;
mod registration;
mod rp_browser;
mod sessions;
mod sms;
mod token_exchange;
