//! berth: checks Docker Compose projects together with the Dockerfiles their
//! services build.

pub mod compose;
pub mod dockerfile;
pub mod paths;
pub mod shell;
pub mod source;
