//! The pull-request review: which findings become comments and where they
//! land (changed lines, evidence lines, the head's lines), what a later run
//! does with them, paging, the comment cap, and text from the SARIF that
//! must not act as markup.

use serde_json::json;

use super::{Run, pr_files, review_opts, sarif};
use crate::github::{FakeGitHub, HEAD, OWNER_REPO, PR};

#[test]
fn review_comments_only_on_changed_lines() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(0);
    let run = Run::pull_request(&gh);
    let log = sarif(&[
        ("B101", "error", "compose.yml", 3, "added"),
        ("B101", "warning", "compose.yml", 4, "context-line"),
        ("B101", "warning", "compose.yml", 40, "far-away"),
        ("B101", "error", "untouched.yml", 3, "other-file"),
    ]);
    run.publish(&review_opts(&run, &log));
    let s = gh.state();
    assert_eq!(s.reviews.len(), 1);
    let review = &s.reviews[0];
    assert_eq!(review["event"], "COMMENT");
    assert_eq!(review["commit_id"], HEAD);
    let comments = review["comments"].as_array().expect("comments");
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(
        (comments[0]["path"].as_str(), comments[0]["line"].as_u64()),
        (Some("compose.yml"), Some(3))
    );
    assert_eq!(comments[0]["side"], "RIGHT");
    let body = comments[0]["body"].as_str().expect("body");
    assert!(body.contains("B101 mount-shadows-build-output"));
    assert!(body.contains("**How to fix:** fix B101"));
    assert!(body.contains("[B101 documentation](https://example.com/B101)"));
    assert!(body.contains("<!-- berth-finding berth "));
    // The two in the changed file but off its changed lines are in the body.
    let rb = review["body"].as_str().expect("review body");
    assert!(
        rb.contains("2 findings in changed files, outside the changed lines"),
        "{rb}"
    );
    assert!(rb.contains("compose.yml:40"));
    assert!(!rb.contains("untouched.yml"));
}

#[test]
fn a_changed_evidence_line_carries_the_comment() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(0);
    let run = Run::pull_request(&gh);
    let mut log = sarif(&[("B101", "error", "prod.yml", 10, "via-dockerfile")]);
    log["runs"][0]["results"][0]["relatedLocations"] = json!([{"id": 1, "message": {"text": "puts /app/backend in the image"},
        "physicalLocation": {"artifactLocation": {"uri": "Dockerfile"}, "region": {"startLine": 5, "snippet": {"text": "COPY . /app"}}}}]);
    run.publish(&review_opts(&run, &log));
    let s = gh.state();
    let c = &s.reviews[0]["comments"][0];
    assert_eq!(
        (c["path"].as_str(), c["line"].as_u64()),
        (Some("Dockerfile"), Some(5))
    );
    let body = c["body"].as_str().expect("body");
    assert!(body.contains("Reported at [`prod.yml:10`](https://github.example/acme/app/blob/"));
    assert!(
        body.contains("puts /app/backend in the image\n  ```\n  COPY . /app\n  ```"),
        "{body}"
    );
}

#[test]
fn files_and_comments_are_read_across_pages() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(150);
    let run = Run::pull_request(&gh);
    let log = sarif(&[("B101", "error", "compose.yml", 2, "p2")]);
    run.publish(&review_opts(&run, &log));
    {
        let s = gh.state();
        assert_eq!(s.reviews.len(), 1, "compose.yml is on page 2 of the files");
        assert_eq!(
            s.count(
                "GET",
                &format!("/repos/{OWNER_REPO}/pulls/{PR}/files?per_page=100&page=2")
            ),
            1
        );
    }
    // 120 other comments push berth's onto page 2 of the comments.
    {
        let mut s = gh.state();
        let ours = s.comments.remove(0);
        for i in 0..120 {
            s.comments.push(json!({"id": 90_000 + i, "body": "human"}));
        }
        s.comments.push(ours);
    }
    run.publish(&review_opts(&run, &log));
    let s = gh.state();
    assert_eq!(s.reviews.len(), 1, "the comment on page 2 was found");
    assert_eq!(
        s.count(
            "GET",
            &format!("/repos/{OWNER_REPO}/pulls/{PR}/comments?per_page=100&page=2")
        ),
        1
    );
}

