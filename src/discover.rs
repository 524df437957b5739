//! Finding compose files under the given paths, and telling production files
//! from development ones by their names.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A compose file to check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    /// Absolute path (not canonicalised: symlinks keep their own name).
    pub path: PathBuf,
    /// The scan root it was found under: build contexts outside it are not read.
    pub root: PathBuf,
    /// Named on the command line: checked on its own, whatever its name.
    pub explicit: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{0}: no such file or directory")]
    NotFound(String),
    #[error("{path}: {message}")]
    Walk { path: String, message: String },
}

/// `compose.yaml`, `docker-compose.yml` and variants such as
/// `docker-compose.prod.yml`, `compose.dev.yaml`, `docker-compose-production.yml`.
pub fn is_compose_file_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some(stem) = lower
        .strip_suffix(".yml")
        .or_else(|| lower.strip_suffix(".yaml"))
    else {
        return false;
    };
    let rest = stem
        .strip_prefix("docker-compose")
        .or_else(|| stem.strip_prefix("compose"));
    match rest {
        Some("") => true,
        Some(r) => {
            (r.starts_with('.') || r.starts_with('-'))
                && r.len() > 1
                && r[1..]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        }
        None => false,
    }
}

/// Tells production files from development ones: berth.yml's patterns
/// (regular expressions on the file name; a production match wins) or, by
/// default, the name's words ([`crate::classify::by_name`]).
#[derive(Debug, Clone, Default)]
pub struct Classifier {
    pub production: Vec<regex::Regex>,
    pub development: Vec<regex::Regex>,
}

impl Classifier {
    /// berth.yml's patterns decide this file (one of them matches it).
    pub fn declares(&self, path: &Path) -> bool {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        self.production
            .iter()
            .chain(&self.development)
            .any(|r| r.is_match(&name))
    }

    pub fn is_development(&self, path: &Path) -> bool {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        if self.production.iter().any(|r| r.is_match(&name)) {
            return false;
        }
        if self.development.is_empty() {
            crate::classify::by_name(&name) == Some(crate::classify::Class::Development)
        } else {
            self.development.iter().any(|r| r.is_match(&name))
        }
    }
}

use crate::compose::BASE_NAMES;
use crate::paths::file_name;

/// Default stacks of one directory's compose files (sorted paths):
/// `COMPOSE_FILE` when set (from the environment for the working directory,
/// or the directory's `.env`); otherwise the base file alone (production), and
/// the base file with each other file in the directory, production or
/// development by the overlay's name. Files without a base stand alone.
pub fn plan_directory(
    dir: &Path,
    files: &[PathBuf],
    classifier: &Classifier,
    compose_file: Option<(String, String)>,
) -> Vec<crate::compose::StackSpec> {
    use crate::compose::StackSpec;
    let production_of = |fs: &[PathBuf]| !fs.iter().any(|f| classifier.is_development(f));
    let mut stacks = Vec::new();
    let mut rest: Vec<PathBuf> = files.to_vec();
    if let Some((list, sep)) = compose_file {
        let listed: Vec<PathBuf> = list
            .split(sep.as_str())
            .filter(|p| !p.trim().is_empty())
            .map(|p| crate::paths::normalize_host(&dir.join(p.trim())))
            .collect();
        if !listed.is_empty() {
            rest.retain(|f| !listed.contains(f));
            stacks.push(StackSpec {
                production: production_of(&listed),
                files: listed,
                env_files: Vec::new(),
                name: None,
            });
            for f in rest {
                stacks.push(StackSpec {
                    production: production_of(std::slice::from_ref(&f)),
                    files: vec![f],
                    env_files: Vec::new(),
                    name: None,
                });
            }
            return stacks;
        }
    }
    let base = BASE_NAMES
        .iter()
        .find_map(|b| rest.iter().find(|f| file_name(f) == *b).cloned());
    match base {
        Some(base) => {
            rest.retain(|f| *f != base);
            stacks.push(StackSpec {
                files: vec![base.clone()],
                production: !classifier.is_development(&base),
                env_files: Vec::new(),
                name: None,
            });
            for overlay in rest {
                let is_base = BASE_NAMES.contains(&file_name(&overlay).as_str());
                let files = if is_base {
                    vec![overlay]
                } else {
                    vec![base.clone(), overlay]
                };
                stacks.push(StackSpec {
                    production: production_of(&files),
                    files,
                    env_files: Vec::new(),
                    name: None,
                });
            }
        }
        None => {
            for f in rest {
                stacks.push(StackSpec {
                    production: !classifier.is_development(&f),
                    files: vec![f],
                    env_files: Vec::new(),
                    name: None,
                });
            }
        }
    }
    stacks
}

/// Regular files and directories the walk reached without following a
/// symlink (ignored entries are not walked, so absence means nothing).
#[derive(Debug, Default)]
pub struct Seen {
    pub files: std::collections::HashSet<PathBuf>,
    pub dirs: std::collections::HashSet<PathBuf>,
}

