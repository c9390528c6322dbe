//! Roles and permissions: named sets of `resource:action` permissions, global or belonging
//! to one client, that may include other roles, granted to users directly or through groups.

mod effective;
mod names;
mod service;

pub use effective::{Effective, effective_of_roles, effective_of_user};
pub use names::{validate_name, validate_permission};
pub use service::{RoleDetails, RoleGrantee, RoleName, Roles};

/// The role granted to the bootstrap administrator: every administrative power.
pub const ADMIN_ROLE: &str = crate::admin::ADMIN;

#[cfg(test)]
mod tests;
