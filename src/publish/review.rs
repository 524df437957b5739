//! Pull-request review: which lines the PR changed (from the files' patches),
//! which findings land on them, what berth already said on the PR (hidden
//! fingerprint markers), and one review with only what is new.

use std::collections::{BTreeSet, HashMap, HashSet};

use http::Method;
use serde_json::{Value, json};

use super::context::Context;
use super::findings::{Finding, Severity};
use super::http::{Api, ApiError};

/// GitHub lists at most 3,000 files of a pull request.
const MAX_PAGES: usize = 30;
/// A review comment holds at most 65,536 characters; stay well under.
const MAX_COMMENT_CHARS: usize = 60_000;

/// The lines of one file a review comment may target (right side).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileDiff {
    /// Lines the pull request added or changed.
    pub added: BTreeSet<u32>,
    /// Every new-side line inside a hunk (added and context): a comment may
    /// span these.
    pub in_hunks: BTreeSet<u32>,
}

/// Parse a file's `patch` (hunks only, as GitHub gives it).
pub fn parse_patch(patch: &str) -> Result<FileDiff, String> {
    let text = format!(
        "--- a\n+++ b\n{patch}{}",
        if patch.ends_with('\n') { "" } else { "\n" }
    );
    let parsed = diffy::Patch::from_str(&text).map_err(|e| e.to_string())?;
    let mut diff = FileDiff::default();
    for hunk in parsed.hunks() {
        let mut line = u32::try_from(hunk.new_range().start()).map_err(|e| e.to_string())?;
        for l in hunk.lines() {
            match l {
                diffy::Line::Context(_) => {
                    diff.in_hunks.insert(line);
                    line += 1;
                }
                diffy::Line::Insert(_) => {
                    diff.in_hunks.insert(line);
                    diff.added.insert(line);
                    line += 1;
                }
                diffy::Line::Delete(_) => {}
            }
        }
    }
    Ok(diff)
}

/// Where a finding's comment goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub path: String,
    pub line: u32,
    /// First line of a multi-line comment (a suggestion spanning lines).
    pub start_line: Option<u32>,
    /// The comment sits on a changed evidence line, not on the finding's own.
    pub on_evidence: bool,
    /// The suggestion can be offered (its lines are all in one diff view).
    pub suggest: bool,
}

/// A finding's comment target in this diff, if it has one.
pub fn target(f: &Finding, diffs: &HashMap<String, FileDiff>) -> Option<Target> {
    let place = f.place.as_ref()?;
    if let Some(d) = diffs.get(&place.path)
        && (place.line..=place.end_line).any(|l| d.added.contains(&l))
        && d.in_hunks.contains(&place.line)
    {
        let mut t = Target {
            path: place.path.clone(),
            line: place.line,
            start_line: None,
            on_evidence: false,
            suggest: false,
        };
        if let Some(s) = &f.suggestion
            && (s.start_line..=s.end_line).all(|l| d.in_hunks.contains(&l))
        {
            t.line = s.end_line;
            t.start_line = (s.start_line < s.end_line).then_some(s.start_line);
            t.suggest = true;
        }
        return Some(t);
    }
    f.evidence.iter().find_map(|e| {
        let d = diffs.get(&e.place.path)?;
        d.added.contains(&e.place.line).then(|| Target {
            path: e.place.path.clone(),
            line: e.place.line,
            start_line: None,
            on_evidence: true,
            suggest: false,
        })
    })
}

/// One of berth's earlier comments on the pull request.
#[derive(Debug, Clone)]
pub struct Earlier {
    pub id: u64,
    pub fingerprint: String,
    pub resolved: bool,
    pub has_replies: bool,
    pub body: String,
}

fn marker(category: &str, fingerprint: &str) -> String {
    format!("<!-- berth-finding {category} {fingerprint} -->")
}

fn resolved_marker(category: &str, fingerprint: &str) -> String {
    format!("<!-- berth-resolved {category} {fingerprint} -->")
}

