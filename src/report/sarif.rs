//! SARIF 2.1.0 for GitHub code scanning: one run, every enabled rule in
//! `tool.driver.rules`, related locations for the evidence, and partial
//! fingerprints that survive unrelated edits.

use std::collections::BTreeMap;

use serde_sarif::sarif;

use super::range;
use crate::check::Outcome;
use crate::diagnostic::{Label, Level};
use crate::paths::uri_path;
use crate::rules::RuleMeta;
use crate::source::SourceMap;

/// A `$schema` value GitHub accepts.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const SRCROOT: &str = "%SRCROOT%";

fn level(l: Level) -> &'static str {
    l.as_str()
}

fn message(text: impl Into<String>) -> sarif::Message {
    sarif::Message::builder().text(text.into()).build()
}

/// The first paragraph under "What it does", as plain text.
fn full_description(docs: &str) -> String {
    docs.split("## What it does")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").find(|p| !p.trim().is_empty()))
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn rule(meta: &RuleMeta, default_level: Level) -> sarif::ReportingDescriptor {
    let docs = meta.docs();
    let mut extra = BTreeMap::new();
    if let Some(sev) = meta.security_severity {
        extra.insert("security-severity".to_string(), serde_json::json!(sev));
    }
    extra.insert("precision".to_string(), serde_json::json!("high"));
    let properties = sarif::PropertyBag::builder()
        .tags(meta.tags.iter().map(|t| t.to_string()).collect::<Vec<_>>())
        .additional_properties(extra)
        .build();
    sarif::ReportingDescriptor::builder()
        .id(meta.code)
        .name(meta.name)
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(meta.summary)
                .build(),
        )
        .full_description(
            sarif::MultiformatMessageString::builder()
                .text(full_description(&docs))
                .build(),
        )
        .help(
            sarif::MultiformatMessageString::builder()
                .text(docs.clone())
                .markdown(docs)
                .build(),
        )
        .help_uri(meta.help_uri())
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(serde_json::json!(level(default_level)))
                .build(),
        )
        .properties(properties)
        .build()
}

/// A path relative to the working directory is relative to `%SRCROOT%`; one
/// outside it becomes an absolute `file:` URI.
fn artifact(display: &str) -> sarif::ArtifactLocation {
    if display.starts_with('/') {
        sarif::ArtifactLocation::builder()
            .uri(format!("file://{}", uri_path(display)))
            .build()
    } else {
        sarif::ArtifactLocation::builder()
            .uri(uri_path(display))
            .uri_base_id(SRCROOT)
            .build()
    }
}

fn physical(sources: &SourceMap, l: &Label) -> sarif::PhysicalLocation {
    let (start, end) = range(sources, l.span);
    sarif::PhysicalLocation::builder()
        .artifact_location(artifact(sources.display(l.span.file)))
        .region(
            sarif::Region::builder()
                .start_line(start.line as i64)
                .start_column(start.column as i64)
                .end_line(end.line as i64)
                .end_column(end.column as i64)
                .build(),
        )
        .build()
}

/// Evidence shown where the file is not at hand (a review comment): the
/// region's lines, already masked, at most five.
fn with_snippet(
    mut loc: sarif::PhysicalLocation,
    sources: &SourceMap,
    l: &Label,
) -> sarif::PhysicalLocation {
    let (start, end) = range(sources, l.span);
    let Some(file) = sources.get(l.span.file) else {
        return loc;
    };
    let lines: Vec<String> = (start.line..=end.line.min(start.line + 4))
        .map(|n| file.line_text(n).chars().take(300).collect())
        .collect();
    let text = lines.join("\n");
    if let Some(region) = loc.region.as_mut()
        && !text.trim().is_empty()
    {
        region.snippet = Some(sarif::ArtifactContent::builder().text(text).build());
    }
    loc
}

