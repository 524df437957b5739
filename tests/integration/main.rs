//! berth's one integration-test binary: every test drives the real CLI.

mod cli;
mod conformance;
mod discovery;
mod docs;
mod examples;
mod fixtures;
mod malformed;
mod policy;
mod sarif;
mod support;
