//! The ways to sign in: password, a mailed code or link, a passkey, another identity
//! provider (`upstream`), as a guest, and the second step.
//! What they share (purpose, completion, the pending step) is in `flow`.

pub mod email_code;
pub mod guest;
pub mod passkey;
pub mod password;
pub mod second_factor;
pub mod upstream;
