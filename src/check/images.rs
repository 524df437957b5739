//! Within a unit (stage 3): resolve which Dockerfile each service builds
//! from, read and parse each once per unit, and join services to the facts
//! of the image their Dockerfile builds.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::compose::files::FileTable;
use crate::compose::{BuildContext, LoadProblem, Service, Stack};
use crate::discover::Seen;
use crate::dockerfile::ignore::DockerIgnore;
use crate::dockerfile::{self, Dockerfile, ImageFacts, facts::FactsError};
use crate::paths::{display_path, normalize_host};
use crate::source::read_text;

/// Services by (stack, service) index.
pub(super) type ServiceKey = (usize, usize);

/// Which Dockerfile each service builds from, and for each Dockerfile the
/// directory below which symlinks must be checked (the compose file's
/// directory was reached without following symlinks) and the scan root.
#[derive(Debug, Default)]
pub(super) struct Wanted {
    pub by_service: BTreeMap<ServiceKey, PathBuf>,
    safe_bases: HashMap<PathBuf, (PathBuf, PathBuf)>,
}

pub(super) enum DockerfileLoad {
    Parsed(Dockerfile),
    /// Resolves outside the scan root: not read, not reported.
    Outside,
    Invalid(LoadProblem),
    Unreadable(String),
}

/// The Dockerfiles the stacks' services build from. One lexically outside
/// the scan root is not read (checked again after symlinks when loading).
pub(super) fn wanted(stacks: &[Stack], roots: &[&Path]) -> Wanted {
    let mut wanted = Wanted::default();
    for (fi, (stack, root)) in stacks.iter().zip(roots).enumerate() {
        for (si, svc) in stack.services.iter().enumerate() {
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
            let compose_dir = stack.dir.as_path();
            let base = if path.starts_with(compose_dir) && compose_dir.starts_with(root) {
                compose_dir
            } else {
                root
            };
            wanted
                .safe_bases
                .insert(path.clone(), (base.to_path_buf(), root.to_path_buf()));
            wanted.by_service.insert((fi, si), path);
        }
    }
    wanted
}

