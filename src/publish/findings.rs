//! Reads findings out of a SARIF log from any tool, leniently: what publish
//! needs (rule, level, message, location, evidence, fingerprint, fix) and
//! nothing more. A result berth cannot place is kept for the summary.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::error::PublishError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn word(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A place in the repository: a path relative to its root, `/`-separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub path: String,
    pub line: u32,
    pub end_line: u32,
    /// The region's text, when the SARIF carries it (berth's does, masked).
    pub snippet: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Evidence {
    pub place: Place,
    pub message: String,
}

/// A whole-line replacement from the result's first fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub start_line: u32,
    pub end_line: u32,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub tool: String,
    pub rule_id: String,
    pub rule_name: Option<String>,
    pub help_uri: Option<String>,
    pub severity: Severity,
    pub message: String,
    /// The "how to fix" part, when the message has one (berth's `Help:` line).
    pub help: Option<String>,
    pub place: Option<Place>,
    pub evidence: Vec<Evidence>,
    pub suggestion: Option<Suggestion>,
    /// berth's before/after view of a container directory, for mount rules.
    pub view: Option<String>,
    /// Stable identity across runs and line moves.
    pub fingerprint: String,
}

impl Finding {
    pub fn title(&self) -> String {
        match &self.rule_name {
            Some(name) if name != &self.rule_id => format!("{} {}", self.rule_id, name),
            _ => self.rule_id.clone(),
        }
    }
}

#[cfg(test)]
impl Finding {
    /// A berth B101 error at `path:line`, for tests.
    pub fn example(path: &str, line: u32, fingerprint: &str) -> Finding {
        Finding {
            tool: "berth".into(),
            rule_id: "B101".into(),
            rule_name: Some("mount-shadows-build-output".into()),
            help_uri: None,
            severity: Severity::Error,
            message: "hides".into(),
            help: Some("remove it".into()),
            place: Some(Place {
                path: path.into(),
                line,
                end_line: line,
                snippet: None,
            }),
            evidence: vec![],
            suggestion: None,
            view: None,
            fingerprint: fingerprint.into(),
        }
    }
}

/// Everything publish reads from one SARIF file.
#[derive(Debug, Default)]
pub struct Findings {
    pub findings: Vec<Finding>,
    /// Results left out: suppressed, or recorded in a baseline.
    pub suppressed: usize,
}

/// Read the findings of every run. `workspace` turns absolute `file:` URIs
/// back into repository paths.
pub fn read(log: &Value, workspace: Option<&str>) -> Result<Findings, PublishError> {
    let runs = log
        .get("runs")
        .and_then(Value::as_array)
        .ok_or_else(|| PublishError::Input("not a SARIF log: no `runs` array".into()))?;
    let mut out = Findings::default();
    for run in runs {
        let driver = run.pointer("/tool/driver");
        let tool = driver
            .and_then(|d| d.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("unknown tool")
            .to_owned();
        let rules: &[Value] = driver
            .and_then(|d| d.get("rules"))
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let bases = run.get("originalUriBaseIds");
        for result in run
            .get("results")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
        {
            let suppressed = result
                .get("suppressions")
                .and_then(Value::as_array)
                .is_some_and(|s| !s.is_empty());
            // A baseline's old findings are not news; "absent" ones are gone.
            let baselined = matches!(
                result.get("baselineState").and_then(Value::as_str),
                Some("unchanged" | "absent")
            );
            if suppressed || baselined {
                out.suppressed += 1;
                continue;
            }
            out.findings
                .push(finding(&tool, rules, bases, workspace, result));
        }
    }
    // Fingerprints made without the line repeat for repeated findings (two
    // `apt-get` lines, one rule): number them in line order.
    let mut by_line: Vec<usize> = (0..out.findings.len()).collect();
    by_line.sort_by_key(|&i| place_key(&out.findings[i]));
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for i in by_line {
        let f = &mut out.findings[i];
        if f.fingerprint.ends_with('~') {
            f.fingerprint.pop();
            let n = seen.entry(f.fingerprint.clone()).or_default();
            *n += 1;
            if *n > 1 {
                f.fingerprint.push_str(&format!(".{n}"));
            }
        }
    }
    out.findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| place_key(a).cmp(&place_key(b)))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
    Ok(out)
}