pub fn render(outcome: &Outcome) -> String {
    // Every enabled rule, at the level this run gives it.
    let rules: Vec<&RuleMeta> = outcome.policy.enabled_rules();
    let results: Vec<sarif::Result> = outcome
        .diagnostics
        .iter()
        .map(|d| {
            let index = rules
                .iter()
                .position(|r| r.code == d.rule.code)
                .unwrap_or(0);
            let location = sarif::Location::builder()
                .physical_location(physical(&outcome.sources, &d.primary))
                .build();
            let related: Vec<sarif::Location> = d
                .related
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    sarif::Location::builder()
                        .id(i as i64 + 1)
                        .physical_location(with_snippet(
                            physical(&outcome.sources, l),
                            &outcome.sources,
                            l,
                        ))
                        .message(message(l.message.clone()))
                        .build()
                })
                .collect();
            let mut fingerprints = BTreeMap::new();
            fingerprints.insert("primaryLocationLineHash".to_string(), d.line_hash.clone());
            fingerprints.insert("berth/v1".to_string(), d.fingerprint.clone());
            let mut text = d.message.clone();
            if !d.stacks.is_empty() {
                text.push_str(&format!("\nFound in stack: {}", d.stacks.join("; ")));
            }
            if let Some(help) = &d.help {
                text.push_str(&format!("\nHelp: {help}"));
            }
            let builder = sarif::Result::builder()
                .rule_id(d.rule.code)
                .rule_index(index as i64)
                .level(match d.level {
                    Level::Error => sarif::ResultLevel::Error,
                    Level::Warning => sarif::ResultLevel::Warning,
                    Level::Note => sarif::ResultLevel::Note,
                })
                .message(message(text))
                .locations(vec![location])
                .partial_fingerprints(fingerprints);
            let mut r = builder.build();
            if !related.is_empty() {
                r.related_locations = Some(related);
            }
            if let Some(fix) = &d.fix {
                // Whole lines: from column 1 of the first to column 1 of the
                // line after the last, so the line breaks go too.
                r.fixes = Some(vec![
                    sarif::Fix::builder()
                        .description(message(fix.description.clone()))
                        .artifact_changes(vec![
                            sarif::ArtifactChange::builder()
                                .artifact_location(artifact(outcome.sources.display(fix.file)))
                                .replacements(vec![
                                    sarif::Replacement::builder()
                                        .deleted_region(
                                            sarif::Region::builder()
                                                .start_line(fix.start_line as i64)
                                                .start_column(1)
                                                .end_line(fix.end_line as i64 + 1)
                                                .end_column(1)
                                                .build(),
                                        )
                                        .inserted_content(
                                            sarif::ArtifactContent::builder()
                                                .text(fix.insert.clone())
                                                .build(),
                                        )
                                        .build(),
                                ])
                                .build(),
                        ])
                        .build(),
                ]);
            }
            let mut berth = serde_json::Map::new();
            // The message text carries the help for people reading it in
            // GitHub; this field carries it for programs (berth publish).
            if let Some(help) = &d.help {
                berth.insert("help".into(), serde_json::json!(help));
            }
            if let Some(view) = &d.view {
                berth.insert("containerView".into(), serde_json::json!(view));
            }
            if let Some(class) = d.class {
                berth.insert("stackClass".into(), serde_json::json!(class.as_str()));
            }
            if !berth.is_empty() {
                let mut extra = BTreeMap::new();
                extra.insert("berth".to_string(), serde_json::Value::Object(berth));
                r.properties = Some(
                    sarif::PropertyBag::builder()
                        .additional_properties(extra)
                        .build(),
                );
            }
            if let Some(reason) = &d.suppressed {
                let mut sup = sarif::Suppression::builder()
                    .kind(serde_json::json!("inSource"))
                    .build();
                if !reason.is_empty() {
                    sup.justification = Some(reason.clone());
                }
                r.suppressions = Some(vec![sup]);
            }
            if outcome.baseline_used {
                let state = if d.in_baseline { "unchanged" } else { "new" };
                r.baseline_state = Some(serde_json::json!(state));
            }
            r
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("berth")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(crate::REPOSITORY)
        .rules(
            rules
                .iter()
                .map(|r| rule(r, outcome.policy.level(r)))
                .collect::<Vec<_>>(),
        )
        .build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .build();
    let log = sarif::Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_encoded() {
        assert_eq!(
            uri_path("sp ace,x:y/compose.yaml"),
            "sp%20ace%2Cx%3Ay/compose.yaml"
        );
        assert_eq!(uri_path("caf\u{e9}/a.yml"), "caf%C3%A9/a.yml");
        let abs = artifact("/tmp/m/compose.yaml");
        assert_eq!(abs.uri.as_deref(), Some("file:///tmp/m/compose.yaml"));
        assert!(abs.uri_base_id.is_none());
        let rel = artifact("m/compose.yaml");
        assert_eq!(rel.uri_base_id.as_deref(), Some(SRCROOT));
    }
}
