//! The part of the Compose model that berth's rules read. Every field a rule
//! may point at carries its span.

use std::path::PathBuf;

use crate::source::{FileId, Span, Spanned};

/// A stack: compose files merged in order, as `docker compose -f A -f B` merges
/// them, with their includes and extends resolved.
#[derive(Debug, Clone)]
pub struct Stack {
    /// The files in order, for messages: `docker-compose.yml + docker-compose.prod.yml`.
    pub name: String,
    pub files: Vec<FileId>,
    /// The project directory (the first file's directory, unless declared).
    pub dir: PathBuf,
    pub production: bool,
    pub services: Vec<Service>,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: Spanned<String>,
    pub image: Option<Spanned<String>>,
    pub build: Option<Build>,
    pub volumes: Vec<Volume>,
    /// As written (Compose keeps it so); normalise before comparing paths.
    pub working_dir: Option<Spanned<String>>,
    pub command: Option<Spanned<Vec<String>>>,
    pub entrypoint: Option<Spanned<Vec<String>>>,
    /// `profiles:`; a service with profiles starts only when one is enabled.
    pub profiles: Vec<String>,
}

impl Service {
    /// The service's bind mounts, in the order written.
    pub fn bind_mounts(&self) -> impl Iterator<Item = &Volume> {
        self.volumes.iter().filter(|v| v.kind == VolumeKind::Bind)
    }
}

#[derive(Debug, Clone)]
pub struct Build {
    /// The `build:` value as written (string or mapping).
    pub span: Span,
    pub context: BuildContext,
    /// `dockerfile:` as written, relative to the context.
    pub dockerfile: Option<Spanned<String>>,
    /// `dockerfile_inline:` is present: there is no Dockerfile on disk to read.
    pub inline: bool,
    pub target: Option<Spanned<String>>,
    /// `args:`; a name without a value takes it from the environment, or stays unset.
    pub args: Vec<(String, Option<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildContext {
    /// A directory, absolute and normalised.
    Local(PathBuf),
    /// A Git or HTTP(S) URL; not read.
    Remote(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeKind {
    Bind,
    /// A named volume.
    Volume,
    /// A volume with no source: Docker creates a fresh one, initialised from the image.
    Anonymous,
    Tmpfs,
    Npipe,
    Image,
    Cluster,
}

/// One entry of a service's `volumes:`.
#[derive(Debug, Clone)]
pub struct Volume {
    /// The whole entry (the short-syntax string or the long-syntax mapping).
    pub span: Span,
    /// The entry as written, for messages (`./backend:/app`); long syntax is summarised.
    pub written: String,
    pub kind: VolumeKind,
    /// The source after interpolation (`./backend`, `data`), if any.
    pub source: Option<String>,
    /// For a bind mount: the host path, absolute and normalised.
    pub host_path: Option<PathBuf>,
    /// The bind source exists and is a file (a configuration file, not a tree).
    pub host_is_file: bool,
    /// The container path, normalised.
    pub target: String,
    pub read_only: bool,
}