fn place_key(f: &Finding) -> (&str, u32) {
    f.place
        .as_ref()
        .map_or(("", 0), |p| (p.path.as_str(), p.line))
}

fn finding(
    tool: &str,
    rules: &[Value],
    bases: Option<&Value>,
    workspace: Option<&str>,
    result: &Value,
) -> Finding {
    let rule = result
        .get("ruleIndex")
        .and_then(Value::as_u64)
        .and_then(|i| rules.get(usize::try_from(i).ok()?))
        .or_else(|| {
            let id = result.get("ruleId")?.as_str()?;
            rules
                .iter()
                .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
        });
    let rule_id = result
        .get("ruleId")
        .and_then(Value::as_str)
        .or_else(|| rule.and_then(|r| r.get("id")).and_then(Value::as_str))
        .unwrap_or("(no rule)")
        .to_owned();
    let level = result
        .get("level")
        .and_then(Value::as_str)
        .or_else(|| {
            rule.and_then(|r| r.pointer("/defaultConfiguration/level"))
                .and_then(Value::as_str)
        })
        .unwrap_or("warning");
    let severity = match level {
        "error" => Severity::Error,
        "note" | "none" => Severity::Note,
        _ => Severity::Warning,
    };
    let text = result
        .pointer("/message/text")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim();
    let (message, help) = match text.split_once("\nHelp: ") {
        Some((m, h)) => (m.trim().to_owned(), Some(h.trim().to_owned())),
        None => (text.to_owned(), None),
    };
    let place = result
        .pointer("/locations/0/physicalLocation")
        .and_then(|p| place_of(p, bases, workspace));
    let evidence = result
        .get("relatedLocations")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter_map(|r| {
            Some(Evidence {
                place: place_of(r.get("physicalLocation")?, bases, workspace)?,
                message: r
                    .pointer("/message/text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            })
        })
        .collect();
    let suggestion = place
        .as_ref()
        .and_then(|p| suggestion_of(result, p, bases, workspace));
    let fingerprint = fingerprint_of(tool, &rule_id, result, place.as_ref(), &message);
    Finding {
        tool: tool.to_owned(),
        rule_name: rule
            .and_then(|r| r.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        help_uri: rule
            .and_then(|r| r.get("helpUri"))
            .and_then(Value::as_str)
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .map(str::to_owned),
        rule_id,
        severity,
        message,
        help,
        place,
        evidence,
        suggestion,
        view: result
            .pointer("/properties/berth/containerView")
            .and_then(Value::as_str)
            .map(str::to_owned),
        fingerprint,
    }
}

fn place_of(physical: &Value, bases: Option<&Value>, workspace: Option<&str>) -> Option<Place> {
    let artifact = physical.get("artifactLocation")?;
    let path = repo_path(artifact, bases, workspace)?;
    let region = physical.get("region");
    let line = region
        .and_then(|r| r.get("startLine"))
        .and_then(Value::as_u64)
        .and_then(|l| u32::try_from(l).ok())
        .filter(|&l| l > 0)?;
    let end_line = region
        .and_then(|r| r.get("endLine"))
        .and_then(Value::as_u64)
        .and_then(|l| u32::try_from(l).ok())
        .unwrap_or(line)
        .max(line);
    Some(Place {
        path,
        line,
        end_line,
        snippet: region
            .and_then(|r| r.pointer("/snippet/text"))
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// A repository-relative path for an artifact location: relative URIs as they
/// are, `file:` URIs under the workspace (or a `uriBaseId` that points there)
/// with that prefix removed. Anything else has no place in a review.
fn repo_path(artifact: &Value, bases: Option<&Value>, workspace: Option<&str>) -> Option<String> {
    let uri = artifact.get("uri")?.as_str()?;
    let base = artifact
        .get("uriBaseId")
        .and_then(Value::as_str)
        .and_then(|id| bases?.get(id)?.get("uri")?.as_str());
    let full = match base {
        Some(b) if !uri.contains(':') => format!("{}/{}", b.trim_end_matches('/'), uri),
        _ => uri.to_owned(),
    };
    let decoded = percent_encoding::percent_decode_str(&full).decode_utf8_lossy();
    let path = if let Some(rest) = decoded.strip_prefix("file://") {
        let abs = rest.trim_start_matches("localhost");
        let ws = workspace?.trim_end_matches('/');
        abs.strip_prefix(ws)?.trim_start_matches('/').to_owned()
    } else if decoded.contains("://") || decoded.starts_with('/') {
        return None;
    } else {
        decoded.trim_start_matches("./").to_owned()
    };
    let clean = !path.is_empty()
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != ".." && seg != ".");
    clean.then_some(path)
}

/// The first fix's replacement, when it replaces whole lines of the result's
/// own file (the only kind a review suggestion can show).
fn suggestion_of(
    result: &Value,
    place: &Place,
    bases: Option<&Value>,
    workspace: Option<&str>,
) -> Option<Suggestion> {
    let change = result.pointer("/fixes/0/artifactChanges/0")?;
    if repo_path(change.get("artifactLocation")?, bases, workspace)? != place.path {
        return None;
    }
    let replacements = change.get("replacements")?.as_array()?;
    let [replacement] = replacements.as_slice() else {
        return None;
    };
    let deleted = replacement.get("deletedRegion")?;
    let col = |k: &str| deleted.get(k).and_then(Value::as_u64);
    let start_line = u32::try_from(deleted.get("startLine")?.as_u64()?).ok()?;
    let end = deleted
        .get("endLine")
        .and_then(Value::as_u64)
        .and_then(|l| u32::try_from(l).ok())
        .unwrap_or(start_line);
    // Whole lines only: no columns (the lines without their breaks), or
    // column 1 to column 1 of the line after (the lines with their breaks).
    let end_line = match (col("startColumn"), col("endColumn")) {
        (None, None) => end,
        (None | Some(1), Some(1)) if end > start_line => end - 1,
        _ => return None,
    };
    let text = replacement
        .pointer("/insertedContent/text")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_end_matches('\n')
        .to_owned();
    (start_line > 0 && end_line >= start_line).then_some(Suggestion {
        start_line,
        end_line,
        text,
    })
}

/// berth's own `berth/v1` fingerprint when present (it survives line moves),
/// else any other partial fingerprint, else a hash of what identifies the
/// finding without its line.
fn fingerprint_of(
    tool: &str,
    rule_id: &str,
    result: &Value,
    place: Option<&Place>,
    message: &str,
) -> String {
    let partial = result.get("partialFingerprints").and_then(Value::as_object);
    let chosen = partial.and_then(|p| {
        let mut keys: Vec<&String> = p.keys().collect();
        keys.sort_by_key(|k| {
            (
                !k.starts_with("berth/"),
                k.as_str() == "primaryLocationLineHash",
                k.to_string(),
            )
        });
        keys.first().and_then(|k| p.get(*k)).and_then(Value::as_str)
    });
    let mut h = Sha256::new();
    h.update(tool.as_bytes());
    h.update([0]);
    h.update(rule_id.as_bytes());
    h.update([0]);
    match chosen {
        Some(fp) => h.update(fp.as_bytes()),
        None => {
            h.update(place.map_or("", |p| p.path.as_str()).as_bytes());
            h.update([0]);
            h.update(message.as_bytes());
        }
    }
    let mut hex: String = h.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if chosen.is_none() {
        // Marks a line-free fingerprint for numbering in `read`.
        hex.push('~');
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_berth_and_foreign_results() {
        let log = json!({"runs": [{
        "tool": {"driver": {"name": "berth", "rules": [
            {"id": "B101", "name": "mount-shadows-build-output", "helpUri": "https://example.com/B101"}]}},
        "originalUriBaseIds": {"SRC": {"uri": "file:///github/workspace/"}},
        "results": [
            {"ruleId": "B101", "ruleIndex": 0, "level": "error",
             "message": {"text": "hides it\nHelp: remove the mount"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a%20b/compose.yml"},
                 "region": {"startLine": 10}}}],
             "relatedLocations": [{"physicalLocation": {"artifactLocation": {"uri": "Dockerfile", "uriBaseId": "SRC"},
                 "region": {"startLine": 15, "snippet": {"text": "COPY x /app"}}}, "message": {"text": "puts /app"}}],
             "partialFingerprints": {"primaryLocationLineHash": "zz", "berth/v1": "abc"}},
            {"ruleId": "X", "message": {"text": "suppressed"}, "suppressions": [{"kind": "inSource"}]},
            {"ruleId": "X", "message": {"text": "old"}, "baselineState": "unchanged"},
            {"ruleId": "DL3008", "message": {"text": "pin"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "file:///github/workspace/Dockerfile"},
                 "region": {"startLine": 3}}}],
             "fixes": [{"artifactChanges": [{"artifactLocation": {"uri": "Dockerfile"},
                 "replacements": [{"deletedRegion": {"startLine": 3}, "insertedContent": {"text": "RUN x=1\n"}}]}]}]},
            {"ruleId": "Y", "message": {"text": "outside"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "file:///etc/passwd"}, "region": {"startLine": 1}}}]}
        ]}]});
        let read = read(&log, Some("/github/workspace")).expect("valid");
        assert_eq!(read.suppressed, 2);
        let f = &read.findings;
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].rule_id, "B101");
        assert_eq!(f[0].title(), "B101 mount-shadows-build-output");
        assert_eq!(f[0].help.as_deref(), Some("remove the mount"));
        assert_eq!(
            f[0].place.as_ref().map(|p| p.path.as_str()),
            Some("a b/compose.yml")
        );
        assert_eq!(f[0].evidence[0].place.path, "Dockerfile");
        assert_eq!(
            f[0].evidence[0].place.snippet.as_deref(),
            Some("COPY x /app")
        );
        let hadolint = f.iter().find(|x| x.rule_id == "DL3008").expect("kept");
        assert_eq!(
            hadolint.place.as_ref().map(|p| p.path.as_str()),
            Some("Dockerfile")
        );
        assert_eq!(
            hadolint.suggestion,
            Some(Suggestion {
                start_line: 3,
                end_line: 3,
                text: "RUN x=1".into()
            })
        );
        let outside = f.iter().find(|x| x.rule_id == "Y").expect("kept");
        assert!(
            outside.place.is_none(),
            "a path outside the workspace has no place"
        );
    }

    #[test]
    fn fingerprint_prefers_berth_and_ignores_line_otherwise() {
        let a = json!({"partialFingerprints": {"primaryLocationLineHash": "1", "berth/v1": "x"}});
        let b = json!({"partialFingerprints": {"primaryLocationLineHash": "2", "berth/v1": "x"}});
        assert_eq!(
            fingerprint_of("t", "R", &a, None, "m"),
            fingerprint_of("t", "R", &b, None, "m")
        );
        let p1 = Place {
            path: "f".into(),
            line: 1,
            end_line: 1,
            snippet: None,
        };
        let p9 = Place {
            line: 9,
            ..p1.clone()
        };
        let none = json!({});
        assert_eq!(
            fingerprint_of("t", "R", &none, Some(&p1), "m"),
            fingerprint_of("t", "R", &none, Some(&p9), "m")
        );
        assert_ne!(
            fingerprint_of("t", "R", &none, Some(&p1), "m"),
            fingerprint_of("u", "R", &none, Some(&p1), "m")
        );
    }

    #[test]
    fn whole_line_fixes_become_suggestions() {
        let place = Place {
            path: "c.yml".into(),
            line: 10,
            end_line: 10,
            snippet: None,
        };
        let fix = |region: Value| {
            json!({"fixes": [{"artifactChanges": [{"artifactLocation": {"uri": "c.yml"},
                "replacements": [{"deletedRegion": region, "insertedContent": {"text": ""}}]}]}]})
        };
        let lines = |r: Value| {
            suggestion_of(&fix(r), &place, None, None).map(|s| (s.start_line, s.end_line))
        };
        assert_eq!(
            lines(json!({"startLine": 9, "startColumn": 1, "endLine": 11, "endColumn": 1})),
            Some((9, 10))
        );
        assert_eq!(lines(json!({"startLine": 9, "endLine": 10})), Some((9, 10)));
        assert_eq!(
            lines(json!({"startLine": 9, "startColumn": 3, "endLine": 9, "endColumn": 8})),
            None
        );
    }

    #[test]
    fn not_sarif_is_an_error() {
        assert!(read(&json!({"version": "2.1.0"}), None).is_err());
    }
}