/// Read and parse each wanted Dockerfile once.
pub(super) fn load(
    wanted: &Wanted,
    table: &FileTable,
    seen: &Seen,
) -> BTreeMap<PathBuf, DockerfileLoad> {
    let unique: BTreeSet<&PathBuf> = wanted.by_service.values().collect();
    unique
        .into_iter()
        .map(|path| {
            // A symlink that leads out of the scan root is not followed.
            if wanted
                .safe_bases
                .get(path)
                .is_some_and(|(base, root)| !seen.plain(path, base) && escapes(path, base, root))
            {
                return (path.clone(), DockerfileLoad::Outside);
            }
            let load = match read_text(path) {
                Ok(text) => {
                    let id = table.add(path, text);
                    let text = table.sources().get(id).map_or("", |f| f.text.as_str());
                    match dockerfile::parse(id, text) {
                        Ok(df) => DockerfileLoad::Parsed(df),
                        Err(problem) => DockerfileLoad::Invalid(problem),
                    }
                }
                Err(e) => DockerfileLoad::Unreadable(e.to_string()),
            };
            (path.clone(), load)
        })
        .collect()
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

/// Each service's image facts, and the problems that prevented some
/// (a Dockerfile that cannot be read or parsed, a missing build target).
pub(super) fn join(
    stacks: &[Stack],
    wanted: &Wanted,
    loads: &BTreeMap<PathBuf, DockerfileLoad>,
    cwd: &Path,
) -> (BTreeMap<ServiceKey, ImageFacts>, Vec<LoadProblem>) {
    let mut images = BTreeMap::new();
    // A syntax error points into the Dockerfile itself, once.
    let mut problems: Vec<LoadProblem> = loads
        .values()
        .filter_map(|l| match l {
            DockerfileLoad::Invalid(problem) => Some(problem.clone()),
            _ => None,
        })
        .collect();
    for (&(fi, si), path) in &wanted.by_service {
        let Some(svc) = stacks.get(fi).and_then(|s| s.services.get(si)) else {
            continue;
        };
        match join_image(svc, path, loads.get(path), cwd) {
            Ok(facts) => {
                images.insert((fi, si), facts);
            }
            Err(Some(problem)) => problems.push(problem),
            Err(None) => {}
        }
    }
    (images, problems)
}

/// A service's image facts, or the problem that prevents them (none when the
/// Dockerfile was deliberately not read).
fn join_image(
    svc: &Service,
    path: &Path,
    load: Option<&DockerfileLoad>,
    cwd: &Path,
) -> Result<ImageFacts, Option<LoadProblem>> {
    let Some(build) = &svc.build else {
        return Err(None);
    };
    let problem = |span, what: String| {
        Some(LoadProblem {
            span,
            message: format!("service `{}`: {what}", svc.name.value),
        })
    };
    let shown = display_path(path, cwd);
    match load {
        Some(DockerfileLoad::Parsed(df)) => {
            let target = build.target.as_ref().map(|t| t.value.as_str());
            let context = match &build.context {
                BuildContext::Local(dir) => context_files(df, dir),
                BuildContext::Remote(_) => Default::default(),
            };
            dockerfile::facts::image_facts_in(df, target, &build.args, &context).map_err(
                |e| match e {
                    FactsError::TargetNotFound(t) => problem(
                        build.target.as_ref().map_or(build.span, |t| t.span),
                        format!("build target `{t}` is not a stage of {shown}"),
                    ),
                    FactsError::NoStage => {
                        problem(build.span, format!("{shown} has no FROM instruction"))
                    }
                },
            )
        }
        Some(DockerfileLoad::Unreadable(e)) => Err(problem(
            build.dockerfile.as_ref().map_or(build.span, |d| d.span),
            format!("cannot read Dockerfile {shown}: {e}"),
        )),
        _ => Err(None),
    }
}

/// The build context's tool configuration that moves output (`.yarnrc`),
/// read only when the Dockerfile runs that tool: at the context's root, or
/// in a directory whose files a `COPY` takes (`COPY assets/*yarn* ./`).
fn context_files(df: &Dockerfile, dir: &Path) -> dockerfile::run::ContextFiles {
    let instructions = || df.stages.iter().flat_map(|st| st.instructions.iter());
    let runs_yarn = instructions().any(
        |i| matches!(i, dockerfile::Instruction::Run { script, .. } if script.contains("yarn")),
    );
    if !runs_yarn {
        return Default::default();
    }
    let mut dirs: Vec<String> = vec![String::new()];
    for i in instructions() {
        let dockerfile::Instruction::Copy {
            from: None,
            sources,
            ..
        } = i
        else {
            continue;
        };
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
    let yarnrc = dirs
        .iter()
        .find_map(|d| read_text(&dir.join(d).join(".yarnrc")).ok());
    dockerfile::run::ContextFiles { yarnrc }
}

/// `.dockerignore` of each local context whose Dockerfile is read. Only B102
/// reads it, and only for a bind mount inside the context.
pub(super) fn dockerignores(stacks: &[Stack], wanted: &Wanted) -> BTreeMap<PathBuf, DockerIgnore> {
    let contexts: BTreeSet<&PathBuf> = wanted
        .by_service
        .keys()
        .filter_map(|(fi, si)| stacks.get(*fi)?.services.get(*si))
        .filter_map(|svc| match &svc.build.as_ref()?.context {
            BuildContext::Local(dir)
                if svc
                    .bind_mounts()
                    .any(|m| m.host_path.as_ref().is_some_and(|h| h.starts_with(dir))) =>
            {
                Some(dir)
            }
            _ => None,
        })
        .collect();
    contexts
        .into_iter()
        .filter_map(|dir| DockerIgnore::load(dir).map(|d| (dir.clone(), d)))
        .collect()
}
