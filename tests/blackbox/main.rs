//! Black-box tests: Gatehouse started in-process on loopback, driven over real HTTP.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod conformance_basic;
mod house;
