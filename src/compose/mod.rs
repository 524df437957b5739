//! Compose files: the typed model the rules read, how it is loaded from
//! YAML, interpolation, the `.env` file and the volume syntax.

pub mod env_file;
pub mod interpolate;
pub mod load;
pub mod model;
pub mod volumes;

pub use load::{Env, load};
pub use model::*;

use crate::source::Span;

/// Something wrong with an input file, found while loading it. Becomes a
/// finding of an input rule (`B001`, `B002`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    pub span: Span,
    pub message: String,
}
