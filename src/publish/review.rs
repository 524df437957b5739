//! Pull-request review: which findings land on changed lines, what berth
//! already said on the pull request (hidden fingerprint markers), and one
//! review with only what is new; stale comments are removed or marked.

use std::collections::{HashMap, HashSet};

use http::Method;
use serde_json::{Value, json};

use super::comment::{self, Placement, read_marker, resolved_marker};
use super::context::Context;
use super::diff::{FileDiff, Workspace, anchor, parse_patch};
use super::error::PublishError;
use super::findings::Finding;
use super::http::Api;

/// GitHub lists at most 3,000 files of a pull request.
const MAX_PAGES: usize = 30;

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

/// A finding's comment target in this diff, if it has one. `exact`: the
/// analysis ran on the head commit (see [`anchor`]).
pub fn target(
    f: &Finding,
    diffs: &HashMap<String, FileDiff>,
    ws: &Workspace,
    exact: bool,
) -> Option<Target> {
    let place = f.place.as_ref()?;
    if let Some(d) = diffs.get(&place.path) {
        // The first changed line of the finding's range carries the comment.
        let hit = if exact {
            d.added.range(place.line..=place.end_line).next().copied()
        } else {
            anchor(d, ws, &place.path, place.line, false)
        };
        if let Some(line) = hit {
            let shift = i64::from(line) - i64::from(place.line);
            let moved = |l: u32| u32::try_from(i64::from(l) + shift).ok();
            let mut t = Target {
                path: place.path.clone(),
                line,
                start_line: None,
                on_evidence: false,
                suggest: false,
            };
            if let Some(s) = &f.suggestion
                && let (Some(a), Some(b)) = (moved(s.start_line), moved(s.end_line))
                && b.saturating_sub(a) < 200
                && (a..=b).all(|l| d.in_hunks(l))
            {
                t.line = b;
                t.start_line = (a < b).then_some(a);
                t.suggest = true;
            }
            return Some(t);
        }
    }
    f.evidence.iter().find_map(|e| {
        let d = diffs.get(&e.place.path)?;
        let line = anchor(d, ws, &e.place.path, e.place.line, exact)?;
        Some(Target {
            path: e.place.path.clone(),
            line,
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

/// berth's comments of this category among a PR's review comments. Only
/// top-level comments count: replies are people talking.
pub fn earlier_comments(comments: &[Value], category: &str) -> Vec<Earlier> {
    let replied: HashSet<u64> = comments
        .iter()
        .filter_map(|c| c.get("in_reply_to_id").and_then(Value::as_u64))
        .collect();
    comments
        .iter()
        .filter(|c| c.get("in_reply_to_id").is_none_or(Value::is_null))
        .filter_map(|c| {
            let id = c.get("id").and_then(Value::as_u64)?;
            let body = c.get("body").and_then(Value::as_str)?;
            let (cat, fp, resolved) = read_marker(body)?;
            (cat == category).then(|| Earlier {
                id,
                fingerprint: fp.to_owned(),
                resolved,
                has_replies: replied.contains(&id),
                body: body.to_owned(),
            })
        })
        .collect()
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
    ws: &Workspace,
    exact: bool,
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
        match target(f, diffs, ws, exact) {
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

/// What one review is of: the verified head commit, berth's category of
/// comments, and how many comments one run may post.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub head: &'a str,
    pub category: &'a str,
    pub max_comments: usize,
}

/// The pull request's head as GitHub has it, against what the run analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Head {
    /// The head is the analysed commit (or the run named none): review it.
    Verified(String),
    /// The pull request moved on; the run for its new head reviews it.
    Moved {
        number: u64,
        head: String,
        analysed: String,
    },
}

async fn list_all(api: &Api, route: &str) -> Result<Vec<Value>, PublishError> {
    let mut items = Vec::new();
    let mut next = Some(format!("{route}?per_page=100&page=1"));
    let mut pages = 0;
    while let Some(r) = next.take() {
        pages += 1;
        let reply = api.send_ok(Method::GET, &r, None).await?;
        let Some(page) = reply.parse::<Vec<Value>>() else {
            return Err(PublishError::Protocol(format!(
                "GET {r}: the answer is not a list"
            )));
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

/// The pull request's head commit, checked against what the run analysed.
pub async fn verified_head(api: &Api, ctx: &Context) -> Result<Head, PublishError> {
    #[derive(serde::Deserialize)]
    struct Pull {
        head: Option<Commit>,
    }
    #[derive(serde::Deserialize)]
    struct Commit {
        sha: Option<String>,
    }
    let pr = ctx
        .pull_request
        .as_ref()
        .ok_or_else(|| PublishError::Config("not a pull request run".into()))?;
    let route = format!("{}/pulls/{}", ctx.repo_route(), pr.number);
    let reply = api.send_ok(Method::GET, &route, None).await?;
    let head = reply
        .parse::<Pull>()
        .and_then(|p| p.head?.sha)
        .ok_or_else(|| PublishError::Protocol(format!("GET {route}: no head commit")))?;
    let expected = ctx.run_head_sha.as_ref().or(pr.head_sha.as_ref());
    match expected {
        Some(sha) if *sha != head => Ok(Head::Moved {
            number: pr.number,
            head,
            analysed: sha.clone(),
        }),
        _ => Ok(Head::Verified(head)),
    }
}

/// Post the new comments as one review. A 5xx or a timeout may come after
/// GitHub stored the review, so berth looks before posting again.
async fn post_review(
    api: &Api,
    pulls: &str,
    category: &str,
    mut review: Value,
) -> Result<(), PublishError> {
    let route = format!("{pulls}/reviews");
    let mut waits = backon::BackoffBuilder::build(api.policy().backoff());
    let mut attempts = 0;
    loop {
        attempts += 1;
        let fault = match api.send_once(Method::POST, &route, Some(&review)).await {
            Ok(reply) if reply.ok() => return Ok(()),
            Ok(reply) if reply.status >= 500 => api.refusal(&Method::POST, &route, &reply),
            Ok(reply) => return Err(api.refusal(&Method::POST, &route, &reply)),
            Err(e) => e,
        };
        let Some(wait) = waits.next() else {
            return Err(fault.after_attempts(attempts));
        };
        api.log().info(&format!(
            "{fault}; checking whether GitHub stored the review before retrying"
        ));
        tokio::time::sleep(wait).await;
        let now = list_all(api, &format!("{pulls}/comments")).await?;
        let present: HashSet<String> = earlier_comments(&now, category)
            .into_iter()
            .map(|e| e.fingerprint)
            .collect();
        let Some(items) = review.get_mut("comments").and_then(Value::as_array_mut) else {
            return Ok(());
        };
        items.retain(|c| {
            c.get("body")
                .and_then(Value::as_str)
                .and_then(read_marker)
                .is_none_or(|(_, fp, _)| !present.contains(fp))
        });
        if items.is_empty() {
            return Ok(());
        }
    }
}

/// Review the pull request with these findings. `head` is its verified head
/// commit; `ws` is the analysed checkout.
pub async fn review(
    api: &Api,
    ctx: &Context,
    scope: &Scope<'_>,
    ws: &Workspace,
    findings: &[Finding],
) -> Result<Posted, PublishError> {
    let (head, category, max_comments) = (scope.head, scope.category, scope.max_comments);
    let pr = ctx
        .pull_request
        .as_ref()
        .ok_or_else(|| PublishError::Config("not a pull request run".into()))?;
    let pulls = format!("{}/pulls/{}", ctx.repo_route(), pr.number);
    let files = list_all(api, &format!("{pulls}/files")).await?;
    let mut diffs = HashMap::new();
    for f in &files {
        let Some(name) = f.get("filename").and_then(Value::as_str) else {
            continue;
        };
        let diff = match f.get("patch").and_then(Value::as_str) {
            Some(patch) => parse_patch(patch).unwrap_or_else(|e| {
                api.log().info(&format!(
                    "the patch of {name} cannot be read ({e}); no comments on its lines"
                ));
                FileDiff::default()
            }),
            // Large or binary files come without a patch.
            None => FileDiff::default(),
        };
        diffs.insert(name.to_owned(), diff);
    }
    let comments = list_all(api, &format!("{pulls}/comments")).await?;
    let earlier = earlier_comments(&comments, category);
    let exact = ctx.sha.as_deref() == Some(head);
    let plan = plan(findings, &diffs, ws, exact, &earlier, max_comments);
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
                let at = Placement {
                    on_evidence: t.on_evidence,
                    suggestion: f
                        .suggestion
                        .as_ref()
                        .filter(|_| t.suggest)
                        .map(|s| s.text.as_str()),
                };
                let body = api
                    .redactor()
                    .apply(&comment::comment_body(f, &at, ctx, category));
                let mut c =
                    json!({ "path": t.path, "line": t.line, "side": "RIGHT", "body": body });
                if let Some(start) = t.start_line {
                    c["start_line"] = json!(start);
                    c["start_side"] = json!("RIGHT");
                }
                c
            })
            .collect();
        let body = comment::review_body(
            plan.comments.len(),
            &plan.overflow,
            &plan.elsewhere,
            ctx,
            max_comments,
        );
        let review = json!({
            "commit_id": head,
            "event": "COMMENT",
            "body": api.redactor().apply(&body),
            "comments": items,
        });
        post_review(api, &pulls, category, review).await?;
    }
    let comment_route = |id: u64| format!("{}/pulls/comments/{id}", ctx.repo_route());
    for id in &plan.delete {
        match api.send(Method::DELETE, &comment_route(*id), None).await {
            Ok(r) if r.ok() || r.status == 404 => posted.deleted += 1,
            Ok(r) => api.log().info(&format!(
                "cannot delete comment {id}: HTTP {} {}",
                r.status,
                r.error_body().text()
            )),
            Err(e) => api.log().info(&format!("cannot delete comment {id}: {e}")),
        }
    }
    let short = head.get(..7).unwrap_or(head);
    for e in &plan.mark_resolved {
        let original = e
            .body
            .replace(&comment::marker(category, &e.fingerprint), "")
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
            Err(err) => api
                .log()
                .info(&format!("cannot update comment {}: {err}", e.id)),
        }
    }
    Ok(posted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::comment::marker;
    use crate::publish::findings::{Evidence, Place, Suggestion};

    fn finding(path: &str, line: u32, fp: &str) -> Finding {
        Finding::example(path, line, fp)
    }

    const PATCH: &str = "@@ -1,3 +1,4 @@\n services:\n-  a: 1\n+  a: 2\n+  b: 3\n   c: 4\n@@ -20,2 +21,2 @@\n x\n-y\n+z\n\\ No newline at end of file";

    fn diffs() -> HashMap<String, FileDiff> {
        HashMap::from([("compose.yml".to_owned(), parse_patch(PATCH).expect("patch"))])
    }

    fn t(f: &Finding) -> Option<Target> {
        target(f, &diffs(), &Workspace::new(None), true)
    }

    #[test]
    fn only_added_lines_get_comments() {
        assert_eq!(t(&finding("compose.yml", 3, "a")).map(|t| t.line), Some(3));
        assert_eq!(
            t(&finding("compose.yml", 4, "a")),
            None,
            "a context line is not a change"
        );
        assert_eq!(t(&finding("other.yml", 3, "a")), None);
        let mut wide = finding("compose.yml", 4, "a");
        wide.place = Some(Place {
            path: "compose.yml".into(),
            line: 4,
            end_line: u32::MAX,
            snippet: None,
        });
        assert_eq!(
            t(&wide).map(|t| t.line),
            Some(22),
            "the first changed line of the range"
        );
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
        let t = t(&via).expect("evidence line changed");
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
        let got = t(&f).expect("changed");
        assert_eq!((got.start_line, got.line, got.suggest), (Some(2), 3, true));
        f.suggestion = Some(Suggestion {
            start_line: 3,
            end_line: 9,
            text: String::new(),
        });
        assert!(
            !t(&f).expect("changed").suggest,
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
            finding("compose.yml", 2, "new1"),
        ];
        let comments = vec![
            json!({"id": 1, "body": format!("x\n{}", marker("berth", "old"))}),
            json!({"id": 2, "body": format!("x\n{}", marker("berth", "gone"))}),
            json!({"id": 3, "body": format!("x\n{}", marker("berth", "gone-replied"))}),
            json!({"id": 4, "body": "human", "in_reply_to_id": 3}),
            json!({"id": 5, "body": format!("x\n{}", marker("hadolint", "other-tool"))}),
            json!({"id": 6, "body": format!("x\n{}", resolved_marker("berth", "done"))}),
            json!({"id": 7, "body": format!("quoting {}", marker("berth", "quoted")), "in_reply_to_id": 1}),
        ];
        let earlier = earlier_comments(&comments, "berth");
        let p = plan(
            &findings,
            &diffs(),
            &Workspace::new(None),
            true,
            &earlier,
            1,
        );
        assert_eq!(p.comments.len(), 1);
        assert_eq!(p.comments[0].0.fingerprint, "new1");
        assert_eq!(p.overflow.len(), 1, "the repeated fingerprint counts once");
        assert_eq!(p.already, 1);
        assert_eq!(p.elsewhere.len(), 1);
        assert_eq!(
            p.delete,
            vec![2],
            "another category's comment and a reply are not ours to delete"
        );
        assert_eq!(
            p.mark_resolved.iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![3]
        );
    }
}
