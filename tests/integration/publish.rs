//! `berth publish` against a fake GitHub on loopback. Timing-sensitive cases
//! (retries, polling) call the library with a short retry policy; the rest
//! drive the real CLI.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use crate::github::{FakeGitHub, HEAD, MERGE, OWNER_REPO, PR};
use crate::support::{Berth, copy_dir, repo};
use berth::publish::{self, Options, Upload};

const TOKEN: &str = "ghs_TestToken0123456789abcdefSECRET";

/// One result: rule, level, path, line, fingerprint.
fn sarif(results: &[(&str, &str, &str, u32, &str)]) -> Value {
    let results: Vec<Value> = results
        .iter()
        .map(|(rule, level, path, line, fp)| {
            json!({
                "ruleId": rule, "level": level,
                "message": {"text": format!("{rule} finding\nHelp: fix {rule}")},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": line}}}],
                "partialFingerprints": {"berth/v1": fp}
            })
        })
        .collect();
    json!({"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{"tool": {"driver": {"name": "berth", "rules": [
            {"id": "B101", "name": "mount-shadows-build-output", "helpUri": "https://example.com/B101"}]}},
        "results": results}]})
}

/// compose.yml: lines 2-3 added, 1 and 4 context; Dockerfile: line 5 added.
fn pr_files(extra: usize) -> Vec<Value> {
    let mut files: Vec<Value> = (0..extra)
        .map(|i| json!({"filename": format!("docs/f{i}.md"), "status": "added", "patch": "@@ -0,0 +1 @@\n+x"}))
        .collect();
    files.push(json!({"filename": "compose.yml", "status": "modified",
        "patch": "@@ -1,3 +1,4 @@\n services:\n-  a: 1\n+  a: 2\n+  b: 3\n   c: 4"}));
    files.push(json!({"filename": "Dockerfile", "status": "modified", "patch": "@@ -4,1 +4,2 @@\n FROM x\n+COPY . /app"}));
    files
}

struct Run {
    dir: tempfile::TempDir,
    vars: HashMap<String, String>,
}

impl Run {
    fn new(gh: &FakeGitHub, event: &str, payload: &Value) -> Run {
        let dir = tempfile::tempdir().expect("tempdir");
        let event_path = dir.path().join("event.json");
        std::fs::write(&event_path, payload.to_string()).expect("event");
        let vars = HashMap::from(
            [
                ("GITHUB_REPOSITORY", OWNER_REPO.to_owned()),
                ("GITHUB_API_URL", gh.uri.clone()),
                ("GITHUB_SERVER_URL", "https://github.example".to_owned()),
                ("GITHUB_EVENT_NAME", event.to_owned()),
                ("GITHUB_EVENT_PATH", event_path.display().to_string()),
                ("GITHUB_SHA", MERGE.to_owned()),
                ("GITHUB_REF", format!("refs/pull/{PR}/merge")),
                ("GITHUB_TOKEN", TOKEN.to_owned()),
                (
                    "GITHUB_STEP_SUMMARY",
                    dir.path().join("summary.md").display().to_string(),
                ),
            ]
            .map(|(k, v)| (k.to_owned(), v)),
        );
        Run { dir, vars }
    }

    fn pull_request(gh: &FakeGitHub) -> Run {
        Run::new(
            gh,
            "pull_request",
            &json!({"pull_request": {"number": PR, "head": {"sha": HEAD, "repo": {"full_name": OWNER_REPO}},
                "base": {"repo": {"full_name": OWNER_REPO}}}}),
        )
    }

    fn write_sarif(&self, log: &Value) -> PathBuf {
        let path = self.dir.path().join("in.sarif");
        std::fs::write(&path, log.to_string()).expect("sarif");
        path
    }

    fn options(&self, log: &Value) -> Options {
        let mut o = Options::new(self.write_sarif(log));
        o.retry.base_delay = Duration::from_millis(20);
        o.retry.timeout = Duration::from_millis(800);
        o.retry.budget = Duration::from_secs(20);
        o.poll = Duration::from_millis(20);
        o.patience = Duration::from_secs(5);
        o
    }

    fn publish(&self, o: &Options) -> publish::Published {
        publish::run(o, &|k| self.vars.get(k).cloned()).expect("publish runs")
    }

    fn summary(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("summary.md")).unwrap_or_default()
    }

    fn cli(&self, args: &[&str]) -> crate::support::Output {
        let mut b = Berth::new()
            .args(["publish"])
            .args(args)
            .current_dir(self.dir.path());
        for (k, v) in &self.vars {
            b = b.env(k, v);
        }
        b.run()
    }
}

fn review_opts(run: &Run, log: &Value) -> Options {
    let mut o = run.options(log);
    o.review = true;
    o
}

