//! Compose files: the typed model the rules read; loading each file into a
//! layer, merging layers into stacks (overrides, `extends`, `include`),
//! interpolation, the `.env` file, the volume syntax, and the canonical JSON
//! that `berth config` prints.

pub mod canonical;
pub mod class;
pub mod env_file;
pub mod files;
pub mod interpolate;
pub mod layer;
pub mod merge;
pub mod model;
pub mod project;
pub mod volumes;

pub use model::*;
pub use project::{Env, StackSpec, load_stack};

/// The base file names, in the order Compose prefers them.
pub const BASE_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// The override file names `docker compose up` loads with a base file, in
/// the order Compose prefers them.
pub const OVERRIDE_NAMES: &[&str] = &[
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
];

pub use crate::source::LoadProblem;
