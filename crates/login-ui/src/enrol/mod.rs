//! Getting an account or back into one: self-registration and email verification, accepting
//! an invitation, and the password reset.

pub mod invitation;
pub mod register;
pub mod register_api;
pub mod reset;
