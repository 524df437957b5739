//! SARIF: the seed's log as a reviewed snapshot, and fingerprints that do not
//! move when unrelated lines are inserted above the finding.

use crate::support::{Berth, copy_dir, fixtures};

fn sarif(dir: &std::path::Path) -> serde_json::Value {
    let out = Berth::new()
        .current_dir(dir)
        .args(["check", ".", "--format", "sarif"])
        .run();
    assert_eq!(out.code, 1, "{out:?}");
    serde_json::from_str(&out.stdout).expect("SARIF is JSON")
}

#[test]
fn seed_sarif_snapshot() {
    // A copy that is its own repository: fingerprints are relative to the
    // repository root, and this keeps them the same in a clone or a tarball.
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &fixtures().join("B101-mount-shadows-build-output/seed-incident"),
        tmp.path(),
    );
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    let out = Berth::new()
        .current_dir(tmp.path())
        .args(["check", ".", "--format", "sarif"])
        .run();
    let version = env!("CARGO_PKG_VERSION");
    let stable = out.stdout.replace(version, "<version>");
    insta::assert_snapshot!("sarif__seed_incident", stable);
}

#[test]
fn sarif_lists_every_rule_and_indexes_results() {
    let log = sarif(&fixtures().join("B101-mount-shadows-build-output/seed-incident"));
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let enabled = berth::rules::registry()
        .iter()
        .filter(|r| !r.meta().opt_in)
        .count();
    assert_eq!(rules.len(), enabled);
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "B101")
        .unwrap();
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], result["ruleId"]);
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "%SRCROOT%"
    );
    assert_eq!(result["relatedLocations"].as_array().unwrap().len(), 2);
}

fn fingerprints(log: &serde_json::Value) -> (serde_json::Value, u64) {
    let r = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "B101")
        .unwrap();
    (
        r["partialFingerprints"].clone(),
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap(),
    )
}

#[test]
fn fingerprints_survive_unrelated_insertions() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &fixtures().join("B101-mount-shadows-build-output/seed-incident"),
        tmp.path(),
    );
    let (before, line_before) = fingerprints(&sarif(tmp.path()));

    let compose = tmp.path().join("docker-compose.yml");
    let text = std::fs::read_to_string(&compose).unwrap();
    let moved = text.replacen(
        "services:\n",
        "# Production stack.\n# Owner: platform team.\n\nservices:\n",
        1,
    );
    std::fs::write(&compose, moved).unwrap();
    let dockerfile = tmp.path().join("backend/Dockerfile");
    let text = std::fs::read_to_string(&dockerfile).unwrap();
    std::fs::write(&dockerfile, format!("# syntax=docker/dockerfile:1\n{text}")).unwrap();

    let (after, line_after) = fingerprints(&sarif(tmp.path()));
    assert_eq!(line_after, line_before + 3, "the finding moved down");
    assert_eq!(before, after, "fingerprints stayed the same");

    // Changing the mount itself is a different finding.
    let text = std::fs::read_to_string(&compose).unwrap();
    std::fs::write(&compose, text.replace("./backend:/app", "./backend:/app/")).unwrap();
    let (same_target, _) = fingerprints(&sarif(tmp.path()));
    assert_eq!(
        before["berth/v1"], same_target["berth/v1"],
        "same service and normalised target"
    );
    assert_ne!(
        before["primaryLocationLineHash"],
        same_target["primaryLocationLineHash"]
    );
}

/// The mount rules carry what a review comment shows: a before/after view of
/// the container directory and a whole-line fix that removes the mount
/// (checked by hand against the fixture files).
#[test]
fn mount_findings_carry_a_view_and_a_fix() {
    let dir = fixtures().join("B102-source-mount-in-production/python-source");
    let out = Berth::new()
        .current_dir(&dir)
        .args(["check", ".", "--format", "sarif", "--select", "B102"])
        .run();
    let log: serde_json::Value = serde_json::from_str(&out.stdout).expect("SARIF is JSON");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(
        result["properties"]["berth"]["containerView"],
        "Without the mount, /srv/api holds what the image put there:\n/srv/api\n\
         ├── (all of it)  ← from the image\n└── requirements.txt  ← from the image\n\n\
         With `./api:/srv/api`, /srv/api is ./api from the host instead:\n/srv/api\n└── Dockerfile\n"
    );
    // `volumes:` and its only entry, lines 6 and 7, with their line breaks.
    assert_eq!(
        result["fixes"][0]["artifactChanges"][0]["replacements"][0],
        serde_json::json!({"deletedRegion": {"startLine": 6, "startColumn": 1, "endLine": 8, "endColumn": 1},
            "insertedContent": {"text": ""}})
    );
    // With a second volume entry only the mount's own line goes.
    let dir = fixtures().join("B102-source-mount-in-production/node-modules-trick");
    let out = Berth::new()
        .current_dir(&dir)
        .args(["check", ".", "--format", "sarif", "--select", "B102"])
        .run();
    let log: serde_json::Value = serde_json::from_str(&out.stdout).expect("SARIF is JSON");
    assert_eq!(
        log["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"],
        serde_json::json!({"startLine": 5, "startColumn": 1, "endLine": 6, "endColumn": 1})
    );
}
