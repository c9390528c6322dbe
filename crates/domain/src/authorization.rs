//! Authorization requests waiting for the user (sign-in, consent) between the protocol
//! endpoint and the hosted pages.

mod pending;

pub use pending::{
    AuthorizationRequests, ParkingFull, ParkingLimits, PendingRequest, ResponseMode,
};
