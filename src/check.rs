//! The check pipeline: discover compose files, plan stacks, load them and the
//! Dockerfiles (in parallel, each file read and parsed once), join services to
//! image facts, run the rules, and sort, merge and fingerprint the findings.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::classify::{Class, Declared, classify};
use crate::compose::files::FileTable;
use crate::compose::{self, BuildContext, Env, LoadProblem, Stack, StackSpec, load_stack};
use crate::config;
use crate::diagnostic::{self, Diagnostic};
use crate::discover::{self, Found};
use crate::dockerfile::ignore::DockerIgnore;
use crate::dockerfile::{self, Dockerfile, ImageFacts, facts::FactsError};
use crate::paths::{normalize_host, slash};
use crate::rules::{self, Context};
use crate::runs;
use crate::source::{SourceMap, Span, read_text};
use crate::suppress;

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

/// A checked stack as `berth stacks` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StackReport {
    /// Display paths, in `-f` order.
    pub files: Vec<String>,
    pub class: &'static str,
    pub evidence: Vec<EvidenceReport>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EvidenceReport {
    pub points_to: &'static str,
    pub what: String,
    /// `path:line`, when the signal is written in a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

fn stack_report(stack: &Stack, sources: &SourceMap) -> StackReport {
    StackReport {
        files: stack
            .files
            .iter()
            .map(|id| sources.display(*id).to_string())
            .collect(),
        class: stack.class.class.as_str(),
        evidence: stack
            .class
            .evidence
            .iter()
            .map(|e| EvidenceReport {
                points_to: e.points_to.as_str(),
                what: e.what.clone(),
                at: e.span.and_then(|span| {
                    let file = sources.get(span.file)?;
                    Some(format!(
                        "{}:{}",
                        file.display,
                        file.line_col(span.start).line
                    ))
                }),
            })
            .collect(),
    }
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
            let context = match &build.context {
                BuildContext::Local(dir) => context_files(df, dir),
                BuildContext::Remote(_) => Default::default(),
            };
            dockerfile::facts::image_facts_in(df, target, &build.args, &context).map_err(|e| {
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

/// The build context's tool configuration that moves output (`.yarnrc`),
/// read only when the Dockerfile runs that tool: at the context's root, or
/// in a directory whose files a `COPY` takes (`COPY assets/*yarn* ./`).
fn context_files(df: &Dockerfile, dir: &Path) -> dockerfile::run::ContextFiles {
    let runs_yarn = df.stages.iter().any(|st| {
        st.instructions.iter().any(
            |i| matches!(i, dockerfile::Instruction::Run { script, .. } if script.contains("yarn")),
        )
    });
    if !runs_yarn {
        return Default::default();
    }
    let mut dirs: Vec<String> = vec![String::new()];
    for st in &df.stages {
        for i in &st.instructions {
            if let dockerfile::Instruction::Copy {
                from: None,
                sources,
                ..
            } = i
            {
                for src in sources {
                    if let Some((parent, _)) = src.trim_start_matches("./").rsplit_once('/')
                        && !parent.contains(['$', '*', '?', '['])
                        && !parent.starts_with("..")
                        && !dirs.iter().any(|d| d == parent)
                        && dirs.len() < 8
                    {
                        dirs.push(parent.to_string());
                    }
                }
            }
        }
    }
    let yarnrc = dirs
        .iter()
        .find_map(|d| read_text(&dir.join(d).join(".yarnrc")).ok());
    dockerfile::run::ContextFiles { yarnrc }
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

/// Stacks to load: those berth.yml declares, then the default stacks of each
/// directory they do not cover; a file named on the command line stands alone.
fn plan(
    found: &[Found],
    config: &config::Loaded,
    env: &Env,
    cwd: &Path,
    table: &FileTable,
    repo: &mut runs::Repository<'_>,
) -> (Vec<StackSpec>, Plan) {
    let mut specs = config.stacks();
    let mut notes = Vec::new();
    let mut only_with = Vec::new();
    let covered: BTreeSet<PathBuf> = specs
        .iter()
        .flat_map(|s| {
            s.files
                .iter()
                .filter_map(|f| f.parent().map(Path::to_path_buf))
        })
        .collect();
    let mut by_dir: BTreeMap<PathBuf, (PathBuf, Vec<PathBuf>)> = BTreeMap::new();
    for f in found {
        let dir = f.path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
        if f.explicit {
            specs.push(StackSpec {
                production: !config.classifier.is_development(&f.path),
                files: vec![f.path.clone()],
                env_files: Vec::new(),
                name: None,
            });
        } else if !covered.contains(&dir) {
            by_dir
                .entry(dir)
                .or_insert_with(|| (f.root.clone(), Vec::new()))
                .1
                .push(f.path.clone());
        }
    }
    // Whether an overlay is complete needs it parsed: parse the candidates in
    // parallel now (the table keeps them for loading) rather than one by one
    // in the loop below.
    let overlays: Vec<&PathBuf> = by_dir
        .values()
        .filter(|(_, files)| files.len() >= 2)
        .flat_map(|(_, files)| files.iter())
        .filter(|f| !discover::BASE_NAMES.contains(&file_name(f).as_str()))
        .collect();
    overlays.par_iter().for_each(|f| {
        table.compose(f);
    });
    for (dir, (root, files)) in by_dir {
        let compose_file = compose_file_setting(&dir, env, cwd);
        let planned =
            discover::plan_directory(&dir, &files, &config.classifier, compose_file.clone());
        if compose_file.is_some() || files.len() < 2 {
            specs.extend(planned);
            continue;
        }
        let scripts = repo.invocations(&dir, &root, &|p| display_path(p, cwd));
        // A command that names several of this directory's files is a stack
        // the repository runs: check exactly that (`-f a.yml -f b.override.yml`).
        for inv in &scripts {
            let listed: Vec<PathBuf> = inv
                .files
                .iter()
                .filter_map(|name| files.iter().find(|f| file_name(f) == *name).cloned())
                .collect();
            if listed.len() >= 2 && listed.len() == inv.files.len() {
                let production = !listed.iter().any(|f| config.classifier.is_development(f));
                notes.push((
                    listed.clone(),
                    format!("{} runs these files together", inv.at),
                ));
                specs.push(StackSpec {
                    files: listed,
                    production,
                    env_files: Vec::new(),
                    name: None,
                });
            }
        }
        for spec in planned {
            if let [only] = spec.files.as_slice() {
                let name = file_name(only);
                if let Some(inv) = scripts.iter().find(|i| i.files == [name.clone()]) {
                    notes.push((
                        spec.files.clone(),
                        format!("{} runs `{name}` on its own", inv.at),
                    ));
                } else if let Some(inv) = scripts.iter().find(|i| i.files.contains(&name)) {
                    // The scripts name it only together with other files.
                    let with: Vec<&str> = inv
                        .files
                        .iter()
                        .map(String::as_str)
                        .filter(|f| *f != name)
                        .collect();
                    only_with.push((
                        spec.files.clone(),
                        format!("{} runs it only with `{}`", inv.at, with.join("`, `")),
                    ));
                }
            }
            let [base, overlay] = spec.files.as_slice() else {
                specs.push(spec);
                continue;
            };
            let overlay_name = file_name(overlay);
            // `docker compose up` loads the override file with the base file.
            if overlay_name.contains(".override.") {
                specs.push(spec);
                continue;
            }
            let used = runs::usage(&scripts, &file_name(base), &overlay_name);
            let (alone, on_base) = match (used.alone.is_empty(), used.with_base.is_empty()) {
                (false, true) => (true, false),
                (true, false) => (false, true),
                (false, false) => (true, true),
                // The scripts run it only with other files: that stack was
                // added above, and neither guess is what runs.
                (true, true) if scripts.iter().any(|i| i.files.contains(&overlay_name)) => {
                    (false, false)
                }
                (true, true) => {
                    let complete = is_complete(table, overlay);
                    (complete, !complete)
                }
            };
            let standalone = vec![overlay.clone()];
            if alone {
                let why = match used.alone.first() {
                    Some(at) => format!("{at} runs `{overlay_name}` on its own"),
                    None => format!(
                        "`{overlay_name}` defines complete services (each has `image` or `build`), so it runs on its own"
                    ),
                };
                notes.push((standalone.clone(), why));
                specs.push(StackSpec {
                    files: standalone,
                    ..spec.clone()
                });
            }
            if on_base {
                let why = match used.with_base.first() {
                    Some(at) => {
                        format!("{at} runs `{overlay_name}` on top of `{}`", file_name(base))
                    }
                    None => format!(
                        "`{overlay_name}` only adjusts services of `{}`",
                        file_name(base)
                    ),
                };
                notes.push((spec.files.clone(), why));
                specs.push(spec);
            }
        }
    }
    specs.sort();
    specs.dedup();
    (specs, Plan { notes, only_with })
}

/// What planning learnt from the repository's scripts, by stack files.
#[derive(Debug, Default)]
struct Plan {
    /// How a stack is run (`Makefile:3 runs X on its own`).
    notes: Vec<(Vec<PathBuf>, String)>,
    /// Single files the scripts run only together with other files.
    only_with: Vec<(Vec<PathBuf>, String)>,
}

/// What the repository around a stack says of it: README prose that the
/// set-up is not for production, and whether a base file that stands alone
/// has an override file that `docker compose up` would load with it.
fn surroundings(
    spec: &StackSpec,
    stack: &Stack,
    root: &Path,
    cwd: &Path,
    planned: &Plan,
    repo: &mut runs::Repository<'_>,
) -> crate::classify::Surroundings {
    let mut around = crate::classify::Surroundings::default();
    let said = repo.not_for_production(&stack.dir, root, &|p| display_path(p, cwd));
    if let Some(at) = said {
        around.signals.push(crate::classify::Evidence {
            points_to: Class::Development,
            what: format!("{at} says the set-up is not for production"),
            span: None,
        });
    }
    if let [base] = spec.files.as_slice()
        && discover::BASE_NAMES.contains(&file_name(base).as_str())
        && spec.name.is_none()
    {
        let overlay = [
            "compose.override.yaml",
            "compose.override.yml",
            "docker-compose.override.yaml",
            "docker-compose.override.yml",
        ]
        .iter()
        .find(|o| repo.has(&stack.dir.join(o)));
        let run_alone = planned.notes.iter().any(|(f, _)| f == &spec.files);
        if let Some(o) = overlay
            && !run_alone
        {
            around.overridden_by = Some(format!(
                "`docker compose up` loads `{o}` with it, and no script runs it alone"
            ));
        }
    }
    if let Some((_, why)) = planned.only_with.iter().find(|(f, _)| f == &spec.files) {
        around.overridden_by = Some(why.clone());
    }
    around
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Does every service of the compose file say what it runs (`image`,
/// `build` or `extends`)? Such a file can be run alone.
fn is_complete(table: &FileTable, path: &Path) -> bool {
    let (_, parsed) = table.compose(path);
    let Ok(doc) = parsed.as_ref() else {
        return false;
    };
    let Some(services) = doc.get("services").and_then(|s| s.as_map()) else {
        return false;
    };
    !services.is_empty()
        && services.iter().all(|(_, svc)| {
            ["image", "build", "extends"]
                .iter()
                .any(|k| svc.get(k).is_some())
        })
}

/// `COMPOSE_FILE` (and `COMPOSE_PATH_SEPARATOR`) for a directory: from the
/// environment when it is the working directory, else from its `.env`.
fn compose_file_setting(dir: &Path, env: &Env, cwd: &Path) -> Option<(String, String)> {
    let vars = if dir == cwd {
        compose::project::project_vars(dir, &[], env)
    } else {
        compose::project::project_vars(dir, &[], &Env::default())
    };
    let list = vars.get("COMPOSE_FILE")?.clone();
    let sep = vars
        .get("COMPOSE_PATH_SEPARATOR")
        .cloned()
        .unwrap_or_else(|| ":".to_string());
    Some((list, sep))
}

pub fn check(opts: &CheckOptions) -> Result<Outcome, CheckError> {
    let (found, seen) = discover::discover(&opts.paths, &opts.cwd)?;
    let config = match &opts.config {
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
    let mut config = config;
    if !opts.select.is_empty() {
        config
            .policy
            .select(&opts.select)
            .map_err(|message| config::ConfigError::Invalid {
                path: "--select".into(),
                message,
            })?;
    }
    let found: Vec<Found> = found
        .into_iter()
        .filter(|f| !config.ignores(&f.path))
        .collect();
    let table = FileTable::new(&opts.cwd);
    // What the walk saw answers "is there a README or a Makefile here?"
    // without a system call; files named on the command line were not walked.
    let mut repo =
        runs::Repository::new((!seen.files.is_empty()).then_some((&seen.files, &seen.dirs)));
    let (specs, planned) = plan(&found, &config, &opts.env, &opts.cwd, &table, &mut repo);
    let roots: HashMap<&Path, &Path> = found
        .iter()
        .map(|f| (f.path.as_path(), f.root.as_path()))
        .collect();
    let loaded: Vec<(Stack, Vec<LoadProblem>)> = specs
        .par_iter()
        .map(|spec| load_stack(spec, &opts.env, &table))
        .collect();
    let mut files: Vec<Stack> = Vec::with_capacity(loaded.len());
    let mut stack_roots = Vec::with_capacity(loaded.len());
    let mut invalid = Vec::new();
    for ((stack, problems), spec) in loaded.into_iter().zip(&specs) {
        let root = spec
            .files
            .first()
            .and_then(|f| roots.get(f.as_path()).copied())
            .map_or_else(|| config.dir.clone(), Path::to_path_buf);
        stack_roots.push(root);
        // Compose refuses a stack with a file it cannot read: so do the
        // other rules; B001 says why.
        let mut stack = stack;
        if !problems.is_empty() {
            stack.services.clear();
            stack.versions.clear();
        }
        files.push(stack);
        invalid.extend(problems);
    }

    // Which Dockerfile each service builds from; each distinct file is read once.
    // Lexically outside the scan root: not read (checked again after symlinks, below).
    let mut wanted: BTreeMap<(usize, usize), PathBuf> = BTreeMap::new();
    // For each Dockerfile, the directory below which symlinks must be checked:
    // the compose file's directory was reached without following symlinks.
    let mut safe_bases: HashMap<PathBuf, (PathBuf, PathBuf)> = HashMap::new();
    for (fi, file) in files.iter().enumerate() {
        let Some(root) = stack_roots.get(fi).map(PathBuf::as_path) else {
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
            let compose_dir = file.dir.as_path();
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
    let parsed: Vec<(PathBuf, DockerfileLoad)> = unique
        .par_iter()
        .map(|path| {
            // A symlink that leads out of the scan root is not followed.
            if safe_bases
                .get(path)
                .is_some_and(|(base, root)| !seen.plain(path, base) && escapes(path, base, root))
            {
                return (path.clone(), DockerfileLoad::Outside);
            }
            let df = match read_text(path) {
                Ok(text) => {
                    let id = table.add(path, text.clone());
                    match dockerfile::parse(id, &text) {
                        Ok(df) => DockerfileLoad::Parsed(df),
                        Err(problem) => DockerfileLoad::Invalid(problem),
                    }
                }
                Err(e) => DockerfileLoad::Unreadable(e.to_string()),
            };
            (path.clone(), df)
        })
        .collect();
    let mut dockerfiles: HashMap<PathBuf, DockerfileLoad> = HashMap::with_capacity(unique.len());
    let mut unreadable = Vec::new();
    for (path, df) in parsed {
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
    // Only B102 reads it, and only for a bind mount inside the context.
    let contexts: BTreeSet<PathBuf> = wanted
        .keys()
        .filter_map(|(fi, si)| files.get(*fi)?.services.get(*si))
        .filter_map(|svc| match &svc.build.as_ref()?.context {
            BuildContext::Local(dir)
                if svc
                    .bind_mounts()
                    .any(|m| m.host_path.as_ref().is_some_and(|h| h.starts_with(dir))) =>
            {
                Some(dir.clone())
            }
            _ => None,
        })
        .collect();
    let dockerignores: BTreeMap<PathBuf, DockerIgnore> = contexts
        .into_par_iter()
        .filter_map(|dir| DockerIgnore::load(&dir).map(|d| (dir, d)))
        .collect();

    let compose_files = table.compose_count();
    let sources = table.into_sources();
    // Each stack's class, from berth.yml, names, and what its services run.
    for (fi, (stack, spec)) in files.iter_mut().zip(&specs).enumerate() {
        let declared =
            if spec.name.is_some() || spec.files.iter().any(|f| config.classifier.declares(f)) {
                Declared::Config(if spec.production {
                    Class::Production
                } else {
                    Class::Development
                })
            } else {
                Declared::No
            };
        let own: BTreeMap<usize, &ImageFacts> = images
            .range((fi, 0)..(fi + 1, 0))
            .map(|(&(_, si), facts)| (si, facts))
            .collect();
        let root = stack_roots
            .get(fi)
            .map_or(opts.cwd.as_path(), PathBuf::as_path);
        let around = surroundings(spec, stack, root, &opts.cwd, &planned, &mut repo);
        let mut class = classify(
            stack,
            declared,
            &own,
            &sources,
            root,
            &around,
            opts.report_stacks,
        );
        for (_, why) in planned.notes.iter().filter(|(f, _)| *f == spec.files) {
            class.evidence.push(crate::classify::Evidence {
                points_to: class.class,
                what: why.clone(),
                span: None,
            });
        }
        stack.class = class;
    }

    let mut parsed_dockerfiles: Vec<(&PathBuf, &Dockerfile)> = dockerfiles
        .iter()
        .filter_map(|(p, d)| match d {
            DockerfileLoad::Parsed(df) => Some((p, df)),
            _ => None,
        })
        .collect();
    parsed_dockerfiles.sort_by(|a, b| a.0.cmp(b.0));
    let parsed_dockerfiles: Vec<&Dockerfile> =
        parsed_dockerfiles.into_iter().map(|(_, d)| d).collect();
    let cx = Context {
        policy: &config.policy,
        dockerfiles: &parsed_dockerfiles,
        dockerignores: &dockerignores,
        sources: &sources,
        stacks: &files,
        images: &images,
        invalid: &invalid,
        unreadable: &unreadable,
    };
    let mut diagnostics = rules::run_all(&cx);
    let mut stacks: Vec<StackReport> = if opts.report_stacks {
        files.iter().map(|s| stack_report(s, &sources)).collect()
    } else {
        Vec::new()
    };
    stacks.sort_by(|a, b| a.files.cmp(&b.files));
    stacks.dedup_by(|a, b| a.files == b.files);
    // Secrets never leave berth: mask them in the text every report shows
    // (and that line hashes are computed from).
    let secrets: Vec<Span> = diagnostics
        .iter()
        .flat_map(|d| d.secrets.iter().copied())
        .collect();
    let mut sources = sources;
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
    Ok(Outcome {
        compose_files,
        policy: config.policy.clone(),
        baseline_used: false,
        dockerfiles: dockerfiles
            .values()
            .filter(|d| matches!(d, DockerfileLoad::Parsed(_) | DockerfileLoad::Invalid(_)))
            .count(),
        sources,
        diagnostics,
        stacks,
    })
}
