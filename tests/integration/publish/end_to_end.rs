//! Checking and publishing together: `berth check` then `berth publish` by
//! hand, and the Action's entry point (`berth action`) that does both.

use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use super::{Run, TOKEN, pr_files, sarif};
use crate::github::{FakeGitHub, HEAD, OWNER_REPO, PR};
use crate::support::{Berth, copy_dir, repo};

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