#[test]
fn upload_is_gzipped_base64_and_polled_until_complete() {
    let gh = FakeGitHub::start();
    gh.state().statuses = [
        json!({"processing_status": "pending"}),
        json!({"processing_status": "complete"}),
    ]
    .into();
    let run = Run::pull_request(&gh);
    let log = sarif(&[("B101", "error", "compose.yml", 2, "a")]);
    let mut o = run.options(&log);
    o.upload = Upload::On;
    o.category = Some("berth-prod".into());
    let p = run.publish(&o);
    assert!(!p.failed);
    let s = gh.state();
    assert_eq!(s.uploads.len(), 1);
    let up = &s.uploads[0];
    assert_eq!(up["commit_sha"], MERGE);
    assert_eq!(up["ref"], format!("refs/pull/{PR}/merge"));
    assert_eq!(up["tool_name"], "berth");
    let gz = base64::engine::general_purpose::STANDARD
        .decode(up["sarif"].as_str().expect("sarif string"))
        .expect("base64");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .expect("gzip");
    let sent: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(sent["runs"][0]["results"], log["runs"][0]["results"]);
    assert_eq!(sent["runs"][0]["automationDetails"]["id"], "berth-prod/");
    assert_eq!(
        s.count("GET", &format!("/repos/{OWNER_REPO}/code-scanning/sarifs/")),
        2,
        "polled until complete"
    );
    assert!(
        s.requests
            .iter()
            .all(|(_, _, auth)| auth == &format!("Bearer {TOKEN}"))
    );
    // The file on disk is untouched.
    let on_disk: Value =
        serde_json::from_str(&std::fs::read_to_string(&o.sarif).expect("kept")).expect("json");
    assert_eq!(on_disk, log);
}

