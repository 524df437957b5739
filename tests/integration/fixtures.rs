//! Every fixture case: its findings belong to its rule, and its text output is
//! snapshotted; the `ok/` corpus stays silent.

use crate::support::{Berth, cases, fixtures, rule_ids};

/// Rules reported at warning or error level (notes are informational and
/// fire on many healthy files: no restart policy, no USER).
fn check_json(dir: &std::path::Path) -> Vec<String> {
    let out = Berth::new()
        .current_dir(dir)
        .args(["check", ".", "--format", "json"])
        .run();
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] != "note")
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// The case's findings of one rule, opt-in rules included.
fn check_selected(dir: &std::path::Path, code: &str) -> Vec<String> {
    let out = Berth::new()
        .current_dir(dir)
        .args(["check", ".", "--format", "json", "--select", code])
        .run();
    rule_ids(&out.stdout)
}

#[test]
fn rule_fixtures_report_their_rule_and_match_snapshots() {
    let mut seen = 0;
    for rule_dir in cases(&fixtures()) {
        let name = rule_dir.file_name().unwrap().to_string_lossy().to_string();
        if name == "ok" {
            continue;
        }
        let code = name.split('-').next().unwrap().to_string();
        for case in cases(&rule_dir) {
            let case_name = case.file_name().unwrap().to_string_lossy().to_string();
            let selected = check_selected(&case, &code);
            assert!(
                !selected.is_empty(),
                "{name}/{case_name}: no {code} finding"
            );
            let ids = check_json(&case);
            // Other rules may fire only where the case says so, in `expect-also`.
            let also: Vec<String> = std::fs::read_to_string(case.join("expect-also"))
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from)
                .collect();
            assert!(
                ids.iter().all(|i| *i == code || also.contains(i)),
                "{name}/{case_name}: findings of other rules: {ids:?}"
            );
            let text = Berth::new()
                .current_dir(&case)
                .args(["check", ".", "--select", &code])
                .run();
            assert!(!text.stdout.contains('\u{1b}'), "no colour when piped");
            insta::assert_snapshot!(format!("{code}__{case_name}"), text.stdout);
            seen += 1;
        }
    }
    assert!(seen >= 20, "only {seen} rule fixture cases");
}

#[test]
fn ok_corpus_is_silent() {
    let ok = fixtures().join("ok");
    // Silent, not only free of errors. (The seed's fixed files keep their
    // literal passwords; tests/integration/examples.rs checks they have no error.)
    let all = cases(&ok);
    assert!(all.len() >= 8);
    for case in all {
        let ids = check_json(&case);
        assert!(ids.is_empty(), "{}: {ids:?}", case.display());
    }
}

#[test]
fn every_rule_has_a_fixture_folder() {
    for r in berth::rules::registry() {
        let m = r.meta();
        let dir = fixtures().join(format!("{}-{}", m.code, m.name));
        assert!(dir.is_dir(), "missing fixture folder {}", dir.display());
    }
}
