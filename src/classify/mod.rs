//! Is a stack production, development or unknown? A decision from evidence:
//! berth.yml, where the files live, their names, their opening comments and
//! what their services run (development servers, environment, build
//! targets). Every signal is kept with the place it was read, so each output
//! can say why a stack was taken for what it is.

mod commands;
mod services;

#[cfg(test)]
pub(crate) use commands::command_class;

use std::collections::BTreeMap;
use std::path::Path;

use crate::compose::Stack;
use crate::dockerfile::ImageFacts;
use crate::source::{SourceMap, Span};

use services::service_signals;

pub use crate::compose::class::{Class, Classification, Evidence};

/// How the class was given before content is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    /// berth.yml says so (a declared stack, or a name pattern that matched).
    Config(Class),
    /// Nothing declared: decide from names and content.
    No,
}

/// Words in a file name that mark a development file.
const DEVELOPMENT_WORDS: &[&str] = &[
    "override",
    "dev",
    "develop",
    "development",
    "local",
    "test",
    "tests",
    "testing",
    "ci",
    "e2e",
    "debug",
    "devcontainer",
];

/// Words in a file name that mark a production file.
const PRODUCTION_WORDS: &[&str] = &["prod", "production", "live", "release", "deploy", "staging"];

/// Directories whose compose files are development, test or CI set-ups.
const DEVELOPMENT_DIRS: &[&str] = &[
    ".devcontainer",
    "e2e",
    "cypress",
    "playwright",
    "__tests__",
    "test",
    "tests",
    "dev",
    "development",
    ".github",
];

/// The words of a file name (`docker-compose.prod.yml`: docker, compose, prod, yml).
fn name_words(name: &str) -> impl Iterator<Item = String> + '_ {
    name.split(['.', '-', '_'])
        .map(str::to_ascii_lowercase)
        .filter(|w| !w.is_empty())
}

/// Development or production by a file name's words, if either.
pub fn by_name(name: &str) -> Option<Class> {
    if name_words(name).any(|w| DEVELOPMENT_WORDS.contains(&w.as_str())) {
        Some(Class::Development)
    } else if name_words(name).any(|w| PRODUCTION_WORDS.contains(&w.as_str())) {
        Some(Class::Production)
    } else {
        None
    }
}

/// The first development directory among a path's components, below `root`.
fn development_dir(path: &Path, root: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.parent()?.components().find_map(|c| {
        let name = c.as_os_str().to_string_lossy().to_ascii_lowercase();
        DEVELOPMENT_DIRS
            .contains(&name.as_str())
            .then(|| c.as_os_str().to_string_lossy().into_owned())
    })
}

/// What the repository around a stack says of it (read by the caller).
#[derive(Debug, Clone, Default)]
pub struct Surroundings {
    /// Signals from the repository's prose and scripts (a README that says
    /// the set-up is not for production); they count as content.
    pub signals: Vec<Evidence>,
    /// Why this file, checked alone, is not what runs: an override file
    /// beside a base file (`docker compose up` loads both), or scripts that
    /// run it only together with other files.
    pub overridden_by: Option<String>,
}