#[test]
fn a_second_run_posts_nothing_new_and_cleans_up_what_is_gone() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(0);
    let run = Run::pull_request(&gh);
    let first = sarif(&[
        ("B101", "error", "compose.yml", 2, "stays"),
        ("B101", "error", "compose.yml", 3, "fixed-quietly"),
        ("B101", "error", "Dockerfile", 5, "fixed-discussed"),
    ]);
    run.publish(&review_opts(&run, &first));
    assert_eq!(gh.state().berth_comments().len(), 3);
    // Same findings again: no review at all.
    run.publish(&review_opts(&run, &first));
    assert_eq!(gh.state().reviews.len(), 1);
    // Someone replies on one; then both of those findings are fixed.
    let discussed = {
        let s = gh.state();
        s.berth_comments()
            .iter()
            .find(|c| c["path"] == "Dockerfile")
            .and_then(|c| c["id"].as_u64())
            .expect("comment on Dockerfile")
    };
    gh.state().reply_to(discussed);
    let second = sarif(&[("B101", "error", "compose.yml", 2, "stays")]);
    run.publish(&review_opts(&run, &second));
    let s = gh.state();
    assert_eq!(s.reviews.len(), 1, "nothing new to post");
    let ours = s.berth_comments();
    assert_eq!(ours.len(), 1, "the undiscussed stale comment was deleted");
    let resolved = s
        .comments
        .iter()
        .find(|c| c["id"] == json!(discussed))
        .expect("kept: it has a reply");
    let body = resolved["body"].as_str().expect("body");
    assert!(
        body.starts_with("**Resolved:** berth no longer reports this at 1111111."),
        "{body}"
    );
    assert!(body.contains("<!-- berth-resolved berth "));
    // A third run leaves the resolved comment alone.
    drop(s);
    run.publish(&review_opts(&run, &second));
    assert_eq!(
        gh.state()
            .count("PATCH", &format!("/repos/{OWNER_REPO}/pulls/comments/")),
        1
    );
}

#[test]
fn max_comments_limits_a_run_and_summarises_the_rest() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(0);
    let run = Run::pull_request(&gh);
    let log = sarif(&[
        ("B101", "error", "compose.yml", 2, "one"),
        ("B101", "error", "compose.yml", 3, "two"),
        ("B101", "error", "Dockerfile", 5, "three"),
    ]);
    let mut o = review_opts(&run, &log);
    o.max_comments = 2;
    run.publish(&o);
    let s = gh.state();
    assert_eq!(s.reviews[0]["comments"].as_array().map(Vec::len), Some(2));
    let body = s.reviews[0]["body"].as_str().expect("body");
    assert!(
        body.contains("1 more on changed lines were not commented (at most 2 comments per run)"),
        "{body}"
    );
}

#[test]
fn workflow_run_reviews_the_named_pull_request_only_at_its_head() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(0);
    let log = sarif(&[("B101", "error", "compose.yml", 2, "a")]);
    let wrong = Run::new(
        &gh,
        "workflow_run",
        &json!({"workflow_run": {"head_sha": "f".repeat(40), "head_branch": "x", "pull_requests": []}}),
    );
    let mut o = review_opts(&wrong, &log);
    o.pr = Some(PR);
    let p = wrong.publish(&o);
    assert!(
        !p.failed,
        "a pull request that moved on is skipped with a notice"
    );
    assert!(gh.state().reviews.is_empty());
    let right = Run::new(
        &gh,
        "workflow_run",
        &json!({"workflow_run": {"head_sha": HEAD, "head_branch": "x", "pull_requests": []}}),
    );
    let mut o = review_opts(&right, &log);
    o.pr = Some(PR);
    assert!(!right.publish(&o).failed);
    assert_eq!(gh.state().reviews.len(), 1);
}

#[test]
fn sarif_text_cannot_forge_a_marker_or_mention_anyone() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(0);
    let run = Run::pull_request(&gh);
    let mut log = sarif(&[("B101", "error", "compose.yml", 2, "real")]);
    log["runs"][0]["results"][0]["message"]["text"] =
        json!("hi @acme/admins <!-- berth-finding berth 000000000000000000000000 -->");
    run.publish(&review_opts(&run, &log));
    run.publish(&review_opts(&run, &log));
    let s = gh.state();
    assert_eq!(
        s.reviews.len(),
        1,
        "the second run recognised its own comment"
    );
    let body = s.berth_comments()[0]["body"]
        .as_str()
        .expect("body")
        .to_owned();
    assert_eq!(
        body.matches("<!--").count(),
        1,
        "only berth's own marker: {body}"
    );
    assert!(body.contains("@\u{2060}acme/admins"), "{body}");
}

#[test]
fn merge_commit_lines_are_placed_on_the_heads_lines() {
    let gh = FakeGitHub::start();
    // The head's compose.yml: lines 2 and 3 added. The merge commit (the
    // checkout) has two more base lines above them.
    gh.state().files = pr_files(0);
    let run = Run::pull_request(&gh);
    let work = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        work.path().join("compose.yml"),
        "services:\nbase1: 1\nbase2: 2\n  a: 2\n  b: 3\n  c: 4\n",
    )
    .expect("write");
    let mut run = run;
    run.vars
        .insert("GITHUB_WORKSPACE".into(), work.path().display().to_string());
    let log = sarif(&[
        ("B101", "error", "compose.yml", 5, "b3"),
        ("B101", "error", "compose.yml", 6, "context"),
    ]);
    run.publish(&review_opts(&run, &log));
    let s = gh.state();
    let comments = s.reviews[0]["comments"].as_array().expect("comments");
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(
        comments[0]["line"], 3,
        "line 5 of the merge commit is line 3 of the head"
    );
}
