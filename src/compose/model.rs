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
    /// Production, development or unknown, with the evidence (set once the
    /// stack's services are joined to their images; until then by name).
    pub class: super::class::Classification,
    pub services: Vec<Service>,
    /// Top-level `version:` keys of the stack's files.
    pub versions: Vec<Span>,
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
    /// Everything else the policy rules read.
    pub settings: Settings,
}

/// Declares a setting-key enum with the Compose key of each variant, so a
/// rule names `Scalar::Privileged` and a misspelt key does not compile.
macro_rules! setting_keys {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $key:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant,)*];

            /// The key as Compose spells it (nested keys dotted).
            pub fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)*
                }
            }

            /// The variant for a top-level Compose key.
            pub fn from_key(key: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|k| k.key() == key)
            }
        }
    };
}

setting_keys! {
    /// Scalar settings the policy rules read.
    Scalar {
        User => "user",
        Privileged => "privileged",
        NetworkMode => "network_mode",
        Pid => "pid",
        Ipc => "ipc",
        Uts => "uts",
        UsernsMode => "userns_mode",
        ReadOnly => "read_only",
        ContainerName => "container_name",
        Restart => "restart",
        MemLimit => "mem_limit",
        HealthcheckTest => "healthcheck.test",
        HealthcheckDisable => "healthcheck.disable",
        DeployMemoryLimit => "deploy.resources.limits.memory",
        DeployRestartCondition => "deploy.restart_policy.condition",
    }
}

setting_keys! {
    /// List settings, merged as sets.
    List {
        CapAdd => "cap_add",
        CapDrop => "cap_drop",
        SecurityOpt => "security_opt",
    }
}

/// A `NAME=value` entry (`environment`, `build.args`), with where each part is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: Spanned<String>,
    pub value: Option<Spanned<String>>,
}

/// A published port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub span: Span,
    /// Interface the port is published on (`127.0.0.1`); none means all interfaces.
    pub host_ip: Option<String>,
    /// Host port or range, if published.
    pub published: Option<String>,
    /// Container port or range.
    pub target: String,
    pub protocol: String,
    /// An unset variable was substituted into the entry: the published port
    /// is not what the project will run with, so it is not compared.
    pub unknown: bool,
}

/// An entry of `depends_on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub service: Spanned<String>,
    /// `service_started` (the default), `service_healthy`, `service_completed_successfully`.
    pub condition: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub scalars: std::collections::BTreeMap<Scalar, Spanned<String>>,
    pub lists: std::collections::BTreeMap<List, Vec<Spanned<String>>>,
    pub environment: Vec<KeyValue>,
    /// `build.args` with their spans (the build model keeps only the values).
    pub build_args: Vec<KeyValue>,
    pub ports: Vec<Port>,
    pub depends_on: Vec<Dependency>,
    /// Scalar keys whose value had an unset variable substituted into it
    /// (`container_name: ${PROJECT}-web` with `PROJECT` unset): unknown, not
    /// compared or validated.
    pub unknown: std::collections::BTreeSet<Scalar>,
}

impl Settings {
    pub fn scalar(&self, key: Scalar) -> Option<&Spanned<String>> {
        self.scalars.get(&key)
    }

    /// Is the scalar's value unknown (an unset variable went into it)?
    pub fn is_unknown(&self, key: Scalar) -> bool {
        self.unknown.contains(&key)
    }

    pub fn list(&self, key: List) -> &[Spanned<String>] {
        self.lists.get(&key).map_or(&[], Vec::as_slice)
    }
}

impl Stack {
    /// Production is evident for this stack (see `classify`).
    pub fn is_production(&self) -> bool {
        self.class.class == super::class::Class::Production
    }
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
    /// An unset variable was substituted into the source: `source` and
    /// `host_path` are what Compose would use today, not what the project
    /// runs with once its variables are set. Rules do not judge them.
    pub source_unknown: bool,
    /// The same for the target.
    pub target_unknown: bool,
    /// For a source written in the home directory (`~`, `$HOME`, `${HOME}`):
    /// the path below it, normalised, without a leading `/` (`""` for the
    /// home directory itself, `.ssh` for `~/.ssh/`). It does not depend on
    /// the HOME of the machine berth runs on, as `host_path` does.
    pub home_relative: Option<String>,
    /// For a bind mount: the host path, absolute and normalised.
    pub host_path: Option<PathBuf>,
    /// The bind source exists and is a file (a configuration file, not a tree).
    pub host_is_file: bool,
    /// The container path, normalised.
    pub target: String,
    pub read_only: bool,
}
