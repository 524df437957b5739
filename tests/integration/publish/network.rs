//! Talking to the API: 5xx answers, timeouts and rate limits are retried
//! within bounds, a review is not posted twice after a 502, and an API root
//! under a path (GitHub Enterprise Server) is kept on every request.

use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::ResponseTemplate;

use super::{Run, pr_files, review_opts, sarif};
use crate::github::{FakeGitHub, OWNER_REPO, PR};

#[test]
fn server_errors_and_timeouts_are_retried() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(0);
    let files = format!("GET /repos/{OWNER_REPO}/pulls/{PR}/files");
    gh.state().fault(&files, ResponseTemplate::new(500));
    gh.state().fault(
        &files,
        ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"),
    );
    gh.state().fault(
        &files,
        ResponseTemplate::new(200).set_delay(Duration::from_secs(3)),
    );
    let run = Run::pull_request(&gh);
    let p = run.publish(&review_opts(
        &run,
        &sarif(&[("B101", "error", "compose.yml", 2, "a")]),
    ));
    assert!(!p.failed);
    let s = gh.state();
    assert_eq!(
        s.count("GET", &format!("/repos/{OWNER_REPO}/pulls/{PR}/files")),
        4,
        "500, 502, timeout, then the answer"
    );
    assert_eq!(s.reviews.len(), 1);
}

#[test]
fn retries_are_bounded() {
    let gh = FakeGitHub::start();
    let files = format!("GET /repos/{OWNER_REPO}/pulls/{PR}/files");
    for _ in 0..10 {
        gh.state().fault(&files, ResponseTemplate::new(503));
    }
    let run = Run::pull_request(&gh);
    let mut o = review_opts(&run, &sarif(&[]));
    o.retry.attempts = 3;
    let p = run.publish(&o);
    assert!(p.failed, "a review that cannot be read is a failure");
    assert_eq!(
        gh.state()
            .count("GET", &format!("/repos/{OWNER_REPO}/pulls/{PR}/files")),
        3
    );
    assert!(
        run.summary().contains("## berth:"),
        "the summary is still written"
    );
}

#[test]
fn secondary_rate_limit_waits_for_retry_after() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(0);
    gh.state().fault(
        &format!("POST /repos/{OWNER_REPO}/pulls/{PR}/reviews"),
        ResponseTemplate::new(403)
            .insert_header("retry-after", "1")
            .set_body_json(json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."})),
    );
    let run = Run::pull_request(&gh);
    let started = Instant::now();
    let p = run.publish(&review_opts(
        &run,
        &sarif(&[("B101", "error", "compose.yml", 2, "a")]),
    ));
    assert!(!p.failed);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited as asked"
    );
    let s = gh.state();
    assert_eq!(
        s.count("POST", &format!("/repos/{OWNER_REPO}/pulls/{PR}/reviews")),
        2
    );
    assert_eq!(s.reviews.len(), 1);
}

#[test]
fn an_absurd_retry_after_ends_the_request_instead_of_waiting() {
    let gh = FakeGitHub::start();
    gh.state().fault(
        &format!("GET /repos/{OWNER_REPO}/pulls/{PR}"),
        ResponseTemplate::new(429).insert_header("retry-after", "18446744073709551615"),
    );
    let run = Run::pull_request(&gh);
    let started = Instant::now();
    let p = run.publish(&review_opts(&run, &sarif(&[])));
    assert!(p.failed, "the review could not be done");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        gh.state()
            .count("GET", &format!("/repos/{OWNER_REPO}/pulls/{PR}")),
        1
    );
}

#[test]
fn a_review_stored_before_a_502_is_not_posted_twice() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(0);
    gh.state().store_then_fail = 1;
    let run = Run::pull_request(&gh);
    let log = sarif(&[
        ("B101", "error", "compose.yml", 2, "a"),
        ("B101", "error", "Dockerfile", 5, "b"),
    ]);
    let p = run.publish(&review_opts(&run, &log));
    assert!(!p.failed);
    let s = gh.state();
    assert_eq!(
        s.count("POST", &format!("/repos/{OWNER_REPO}/pulls/{PR}/reviews")),
        1,
        "berth looked and found it stored"
    );
    assert_eq!(s.berth_comments().len(), 2);
}

#[test]
fn github_enterprise_serves_the_api_under_a_path() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(150);
    let mut run = Run::pull_request(&gh);
    run.vars
        .insert("GITHUB_API_URL".into(), format!("{}/api/v3/", gh.uri));
    let log = sarif(&[("B101", "error", "compose.yml", 2, "a")]);
    assert!(!run.publish(&review_opts(&run, &log)).failed);
    let s = gh.state();
    assert_eq!(s.reviews.len(), 1);
    assert!(
        s.requests
            .iter()
            .all(|(_, p, _)| p.starts_with("/api/v3/repos/")),
        "{:?}",
        s.requests
    );
    assert_eq!(
        s.count(
            "GET",
            &format!("/api/v3/repos/{OWNER_REPO}/pulls/{PR}/files?per_page=100&page=2")
        ),
        1,
        "the Link to page 2 keeps the path"
    );
}
