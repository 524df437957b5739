//! Human output: a code frame per finding with the compose line and the
//! Dockerfile evidence, then a summary line.

use annotate_snippets::{AnnotationKind, Group, Level as ALevel, Renderer, Snippet};

use super::summary_line;
use crate::check::Outcome;
use crate::diagnostic::{Diagnostic, Label, Level};
use crate::source::SourceMap;

fn level(l: Level) -> ALevel<'static> {
    match l {
        Level::Error => ALevel::ERROR,
        Level::Warning => ALevel::WARNING,
        Level::Note => ALevel::NOTE,
    }
}

fn group<'a>(sources: &'a SourceMap, d: &'a Diagnostic) -> Vec<Group<'a>> {
    let title = level(d.level)
        .primary_title(d.message.as_str())
        .id(d.rule.code);
    let mut g = Group::with_title(title);
    let mut labels: Vec<&Label> = vec![&d.primary];
    labels.extend(d.related.iter());
    // Labels in the same file share one snippet; files appear in order of first use.
    let mut files: Vec<_> = Vec::new();
    for l in &labels {
        if !files.contains(&l.span.file) {
            files.push(l.span.file);
        }
    }
    for file in files {
        let Some(src) = sources.get(file) else {
            continue;
        };
        let mut s = Snippet::source(src.text.as_str()).path(src.display.as_str());
        let mut any = false;
        for (i, l) in labels.iter().enumerate() {
            if l.span.file != file {
                continue;
            }
            let len = src.text.len();
            let start = l.span.start.min(len);
            let end = l.span.end.min(len).max(start);
            let kind = if i == 0 {
                AnnotationKind::Primary
            } else {
                AnnotationKind::Context
            };
            s = s.annotation(kind.span(start..end).label(l.message.as_str()));
            any = true;
        }
        if any {
            g = g.element(s);
        }
    }
    let mut out = vec![g];
    if !d.stacks.is_empty() {
        let note = format!("found in stack: {}", d.stacks.join("; "));
        out.push(Group::with_title(ALevel::NOTE.secondary_title(note)));
    }
    if let Some(help) = &d.help {
        out.push(Group::with_title(
            ALevel::HELP.secondary_title(help.as_str()),
        ));
    }
    out
}

pub fn render(outcome: &Outcome, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in outcome.diagnostics.iter().filter(|d| d.is_active()) {
        let report = group(&outcome.sources, d);
        out.push_str(&renderer.render(&report));
        out.push_str("\n\n");
    }
    out.push_str(&summary_line(outcome));
    out.push('\n');
    out
}
