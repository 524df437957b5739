//! The check pipeline: discover, load compose files and Dockerfiles (in
//! parallel, each Dockerfile parsed once), join services to image facts, run
//! the rules, and sort and fingerprint the findings.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::compose::{self, BuildContext, ComposeFile, Env, LoadProblem};
use crate::diagnostic::{self, Diagnostic};
use crate::discover::{self, Found};
use crate::dockerfile::ignore::DockerIgnore;
use crate::dockerfile::{self, Dockerfile, ImageFacts, facts::FactsError};
use crate::paths::{normalize_host, slash};
use crate::rules::{self, Context};
use crate::source::{FileId, ReadError, SourceFile, SourceMap, Span, read_text};

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub paths: Vec<PathBuf>,
    /// Directory that reported paths are relative to (the SARIF `%SRCROOT%`).
    pub cwd: PathBuf,
    pub env: Env,
}

/// The result of a check.
#[derive(Debug)]
pub struct Outcome {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    /// Compose files checked.
    pub compose_files: usize,
    /// Dockerfiles read.
    pub dockerfiles: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Discover(#[from] discover::DiscoverError),
}

/// The path shown in reports: relative to `cwd` with forward slashes when inside it.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    match path.strip_prefix(cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => slash(rel),
        _ => slash(path),
    }
}

/// A service's image facts, or the problem that prevents them (none when the
/// Dockerfile was deliberately not read).
fn join_image(
    svc: &compose::Service,
    path: &Path,
    load: Option<&DockerfileLoad>,
    cwd: &Path,
) -> Result<ImageFacts, Option<LoadProblem>> {
    let Some(build) = &svc.build else {
        return Err(None);
    };
    match load {
        Some(DockerfileLoad::Parsed(df)) => {
            let target = build.target.as_ref().map(|t| t.value.as_str());
            dockerfile::image_facts(df, target, &build.args).map_err(|e| {
                Some(match e {
                    FactsError::TargetNotFound(t) => LoadProblem {
                        span: build.target.as_ref().map_or(build.span, |t| t.span),
                        message: format!(
                            "service `{}`: build target `{t}` is not a stage of {}",
                            svc.name.value,
                            display_path(path, cwd)
                        ),
                    },
                    FactsError::NoStage => LoadProblem {
                        span: build.span,
                        message: format!(
                            "service `{}`: {} has no FROM instruction",
                            svc.name.value,
                            display_path(path, cwd)
                        ),
                    },
                })
            })
        }
        Some(DockerfileLoad::Unreadable(e)) => Err(Some(LoadProblem {
            span: build.dockerfile.as_ref().map_or(build.span, |d| d.span),
            message: format!(
                "service `{}`: cannot read Dockerfile {}: {e}",
                svc.name.value,
                display_path(path, cwd)
            ),
        })),
        _ => Err(None),
    }
}

