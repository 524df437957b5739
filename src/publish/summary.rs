//! The Markdown job summary (`GITHUB_STEP_SUMMARY`) and the workflow-command
//! annotations publish writes from a SARIF log. GitHub shows ten annotations
//! of each level per step, so the summary carries the rest.

use std::collections::BTreeMap;

use super::context::Context;
use super::findings::{Finding, Severity};
use crate::report::github::{escape_data, escape_property};

/// Rows of the findings table; the step summary holds at most 1 MiB.
const MAX_ROWS: usize = 300;
/// Annotations GitHub displays per level and step.
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

fn cell(text: &str) -> String {
    let one_line = text.lines().next().unwrap_or("");
    let short: String = one_line.chars().take(200).collect();
    let short = if short.len() < one_line.len() {
        format!("{short}…")
    } else {
        short
    };
    short.replace('|', "\\|")
}

/// A rule's row: title, highest level, count, documentation link.
type RuleRow<'a> = (String, Severity, usize, Option<&'a str>);

pub fn render(
    findings: &[Finding],
    suppressed: usize,
    ctx: Option<&Context>,
    notices: &[String],
) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let mut out = format!(
        "## berth: {} error{}, {} warning{}, {} note{}\n\n",
        count(Severity::Error),
        if count(Severity::Error) == 1 { "" } else { "s" },
        count(Severity::Warning),
        if count(Severity::Warning) == 1 {
            ""
        } else {
            "s"
        },
        count(Severity::Note),
        if count(Severity::Note) == 1 { "" } else { "s" },
    );
    for n in notices {
        out.push_str(&format!("> [!NOTE]\n> {}\n\n", n.replace('\n', "\n> ")));
    }
    if suppressed > 0 {
        out.push_str(&format!(
            "{suppressed} suppressed or baselined finding{} not shown.\n\n",
            if suppressed == 1 { "" } else { "s" }
        ));
    }
    if findings.is_empty() {
        out.push_str("No findings.\n");
        return out;
    }
    rule_table(&mut out, findings);
    finding_table(&mut out, findings, ctx);
    out
}

/// By rule: how many, at which level, where the rule is documented.
fn rule_table(out: &mut String, findings: &[Finding]) {
    let mut rules: BTreeMap<(&str, &str), RuleRow<'_>> = BTreeMap::new();
    for f in findings {
        let e = rules
            .entry((f.tool.as_str(), f.rule_id.as_str()))
            .or_insert_with(|| (f.title(), f.severity, 0, f.help_uri.as_deref()));
        e.1 = e.1.max(f.severity);
        e.2 += 1;
    }
    out.push_str("| Rule | Level | Findings |\n|---|---|---:|\n");
    for (title, level, n, uri) in rules.values() {
        let name = match uri {
            Some(u) => format!("[{}]({u})", cell(title)),
            None => cell(title),
        };
        out.push_str(&format!("| {name} | {} | {n} |\n", level.word()));
    }
}

/// One row per finding, up to [`MAX_ROWS`], linked to the analysed commit.
fn finding_table(out: &mut String, findings: &[Finding], ctx: Option<&Context>) {
    out.push_str("\n| Level | Rule | Location | Message |\n|---|---|---|---|\n");
    for f in findings.iter().take(MAX_ROWS) {
        let location = match &f.place {
            Some(p) => {
                let text = format!("{}:{}", p.path, p.line);
                match ctx.and_then(|c| c.blob_url(&p.path, p.line)) {
                    Some(url) => format!("[`{}`]({url})", cell(&text)),
                    None => format!("`{}`", cell(&text)),
                }
            }
            None => "(no location)".to_owned(),
        };
        out.push_str(&format!(
            "| {} | {} | {location} | {} |\n",
            f.severity.word(),
            cell(&f.rule_id),
            cell(&f.message)
        ));
    }
    if findings.len() > MAX_ROWS {
        out.push_str(&format!(
            "\n…and {} more in the SARIF file.\n",
            findings.len() - MAX_ROWS
        ));
    }
}

/// Workflow commands for the most severe findings: ten of each level (all
/// GitHub would show), then one line that counts the rest.
pub fn annotations(findings: &[Finding]) -> String {
    let mut out = String::new();
    let mut shown: BTreeMap<Severity, usize> = BTreeMap::new();
    let mut rest = 0;
    for f in findings {
        let n = shown.entry(f.severity).or_default();
        if *n >= ANNOTATIONS_PER_LEVEL {
            rest += 1;
            continue;
        }
        *n += 1;
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = f.message.clone();
        for e in &f.evidence {
            message.push_str(&format!(
                "\n  {}:{}: {}",
                e.place.path, e.place.line, e.message
            ));
        }
        if let Some(help) = &f.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        let mut props = Vec::new();
        if let Some(p) = &f.place {
            props.push(format!("file={}", escape_property(&p.path)));
            props.push(format!("line={}", p.line));
            props.push(format!("endLine={}", p.end_line));
        }
        props.push(format!("title={}", escape_property(&f.title())));
        out.push_str(&format!(
            "::{command} {}::{}\n",
            props.join(","),
            escape_data(&message)
        ));
    }
    if rest > 0 {
        out.push_str(&format!(
            "berth: {rest} more finding{} in the job summary and the SARIF file\n",
            if rest == 1 { "" } else { "s" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(rule: &str, severity: Severity, line: u32) -> Finding {
        let mut f = Finding::example("c.yml", line, &format!("{rule}{line}"));
        f.rule_id = rule.into();
        f.rule_name = None;
        f.help_uri = Some("https://example.com/r".into());
        f.severity = severity;
        f.message = "a | b\nsecond line".into();
        f.help = None;
        f
    }

    #[test]
    fn tables_count_by_rule_and_escape_cells() {
        let md = render(
            &[
                f("B1", Severity::Error, 1),
                f("B1", Severity::Error, 2),
                f("B2", Severity::Note, 3),
            ],
            1,
            None,
            &[],
        );
        assert!(md.starts_with("## berth: 2 errors, 0 warnings, 1 note\n"));
        assert!(md.contains("| [B1](https://example.com/r) | error | 2 |"));
        assert!(md.contains("| error | B1 | `c.yml:1` | a \\| b |"));
        assert!(md.contains("1 suppressed or baselined finding not shown."));
        assert!(render(&[], 0, None, &[]).contains("No findings."));
    }

    #[test]
    fn annotations_stop_at_ten_per_level() {
        let many: Vec<Finding> = (1..=12).map(|l| f("B1", Severity::Warning, l)).collect();
        let text = annotations(&many);
        assert_eq!(
            text.lines().filter(|l| l.starts_with("::warning ")).count(),
            10
        );
        assert!(text.ends_with("berth: 2 more findings in the job summary and the SARIF file\n"));
        assert!(
            text.contains("::warning file=c.yml,line=1,endLine=1,title=B1::a | b%0Asecond line\n")
        );
    }
}