#[test]
fn failed_processing_is_a_failure() {
    let gh = FakeGitHub::start();
    gh.state().statuses = [json!({"processing_status": "failed", "errors": ["locationFromSarifResult: expected artifact location"]})].into();
    let run = Run::pull_request(&gh);
    let mut o = run.options(&sarif(&[]));
    o.upload = Upload::On;
    assert!(run.publish(&o).failed);
}

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
fn a_fork_token_falls_back_to_annotations_and_summary() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(0);
    gh.state().fault(
        &format!("POST /repos/{OWNER_REPO}/pulls/{PR}/reviews"),
        ResponseTemplate::new(403)
            .set_body_json(json!({"message": "Resource not accessible by integration"})),
    );
    let run = Run::pull_request(&gh);
    let path = run.write_sarif(&sarif(&[("B101", "error", "compose.yml", 2, "a")]));
    let out = run.cli(&["--sarif", path.to_str().expect("utf-8"), "--review"]);
    assert_eq!(out.code, 0, "a refused review is not a failure: {out:?}");
    assert!(
        out.stderr
            .contains("cannot review pull request #7 with this token"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("::error file=compose.yml,line=2,endLine=2,title=B101 mount-shadows-build-output::B101 finding"), "{}", out.stdout);
    let summary = run.summary();
    assert!(summary.contains("## berth: 1 error, 0 warnings, 0 notes"));
    assert!(summary.contains("cannot review pull request #7"));
    assert!(gh.state().reviews.is_empty());
}

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
fn the_token_never_appears_in_output() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(0);
    // A hostile or buggy server echoes the credential back.
    gh.state().fault(
        &format!("GET /repos/{OWNER_REPO}/pulls/{PR}/files"),
        ResponseTemplate::new(422).set_body_json(json!({"message": format!("bad token {TOKEN}")})),
    );
    let run = Run::pull_request(&gh);
    let path = run.write_sarif(&sarif(&[("B101", "error", "compose.yml", 2, "a")]));
    let out = run.cli(&[
        "--sarif",
        path.to_str().expect("utf-8"),
        "--review",
        "--summary",
        "--annotations",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("bad token ***"), "{}", out.stderr);
    for text in [&out.stdout, &out.stderr, &run.summary()] {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
    }
    assert!(
        gh.state()
            .requests
            .iter()
            .all(|(_, _, auth)| auth == &format!("Bearer {TOKEN}"))
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
fn without_a_token_publish_says_how_to_give_one() {
    let gh = FakeGitHub::start();
    let mut run = Run::pull_request(&gh);
    run.vars.remove("GITHUB_TOKEN");
    let path = run.write_sarif(&sarif(&[]));
    let out = run.cli(&["--sarif", path.to_str().expect("utf-8"), "--upload"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no token: set GITHUB_TOKEN"),
        "{}",
        out.stderr
    );
    assert!(gh.state().requests.is_empty());
}

/// The real flow: `berth check` writes SARIF for the seed incident, `berth
/// publish` reviews a pull request that added the mount line, twice.
#[test]
fn check_then_publish_twice_comments_once() {
    let gh = FakeGitHub::start();
    let work = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo().join("examples/seed-incident"), work.path());
    let out = Berth::new()
        .current_dir(work.path())
        .args(["check", ".", "--format", "sarif", "--output", "berth.sarif"])
        .run();
    assert_eq!(out.code, 1, "{out:?}");
    gh.state().files = vec![
        json!({"filename": "docker-compose.yml", "status": "modified",
        "patch": "@@ -8,2 +8,3 @@\n       - \"3000:3000\"\n-    volumes: {}\n+    volumes:\n+      - ./backend:/app # ← This is the problem!"}),
    ];
    let run = Run::pull_request(&gh);
    for _ in 0..2 {
        let mut b = Berth::new().current_dir(work.path()).args([
            "publish",
            "--sarif",
            "berth.sarif",
            "--review",
        ]);
        for (k, v) in &run.vars {
            b = b.env(k, v);
        }
        let out = b.run();
        assert_eq!(out.code, 0, "{out:?}");
    }
    let s = gh.state();
    assert_eq!(
        s.reviews.len(),
        1,
        "the second run finds its comment and posts nothing"
    );
    let comments = s.reviews[0]["comments"].as_array().expect("comments");
    let lines: Vec<(Option<&str>, Option<u64>)> = comments
        .iter()
        .map(|c| (c["path"].as_str(), c["line"].as_u64()))
        .collect();
    assert!(
        lines.contains(&(Some("docker-compose.yml"), Some(10))),
        "{lines:?}"
    );
    let b101 = comments
        .iter()
        .filter_map(|c| c["body"].as_str())
        .find(|b| b.contains("B101"))
        .expect("the flagship finding is commented");
    assert!(b101.contains("backend/Dockerfile:15"), "{b101}");
    assert!(b101.contains("backend/Dockerfile:19"), "{b101}");
}

/// The Action's entry point: inputs from `INPUT_*`, check, publish, outputs,
/// and the exit code by `fail-on` only after publishing.
fn action(
    run: &Run,
    workspace: &std::path::Path,
    inputs: &[(&str, &str)],
) -> crate::support::Output {
    let mut b = Berth::new().args(["action"]).current_dir(workspace);
    for (k, v) in &run.vars {
        if k != "GITHUB_TOKEN" {
            b = b.env(k, v);
        }
    }
    b = b
        .env("GITHUB_WORKSPACE", workspace.to_str().expect("utf-8"))
        .env(
            "GITHUB_OUTPUT",
            run.dir.path().join("outputs").to_str().expect("utf-8"),
        )
        .env("INPUT_GITHUB-TOKEN", TOKEN);
    for (k, v) in inputs {
        b = b.env(&format!("INPUT_{}", k.to_ascii_uppercase()), v);
    }
    b.run()
}

fn seed_workspace() -> tempfile::TempDir {
    let work = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo().join("examples/seed-incident"), work.path());
    work
}

#[test]
fn the_action_checks_publishes_then_fails_by_fail_on() {
    let gh = FakeGitHub::start();
    gh.state().files = vec![
        json!({"filename": "docker-compose.yml", "status": "modified",
        "patch": "@@ -9,1 +9,2 @@\n     volumes:\n+      - ./backend:/app # ← This is the problem!"}),
    ];
    let run = Run::pull_request(&gh);
    let work = seed_workspace();
    let out = action(
        &run,
        work.path(),
        &[
            ("path", "."),
            ("fail-on", "error"),
            ("sarif-file", "out.sarif"),
            ("upload-sarif", "auto"),
        ],
    );
    assert_eq!(out.code, 1, "the seed has an error: {out:?}");
    assert!(work.path().join("out.sarif").is_file());
    let outputs = std::fs::read_to_string(run.dir.path().join("outputs")).expect("outputs written");
    assert!(outputs.contains("sarif-file=out.sarif\n"), "{outputs}");
    assert!(outputs.contains("errors=1\n"), "{outputs}");
    let s = gh.state();
    assert_eq!(s.uploads.len(), 1, "published before failing");
    assert_eq!(s.reviews.len(), 1);
    assert_eq!(s.reviews[0]["comments"][0]["line"], 10);
    assert!(
        !out.stdout.contains("::error file="),
        "on a reviewed pull request the review carries the findings"
    );
    assert!(run.summary().contains("## berth: 1 error"));
}

#[test]
fn the_action_publishes_an_existing_sarif_without_checking() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(0);
    let run = Run::pull_request(&gh);
    let work = tempfile::tempdir().expect("tempdir");
    let log = sarif(&[("B101", "error", "compose.yml", 2, "a")]);
    std::fs::write(work.path().join("in.sarif"), log.to_string()).expect("sarif");
    let out = action(
        &run,
        work.path(),
        &[
            ("check", "false"),
            ("sarif-file", "in.sarif"),
            ("upload-sarif", "false"),
            ("fail-on", "warning"),
        ],
    );
    assert_eq!(
        out.code, 1,
        "fail-on warning counts the SARIF's error: {out:?}"
    );
    let again: Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("in.sarif")).expect("kept"))
            .expect("json");
    assert_eq!(again, log, "the SARIF file is not rewritten");
    let s = gh.state();
    assert_eq!(s.reviews.len(), 1);
    assert!(s.uploads.is_empty());
}

