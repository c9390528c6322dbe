//! OAuth clients: registration data, validation, and secret verification.

mod metadata;
mod model;
pub mod registration;
mod role_claims;
mod service;
pub(crate) mod validate;

pub use metadata::{APPLICATION_TYPES, CLIENT_SIGNING_ALGS, ClientMetadata, SUBJECT_TYPES};
pub use model::{Client, NewClient};
pub use registration::{
    InitialToken, Registered, RegistrationError, RegistrationPolicy, RegistrationSettings,
    Registrations,
};
pub use role_claims::{ROLE_CLAIM_TARGETS, check_role_claims, default_role_claims};
pub use service::Clients;
pub use validate::{
    ACCESS_TOKEN_FORMATS, AUTH_METHODS, DEVICE_CODE, GRANT_TYPES, RESPONSE_TYPES, SECRET_METHODS,
    SIGNING_ALGS, TOKEN_EXCHANGE, default_scopes, is_loopback,
};
