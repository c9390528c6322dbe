//! The Gatehouse binary's library: configuration, command line, start-up and HTTP assembly.
//! Kept as a library so the black-box tests can start the server in-process.

pub mod admin_mails;
pub mod bootstrap;
pub mod cli;
pub mod config;
pub mod events;
pub mod http;
pub mod logging;
pub mod mail;
pub mod pages;
pub mod secrets;
pub mod server;
pub mod services;
pub mod sms;
pub mod telemetry;

pub use config::Config;
pub use server::{RunningServer, start};
