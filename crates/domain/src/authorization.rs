//! Authorization requests waiting for the user (sign-in, consent) between the protocol
//! endpoint and the hosted pages, and requests pushed by clients ahead of the browser (PAR).

mod pending;
mod pushed;

pub use pending::{
    AuthorizationRequests, ParkingFull, ParkingLimits, PendingRequest, ResponseMode,
};
pub use pushed::{PUSHED_REQUEST_TTL, PushedRequests, REQUEST_URI_PREFIX, is_pushed};
