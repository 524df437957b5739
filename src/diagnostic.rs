//! What a rule reports: level, message, primary location, related locations,
//! help, and the fingerprint that identifies the finding across runs.

use sha2::{Digest, Sha256};

use crate::rules::RuleMeta;
use crate::source::{SourceMap, Span};

/// Severity, ordered: `Note < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Note,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// A location and what it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Label {
            span,
            message: message.into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub rule: &'static RuleMeta,
    pub level: Level,
    pub message: String,
    /// Where the problem is written; its message is a short label for the code frame.
    pub primary: Label,
    /// Evidence in other places (the Dockerfile lines behind a mount finding).
    pub related: Vec<Label>,
    pub help: Option<String>,
    /// What identifies this finding apart from its line number (service and
    /// mount target, for example); part of the fingerprint.
    pub key: String,
    /// Filled by [`finish`].
    pub fingerprint: String,
    /// `primaryLocationLineHash` for SARIF; filled by [`finish`].
    pub line_hash: String,
    /// The merged stacks the finding was found in (empty for single files).
    pub stacks: Vec<String>,
    /// The class of the stack the finding came from (the most production-like
    /// of them when several stacks hold it); none for findings outside stacks.
    pub class: Option<crate::classify::Class>,
    /// Source ranges holding secrets: masked in every output.
    pub secrets: Vec<Span>,
    /// Silenced by a `# berth: ignore[...]` comment, with its reason.
    pub suppressed: Option<String>,
    /// Recorded in the baseline given with `--baseline`.
    pub in_baseline: bool,
    /// A before/after view of the container directory a mount rule is about
    /// (SARIF `properties.berth.containerView`, shown in review comments).
    pub view: Option<String>,
    /// A whole-line edit that resolves the finding (SARIF `fixes`, offered
    /// as a suggestion in review comments).
    pub fix: Option<Fix>,
}

/// Replace lines `start_line..=end_line` (1-based) of `file` with `insert`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub file: crate::source::FileId,
    pub start_line: usize,
    pub end_line: usize,
    pub insert: String,
    pub description: String,
}

impl Diagnostic {
    /// Counts for the exit code and is shown: neither suppressed nor in the baseline.
    pub fn is_active(&self) -> bool {
        self.suppressed.is_none() && !self.in_baseline
    }
}

impl Diagnostic {
    pub fn new(rule: &'static RuleMeta, primary: Label, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            level: rule.level,
            message: message.into(),
            primary,
            related: Vec::new(),
            help: None,
            key: String::new(),
            fingerprint: String::new(),
            line_hash: String::new(),
            stacks: Vec::new(),
            class: None,
            secrets: Vec::new(),
            suppressed: None,
            in_baseline: false,
            view: None,
            fix: None,
        }
    }

    /// Record the stack a finding was found in, when the stack merges several files.
    pub fn in_stack(mut self, stack: &crate::compose::Stack) -> Self {
        if stack.files.len() > 1 || stack.name.contains(' ') {
            self.stacks.push(stack.name.clone());
        }
        self.class = self.class.max(Some(stack.class.class));
        self
    }

    pub fn with_related(mut self, related: Vec<Label>) -> Self {
        self.related = related;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }

    pub fn with_view(mut self, view: String) -> Self {
        self.view = Some(view);
        self
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }
}

fn sha256_hex(parts: &[&str], len: usize) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    let mut out = String::with_capacity(len);
    for b in digest.iter() {
        out.push_str(&format!("{b:02x}"));
        if out.len() >= len {
            break;
        }
    }
    out.truncate(len);
    out
}

/// Sort (file, line, column, rule, message), drop exact duplicates, and compute
/// fingerprints. The berth fingerprint is SHA-256 over rule id, file path
/// (relative to `root`, the repository) and the semantic key, so it does not
/// move when lines are inserted above or berth runs from another directory; the
/// line hash is SHA-256 over the primary line's trimmed text plus its
/// occurrence number among equal lines of that file.
pub fn finish(sources: &SourceMap, diags: &mut Vec<Diagnostic>, root: &std::path::Path) {
    let sort_key = |d: &Diagnostic| {
        let file = sources.display(d.primary.span.file).to_string();
        let pos = sources
            .get(d.primary.span.file)
            .map(|f| f.line_col(d.primary.span.start));
        (
            file,
            pos,
            d.rule.code,
            std::cmp::Reverse(d.level),
            d.message.clone(),
        )
    };
    diags.sort_by_cached_key(sort_key);
    // The same finding reached through several stacks is reported once, naming
    // them all, as the most severe of them (an error in a production stack
    // over a warning about the same mount in a development stack).
    diags.dedup_by(|later, kept| {
        let same = later.rule.code == kept.rule.code
            && later.primary.span == kept.primary.span
            && if kept.key.is_empty() {
                later.message == kept.message
            } else {
                later.key == kept.key
            };
        if same {
            kept.stacks.append(&mut later.stacks);
            kept.level = kept.level.max(later.level);
            kept.class = kept.class.max(later.class);
        }
        same
    });
    for d in diags.iter_mut() {
        d.stacks.sort();
        d.stacks.dedup();
    }
    let mut seen: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for d in diags.iter_mut() {
        let file = sources.display(d.primary.span.file).to_string();
        let line_text = sources.get(d.primary.span.file).map_or(String::new(), |f| {
            let line = f.line_col(d.primary.span.start).line;
            f.line_text(line)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        });
        let base = sha256_hex(&[&line_text], 16);
        let n = seen.entry((file.clone(), base.clone())).or_insert(0);
        *n += 1;
        d.line_hash = format!("{base}:{n}");
        let key = if d.key.is_empty() {
            d.message.as_str()
        } else {
            d.key.as_str()
        };
        // The path in the fingerprint is relative to the repository root, so it is
        // the same whichever directory berth was started from.
        let stable = sources
            .get(d.primary.span.file)
            .and_then(|f| f.path.strip_prefix(root).ok())
            .map_or_else(|| file.clone(), crate::paths::slash);
        d.fingerprint = sha256_hex(&[d.rule.code, &stable, key], 32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_fixed() {
        // SHA-256 of "abc\0", truncated: a fixed algorithm, not a per-process hasher.
        assert_eq!(sha256_hex(&["abc"], 16), "dc1114cd074914bd");
        assert_ne!(sha256_hex(&["abc"], 16), sha256_hex(&["abd"], 16));
        assert_eq!(sha256_hex(&["abc"], 16).len(), 16);
    }
}
