//! SCIM 2.0 provisioning (RFC 7643/7644) of users and groups: the filter language, its
//! translation into queries over an allow-list of attributes, and the operations a
//! provisioning client performs, each checked against the actor's roles (groups count as
//! [`Area::Users`] for SCIM) and audited with it.
//!
//! [`Area::Users`]: super::Area::Users

pub mod filter;
mod groups;
mod query;
mod users;

pub use groups::{GroupRecord, MemberRef, ScimGroup, ScimGroupPatch, name_from_display};
pub use query::{GROUP_SCHEMA, Resource, USER_SCHEMA, condition};
pub use users::{MAX_COUNT, ScimPage, ScimUser, is_active, window};

#[cfg(test)]
mod query_tests;
