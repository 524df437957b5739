//! berth's own JSON format, version 1 (documented in docs/json-format.md).

use serde::Serialize;

use super::{counts, range};
use crate::check::Outcome;
use crate::diagnostic::Label;
use crate::source::SourceMap;

/// Bumped on any incompatible change to the shape below.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    findings: Vec<Finding<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    compose_files: usize,
    dockerfiles: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'static str,
    name: &'static str,
    level: &'static str,
    message: &'a str,
    location: Location<'a>,
    related: Vec<Location<'a>>,
    help: Option<&'a str>,
    /// Merged stacks the finding was found in; empty for a file checked alone.
    stacks: &'a [String],
    /// `production`, `development` or `unknown`: the class of the stack the
    /// finding came from (absent for findings outside any stack).
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<&'static str>,
    fingerprint: &'a str,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    start: Position,
    end: Position,
    label: &'a str,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

fn location<'a>(sources: &'a SourceMap, l: &'a Label) -> Location<'a> {
    let (start, end) = range(sources, l.span);
    Location {
        path: sources.display(l.span.file),
        start: Position {
            line: start.line,
            column: start.column,
        },
        end: Position {
            line: end.line,
            column: end.column,
        },
        label: &l.message,
    }
}

pub fn render(outcome: &Outcome) -> String {
    let c = counts(&outcome.diagnostics);
    let report = Report {
        version: VERSION,
        tool: Tool {
            name: "berth",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: Summary {
            compose_files: outcome.compose_files,
            dockerfiles: outcome.dockerfiles,
            errors: c.errors,
            warnings: c.warnings,
            notes: c.notes,
        },
        findings: outcome
            .diagnostics
            .iter()
            .filter(|d| d.is_active())
            .map(|d| Finding {
                rule: d.rule.code,
                name: d.rule.name,
                level: d.level.as_str(),
                message: &d.message,
                location: location(&outcome.sources, &d.primary),
                related: d
                    .related
                    .iter()
                    .map(|l| location(&outcome.sources, l))
                    .collect(),
                help: d.help.as_deref(),
                stacks: &d.stacks,
                class: d.class.map(crate::classify::Class::as_str),
                fingerprint: &d.fingerprint,
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
    s.push('\n');
    s
}
