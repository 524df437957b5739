//! Reads findings out of a SARIF log from any tool, leniently: what publish
//! needs (rule, level, message, location, evidence, fingerprint, fix) and
//! nothing more. A result berth cannot place is kept for the summary.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::error::PublishError;
use super::sarif::{self, ArtifactLocation, PhysicalLocation, Rule, SarifResult};

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
    from_log(&sarif::Log::of(log), workspace)
}

/// [`read`] for a log already viewed.
pub fn from_log(log: &sarif::Log, workspace: Option<&str>) -> Result<Findings, PublishError> {
    let runs = log
        .runs
        .as_ref()
        .ok_or_else(|| PublishError::Input("not a SARIF log: no `runs` array".into()))?;
    let mut out = Findings::default();
    for run in runs {
        let paths = Paths {
            bases: &run.original_uri_base_ids,
            workspace,
        };
        let driver = &run.tool.driver;
        let tool = driver.name.as_deref().unwrap_or("unknown tool");
        for result in &run.results {
            if hidden(result) {
                out.suppressed += 1;
            } else {
                out.findings
                    .push(finding(tool, &driver.rules, &paths, result));
            }
        }
    }
    number_repeats(&mut out.findings);
    out.findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| place_key(a).cmp(&place_key(b)))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
    Ok(out)
}

/// Suppressed, or a baseline's: old findings are not news, "absent" ones
/// are gone.
fn hidden(result: &SarifResult) -> bool {
    !result.suppressions.is_empty()
        || matches!(
            result.baseline_state.as_deref(),
            Some("unchanged" | "absent")
        )
}

/// Fingerprints made without the line repeat for repeated findings (two
/// `apt-get` lines, one rule): number them in line order.
fn number_repeats(findings: &mut [Finding]) {
    let mut by_line: Vec<usize> = (0..findings.len()).collect();
    by_line.sort_by_key(|&i| place_key(&findings[i]));
    let mut seen: HashMap<String, usize> = HashMap::new();
    for i in by_line {
        let f = &mut findings[i];
        if f.fingerprint.ends_with('~') {
            f.fingerprint.pop();
            let n = seen.entry(f.fingerprint.clone()).or_default();
            *n += 1;
            if *n > 1 {
                f.fingerprint.push_str(&format!(".{n}"));
            }
        }
    }
}

fn place_key(f: &Finding) -> (&str, u32) {
    f.place
        .as_ref()
        .map_or(("", 0), |p| (p.path.as_str(), p.line))
}

/// The rule a result names, by index or else by id.
fn rule_of<'a>(rules: &'a [Rule], result: &SarifResult) -> Option<&'a Rule> {
    result
        .rule_index
        .and_then(|i| rules.get(usize::try_from(i).ok()?))
        .or_else(|| {
            let id = result.rule_id.as_deref()?;
            rules.iter().find(|r| r.id.as_deref() == Some(id))
        })
}

fn severity(result: &SarifResult, rule: Option<&Rule>) -> Severity {
    let level = result
        .level
        .as_deref()
        .or_else(|| rule?.default_configuration.level.as_deref());
    match level.unwrap_or("warning") {
        "error" => Severity::Error,
        "note" | "none" => Severity::Note,
        _ => Severity::Warning,
    }
}

/// The message and its help. berth's logs carry the help as data
/// (`properties.berth.help`) and also at the end of the message for people;
/// a log from before that field, or another tool's, may have only the
/// `Help:` line.
fn split_help(text: &str, help: Option<&str>) -> (String, Option<String>) {
    if let Some(help) = help {
        let suffix = format!("\nHelp: {help}");
        let message = text.strip_suffix(suffix.as_str()).unwrap_or(text);
        return (message.trim().to_owned(), Some(help.trim().to_owned()));
    }
    match text.split_once("\nHelp: ") {
        Some((m, h)) => (m.trim().to_owned(), Some(h.trim().to_owned())),
        None => (text.to_owned(), None),
    }
}

fn finding(tool: &str, rules: &[Rule], paths: &Paths<'_>, result: &SarifResult) -> Finding {
    let rule = rule_of(rules, result);
    let rule_id = result
        .rule_id
        .as_deref()
        .or_else(|| rule?.id.as_deref())
        .unwrap_or("(no rule)")
        .to_owned();
    let text = result.message.text.as_deref().unwrap_or("").trim();
    let (message, help) = split_help(text, result.properties.berth.help.as_deref());
    let place = result
        .locations
        .first()
        .and_then(|l| paths.place(l.physical_location.as_ref()?));
    let evidence = result
        .related_locations
        .iter()
        .filter_map(|r| {
            Some(Evidence {
                place: paths.place(r.physical_location.as_ref()?)?,
                message: r.message.text.clone().unwrap_or_default(),
            })
        })
        .collect();
    let suggestion = place.as_ref().and_then(|p| suggestion_of(result, p, paths));
    Finding {
        tool: tool.to_owned(),
        rule_name: rule.and_then(|r| r.name.clone()),
        help_uri: rule
            .and_then(|r| r.help_uri.clone())
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        severity: severity(result, rule),
        fingerprint: fingerprint_of(tool, &rule_id, result, place.as_ref(), &message),
        rule_id,
        message,
        help,
        place,
        evidence,
        suggestion,
        view: result.properties.berth.container_view.clone(),
    }
}