/// berth's comments of this category among a PR's review comments.
pub fn earlier_comments(comments: &[Value], category: &str) -> Vec<Earlier> {
    let replied: HashSet<u64> = comments
        .iter()
        .filter_map(|c| c.get("in_reply_to_id").and_then(Value::as_u64))
        .collect();
    let mut out = Vec::new();
    for c in comments {
        let (Some(id), Some(body)) = (
            c.get("id").and_then(Value::as_u64),
            c.get("body").and_then(Value::as_str),
        ) else {
            continue;
        };
        for (prefix, resolved) in [
            ("<!-- berth-finding ", false),
            ("<!-- berth-resolved ", true),
        ] {
            let Some(start) = body.find(prefix) else {
                continue;
            };
            let rest = &body[start + prefix.len()..];
            let Some(end) = rest.find(" -->") else {
                continue;
            };
            if let Some((cat, fp)) = rest[..end].split_once(' ')
                && cat == category
            {
                out.push(Earlier {
                    id,
                    fingerprint: fp.to_owned(),
                    resolved,
                    has_replies: replied.contains(&id),
                    body: body.to_owned(),
                });
            }
        }
    }
    out
}

/// What one run will do on the pull request.
#[derive(Debug, Default)]
pub struct Plan<'a> {
    pub comments: Vec<(&'a Finding, Target)>,
    /// New findings on changed lines beyond `max_comments`.
    pub overflow: Vec<&'a Finding>,
    /// Findings in changed files, not on changed lines.
    pub elsewhere: Vec<&'a Finding>,
    /// berth comments whose finding is gone: delete (no replies) or mark.
    pub delete: Vec<u64>,
    pub mark_resolved: Vec<&'a Earlier>,
    /// Findings already commented on.
    pub already: usize,
}

pub fn plan<'a>(
    findings: &'a [Finding],
    diffs: &HashMap<String, FileDiff>,
    earlier: &'a [Earlier],
    max_comments: usize,
) -> Plan<'a> {
    let active: HashSet<&str> = earlier
        .iter()
        .filter(|e| !e.resolved)
        .map(|e| e.fingerprint.as_str())
        .collect();
    let current: HashSet<&str> = findings.iter().map(|f| f.fingerprint.as_str()).collect();
    let mut plan = Plan::default();
    let mut seen = HashSet::new();
    for f in findings {
        if !seen.insert(f.fingerprint.as_str()) {
            continue;
        }
        match target(f, diffs) {
            Some(_) if active.contains(f.fingerprint.as_str()) => plan.already += 1,
            Some(t) if plan.comments.len() < max_comments => plan.comments.push((f, t)),
            Some(_) => plan.overflow.push(f),
            None => {
                if f.place
                    .as_ref()
                    .is_some_and(|p| diffs.contains_key(&p.path))
                {
                    plan.elsewhere.push(f);
                }
            }
        }
    }
    let mut handled = HashSet::new();
    for e in earlier.iter().filter(|e| !e.resolved) {
        if current.contains(e.fingerprint.as_str()) || !handled.insert(e.id) {
            continue;
        }
        if e.has_replies {
            plan.mark_resolved.push(e);
        } else {
            plan.delete.push(e.id);
        }
    }
    plan
}

