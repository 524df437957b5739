//! Stage 2, plan: which stacks to check. Those berth.yml declares, then the
//! default stacks of each directory they do not cover, adjusted by what the
//! repository's own scripts run (`docker compose -f a.yml -f b.yml`); a file
//! named on the command line stands alone. Each planned stack carries what
//! the repository around it says (README prose, override files, scripts), so
//! the units checked later need no shared state.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::classify::{Class, Evidence, Surroundings};
use crate::compose::files::FileTable;
use crate::compose::{Env, StackSpec};
use crate::config;
use crate::discover::{self, Found};
use crate::paths::{display_path, file_name};
use crate::runs::{self, Invocation};

/// A stack to check, with what planning learnt about it.
#[derive(Debug)]
pub(super) struct Planned {
    pub spec: StackSpec,
    /// The scan root its first file was found under (berth.yml's directory
    /// for declared stacks).
    pub root: PathBuf,
    pub around: Surroundings,
    /// How the repository's scripts run it (`Makefile:3 runs X on its own`).
    pub notes: Vec<String>,
}

/// The stacks of one project directory: checked together, in parallel with
/// other directories, and released when done.
pub(super) type Unit = Vec<Planned>;

/// What planning learnt from the repository's scripts, by stack files.
#[derive(Debug, Default)]
struct ScriptNotes {
    /// How a stack is run.
    notes: Vec<(Vec<PathBuf>, String)>,
    /// Single files the scripts run only together with other files.
    only_with: Vec<(Vec<PathBuf>, String)>,
}

/// What planning reads; directories are planned in parallel, each into its
/// own `DirPlan`.
struct Planner<'a> {
    config: &'a config::Loaded,
    env: &'a Env,
    cwd: &'a Path,
    table: &'a FileTable,
    repo: runs::Repository<'a>,
}

/// The stacks of one directory and what its scripts say of them.
#[derive(Debug, Default)]
struct DirPlan {
    specs: Vec<StackSpec>,
    scripts: ScriptNotes,
}

/// Plan every stack, grouped into units by the directory of its first file.
pub(super) fn plan(
    found: &[Found],
    config: &config::Loaded,
    opts: &super::CheckOptions,
    table: &FileTable,
    repo: runs::Repository<'_>,
) -> Vec<Unit> {
    let planner = Planner {
        config,
        env: &opts.env,
        cwd: &opts.cwd,
        table,
        repo,
    };
    let mut specs = config.stacks();
    let by_dir = undeclared(&mut specs, found, config);
    preparse_overlays(&by_dir, table);
    let dirs: Vec<DirPlan> = by_dir
        .par_iter()
        .map(|(dir, (root, files))| planner.directory(dir, root, files))
        .collect();
    let mut scripts = ScriptNotes::default();
    for d in dirs {
        specs.extend(d.specs);
        scripts.notes.extend(d.scripts.notes);
        scripts.only_with.extend(d.scripts.only_with);
    }
    specs.sort();
    specs.dedup();
    let roots: HashMap<&Path, &Path> = found
        .iter()
        .map(|f| (f.path.as_path(), f.root.as_path()))
        .collect();
    let planned: Vec<Planned> = specs
        .into_par_iter()
        .map(|spec| planner.finish(spec, &roots, &scripts))
        .collect();
    let mut units: BTreeMap<PathBuf, Unit> = BTreeMap::new();
    for planned in planned {
        let dir = planned
            .spec
            .files
            .first()
            .and_then(|f| f.parent())
            .map_or_else(PathBuf::new, Path::to_path_buf);
        units.entry(dir).or_default().push(planned);
    }
    units.into_values().collect()
}

/// Whether an overlay is complete needs it parsed: parse the candidates in
/// parallel now (the table keeps them for loading) rather than one by one
/// while planning.
fn preparse_overlays(by_dir: &BTreeMap<PathBuf, (PathBuf, Vec<PathBuf>)>, table: &FileTable) {
    let overlays: Vec<&PathBuf> = by_dir
        .values()
        .filter(|(_, files)| files.len() >= 2)
        .flat_map(|(_, files)| files.iter())
        .filter(|f| !crate::compose::BASE_NAMES.contains(&file_name(f).as_str()))
        .collect();
    overlays.par_iter().for_each(|f| {
        table.compose(f);
    });
}

