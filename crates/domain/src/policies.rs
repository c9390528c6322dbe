//! Policies and ACLs (ABAC) with Cedar: each resource server stores a schema and a policy
//! set, checked when stored; Gatehouse supplies the principal (the user, their roles,
//! groups, permissions and relations from ACL entries) and the request facts, and answers
//! "may this subject do this action on this resource" in microseconds.

mod acl;
mod compile;
mod decide;
mod groups;
mod memo;
mod principal;
mod problem;
mod service;

pub use acl::{Acl, AclEntry, AclSubject, parse_resource};
pub use compile::{Compiled, GATEHOUSE_SCHEMA, compile};
pub use decide::{Authentication, Decision, Evaluation, RequestFacts, evaluate};
pub use groups::{group_id, groups_of};
pub use memo::Changes;
pub use principal::Principal;
pub use service::{Policies, StoredPolicySet};

#[cfg(test)]
mod tests;