impl Seen {
    /// `path` and every directory from `base` down to it were walked as plain
    /// entries: no symlink is on the way.
    pub fn plain(&self, path: &Path, base: &Path) -> bool {
        self.files.contains(path)
            && path
                .ancestors()
                .skip(1)
                .take_while(|d| d.starts_with(base) && *d != base)
                .all(|d| self.dirs.contains(d))
    }
}

/// Find compose files. A file given explicitly is checked whatever its name;
/// directories are walked honouring `.gitignore`, `.ignore` and git excludes,
/// skipping `.git` and `node_modules`, without following symlinked
/// directories; a symlinked file is checked only when it resolves inside the
/// scan root.
/// Also returns what the walk saw.
pub fn discover(paths: &[PathBuf], cwd: &Path) -> Result<(Vec<Found>, Seen), DiscoverError> {
    let mut found = Vec::new();
    let mut seen = Seen::default();
    for given in paths {
        let abs = crate::paths::normalize_host(&cwd.join(given));
        let meta = std::fs::metadata(&abs)
            .map_err(|_| DiscoverError::NotFound(given.display().to_string()))?;
        if meta.is_file() {
            let root = abs.parent().map_or_else(|| abs.clone(), Path::to_path_buf);
            found.push(Found {
                path: abs,
                root,
                explicit: true,
            });
            continue;
        }
        walk(&abs, &mut found, &mut seen)?;
    }
    found.sort();
    found.dedup_by(|a, b| a.path == b.path);
    Ok((found, seen))
}

fn walk(root: &Path, found: &mut Vec<Found>, seen: &mut Seen) -> Result<(), DiscoverError> {
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .ignore(true)
        .parents(true)
        .follow_links(false)
        .filter_entry(|e| {
            let name = e.file_name();
            !(e.file_type().is_some_and(|t| t.is_dir())
                && (name == ".git" || name == "node_modules"))
        })
        .build_parallel();
    let results: Mutex<Vec<Result<Found, DiscoverError>>> = Mutex::new(Vec::new());
    let plain: Mutex<(Vec<PathBuf>, Vec<PathBuf>)> = Mutex::new((Vec::new(), Vec::new()));
    walker.run(|| {
        let results = &results;
        let plain = &plain;
        let canonical_root = &canonical_root;
        Box::new(move |entry| {
            if let Ok(e) = &entry
                && let Some(ft) = e.file_type()
                && (ft.is_file() || ft.is_dir())
                && let Ok(mut p) = plain.lock()
            {
                let list = if ft.is_file() { &mut p.0 } else { &mut p.1 };
                list.push(e.path().to_path_buf());
            }
            let item = match entry {
                Ok(entry) => visit(&entry, root, canonical_root).map(Ok),
                Err(e) => Some(Err(DiscoverError::Walk {
                    path: root.display().to_string(),
                    message: e.to_string(),
                })),
            };
            if let Some(item) = item
                && let Ok(mut r) = results.lock()
            {
                r.push(item);
            }
            ignore::WalkState::Continue
        })
    });
    let results = results.into_inner().unwrap_or_default();
    for r in results {
        found.push(r?);
    }
    let (files, dirs) = plain.into_inner().unwrap_or_default();
    seen.files.extend(files);
    seen.dirs.extend(dirs);
    Ok(())
}

/// A walked entry that is a compose file to check.
fn visit(entry: &ignore::DirEntry, root: &Path, canonical_root: &Path) -> Option<Found> {
    let ft = entry.file_type()?;
    if !is_compose_file_name(&entry.file_name().to_string_lossy()) {
        return None;
    }
    let path = entry.path();
    if ft.is_symlink() {
        let target = path.canonicalize().ok()?;
        if !target.starts_with(canonical_root) || !target.is_file() {
            return None;
        }
    } else if !ft.is_file() {
        return None;
    }
    Some(Found {
        path: path.to_path_buf(),
        root: root.to_path_buf(),
        explicit: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_need_every_directory_walked() {
        let mut seen = Seen::default();
        seen.dirs.insert("/r/p".into());
        seen.dirs.insert("/r/p/api".into());
        seen.files.insert("/r/p/api/Dockerfile".into());
        seen.files.insert("/r/p/link/Dockerfile".into());
        assert!(seen.plain(Path::new("/r/p/api/Dockerfile"), Path::new("/r/p")));
        // `link` was not walked as a directory (a symlink, or ignored): check it.
        assert!(!seen.plain(Path::new("/r/p/link/Dockerfile"), Path::new("/r/p")));
        assert!(!seen.plain(Path::new("/r/p/api/Other"), Path::new("/r/p")));
    }

    #[test]
    fn compose_names() {
        for ok in [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yaml",
            "docker-compose.yml",
            "docker-compose.prod.yml",
            "compose.dev.yaml",
            "docker-compose-production.yml",
            "compose.ci.yaml",
            "Docker-Compose.YML",
        ] {
            assert!(is_compose_file_name(ok), "{ok}");
        }
        for no in [
            "compose.json",
            "docker-compose.yml.bak",
            "my-compose.yml",
            "composer.yml",
            "compose..yml",
            "docker-compose.",
            "Dockerfile",
        ] {
            assert!(!is_compose_file_name(no), "{no}");
        }
    }
}
