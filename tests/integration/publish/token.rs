//! The token: none at all, a fork's read-only one that cannot review (the
//! fallback to annotations and the summary), and one that never shows in
//! output, comments or uploads even when the server echoes it back.

use std::io::Read;

use base64::Engine as _;
use serde_json::json;
use wiremock::ResponseTemplate;

use super::{Run, TOKEN, pr_files, review_opts, sarif};
use crate::github::{FakeGitHub, OWNER_REPO, PR};
use berth::publish::Upload;

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
