//! Renders one list of findings in each output format. Reporters decide no
//! policy: what to report was settled before they run.

pub mod github;
pub mod json;
pub mod sarif;
pub mod stacks;
pub mod text;

use crate::check::Outcome;
use crate::diagnostic::{Diagnostic, Level};
use crate::source::{LineCol, SourceMap, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
}

/// Render the outcome in `format`. `color` only affects text.
pub fn render(format: Format, outcome: &Outcome, color: bool) -> String {
    match format {
        Format::Text => text::render(outcome, color),
        Format::Json => json::render(outcome),
        Format::Sarif => sarif::render(outcome),
        Format::Github => github::render(outcome),
    }
}

/// Counts by level.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

/// Counts of the findings that are shown (not suppressed, not in the baseline).
pub fn counts(diags: &[Diagnostic]) -> Counts {
    let mut c = Counts::default();
    for d in diags.iter().filter(|d| d.is_active()) {
        match d.level {
            Level::Error => c.errors += 1,
            Level::Warning => c.warnings += 1,
            Level::Note => c.notes += 1,
        }
    }
    c
}

/// Start and end (end column exclusive, as SARIF wants) of a span.
pub fn range(sources: &SourceMap, span: Span) -> (LineCol, LineCol) {
    match sources.get(span.file) {
        Some(f) => {
            let start = f.line_col(span.start);
            let mut end = f.line_col(span.end);
            if end <= start {
                end = LineCol {
                    line: start.line,
                    column: start.column + 1,
                };
            }
            (start, end)
        }
        None => (
            LineCol { line: 1, column: 1 },
            LineCol { line: 1, column: 2 },
        ),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The one-line summary that ends text output.
pub fn summary_line(outcome: &Outcome) -> String {
    let c = counts(&outcome.diagnostics);
    let scope = format!(
        "{} and {}",
        plural(outcome.compose_files, "compose file", "compose files"),
        plural(outcome.dockerfiles, "Dockerfile", "Dockerfiles")
    );
    let hidden = outcome
        .diagnostics
        .iter()
        .filter(|d| !d.is_active())
        .count();
    let tail = if hidden > 0 {
        format!(
            " ({} suppressed or in the baseline)",
            plural(hidden, "finding", "findings")
        )
    } else {
        String::new()
    };
    if c.errors + c.warnings + c.notes == 0 {
        return format!("No problems found in {scope}{tail}.");
    }
    format!(
        "Found {}, {} and {} in {scope}{tail}.",
        plural(c.errors, "error", "errors"),
        plural(c.warnings, "warning", "warnings"),
        plural(c.notes, "note", "notes")
    )
}
