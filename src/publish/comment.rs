//! The text berth posts on a pull request: one comment per finding, the
//! review's body, and the hidden markers that let a later run recognise them.
//! SARIF text may come from an untrusted run (the fork pattern), so it is
//! defused: it cannot forge a marker, close an HTML comment or mention anyone.

use super::context::Context;
use super::findings::{Finding, Severity};

const FINDING: &str = "<!-- berth-finding ";
const RESOLVED: &str = "<!-- berth-resolved ";
/// Caps that keep a comment far below GitHub's 65,536 characters.
const MAX_TEXT: usize = 4_000;
const MAX_EVIDENCE: usize = 10;
const MAX_SUGGESTION: usize = 20_000;
const MAX_LIST: usize = 100;

pub fn marker(category: &str, fingerprint: &str) -> String {
    format!("{FINDING}{category} {fingerprint} -->")
}

pub fn resolved_marker(category: &str, fingerprint: &str) -> String {
    format!("{RESOLVED}{category} {fingerprint} -->")
}

/// The marker at the end of a body berth wrote: (category, fingerprint,
/// resolved). Only the last one counts; defused text cannot hold one.
pub fn read_marker(body: &str) -> Option<(&str, &str, bool)> {
    let (start, resolved) = match (body.rfind(FINDING), body.rfind(RESOLVED)) {
        (Some(f), Some(r)) if r > f => (r + RESOLVED.len(), true),
        (Some(f), _) => (f + FINDING.len(), false),
        (None, Some(r)) => (r + RESOLVED.len(), true),
        (None, None) => return None,
    };
    let rest = body.get(start..)?;
    let inner = rest.get(..rest.find(" -->")?)?;
    let (category, fp) = inner.rsplit_once(' ')?;
    Some((category, fp, resolved))
}

/// SARIF text made safe for Markdown: no HTML comments, no @-mentions.
pub fn defuse(text: &str) -> String {
    let text = text.replace("<!--", "&lt;!--").replace("-->", "--&gt;");
    let mut out = String::with_capacity(text.len());
    let mut prev: Option<char> = None;
    for c in text.chars() {
        out.push(c);
        // A word joiner after `@` keeps the text readable and pings no one.
        if c == '@' && !prev.is_some_and(char::is_alphanumeric) {
            out.push('\u{2060}');
        }
        prev = Some(c);
    }
    out
}

/// At most `max` characters, marked when cut.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}… (cut)", &text[..cut]),
        None => text.to_owned(),
    }
}

fn link(ctx: &Context, path: &str, line: u32) -> String {
    let shown = defuse(path).replace('`', "'");
    match ctx.blob_url(path, line) {
        Some(url) => format!("[`{shown}:{line}`]({url})"),
        None => format!("`{shown}:{line}`"),
    }
}

fn fence(text: &str) -> String {
    // A fence longer than any backtick run inside keeps the text literal.
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn badge(s: Severity) -> &'static str {
    match s {
        Severity::Error => "**error**",
        Severity::Warning => "**warning**",
        Severity::Note => "note",
    }
}

/// How a finding's comment is placed.
pub struct Placement<'a> {
    /// The comment sits on a changed evidence line, not the finding's own.
    pub on_evidence: bool,
    /// The suggestion fits the commented lines and is offered.
    pub suggestion: Option<&'a str>,
}

/// The evidence list, each entry with its snippet, when there is any.
fn evidence(body: &mut String, f: &Finding, ctx: &Context) {
    if f.evidence.is_empty() {
        return;
    }
    body.push_str("\n**Evidence**\n");
    for e in f.evidence.iter().take(MAX_EVIDENCE) {
        body.push_str(&format!(
            "- {} {}\n",
            link(ctx, &e.place.path, e.place.line),
            clip(&defuse(&e.message), 500)
        ));
        if let Some(snippet) = &e.place.snippet {
            let snippet = clip(snippet.trim_end(), 1_000);
            let fence = fence(&snippet);
            body.push_str(&format!(
                "  {fence}\n  {}\n  {fence}\n",
                snippet.replace('\n', "\n  ")
            ));
        }
    }
    if f.evidence.len() > MAX_EVIDENCE {
        body.push_str(&format!(
            "- … and {} more\n",
            f.evidence.len() - MAX_EVIDENCE
        ));
    }
}

