//! Groups: named sets of users that hold roles, nested into a tree (`/eng/backend`); a
//! member of a group holds the roles of that group and of every group enclosing it.

mod service;
mod tree;

pub use service::{GroupDetails, GroupSummary, Groups};
pub use tree::Tree;
