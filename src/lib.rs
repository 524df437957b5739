//! berth: checks Docker Compose projects together with the Dockerfiles their
//! services build.

pub mod classify;
pub mod compose;
pub mod config;
pub mod diagnostic;
pub mod dockerfile;
pub mod paths;
pub mod publish;
pub mod rules;
pub mod runs;
pub mod secrets;
pub mod shell;
pub mod source;
pub mod suggest;
pub mod suppress;
pub mod testing;

/// Where berth's source and rule documentation live.
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");
pub mod action;
pub mod check;
pub mod cli;
pub mod discover;
pub mod report;
pub mod run;

#[cfg(test)]
mod robustness_tests;
