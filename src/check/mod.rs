//! The check pipeline, as named stages, each a function with typed input
//! and output:
//!
//! 1. `setup`: discover the compose files and load berth.yml;
//! 2. `plan::plan`: the stacks to check, grouped into units (one project
//!    directory each), with what the repository's scripts and READMEs say;
//! 3. `unit::check_unit`, per unit and in parallel: load the stacks, resolve
//!    and load their Dockerfiles (`images`), join services to image facts,
//!    classify each stack, run the rules; the unit's parse trees are released
//!    when it is done;
//! 4. `finish`: mask secrets, apply suppressions, then sort, merge and
//!    fingerprint the findings.

mod images;
mod plan;
mod report;
mod unit;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::compose::Env;
use crate::compose::files::FileTable;
use crate::config;
use crate::diagnostic::{self, Diagnostic};
use crate::discover::{self, Found, Seen};
use crate::paths::normalize_host;
use crate::rules;
use crate::runs;
use crate::source::{SourceMap, Span};
use crate::suppress;

pub use report::{EvidenceReport, StackReport};

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub paths: Vec<PathBuf>,
    /// `--config FILE`; default: `berth.yml` or `.berth.yml` at the first path.
    pub config: Option<PathBuf>,
    /// `--select`: run only these rules (ids or names).
    pub select: Vec<String>,
    /// Directory that reported paths are relative to (the SARIF `%SRCROOT%`).
    pub cwd: PathBuf,
    pub env: Env,
    /// Keep each stack's class and evidence for `berth stacks` (a check
    /// alone does not build that text).
    pub report_stacks: bool,
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
    /// The rule settings the run used (for SARIF's rule list).
    pub policy: rules::Policy,
    /// A baseline was given: SARIF marks each result new or unchanged.
    pub baseline_used: bool,
    /// Every stack checked, with its class and why (`berth stacks`).
    pub stacks: Vec<StackReport>,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Discover(#[from] discover::DiscoverError),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
}

/// The nearest directory at or above `cwd` that holds `.git`, else `cwd`:
/// fingerprints are relative to it.
pub fn repository_root(cwd: &Path) -> PathBuf {
    cwd.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(cwd)
        .to_path_buf()
}

pub fn check(opts: &CheckOptions) -> Result<Outcome, CheckError> {
    let (found, seen, config) = setup(opts)?;
    let table = FileTable::new(&opts.cwd);
    // What the walk saw answers "is there a README or a Makefile here?"
    // without a system call; files named on the command line were not walked.
    let repo = runs::Repository::new((!seen.files.is_empty()).then_some((&seen.files, &seen.dirs)));
    let units = plan::plan(&found, &config, opts, &table, repo);
    let shared = unit::Shared {
        opts,
        config: &config,
        table: &table,
        seen: &seen,
    };
    let results: Vec<unit::UnitResult> = units
        .par_iter()
        .map(|u| unit::check_unit(u, &shared))
        .collect();
    Ok(finish(opts, config, table, results))
}

/// Stage 1: the compose files to check (less those berth.yml ignores), what
/// the walk saw, and the configuration with `--select` applied.
fn setup(opts: &CheckOptions) -> Result<(Vec<Found>, Seen, config::Loaded), CheckError> {
    let (found, seen) = discover::discover(&opts.paths, &opts.cwd)?;
    let mut config = match &opts.config {
        Some(path) => config::load(path)?,
        None => {
            let root = opts
                .paths
                .first()
                .map_or_else(|| opts.cwd.clone(), |p| normalize_host(&opts.cwd.join(p)));
            match config::find(&root) {
                Some(path) => config::load(&path)?,
                None => config::Loaded::default(),
            }
        }
    };
    if !opts.select.is_empty() {
        config
            .policy
            .select(&opts.select)
            .map_err(|message| config::ConfigError::Invalid {
                path: "--select".into(),
                message,
            })?;
    }
    let found = found
        .into_iter()
        .filter(|f| !config.ignores(&f.path))
        .collect();
    Ok((found, seen, config))
}

/// Stage 4: the units' findings as one sorted, merged, fingerprinted list.
/// Secrets never leave berth: they are masked in the text every report
/// shows (and that line hashes are computed from) before anything else.
fn finish(
    opts: &CheckOptions,
    config: config::Loaded,
    table: FileTable,
    results: Vec<unit::UnitResult>,
) -> Outcome {
    let compose_files = table.compose_count();
    let mut sources = table.into_sources();
    let mut diagnostics = Vec::new();
    let mut stacks = Vec::new();
    // Counted by hash: ordering thousands of paths compares them component
    // by component.
    let mut dockerfiles = std::collections::HashSet::new();
    for r in results {
        diagnostics.extend(r.diagnostics);
        stacks.extend(r.stacks);
        dockerfiles.extend(r.dockerfiles);
    }
    stacks.sort_by(|a: &StackReport, b| a.files.cmp(&b.files));
    stacks.dedup_by(|a, b| a.files == b.files);
    let secrets: Vec<Span> = diagnostics
        .iter()
        .flat_map(|d| d.secrets.iter().copied())
        .collect();
    sources.mask(&secrets);
    let suppressions = suppress::scan(&sources, sources.ids());
    suppress::apply(
        &sources,
        &suppressions,
        &mut diagnostics,
        &config.policy,
        config.config.require_suppression_reason,
    );
    diagnostic::finish(&sources, &mut diagnostics, &repository_root(&opts.cwd));
    Outcome {
        compose_files,
        policy: config.policy,
        baseline_used: false,
        dockerfiles: dockerfiles.len(),
        sources,
        diagnostics,
        stacks,
    }
}
