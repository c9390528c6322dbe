//! OAuth clients: registration data, validation, and secret verification.

mod keys;
mod metadata;
mod model;
pub mod registration;
mod role_claims;
mod service;
mod subjects;
pub(crate) mod validate;

pub use keys::{ClientKeys, FetchError, Jwk, MAX_FETCH_BYTES};
pub use metadata::{
    APPLICATION_TYPES, CLIENT_SIGNING_ALGS, ClientMetadata, ENCRYPTION_ALGS, ENCRYPTION_ENCS,
    FAPI2, FAPI2_SIGNING_ALGS, PROFILES, SUBJECT_TYPES,
};
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
