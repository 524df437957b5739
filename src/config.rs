//! `berth.yml` / `.berth.yml`: declared stacks and the file-name patterns that
//! tell production from development. Unknown keys are errors (exit 2).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::compose::StackSpec;
use crate::discover::Classifier;
use crate::paths::normalize_host;

/// File names looked for at the scan root.
pub const NAMES: &[&str] = &["berth.yml", ".berth.yml"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Stacks to check, replacing the default ones of their directories.
    #[serde(default)]
    pub stacks: Vec<StackConfig>,
    #[serde(default)]
    pub patterns: Patterns,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackConfig {
    pub name: String,
    /// Compose files in merge order, relative to the config file.
    pub files: Vec<String>,
    #[serde(default = "yes")]
    pub production: bool,
    /// Env files for interpolation instead of the project's `.env`.
    #[serde(default)]
    pub env_file: Vec<String>,
}

fn yes() -> bool {
    true
}

/// Regular expressions matched against a compose file's name.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patterns {
    #[serde(default)]
    pub production: Vec<String>,
    #[serde(default)]
    pub development: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// A loaded config and the directory its paths are relative to.
#[derive(Debug, Default)]
pub struct Loaded {
    pub dir: PathBuf,
    pub config: Config,
    pub classifier: Classifier,
}

impl Loaded {
    /// The declared stacks with absolute paths.
    pub fn stacks(&self) -> Vec<StackSpec> {
        self.config
            .stacks
            .iter()
            .map(|s| StackSpec {
                files: s
                    .files
                    .iter()
                    .map(|f| normalize_host(&self.dir.join(f)))
                    .collect(),
                production: s.production,
                env_files: s
                    .env_file
                    .iter()
                    .map(|f| normalize_host(&self.dir.join(f)))
                    .collect(),
                name: Some(s.name.clone()),
            })
            .collect()
    }
}

/// The config file at `root`, if any.
pub fn find(root: &Path) -> Option<PathBuf> {
    NAMES.iter().map(|n| root.join(n)).find(|p| p.is_file())
}

pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        path: path.display().to_string(),
        message,
    };
    let text = crate::source::read_text(path).map_err(|e| invalid(e.to_string()))?;
    let config: Config = if text.trim().is_empty() {
        Config::default()
    } else {
        serde_saphyr::from_str(&text).map_err(|e| {
            let rendered = e.without_snippet().to_string();
            invalid(
                rendered
                    .lines()
                    .next()
                    .unwrap_or("invalid YAML")
                    .to_string(),
            )
        })?
    };
    let compile = |list: &[String]| -> Result<Vec<regex::Regex>, ConfigError> {
        list.iter()
            .map(|p| regex::Regex::new(p).map_err(|e| invalid(format!("pattern `{p}`: {e}"))))
            .collect()
    };
    let classifier = Classifier {
        production: compile(&config.patterns.production)?,
        development: compile(&config.patterns.development)?,
    };
    for s in &config.stacks {
        if s.files.is_empty() {
            return Err(invalid(format!("stack `{}` lists no files", s.name)));
        }
    }
    Ok(Loaded {
        dir: path.parent().map_or_else(PathBuf::new, Path::to_path_buf),
        config,
        classifier,
    })
}
