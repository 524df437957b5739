//! `berth config`: the compose files the arguments name, merged and
//! interpolated into the model `docker compose config --format json` prints.

use std::path::{Path, PathBuf};

use crate::compose::{self, Env};

/// What `berth config` reads.
#[derive(Debug, Clone)]
pub struct ConfigOptions {
    /// Compose files, merged in order; a directory stands for the project in
    /// it. Empty: the project in `cwd`.
    pub files: Vec<PathBuf>,
    /// Interpolation variables instead of the project's `.env`.
    pub env_files: Vec<PathBuf>,
    pub profiles: Vec<String>,
    /// Relative `files` and `env_files` are relative to it.
    pub cwd: PathBuf,
    pub env: Env,
}

/// The merged model, or what kept berth from building it.
#[derive(Debug)]
pub enum Model {
    /// Pretty JSON, ending in a new line.
    Json(String),
    /// One message each, in the order found.
    Problems(Vec<String>),
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no compose file in {} (give FILE arguments)", .0.display())]
    NoProject(PathBuf),
    #[error("no compose file in {}", .0.display())]
    NoneInDirectory(PathBuf),
    #[error("{}: no such file", .0.display())]
    NoSuchFile(PathBuf),
    #[error("cannot render JSON")]
    Render(#[source] serde_json::Error),
}

/// Read the files as `docker compose config` would, for the fields berth reads.
pub fn model(opts: &ConfigOptions) -> Result<Model, ConfigError> {
    let env_files: Vec<PathBuf> = opts.env_files.iter().map(|f| opts.cwd.join(f)).collect();
    let files = compose_files(opts, &env_files)?;
    let (json, problems) =
        compose::canonical::config(&files, &env_files, &opts.profiles, &opts.env, &opts.cwd);
    if !problems.is_empty() {
        return Ok(Model::Problems(problems));
    }
    let mut text = serde_json::to_string_pretty(&json).map_err(ConfigError::Render)?;
    text.push('\n');
    Ok(Model::Json(text))
}

/// The compose files to merge: the given ones, each directory replaced by
/// its project's files, or the project in the working directory.
fn compose_files(opts: &ConfigOptions, env_files: &[PathBuf]) -> Result<Vec<PathBuf>, ConfigError> {
    let default_files = |dir: &Path| compose::project::default_files(dir, env_files, &opts.env);
    let mut files = Vec::new();
    if opts.files.is_empty() {
        files = default_files(&opts.cwd);
        if files.is_empty() {
            return Err(ConfigError::NoProject(opts.cwd.clone()));
        }
    }
    for f in &opts.files {
        let path = opts.cwd.join(f);
        if !path.is_dir() {
            files.push(path);
            continue;
        }
        // A directory is the project in it, read as if berth ran there (where
        // the working directory is the real path, symlinks resolved).
        let dir =
            std::fs::canonicalize(&path).unwrap_or_else(|_| crate::paths::normalize_host(&path));
        let found = default_files(&dir);
        if found.is_empty() {
            return Err(ConfigError::NoneInDirectory(f.clone()));
        }
        files.extend(found);
    }
    match files.iter().find(|f| !f.is_file()) {
        Some(missing) => Err(ConfigError::NoSuchFile(missing.clone())),
        None => Ok(files),
    }
}
