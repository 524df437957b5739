//! The one check entry that `berth check` and the GitHub Action share: check,
//! apply a baseline, record one, render the reports, and decide by `fail-on`.
//! Callers translate their own inputs into [`RunOptions`] and map the
//! [`RunResult`] to an exit code; neither decides what a baseline hides or
//! what fails the run. The other commands' library halves are the submodules.

pub mod config;
pub mod init;
pub mod stacks;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::check::{CheckError, CheckOptions, Outcome, check};
use crate::diagnostic::Level;
use crate::report::{self, Counts, Format};
use crate::suppress::{self, Baseline};

/// The lowest level of finding that fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    /// The lowest level that fails the run, if any.
    pub fn threshold(self) -> Option<Level> {
        match self {
            FailOn::Error => Some(Level::Error),
            FailOn::Warning => Some(Level::Warning),
            FailOn::Note => Some(Level::Note),
            FailOn::Never => None,
        }
    }

    /// `error`, `warning`, `note` or `never`, as `--fail-on` takes them.
    pub fn parse(word: &str) -> Option<FailOn> {
        <FailOn as clap::ValueEnum>::from_str(word, false).ok()
    }

    /// Whether findings in these numbers (the shown ones: not suppressed, not
    /// in the baseline) fail the run.
    pub fn fails(self, counts: Counts) -> bool {
        let at_or_above = match self.threshold() {
            None => 0,
            Some(Level::Error) => counts.errors,
            Some(Level::Warning) => counts.errors + counts.warnings,
            Some(Level::Note) => counts.errors + counts.warnings + counts.notes,
        };
        at_or_above > 0
    }
}

/// Where a report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

/// One rendering of the outcome.
#[derive(Debug, Clone)]
pub struct Report {
    pub format: Format,
    pub to: Destination,
    /// Only text is coloured.
    pub color: bool,
}

/// What to check and what to do with the findings.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub check: CheckOptions,
    /// Findings this baseline records are marked and neither shown nor
    /// counted; SARIF keeps them as `unchanged` (`--baseline FILE`).
    pub baseline: Option<PathBuf>,
    /// Record the shown and baselined findings here (`--write-baseline FILE`).
    pub write_baseline: Option<PathBuf>,
    pub fail_on: FailOn,
    /// Rendered in this order, after the baseline is written.
    pub reports: Vec<Report>,
}

/// What a run found, and whether it fails by `fail-on`.
#[derive(Debug)]
pub struct RunResult {
    pub outcome: Outcome,
    /// The shown findings by level.
    pub counts: Counts,
    pub failing: bool,
}

impl RunResult {
    /// 1 when the run fails by `fail-on`, else 0.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.failing)
    }
}

/// Why a run could not finish; every one is berth's exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Check(#[from] CheckError),
    #[error("cannot read baseline {}", path.display())]
    ReadBaseline {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a berth baseline", path.display())]
    ParseBaseline {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot render the baseline")]
    RenderBaseline(#[source] serde_json::Error),
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write to standard output")]
    Stdout(#[source] std::io::Error),
    #[error("cannot render JSON")]
    RenderJson(#[source] serde_json::Error),
}

/// Check, apply the baseline, write the new baseline, render every report,
/// and decide by `fail-on`.
pub fn check_and_report(opts: &RunOptions) -> Result<RunResult, RunError> {
    let mut outcome = check(&opts.check)?;
    if let Some(path) = &opts.baseline {
        apply_baseline(&read_baseline(path)?, &mut outcome);
    }
    if let Some(path) = &opts.write_baseline {
        write_baseline(path, &outcome)?;
    }
    for r in &opts.reports {
        let text = report::render(r.format, &outcome, r.color);
        match &r.to {
            Destination::Stdout => write_stdout(&text).map_err(RunError::Stdout)?,
            Destination::File(path) => write_file(path, &text)?,
        }
    }
    let counts = report::counts(&outcome.diagnostics);
    Ok(RunResult {
        failing: opts.fail_on.fails(counts),
        counts,
        outcome,
    })
}

/// Read a baseline file (`--baseline FILE`).
pub fn read_baseline(path: &Path) -> Result<Baseline, RunError> {
    let text = std::fs::read_to_string(path).map_err(|source| RunError::ReadBaseline {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| RunError::ParseBaseline {
        path: path.to_path_buf(),
        source,
    })
}

/// Mark the findings the baseline records (they are neither shown nor
/// counted), and have SARIF mark every result new or unchanged.
pub fn apply_baseline(baseline: &Baseline, outcome: &mut Outcome) {
    suppress::apply_baseline(baseline, &mut outcome.diagnostics);
    outcome.baseline_used = true;
}

fn write_baseline(path: &Path, outcome: &Outcome) -> Result<(), RunError> {
    let baseline = suppress::baseline_of(&outcome.sources, &outcome.diagnostics);
    let mut text = serde_json::to_string_pretty(&baseline).map_err(RunError::RenderBaseline)?;
    text.push('\n');
    write_file(path, &text)
}

fn write_file(path: &Path, text: &str) -> Result<(), RunError> {
    std::fs::write(path, text).map_err(|source| RunError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Write to standard output and flush. A closed pipe (`berth check | head`)
/// is not an error of berth's.
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::{Counts, FailOn};

    fn counts(errors: usize, warnings: usize, notes: usize) -> Counts {
        Counts {
            errors,
            warnings,
            notes,
        }
    }

    #[test]
    fn fail_on_counts_the_level_and_those_above() {
        let only_notes = counts(0, 0, 2);
        let only_warnings = counts(0, 1, 0);
        let one_error = counts(1, 0, 0);
        assert!(!FailOn::Error.fails(only_warnings));
        assert!(FailOn::Error.fails(one_error));
        assert!(!FailOn::Warning.fails(only_notes));
        assert!(FailOn::Warning.fails(only_warnings));
        assert!(FailOn::Warning.fails(one_error));
        assert!(FailOn::Note.fails(only_notes));
        assert!(!FailOn::Note.fails(counts(0, 0, 0)));
        assert!(!FailOn::Never.fails(counts(3, 3, 3)));
    }

    #[test]
    fn fail_on_words_are_the_cli_values() {
        assert_eq!(FailOn::parse("warning"), Some(FailOn::Warning));
        assert_eq!(FailOn::parse("never"), Some(FailOn::Never));
        assert_eq!(FailOn::parse("Warning"), None);
        assert_eq!(FailOn::parse("sometimes"), None);
    }
}