fn link(ctx: &Context, path: &str, line: u32) -> String {
    match ctx.blob_url(path, line) {
        Some(url) => format!("[`{path}:{line}`]({url})"),
        None => format!("`{path}:{line}`"),
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

/// The body of a finding's review comment.
pub fn comment_body(f: &Finding, t: &Target, ctx: &Context, category: &str) -> String {
    let mut body = format!(
        "{} · **{}** ({})\n\n{}\n",
        badge(f.severity),
        f.title(),
        f.tool,
        f.message
    );
    if t.on_evidence
        && let Some(p) = &f.place
    {
        body.push_str(&format!(
            "\nReported at {}; this changed line is part of the evidence.\n",
            link(ctx, &p.path, p.line)
        ));
    }
    if !f.evidence.is_empty() {
        body.push_str("\n**Evidence**\n");
        for e in &f.evidence {
            body.push_str(&format!(
                "- {} {}\n",
                link(ctx, &e.place.path, e.place.line),
                e.message
            ));
            if let Some(snippet) = &e.place.snippet {
                let fence = fence(snippet);
                body.push_str(&format!(
                    "  {fence}\n  {}\n  {fence}\n",
                    snippet.trim_end().replace('\n', "\n  ")
                ));
            }
        }
    }
    if let Some(view) = &f.view {
        let fence = fence(view);
        body.push_str(&format!("\n{fence}text\n{}\n{fence}\n", view.trim_end()));
    }
    if let Some(help) = &f.help {
        body.push_str(&format!("\n**How to fix:** {help}\n"));
    }
    if t.suggest
        && let Some(s) = &f.suggestion
    {
        let fence = fence(&s.text);
        let text = if s.text.is_empty() {
            String::new()
        } else {
            format!("{}\n", s.text)
        };
        body.push_str(&format!("\n{fence}suggestion\n{text}{fence}\n"));
    }
    if let Some(uri) = &f.help_uri {
        body.push_str(&format!("\n[{} documentation]({uri})\n", f.rule_id));
    }
    if body.len() > MAX_COMMENT_CHARS {
        let mut cut = MAX_COMMENT_CHARS;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
        body.push_str("\n\n(cut: the full finding is in the job summary)\n");
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
        "- {} {} · **{}**: {first}\n",
        at,
        f.severity.word(),
        f.title()
    )
}

/// The review's body: counts, then what could not be commented inline.
pub fn review_body(plan: &Plan<'_>, ctx: &Context, max_comments: usize) -> String {
    let n = plan.comments.len();
    let mut body = format!(
        "**berth** found {n} new finding{} on lines this pull request changes.\n",
        if n == 1 { "" } else { "s" }
    );
    if !plan.overflow.is_empty() {
        body.push_str(&format!(
            "\n{} more on changed lines were not commented (at most {max_comments} comments per run); the next run posts them:\n\n",
            plan.overflow.len()
        ));
        for f in &plan.overflow {
            body.push_str(&finding_line(f, ctx));
        }
    }
    if !plan.elsewhere.is_empty() {
        body.push_str(&format!(
            "\n<details><summary>{} finding{} in changed files, outside the changed lines</summary>\n\n",
            plan.elsewhere.len(),
            if plan.elsewhere.len() == 1 { "" } else { "s" }
        ));
        for f in &plan.elsewhere {
            body.push_str(&finding_line(f, ctx));
        }
        body.push_str("\n</details>\n");
    }
    if body.len() > MAX_COMMENT_CHARS {
        let mut cut = MAX_COMMENT_CHARS;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
        body.push_str("\n\n(cut: the full list is in the job summary)\n");
    }
    body
}

/// What the review step did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Posted {
    pub comments: usize,
    pub overflow: usize,
    pub elsewhere: usize,
    pub already: usize,
    pub deleted: usize,
    pub resolved: usize,
}

/// Why the review could not be written; the caller falls back.
#[derive(Debug)]
pub enum ReviewError {
    /// The token may not review here (fork pull requests: 403 or 404).
    NotAllowed(String),
    Failed(String),
}

fn classify(e: ApiError) -> ReviewError {
    match e.status {
        Some(403 | 404) => ReviewError::NotAllowed(e.to_string()),
        _ => ReviewError::Failed(e.to_string()),
    }
}

async fn list_all(api: &Api, route: &str) -> Result<Vec<Value>, ReviewError> {
    let mut items = Vec::new();
    let mut next = Some(format!("{route}?per_page=100&page=1"));
    let mut pages = 0;
    while let Some(r) = next.take() {
        pages += 1;
        let reply = api.send_ok(Method::GET, &r, None).await.map_err(classify)?;
        let page = match reply.json() {
            Some(Value::Array(a)) => a,
            _ => {
                return Err(ReviewError::Failed(format!(
                    "GET {r}: the answer is not a list"
                )));
            }
        };
        let full = page.len() >= 100;
        items.extend(page);
        if pages >= MAX_PAGES {
            break;
        }
        next = match reply.next_link() {
            Some(url) => api.route_of(&url),
            // Without a Link header, a full page means there may be more.
            None if full => Some(format!("{route}?per_page=100&page={}", pages + 1)),
            None => None,
        };
    }
    Ok(items)
}

/// Review the pull request `number` with these findings.
pub async fn review(
    api: &Api,
    ctx: &Context,
    findings: &[Finding],
    category: &str,
    max_comments: usize,
) -> Result<Posted, ReviewError> {
    let pr = ctx
        .pull_request
        .as_ref()
        .ok_or_else(|| ReviewError::Failed("not a pull request run".into()))?;
    let pulls = format!("{}/pulls/{}", ctx.repo_route(), pr.number);
    let head = match &pr.head_sha {
        Some(sha) => sha.clone(),
        None => {
            let reply = api
                .send_ok(Method::GET, &pulls, None)
                .await
                .map_err(classify)?;
            let sha = reply
                .json()
                .and_then(|v| {
                    v.pointer("/head/sha")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .ok_or_else(|| ReviewError::Failed(format!("GET {pulls}: no head commit")))?;
            if let Some(run_head) = &ctx.run_head_sha
                && run_head != &sha
            {
                return Err(ReviewError::Failed(format!(
                    "pull request #{}'s head is {sha}, not {run_head} that the analysis ran on: not reviewing it",
                    pr.number
                )));
            }
            sha
        }
    };
    let files = list_all(api, &format!("{pulls}/files")).await?;
    let mut diffs = HashMap::new();
    for f in &files {
        let Some(name) = f.get("filename").and_then(Value::as_str) else {
            continue;
        };
        let diff = match f.get("patch").and_then(Value::as_str) {
            Some(patch) => parse_patch(patch).unwrap_or_else(|e| {
                eprintln!(
                    "berth: the patch of {name} cannot be read ({e}); no comments on its lines"
                );
                FileDiff::default()
            }),
            // Large or binary files come without a patch.
            None => FileDiff::default(),
        };
        diffs.insert(name.to_owned(), diff);
    }
    let comments = list_all(api, &format!("{pulls}/comments")).await?;
    let earlier = earlier_comments(&comments, category);
    let plan = plan(findings, &diffs, &earlier, max_comments);
    let mut posted = Posted {
        comments: plan.comments.len(),
        overflow: plan.overflow.len(),
        elsewhere: plan.elsewhere.len(),
        already: plan.already,
        ..Posted::default()
    };
    if !plan.comments.is_empty() {
        let items: Vec<Value> = plan
            .comments
            .iter()
            .map(|(f, t)| {
                let mut c = json!({
                    "path": t.path,
                    "line": t.line,
                    "side": "RIGHT",
                    "body": comment_body(f, t, ctx, category),
                });
                if let Some(start) = t.start_line {
                    c["start_line"] = json!(start);
                    c["start_side"] = json!("RIGHT");
                }
                c
            })
            .collect();
        let body = json!({
            "commit_id": head,
            "event": "COMMENT",
            "body": review_body(&plan, ctx, max_comments),
            "comments": items,
        });
        api.send_ok(Method::POST, &format!("{pulls}/reviews"), Some(&body))
            .await
            .map_err(classify)?;
    }
    let comment_route = |id: u64| format!("{}/pulls/comments/{id}", ctx.repo_route());
    for id in &plan.delete {
        match api.send(Method::DELETE, &comment_route(*id), None).await {
            Ok(r) if r.ok() || r.status == 404 => posted.deleted += 1,
            Ok(r) => eprintln!(
                "berth: cannot delete comment {id}: HTTP {} {}",
                r.status,
                r.message()
            ),
            Err(e) => eprintln!("berth: cannot delete comment {id}: {e}"),
        }
    }
    let short = head.get(..7).unwrap_or(&head);
    for e in &plan.mark_resolved {
        let original = e
            .body
            .replace(&marker(category, &e.fingerprint), "")
            .trim_end()
            .to_owned();
        let body = format!(
            "**Resolved:** berth no longer reports this at {short}.\n\n<details><summary>The original comment</summary>\n\n{original}\n\n</details>\n\n{}",
            resolved_marker(category, &e.fingerprint)
        );
        match api
            .send_ok(
                Method::PATCH,
                &comment_route(e.id),
                Some(&json!({ "body": body })),
            )
            .await
        {
            Ok(_) => posted.resolved += 1,
            Err(err) => eprintln!("berth: cannot update comment {}: {err}", e.id),
        }
    }
    Ok(posted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::findings::{Evidence, Place, Suggestion};

    fn finding(path: &str, line: u32, fp: &str) -> Finding {
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
            fingerprint: fp.into(),
        }
    }

    const PATCH: &str = "@@ -1,3 +1,4 @@\n services:\n-  a: 1\n+  a: 2\n+  b: 3\n   c: 4\n@@ -20,2 +21,2 @@\n x\n-y\n+z\n\\ No newline at end of file";

    #[test]
    fn patch_lines_are_mapped_to_the_new_file() {
        let d = parse_patch(PATCH).expect("patch");
        assert_eq!(d.added.iter().copied().collect::<Vec<_>>(), vec![2, 3, 22]);
        assert_eq!(
            d.in_hunks.iter().copied().collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 21, 22]
        );
        assert!(
            parse_patch("not a patch @@")
                .map(|d| d.added.is_empty())
                .unwrap_or(true)
        );
    }

    fn diffs() -> HashMap<String, FileDiff> {
        HashMap::from([("compose.yml".to_owned(), parse_patch(PATCH).expect("patch"))])
    }

    #[test]
    fn only_added_lines_get_comments() {
        let d = diffs();
        assert_eq!(
            target(&finding("compose.yml", 3, "a"), &d).map(|t| t.line),
            Some(3)
        );
        assert_eq!(
            target(&finding("compose.yml", 4, "a"), &d),
            None,
            "a context line is not a change"
        );
        assert_eq!(target(&finding("other.yml", 3, "a"), &d), None);
        let mut via = finding("other.yml", 9, "a");
        via.evidence.push(Evidence {
            place: Place {
                path: "compose.yml".into(),
                line: 22,
                end_line: 22,
                snippet: None,
            },
            message: "puts".into(),
        });
        let t = target(&via, &d).expect("evidence line changed");
        assert!(t.on_evidence);
        assert_eq!((t.path.as_str(), t.line), ("compose.yml", 22));
    }

    #[test]
    fn suggestions_span_their_lines() {
        let mut f = finding("compose.yml", 2, "a");
        f.suggestion = Some(Suggestion {
            start_line: 2,
            end_line: 3,
            text: String::new(),
        });
        let t = target(&f, &diffs()).expect("changed");
        assert_eq!((t.start_line, t.line, t.suggest), (Some(2), 3, true));
        f.suggestion = Some(Suggestion {
            start_line: 3,
            end_line: 9,
            text: String::new(),
        });
        assert!(
            !target(&f, &diffs()).expect("changed").suggest,
            "line 9 is outside the hunk"
        );
    }

    #[test]
    fn plan_dedupes_limits_and_cleans_up() {
        let findings = vec![
            finding("compose.yml", 2, "new1"),
            finding("compose.yml", 3, "new2"),
            finding("compose.yml", 22, "old"),
            finding("compose.yml", 10, "elsewhere"),
        ];
        let comments = vec![
            json!({"id": 1, "body": format!("x\n{}", marker("berth", "old"))}),
            json!({"id": 2, "body": format!("x\n{}", marker("berth", "gone"))}),
            json!({"id": 3, "body": format!("x\n{}", marker("berth", "gone-replied"))}),
            json!({"id": 4, "body": "human", "in_reply_to_id": 3}),
            json!({"id": 5, "body": format!("x\n{}", marker("hadolint", "other-tool"))}),
            json!({"id": 6, "body": format!("x\n{}", resolved_marker("berth", "done"))}),
        ];
        let earlier = earlier_comments(&comments, "berth");
        let p = plan(&findings, &diffs(), &earlier, 1);
        assert_eq!(p.comments.len(), 1);
        assert_eq!(p.comments[0].0.fingerprint, "new1");
        assert_eq!(p.overflow.len(), 1);
        assert_eq!(p.already, 1);
        assert_eq!(p.elsewhere.len(), 1);
        assert_eq!(
            p.delete,
            vec![2],
            "another category's comment is not ours to delete"
        );
        assert_eq!(
            p.mark_resolved.iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![3]
        );
    }

    #[test]
    fn comment_carries_marker_fix_and_suggestion() {
        let ctx = Context::from_env(
            &|k| match k {
                "GITHUB_REPOSITORY" => Some("a/b".into()),
                "GITHUB_SHA" => Some("s".into()),
                _ => None,
            },
            None,
        )
        .expect("context");
        let mut f = finding("compose.yml", 2, "fp1");
        f.suggestion = Some(Suggestion {
            start_line: 2,
            end_line: 2,
            text: String::new(),
        });
        f.help_uri = Some("https://example.com/B101".into());
        let t = target(&f, &diffs()).expect("changed");
        let body = comment_body(&f, &t, &ctx, "berth");
        assert!(body.contains("**How to fix:** remove it"));
        assert!(body.contains("```suggestion\n```"));
        assert!(body.contains("[B101 documentation](https://example.com/B101)"));
        assert!(body.ends_with("<!-- berth-finding berth fp1 -->"));
        assert_eq!(
            earlier_comments(&[json!({"id": 9, "body": body})], "berth")[0].fingerprint,
            "fp1"
        );
    }
}