/// The body of a finding's review comment.
pub fn comment_body(f: &Finding, at: &Placement<'_>, ctx: &Context, category: &str) -> String {
    let mut body = format!(
        "{} · **{}** ({})\n\n{}\n",
        badge(f.severity),
        clip(&defuse(&f.title()), 200),
        clip(&defuse(&f.tool), 100),
        clip(&defuse(&f.message), MAX_TEXT)
    );
    if at.on_evidence
        && let Some(p) = &f.place
    {
        body.push_str(&format!(
            "\nReported at {}; this changed line is part of the evidence.\n",
            link(ctx, &p.path, p.line)
        ));
    }
    evidence(&mut body, f, ctx);
    if let Some(view) = &f.view {
        let view = clip(view.trim_end(), MAX_TEXT);
        let fence = fence(&view);
        body.push_str(&format!("\n{fence}text\n{view}\n{fence}\n"));
    }
    if let Some(help) = &f.help {
        body.push_str(&format!(
            "\n**How to fix:** {}\n",
            clip(&defuse(help), MAX_TEXT)
        ));
    }
    if let Some(text) = at
        .suggestion
        .filter(|t| t.chars().count() <= MAX_SUGGESTION)
    {
        let fence = fence(text);
        let text = if text.is_empty() {
            String::new()
        } else {
            format!("{text}\n")
        };
        body.push_str(&format!("\n{fence}suggestion\n{text}{fence}\n"));
    }
    if let Some(uri) = &f.help_uri {
        body.push_str(&format!(
            "\n[{} documentation]({})\n",
            clip(&defuse(&f.rule_id), 100),
            uri.replace(['(', ')', ' '], "")
        ));
    }
    body.push_str(&format!("\n{}", marker(category, &f.fingerprint)));
    body
}

fn finding_line(f: &Finding, ctx: &Context) -> String {
    let at = f.place.as_ref().map_or_else(
        || "(no location)".to_owned(),
        |p| link(ctx, &p.path, p.line),
    );
    let first = f.message.lines().next().unwrap_or("");
    format!(
        "- {at} {} · **{}**: {}\n",
        f.severity.word(),
        clip(&defuse(&f.title()), 200),
        clip(&defuse(first), 300)
    )
}

fn list(out: &mut String, findings: &[&Finding], ctx: &Context) {
    for f in findings.iter().take(MAX_LIST) {
        out.push_str(&finding_line(f, ctx));
    }
    if findings.len() > MAX_LIST {
        out.push_str(&format!(
            "- … and {} more in the job summary\n",
            findings.len() - MAX_LIST
        ));
    }
}

/// The review's body: counts, then what could not be commented inline.
pub fn review_body(
    posted: usize,
    overflow: &[&Finding],
    elsewhere: &[&Finding],
    ctx: &Context,
    max_comments: usize,
) -> String {
    let mut body = format!(
        "**berth** found {posted} new finding{} on lines this pull request changes.\n",
        if posted == 1 { "" } else { "s" }
    );
    if !overflow.is_empty() {
        body.push_str(&format!(
            "\n{} more on changed lines were not commented (at most {max_comments} comments per run); the next run posts them:\n\n",
            overflow.len()
        ));
        list(&mut body, overflow, ctx);
    }
    if !elsewhere.is_empty() {
        body.push_str(&format!(
            "\n<details><summary>{} finding{} in changed files, outside the changed lines</summary>\n\n",
            elsewhere.len(),
            if elsewhere.len() == 1 { "" } else { "s" }
        ));
        list(&mut body, elsewhere, ctx);
        body.push_str("\n</details>\n");
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_and_the_last_one_wins() {
        let body = format!("text\n{}", marker("my tool", "abc"));
        assert_eq!(read_marker(&body), Some(("my tool", "abc", false)));
        let forged = format!("{}\n{}", marker("berth", "forged"), marker("berth", "real"));
        assert_eq!(read_marker(&forged), Some(("berth", "real", false)));
        let resolved = format!("x {} y {}", marker("b", "1"), resolved_marker("b", "1"));
        assert_eq!(read_marker(&resolved), Some(("b", "1", true)));
        assert_eq!(read_marker("no marker <!-- berth-finding x"), None);
    }

    #[test]
    fn defused_text_holds_no_marker_and_pings_no_one() {
        let evil = format!("see {} and @org/team or a@b.c", marker("berth", "deadbeef"));
        let safe = defuse(&evil);
        assert_eq!(read_marker(&safe), None);
        assert!(!safe.contains("<!--") && !safe.contains("-->"));
        assert!(safe.contains("@\u{2060}org/team"));
        assert!(safe.contains("a@b.c"), "an address keeps its @");
    }

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("héllo", 3), "hél… (cut)");
        assert_eq!(clip("abc", 3), "abc");
    }
}