/// Classify one loaded stack. `images` are the image facts of its services by
/// service index; `root` is the scan root (directories above it say nothing).
pub fn classify(
    stack: &Stack,
    declared: Declared,
    images: &BTreeMap<usize, &ImageFacts>,
    sources: &SourceMap,
    root: &Path,
    around: &Surroundings,
    keep_text: bool,
) -> Classification {
    let mut evidence = Vec::new();
    if let Declared::Config(class) = declared {
        evidence.push(Evidence {
            points_to: class,
            what: format!("berth.yml declares it {}", class.as_str()),
            span: None,
        });
        return Classification { class, evidence };
    }
    // Where the files live, and their names.
    let mut name_class: Option<Class> = None;
    for id in &stack.files {
        let Some(file) = sources.get(*id) else {
            continue;
        };
        if let Some(dir) = development_dir(&file.path, root) {
            evidence.push(Evidence {
                points_to: Class::Development,
                what: format!("{} lies under `{dir}/`", file.display),
                span: None,
            });
            return Classification {
                class: Class::Development,
                evidence,
            };
        }
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(class) = by_name(&name) {
            evidence.push(Evidence {
                points_to: class,
                what: format!("`{name}` is named like a {} file", class.as_str()),
                span: None,
            });
            // A development overlay makes the stack development, whatever the base.
            if name_class != Some(Class::Development) {
                name_class = Some(class);
            }
        }
    }
    // What the files say and what their services run.
    let mut content = Vec::new();
    for id in &stack.files {
        if let Some(e) = opening_comment(sources, *id) {
            content.push(e);
        }
    }
    for (i, svc) in stack.services.iter().enumerate() {
        service_signals(svc, images.get(&i).copied(), keep_text, &mut content);
    }
    content.extend(around.signals.iter().cloned());
    let dev = content
        .iter()
        .filter(|e| e.points_to == Class::Development)
        .count();
    let prod = content
        .iter()
        .filter(|e| e.points_to == Class::Production)
        .count();
    evidence.extend(content);
    let class = match name_class {
        Some(Class::Development) => Class::Development,
        // Named production: it stays production unless the content says
        // development overwhelmingly (several signals, none for production).
        Some(_) => {
            if dev >= 2 && prod == 0 {
                Class::Development
            } else {
                Class::Production
            }
        }
        // Production must be evident: a file that shows neither is unknown.
        None => match (dev, prod) {
            (0, 0) => Class::Unknown,
            (0, _) => Class::Production,
            (_, 0) => Class::Development,
            _ => Class::Unknown,
        },
    };
    // Nobody runs this file alone: its production look is not evidence
    // that it runs in production as it is.
    let class = match (&around.overridden_by, class) {
        (Some(why), Class::Production) if name_class.is_none() => {
            evidence.push(Evidence {
                points_to: Class::Unknown,
                what: why.clone(),
                span: None,
            });
            Class::Unknown
        }
        (_, class) => class,
    };
    Classification { class, evidence }
}

/// The comment block a file opens with, when it says what the file is for.
fn opening_comment(sources: &SourceMap, id: crate::source::FileId) -> Option<Evidence> {
    let file = sources.get(id)?;
    let mut offset = 0;
    for line in file.text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed == "---" {
            continue;
        }
        let comment = trimmed.strip_prefix('#')?;
        let lower = comment.to_ascii_lowercase();
        let negated_production = [
            "not for production",
            "not meant for production",
            "not intended for production",
            "do not use in production",
            "don't use in production",
            "not production",
        ]
        .iter()
        .any(|p| lower.contains(p));
        let development = negated_production
            || [
                "development",
                "local dev",
                "for dev ",
                "dev environment",
                "dev setup",
                "hot reload",
                "hot-reload",
                "live reload",
                "testing only",
                "for testing",
            ]
            .iter()
            .any(|p| lower.contains(p));
        let span = Some(Span::new(id, start, start + line.trim_end().len()));
        if development {
            return Some(Evidence {
                points_to: Class::Development,
                what: "its opening comment says it is for development".into(),
                span,
            });
        }
        if lower.contains("production") {
            return Some(Evidence {
                points_to: Class::Production,
                what: "its opening comment says it is for production".into(),
                span,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for dev in [
            "docker-compose.override.yml",
            "compose.dev.yaml",
            "docker-compose-development.yml",
            "compose.local.yml",
            "docker-compose.test.yml",
            "compose.ci.yaml",
            "docker-compose.e2e.yml",
            "docker-compose_debug.yml",
        ] {
            assert_eq!(by_name(dev), Some(Class::Development), "{dev}");
        }
        for prod in [
            "docker-compose.prod.yml",
            "compose.production.yaml",
            "docker-compose-release.yml",
        ] {
            assert_eq!(by_name(prod), Some(Class::Production), "{prod}");
        }
        for neither in [
            "docker-compose.yml",
            "compose.yaml",
            "docker-compose.device.yml",
            "compose.cicd.yml",
            "docker-compose.latest.yml",
            "docker-compose.monitoring.yml",
        ] {
            assert_eq!(by_name(neither), None, "{neither}");
        }
    }
}
