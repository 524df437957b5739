//! The code scanning upload: what is sent (gzipped, base64, with berth's
//! own names whatever the SARIF claims), and the processing status polled
//! until it is done.

use std::io::Read;

use base64::Engine as _;
use serde_json::{Value, json};

use super::{Run, TOKEN, sarif};
use crate::github::{FakeGitHub, HEAD, MERGE, OWNER_REPO, PR};
use berth::publish::Upload;

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
