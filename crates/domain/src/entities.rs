//! sea-orm entities, one module per table.

pub mod access_token;
pub mod api_key;
pub mod audit_event;
pub mod authorization_code;
pub mod authorization_request;
pub mod browser_session;
pub mod client;
pub mod consent;
pub mod credential;
pub mod group;
pub mod group_role;
pub mod mail_outbox;
pub mod permission;
pub mod refresh_token;
pub mod refresh_token_family;
pub mod role;
pub mod role_include;
pub mod role_permission;
pub mod service_account;
pub mod service_account_role;
pub mod signing_key;
pub mod user;
pub mod user_group;
pub mod user_role;
pub mod user_token;
