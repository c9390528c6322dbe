//! Gatehouse database schema, as sea-orm migrations that run unchanged on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_initial;
mod m20261123_000001_mail_and_tokens;
mod m20261123_000002_session_remember;
mod m20261123_000003_client_require_mfa;
mod m20261130_000001_sessions_by_user_and_time;
mod m20261130_100001_client_allowed_origins;
mod m20261130_100002_authorization_request_ip;
mod m20261130_100005_second_factor_failures;
mod m20261201_600001_api_keys;
mod m20261201_700001_grant_resources;
mod m20261201_700002_policies;
mod m20261201_700003_rbac;
mod m20261201_800001_federation;
mod m20261202_100001_upstream_presets;
mod m20261202_200001_upstream_mappings;
mod m20261202_300001_guests;
mod m20261204_500001_wrapped_master_key;
mod m20261205_100001_audit_chain;
mod m20261205_200001_events;
mod m20261205_300001_admin;
mod m20261205_400001_scim;
mod m20261206_100001_logout_channels;
mod m20261206_800001_device_authorizations;
mod m20261207_500001_pushed_authorization;
mod m20261208_100001_client_metadata;
mod m20261208_400001_client_secret_sealed;
mod m20261208_600001_dpop;
mod m20261209_100001_dynamic_registration;
mod sqlite_rebuild;

/// The ordered list of Gatehouse migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial::Migration),
            Box::new(m20261123_000001_mail_and_tokens::Migration),
            Box::new(m20261123_000002_session_remember::Migration),
            Box::new(m20261123_000003_client_require_mfa::Migration),
            Box::new(m20261130_000001_sessions_by_user_and_time::Migration),
            Box::new(m20261130_100001_client_allowed_origins::Migration),
            Box::new(m20261130_100005_second_factor_failures::Migration),
            Box::new(m20261130_100002_authorization_request_ip::Migration),
            Box::new(m20261201_600001_api_keys::Migration),
            Box::new(m20261201_700001_grant_resources::Migration),
            Box::new(m20261201_700002_policies::Migration),
            Box::new(m20261201_700003_rbac::Migration),
            Box::new(m20261201_800001_federation::Migration),
            Box::new(m20261202_100001_upstream_presets::Migration),
            Box::new(m20261202_200001_upstream_mappings::Migration),
            Box::new(m20261202_300001_guests::Migration),
            Box::new(m20261204_500001_wrapped_master_key::Migration),
            Box::new(m20261205_100001_audit_chain::Migration),
            Box::new(m20261205_200001_events::Migration),
            Box::new(m20261205_300001_admin::Migration),
            Box::new(m20261205_400001_scim::Migration),
            Box::new(m20261206_100001_logout_channels::Migration),
            Box::new(m20261206_800001_device_authorizations::Migration),
            Box::new(m20261207_500001_pushed_authorization::Migration),
            Box::new(m20261208_100001_client_metadata::Migration),
            Box::new(m20261208_400001_client_secret_sealed::Migration),
            Box::new(m20261208_600001_dpop::Migration),
            Box::new(m20261209_100001_dynamic_registration::Migration),
        ]
    }
}
