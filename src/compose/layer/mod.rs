//! One compose file, read on its own: a [`FileLayer`] of service layers with
//! types checked, values interpolated and relative paths resolved against the
//! file's base directory. Layers are merged into services by `merge`;
//! `project` decides the base directory and the variables of each file.
//! Problems become [`LoadProblem`]s; loading goes on past them so that one bad
//! service does not hide findings in the others.

mod build;
mod file;
mod mounts;
mod read;
mod service;
mod settings;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::LoadProblem;
use super::model::*;
use crate::source::yaml::{Node, Tag};
use crate::source::{FileId, Span, Spanned};

/// A value a layer sets, removes (`!reset`) or replaces without merging (`!override`).
#[derive(Debug, Clone, PartialEq)]
pub enum Patch<T> {
    Set(T),
    Reset,
    Override(T),
}

/// `build:` as one file writes it; missing fields come from earlier layers.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildLayer {
    pub span: Span,
    /// Where `context` defaults to when no layer sets it.
    pub base_dir: PathBuf,
    pub context: Option<BuildContext>,
    pub dockerfile: Option<Spanned<String>>,
    pub inline: bool,
    pub target: Option<Spanned<String>>,
    pub args: Vec<(String, Option<String>)>,
}

/// `extends:` of a service.
#[derive(Debug, Clone, PartialEq)]
pub struct Extends {
    pub service: String,
    /// Another file, relative to this file's directory.
    pub file: Option<String>,
    pub span: Span,
}

/// A service as one file writes it.
#[derive(Debug, Clone)]
pub struct ServiceLayer {
    pub name: Spanned<String>,
    pub image: Option<Patch<Spanned<String>>>,
    pub build: Option<Patch<BuildLayer>>,
    pub volumes: Option<Patch<Vec<Volume>>>,
    pub working_dir: Option<Patch<Spanned<String>>>,
    pub command: Option<Patch<Spanned<Vec<String>>>>,
    pub entrypoint: Option<Patch<Spanned<Vec<String>>>>,
    pub profiles: Option<Patch<Vec<String>>>,
    pub extends: Option<Extends>,
    pub settings: SettingsLayer,
}

/// The policy settings as one file writes them.
#[derive(Debug, Clone, Default)]
pub struct SettingsLayer {
    pub scalars: Vec<(Scalar, Patch<Spanned<String>>)>,
    pub lists: Vec<(List, Patch<Vec<Spanned<String>>>)>,
    pub environment: Option<Patch<Vec<KeyValue>>>,
    pub build_args: Vec<KeyValue>,
    pub ports: Option<Patch<Vec<Port>>>,
    pub depends_on: Option<Patch<Vec<Dependency>>>,
    /// Scalar keys this layer sets to a value with an unset variable in it.
    pub unknown: Vec<Scalar>,
}

/// `include:` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Include {
    /// Files of the included project, relative to the including file's directory.
    pub paths: Vec<String>,
    pub project_directory: Option<String>,
    pub env_files: Vec<String>,
    pub span: Span,
}

/// What one compose file declares.
#[derive(Debug, Clone, Default)]
pub struct FileLayer {
    pub services: Vec<ServiceLayer>,
    pub includes: Vec<Include>,
    /// The top-level `version:` key, obsolete in Compose v2.
    pub version: Option<Span>,
}

/// Top-level keys of the Compose specification (`x-` extensions are allowed too).
const TOP_LEVEL: &[&str] = &[
    "version", "name", "include", "services", "networks", "volumes", "secrets", "configs", "models",
];

struct Loader<'a> {
    file: FileId,
    dir: &'a Path,
    vars: &'a BTreeMap<String, String>,
    home: Option<PathBuf>,
    problems: Vec<LoadProblem>,
}

/// Read a parsed compose file into a layer. `vars` are the interpolation
/// variables; `base_dir` is what relative paths are resolved against.
pub fn file_layer(
    file: FileId,
    root: &Node,
    vars: &BTreeMap<String, String>,
    base_dir: &Path,
) -> (FileLayer, Vec<LoadProblem>) {
    let mut loader = Loader {
        file,
        dir: base_dir,
        home: vars.get("HOME").map(PathBuf::from),
        vars,
        problems: Vec::new(),
    };
    let layer = loader.root(root);
    (layer, loader.problems)
}

impl Loader<'_> {
    /// The value of `n` as this layer patches it: `!reset` removes it (its
    /// value is not read), `!override` replaces it, untagged it is set.
    /// `parse` reads the value; None when it has none.
    fn patch<T>(
        &mut self,
        n: &Node,
        parse: impl FnOnce(&mut Self, &Node) -> Option<T>,
    ) -> Option<Patch<T>> {
        match n.tag {
            Some(Tag::Reset) => Some(Patch::Reset),
            Some(Tag::Override) => parse(self, n).map(Patch::Override),
            None => parse(self, n).map(Patch::Set),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One file's services, merged from their layers.
    pub(super) struct Loaded {
        pub(super) services: Vec<Service>,
    }

    pub(super) fn load_str(text: &str, env: &[(&str, &str)]) -> (Loaded, Vec<LoadProblem>) {
        let vars: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let root = match crate::source::yaml::parse(text) {
            Ok(root) => root,
            Err(e) => {
                let at = e.offset.unwrap_or(0);
                let p = LoadProblem {
                    span: Span::new(FileId(0), at, at),
                    message: format!("invalid YAML: {}", e.message),
                };
                return (Loaded { services: vec![] }, vec![p]);
            }
        };
        let (layer, problems) = file_layer(
            FileId(0),
            &root,
            &vars,
            Path::new("/nonexistent-berth-test/proj"),
        );
        let services = layer
            .services
            .iter()
            .map(|sl| {
                let mut s = crate::compose::merge::empty(sl.name.clone());
                crate::compose::merge::apply(&mut s, sl);
                s
            })
            .collect();
        (Loaded { services }, problems)
    }
}
