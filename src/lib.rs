//! berth: checks Docker Compose projects together with the Dockerfiles their
//! services build.

pub(crate) mod classify;
pub mod compose;
pub(crate) mod config;
pub mod diagnostic;
pub(crate) mod dockerfile;
pub(crate) mod paths;
pub mod publish;
pub mod rules;
pub(crate) mod runs;
pub(crate) mod secrets;
pub(crate) mod shell;
pub(crate) mod source;
pub(crate) mod suggest;
pub(crate) mod suppress;
pub mod testing;

/// Where berth's source and rule documentation live.
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");
pub mod action;
pub mod check;
pub mod cli;
pub(crate) mod discover;
pub mod report;
pub mod run;

#[cfg(test)]
mod robustness_tests;
