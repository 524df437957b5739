//! Dockerfiles: parsing into berth's own model, and the image facts that the
//! deployed stage establishes (which paths it fills with build output, and
//! what it starts), starting from the defaults of well-known base images.

pub mod base_images;
pub mod facts;
pub mod ignore;
pub mod model;
pub mod parse;
pub mod run;

pub use facts::ImageFacts;
#[cfg(test)]
pub use facts::image_facts;
pub use model::{Dockerfile, Instruction};
pub use parse::parse;
