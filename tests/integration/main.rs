//! berth's one integration-test binary: every test drives the real CLI.

mod action;
mod cli;
mod conformance;
mod discovery;
mod docs;
mod examples;
mod fixtures;
mod github;
mod inline;
mod layering;
mod malformed;
mod policy;
mod publish;
mod sarif;
mod stacks;
mod support;
