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
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Stacks to check, replacing the default ones of their directories.
    #[serde(default)]
    pub stacks: Vec<StackConfig>,
    #[serde(default)]
    pub patterns: Patterns,
    /// Per rule (id or name): `on`, `off`, a level, or a table.
    #[serde(default)]
    pub rules: std::collections::BTreeMap<String, RuleSetting>,
    /// Compose files not to check (globs, relative to the config file).
    #[serde(default)]
    pub ignore: Vec<String>,
    /// `# berth: ignore[...]` comments must give a reason.
    #[serde(default)]
    pub require_suppression_reason: bool,
}

/// A rule's setting: `B301: off`, `B208: error`, or a table.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RuleSetting {
    /// `on`/`off` may reach here as YAML 1.1 booleans.
    Bool(bool),
    Switch(String),
    Table(RuleTable),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleTable {
    pub enabled: Option<bool>,
    pub level: Option<String>,
    #[serde(default)]
    pub options: std::collections::BTreeMap<String, Vec<String>>,
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
    pub policy: crate::rules::Policy,
    pub ignore: Option<globset::GlobSet>,
}

impl Loaded {
    /// Is this compose file excluded by `ignore`?
    pub fn ignores(&self, path: &Path) -> bool {
        let Some(set) = &self.ignore else {
            return false;
        };
        path.strip_prefix(&self.dir)
            .map(|rel| set.is_match(rel))
            .unwrap_or(false)
    }
}

fn level(name: &str) -> Option<crate::diagnostic::Level> {
    use crate::diagnostic::Level;
    match name {
        "error" => Some(Level::Error),
        "warning" => Some(Level::Warning),
        "note" => Some(Level::Note),
        _ => None,
    }
}

/// Turn `rules:` into a policy, rejecting unknown rules, levels and options.
fn policy(config: &Config) -> Result<crate::rules::Policy, String> {
    use crate::rules::{find, registry};
    use crate::suggest::nearest;
    let mut p = crate::rules::Policy::default();
    let names: Vec<&str> = registry()
        .iter()
        .flat_map(|r| [r.meta().code, r.meta().name])
        .collect();
    for (key, setting) in &config.rules {
        let Some(rule) = find(key) else {
            let hint = nearest(key, &names)
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            return Err(format!("rules: unknown rule `{key}`{hint}"));
        };
        let meta = rule.meta();
        match setting {
            RuleSetting::Bool(b) => {
                p.enabled.insert(meta.code, *b);
            }
            RuleSetting::Switch(s) => match s.as_str() {
                "on" | "true" => {
                    p.enabled.insert(meta.code, true);
                }
                "off" | "false" => {
                    p.enabled.insert(meta.code, false);
                }
                other => match level(other) {
                    Some(l) => {
                        p.enabled.insert(meta.code, true);
                        p.levels.insert(meta.code, l);
                    }
                    None => {
                        return Err(format!(
                            "rules.{key}: `{other}` is not on, off, error, warning or note"
                        ));
                    }
                },
            },
            RuleSetting::Table(t) => {
                if let Some(e) = t.enabled {
                    p.enabled.insert(meta.code, e);
                }
                if let Some(l) = &t.level {
                    let l = level(l).ok_or_else(|| {
                        format!("rules.{key}.level: `{l}` is not error, warning or note")
                    })?;
                    p.levels.insert(meta.code, l);
                }
                for name in t.options.keys() {
                    if !meta.options.contains(&name.as_str()) {
                        let hint = nearest(name, meta.options)
                            .map(|n| format!("; did you mean `{n}`?"))
                            .unwrap_or_default();
                        return Err(format!(
                            "rules.{key}.options: `{meta_code}` has no option `{name}`{hint}",
                            meta_code = meta.code
                        ));
                    }
                }
                for (name, values) in &t.options {
                    if name == "patterns" {
                        for v in values {
                            regex::Regex::new(v)
                                .map_err(|e| format!("rules.{key}.options.patterns: `{v}`: {e}"))?;
                        }
                    }
                }
                if !t.options.is_empty() {
                    p.options.insert(meta.code, t.options.clone());
                }
            }
        }
    }
    Ok(p)
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

/// serde says "unknown field `x`, expected one of `a`, `b`": add the nearest.
fn suggest(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((field, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match crate::suggest::nearest(field, &candidates) {
        Some(n) => format!("{message}; did you mean `{n}`?"),
        None => message.to_string(),
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
            invalid(suggest(rendered.lines().next().unwrap_or("invalid YAML")))
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
    let policy = policy(&config).map_err(invalid)?;
    let ignore = if config.ignore.is_empty() {
        None
    } else {
        let mut b = globset::GlobSetBuilder::new();
        for g in &config.ignore {
            b.add(globset::Glob::new(g).map_err(|e| invalid(format!("ignore: `{g}`: {e}")))?);
        }
        Some(b.build().map_err(|e| invalid(format!("ignore: {e}")))?)
    };
    Ok(Loaded {
        dir: path.parent().map_or_else(PathBuf::new, Path::to_path_buf),
        config,
        classifier,
        policy,
        ignore,
    })
}

/// The starter berth.yml that `berth init` writes: every key, commented out,
/// with the opt-in rules listed.
pub fn starter() -> String {
    let mut opt_in = String::new();
    for r in crate::rules::registry() {
        let m = r.meta();
        if m.opt_in {
            opt_in.push_str(&format!(
                "#   {}: on    # {} ({})\n",
                m.code, m.name, m.summary
            ));
        }
    }
    format!(
        "# berth configuration. Every key is optional; unknown keys are errors.
# Docs: README.md (Stacks, Configuration) and `berth rules`.

# Rules: on, off, a level (error, warning, note), or a table.
# rules:
{opt_in}#   B301: off                       # unpinned-image
#   B208:                           # credential-literal
#     level: error
#     options:
#       patterns: ['_PIN$']         # more secret variable names (regexes)
#   B206:                           # sensitive-host-path
#     options:
#       paths: [/srv/secrets]       # more sensitive host paths

# Compose files not to check (globs, relative to this file).
# ignore:
#   - 'vendor/**'

# Inline suppressions (`# berth: ignore[B101] reason`) must give a reason.
# require-suppression-reason: true

# Stacks deployed together, replacing the default stacks of their directories.
# stacks:
#   - name: production
#     files: [docker-compose.yml, deploy/production.yml]
#     production: true
#     env_file: [deploy/production.env]

# File names (regexes) that mark production or development files.
# patterns:
#   production: ['\\.prod\\.']
#   development: ['\\.(dev|local|override)\\.']
"
    )
}
