//! The check pipeline: discover, load compose files and Dockerfiles (in
//! parallel, each Dockerfile parsed once), join services to image facts, run
//! the rules, and sort and fingerprint the findings.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::compose::{self, BuildContext, ComposeFile, Env, LoadProblem};
use crate::diagnostic::{self, Diagnostic};
use crate::discover::{self, Found};
use crate::dockerfile::{self, Dockerfile, facts::FactsError};
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

enum DockerfileLoad {
    Parsed(Dockerfile),
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

/// Is `path` inside `root`, also after resolving symlinks?
fn inside(path: &Path, root: &Path) -> bool {
    if !path.starts_with(root) {
        return false;
    }
    match (path.canonicalize(), root.canonicalize()) {
        (Ok(p), Ok(r)) => p.starts_with(r),
        _ => true,
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
    let mut wanted: BTreeMap<(usize, usize), PathBuf> = BTreeMap::new();
    for (fi, file) in files.iter().enumerate() {
        let root = &found.get(fi).map_or_else(PathBuf::new, |f| f.root.clone());
        for (si, svc) in file.services.iter().enumerate() {
            let Some(build) = &svc.build else { continue };
            let BuildContext::Local(ctx) = &build.context else {
                continue;
            };
            if build.inline || !inside(ctx, root) {
                continue;
            }
            let name = build
                .dockerfile
                .as_ref()
                .map_or("Dockerfile", |d| d.value.as_str());
            let path = normalize_host(&ctx.join(name));
            if inside(&path, root) {
                wanted.insert((fi, si), path);
            }
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
    let mut dockerfiles: BTreeMap<PathBuf, DockerfileLoad> = BTreeMap::new();
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

    let mut images = BTreeMap::new();
    for ((fi, si), path) in &wanted {
        let Some(svc) = files.get(*fi).and_then(|f| f.services.get(*si)) else {
            continue;
        };
        let Some(build) = &svc.build else { continue };
        match dockerfiles.get(path) {
            Some(DockerfileLoad::Parsed(df)) => {
                let target = build.target.as_ref().map(|t| t.value.as_str());
                match dockerfile::image_facts(df, target, &build.args) {
                    Ok(f) => {
                        images.insert((*fi, *si), f);
                    }
                    Err(FactsError::TargetNotFound(t)) => unreadable.push(LoadProblem {
                        span: build.target.as_ref().map_or(build.span, |t| t.span),
                        message: format!(
                            "service `{}`: build target `{t}` is not a stage of {}",
                            svc.name.value,
                            display_path(path, &opts.cwd)
                        ),
                    }),
                    Err(FactsError::NoStage) => unreadable.push(LoadProblem {
                        span: build.span,
                        message: format!(
                            "service `{}`: {} has no FROM instruction",
                            svc.name.value,
                            display_path(path, &opts.cwd)
                        ),
                    }),
                }
            }
            Some(DockerfileLoad::Unreadable(e)) => unreadable.push(LoadProblem {
                span: build.dockerfile.as_ref().map_or(build.span, |d| d.span),
                message: format!(
                    "service `{}`: cannot read Dockerfile {}: {e}",
                    svc.name.value,
                    display_path(path, &opts.cwd)
                ),
            }),
            _ => {}
        }
    }

    let cx = Context {
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
            .filter(|d| !matches!(d, DockerfileLoad::Unreadable(_)))
            .count(),
        sources,
        diagnostics,
    })
}
