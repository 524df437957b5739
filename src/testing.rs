//! Check one rule on inline files, in process: the quickest way to test a
//! rule while writing it.
//!
//! [`check_files`] writes the files into a fresh temporary directory, runs
//! the same check as `berth check <dir> --select <rule>` (no configuration
//! beyond a `berth.yml` among the files, no environment variables) and
//! returns the findings in the order berth reports them.
//!
//! ```
//! # fn main() -> Result<(), berth::testing::CheckFilesError> {
//! let findings = berth::testing::check_files(
//!     &[(
//!         "compose.yaml",
//!         "services:\n  agent:\n    image: example/agent:1.4\n    privileged: true\n",
//!     )],
//!     "B201",
//! )?;
//! assert_eq!(findings.len(), 1);
//! assert_eq!((findings[0].rule, findings[0].line), ("B201", 4));
//! # Ok(())
//! # }
//! ```

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::check::{CheckError, CheckOptions, check};
use crate::compose::Env;
use crate::diagnostic::Level;

/// One finding, as the text and JSON reports show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Rule id, e.g. `B101`.
    pub rule: &'static str,
    pub level: Level,
    /// File of the primary location, relative to the temporary directory
    /// (`compose.yaml`, `api/Dockerfile`).
    pub path: String,
    /// 1-based line of the primary location.
    pub line: usize,
    /// 1-based column of the primary location.
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}[{}] {}",
            self.path,
            self.line,
            self.column,
            self.level.as_str(),
            self.rule,
            self.message
        )
    }
}

/// Why the files could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum CheckFilesError {
    #[error("`{0}` must be a relative path that stays inside the project")]
    Path(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// An unknown rule, or an invalid `berth.yml` among the files.
    #[error(transparent)]
    Check(#[from] CheckError),
}

/// Write `files` (relative path, contents) into a new temporary directory,
/// check it with only `rule` (id or name, opt-in rules included) and return
/// its findings at every level, suppressed ones left out, sorted by file,
/// line, column and rule. The directory is removed afterwards.
pub fn check_files(files: &[(&str, &str)], rule: &str) -> Result<Vec<Finding>, CheckFilesError> {
    let dir = TempDir::new()?;
    for (name, text) in files {
        let relative = Path::new(name);
        let inside = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !inside || relative.as_os_str().is_empty() {
            return Err(CheckFilesError::Path((*name).to_string()));
        }
        let path = dir.0.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    }
    let outcome = check(&CheckOptions {
        paths: vec![dir.0.clone()],
        config: None,
        select: vec![rule.to_string()],
        cwd: dir.0.clone(),
        env: Env::default(),
        report_stacks: false,
    })?;
    Ok(outcome
        .diagnostics
        .iter()
        .filter(|d| d.is_active())
        .map(|d| {
            let file = d.primary.span.file;
            let pos = outcome
                .sources
                .get(file)
                .map(|f| f.line_col(d.primary.span.start));
            Finding {
                rule: d.rule.code,
                level: d.level,
                path: outcome.sources.display(file).to_string(),
                line: pos.map_or(0, |p| p.line),
                column: pos.map_or(0, |p| p.column),
                message: d.message.clone(),
            }
        })
        .collect())
}

fn io(path: &Path, source: std::io::Error) -> CheckFilesError {
    CheckFilesError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// A directory of its own under the system's temporary directory, removed
/// on drop (tests run in parallel threads and processes).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self, CheckFilesError> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "berth-testing-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        // `create_dir`, not `create_dir_all`: fails rather than share a directory.
        std::fs::create_dir(&path).map_err(|e| io(&path, e))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
