//! A checked stack as `berth stacks` shows it: its files, class and the
//! evidence, with text built only when asked for.

use crate::compose::Stack;
use crate::source::SourceMap;

/// A checked stack as `berth stacks` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StackReport {
    /// Display paths, in `-f` order.
    pub files: Vec<String>,
    pub class: &'static str,
    pub evidence: Vec<EvidenceReport>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EvidenceReport {
    pub points_to: &'static str,
    pub what: String,
    /// `path:line`, when the signal is written in a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

pub(super) fn stack_report(stack: &Stack, sources: &SourceMap) -> StackReport {
    StackReport {
        files: stack
            .files
            .iter()
            .map(|id| sources.display(*id).to_string())
            .collect(),
        class: stack.class.class.as_str(),
        evidence: stack
            .class
            .evidence
            .iter()
            .map(|e| EvidenceReport {
                points_to: e.points_to.as_str(),
                what: e.what.clone(),
                at: e.span.and_then(|span| {
                    let file = sources.get(span.file)?;
                    Some(format!(
                        "{}:{}",
                        file.display,
                        file.line_col(span.start).line
                    ))
                }),
            })
            .collect(),
    }
}
