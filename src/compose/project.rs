//! Loading a stack: its files in order, each file's `include`s and each
//! service's `extends`, merged into one list of services. Relative paths in
//! `-f` files resolve against the project directory, in an `extends` file
//! against that file's directory, and in an included project against its own
//! project directory, as Docker Compose does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::LoadProblem;
use super::env_file::parse_env_file;
use super::files::FileTable;
use super::layer::{FileLayer, ServiceLayer, file_layer};
use super::merge::{apply, empty};
use super::model::{Service, Stack};
use crate::paths::normalize_host;
use crate::source::{FileId, Span};

/// The variables interpolation may use: the process environment (which wins
/// over env files).
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub process: BTreeMap<String, String>,
    /// Variables already read, by project directory and env files.
    pub cache: std::sync::Arc<std::sync::Mutex<VarsCache>>,
}

type VarsCache = std::collections::HashMap<(PathBuf, Vec<PathBuf>), BTreeMap<String, String>>;

impl Env {
    pub fn from_process() -> Self {
        Env {
            process: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            cache: Default::default(),
        }
    }
}

/// What to load as one stack.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StackSpec {
    /// Absolute paths, in merge order.
    pub files: Vec<PathBuf>,
    pub production: bool,
    /// Env files for interpolation instead of the project directory's `.env`.
    pub env_files: Vec<PathBuf>,
    /// A name given in berth.yml.
    pub name: Option<String>,
}

/// Variables of a project: its env files (default: `.env` in `dir`), then the
/// process environment on top.
pub fn project_vars(dir: &Path, env_files: &[PathBuf], env: &Env) -> BTreeMap<String, String> {
    // Many stacks share a directory: read its env files once per run. Only
    // what the files say is kept (the process environment is the same for
    // every directory, so a copy per directory would only take memory).
    let key = (dir.to_path_buf(), env_files.to_vec());
    let cached = env.cache.lock().ok().and_then(|c| c.get(&key).cloned());
    let mut vars = match cached {
        Some(hit) => hit,
        None => {
            let read = read_env_files(dir, env_files, env);
            if let Ok(mut c) = env.cache.lock() {
                c.insert(key, read.clone());
            }
            read
        }
    };
    for (k, v) in &env.process {
        vars.insert(k.clone(), v.clone());
    }
    vars
}

fn read_env_files(dir: &Path, env_files: &[PathBuf], env: &Env) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    let default = [dir.join(".env")];
    let files = if env_files.is_empty() {
        &default[..]
    } else {
        env_files
    };
    for f in files {
        if let Ok(text) = crate::source::read_text(f) {
            let known = vars.clone();
            let parsed = parse_env_file(&text, &|name| {
                env.process
                    .get(name)
                    .cloned()
                    .or_else(|| known.get(name).cloned())
            });
            vars.extend(parsed);
        }
    }
    vars
}

struct StackLoader<'a> {
    table: &'a FileTable,
    env: &'a Env,
    problems: Vec<LoadProblem>,
    /// Files being included, to stop include cycles.
    including: Vec<PathBuf>,
    /// `extends` cycles already reported (their members, sorted).
    cycles: Vec<Vec<(PathBuf, String)>>,
    /// `version:` keys seen in the stack's files.
    versions: Vec<Span>,
}

/// Load a stack. Problems are reported against the file and line that caused them.
pub fn load_stack(spec: &StackSpec, env: &Env, table: &FileTable) -> (Stack, Vec<LoadProblem>) {
    let dir = spec
        .files
        .first()
        .and_then(|f| f.parent())
        .map_or_else(PathBuf::new, Path::to_path_buf);
    let mut loader = StackLoader {
        table,
        env,
        problems: Vec::new(),
        including: Vec::new(),
        cycles: Vec::new(),
        versions: Vec::new(),
    };
    let vars = project_vars(&dir, &spec.env_files, env);
    let (files, services) = loader.project(&spec.files, &dir, &vars);
    let versions = std::mem::take(&mut loader.versions);
    let name = match &spec.name {
        Some(n) => n.clone(),
        None => files
            .iter()
            .map(|id| table.display(*id))
            .collect::<Vec<_>>()
            .join(" + "),
    };
    let stack = Stack {
        name,
        files,
        dir,
        class: super::class::Classification {
            class: if spec.production {
                super::class::Class::Production
            } else {
                super::class::Class::Development
            },
            evidence: Vec::new(),
        },
        services,
        versions,
    };
    (stack, loader.problems)
}

