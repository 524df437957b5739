//! Pull-request review: which findings land on changed lines, what berth
//! already said on the pull request (hidden fingerprint markers), and one
//! review with only what is new; stale comments are removed or marked.
//! This half does the I/O: it fetches the files and comments, has
//! [`plan_review`] decide, and carries the plan out.

mod plan;

use std::collections::{HashMap, HashSet};

use http::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub use self::plan::{
    Counts, Earlier, Inputs, NewComment, NewReview, Plan, Resolve, ReviewComment, ReviewPlan,
    Target, earlier_comments, plan, plan_review, target,
};
use super::context::Context;
use super::diff::{FileDiff, Workspace, parse_patch};
use super::error::PublishError;
use super::findings::Finding;
use super::http::Api;
use super::lenient::lenient;

/// GitHub lists at most 3,000 files of a pull request.
const MAX_PAGES: usize = 30;

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

/// A file of the pull request as GitHub lists it.
#[derive(Debug, Deserialize)]
struct ChangedFile {
    filename: String,
    /// Absent for large and binary files.
    #[serde(default, deserialize_with = "lenient")]
    patch: Option<String>,
}

/// Every page of a list, up to [`MAX_PAGES`]. An entry that does not read
/// as `T` is left out.
async fn list_all<T: DeserializeOwned>(api: &Api, route: &str) -> Result<Vec<T>, PublishError> {
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
        items.extend(page.into_iter().filter_map(|v| T::deserialize(v).ok()));
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
    #[derive(Deserialize)]
    struct Pull {
        head: Option<Commit>,
    }
    #[derive(Deserialize)]
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

/// Review the pull request with these findings: fetch, plan, carry out.
/// `ws` is the analysed checkout.
pub async fn review(
    api: &Api,
    ctx: &Context,
    scope: &Scope<'_>,
    ws: &Workspace,
    findings: &[Finding],
) -> Result<Posted, PublishError> {
    let pr = ctx
        .pull_request
        .as_ref()
        .ok_or_else(|| PublishError::Config("not a pull request run".into()))?;
    let pulls = format!("{}/pulls/{}", ctx.repo_route(), pr.number);
    let files: Vec<ChangedFile> = list_all(api, &format!("{pulls}/files")).await?;
    let diffs = diffs_of(api, &files);
    let comments: Vec<ReviewComment> = list_all(api, &format!("{pulls}/comments")).await?;
    let plan = plan_review(&Inputs {
        findings,
        diffs: &diffs,
        ws,
        comments: &comments,
        ctx,
        scope,
        redactor: api.redactor(),
    });
    if let Some(review) = &plan.review {
        post_review(api, &pulls, scope.category, review).await?;
    }
    let comment_route = |id: u64| format!("{}/pulls/comments/{id}", ctx.repo_route());
    Ok(Posted {
        comments: plan.counts.comments,
        overflow: plan.counts.overflow,
        elsewhere: plan.counts.elsewhere,
        already: plan.counts.already,
        deleted: delete_stale(api, &plan.delete, comment_route).await,
        resolved: mark_resolved(api, &plan.resolve, comment_route).await,
    })
}

/// Each file's changed lines; a patch that cannot be read gets none.
fn diffs_of(api: &Api, files: &[ChangedFile]) -> HashMap<String, FileDiff> {
    files
        .iter()
        .map(|f| {
            let diff = match &f.patch {
                Some(patch) => parse_patch(patch).unwrap_or_else(|e| {
                    api.log().info(&format!(
                        "the patch of {} cannot be read ({e}); no comments on its lines",
                        f.filename
                    ));
                    FileDiff::default()
                }),
                None => FileDiff::default(),
            };
            (f.filename.clone(), diff)
        })
        .collect()
}

/// The body GitHub takes to create a review.
fn review_json(review: &NewReview, comments: &[&NewComment]) -> Value {
    let items: Vec<Value> = comments
        .iter()
        .map(|c| {
            let mut item =
                json!({ "path": c.path, "line": c.line, "side": "RIGHT", "body": c.body });
            if let Some(start) = c.start_line {
                item["start_line"] = json!(start);
                item["start_side"] = json!("RIGHT");
            }
            item
        })
        .collect();
    json!({
        "commit_id": review.commit_id,
        "event": "COMMENT",
        "body": review.body,
        "comments": items,
    })
}

/// Post the new comments as one review. A 5xx or a timeout may come after
/// GitHub stored the review, so berth looks before posting again, and posts
/// only the comments it does not find.
async fn post_review(
    api: &Api,
    pulls: &str,
    category: &str,
    review: &NewReview,
) -> Result<(), PublishError> {
    let route = format!("{pulls}/reviews");
    let mut waits = backon::BackoffBuilder::build(api.policy().backoff());
    let mut pending: Vec<&NewComment> = review.comments.iter().collect();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let body = review_json(review, &pending);
        let fault = match api.send_once(Method::POST, &route, Some(&body)).await {
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
        let now: Vec<ReviewComment> = list_all(api, &format!("{pulls}/comments")).await?;
        let stored: HashSet<String> = earlier_comments(&now, category)
            .into_iter()
            .map(|e| e.fingerprint)
            .collect();
        pending.retain(|c| !stored.contains(&c.fingerprint));
        if pending.is_empty() {
            return Ok(());
        }
    }
}

/// Delete stale comments nobody answered; how many are gone.
async fn delete_stale(api: &Api, ids: &[u64], route: impl Fn(u64) -> String) -> usize {
    let mut deleted = 0;
    for id in ids {
        match api.send(Method::DELETE, &route(*id), None).await {
            Ok(r) if r.ok() || r.status == 404 => deleted += 1,
            Ok(r) => api.log().info(&format!(
                "cannot delete comment {id}: HTTP {} {}",
                r.status,
                r.error_body().text()
            )),
            Err(e) => api.log().info(&format!("cannot delete comment {id}: {e}")),
        }
    }
    deleted
}

/// Rewrite answered stale comments as resolved; how many were.
async fn mark_resolved(api: &Api, marks: &[Resolve], route: impl Fn(u64) -> String) -> usize {
    let mut resolved = 0;
    for m in marks {
        let body = json!({ "body": m.body });
        match api.send_ok(Method::PATCH, &route(m.id), Some(&body)).await {
            Ok(_) => resolved += 1,
            Err(e) => api
                .log()
                .info(&format!("cannot update comment {}: {e}", m.id)),
        }
    }
    resolved
}