#[test]
fn the_action_on_a_fork_skips_the_upload_and_falls_back() {
    let gh = FakeGitHub::start();
    gh.state().files = vec![
        json!({"filename": "docker-compose.yml", "status": "modified",
        "patch": "@@ -9,1 +9,2 @@\n     volumes:\n+      - ./backend:/app # ← This is the problem!"}),
    ];
    gh.state().fault(
        &format!("POST /repos/{OWNER_REPO}/pulls/{PR}/reviews"),
        ResponseTemplate::new(403)
            .set_body_json(json!({"message": "Resource not accessible by integration"})),
    );
    let run = Run::new(
        &gh,
        "pull_request",
        &json!({"pull_request": {"number": PR, "head": {"sha": HEAD, "repo": {"full_name": "someone/app"}},
            "base": {"repo": {"full_name": OWNER_REPO}}}}),
    );
    let work = seed_workspace();
    let out = action(&run, work.path(), &[("fail-on", "never")]);
    assert_eq!(out.code, 0, "{out:?}");
    let s = gh.state();
    assert!(
        s.uploads.is_empty(),
        "a fork's read-only token cannot upload"
    );
    assert_eq!(s.count("POST", "/repos/acme/app/code-scanning"), 0);
    assert!(
        out.stderr.contains("code scanning upload skipped")
            || out.stdout.contains("code scanning upload skipped"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("::error file=docker-compose.yml,line=10"),
        "annotations instead of the review: {}",
        out.stdout
    );
}

#[test]
fn the_action_rejects_bad_inputs_before_doing_anything() {
    let gh = FakeGitHub::start();
    let run = Run::pull_request(&gh);
    let work = seed_workspace();
    let out = action(&run, work.path(), &[("fail-on", "sometimes")]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("input fail-on: `sometimes` is not error, warning, note or never"),
        "{}",
        out.stderr
    );
    assert!(gh.state().requests.is_empty());
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

#[test]
fn the_token_is_scrubbed_from_comments_and_uploads() {
    let gh = FakeGitHub::start();
    gh.state().files = pr_files(0);
    let run = Run::pull_request(&gh);
    let mut log = sarif(&[("B101", "error", "compose.yml", 2, "a")]);
    log["runs"][0]["results"][0]["message"]["text"] = json!(format!("mounts ./{TOKEN}:/app"));
    let mut o = review_opts(&run, &log);
    o.upload = Upload::On;
    assert!(!run.publish(&o).failed);
    let s = gh.state();
    let posted = serde_json::to_string(&s.reviews).expect("json");
    assert!(
        !posted.contains(TOKEN) && posted.contains("mounts ./***:/app"),
        "{posted}"
    );
    let gz = base64::engine::general_purpose::STANDARD
        .decode(s.uploads[0]["sarif"].as_str().expect("sarif"))
        .expect("base64");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .expect("gzip");
    assert!(!text.contains(TOKEN) && text.contains("***"));
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
fn the_fork_patterns_upload_takes_no_names_from_the_artifact() {
    let gh = FakeGitHub::start();
    let run = Run::new(
        &gh,
        "workflow_run",
        &json!({"workflow_run": {"head_sha": HEAD, "head_branch": "main", "pull_requests": [],
            "head_repository": {"full_name": "someone/app"}}, "repository": {"full_name": OWNER_REPO}}),
    );
    // Written by the fork's run: it claims to be another tool's analysis.
    let mut log = sarif(&[("B101", "error", "compose.yml", 2, "a")]);
    log["runs"][0]["tool"]["driver"]["name"] = json!("CodeQL");
    log["runs"][0]["automationDetails"] = json!({"id": "CodeQL/"});
    let mut o = run.options(&log);
    o.upload = Upload::On;
    o.pr = Some(PR);
    assert!(!run.publish(&o).failed);
    let s = gh.state();
    let up = &s.uploads[0];
    assert_eq!(up["tool_name"], "berth");
    assert_eq!(up["ref"], format!("refs/pull/{PR}/head"));
    assert_eq!(up["commit_sha"], HEAD);
    let gz = base64::engine::general_purpose::STANDARD
        .decode(up["sarif"].as_str().expect("sarif"))
        .expect("base64");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .expect("gzip");
    let sent: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(sent["runs"][0]["automationDetails"]["id"], "berth/");
}