impl StackLoader<'_> {
    fn problem(&mut self, span: Span, message: String) {
        self.problems.push(LoadProblem { span, message });
    }

    /// Load and parse one file; problems with the file itself are recorded once per use.
    fn layer(
        &mut self,
        path: &Path,
        vars: &BTreeMap<String, String>,
        base_dir: &Path,
    ) -> Option<(FileId, FileLayer)> {
        let (id, parsed) = self.table.compose(path);
        match parsed.as_ref() {
            Ok(root) => {
                let (layer, problems) = file_layer(id, root, vars, base_dir);
                self.problems.extend(problems);
                Some((id, layer))
            }
            Err(problem) => {
                self.problems.push(problem.clone());
                None
            }
        }
    }

    /// Files merged in order, with their includes; returns the file ids and services.
    fn project(
        &mut self,
        paths: &[PathBuf],
        dir: &Path,
        vars: &BTreeMap<String, String>,
    ) -> (Vec<FileId>, Vec<Service>) {
        let mut ids = Vec::new();
        let mut services: Vec<Service> = Vec::new();
        for path in paths {
            let Some((id, layer)) = self.layer(path, vars, dir) else {
                if let Some(id) = self.table.id(path) {
                    ids.push(id);
                }
                continue;
            };
            ids.push(id);
            self.versions.extend(layer.version);
            let file_dir = path.parent().unwrap_or(dir).to_path_buf();
            for inc in &layer.includes {
                for svc in self.include(inc, &file_dir, vars) {
                    if let Some(existing) = services.iter().find(|s| s.name.value == svc.name.value)
                    {
                        let at = existing.name.span;
                        self.problem(
                            inc.span,
                            format!(
                                "included service `{}` conflicts with a service of the same name (line {} of {})",
                                svc.name.value,
                                self.table.line_of(at),
                                self.table.display(at.file)
                            ),
                        );
                        continue;
                    }
                    services.push(svc);
                }
            }
            for sl in &layer.services {
                match services.iter_mut().find(|s| s.name.value == sl.name.value) {
                    Some(existing) => apply(existing, sl),
                    None => {
                        let mut chain = vec![(path.clone(), sl.name.value.clone())];
                        let svc = self.resolve(sl, &layer, path, vars, dir, &mut chain);
                        services.push(svc);
                    }
                }
            }
        }
        (ids, services)
    }

    /// A service with its `extends` chain applied.
    fn resolve(
        &mut self,
        sl: &ServiceLayer,
        layer: &FileLayer,
        path: &Path,
        vars: &BTreeMap<String, String>,
        base_dir: &Path,
        chain: &mut Vec<(PathBuf, String)>,
    ) -> Service {
        let mut base = match &sl.extends {
            None => empty(sl.name.clone()),
            Some(ext) => {
                let file_dir = path.parent().unwrap_or(base_dir);
                let (target_path, target_base) = match &ext.file {
                    Some(f) => {
                        let p = normalize_host(&file_dir.join(f));
                        let d = p.parent().unwrap_or(file_dir).to_path_buf();
                        (p, d)
                    }
                    None => (path.to_path_buf(), base_dir.to_path_buf()),
                };
                let key = (target_path.clone(), ext.service.clone());
                if let Some(at) = chain.iter().position(|c| *c == key) {
                    let mut members: Vec<(PathBuf, String)> = chain[at..].to_vec();
                    members.sort();
                    if !self.cycles.contains(&members) {
                        self.cycles.push(members);
                        let cycle: Vec<String> = chain[at..]
                            .iter()
                            .chain(std::iter::once(&key))
                            .map(|(_, s)| s.clone())
                            .collect();
                        self.problem(
                            ext.span,
                            format!("`extends` forms a cycle: {}", cycle.join(" -> ")),
                        );
                    }
                    empty(sl.name.clone())
                } else {
                    chain.push(key);
                    let other;
                    let target_layer = if ext.file.is_some() {
                        if !target_path.is_file() {
                            self.problem(
                                ext.span,
                                format!(
                                    "`extends` file not found: {}",
                                    ext.file.as_deref().unwrap_or_default()
                                ),
                            );
                            chain.pop();
                            let mut s = empty(sl.name.clone());
                            apply(&mut s, sl);
                            return s;
                        }
                        match self.layer(&target_path, vars, &target_base) {
                            Some((_, l)) => {
                                other = l;
                                &other
                            }
                            None => {
                                chain.pop();
                                let mut s = empty(sl.name.clone());
                                apply(&mut s, sl);
                                return s;
                            }
                        }
                    } else {
                        layer
                    };
                    let found = target_layer
                        .services
                        .iter()
                        .find(|s| s.name.value == ext.service)
                        .cloned();
                    let resolved = match found {
                        Some(parent) => self.resolve(
                            &parent,
                            target_layer,
                            &target_path,
                            vars,
                            &target_base,
                            chain,
                        ),
                        None => {
                            self.problem(
                                ext.span,
                                format!("`extends`: no service `{}` to extend", ext.service),
                            );
                            empty(sl.name.clone())
                        }
                    };
                    chain.pop();
                    resolved
                }
            }
        };
        base.name = sl.name.clone();
        apply(&mut base, sl);
        base
    }

    /// The services of an included project.
    fn include(
        &mut self,
        inc: &super::layer::Include,
        file_dir: &Path,
        parent_vars: &BTreeMap<String, String>,
    ) -> Vec<Service> {
        let paths: Vec<PathBuf> = inc
            .paths
            .iter()
            .map(|p| normalize_host(&file_dir.join(p)))
            .collect();
        if let Some(missing) = paths.iter().find(|p| !p.is_file()) {
            self.problem(
                inc.span,
                format!(
                    "included file not found: {}",
                    self.table.display_path(missing)
                ),
            );
            return Vec::new();
        }
        if let Some(first) = paths.first()
            && self.including.contains(first)
        {
            self.problem(inc.span, "`include` forms a cycle".to_string());
            return Vec::new();
        }
        // Relative paths in the included files resolve against their own
        // directory; `project_directory` only moves where `.env` is looked for.
        let files_dir = paths
            .first()
            .and_then(|p| p.parent())
            .map_or_else(|| file_dir.to_path_buf(), Path::to_path_buf);
        let env_dir = match &inc.project_directory {
            Some(d) => normalize_host(&file_dir.join(d)),
            None => files_dir.clone(),
        };
        let env_files: Vec<PathBuf> = inc
            .env_files
            .iter()
            .map(|e| normalize_host(&file_dir.join(e)))
            .collect();
        // The including project's variables win over the included project's env files.
        let mut vars = project_vars(&env_dir, &env_files, self.env);
        vars.extend(parent_vars.iter().map(|(k, v)| (k.clone(), v.clone())));
        let dir = files_dir;
        if let Some(first) = paths.first() {
            self.including.push(first.clone());
        }
        let (_, services) = self.project(&paths, &dir, &vars);
        self.including.pop();
        services
    }
}