/// Files named on the command line become stacks of their own; the others
/// are grouped by directory (with the scan root they were found under),
/// unless berth.yml declares stacks in that directory.
fn undeclared(
    specs: &mut Vec<StackSpec>,
    found: &[Found],
    config: &config::Loaded,
) -> BTreeMap<PathBuf, (PathBuf, Vec<PathBuf>)> {
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
    by_dir
}

impl Planner<'_> {
    /// The stacks of one directory: its default stacks, corrected by what
    /// the repository's scripts run.
    fn directory(&self, dir: &Path, root: &Path, files: &[PathBuf]) -> DirPlan {
        let mut out = DirPlan::default();
        let compose_file = compose_file_setting(dir, self.env, self.cwd);
        let planned =
            discover::plan_directory(dir, files, &self.config.classifier, compose_file.clone());
        if compose_file.is_some() || files.len() < 2 {
            out.specs.extend(planned);
            return out;
        }
        let cwd = self.cwd;
        let scripts = self.repo.invocations(dir, root, &|p| display_path(p, cwd));
        self.scripted_together(files, &scripts, &mut out);
        for spec in planned {
            if let [only] = spec.files.as_slice() {
                note_single(&spec.files, &file_name(only), &scripts, &mut out.scripts);
            }
            match spec.files.as_slice() {
                [base, overlay] if !file_name(overlay).contains(".override.") => {
                    let (base, overlay) = (base.clone(), overlay.clone());
                    self.overlay(spec, &base, &overlay, &scripts, &mut out);
                }
                // `docker compose up` loads the override file with the base file.
                _ => out.specs.push(spec),
            }
        }
        out
    }

    /// A command that names several of this directory's files is a stack
    /// the repository runs: check exactly that (`-f a.yml -f b.override.yml`).
    fn scripted_together(&self, files: &[PathBuf], scripts: &[Invocation], out: &mut DirPlan) {
        for inv in scripts {
            let listed: Vec<PathBuf> = inv
                .files
                .iter()
                .filter_map(|name| files.iter().find(|f| file_name(f) == *name).cloned())
                .collect();
            if listed.len() >= 2 && listed.len() == inv.files.len() {
                let production = !listed
                    .iter()
                    .any(|f| self.config.classifier.is_development(f));
                out.scripts.notes.push((
                    listed.clone(),
                    format!("{} runs these files together", inv.at),
                ));
                out.specs.push(StackSpec {
                    files: listed,
                    production,
                    env_files: Vec::new(),
                    name: None,
                });
            }
        }
    }

    /// An overlay beside a base file runs on its own, on the base file, or
    /// both, as the scripts show; without scripts, a complete overlay runs
    /// alone and a partial one on the base file.
    fn overlay(
        &self,
        spec: StackSpec,
        base: &Path,
        overlay: &Path,
        scripts: &[Invocation],
        out: &mut DirPlan,
    ) {
        let overlay_name = file_name(overlay);
        let base_name = file_name(base);
        let used = runs::usage(scripts, &base_name, &overlay_name);
        let (alone, on_base) = match (used.alone.is_empty(), used.with_base.is_empty()) {
            (false, true) => (true, false),
            (true, false) => (false, true),
            (false, false) => (true, true),
            // The scripts run it only with other files: that stack was
            // added already, and neither guess is what runs.
            (true, true) if scripts.iter().any(|i| i.files.contains(&overlay_name)) => {
                (false, false)
            }
            (true, true) => {
                let complete = is_complete(self.table, overlay);
                (complete, !complete)
            }
        };
        if alone {
            let why = match used.alone.first() {
                Some(at) => format!("{at} runs `{overlay_name}` on its own"),
                None => format!(
                    "`{overlay_name}` defines complete services (each has `image` or `build`), so it runs on its own"
                ),
            };
            let standalone = vec![overlay.to_path_buf()];
            out.scripts.notes.push((standalone.clone(), why));
            out.specs.push(StackSpec {
                files: standalone,
                ..spec.clone()
            });
        }
        if on_base {
            let why = match used.with_base.first() {
                Some(at) => format!("{at} runs `{overlay_name}` on top of `{base_name}`"),
                None => format!("`{overlay_name}` only adjusts services of `{base_name}`"),
            };
            out.scripts.notes.push((spec.files.clone(), why));
            out.specs.push(spec);
        }
    }

    /// The planned stack with its root, surroundings and script notes.
    fn finish(
        &self,
        spec: StackSpec,
        roots: &HashMap<&Path, &Path>,
        scripts: &ScriptNotes,
    ) -> Planned {
        let root = spec
            .files
            .first()
            .and_then(|f| roots.get(f.as_path()).copied())
            .map_or_else(|| self.config.dir.clone(), Path::to_path_buf);
        let around = self.surroundings(&spec, &root, scripts);
        let notes = scripts
            .notes
            .iter()
            .filter(|(f, _)| *f == spec.files)
            .map(|(_, why)| why.clone())
            .collect();
        Planned {
            spec,
            root,
            around,
            notes,
        }
    }

    /// What the repository around a stack says of it: README prose that the
    /// set-up is not for production, and whether a base file that stands
    /// alone has an override file that `docker compose up` would load with it.
    fn surroundings(&self, spec: &StackSpec, root: &Path, scripts: &ScriptNotes) -> Surroundings {
        let mut around = Surroundings::default();
        let dir = spec
            .files
            .first()
            .and_then(|f| f.parent())
            .map_or_else(PathBuf::new, Path::to_path_buf);
        let cwd = self.cwd;
        if let Some(at) = self
            .repo
            .not_for_production(&dir, root, &|p| display_path(p, cwd))
        {
            around.signals.push(Evidence {
                points_to: Class::Development,
                what: format!("{at} says the set-up is not for production"),
                span: None,
            });
        }
        if let [base] = spec.files.as_slice()
            && crate::compose::BASE_NAMES.contains(&file_name(base).as_str())
            && spec.name.is_none()
        {
            let overlay = crate::compose::OVERRIDE_NAMES
                .iter()
                .find(|o| self.repo.has(&dir.join(o)));
            let run_alone = scripts.notes.iter().any(|(f, _)| f == &spec.files);
            if let Some(o) = overlay
                && !run_alone
            {
                around.overridden_by = Some(format!(
                    "`docker compose up` loads `{o}` with it, and no script runs it alone"
                ));
            }
        }
        if let Some((_, why)) = scripts.only_with.iter().find(|(f, _)| f == &spec.files) {
            around.overridden_by = Some(why.clone());
        }
        around
    }
}

/// A single file the scripts run on its own, or only with other files.
fn note_single(files: &[PathBuf], name: &str, scripts: &[Invocation], notes: &mut ScriptNotes) {
    if let Some(inv) = scripts.iter().find(|i| i.files == [name]) {
        notes.notes.push((
            files.to_vec(),
            format!("{} runs `{name}` on its own", inv.at),
        ));
    } else if let Some(inv) = scripts.iter().find(|i| i.files.iter().any(|f| f == name)) {
        let with: Vec<&str> = inv
            .files
            .iter()
            .map(String::as_str)
            .filter(|f| *f != name)
            .collect();
        notes.only_with.push((
            files.to_vec(),
            format!("{} runs it only with `{}`", inv.at, with.join("`, `")),
        ));
    }
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
        crate::compose::project::project_vars(dir, &[], env)
    } else {
        crate::compose::project::project_vars(dir, &[], &Env::default())
    };
    let list = vars.get("COMPOSE_FILE")?.clone();
    let sep = vars
        .get("COMPOSE_PATH_SEPARATOR")
        .cloned()
        .unwrap_or_else(|| ":".to_string());
    Some((list, sep))
}
