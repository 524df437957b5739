//! Planning a review, without I/O: given berth's earlier comments on the
//! pull request, the diff and the findings, which comments to post, which to
//! delete or mark resolved, and the review's summary. The I/O half in
//! `review/mod.rs` fetches what this needs and carries the plan out.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use super::Scope;
use crate::publish::comment::{self, Placement, read_marker, resolved_marker};
use crate::publish::context::Context;
use crate::publish::diff::{FileDiff, Workspace, anchor};
use crate::publish::findings::Finding;
use crate::publish::lenient::lenient;
use crate::publish::log::Redactor;

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

/// A review comment as GitHub lists it: only what berth reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReviewComment {
    pub id: u64,
    #[serde(default, deserialize_with = "lenient")]
    pub body: Option<String>,
    /// Set on a reply; a value that is not an id still marks one.
    #[serde(default, deserialize_with = "reply_to")]
    pub in_reply_to_id: Option<Option<u64>>,
}

/// `None` when the field is absent or null; `Some(None)` for a value that is
/// there but not an id.
fn reply_to<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<u64>>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok((!v.is_null()).then(|| v.as_u64()))
}

/// berth's comments of this category among a PR's review comments. Only
/// top-level comments count: replies are people talking.
pub fn earlier_comments(comments: &[ReviewComment], category: &str) -> Vec<Earlier> {
    let replied: HashSet<u64> = comments.iter().filter_map(|c| c.in_reply_to_id?).collect();
    comments
        .iter()
        .filter(|c| c.in_reply_to_id.is_none())
        .filter_map(|c| {
            let body = c.body.as_deref()?;
            let (cat, fp, resolved) = read_marker(body)?;
            (cat == category).then(|| Earlier {
                id: c.id,
                fingerprint: fp.to_owned(),
                resolved,
                has_replies: replied.contains(&c.id),
                body: body.to_owned(),
            })
        })
        .collect()
}

/// The triage of one run: which findings get a comment, which are over the
/// limit or off the changed lines, and which earlier comments are stale.
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

/// Everything one run will do on the pull request.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReviewPlan {
    /// The review to post; `None` when nothing is new.
    pub review: Option<NewReview>,
    /// Stale comments nobody answered: deleted.
    pub delete: Vec<u64>,
    /// Stale comments with replies: rewritten as resolved, kept.
    pub resolve: Vec<Resolve>,
    pub counts: Counts,
}

/// One review: its summary and one comment per new finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview {
    pub commit_id: String,
    pub body: String,
    pub comments: Vec<NewComment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    /// The finding's, also in the body's marker: what a retry checks for.
    pub fingerprint: String,
    pub path: String,
    pub line: u32,
    pub start_line: Option<u32>,
    pub body: String,
}

/// A stale comment's new body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolve {
    pub id: u64,
    pub body: String,
}

/// What the plan found, for the log.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub comments: usize,
    pub overflow: usize,
    pub elsewhere: usize,
    pub already: usize,
}

/// What a review plan is made from.
pub struct Inputs<'a> {
    pub findings: &'a [Finding],
    pub diffs: &'a HashMap<String, FileDiff>,
    /// The analysed checkout, to place merge-commit lines on the head's.
    pub ws: &'a Workspace,
    /// The pull request's review comments, all of them.
    pub comments: &'a [ReviewComment],
    pub ctx: &'a Context,
    pub scope: &'a Scope<'a>,
    /// Masks the token in what berth posts.
    pub redactor: &'a Redactor,
}

/// Plan one run's review.
pub fn plan_review(i: &Inputs<'_>) -> ReviewPlan {
    let Scope {
        head,
        category,
        max_comments,
    } = *i.scope;
    let earlier = earlier_comments(i.comments, category);
    let exact = i.ctx.sha.as_deref() == Some(head);
    let p = plan(i.findings, i.diffs, i.ws, exact, &earlier, max_comments);
    let review = (!p.comments.is_empty()).then(|| {
        let body = comment::review_body(
            p.comments.len(),
            &p.overflow,
            &p.elsewhere,
            i.ctx,
            max_comments,
        );
        NewReview {
            commit_id: head.to_owned(),
            body: i.redactor.apply(&body),
            comments: p
                .comments
                .iter()
                .map(|(f, t)| new_comment(f, t, i.ctx, category, i.redactor))
                .collect(),
        }
    });
    let short = head.get(..7).unwrap_or(head);
    ReviewPlan {
        review,
        delete: p.delete.clone(),
        resolve: p
            .mark_resolved
            .iter()
            .map(|e| Resolve {
                id: e.id,
                body: resolved_body(e, category, short),
            })
            .collect(),
        counts: Counts {
            comments: p.comments.len(),
            overflow: p.overflow.len(),
            elsewhere: p.elsewhere.len(),
            already: p.already,
        },
    }
}

fn new_comment(
    f: &Finding,
    t: &Target,
    ctx: &Context,
    category: &str,
    redactor: &Redactor,
) -> NewComment {
    let at = Placement {
        on_evidence: t.on_evidence,
        suggestion: f
            .suggestion
            .as_ref()
            .filter(|_| t.suggest)
            .map(|s| s.text.as_str()),
    };
    NewComment {
        fingerprint: f.fingerprint.clone(),
        path: t.path.clone(),
        line: t.line,
        start_line: t.start_line,
        body: redactor.apply(&comment::comment_body(f, &at, ctx, category)),
    }
}