/// Does `path` (lexically under `base`, itself inside the scan root) pass
/// through a symlink that resolves outside the scan root? Only the components below
/// `base` are looked at: one `lstat` each, and a `canonicalize` only where a
/// symlink is found.
fn escapes(path: &Path, base: &Path, root: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(base) else {
        return true;
    };
    let mut cur = base.to_path_buf();
    for comp in rel.components() {
        cur.push(comp);
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                let real_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
                return !cur
                    .canonicalize()
                    .is_ok_and(|real| real.starts_with(real_root));
            }
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

enum DockerfileLoad {
    Parsed(Dockerfile),
    /// Resolves outside the scan root: not read, not reported.
    Outside,
    Invalid(LoadProblem),
    Unreadable(String),
}

struct LoadedCompose {
    source: SourceFile,
    compose: ComposeFile,
    problems: Vec<LoadProblem>,
}

fn load_compose(idx: usize, found: &Found, cwd: &Path, env: &Env) -> LoadedCompose {
    let id = FileId(u32::try_from(idx).unwrap_or(u32::MAX));
    let display = display_path(&found.path, cwd);
    match read_text(&found.path) {
        Ok(text) => {
            let (compose, problems) = compose::load(id, &found.path, &text, found.production, env);
            LoadedCompose {
                source: SourceFile::new(found.path.clone(), display, text),
                compose,
                problems,
            }
        }
        Err(e) => {
            // Invalid UTF-8 keeps its text (bad bytes replaced) so the location shows;
            // binary and oversized files are not kept.
            let (text, at) = match &e {
                ReadError::NotUtf8 { offset, lossy } => (lossy.clone(), *offset),
                _ => (String::new(), 0),
            };
            LoadedCompose {
                source: SourceFile::new(found.path.clone(), display, text),
                compose: ComposeFile {
                    file: id,
                    path: found.path.clone(),
                    production: found.production,
                    services: Vec::new(),
                },
                problems: vec![LoadProblem {
                    span: Span::new(id, at, at),
                    message: format!("{e}"),
                }],
            }
        }
    }
}

pub fn check(opts: &CheckOptions) -> Result<Outcome, CheckError> {
    let found = discover::discover(&opts.paths, &opts.cwd)?;
    let loaded: Vec<LoadedCompose> = found
        .par_iter()
        .enumerate()
        .map(|(i, f)| load_compose(i, f, &opts.cwd, &opts.env))
        .collect();

    let mut sources = SourceMap::default();
    let mut files = Vec::with_capacity(loaded.len());
    let mut invalid = Vec::new();
    for l in loaded {
        sources.add(l.source);
        files.push(l.compose);
        invalid.extend(l.problems);
    }

    // Which Dockerfile each service builds from; each distinct file is read once.
    // Lexically outside the scan root: not read (checked again after symlinks, below).
    let mut wanted: BTreeMap<(usize, usize), PathBuf> = BTreeMap::new();
    // For each Dockerfile, the directory below which symlinks must be checked:
    // the compose file's directory was reached without following symlinks.
    let mut safe_bases: HashMap<PathBuf, (PathBuf, PathBuf)> = HashMap::new();
    for (fi, file) in files.iter().enumerate() {
        let Some(root) = found.get(fi).map(|f| f.root.as_path()) else {
            continue;
        };
        for (si, svc) in file.services.iter().enumerate() {
            let Some(build) = &svc.build else { continue };
            let BuildContext::Local(ctx) = &build.context else {
                continue;
            };
            let name = build
                .dockerfile
                .as_ref()
                .map_or("Dockerfile", |d| d.value.as_str());
            let path = normalize_host(&ctx.join(name));
            if build.inline || !ctx.starts_with(root) || !path.starts_with(root) {
                continue;
            }
            let compose_dir = file.path.parent().unwrap_or(root);
            let base = if path.starts_with(compose_dir) && compose_dir.starts_with(root) {
                compose_dir
            } else {
                root
            };
            safe_bases.insert(path.clone(), (base.to_path_buf(), root.to_path_buf()));
            wanted.insert((fi, si), path);
        }
    }
    let unique: Vec<PathBuf> = wanted
        .values()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let base = files.len();
    let parsed: Vec<(SourceFile, DockerfileLoad)> = unique
        .par_iter()
        .enumerate()
        .map(|(i, path)| {
            let id = FileId(u32::try_from(base + i).unwrap_or(u32::MAX));
            let display = display_path(path, &opts.cwd);
            // A symlink that leads out of the scan root is not followed.
            if safe_bases
                .get(path)
                .is_some_and(|(base, root)| escapes(path, base, root))
            {
                return (
                    SourceFile::new(path.clone(), display, String::new()),
                    DockerfileLoad::Outside,
                );
            }
            match read_text(path) {
                Ok(text) => {
                    let df = match dockerfile::parse(id, &text) {
                        Ok(df) => DockerfileLoad::Parsed(df),
                        Err(problem) => DockerfileLoad::Invalid(problem),
                    };
                    (SourceFile::new(path.clone(), display, text), df)
                }
                Err(e) => (
                    SourceFile::new(path.clone(), display, String::new()),
                    DockerfileLoad::Unreadable(e.to_string()),
                ),
            }
        })
        .collect();
    let mut dockerfiles: HashMap<PathBuf, DockerfileLoad> = HashMap::with_capacity(unique.len());
    let mut unreadable = Vec::new();
    for (source, df) in parsed {
        let path = source.path.clone();
        sources.add(source);
        if let DockerfileLoad::Invalid(problem) = &df {
            // A syntax error points into the Dockerfile itself, once.
            unreadable.push(problem.clone());
        }
        dockerfiles.insert(path, df);
    }

    let joined: Vec<(usize, usize, Result<ImageFacts, Option<LoadProblem>>)> = wanted
        .par_iter()
        .map(|(&(fi, si), path)| {
            let svc = files.get(fi).and_then(|f| f.services.get(si));
            let result = match svc {
                Some(svc) => join_image(svc, path, dockerfiles.get(path), &opts.cwd),
                None => Err(None),
            };
            (fi, si, result)
        })
        .collect();
    let mut images = BTreeMap::new();
    for (fi, si, result) in joined {
        match result {
            Ok(facts) => {
                images.insert((fi, si), facts);
            }
            Err(Some(problem)) => unreadable.push(problem),
            Err(None) => {}
        }
    }

    // `.dockerignore` of each local context whose Dockerfile is read, loaded once.
    let contexts: BTreeSet<PathBuf> = wanted
        .keys()
        .filter_map(|(fi, si)| files.get(*fi)?.services.get(*si)?.build.as_ref())
        .filter_map(|b| match &b.context {
            BuildContext::Local(dir) => Some(dir.clone()),
            BuildContext::Remote(_) => None,
        })
        .collect();
    let dockerignores: BTreeMap<PathBuf, DockerIgnore> = contexts
        .into_par_iter()
        .filter_map(|dir| DockerIgnore::load(&dir).map(|d| (dir, d)))
        .collect();

    let cx = Context {
        dockerignores: &dockerignores,
        sources: &sources,
        files: &files,
        images: &images,
        invalid: &invalid,
        unreadable: &unreadable,
    };
    let mut diagnostics = rules::run_all(&cx);
    diagnostic::finish(&sources, &mut diagnostics);
    Ok(Outcome {
        compose_files: files.len(),
        dockerfiles: dockerfiles
            .values()
            .filter(|d| matches!(d, DockerfileLoad::Parsed(_) | DockerfileLoad::Invalid(_)))
            .count(),
        sources,
        diagnostics,
    })
}
