//! Inline suppressions: `# berth: ignore[B101] reason` at the end of the
//! flagged line, or alone on the line above, silences those rules there. Suppressed findings stay in SARIF
//! (with `suppressions`) and do not count for the exit code; a suppression
//! that silences nothing is reported (`B003`).

use crate::diagnostic::{Diagnostic, Label};
use crate::rules::{self, Policy};
use crate::source::{FileId, SourceMap, Span};

/// One `# berth: ignore[...]` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub file: FileId,
    /// 1-based line of the comment.
    pub line: usize,
    /// The comment, from `#` to the end of the line.
    pub span: Span,
    /// Rule ids or names, as written.
    pub rules: Vec<String>,
    /// The comment is alone on its line, so it also covers the next line.
    pub own_line: bool,
    pub reason: Option<String>,
}

/// Find the suppressions in every file.
pub fn scan(sources: &SourceMap, files: impl Iterator<Item = FileId>) -> Vec<Suppression> {
    let mut out = Vec::new();
    for id in files {
        let Some(file) = sources.get(id) else {
            continue;
        };
        if !file.text.contains("berth:") {
            continue;
        }
        let mut offset = 0;
        for (i, line) in file.text.split_inclusive('\n').enumerate() {
            // The first `#` that starts a berth comment (a line may hold another comment first).
            let found = line
                .match_indices('#')
                .find_map(|(hash, _)| parse(&line[hash..]).map(|p| (hash, p)));
            if let Some((hash, s)) = found {
                let end = offset + line.trim_end_matches(['\n', '\r']).len();
                out.push(Suppression {
                    own_line: line[..hash].trim().is_empty(),
                    file: id,
                    line: i + 1,
                    span: Span::new(id, offset + hash, end),
                    rules: s.0,
                    reason: s.1,
                });
            }
            offset += line.len();
        }
    }
    out
}

/// `# berth: ignore[A, B] reason` → (ids, reason).
fn parse(comment: &str) -> Option<(Vec<String>, Option<String>)> {
    let rest = comment.trim_start_matches('#').trim_start();
    let rest = rest.strip_prefix("berth:")?.trim_start();
    let rest = rest.strip_prefix("ignore[")?;
    let (ids, reason) = rest.split_once(']')?;
    let ids: Vec<String> = ids
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let reason = reason.trim();
    Some((ids, (!reason.is_empty()).then(|| reason.to_string())))
}

/// Mark suppressed findings and add `B003` findings for unused, unknown or
/// unexplained suppressions.
pub fn apply(
    sources: &SourceMap,
    suppressions: &[Suppression],
    diagnostics: &mut Vec<Diagnostic>,
    policy: &Policy,
    require_reason: bool,
) {
    let meta = &rules::UnusedSuppression::META;
    let mut extra = Vec::new();
    for s in suppressions {
        for id in &s.rules {
            let Some(rule) = rules::find(id) else {
                extra.push(
                    Diagnostic::new(
                        meta,
                        Label::new(s.span, "unknown rule"),
                        format!("suppression names an unknown rule `{id}`"),
                    )
                    .with_key(format!("{}|{id}", s.line)),
                );
                continue;
            };
            let code = rule.meta().code;
            let mut used = false;
            for d in diagnostics.iter_mut() {
                if d.rule.code != code || d.primary.span.file != s.file {
                    continue;
                }
                let line = sources
                    .get(d.primary.span.file)
                    .map_or(0, |f| f.line_col(d.primary.span.start).line);
                if line == s.line || (s.own_line && line == s.line + 1) {
                    d.suppressed = Some(s.reason.clone().unwrap_or_default());
                    used = true;
                }
            }
            if !used && policy.is_enabled(rule.meta()) {
                extra.push(
                    Diagnostic::new(
                        meta,
                        Label::new(s.span, "suppresses nothing"),
                        format!(
                            "suppression of `{id}` matches no finding on this line or the next"
                        ),
                    )
                    .with_help(
                        "remove the comment, or move it to the flagged line or the line above it",
                    )
                    .with_key(format!("{}|{id}", s.line)),
                );
            }
        }
        if require_reason && s.reason.is_none() {
            extra.push(
                Diagnostic::new(
                    meta,
                    Label::new(s.span, "no reason"),
                    "suppression gives no reason (berth.yml requires one)",
                )
                .with_help(
                    "add why after the brackets: `# berth: ignore[B202] the proxy filters the API`",
                )
                .with_key(format!("{}|reason", s.line)),
            );
        }
    }
    if policy.is_enabled(meta) {
        diagnostics.extend(extra);
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn comments() {
        assert_eq!(
            parse("# berth: ignore[B101, mount-shadows-build-output] dev box only"),
            Some((
                vec!["B101".into(), "mount-shadows-build-output".into()],
                Some("dev box only".into())
            ))
        );
        assert_eq!(
            parse("#berth:ignore[B202]"),
            Some((vec!["B202".into()], None))
        );
        assert_eq!(parse("# berth: ignore B202"), None);
        assert_eq!(parse("# a comment"), None);
    }
}

/// A baseline: the fingerprints of findings a team has accepted for now.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub rule: String,
    pub path: String,
    pub fingerprint: String,
}

/// The baseline of the shown findings (sorted, so it diffs well).
pub fn baseline_of(sources: &SourceMap, diagnostics: &[Diagnostic]) -> Baseline {
    let mut findings: Vec<BaselineEntry> = diagnostics
        .iter()
        .filter(|d| d.suppressed.is_none())
        .map(|d| BaselineEntry {
            rule: d.rule.code.to_string(),
            path: sources.display(d.primary.span.file).to_string(),
            fingerprint: d.fingerprint.clone(),
        })
        .collect();
    findings.sort();
    findings.dedup();
    Baseline {
        version: 1,
        findings,
    }
}

/// Mark the findings the baseline records; they are not shown or counted.
pub fn apply_baseline(baseline: &Baseline, diagnostics: &mut [Diagnostic]) {
    for d in diagnostics {
        d.in_baseline = baseline
            .findings
            .iter()
            .any(|b| b.fingerprint == d.fingerprint && b.rule == d.rule.code);
    }
}