/// The profiles `docker compose` enables without `--profile`: the
/// comma-separated `COMPOSE_PROFILES` of the environment, else of the
/// project's env files (default: `.env` in `dir`). An empty value enables none.
pub fn compose_profiles(dir: &Path, env_files: &[PathBuf], env: &Env) -> Vec<String> {
    let vars = project_vars(dir, env_files, env);
    vars.get("COMPOSE_PROFILES")
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// The files `docker compose` uses in `dir` without `-f`: `COMPOSE_FILE`
/// (from the environment, else from the env files, default `.env` in `dir`),
/// or the first base file and its override file.
pub fn default_files(dir: &Path, env_files: &[PathBuf], env: &Env) -> Vec<PathBuf> {
    let vars = project_vars(dir, env_files, env);
    if let Some(list) = vars.get("COMPOSE_FILE") {
        let sep = vars
            .get("COMPOSE_PATH_SEPARATOR")
            .map_or(":", String::as_str);
        return list
            .split(sep)
            .filter(|p| !p.trim().is_empty())
            .map(|p| normalize_host(&dir.join(p.trim())))
            .collect();
    }
    let Some(base) = super::BASE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
    else {
        return Vec::new();
    };
    let mut files = vec![base];
    if let Some(o) = super::OVERRIDE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
    {
        files.push(o);
    }
    files
}