/// A stale comment that people answered: kept, marked resolved at `short`.
fn resolved_body(e: &Earlier, category: &str, short: &str) -> String {
    let original = e
        .body
        .replace(&comment::marker(category, &e.fingerprint), "")
        .trim_end()
        .to_owned();
    format!(
        "**Resolved:** berth no longer reports this at {short}.\n\n<details><summary>The original comment</summary>\n\n{original}\n\n</details>\n\n{}",
        resolved_marker(category, &e.fingerprint)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::comment::marker;
    use crate::publish::diff::parse_patch;
    use crate::publish::findings::{Evidence, Place, Suggestion};
    use serde_json::json;

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

    /// berth's comments 1 (still found), 2 (gone), 3 (gone, answered by 4),
    /// another tool's 5, an already resolved 6, and a reply 7 quoting a marker.
    fn existing() -> Vec<ReviewComment> {
        serde_json::from_value(json!([
            {"id": 1, "body": format!("x\n{}", marker("berth", "old"))},
            {"id": 2, "body": format!("x\n{}", marker("berth", "gone"))},
            {"id": 3, "body": format!("x\n{}", marker("berth", "gone-replied"))},
            {"id": 4, "body": "human", "in_reply_to_id": 3},
            {"id": 5, "body": format!("x\n{}", marker("hadolint", "other-tool"))},
            {"id": 6, "body": format!("x\n{}", resolved_marker("berth", "done"))},
            {"id": 7, "body": format!("quoting {}", marker("berth", "quoted")), "in_reply_to_id": 1},
        ]))
        .expect("comments")
    }

    fn context() -> Context {
        let vars = |k: &str| match k {
            "GITHUB_REPOSITORY" => Some("acme/app".to_owned()),
            "GITHUB_SHA" => Some("1111111111".to_owned()),
            _ => None,
        };
        Context::from_env(&vars, Some(7)).expect("context")
    }

    fn review_plan(findings: &[Finding], comments: &[ReviewComment], max: usize) -> ReviewPlan {
        let scope = Scope {
            head: "1111111111",
            category: "berth",
            max_comments: max,
        };
        plan_review(&Inputs {
            findings,
            diffs: &diffs(),
            ws: &Workspace::new(None),
            comments,
            ctx: &context(),
            scope: &scope,
            redactor: &Redactor::new(["s3cr3t-token".to_owned()]),
        })
    }

    #[test]
    fn a_review_plan_needs_no_http() {
        let mut secret = finding("compose.yml", 3, "new2");
        secret.message = "mounts ./s3cr3t-token".into();
        let findings = vec![
            finding("compose.yml", 2, "new1"),
            secret,
            finding("compose.yml", 22, "old"),
            finding("compose.yml", 10, "elsewhere"),
        ];
        let p = review_plan(&findings, &existing(), 1);
        let review = p.review.expect("something new");
        assert_eq!(review.commit_id, "1111111111");
        let placed: Vec<_> = review
            .comments
            .iter()
            .map(|c| {
                (
                    c.fingerprint.as_str(),
                    c.path.as_str(),
                    c.line,
                    c.start_line,
                )
            })
            .collect();
        assert_eq!(placed, vec![("new1", "compose.yml", 2, None)]);
        assert!(review.comments[0].body.ends_with(&marker("berth", "new1")));
        assert!(
            review
                .body
                .starts_with("**berth** found 1 new finding on lines"),
            "{}",
            review.body
        );
        assert!(
            review
                .body
                .contains("1 more on changed lines were not commented")
        );
        assert!(
            review
                .body
                .contains("1 finding in changed files, outside the changed lines")
        );
        assert!(!review.body.contains("s3cr3t-token"), "{}", review.body);
        assert_eq!(
            p.counts,
            Counts {
                comments: 1,
                overflow: 1,
                elsewhere: 1,
                already: 1
            }
        );
    }

    #[test]
    fn a_review_plan_deletes_or_resolves_what_is_gone() {
        let p = review_plan(&[finding("compose.yml", 22, "old")], &existing(), 25);
        assert_eq!(p.delete, vec![2], "nobody answered it");
        assert_eq!(p.resolve.len(), 1, "answered: kept, marked");
        assert_eq!(p.resolve[0].id, 3);
        assert!(
            p.resolve[0]
                .body
                .starts_with("**Resolved:** berth no longer reports this at 1111111.")
        );
        assert_eq!(
            read_marker(&p.resolve[0].body),
            Some(("berth", "gone-replied", true))
        );
    }

    #[test]
    fn nothing_new_plans_no_review() {
        let findings = vec![finding("compose.yml", 22, "old")];
        let p = review_plan(&findings, &existing(), 25);
        assert_eq!(p.review, None);
        assert_eq!(p.counts.already, 1);
        let none = review_plan(&[], &[], 25);
        assert_eq!(none, ReviewPlan::default());
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
        let earlier = earlier_comments(&existing(), "berth");
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
