//! GitHub Actions workflow commands (`::error file=...::message`).
//! GitHub shows at most 10 error and 10 warning annotations per step; all are
//! printed, and the last line counts them so nothing is lost from the log.

use super::{range, summary_line};
use crate::check::Outcome;
use crate::diagnostic::Level;

/// Escape a command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a command property's value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(outcome: &Outcome) -> String {
    let mut out = String::new();
    for d in outcome.diagnostics.iter().filter(|d| d.is_active()) {
        let (start, end) = range(&outcome.sources, d.primary.span);
        let command = match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "notice",
        };
        let mut message = d.message.clone();
        for r in &d.related {
            let (rs, _) = range(&outcome.sources, r.span);
            message.push_str(&format!(
                "\n  {}:{}: {}",
                outcome.sources.display(r.span.file),
                rs.line,
                r.message
            ));
        }
        if !d.stacks.is_empty() {
            message.push_str(&format!("\nfound in stack: {}", d.stacks.join("; ")));
        }
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(outcome.sources.display(d.primary.span.file)),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(&format!("{} {}", d.rule.code, d.rule.name)),
            escape_data(&message)
        ));
    }
    out.push_str(&summary_line(outcome));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