/// What turns a run's artifact locations into repository paths.
struct Paths<'a> {
    bases: &'a BTreeMap<String, ArtifactLocation>,
    workspace: Option<&'a str>,
}

impl Paths<'_> {
    fn place(&self, physical: &PhysicalLocation) -> Option<Place> {
        let path = self.repo_path(physical.artifact_location.as_ref()?)?;
        let region = &physical.region;
        let line = region
            .start_line
            .and_then(|l| u32::try_from(l).ok())
            .filter(|&l| l > 0)?;
        let end_line = region
            .end_line
            .and_then(|l| u32::try_from(l).ok())
            .unwrap_or(line)
            .max(line);
        Some(Place {
            path,
            line,
            end_line,
            snippet: region.snippet.text.clone(),
        })
    }

    /// A repository-relative path for an artifact location: relative URIs as
    /// they are, `file:` URIs under the workspace (or a `uriBaseId` that
    /// points there) with that prefix removed. Anything else has no place in
    /// a review.
    fn repo_path(&self, artifact: &ArtifactLocation) -> Option<String> {
        let uri = artifact.uri.as_deref()?;
        let base = artifact
            .uri_base_id
            .as_deref()
            .and_then(|id| self.bases.get(id)?.uri.as_deref());
        let full = match base {
            Some(b) if !uri.contains(':') => format!("{}/{}", b.trim_end_matches('/'), uri),
            _ => uri.to_owned(),
        };
        let decoded = percent_encoding::percent_decode_str(&full).decode_utf8_lossy();
        let path = if let Some(rest) = decoded.strip_prefix("file://") {
            let abs = rest.trim_start_matches("localhost");
            let ws = self.workspace?.trim_end_matches('/');
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
}

/// The first fix's replacement, when it replaces whole lines of the result's
/// own file (the only kind a review suggestion can show).
fn suggestion_of(result: &SarifResult, place: &Place, paths: &Paths<'_>) -> Option<Suggestion> {
    let change = result.fixes.first()?.artifact_changes.first()?;
    if paths.repo_path(change.artifact_location.as_ref()?)? != place.path {
        return None;
    }
    let [replacement] = change.replacements.as_slice() else {
        return None;
    };
    let deleted = replacement.deleted_region.as_ref()?;
    let start_line = u32::try_from(deleted.start_line?).ok()?;
    let end = deleted
        .end_line
        .and_then(|l| u32::try_from(l).ok())
        .unwrap_or(start_line);
    // Whole lines only: no columns (the lines without their breaks), or
    // column 1 to column 1 of the line after (the lines with their breaks).
    let end_line = match (deleted.start_column, deleted.end_column) {
        (None, None) => end,
        (None | Some(1), Some(1)) if end > start_line => end - 1,
        _ => return None,
    };
    let text = replacement
        .inserted_content
        .text
        .as_deref()
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
    result: &SarifResult,
    place: Option<&Place>,
    message: &str,
) -> String {
    let chosen = result
        .partial_fingerprints
        .iter()
        .min_by_key(|(k, _)| {
            (
                !k.starts_with("berth/"),
                k.as_str() == "primaryLocationLineHash",
                k.as_str(),
            )
        })
        .and_then(|(_, v)| v.as_deref());
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
    #[test]
    fn help_is_read_from_the_data_when_the_log_has_it() {
        // A message that itself holds a `Help:` line: only the data says
        // where berth's help starts.
        let text = "x\nHelp: y\nHelp: z";
        assert_eq!(
            super::split_help(text, Some("z")),
            ("x\nHelp: y".to_string(), Some("z".to_string()))
        );
        // Another tool's log, or one written before the field: the first
        // `Help:` line.
        assert_eq!(
            super::split_help(text, None),
            ("x".to_string(), Some("y\nHelp: z".to_string()))
        );
        assert_eq!(
            super::split_help("plain", None),
            ("plain".to_string(), None)
        );
    }

    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    fn result(v: &Value) -> SarifResult {
        SarifResult::deserialize(v).expect("a result")
    }

    const NO_BASES: &BTreeMap<String, ArtifactLocation> = &BTreeMap::new();

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
            fingerprint_of("t", "R", &result(&a), None, "m"),
            fingerprint_of("t", "R", &result(&b), None, "m")
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
        let none = result(&json!({}));
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
            let paths = Paths {
                bases: NO_BASES,
                workspace: None,
            };
            suggestion_of(&result(&fix(r)), &place, &paths).map(|s| (s.start_line, s.end_line))
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
